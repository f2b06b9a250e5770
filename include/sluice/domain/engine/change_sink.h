// ChangeSink: the one feed through which state changes leave the engine.
//
// The engine calls its sink after each change is made: an execution began or
// changed status, a stage run began or changed status, an action run began or
// changed status. Consumers (events, a journal, a console) implement the
// methods they need; the engine does not know which exist.
//
// A sink is called synchronously, under the engine's lock, from whichever
// thread made the change: it must return quickly and must not call back into
// the engine. Everything a change refers to is valid only during the call;
// copy what is kept.
#pragma once

#include <cstddef>
#include <optional>

#include "sluice/common/clock.h"
#include "sluice/common/ids.h"
#include "sluice/domain/engine/execution.h"
#include "sluice/domain/pipeline/pipeline.h"
#include "sluice/domain/pipeline/pipeline_view.h"

namespace sluice::domain {

// What every change names: where, which execution, when.
struct ChangeContext {
  const Scope& scope;
  const PipelineView& pipeline;  // the version the execution runs
  const Uuid& execution_id;
  bool rollback = false;  // a ROLLBACK execution, not a STANDARD one
  Clock::TimePoint when;
};

// `from` is none when the run began with `to`.
struct ExecutionChange {
  ChangeContext context;
  std::optional<ExecutionStatus> from;
  ExecutionStatus to;
};

struct StageChange {
  ChangeContext context;
  std::size_t stage;  // index in context.pipeline.stages
  std::optional<StageStatus> from;
  StageStatus to;
};

struct ActionChange {
  ChangeContext context;
  std::size_t stage;   // index in context.pipeline.stages
  std::size_t action;  // index in that stage's actions
  const Uuid& action_execution_id;
  std::optional<ActionStatus> from;
  ActionStatus to;
};

class ChangeSink {
 public:
  virtual ~ChangeSink() = default;
  virtual void ExecutionChanged(const ExecutionChange& change) { (void)change; }
  virtual void StageChanged(const StageChange& change) { (void)change; }
  virtual void ActionChanged(const ActionChange& change) { (void)change; }
};

}  // namespace sluice::domain
