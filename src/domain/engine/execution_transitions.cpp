// The one door for status changes. Every execution, stage run and action run
// changes status here: the change is held to the tables in engine_state.h,
// applied, stamped, logged with the execution's id and handed to the change
// sink, in that order. Nothing else in the engine assigns a status.
#include <cassert>
#include <spdlog/spdlog.h>

#include "engine_state.h"
#include "sluice/domain/engine/change_sink.h"

namespace sluice::domain {

ChangeContext ExecutionEngine::ContextOf(const Run& run) const {
  return {*run.scope, *run.view, run.id, run.rollback(), clock_.Now()};
}

void ExecutionEngine::Refused(const Run& run, std::string_view what, std::string_view from,
                              std::string_view to) const {
  // A move the tables do not allow is a defect in the engine: loud in debug
  // builds (the sanitizer suite runs one), logged and applied in a server.
  log_->error("execution {}: {} moved {} -> {}, which the status table does not allow",
              run.id_text(), what, from, to);
  assert(false && "a status change the tables in engine_state.h do not allow");
}

void ExecutionEngine::Began(Run& run) {
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} of {} began", run.id_text(), run.pipeline_name());
  }
  if (changes_ != nullptr) changes_->ExecutionChanged({ContextOf(run), std::nullopt, run.status});
}

void ExecutionEngine::Transition(Run& run, ExecutionStatus to) {
  const ExecutionStatus from = run.status;
  if (!CanMove(from, to)) Refused(run, "the execution", ToString(from), ToString(to));
  run.status = to;
  run.last_update_time = clock_.Now();
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} of {}: {} -> {}", run.id_text(), run.pipeline_name(),
                ToString(from), ToString(to));
  }
  if (changes_ != nullptr) changes_->ExecutionChanged({ContextOf(run), from, to});
}

void ExecutionEngine::Began(Run& run, const StageRecord& stage) {
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} entered stage {}", run.id_text(), run.StageOf(stage).name);
  }
  if (changes_ != nullptr) {
    changes_->StageChanged({ContextOf(run), stage.stage, std::nullopt, stage.status});
  }
}

void ExecutionEngine::Transition(Run& run, StageRecord& stage, StageStatus to) {
  const StageStatus from = stage.status;
  if (!CanMove(from, to)) Refused(run, "stage " + run.StageOf(stage).name, ToString(from), ToString(to));
  stage.status = to;
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} stage {}: {} -> {}", run.id_text(), run.StageOf(stage).name,
                ToString(from), ToString(to));
  }
  if (changes_ != nullptr) changes_->StageChanged({ContextOf(run), stage.stage, from, to});
}

void ExecutionEngine::Began(Run& run, const ActionRecord& action) {
  const StageRecord& stage = run.stages.back();
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} started action {} of stage {}", run.id_text(),
                run.ActionOf(stage, action).name, run.StageOf(stage).name);
  }
  if (changes_ != nullptr) {
    changes_->ActionChanged(
        {ContextOf(run), stage.stage, action.action, action.id, std::nullopt, action.status});
  }
}

void ExecutionEngine::Transition(Run& run, ActionRecord& action, ActionStatus to) {
  // Actions change only in the stage the execution is in.
  const StageRecord& stage = run.stages.back();
  const bool in_current_stage = &action >= stage.actions.data() &&
                                &action < stage.actions.data() + stage.actions.size();
  const ActionStatus from = action.status;
  if (!in_current_stage) {
    // Nothing about it can be named safely from the current stage's view.
    Refused(run, "an action outside the stage it is in", ToString(from), ToString(to));
    action.status = to;
    action.last_update_time = clock_.Now();
    return;
  }
  if (!CanMove(from, to)) {
    Refused(run, "action " + run.ActionOf(stage, action).name, ToString(from), ToString(to));
  }
  action.status = to;
  action.last_update_time = clock_.Now();
  if (log_->should_log(spdlog::level::debug)) {
    log_->debug("execution {} action {} of stage {}: {} -> {}", run.id_text(),
                run.ActionOf(stage, action).name, run.StageOf(stage).name, ToString(from),
                ToString(to));
  }
  if (changes_ != nullptr) {
    changes_->ActionChanged({ContextOf(run), stage.stage, action.action, action.id, from, to});
  }
}

}  // namespace sluice::domain
