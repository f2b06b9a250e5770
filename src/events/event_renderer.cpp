#include "events/event_renderer.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "sluice/common/iso8601.h"

namespace sluice::events {

namespace {

using nlohmann::ordered_json;  // members in the order the AWS examples list them
using domain::ActionStatus;
using domain::ExecutionStatus;
using domain::StageStatus;

// "2020-01-24T22:03:07Z": the event's `time`, to the second.
std::string SecondsText(Clock::TimePoint when) {
  std::string text = FormatIso8601(std::chrono::floor<std::chrono::seconds>(when));
  text.erase(19, 4);  // ".000"
  return text;
}

std::uint64_t Mix(std::uint64_t x) {  // splitmix64's finalizer
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

template <typename Status>
std::optional<std::string_view> RunState(const std::optional<Status>& from, Status to) {
  switch (to) {
    case Status::kInProgress:
      if (!from) return "STARTED";
      return (*from == Status::kFailed || *from == Status::kStopped) ? "RESUMED"
                                                                      : std::optional<std::string_view>();
    case Status::kStopping: return "STOPPING";
    case Status::kStopped: return "STOPPED";
    case Status::kSucceeded: return "SUCCEEDED";
    case Status::kFailed: return "FAILED";
    case Status::kCancelled: return "CANCELED";
    default: break;
  }
  if constexpr (std::is_same_v<Status, ExecutionStatus>) {
    if (to == ExecutionStatus::kSuperseded) return "SUPERSEDED";
  }
  return std::nullopt;  // a stage Skipped: no event
}

std::optional<std::string_view> ActionState(const std::optional<ActionStatus>& from, ActionStatus to) {
  switch (to) {
    case ActionStatus::kInProgress: return from ? std::optional<std::string_view>() : "STARTED";
    case ActionStatus::kSucceeded: return "SUCCEEDED";
    case ActionStatus::kFailed: return "FAILED";
    case ActionStatus::kAbandoned: return "ABANDONED";
  }
  return std::nullopt;
}

// What every level begins with: pipeline and execution.
ordered_json DetailHead(const domain::ChangeContext& context) {
  ordered_json detail;
  detail["pipeline"] = context.pipeline->name;
  detail["execution-id"] = context.execution_id.ToString();
  return detail;
}

// What every level ends with. Numbers as floats: AWS sends "version": 3.0.
void DetailTail(const domain::ChangeContext& context, ordered_json& detail) {
  detail["version"] = static_cast<double>(context.pipeline->version);
  detail["pipeline-execution-attempt"] = static_cast<double>(context.attempt);
}

ordered_json Artifacts(const std::vector<domain::ArtifactLocation>& locations) {
  ordered_json list = ordered_json::array();
  for (const auto& artifact : locations) {
    list.push_back({{"name", artifact.name},
                    {"s3location", {{"bucket", artifact.bucket}, {"key", artifact.key}}}});
  }
  return list;
}

Event Envelope(const domain::ChangeContext& context, const char* detail_type,
               std::uint64_t sequence, ordered_json detail) {
  Event event;
  event.sequence = sequence;
  event.id = EventId(context.execution_id, sequence);
  event.detail_type = detail_type;
  event.source = kEventSource;
  event.account = context.scope.account_id;
  event.region = context.scope.region;
  event.time = SecondsText(context.when);
  event.epoch_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(context.when.time_since_epoch()).count();
  event.resource = "arn:aws:codepipeline:" + context.scope.region + ":" +
                   context.scope.account_id + ":" + context.pipeline->name;
  event.pipeline = context.pipeline->name;
  event.execution_id = context.execution_id.ToString();
  event.state = detail.at("state").get<std::string>();
  event.detail = detail.dump();
  ordered_json whole;
  whole["version"] = "0";
  whole["id"] = event.id;
  whole["detail-type"] = event.detail_type;
  whole["source"] = event.source;
  whole["account"] = event.account;
  whole["time"] = event.time;
  whole["region"] = event.region;
  whole["resources"] = ordered_json::array({event.resource});
  whole["detail"] = std::move(detail);
  event.json = whole.dump();
  return event;
}

}  // namespace

std::string EventId(const Uuid& execution_id, std::uint64_t sequence) {
  Uuid id{Mix(execution_id.high ^ Mix(sequence)), Mix(execution_id.low + sequence)};
  id.high = (id.high & ~0xF000ULL) | 0x4000ULL;                    // version 4
  id.low = (id.low & ~(0xC000ULL << 48)) | (0x8000ULL << 48);      // RFC 4122 variant
  return id.ToString();
}

std::optional<Event> RenderEvent(const domain::ExecutionChange& change, std::uint64_t sequence) {
  const auto state = RunState(change.from, change.to);
  if (!state) return std::nullopt;
  const domain::ChangeContext& context = change.context;
  ordered_json detail = DetailHead(context);
  detail["start-time"] = FormatIso8601(context.execution_start);
  if (context.trigger) {
    detail["execution-trigger"] = {{"trigger-type", context.trigger->type},
                                   {"trigger-detail", context.trigger->detail}};
  }
  detail["state"] = *state;
  DetailTail(context, detail);
  if ((change.to == ExecutionStatus::kStopping || change.to == ExecutionStatus::kStopped) &&
      context.stop_reason && !context.stop_reason->empty()) {
    detail["stop-execution-comments"] = *context.stop_reason;
  }
  return Envelope(context, kPipelineDetailType, sequence, std::move(detail));
}

std::optional<Event> RenderEvent(const domain::StageChange& change, std::uint64_t sequence) {
  const auto state = RunState(change.from, change.to);
  if (!state) return std::nullopt;
  const domain::ChangeContext& context = change.context;
  ordered_json detail = DetailHead(context);
  // AWS's RESUMED example carries the retry's time in place of start-time.
  if (*state != "RESUMED") detail["start-time"] = FormatIso8601(context.execution_start);
  if (change.last_retry) detail["stage-last-retry-attempt-time"] = FormatIso8601(*change.last_retry);
  detail["stage"] = context.pipeline->stages[change.stage].name;
  detail["state"] = *state;
  DetailTail(context, detail);
  return Envelope(context, kStageDetailType, sequence, std::move(detail));
}

std::optional<Event> RenderEvent(const domain::ActionChange& change, std::uint64_t sequence) {
  const auto state = ActionState(change.from, change.to);
  if (!state) return std::nullopt;
  const domain::ChangeContext& context = change.context;
  const domain::ActionRun& run = change.run;
  ordered_json detail = DetailHead(context);
  // AWS's ABANDONED example has no start-time; the others have the action's.
  if (change.to != ActionStatus::kAbandoned) detail["start-time"] = FormatIso8601(run.start_time);
  detail["stage"] = run.stage_name;
  if (change.to == ActionStatus::kSucceeded || change.to == ActionStatus::kFailed) {
    ordered_json result = ordered_json::object();
    if (!run.summary.empty()) result["external-execution-summary"] = run.summary;
    if (!run.external_execution_id.empty()) {
      result["external-execution-id"] = run.external_execution_id;
    }
    if (change.to == ActionStatus::kFailed) {
      if (!result.contains("external-execution-summary") && !run.error_message.empty()) {
        result["external-execution-summary"] = run.error_message;
      }
      result["error-code"] = run.error_code.empty() ? "JobFailed" : run.error_code;
    }
    if (!result.empty()) detail["execution-result"] = std::move(result);
  }
  if (change.to == ActionStatus::kSucceeded && !run.output_artifacts.empty()) {
    detail["output-artifacts"] = Artifacts(run.output_artifacts);
  }
  detail["action-execution-id"] = run.action_execution_id;
  detail["action"] = run.action_name;
  detail["state"] = *state;
  detail["region"] = run.region.empty() ? context.scope.region : run.region;
  detail["type"] = {{"owner", run.owner},
                    {"category", run.category},
                    {"provider", run.provider},
                    {"version", run.version}};
  DetailTail(context, detail);
  if (change.to == ActionStatus::kInProgress && !run.input_artifacts.empty()) {
    detail["input-artifacts"] = Artifacts(run.input_artifacts);
  }
  return Envelope(context, kActionDetailType, sequence, std::move(detail));
}

}  // namespace sluice::events
