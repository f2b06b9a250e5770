#include "services.h"

#include <string>

#include "sluice/api/action_type_ops.h"
#include "sluice/api/deploy_target_ops.h"
#include "sluice/api/execution_ops.h"
#include "sluice/api/job_ops.h"
#include "sluice/api/pipeline_ops.h"
#include "sluice/api/stage_control_ops.h"
#include "sluice/api/tag_ops.h"
#include "sluice/api/webhook_ops.h"
#include "events/delivery/eventbridge_target.h"
#include "events/delivery/http_post_target.h"
#include "control/console_endpoint.h"
#include "control/webhook_endpoint.h"
#include "sluice/version.h"

namespace sluice::app {

Services::Services(const Clock& clock, const Options& options, FakeClock* manual_clock)
    : control_on_(options.control),
      event_targets_(EventTargetsFor(options)),
      events_(options.event_buffer),
      pipelines_(repository_, clock, options.pipelines,
                 [this](const domain::Scope& scope, const domain::ActionTypeId& id) {
                   return action_types_.Find(scope, id);
                 }),
      engine_(clock, options.engine, &changes_, &outcomes_),
      executions_(repository_, engine_),
      deploy_targets_(repository_, engine_),
      webhooks_(repository_),
      sources_(repository_, executions_, webhooks_, clock),
      event_endpoints_(events_) {
  for (const auto& target : event_targets_) {
    events_.AddOutlet([target = target.get()](const events::EventPtr& event) { target->Offer(event); });
  }
  // Each kind of taggable resource keeps its own tags.
  tagging_.Register(domain::ResourceKind::kPipeline, repository_);
  tagging_.Register(domain::ResourceKind::kWebhook, webhooks_);
  tagging_.Register(domain::ResourceKind::kActionType, action_types_);
  api::RegisterPipelineOps(operations_, pipelines_, {&executions_, options.start_on_create});
  api::RegisterExecutionOps(operations_, executions_);
  api::RegisterStageControlOps(operations_, executions_);
  api::RegisterJobOps(operations_, engine_, action_types_);
  api::RegisterActionTypeOps(operations_, action_types_);
  api::RegisterDeployTargetOps(operations_, deploy_targets_);
  api::RegisterWebhookOps(operations_, webhooks_);
  api::RegisterTagOps(operations_, tagging_);
  control_ = std::make_unique<control::ControlSurface>(control::ControlParts{
      repository_, engine_, action_types_, webhooks_, outcomes_, faults_, events_, sources_,
      clock, manual_clock, options.default_account, options.default_region});
}

protocol::ControlHooks Services::control_hooks() {
  protocol::ControlHooks hooks;
  hooks.faults = &faults_;
  hooks.webhook = [this](const net::HttpRequest& request) {
    return control::HandleWebhookCall(sources_, request);
  };
  hooks.health = [this] {
    nlohmann::json events = events_.Health();
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& target : event_targets_) {
      const events::delivery::TargetStats stats = target->Stats();
      targets.push_back({{"target", stats.target},
                         {"delivered", stats.delivered},
                         {"dropped", stats.dropped_queue_full + stats.dropped_gave_up},
                         {"droppedQueueFull", stats.dropped_queue_full},
                         {"droppedGaveUp", stats.dropped_gave_up},
                         {"retries", stats.retries},
                         {"queued", stats.queued},
                         {"lastError", stats.last_error}});
    }
    events["targets"] = std::move(targets);
    // Where the web console is, or null when the controls (and it) are off.
    nlohmann::json console = control_on_ ? nlohmann::json(control::kConsolePath) : nlohmann::json(nullptr);
    // What --data-dir keeps, or null in memory.
    nlohmann::json persistence = journal_ != nullptr ? journal_->Health() : nlohmann::json(nullptr);
    return nlohmann::json{{"events", std::move(events)},
                          {"console", std::move(console)},
                          {"persistence", std::move(persistence)}};
  };
  if (control_on_) {
    hooks.control = [surface = control_.get()](const net::HttpRequest& request) {
      return surface->Handle(request);
    };
    hooks.answers_later = &control::EventEndpoints::Serves;
    hooks.control_async = [this](net::HttpRequest&& request,
                                 std::shared_ptr<net::Responder> responder) {
      event_endpoints_.Handle(std::move(request), std::move(responder));
    };
  }
  return hooks;
}

void Services::AttachJournal(persist::StateJournal& journal) {
  journal_ = &journal;
  repository_.SetStateMarks(&journal);
  changes_.AttachJournal(journal);
  action_types_.SetStateMarks(&journal);
  webhooks_.SetStateMarks(&journal);
  outcomes_.SetStateMarks(&journal);
  faults_.SetStateMarks(&journal);
}

nlohmann::json Services::JournalPipeline(std::string_view account, std::string_view region,
                                         std::string_view name, bool declaration, bool executions) {
  const domain::Scope scope{std::string(account), std::string(region)};
  nlohmann::json item = nlohmann::json::object();
  if (executions) item["runtime"] = engine_.JournalRuntime(scope, name);
  if (declaration) item["pipeline"] = repository_.DumpPipeline(scope, name);
  return item;
}

nlohmann::json Services::Section(StateSection section) {
  switch (section) {
    case StateSection::kActionTypes: return action_types_.DumpState();
    case StateSection::kWebhooks: return webhooks_.DumpState();
    case StateSection::kOutcomes: return outcomes_.DumpState();
    case StateSection::kFaults: return faults_.DumpState();
  }
  return nullptr;
}

nlohmann::json Services::Globals() {
  nlohmann::json globals = control_->DumpGlobals();
  globals.erase("format");
  globals["next_job_sequence"] = engine_.NextJobSequence();
  return globals;
}

nlohmann::json Services::Document() {
  nlohmann::json document = control_->DumpGlobals();
  // Runtime by runtime, each under the engine's lock only while it is read;
  // then the declarations, newer than any run's.
  nlohmann::json runtimes = nlohmann::json::array();
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& [scope, name] : engine_.RuntimeNames()) {
    nlohmann::json runtime = engine_.DumpRuntime(scope, name);
    if (runtime.is_null()) continue;  // dropped meanwhile
    for (auto& job : runtime.at("jobs")) jobs.push_back(std::move(job));
    runtime.erase("jobs");
    runtimes.push_back(std::move(runtime));
  }
  document["engine"] = {{"pipelines", std::move(runtimes)},
                        {"jobs", std::move(jobs)},
                        {"next_job_sequence", engine_.NextJobSequence()}};
  document["pipelines"] = repository_.DumpState();
  for (const StateSection section : {StateSection::kActionTypes, StateSection::kWebhooks,
                                     StateSection::kOutcomes, StateSection::kFaults}) {
    document[persist::SectionName(section)] = Section(section);
  }
  return document;
}

std::vector<std::unique_ptr<events::delivery::EventTarget>> EventTargetsFor(const Options& options) {
  using namespace events::delivery;
  TargetOptions target_options;
  target_options.queue_capacity = options.event_buffer;
  target_options.retry.max_attempts = options.event_delivery_attempts;
  std::vector<std::unique_ptr<EventTarget>> targets;
  // The options parser checked every URL.
  for (const std::string& url : options.event_targets) {
    targets.push_back(std::make_unique<HttpPostTarget>(*ParseTargetUrl(url), target_options));
  }
  if (!options.eventbridge_endpoint.empty()) {
    targets.push_back(std::make_unique<EventBridgeTarget>(
        *ParseTargetUrl(options.eventbridge_endpoint), options.eventbridge_bus,
        AwsCredentials{options.aws_access_key_id, options.aws_secret_access_key,
                       options.aws_session_token},
        target_options));
  }
  return targets;
}

protocol::RouterOptions RouterOptionsFor(const Options& options) {
  protocol::RouterOptions router;
  router.default_account = options.default_account;
  router.default_region = options.default_region;
  router.version = std::string(kVersion);
  router.body_limit = options.server.body_limit;
  router.public_url = options.public_url;
  router.tls = options.tls.enabled();
  return router;
}

}  // namespace sluice::app
