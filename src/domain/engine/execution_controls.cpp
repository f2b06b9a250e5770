// The engine's answers to people acting on executions in flight: stopping
// them, retrying a failed stage, disabling transitions and answering manual
// approvals. Timeouts of waiting actions are here too.
#include <algorithm>

#include "engine_state.h"
#include "sluice/common/ids.h"
#include "sluice/domain/errors.h"

namespace sluice::domain {

std::pair<ExecutionEngine::PipelineRuntime*, ExecutionEngine::Run*> ExecutionEngine::FindRun(
    const Scope& scope, std::string_view pipeline, std::string_view execution_id) {
  PipelineRuntime* runtime = FindRuntime(scope, pipeline);
  if (runtime == nullptr) return {nullptr, nullptr};
  return {runtime, runtime->Find(execution_id)};
}

ActionRecord* ExecutionEngine::CurrentAction(Run& run, std::string_view stage,
                                             std::string_view action) {
  if (!run.active() || run.stages.empty() || run.waiting_for_stage) return nullptr;
  StageRecord& stage_run = run.stages.back();
  if (run.StageOf(stage_run).name != stage) return nullptr;
  for (ActionRecord& candidate : stage_run.actions) {
    if (!candidate.replaced && run.ActionOf(stage_run, candidate).name == action &&
        candidate.status == ActionStatus::kInProgress) {
      return &candidate;
    }
  }
  return nullptr;
}

void ExecutionEngine::TimeOut(Run& run, ActionRecord& action) {
  if (!action.Extra(&ActionExtras::token).empty()) {
    FailAction(run, action, "JobFailed", "The manual approval action timed out");
    return;
  }
  CloseJob(action, JobStatus::kTimedOut);
  FailAction(run, action, "JobFailed", "The job was not completed in time by a job worker");
}

Status ExecutionEngine::Stop(const Scope& scope, std::string_view pipeline,
                             std::string_view execution_id, bool abandon, std::string reason) {
  ChangeLock lock(*this);
  const auto [found, run] = FindRun(scope, pipeline, execution_id);
  if (run == nullptr) return ExecutionNotFound(pipeline, execution_id);
  PipelineRuntime& runtime = *found;
  if (!run->active()) {
    return NotStoppable(run->id_text(), ToString(run->status));
  }
  if (run->status == ExecutionStatus::kStopping && !abandon) {
    return DuplicatedStopRequest(run->id_text());
  }
  run->Extras().stop_reason = std::move(reason);
  if (run->waiting_for_stage || run->stages.empty()) {
    // Between stages nothing runs: it stops at once.
    Finish(runtime, *run, ExecutionStatus::kStopped, "");
  } else {
    if (run->status != ExecutionStatus::kStopping) Transition(*run, ExecutionStatus::kStopping);
    StageRecord& stage_run = run->stages.back();
    if (stage_run.status != StageStatus::kStopping) Transition(*run, stage_run, StageStatus::kStopping);
    if (!stage_run.conditions.empty() &&
        stage_run.conditions.back().status == ConditionStatus::kInProgress) {
      ConditionRun& evaluation = stage_run.conditions.back();  // rules are not waited for
      evaluation.status = ConditionStatus::kAbandoned;
      evaluation.last_change = clock_.Now();
      for (RuleRun& rule : evaluation.rules) {
        if (rule.status == ActionStatus::kInProgress) rule.status = ActionStatus::kAbandoned;
        rule.due.reset();
      }
    }
    if (abandon) {
      for (ActionRecord& action : stage_run.actions) {
        if (!action.replaced && action.status == ActionStatus::kInProgress) AbandonAction(*run, action);
      }
    }
    FinishGroupIfDone(runtime, *run);
  }
  Retire(runtime);
  ScheduleChanged();
  return Ok{};
}

Status ExecutionEngine::Retry(const Scope& scope, std::string_view pipeline, std::string_view stage,
                              std::string_view execution_id, RetryMode mode) {
  ChangeLock lock(*this);
  const auto [found, run] = FindRun(scope, pipeline, execution_id);
  if (run == nullptr) return ExecutionNotFound(pipeline, execution_id);
  PipelineRuntime& runtime = *found;
  const bool resumable =
      (run->status == ExecutionStatus::kFailed || run->status == ExecutionStatus::kStopped) &&
      run->running && !run->stages.empty() && run->StageOf(run->stages.back()).name == stage &&
      (run->stages.back().status == StageStatus::kFailed ||
       run->stages.back().status == StageStatus::kStopped);
  if (!resumable) {
    return StageNotRetryable(stage, run->id_text(),
                             "only the failed or stopped stage of a failed or stopped execution "
                             "can be");
  }
  // Only the latest execution through a stage may run it again.
  for (const auto& other : runtime.runs) {
    if (other.get() == run || other->sequence < run->sequence) continue;
    for (const StageRecord& stage_run : other->stages) {
      if (other->StageOf(stage_run).name == stage) {
        return NotLatestExecution(run->id_text(), stage, other->id_text());
      }
    }
  }
  if (run->mode() != ExecutionMode::kParallel) {
    if (const auto holder = runtime.holders.find(stage); holder != runtime.holders.end()) {
      return StageInUse(stage, holder->second.ToString());
    }
  }
  if (auto status = CheckLimits(runtime, run->mode()); !status) return status;

  ResumeStage(runtime, *run, mode, /*automatic=*/false);
  ScheduleChanged();
  return Ok{};
}

void ExecutionEngine::ResumeStage(PipelineRuntime& runtime, Run& run, RetryMode mode,
                                  bool automatic) {
  StageRecord& stage_run = run.stages.back();
  const StageView& stage_view = run.StageOf(stage_run);
  run.cancel_when_idle = false;  // a retry runs the version it resumes
  ++(automatic ? stage_run.auto_retries : stage_run.manual_retries);
  if (!automatic) stage_run.last_retry = clock_.Now();
  stage_run.retry_mode = mode;
  for (ActionRecord& action : stage_run.actions) {
    if (mode == RetryMode::kAllActions || action.status != ActionStatus::kSucceeded) {
      action.replaced = true;
    }
  }
  if (mode == RetryMode::kAllActions) stage_run.current_run_order = stage_view.run_orders.front();
  run.status_summary.clear();
  if (run.extras) run.extras->stop_reason.reset();
  run.last_update_time = clock_.Now();
  const bool resumes_execution = !run.active();
  // The execution resumes before its stage, as it starts before it.
  if (resumes_execution) Transition(run, ExecutionStatus::kInProgress);
  // An automatic retry resumes a stage still in progress; a manual one, a
  // stage that failed or stopped.
  if (stage_run.status != StageStatus::kInProgress) Transition(run, stage_run, StageStatus::kInProgress);
  if (resumes_execution) {
    if (run.mode() != ExecutionMode::kParallel) runtime.holders[stage_view.name] = run.id;
    // Back among the runs in progress, in start order.
    const auto place = std::find_if(runtime.active.begin(), runtime.active.end(), [&](const Run* r) {
      return r->sequence > run.sequence;
    });
    runtime.active.insert(place, &run);
    --runtime.finished;
    busy_.insert(&runtime);
  }
  StartGroup(run);
  FinishGroupIfDone(runtime, run);
}

void ExecutionEngine::SetTransition(const Scope& scope, const PipelineView& pipeline,
                                    std::string_view stage, TransitionKind kind,
                                    std::optional<TransitionBlock> block) {
  ChangeLock lock(*this);
  PipelineRuntime& runtime = RuntimeFor(scope, pipeline.name);
  auto& blocks = kind == TransitionKind::kInbound ? runtime.inbound_blocks : runtime.outbound_blocks;
  if (block) {
    block->when = clock_.Now();
    blocks.insert_or_assign(std::string(stage), std::move(*block));
    return;
  }
  if (blocks.erase(std::string(stage)) == 0) return;
  // The stage the opened transition leads into.
  std::string entered(stage);
  if (kind == TransitionKind::kOutbound) {
    const auto index = pipeline.StageIndex(stage);
    if (!index || *index + 1 == pipeline.stages.size()) return;
    entered = pipeline.stages[*index + 1].name;
  }
  AdmitWaiters(runtime, entered);
  Retire(runtime);
  ScheduleChanged();
}

Result<Clock::TimePoint> ExecutionEngine::Answer(const Scope& scope, std::string_view pipeline,
                                                 std::string_view stage, std::string_view action,
                                                 const ApprovalAnswer& answer) {
  ChangeLock lock(*this);
  const auto invalid = [&] { return InvalidApprovalToken(answer.token, stage, action); };
  PipelineRuntime* found = FindRuntime(scope, pipeline);
  if (found == nullptr) return invalid();
  PipelineRuntime& runtime = *found;
  const auto now = clock_.Now();
  for (Run* run : std::vector<Run*>(runtime.active)) {
    ActionRecord* waiting = CurrentAction(*run, stage, action);
    const std::string& token = waiting == nullptr ? answer.token : waiting->Extra(&ActionExtras::token);
    if (waiting == nullptr || token.empty() || token != answer.token) continue;
    waiting->Extras().summary = answer.summary;
    waiting->Extras().updated_by = answer.user;
    if (answer.approved) {
      SucceedAction(*run, *waiting);
    } else {
      FailAction(*run, *waiting, "JobFailed", "Rejected by " + answer.user);
    }
    FinishGroupIfDone(runtime, *run);
    Retire(runtime);
    ScheduleChanged();
    return now;
  }
  // Not waiting: was that token answered already?
  for (const auto& run : runtime.runs) {
    for (const StageRecord& stage_run : run->stages) {
      for (const ActionRecord& done : stage_run.actions) {
        if (done.Extra(&ActionExtras::token) == answer.token &&
            run->ActionOf(stage_run, done).name == action &&
            done.status != ActionStatus::kInProgress) {
          return ApprovalAlreadyCompleted(action);
        }
      }
    }
  }
  return invalid();
}

}  // namespace sluice::domain
