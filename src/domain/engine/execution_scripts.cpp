// What a test scripts (outcome_policy.h): asking the policy when an action
// starts, applying its answer when the action is due or a test completes it,
// and telling a test what still waits on someone.
#include <memory>
#include <utility>

#include "engine_state.h"
#include "sluice/domain/engine/execution_engine.h"
#include "sluice/domain/engine/outcome_policy.h"

namespace sluice::domain {

std::optional<ScriptedOutcome> ExecutionEngine::Scripted(const Run& run, std::string_view action,
                                                         std::string_view rule,
                                                         std::string_view category,
                                                         std::string_view owner,
                                                         std::string_view provider) {
  if (outcomes_ == nullptr) return std::nullopt;
  const OutcomeSubject subject{*run.scope, run.pipeline_name(), run.StageOf(run.stages.back()).name,
                               action,     rule,                category,
                               owner,      provider};
  return outcomes_->Decide(subject);
}

void ExecutionEngine::CompleteDue(Run& run, ActionRecord& action) {
  if (!action.extras || !action.extras->script) return SucceedAction(run, action);
  // Moved out first: applying it resets the action's extras' script.
  const std::unique_ptr<ScriptedOutcome> script = std::move(action.extras->script);
  ApplyScript(run, action, *script);
}

void ExecutionEngine::ApplyScript(Run& run, ActionRecord& action, const ScriptedOutcome& outcome) {
  ActionExtras& extras = action.Extras();
  extras.scripted = true;
  extras.script.reset();
  action.last_update_time = clock_.Now();
  if (outcome.summary) extras.summary = *outcome.summary;
  if (outcome.external_execution_id) extras.external_execution_id = *outcome.external_execution_id;
  if (!outcome.succeeded) {
    return FailAction(run, action, outcome.error_code.empty() ? "JobFailed" : outcome.error_code,
                      outcome.error_message);
  }
  extras.output_variables = outcome.output_variables;
  SucceedAction(run, action);
}

Status ExecutionEngine::CompleteAction(const Scope& scope, std::string_view pipeline,
                                       std::string_view execution_id, std::string_view stage,
                                       std::string_view action, const ScriptedOutcome& outcome) {
  ChangeLock lock(*this);
  auto [runtime, run] = FindRun(scope, pipeline, execution_id);
  if (run == nullptr) {
    return ServiceError(ErrorCode::kPipelineExecutionNotFound,
                        "Pipeline execution " + std::string(execution_id) + " of pipeline " +
                            std::string(pipeline) + " not found");
  }
  ActionRecord* record = CurrentAction(*run, stage, action);
  if (record == nullptr) {
    return ServiceError(ErrorCode::kActionNotFound,
                        "Execution " + std::string(execution_id) + " is not running action " +
                            std::string(action) + " of stage " + std::string(stage));
  }
  // A job or an approval waiting for this action is answered by the test.
  if (!record->Extra(&ActionExtras::job_id).empty()) {
    CloseJob(*record, outcome.succeeded ? JobStatus::kSucceeded : JobStatus::kFailed);
  }
  ApplyScript(*run, *record, outcome);
  FinishGroupIfDone(*runtime, *run);
  Retire(*runtime);
  ScheduleChanged();
  return Ok{};
}

std::vector<WaitingWork> ExecutionEngine::Waiting() const {
  ChangeLock lock(*this);
  std::vector<WaitingWork> waiting;
  // In key order, so that the same state lists the same way.
  for (const auto& entry : pipelines_) {
    PipelineRuntime* runtime = entry.second.get();
    if (!busy_.contains(runtime)) continue;
    for (const Run* run : runtime->active) {
      if (!run->active()) continue;
      const auto add = [&](std::string stage, std::string action, std::string on) {
        waiting.push_back({runtime->scope, run->pipeline_name(), run->id_text(), std::move(stage),
                           std::move(action), std::move(on)});
      };
      if (run->waiting_for_stage) {
        add(run->Stage(*run->waiting_for_stage).name, "", "stage");
        continue;
      }
      if (run->stages.empty()) continue;
      const StageRecord& stage = run->stages.back();
      for (const ActionRecord& action : stage.actions) {
        if (action.status != ActionStatus::kInProgress || action.due) continue;
        const std::string& name = run->ActionOf(stage, action).name;
        if (action.extras && action.extras->script) {
          add(run->StageOf(stage).name, name, "hold");
        } else if (!action.Extra(&ActionExtras::token).empty()) {
          add(run->StageOf(stage).name, name, "approval");
        } else if (!action.Extra(&ActionExtras::job_id).empty()) {
          add(run->StageOf(stage).name, name, "job");
        }
      }
    }
  }
  return waiting;
}

}  // namespace sluice::domain
