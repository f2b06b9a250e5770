// Stage conditions and rollback. A stage's beforeEntry condition is
// evaluated when an execution enters it, onSuccess when its actions have
// succeeded, onFailure when one has failed; each rule takes one simulated
// action duration. The condition's result then applies: FAIL, SKIP,
// ROLLBACK (a new ROLLBACK execution of the stage with the revisions of the
// latest execution that succeeded there) or RETRY (once, in place).
#include <algorithm>

#include "engine_state.h"
#include "sluice/common/ids.h"
#include "sluice/common/logging.h"
#include "sluice/domain/errors.h"
#include "sluice/domain/engine/rule_evaluator.h"

namespace sluice::domain {

namespace {

const ConditionView* ConditionOf(const StageView& stage, ConditionKind kind) {
  const auto& condition = kind == ConditionKind::kBeforeEntry ? stage.before_entry
                          : kind == ConditionKind::kOnSuccess ? stage.on_success
                                                              : stage.on_failure;
  return condition ? &*condition : nullptr;
}

std::string_view KindName(ConditionKind kind) {
  switch (kind) {
    case ConditionKind::kBeforeEntry: return "beforeEntry";
    case ConditionKind::kOnSuccess: return "onSuccess";
    case ConditionKind::kOnFailure: return "onFailure";
  }
  return "beforeEntry";
}

bool Evaluating(const StageRecord& stage_run, ConditionKind kind) {
  return !stage_run.conditions.empty() && stage_run.conditions.back().kind == kind &&
         stage_run.conditions.back().status == ConditionStatus::kInProgress;
}

}  // namespace

std::string_view ToString(ConditionStatus status) {
  switch (status) {
    case ConditionStatus::kInProgress: return "InProgress";
    case ConditionStatus::kFailed: return "Failed";
    case ConditionStatus::kErrored: return "Errored";
    case ConditionStatus::kSucceeded: return "Succeeded";
    case ConditionStatus::kCancelled: return "Cancelled";
    case ConditionStatus::kAbandoned: return "Abandoned";
    case ConditionStatus::kOverridden: return "Overridden";
  }
  return "InProgress";
}

bool ExecutionEngine::StartCondition(PipelineRuntime& /*runtime*/, Run& run, ConditionKind kind) {
  StageRecord& stage_run = run.stages.back();
  const ConditionView* condition = ConditionOf(run.StageOf(stage_run), kind);
  if (condition == nullptr || condition->rules.empty()) return false;
  const auto now = clock_.Now();
  ConditionRun& evaluation = stage_run.conditions.emplace_back();
  evaluation.kind = kind;
  evaluation.last_change = now;
  for (const RuleView& rule : condition->rules) {
    RuleRun& rule_run = evaluation.rules.emplace_back();
    rule_run.rule_name = rule.name;
    rule_run.rule_execution_id = RandomUuid();
    rule_run.start_time = rule_run.last_update_time = now;
    rule_run.due = now + options_.action_duration;
    if (auto script = Scripted(run, {}, rule.name, rule.category, rule.owner, rule.provider)) {
      // A held rule would hold its stage with nothing to release it: rules
      // take a scripted result and duration only.
      rule_run.due = now + script->duration.value_or(options_.action_duration);
      rule_run.script = std::make_shared<const ScriptedOutcome>(std::move(*script));
    }
    rule_run.category = rule.category;
    rule_run.owner = rule.owner;
    rule_run.provider = rule.provider;
    rule_run.version = rule.version;
    rule_run.region = rule.region;
    rule_run.role_arn = rule.role_arn;
    rule_run.configuration = rule.configuration;
    rule_run.input_artifacts = run.Locations(rule.input_artifacts);
  }
  log_->debug("execution {} evaluates the {} condition of {}", run.id_text(),
                               KindName(kind), run.StageOf(stage_run).name);
  return true;
}

void ExecutionEngine::AdvanceCondition(PipelineRuntime& runtime, Run& run, Clock::TimePoint now) {
  StageRecord& stage_run = run.stages.back();
  ConditionRun& evaluation = stage_run.conditions.back();
  const ConditionView& condition = *ConditionOf(run.StageOf(stage_run), evaluation.kind);
  bool pending = false;
  for (std::size_t i = 0; i < evaluation.rules.size(); ++i) {
    RuleRun& rule = evaluation.rules[i];
    if (rule.status != ActionStatus::kInProgress) continue;
    if (!rule.due || *rule.due > now) {
      pending = true;
      continue;
    }
    rule.due.reset();
    rule.last_update_time = now;
    bool resolved = true;
    for (const auto& [key, value] : rule.configuration) {
      auto resolved_value = ResolveVariables(value, run.running->variables);
      if (!resolved_value) {
        rule.status = ActionStatus::kFailed;
        rule.error_code = "ConfigurationError";
        rule.error_message = rule.summary = resolved_value.error().message();
        resolved = false;
        break;
      }
      rule.resolved_configuration[key] = std::move(*resolved_value);
    }
    if (!resolved) continue;
    const RuleOutcome outcome =
        rule.script ? ScriptedRuleOutcome(*rule.script)
                    : EvaluateRule(condition.rules[i], rule.resolved_configuration, now,
                                   options_.external_rules_succeed);
    rule.status = outcome.succeeded ? ActionStatus::kSucceeded : ActionStatus::kFailed;
    rule.summary = outcome.summary;
    rule.error_code = outcome.error_code;
    rule.error_message = outcome.error_message;
  }
  if (!pending) ConditionEnded(runtime, run);
}

void ExecutionEngine::ConditionEnded(PipelineRuntime& runtime, Run& run) {
  StageRecord& stage_run = run.stages.back();
  ConditionRun& evaluation = stage_run.conditions.back();
  const StageView& stage = run.StageOf(stage_run);
  if (evaluation.status == ConditionStatus::kInProgress) {
    const bool errored = std::any_of(evaluation.rules.begin(), evaluation.rules.end(),
                                     [](const RuleRun& rule) { return !rule.error_code.empty(); });
    const bool passed = std::all_of(evaluation.rules.begin(), evaluation.rules.end(), [](const RuleRun& rule) {
      return rule.status == ActionStatus::kSucceeded;
    });
    evaluation.status = passed ? ConditionStatus::kSucceeded
                        : errored ? ConditionStatus::kErrored
                                  : ConditionStatus::kFailed;
    evaluation.summary = passed ? "All rules succeeded" : "One or more rules failed";
    evaluation.last_change = clock_.Now();
  }
  if (run.cancel_when_idle) {
    // The pipeline was updated while the condition was evaluated.
    return CancelForUpdate(runtime, run);
  }
  const bool passed = evaluation.status == ConditionStatus::kSucceeded ||
                      evaluation.status == ConditionStatus::kOverridden;
  const std::string failure = "The " + std::string(KindName(evaluation.kind)) +
                              " condition of stage " + stage.name + " failed";
  switch (evaluation.kind) {
    case ConditionKind::kBeforeEntry:
      if (passed) {
        StartGroup(run);
        return FinishGroupIfDone(runtime, run);
      }
      if (stage.before_entry->result == ConditionResult::kSkip) {
        Transition(run, stage_run, StageStatus::kSkipped);
        return LeaveStage(runtime, run);
      }
      return FailStage(runtime, run, failure);
    case ConditionKind::kOnSuccess:
      if (passed) {
        Transition(run, stage_run, StageStatus::kSucceeded);
        return LeaveStage(runtime, run);
      }
      FailStage(runtime, run, failure);
      if (stage.on_success->result == ConditionResult::kRollback) RollBackAfterFailure(runtime, run);
      return;
    case ConditionKind::kOnFailure:
      // The rules decide whether onFailure's result applies.
      if (passed) return ApplyFailureResult(runtime, run);
      return FailStage(runtime, run);
  }
}

void ExecutionEngine::ApplyFailureResult(PipelineRuntime& runtime, Run& run) {
  StageRecord& stage_run = run.stages.back();
  const StageView& stage = run.StageOf(stage_run);
  const ConditionResult result = stage.on_failure->result;
  if (result == ConditionResult::kRetry && stage_run.auto_retries == 0) {
    return ResumeStage(runtime, run, stage.on_failure_retry_mode, /*automatic=*/true);
  }
  if (result == ConditionResult::kSkip) {
    Transition(run, stage_run, StageStatus::kSkipped);
    return LeaveStage(runtime, run);
  }
  FailStage(runtime, run);
  if (result == ConditionResult::kRollback) RollBackAfterFailure(runtime, run);
}

void ExecutionEngine::RollBackAfterFailure(PipelineRuntime& runtime, Run& run) {
  // As RollbackStage: not in PARALLEL mode, and only to an execution of the
  // same pipeline version.
  if (run.mode() == ExecutionMode::kParallel) return;
  const std::size_t stage = run.stages.back().stage;
  if (stage == 0) return;  // a source stage is never rolled back
  const std::string& name = run.Stage(stage).name;
  // The newest other STANDARD execution that succeeded in the stage.
  const Run* target = nullptr;
  for (const auto& other : runtime.runs) {
    if (other.get() == &run || other->view->version != run.view->version || other->rollback()) {
      continue;
    }
    for (const StageRecord& stage_run : other->stages) {
      if (other->StageOf(stage_run).name == name && stage_run.status == StageStatus::kSucceeded &&
          (target == nullptr || other->sequence > target->sequence)) {
        target = other.get();
      }
    }
  }
  if (target == nullptr) return;  // nothing to roll back to
  auto rolled = StartRollback(runtime, run.view, stage, *target,
                              {"AutomatedRollback", "Rollback of execution " + run.id_text()});
  if (!rolled) {
    log_->info("no automatic rollback of stage {}: {}", name,
                                rolled.error().message());
  }
}

Result<std::string> ExecutionEngine::StartRollback(PipelineRuntime& runtime,
                                                   std::shared_ptr<const PipelineView> pipeline,
                                                   std::size_t stage, const Run& target,
                                                   ExecutionTrigger trigger) {
  if (auto status = CheckLimits(runtime, pipeline->mode); !status) return status.error();
  auto run = NewRun(std::move(pipeline));
  // What the target ran with: its revisions, variables and artifacts.
  RunExtras& extras = run->Extras();
  extras.rollback_target = target.id;
  extras.origin = target.Origin();
  if (target.extras) extras.variables = target.extras->variables;
  for (const ResolvedVariable& variable : extras.variables) {
    run->running->variables["variables"][variable.name] = variable.value;
  }
  for (std::size_t s = 0; s < target.stages.size(); ++s) {
    const StageRecord& stage_run = target.stages[s];
    for (std::size_t a = 0; a < stage_run.actions.size(); ++a) {
      const ActionRecord& record = stage_run.actions[a];
      if (record.replaced || record.status != ActionStatus::kSucceeded) continue;
      const ActionView& declared = target.ActionOf(stage_run, record);
      ActionRun action = target.RenderAction(s, a);
      if (!declared.ns.empty()) run->running->variables[declared.ns] = std::move(action.output_variables);
      for (std::size_t i = 0; i < declared.output_artifacts.size(); ++i) {
        run->running->artifacts[declared.output_artifacts[i]] = target.OutputCode(s, a, i);
      }
    }
  }
  run->only_stage = static_cast<std::uint16_t>(stage);
  run->waiting_for_stage = static_cast<std::uint16_t>(stage);
  log_->debug("rollback {} of stage {} to execution {}", run->id_text(),
                               run->Stage(stage).name, target.id_text());
  return Admit(runtime, std::move(run), std::move(trigger)).id_text();
}

Result<std::string> ExecutionEngine::Rollback(const Scope& scope,
                                              std::shared_ptr<const PipelineView> pipeline,
                                              std::string_view stage, std::string_view target_id,
                                              ExecutionTrigger trigger) {
  ChangeLock lock(*this);
  const auto unable = [&](const std::string& why) { return UnableToRollback(stage, why); };
  if (pipeline->mode == ExecutionMode::kParallel) {
    return unable("rollback is not supported for pipelines in PARALLEL mode");
  }
  PipelineRuntime& runtime = RuntimeFor(scope, pipeline->name);
  const Run* target = runtime.Find(target_id);
  if (target == nullptr) return ExecutionNotFound(pipeline->name, target_id);
  // The service checked that the stage is declared.
  const std::size_t index = pipeline->StageIndex(stage).value_or(pipeline->stages.size());
  // User guide, "Considerations for rollbacks": "You cannot roll back a
  // source stage." and "You cannot roll back to a target execution ID that
  // is a rollback execution type."
  if (index == 0) return unable("a source stage cannot be rolled back");
  if (target->rollback()) {
    return unable("execution " + target->id_text() +
                  " is a rollback execution and cannot be a rollback target");
  }
  const bool succeeded_there =
      std::any_of(target->stages.begin(), target->stages.end(), [&](const StageRecord& r) {
        return target->StageOf(r).name == stage && r.status == StageStatus::kSucceeded;
      });
  if (!succeeded_there) {
    return unable("execution " + target->id_text() + " did not succeed in this stage");
  }
  if (target->view->version != pipeline->version) {
    return ExecutionOutdated(target->id_text(), target->view->version, pipeline->version);
  }
  // The target must be older than the stage's latest execution.
  for (const auto& other : runtime.runs) {
    if (other.get() == target || other->sequence < target->sequence) continue;
    for (const StageRecord& stage_run : other->stages) {
      if (other->StageOf(stage_run).name != stage) continue;
      if (other->active()) {
        return StageInUse(stage, other->id_text());
      }
    }
  }
  const bool newer_ran = std::any_of(runtime.runs.begin(), runtime.runs.end(), [&](const auto& other) {
    return other->sequence > target->sequence &&
           std::any_of(other->stages.begin(), other->stages.end(),
                       [&](const StageRecord& r) { return other->StageOf(r).name == stage; });
  });
  if (!newer_ran) return unable("execution " + target->id_text() + " is already the latest in it");
  return StartRollback(runtime, std::move(pipeline), index, *target, std::move(trigger));
}

Status ExecutionEngine::OverrideCondition(const Scope& scope, std::string_view pipeline,
                                          std::string_view stage, std::string_view execution_id,
                                          ConditionKind kind) {
  ChangeLock lock(*this);
  const auto not_overridable = [&] {
    return ConditionNotOverridable(execution_id, KindName(kind), stage);
  };
  PipelineRuntime* found = FindRuntime(scope, pipeline);
  if (found == nullptr) return not_overridable();
  PipelineRuntime& runtime = *found;
  Run* run = runtime.Find(execution_id);
  if (run == nullptr) return not_overridable();
  const bool evaluating = run->active() && !run->waiting_for_stage && !run->stages.empty() &&
                          run->StageOf(run->stages.back()).name == stage &&
                          Evaluating(run->stages.back(), kind);
  if (!evaluating) {
    for (const Run* other : runtime.active) {
      if (other->sequence > run->sequence && !other->stages.empty() &&
          other->StageOf(other->stages.back()).name == stage) {
        return NotLatestExecution(run->id_text(), stage, other->id_text());
      }
    }
    return not_overridable();
  }
  ConditionRun& evaluation = run->stages.back().conditions.back();
  evaluation.status = ConditionStatus::kOverridden;
  evaluation.summary = "Overridden";
  evaluation.last_change = clock_.Now();
  for (RuleRun& rule : evaluation.rules) {
    if (rule.status != ActionStatus::kInProgress) continue;
    rule.status = ActionStatus::kAbandoned;
    rule.due.reset();
    rule.last_update_time = evaluation.last_change;
  }
  ConditionEnded(runtime, *run);
  Retire(runtime);
  ScheduleChanged();
  return Ok{};
}

std::vector<RuleExecutionRecord> ExecutionEngine::RuleExecutions(
    const Scope& scope, std::string_view pipeline,
    const std::optional<std::string>& execution_id) const {
  ChangeLock lock(*this);
  std::vector<RuleExecutionRecord> records;
  const PipelineRuntime* runtime = FindRuntime(scope, pipeline);
  if (runtime == nullptr) return records;
  for (const auto& run : runtime->runs) {
    if (execution_id && run->id_text() != *execution_id) continue;
    for (const StageRecord& stage_run : run->stages) {
      for (const ConditionRun& evaluation : stage_run.conditions) {
        for (const RuleRun& rule : evaluation.rules) {
          records.push_back({run->id_text(), run->view->version, run->StageOf(stage_run).name,
                             rule});
        }
      }
    }
  }
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.rule.start_time > b.rule.start_time;
  });
  return records;
}

}  // namespace sluice::domain
