// Services: everything under the wire, wired as the server runs it: the
// in-memory store, the pipeline and execution services, the execution engine,
// the action type and webhook registries, the deploy target simulation, the
// tagging service and the operation table that routes to them, and the test
// controls (scripted outcomes, wire faults, the /_sluice/ surface). main() builds
// one over the system clock and runs the engine on a thread of its own; the
// fuzzers (tests/fuzz) build one over a FakeClock and step the engine
// themselves, so both exercise the same wiring.
//
// Thread-safety: that of its parts (all thread-safe once built). Not movable:
// the parts hold references to each other.
#pragma once

#include <memory>
#include <vector>

#include "control/control_surface.h"
#include "control/event_endpoints.h"
#include "events/delivery/event_target.h"
#include "events/event_hub.h"
#include "control/fault_rules.h"
#include "control/outcome_rules.h"
#include "change_feed.h"
#include "options.h"
#include "persist/state_journal.h"
#include "persist/state_source.h"
#include "sluice/api/operation_table.h"
#include "sluice/common/clock.h"
#include "sluice/domain/registry/action_type_registry.h"
#include "sluice/domain/engine/deploy_targets.h"
#include "sluice/domain/engine/execution_engine.h"
#include "sluice/domain/engine/execution_service.h"
#include "sluice/domain/pipeline/pipeline_service.h"
#include "sluice/domain/registry/tagging.h"
#include "sluice/domain/registry/webhook_registry.h"
#include "sluice/protocol/aws_json_router.h"
#include "sluice/store/in_memory_pipeline_repository.h"
#include "triggers/source_triggers.h"

namespace sluice::app {

class Services final : public persist::StateSource {
 public:
  // `clock` must outlive the Services; `manual_clock`, if given, is the same
  // clock, which the /_sluice/clock controls move.
  Services(const Clock& clock, const Options& options, FakeClock* manual_clock = nullptr);
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  const api::OperationTable& operations() const { return operations_; }
  // Whoever owns the Services drives the engine (RunUntilStopped or Advance).
  domain::ExecutionEngine& engine() { return engine_; }
  // What the router needs of the test controls (none when --control off).
  protocol::ControlHooks control_hooks();
  // The controls themselves, on or off: --init-dir loads state documents.
  control::ControlSurface& control() { return *control_; }
  // Where the engine's changes become events.
  events::EventHub& events() { return events_; }

  // --data-dir: every part marks its changes on `journal`, whose state this
  // is (StateSource), and health reports it. Before any request.
  void AttachJournal(persist::StateJournal& journal);
  // StateSource, for the journal.
  nlohmann::json JournalPipeline(std::string_view account, std::string_view region,
                                 std::string_view name, bool declaration, bool executions) override;
  nlohmann::json Section(StateSection section) override;
  nlohmann::json Globals() override;
  nlohmann::json Document() override;

 private:
  // Declared in dependency order: each part refers only to those above it.
  const bool control_on_;
  persist::StateJournal* journal_ = nullptr;
  // Where events are delivered (--event-target, --eventbridge-endpoint):
  // above the hub, which offers to them, so they outlive it.
  std::vector<std::unique_ptr<events::delivery::EventTarget>> event_targets_;
  events::EventHub events_;
  ChangeFeed changes_{events_};     // the engine's change sink: events, the journal
  control::OutcomeRules outcomes_;  // the engine asks them
  control::FaultRules faults_;      // the router asks them
  store::InMemoryPipelineRepository repository_;
  domain::ActionTypeRegistry action_types_;  // pipelines may use its custom types
  domain::PipelineService pipelines_;
  domain::ExecutionEngine engine_;
  domain::ExecutionService executions_;
  domain::DeployTargetService deploy_targets_;
  domain::WebhookRegistry webhooks_;
  triggers::SourceTriggers sources_;  // pushes, object versions, images, webhook calls
  domain::TaggingService tagging_;
  api::OperationTable operations_;
  std::unique_ptr<control::ControlSurface> control_;
  control::EventEndpoints event_endpoints_;
};

// The delivery targets the options name, built but not yet offered anything.
std::vector<std::unique_ptr<events::delivery::EventTarget>> EventTargetsFor(const Options& options);

// The router's settings, taken from the same options.
protocol::RouterOptions RouterOptionsFor(const Options& options);

}  // namespace sluice::app
