// OutcomePolicy: the port through which a test scripts what an action or a
// stage-condition rule does, instead of the engine's simulation, the people
// who answer approvals or the workers who do jobs.
//
// The engine asks once, when the action or rule starts. An answer decides it:
// succeed or fail after a duration (with the output variables, summary and
// external execution id an action reports), or, for an action, hold it in
// progress until a test completes it (ExecutionEngine::CompleteAction). No
// answer leaves the action to what it does without one.
//
// Decide() is called under the engine's lock: it must return quickly and must
// not call back into the engine.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/common/clock.h"
#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::domain {

// What an action or a rule is, for a scripted outcome to match on. `action`
// is empty for a rule and `rule` for an action.
struct OutcomeSubject {
  const Scope& scope;
  std::string_view pipeline;
  std::string_view stage;
  std::string_view action;
  std::string_view rule;
  std::string_view category;
  std::string_view owner;
  std::string_view provider;
};

struct ScriptedOutcome {
  bool succeeded = true;
  std::string error_code;  // when it fails; JobFailed if empty
  std::string error_message;
  std::optional<Clock::Duration> duration;  // none: the engine's action duration
  std::map<std::string, std::string> output_variables;
  std::optional<std::string> summary;
  std::optional<std::string> external_execution_id;
  bool hold = false;  // stays in progress until completed
};

class OutcomePolicy {
 public:
  virtual ~OutcomePolicy() = default;
  virtual std::optional<ScriptedOutcome> Decide(const OutcomeSubject& subject) = 0;
};

}  // namespace sluice::domain
