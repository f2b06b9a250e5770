// ControlSurface: the test controls under /_sluice/ (README "Test
// controls"): reset, scripted outcomes and held actions, wire faults and the
// manual clock. JSON in and out; a bad request is a 4xx naming the field.
// It acts through the same stores, registries and engine the AWS operations
// use, never around them. Thread-safe.
#pragma once

#include <string>

#include "events/event_hub.h"
#include "fault_rules.h"
#include "outcome_rules.h"
#include "sluice/common/clock.h"
#include "sluice/common/mutex.h"
#include "sluice/domain/engine/execution_engine.h"
#include "sluice/store/in_memory_pipeline_repository.h"
#include "sluice/domain/registry/action_type_registry.h"
#include "sluice/domain/registry/webhook_registry.h"
#include "sluice/net/request_handler.h"
#include "triggers/source_triggers.h"

namespace sluice::control {

// What the controls act on; all must outlive the surface.
struct ControlParts {
  store::InMemoryPipelineRepository& pipelines;
  domain::ExecutionEngine& engine;
  domain::ActionTypeRegistry& action_types;
  domain::WebhookRegistry& webhooks;
  OutcomeRules& outcomes;
  FaultRules& faults;
  events::EventHub& events;
  triggers::SourceTriggers& sources;
  const Clock& clock;
  FakeClock* manual_clock = nullptr;  // --clock manual; null on the system clock
  std::string default_account;
  std::string default_region;
};

class ControlSurface {
 public:
  explicit ControlSurface(ControlParts parts) : parts_(std::move(parts)) {}

  // A request whose target starts with /_sluice/ (health aside).
  net::HttpResponse Handle(const net::HttpRequest& request);

  // GET /_sluice/state: all state as one versioned document ("format": 1).
  nlohmann::json DumpState();
  // The document's "format", "clock" and "ids": what the journal writes with
  // every record (src/persist/).
  nlohmann::json DumpGlobals();
  // PUT /_sluice/state (and --init-dir): reads the whole document first and
  // replaces the state only if all of it fits; throws ControlError with the
  // reason otherwise, leaving the state untouched. Answers what it loaded.
  nlohmann::json LoadState(const nlohmann::json& document);

 private:
  nlohmann::json Route(const net::HttpRequest& request, unsigned& status);
  nlohmann::json Reset(const nlohmann::json& body);
  nlohmann::json Complete(const nlohmann::json& body);
  nlohmann::json ClockState() const;
  nlohmann::json GlobalsLocked() const REQUIRES(clock_mutex_);
  nlohmann::json Advance(const nlohmann::json& body);
  nlohmann::json Settle(const nlohmann::json& body);
  FakeClock& ManualClock() const;

  ControlParts parts_;
  // One clock move at a time: two advances must not interleave their steps.
  Mutex clock_mutex_;
};

}  // namespace sluice::control
