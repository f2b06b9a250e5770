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
#include "sluice/version.h"

namespace sluice::app {

Services::Services(const Clock& clock, const Options& options, FakeClock* manual_clock)
    : control_on_(options.control),
      events_(options.event_buffer),
      pipelines_(repository_, clock, options.pipelines,
                 [this](const domain::Scope& scope, const domain::ActionTypeId& id) {
                   return action_types_.Find(scope, id);
                 }),
      engine_(clock, options.engine, &events_, &outcomes_),
      executions_(repository_, engine_),
      deploy_targets_(repository_, engine_),
      webhooks_(repository_),
      event_endpoints_(events_) {
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
      repository_, engine_, action_types_, webhooks_, outcomes_, faults_, events_, clock,
      manual_clock, options.default_account, options.default_region});
}

protocol::ControlHooks Services::control_hooks() {
  protocol::ControlHooks hooks;
  hooks.faults = &faults_;
  hooks.health = [this] { return nlohmann::json{{"events", events_.Health()}}; };
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

protocol::RouterOptions RouterOptionsFor(const Options& options) {
  return {options.default_account, options.default_region, std::string(kVersion),
          options.server.body_limit};
}

}  // namespace sluice::app
