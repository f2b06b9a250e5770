#include "control_surface.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "control_http.h"
#include "console_endpoint.h"
#include "control_json.h"
#include "source_endpoints.h"
#include "protocol/json_body.h"
#include "sluice/api/model.h"
#include "sluice/api/validator.h"
#include "sluice/common/ids.h"
#include "sluice/common/iso8601.h"

namespace sluice::control {

namespace http = boost::beast::http;

namespace {

// Steps one advance or settle may take: a bound, so that work that keeps
// rescheduling itself cannot hold a request forever.
constexpr int kMaxClockSteps = 100'000;
// Ten years: a manual clock moved further is a mistake in the test.
constexpr double kMaxAdvanceSeconds = 315'360'000;

constexpr std::string_view kPrefix = "/_sluice/";

// The state document's format; a document of any other is refused.
constexpr int kStateFormat = 1;

[[noreturn]] void Fail(unsigned status, std::string kind, std::string message) {
  throw ControlError{status, std::move(kind), std::move(message), ""};
}

[[noreturn]] void NoSuchPath(std::string_view path) {
  Fail(404, "NotFound",
       "no control at " + std::string(path) +
           "; see README \"Test controls\" for reset, outcomes, actions/complete, faults, clock and sources");
}

// The request's body as JSON; an empty body is an empty object.
nlohmann::json Body(const net::HttpRequest& request) {
  auto body = protocol::ParseJsonBody(request.body());
  if (!body) Fail(400, "BadRequest", "the body is not valid JSON: " + body.error().message());
  return std::move(*body);
}

domain::ScopeFilter ReadScopeFilter(FieldReader& fields) {
  return {fields.String("account"), fields.String("region")};
}


}  // namespace

net::HttpResponse ControlSurface::Handle(const net::HttpRequest& request) {
  if (IsConsolePath(PathOf(request))) return ServeConsole(request);
  try {
    unsigned status = 200;
    nlohmann::json body = Route(request, status);
    return JsonResponse(status, request, body);
  } catch (const ControlError& error) {
    return ErrorResponse(error, request);
  }
}

nlohmann::json ControlSurface::Route(const net::HttpRequest& request, unsigned& status) {
  const std::string_view path = PathOf(request);
  const http::verb method = request.method();
  const std::string_view name = path.substr(kPrefix.size());
  const auto only = [&](http::verb allowed) {
    if (method != allowed) {
      Fail(405, "MethodNotAllowed",
           std::string(path) + " takes " + std::string(http::to_string(allowed)) + ", not " +
               std::string(request.method_string()));
    }
  };
  // outcomes and faults: POST adds, GET lists, DELETE clears; DELETE <id>.
  const auto rules = [&](auto& book, std::string_view noun,
                         std::string_view id) -> nlohmann::json {
    if (!id.empty()) {
      only(http::verb::delete_);
      const std::size_t removed = book.Remove(std::string(id));
      if (removed == 0) Fail(404, "NotFound", "no " + std::string(noun) + " " + std::string(id));
      return {{"removed", removed}};
    }
    if (method == http::verb::post) {
      status = 201;
      return {{"id", book.Add(Body(request))}};
    }
    if (method == http::verb::get) return {{std::string(noun) + "s", book.List()}};
    if (method == http::verb::delete_) return {{"removed", book.Remove(std::nullopt)}};
    Fail(405, "MethodNotAllowed", std::string(path) + " takes GET, POST or DELETE");
  };
  const auto under = [&](std::string_view root) -> std::optional<std::string_view> {
    if (name == root) return std::string_view();
    if (name.size() > root.size() + 1 && name.substr(0, root.size()) == root &&
        name[root.size()] == '/') {
      return name.substr(root.size() + 1);
    }
    return std::nullopt;
  };

  if (name == "health") only(http::verb::get);  // GET is answered before the controls
  if (name == "state") {
    if (method == http::verb::get) return DumpState();
    only(http::verb::put);
    return LoadState(Body(request));
  }
  if (name == "reset") {
    only(http::verb::post);
    return Reset(Body(request));
  }
  if (const auto id = under("outcomes")) return rules(parts_.outcomes, "outcome", *id);
  if (const auto id = under("faults")) return rules(parts_.faults, "fault", *id);
  if (const auto kind = under("sources")) {
    only(http::verb::post);
    return HandleSourceChange(parts_.sources, *kind, Body(request),
                              {parts_.default_account, parts_.default_region});
  }
  if (name == "actions/complete") {
    only(http::verb::post);
    return Complete(Body(request));
  }
  if (name == "clock") {
    only(http::verb::get);
    return ClockState();
  }
  if (name == "clock/advance") {
    only(http::verb::post);
    return Advance(Body(request));
  }
  if (name == "clock/settle") {
    only(http::verb::post);
    return Settle(Body(request));
  }
  NoSuchPath(path);
}

nlohmann::json ControlSurface::Reset(const nlohmann::json& body) {
  FieldReader fields(body);
  const domain::ScopeFilter filter = ReadScopeFilter(fields);
  fields.Done();
  const bool everything = !filter.account_id && !filter.region;
  // Executions first: nothing runs on for a pipeline about to go.
  const domain::EngineRemoval engine = parts_.engine.RemoveAll(filter);
  nlohmann::json removed = {
      {"pipelines", parts_.pipelines.RemoveAll(filter)},
      {"executions", engine.executions},
      {"jobs", engine.jobs},
      {"actionTypes", parts_.action_types.RemoveAll(filter)},
      {"webhooks", parts_.webhooks.RemoveAll(filter)},
      {"outcomes", everything ? parts_.outcomes.Remove(std::nullopt)
                              : parts_.outcomes.RemoveFor(filter)},
      {"faults", everything ? parts_.faults.Remove(std::nullopt) : parts_.faults.RemoveFor(filter)},
  };
  // Events go last, once every change made before the reset has become one;
  // their numbering goes on, so a reader's `after` never names a new event.
  parts_.engine.FlushChanges();
  removed["events"] = parts_.events.RemoveAll(filter);
  return {{"removed", std::move(removed)}};
}

nlohmann::json ControlSurface::Complete(const nlohmann::json& body) {
  FieldReader fields(body);
  const domain::Scope scope = ReadScope(fields, {parts_.default_account, parts_.default_region});
  const std::string pipeline = Required(fields, "pipeline");
  const std::string execution_id = Required(fields, "executionId");
  const std::string stage = Required(fields, "stage");
  const std::string action = Required(fields, "action");
  const domain::ScriptedOutcome outcome = ReadOutcome(fields, false);
  fields.Done();
  const Status done =
      parts_.engine.CompleteAction(scope, pipeline, execution_id, stage, action, outcome);
  if (!done) Fail(404, "NotFound", done.error().message());
  return nlohmann::json::object();
}

FakeClock& ControlSurface::ManualClock() const {
  if (parts_.manual_clock == nullptr) {
    Fail(409, "Conflict",
         "sluice runs on the system clock; start it with --clock manual to move time");
  }
  return *parts_.manual_clock;
}

nlohmann::json ControlSurface::ClockState() const {
  const Clock::TimePoint now = parts_.clock.Now();
  return {{"mode", parts_.manual_clock != nullptr ? "manual" : "system"},
          {"now", ToEpochSeconds(now)},
          {"iso", FormatIso8601(now)}};
}

nlohmann::json ControlSurface::Advance(const nlohmann::json& body) {
  FieldReader fields(body);
  const auto seconds = fields.Number("seconds", 0, kMaxAdvanceSeconds);
  if (!seconds) BadField("seconds", "is required");
  fields.Done();
  FakeClock& clock = ManualClock();
  MutexLock lock(clock_mutex_);
  const Clock::TimePoint target =
      clock.Now() + Clock::Duration(static_cast<Clock::Duration::rep>(*seconds * 1000.0));
  // Everything that falls due on the way runs at its own time, in order.
  for (int step = 0; step < kMaxClockSteps; ++step) {
    const auto next = parts_.engine.NextDue();
    if (!next || *next > target) break;
    if (*next > clock.Now()) clock.Set(*next);
    parts_.engine.Advance();
  }
  clock.Set(target);
  parts_.engine.Advance();
  return ClockState();
}

nlohmann::json ControlSurface::Settle(const nlohmann::json& body) {
  FieldReader(body).Done();
  FakeClock& clock = ManualClock();
  MutexLock lock(clock_mutex_);
  // Work that runs by itself, never a deadline for someone's answer: a
  // settle must not time out the approval a test is about to give.
  parts_.engine.Advance();
  for (int step = 0; step < kMaxClockSteps; ++step) {
    const auto next = parts_.engine.NextDue(false);
    if (!next) break;
    if (*next > clock.Now()) clock.Set(*next);
    parts_.engine.Advance();
  }
  nlohmann::json state = ClockState();
  state["settled"] = !parts_.engine.NextDue(false).has_value();
  nlohmann::json waiting = nlohmann::json::array();
  for (const domain::WaitingWork& work : parts_.engine.Waiting()) {
    waiting.push_back({{"account", work.scope.account_id},
                       {"region", work.scope.region},
                       {"pipeline", work.pipeline},
                       {"executionId", work.execution_id},
                       {"stage", work.stage},
                       {"action", work.action},
                       {"on", work.on}});
  }
  state["waiting"] = std::move(waiting);
  return state;
}

nlohmann::json ControlSurface::GlobalsLocked() const {
  const IdSourceState ids = CurrentIdSource();
  return {{"format", kStateFormat},
          {"clock",
           {{"mode", parts_.manual_clock != nullptr ? "manual" : "system"},
            {"now", parts_.clock.Now().time_since_epoch().count()}}},
          {"ids", {{"seed", ids.seed ? nlohmann::json(*ids.seed) : nlohmann::json(nullptr)},
                   {"drawn", ids.drawn}}}};
}

nlohmann::json ControlSurface::DumpGlobals() {
  MutexLock lock(clock_mutex_);
  return GlobalsLocked();
}

nlohmann::json ControlSurface::DumpState() {
  // No clock move halfway through the dump, and every change made so far
  // among the events.
  MutexLock lock(clock_mutex_);
  parts_.engine.FlushChanges();
  nlohmann::json document = GlobalsLocked();
  document["pipelines"] = parts_.pipelines.DumpState();
  document["actionTypes"] = parts_.action_types.DumpState();
  document["webhooks"] = parts_.webhooks.DumpState();
  document["engine"] = parts_.engine.DumpState();
  document["outcomes"] = parts_.outcomes.DumpState();
  document["faults"] = parts_.faults.DumpState();
  document["events"] = parts_.events.DumpState();
  return document;
}

nlohmann::json ControlSurface::LoadState(const nlohmann::json& document) {
  FieldReader fields(document);
  const auto format = fields.Count("format", 0, UINT32_MAX);
  if (!format) BadField("format", "is required: a state document from GET /_sluice/state");
  if (*format != kStateFormat) {
    BadField("format", "is " + std::to_string(*format) + "; this sluice reads format " +
                           std::to_string(kStateFormat));
  }
  const auto section = [&](const std::string& key, bool array) -> const nlohmann::json& {
    const nlohmann::json* value = array ? fields.Array(key) : fields.Object(key);
    if (value == nullptr) BadField(key, "is required");
    return *value;
  };
  const nlohmann::json& pipelines = section("pipelines", true);
  const nlohmann::json& action_types = section("actionTypes", true);
  const nlohmann::json& webhooks = section("webhooks", true);
  const nlohmann::json& engine = section("engine", false);
  const nlohmann::json& outcomes = section("outcomes", false);
  const nlohmann::json& faults = section("faults", false);
  const nlohmann::json& clock = section("clock", false);
  const nlohmann::json& ids = section("ids", false);
  // Optional: a document without it loads with no events held.
  const nlohmann::json* events = fields.Object("events");
  fields.Done();

  const model::Operation& create = *model::FindOperation("CreatePipeline");
  try {
    // Everything is read before anything is replaced.
    for (std::size_t p = 0; p < pipelines.size(); ++p) {
      const auto& versions = pipelines[p].at("versions");
      for (std::size_t v = 0; v < versions.size(); ++v) {
        const auto declaration = nlohmann::json::parse(versions[v].get<std::string>());
        if (const Status valid = api::ValidateAgainstModel(create.input, {{"pipeline", declaration}});
            !valid) {
          throw std::invalid_argument("pipelines[" + std::to_string(p) + "].versions[" +
                                      std::to_string(v) + "]: " + valid.error().message());
        }
      }
    }
    auto staged_pipelines = parts_.pipelines.ParseState(pipelines);
    auto staged_types = parts_.action_types.ParseState(action_types);
    auto staged_webhooks = parts_.webhooks.ParseState(webhooks);
    // One view per version, shared by its runs: a document with many runs
    // of few pipelines parses each declaration once.
    std::map<std::string, std::shared_ptr<const domain::PipelineView>> views;
    auto staged_engine = parts_.engine.ParseState(
        engine, [&](const domain::Scope& scope, const std::string& name, int version) {
          auto& view = views[domain::ScopeKey(scope) + "/" + name + "/" + std::to_string(version)];
          if (!view) {
            view = store::InMemoryPipelineRepository::StagedView(*staged_pipelines, scope, name,
                                                                 version);
          }
          return view;
        });
    parts_.outcomes.LoadState(outcomes, false);
    parts_.faults.LoadState(faults, false);
    auto staged_events = events != nullptr ? std::optional(parts_.events.ParseState(*events))
                                           : std::nullopt;
    const auto now = Clock::TimePoint(Clock::Duration(clock.at("now").get<std::int64_t>()));
    IdSourceState id_source;
    if (!ids.at("seed").is_null()) id_source.seed = ids.at("seed").get<std::uint64_t>();
    id_source.drawn = ids.at("drawn").get<std::uint64_t>();

    MutexLock lock(clock_mutex_);
    // A manual clock takes the document's time; the system clock keeps its own.
    if (parts_.manual_clock != nullptr) parts_.manual_clock->Reset(now);
    RestoreIdSource(id_source);
    parts_.pipelines.CommitState(std::move(staged_pipelines));
    parts_.action_types.CommitState(std::move(staged_types));
    parts_.webhooks.CommitState(std::move(staged_webhooks));
    parts_.engine.CommitState(std::move(staged_engine));
    parts_.outcomes.LoadState(outcomes, true);
    parts_.faults.LoadState(faults, true);
    parts_.engine.FlushChanges();  // no change from before lands among the loaded events
    if (staged_events) {
      parts_.events.CommitState(std::move(*staged_events));
    } else {
      parts_.events.RemoveAll({});
    }
  } catch (const ControlError& error) {
    throw ControlError{400, "BadRequest",
                       "the state document is refused, and nothing changed: " + error.message,
                       error.field};
  } catch (const std::exception& error) {
    throw ControlError{400, "BadRequest",
                       std::string("the state document is refused, and nothing changed: ") +
                           error.what(),
                       ""};
  }
  std::size_t executions = 0;
  for (const auto& runtime : engine.at("pipelines")) executions += runtime.at("runs").size();
  return {{"loaded", {{"pipelines", pipelines.size()}, {"executions", executions}}}};
}

}  // namespace sluice::control
