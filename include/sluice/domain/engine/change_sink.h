// ChangeSink: the one feed through which state changes leave the engine.
//
// The engine records each change as it is made (an execution, a stage run or
// an action run began or changed status; anything of a pipeline's executions
// changed) and hands the records to its sink
// after it has released its lock, in the order the changes were made. So a
// sink may take its time and its own locks; it must not call back into the
// engine (the engine's publisher holds its own lock while delivering).
// Consumers (events, a journal, a console) implement the methods they need;
// the engine does not know which exist.
//
// Every record owns what it says: a sink may keep it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "sluice/common/clock.h"
#include "sluice/common/ids.h"
#include "sluice/domain/engine/execution.h"
#include "sluice/domain/pipeline/pipeline.h"
#include "sluice/domain/pipeline/pipeline_view.h"

namespace sluice::domain {

// What every change names: where, which execution, when.
struct ChangeContext {
  Scope scope;
  std::shared_ptr<const PipelineView> pipeline;  // the version the execution runs
  Uuid execution_id;
  bool rollback = false;  // a ROLLBACK execution, not a STANDARD one
  Clock::TimePoint when;
  Clock::TimePoint execution_start;
  std::shared_ptr<const ExecutionTrigger> trigger;
  // 1, plus one for each RetryStageExecution of this execution so far.
  std::uint32_t attempt = 1;
  std::optional<std::string> stop_reason;  // the stop's comment, while stopping or stopped
};

// `from` is none when the run began with `to`.
struct ExecutionChange {
  ChangeContext context;
  std::optional<ExecutionStatus> from;
  ExecutionStatus to;
};

struct StageChange {
  ChangeContext context;
  std::size_t stage;  // index in context.pipeline->stages
  std::optional<StageStatus> from;
  StageStatus to;
  // When RetryStageExecution last ran a stage of this execution again, if it
  // did (AWS reports it on every stage event after a retry).
  std::optional<Clock::TimePoint> last_retry;
};

struct ActionChange {
  ChangeContext context;
  std::size_t stage;   // index in context.pipeline->stages
  std::size_t action;  // index in that stage's actions
  std::optional<ActionStatus> from;
  ActionStatus to;
  ActionRun run;  // the action run as it is after the change
};

// Something of a pipeline's executions changed, whatever it was: a status, a
// job's nonce, an approver's summary, a transition block, a token. No event
// follows from it; a journal writes the pipeline's executions out again.
struct RuntimeChange {
  Scope scope;
  std::string pipeline;
};

using Change = std::variant<ExecutionChange, StageChange, ActionChange, RuntimeChange>;

class ChangeSink {
 public:
  virtual ~ChangeSink() = default;
  virtual void ExecutionChanged(const ExecutionChange& change) { (void)change; }
  virtual void StageChanged(const StageChange& change) { (void)change; }
  virtual void ActionChanged(const ActionChange& change) { (void)change; }
  virtual void RuntimeChanged(const RuntimeChange& change) { (void)change; }
};

}  // namespace sluice::domain
