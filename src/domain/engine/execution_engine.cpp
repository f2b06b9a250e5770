#include "sluice/domain/engine/execution_engine.h"

#include "engine_state.h"

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>

#include "sluice/common/ids.h"
#include "sluice/common/logging.h"
#include "sluice/domain/errors.h"
#include "sluice/domain/engine/source_revisions.h"
#include "sluice/domain/engine/variable_resolver.h"

namespace sluice::domain {

std::string RuntimeKey(const Scope& scope, std::string_view pipeline) {
  return ScopeKey(scope) + "/" + std::string(pipeline);
}

namespace {

bool WaitsForApproval(const ActionView& action) {
  return action.category == ActionCategory::kApproval;
}

}  // namespace

std::string_view ToString(ExecutionStatus status) {
  switch (status) {
    case ExecutionStatus::kInProgress: return "InProgress";
    case ExecutionStatus::kStopping: return "Stopping";
    case ExecutionStatus::kStopped: return "Stopped";
    case ExecutionStatus::kSucceeded: return "Succeeded";
    case ExecutionStatus::kSuperseded: return "Superseded";
    case ExecutionStatus::kFailed: return "Failed";
    case ExecutionStatus::kCancelled: return "Cancelled";
  }
  return "InProgress";
}

std::string_view ToString(StageStatus status) {
  switch (status) {
    case StageStatus::kInProgress: return "InProgress";
    case StageStatus::kStopping: return "Stopping";
    case StageStatus::kStopped: return "Stopped";
    case StageStatus::kSucceeded: return "Succeeded";
    case StageStatus::kFailed: return "Failed";
    case StageStatus::kCancelled: return "Cancelled";
    case StageStatus::kSkipped: return "Skipped";
  }
  return "InProgress";
}

std::string_view ToString(ActionStatus status) {
  switch (status) {
    case ActionStatus::kInProgress: return "InProgress";
    case ActionStatus::kAbandoned: return "Abandoned";
    case ActionStatus::kSucceeded: return "Succeeded";
    case ActionStatus::kFailed: return "Failed";
  }
  return "InProgress";
}

bool IsFinished(ExecutionStatus status) {
  return status != ExecutionStatus::kInProgress && status != ExecutionStatus::kStopping;
}

ExecutionEngine::ExecutionEngine(const Clock& clock, EngineOptions options, ChangeSink* changes,
                                 OutcomePolicy* outcomes)
    : clock_(clock),
      options_(options),
      changes_(changes),
      outcomes_(outcomes),
      log_(Logger(kEngineLogger)) {}

ExecutionEngine::~ExecutionEngine() = default;

ExecutionEngine::PipelineRuntime& ExecutionEngine::RuntimeFor(const Scope& scope,
                                                               std::string_view pipeline) {
  auto& slot = pipelines_[RuntimeKey(scope, pipeline)];
  if (!slot) {
    slot = std::make_unique<PipelineRuntime>();
    slot->scope = scope;
    slot->name = std::string(pipeline);
  }
  Mark(*slot);
  return *slot;
}

ExecutionEngine::PipelineRuntime* ExecutionEngine::FindRuntime(const Scope& scope,
                                                               std::string_view pipeline) {
  const auto it = pipelines_.find(RuntimeKey(scope, pipeline));
  if (it == pipelines_.end()) return nullptr;
  // Whoever asks for a runtime it may change is taken to change it.
  Mark(*it->second);
  return it->second.get();
}

void ExecutionEngine::Mark(const PipelineRuntime& runtime) const {
  Record(RuntimeChange{runtime.scope, runtime.name});
}

void ExecutionEngine::MarkJob(const Job& job) const {
  Record(RuntimeChange{job.scope, job.pipeline_name});
}

const ExecutionEngine::PipelineRuntime* ExecutionEngine::FindRuntime(
    const Scope& scope, std::string_view pipeline) const {
  const auto it = pipelines_.find(RuntimeKey(scope, pipeline));
  return it == pipelines_.end() ? nullptr : it->second.get();
}

Status ExecutionEngine::CheckRequest(const PipelineView& pipeline,
                                     const StartRequest& request) const {
  if (!request.variables.empty() && pipeline.type == PipelineType::kV1) {
    return ServiceError::Validation("Pipeline variables can only be used with V2 pipelines");
  }
  std::set<std::string> given;
  for (const ResolvedVariable& variable : request.variables) {
    const bool declared = std::any_of(pipeline.variables.begin(), pipeline.variables.end(),
                                      [&](const VariableView& v) { return v.name == variable.name; });
    if (!declared) {
      return ServiceError::Validation("Variable '" + variable.name +
                                      "' is not declared in pipeline '" + pipeline.name + "'");
    }
    if (!given.insert(variable.name).second) {
      return ServiceError::Validation("Variable '" + variable.name + "' is given more than once");
    }
  }
  for (const VariableView& declared : pipeline.variables) {
    if (!declared.default_value && !given.contains(declared.name)) {
      return ServiceError::Validation("Variable '" + declared.name +
                                      "' has no default value and needs one at start");
    }
  }
  std::set<std::string> overridden;
  for (const SourceRevisionOverride& source : request.source_revisions) {
    const ActionView* action = pipeline.FindSourceAction(source.action_name);
    if (action == nullptr) {
      return ServiceError::Validation("Action '" + source.action_name +
                                      "' is not a source action of pipeline '" + pipeline.name +
                                      "'");
    }
    if (!overridden.insert(source.action_name).second) {
      return ServiceError::Validation("Only one source revision can be given for action '" +
                                      source.action_name + "'");
    }
    if (auto status = CheckRevisionType(*action, source.revision_type); !status) return status;
  }
  return Ok{};
}

Status ExecutionEngine::CheckLimits(const PipelineRuntime& runtime, ExecutionMode mode) const {
  std::size_t active = 0;
  std::size_t waiting_to_start = 0;
  for (const Run* run : runtime.active) {
    ++active;
    if (run->stages.empty()) ++waiting_to_start;
  }
  if (mode == ExecutionMode::kParallel && active >= options_.max_parallel_executions) {
    return ConcurrentExecutionsLimit(mode, options_.max_parallel_executions);
  }
  if (mode == ExecutionMode::kQueued && waiting_to_start >= options_.max_queued_executions) {
    return ConcurrentExecutionsLimit(mode, options_.max_queued_executions);
  }
  return Ok{};
}

Result<std::string> ExecutionEngine::Start(const Scope& scope,
                                           std::shared_ptr<const PipelineView> pipeline,
                                           StartRequest request) {
  if (auto status = CheckRequest(*pipeline, request); !status) return status.error();
  // The new execution is built before the lock is taken, so that requests
  // and the engine's thread wait only for it to be published.
  auto run = NewRun(pipeline);

  // Pipeline variables: given values, else defaults, in declaration order.
  auto& pipeline_variables = run->running->variables["variables"];
  for (const VariableView& declared : pipeline->variables) {
    std::string value = declared.default_value.value_or("");
    for (const auto& given : request.variables) {
      if (given.name == declared.name) value = given.value;
    }
    run->Extras().variables.push_back({declared.name, value});
    pipeline_variables[declared.name] = value;
  }

  // Source revisions are fixed when the execution starts: generated ones
  // follow from its seed; given ones are kept.
  const std::vector<ActionView>& sources = pipeline->stages.front().actions;
  std::vector<SourceOrigin::Given> given;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    for (const auto& source : request.source_revisions) {
      if (source.action_name == sources[i].name) {
        given.push_back({static_cast<std::uint16_t>(i), source.revision_type, source.revision_value, {}});
      }
    }
    if (request.action_revision && request.action_revision->first == sources[i].name) {
      std::erase_if(given, [&](const SourceOrigin::Given& g) { return g.action == i; });
      given.push_back({static_cast<std::uint16_t>(i), std::nullopt, request.action_revision->second, {}});
    }
    for (auto& change : request.source_changes) {
      if (change.action_name != sources[i].name) continue;
      std::erase_if(given, [&](const SourceOrigin::Given& g) { return g.action == i; });
      given.push_back({static_cast<std::uint16_t>(i), std::nullopt, change.revision_id,
                       std::move(change.details)});
    }
  }
  if (!given.empty()) run->Extras().origin = SourceOrigin{run->seed(), run->start_time, std::move(given)};
  run->waiting_for_stage = 0;
  std::string id = run->id_text();

  ChangeLock lock(*this);
  PipelineRuntime& runtime = RuntimeFor(scope, pipeline->name);
  if (request.client_request_token) {
    const auto it = runtime.tokens.find(*request.client_request_token);
    if (it != runtime.tokens.end()) return it->second;  // idempotent retry
  }
  if (auto status = CheckLimits(runtime, pipeline->mode); !status) return status.error();
  if (request.client_request_token) {
    runtime.tokens[*request.client_request_token] = id;
    run->Extras().client_request_token = std::move(request.client_request_token);
  }
  // Stamped again under the lock, so that start order (which numbers runs
  // and pages listings) and start times agree between concurrent starts.
  run->start_time = run->last_update_time = clock_.Now();
  if (run->extras && run->extras->origin) run->extras->origin->created = run->start_time;
  Admit(runtime, std::move(run), std::move(request.trigger));
  Retire(runtime);
  return id;
}

std::unique_ptr<ExecutionEngine::Run> ExecutionEngine::NewRun(
    std::shared_ptr<const PipelineView> pipeline) const {
  auto run = std::make_unique<Run>();
  run->view = std::move(pipeline);
  run->id = Uuid::Random();
  run->start_time = run->last_update_time = clock_.Now();
  run->running = std::make_unique<RunningState>();
  run->running->variables["codepipeline"]["PipelineExecutionId"] = run->id_text();
  return run;
}

ExecutionEngine::Run& ExecutionEngine::Admit(PipelineRuntime& runtime, std::unique_ptr<Run> run,
                                             ExecutionTrigger trigger) {
  run->scope = &runtime.scope;
  // Executions are mostly started alike (same caller, same trigger type).
  if (!runtime.last_trigger || *runtime.last_trigger != trigger) {
    runtime.last_trigger = std::make_shared<const ExecutionTrigger>(std::move(trigger));
  }
  run->trigger = runtime.last_trigger;
  run->sequence = runtime.next_sequence++;
  Run& added = *runtime.runs.emplace_back(std::move(run));
  runtime.active.push_back(&added);
  runtime.by_id.emplace(added.id, &added);
  busy_.insert(&runtime);
  Began(added);
  TryEnterStage(runtime, added);  // may supersede an older waiter
  WakeIfSooner(EarliestDue(added));
  return added;
}

void ExecutionEngine::TryEnterStage(PipelineRuntime& runtime, Run& run) {
  const std::size_t index = *run.waiting_for_stage;
  const bool blocked = Blocked(runtime, run, index);
  if (!blocked && run.mode() == ExecutionMode::kParallel) {
    return EnterStage(runtime, run, index);
  }
  const std::string& stage = run.Stage(index).name;
  if (!blocked && !runtime.holders.contains(stage)) return EnterStage(runtime, run, index);
  if (run.mode() != ExecutionMode::kSuperseded) return;  // wait in line
  // SUPERSEDED: a newer execution waiting to enter a stage (held, or behind a
  // disabled transition) replaces an older one waiting there.
  const std::vector<Run*> active = runtime.active;  // Finish() edits the list
  for (Run* other : active) {
    if (other == &run || !other->active() || !other->waiting_for_stage) continue;
    if (other->Stage(*other->waiting_for_stage).name == stage &&
        other->sequence < run.sequence) {
      Finish(runtime, *other, ExecutionStatus::kSuperseded,
             "Superseded by execution " + run.id_text());
    }
  }
}

bool ExecutionEngine::Blocked(const PipelineRuntime& runtime, const Run& run,
                              std::size_t stage) const {
  if (runtime.inbound_blocks.contains(run.Stage(stage).name)) return true;
  return stage > 0 && runtime.outbound_blocks.contains(run.Stage(stage - 1).name);
}

void ExecutionEngine::EnterStage(PipelineRuntime& runtime, Run& run, std::size_t index) {
  const StageView& stage = run.Stage(index);
  run.waiting_for_stage.reset();
  if (run.mode() != ExecutionMode::kParallel) runtime.holders[stage.name] = run.id;
  // Sized exactly: a run enters each stage once, and a stage runs each of
  // its actions once but for retries.
  if (run.stages.empty()) run.stages.reserve(run.only_stage ? 1 : run.view->stages.size());
  StageRecord& stage_run = run.stages.emplace_back();
  stage_run.stage = static_cast<std::uint16_t>(index);
  stage_run.current_run_order = stage.run_orders.front();
  stage_run.actions.reserve(stage.actions.size());
  Began(run, stage_run);
  if (StartCondition(runtime, run, ConditionKind::kBeforeEntry)) return;
  StartGroup(run);
  FinishGroupIfDone(runtime, run);
}

void ExecutionEngine::StartGroup(Run& run) {
  StageRecord& stage_run = run.stages.back();
  const StageView& stage = run.StageOf(stage_run);
  for (std::size_t i = 0; i < stage.actions.size(); ++i) {
    if (stage.actions[i].run_order != stage_run.current_run_order) continue;
    // A retry of the failed actions keeps the ones that succeeded.
    const bool succeeded =
        std::any_of(stage_run.actions.begin(), stage_run.actions.end(), [&](const ActionRecord& r) {
          return !r.replaced && r.action == i && r.status == ActionStatus::kSucceeded;
        });
    if (succeeded) continue;
    ActionRecord& action_run = stage_run.actions.emplace_back();
    action_run.action = static_cast<std::uint16_t>(i);
    StartAction(run, stage.actions[i], action_run);
  }
}

void ExecutionEngine::StartAction(Run& run, const ActionView& action, ActionRecord& action_run) {
  const auto now = clock_.Now();
  action_run.id = Uuid::Random();
  action_run.start_time = action_run.last_update_time = now;
  action_run.inputs = run.Codes(action.input_artifacts);
  Began(run, action_run);  // with its inputs: the change reports them
  std::size_t resolved = 0;
  for (const auto& [key, value] : action.configuration) {
    auto resolved_value = ResolveVariables(value, run.running->variables);
    if (!resolved_value) {
      // CodePipeline resolves every reference before the action starts,
      // and fails the action when one cannot be resolved.
      FailAction(run, action_run, "JobFailed",
                 "An action in this pipeline failed because one or more variables could not be "
                 "resolved: Action name=" + action.name +
                     ". This can result when a variable is referenced that does not exist. "
                     "Validate the configuration for this action.");
      action_run.Extras().summary = resolved_value.error().message();
      action_run.Extras().resolved_keys = resolved;
      return;
    }
    // Kept only where it differs from the declared value.
    if (*resolved_value != value) action_run.Extras().resolved.emplace_back(key, std::move(*resolved_value));
    ++resolved;
  }
  if (auto script = Scripted(run, action.name, {}, ToString(action.category),
                             ToString(action.owner), action.provider)) {
    // A test decides it: no approver, worker or simulation.
    if (!script->hold) action_run.due = now + script->duration.value_or(options_.action_duration);
    ActionExtras& extras = action_run.Extras();
    extras.scripted = true;
    extras.script = std::make_unique<ScriptedOutcome>(std::move(*script));
    return;
  }
  if (WaitsForApproval(action)) {
    action_run.Extras().token = RandomUuid();
    action_run.deadline =
        now + (action.timeout_minutes ? Clock::Duration(std::chrono::minutes(*action.timeout_minutes))
                                      : options_.approval_timeout);
    return;
  }
  if (StartsJob(action)) return CreateJob(run, action_run);
  action_run.due = now + options_.action_duration;
}

void ExecutionEngine::SucceedAction(Run& run, ActionRecord& action) {
  Transition(run, action, ActionStatus::kSucceeded);
  action.due.reset();
  action.deadline.reset();
  // Its external execution id, summary, output artifacts and (for a source
  // action) output variables are derived on read: execution_render.cpp.
  const std::size_t stage = run.stages.size() - 1;
  const StageRecord& stage_run = run.stages.back();
  const ActionView& view = run.ActionOf(stage_run, action);
  const std::size_t position = static_cast<std::size_t>(&action - stage_run.actions.data());
  for (std::size_t i = 0; i < view.output_artifacts.size(); ++i) {
    run.running->artifacts[view.output_artifacts[i]] = run.OutputCode(stage, position, i);
  }
  if (view.ns.empty()) return;
  if (stage_run.stage == 0 && !run.rollback()) {
    auto& variables = run.running->variables[view.ns];
    variables = run.Source(run.Origin(), action.action).output_variables;
    // A scripted source action's variables add to (and win over) its own.
    if (action.extras && action.extras->scripted) {
      for (const auto& [key, value] : action.extras->output_variables) variables[key] = value;
    }
  } else if (action.extras) {
    run.running->variables[view.ns] = action.extras->output_variables;
  } else {
    run.running->variables[view.ns].clear();
  }
}

void ExecutionEngine::FailAction(Run& run, ActionRecord& action, std::string code,
                                 std::string message) {
  // Set first: the change the transition records reports them.
  action.Extras().error_code = std::move(code);
  action.Extras().error_message = std::move(message);
  Transition(run, action, ActionStatus::kFailed);
  action.due.reset();
  action.deadline.reset();
}

void ExecutionEngine::AbandonAction(Run& run, ActionRecord& action) {
  Transition(run, action, ActionStatus::kAbandoned);
  action.due.reset();
  action.deadline.reset();
  CloseJob(action, JobStatus::kFailed);
}

void ExecutionEngine::FinishGroupIfDone(PipelineRuntime& runtime, Run& run) {
  if (!run.active() || run.stages.empty() || run.waiting_for_stage) return;
  StageRecord& stage_run = run.stages.back();
  if (stage_run.status != StageStatus::kInProgress && stage_run.status != StageStatus::kStopping) {
    return;
  }
  if (!stage_run.conditions.empty() &&
      stage_run.conditions.back().status == ConditionStatus::kInProgress) {
    return;  // AdvanceCondition goes on when the rules are done
  }
  bool failed = false;
  const StageView& stage = run.StageOf(stage_run);
  for (const ActionRecord& action : stage_run.actions) {
    if (action.replaced || stage.actions[action.action].run_order != stage_run.current_run_order) {
      continue;
    }
    if (action.status == ActionStatus::kInProgress) return;
    failed = failed || action.status == ActionStatus::kFailed;
  }
  if (run.status == ExecutionStatus::kStopping) {
    // Stop-and-wait: the actions in progress have ended; nothing more starts.
    return Finish(runtime, run, ExecutionStatus::kStopped, "");
  }
  if (failed) {
    if (!stage.on_failure) return FailStage(runtime, run);
    if (StartCondition(runtime, run, ConditionKind::kOnFailure)) return;
    return ApplyFailureResult(runtime, run);
  }
  if (run.cancel_when_idle) {
    // The pipeline was updated: the actions in progress have finished, and
    // the execution goes no further.
    return CancelForUpdate(runtime, run);
  }
  const auto next = std::upper_bound(stage.run_orders.begin(), stage.run_orders.end(),
                                     stage_run.current_run_order);
  if (next != stage.run_orders.end()) {
    stage_run.current_run_order = *next;
    StartGroup(run);
    return FinishGroupIfDone(runtime, run);
  }
  if (StartCondition(runtime, run, ConditionKind::kOnSuccess)) return;
  Transition(run, stage_run, StageStatus::kSucceeded);
  LeaveStage(runtime, run);
}

void ExecutionEngine::FailStage(PipelineRuntime& runtime, Run& run, std::string summary) {
  StageRecord& stage_run = run.stages.back();
  Transition(run, stage_run, StageStatus::kFailed);
  for (const ActionRecord& action : stage_run.actions) {
    if (!action.replaced && action.status == ActionStatus::kFailed && summary.empty()) {
      summary = action.Extra(&ActionExtras::error_message);
    }
  }
  Finish(runtime, run, ExecutionStatus::kFailed, std::move(summary));
}

void ExecutionEngine::LeaveStage(PipelineRuntime& runtime, Run& run) {
  const std::size_t index = run.stages.back().stage;
  const std::string stage = run.Stage(index).name;
  run.last_update_time = clock_.Now();
  if (index + 1 < run.view->stages.size() && !run.only_stage) {
    run.waiting_for_stage = static_cast<std::uint16_t>(index + 1);
    // Release after queueing for the next stage, so that this execution
    // counts as waiting there before anyone it lets in can overtake it.
    const auto holder = runtime.holders.find(stage);
    if (holder != runtime.holders.end() && holder->second == run.id) {
      runtime.holders.erase(holder);
    }
    TryEnterStage(runtime, run);
    AdmitWaiters(runtime, stage);
    return;
  }
  Finish(runtime, run, ExecutionStatus::kSucceeded, "");
}

void ExecutionEngine::Finish(PipelineRuntime& runtime, Run& run, ExecutionStatus status,
                             std::string summary) {
  // A stage run in progress ends with its execution.
  if (!run.waiting_for_stage && !run.stages.empty()) {
    StageRecord& stage_run = run.stages.back();
    if (stage_run.status == StageStatus::kInProgress || stage_run.status == StageStatus::kStopping) {
      Transition(run, stage_run,
                 status == ExecutionStatus::kStopped  ? StageStatus::kStopped
                 : status == ExecutionStatus::kFailed ? StageStatus::kFailed
                                                      : StageStatus::kCancelled);
    }
  }
  Transition(run, status);
  run.status_summary = std::move(summary);
  run.status_summary.shrink_to_fit();
  run.waiting_for_stage.reset();
  std::vector<std::string> released;
  for (auto it = runtime.holders.begin(); it != runtime.holders.end();) {
    if (it->second == run.id) {
      released.push_back(it->first);
      it = runtime.holders.erase(it);
    } else {
      ++it;
    }
  }
  std::erase(runtime.active, &run);
  runtime.settled.push_back(run.id);
  ++runtime.finished;
  if (runtime.active.empty()) busy_.erase(&runtime);
  // What only a running execution needs goes now, unless a retry may
  // resume it; the record stays, with the view it reads from.
  if (status != ExecutionStatus::kFailed && status != ExecutionStatus::kStopped) {
    run.running.reset();
  }
  for (const std::string& stage : released) AdmitWaiters(runtime, stage);
}

void ExecutionEngine::AdmitWaiters(PipelineRuntime& runtime, const std::string& stage) {
  // In start order: the oldest waiter goes first.
  const std::vector<Run*> active = runtime.active;  // entering a stage may end runs
  for (Run* run : active) {
    if (!run->active() || !run->waiting_for_stage) continue;
    const std::size_t index = *run->waiting_for_stage;
    if (run->Stage(index).name != stage || Blocked(runtime, *run, index)) continue;
    if (run->mode() != ExecutionMode::kParallel && runtime.holders.contains(stage)) continue;
    EnterStage(runtime, *run, index);
  }
}

void ExecutionEngine::Retire(PipelineRuntime& runtime) {
  // The oldest finished runs go first; they sit at the front but for the
  // occasional long-running elder.
  for (auto it = runtime.runs.begin();
       runtime.finished > options_.retained_executions && it != runtime.runs.end();) {
    if ((*it)->active()) {
      ++it;
      continue;
    }
    const Run& run = **it;
    if (run.extras) {
      // By key: a scan of every token would make each start cost as much as
      // the executions retained.
      if (run.extras->client_request_token) runtime.tokens.erase(*run.extras->client_request_token);
      for (const std::string& job : run.extras->jobs) jobs_.erase(job);
    }
    runtime.by_id.erase(run.id);
    runtime.retired.push_back(run.id);
    it = runtime.runs.erase(it);
    --runtime.finished;
  }
}

void ExecutionEngine::Advance() {
  ChangeLock lock(*this);
  const auto now = clock_.Now();
  // Copies: finishing an execution edits both lists.
  const std::vector<PipelineRuntime*> busy(busy_.begin(), busy_.end());
  for (PipelineRuntime* runtime : busy) {
    const std::vector<Run*> active = runtime->active;
    for (Run* run_pointer : active) {
      Run& run = *run_pointer;
      if (!run.active() || run.stages.empty()) continue;
      StageRecord& stage_run = run.stages.back();
      if (!stage_run.conditions.empty() &&
          stage_run.conditions.back().status == ConditionStatus::kInProgress) {
        Mark(*runtime);
        AdvanceCondition(*runtime, run, now);
        continue;
      }
      bool completed_any = false;
      for (ActionRecord& action : stage_run.actions) {
        if (action.status != ActionStatus::kInProgress) continue;
        if (action.due && *action.due <= now) {
          CompleteDue(run, action);
          completed_any = true;
        } else if (action.deadline && *action.deadline <= now) {
          TimeOut(run, action);
          completed_any = true;
        }
      }
      if (completed_any) {
        Mark(*runtime);
        FinishGroupIfDone(*runtime, run);
      }
    }
    Retire(*runtime);
  }
}

std::optional<Clock::TimePoint> ExecutionEngine::EarliestDue(const Run& run, bool deadlines) {
  std::optional<Clock::TimePoint> next;
  const auto consider = [&next](const std::optional<Clock::TimePoint>& when) {
    if (when && (!next || *when < *next)) next = when;
  };
  if (run.stages.empty()) return next;
  const StageRecord& stage = run.stages.back();
  for (const ConditionRun& condition : stage.conditions) {
    for (const RuleRun& rule : condition.rules) {
      if (rule.status == ActionStatus::kInProgress) consider(rule.due);
    }
  }
  for (const ActionRecord& action : stage.actions) {
    if (action.status != ActionStatus::kInProgress) continue;
    consider(action.due);
    if (deadlines) consider(action.deadline);
  }
  return next;
}

std::optional<Clock::TimePoint> ExecutionEngine::NextDueLocked(bool deadlines) const {
  std::optional<Clock::TimePoint> next;
  for (const PipelineRuntime* runtime : busy_) {
    for (const Run* run : runtime->active) {
      const auto due = EarliestDue(*run, deadlines);
      if (due && (!next || *due < *next)) next = due;
    }
  }
  return next;
}

std::optional<Clock::TimePoint> ExecutionEngine::NextDue(bool deadlines) const {
  ChangeLock lock(*this);
  return NextDueLocked(deadlines);
}

void ExecutionEngine::ScheduleChanged() {
  schedule_changed_ = true;
  wakeup_.notify_all();
}

void ExecutionEngine::WakeIfSooner(std::optional<Clock::TimePoint> due) {
  // Waking the engine's thread costs a context switch on the core that
  // answers requests; a due time after the one it sleeps to is picked up
  // when it wakes anyway.
  if (due && *due < sleeping_until_) ScheduleChanged();
}

void ExecutionEngine::RunUntilStopped(std::stop_token stop) {
  while (!stop.stop_requested()) {
    Advance();
    ChangeLock lock(*this);
    if (schedule_changed_) {
      schedule_changed_ = false;
      continue;
    }
    // Computed under the same lock as sleeping_until_ is published, so a
    // start either is seen here or sees where the engine sleeps to.
    const auto next = NextDueLocked();
    sleeping_until_ = next.value_or(Clock::TimePoint::max());
    const auto wait = next ? std::max(*next - clock_.Now(), Clock::Duration(0))
                           : Clock::Duration(std::chrono::seconds(3600));
    wakeup_.wait_for(lock, stop, wait, [this]() REQUIRES(mutex_) { return schedule_changed_; });
    schedule_changed_ = false;
    // Awake: it reads the schedule again before it sleeps, so no start
    // needs to wake it.
    sleeping_until_ = Clock::TimePoint::min();
  }
}

std::optional<PipelineExecution> ExecutionEngine::Find(const Scope& scope,
                                                       std::string_view pipeline,
                                                       std::string_view execution_id,
                                                       ExecutionDetail detail) const {
  ChangeLock lock(*this);
  const PipelineRuntime* runtime = FindRuntime(scope, pipeline);
  if (runtime == nullptr) return std::nullopt;
  const Run* run = runtime->Find(execution_id);
  if (run == nullptr) return std::nullopt;
  return run->Render(detail);
}

std::vector<PipelineExecution> ExecutionEngine::List(const Scope& scope,
                                                     std::string_view pipeline,
                                                     const ExecutionFilter& filter) const {
  ChangeLock lock(*this);
  std::vector<PipelineExecution> executions;
  const PipelineRuntime* runtime = FindRuntime(scope, pipeline);
  if (runtime == nullptr) return executions;
  const auto succeeded_there = [&](const Run& run) {
    return std::any_of(run.stages.begin(), run.stages.end(), [&](const StageRecord& stage) {
      return run.StageOf(stage).name == *filter.succeeded_in_stage &&
             stage.status == StageStatus::kSucceeded;
    });
  };
  executions.reserve(std::min(filter.limit, runtime->runs.size()));
  for (auto it = runtime->runs.rbegin(); it != runtime->runs.rend(); ++it) {
    if (executions.size() == filter.limit) break;
    const Run& run = **it;
    if (filter.before_sequence && run.sequence >= *filter.before_sequence) continue;
    if (filter.pipeline_version && run.view->version != *filter.pipeline_version) continue;
    if (filter.succeeded_in_stage && !succeeded_there(run)) continue;
    executions.push_back(run.Render(filter.detail));
  }
  return executions;
}

void ExecutionEngine::DescribeLatest(const Run& run, const StageRecord& stage_run,
                                     StageSnapshot& state) {
  state.latest_execution =
      StageExecutionRef<StageStatus>{run.id_text(), stage_run.status, run.type_text()};
  state.manual_retries = stage_run.manual_retries;
  state.auto_retries = stage_run.auto_retries;
  for (const ConditionRun& condition : stage_run.conditions) {  // later evaluations win
    switch (condition.kind) {
      case ConditionKind::kBeforeEntry: state.before_entry = condition; break;
      case ConditionKind::kOnSuccess: state.on_success = condition; break;
      case ConditionKind::kOnFailure: state.on_failure = condition; break;
    }
  }
  state.retry_mode = stage_run.RetryModeName();
}

std::vector<StageSnapshot> ExecutionEngine::StageStates(const Scope& scope,
                                                        const PipelineView& pipeline) const {
  ChangeLock lock(*this);
  std::vector<StageSnapshot> states;
  const PipelineRuntime* runtime = FindRuntime(scope, pipeline.name);
  for (const StageView& stage : pipeline.stages) {
    StageSnapshot& state = states.emplace_back();
    state.stage_name = stage.name;
    if (runtime == nullptr) {
      for (const ActionView& action : stage.actions) state.actions.emplace_back(action.name, std::nullopt);
      continue;
    }
    if (const auto block = runtime->inbound_blocks.find(stage.name);
        block != runtime->inbound_blocks.end()) {
      state.inbound_disabled = block->second;
    }
    for (const Run* run : runtime->active) {  // in start order
      if (run->waiting_for_stage && run->Stage(*run->waiting_for_stage).name == stage.name) {
        state.inbound.push_back({run->id_text(), run->status, run->type_text()});
      }
    }
    // Newest first, so that the work follows how far back the stage last
    // ran, not how many executions are retained: the first stage run found
    // is the latest, and each action's first run found is its latest.
    std::map<std::string, std::tuple<const Run*, std::size_t, std::size_t>, std::less<>> latest;
    for (auto it = runtime->runs.rbegin();
         it != runtime->runs.rend() &&
         !(state.latest_execution && latest.size() == stage.actions.size());
         ++it) {
      const Run* run = it->get();
      for (std::size_t s = run->stages.size(); s-- > 0;) {
        const StageRecord& stage_run = run->stages[s];
        const StageView& stage_view = run->StageOf(stage_run);
        if (stage_view.name != stage.name) continue;
        if (!state.latest_execution) DescribeLatest(*run, stage_run, state);
        for (std::size_t a = stage_run.actions.size(); a-- > 0;) {
          const std::string& name = stage_view.actions[stage_run.actions[a].action].name;
          const bool declared =
              std::any_of(stage.actions.begin(), stage.actions.end(),
                          [&name](const ActionView& action) { return action.name == name; });
          if (declared) latest.try_emplace(name, run, s, a);
        }
      }
    }
    for (const ActionView& action : stage.actions) {
      const auto it = latest.find(action.name);
      if (it == latest.end()) {
        state.actions.emplace_back(action.name, std::nullopt);
        continue;
      }
      const auto& [run, s, a] = it->second;
      state.actions.emplace_back(action.name, run->RenderAction(s, a));
    }
  }
  return states;
}

void ExecutionEngine::PipelineUpdated(const Scope& scope, std::string_view pipeline) {
  ChangeLock lock(*this);
  PipelineRuntime* found = FindRuntime(scope, pipeline);
  if (found == nullptr) return;
  PipelineRuntime& runtime = *found;
  // AWS: in SUPERSEDED and QUEUED mode, waiting executions are cancelled and
  // active ones are cancelled once their in-progress actions complete;
  // PARALLEL executions run on, on the version they started with.
  const std::vector<Run*> active = runtime.active;
  for (Run* run : active) {
    if (!run->active() || run->mode() == ExecutionMode::kParallel) continue;
    if (run->waiting_for_stage) {
      CancelForUpdate(runtime, *run);
    } else {
      run->cancel_when_idle = true;
      FinishGroupIfDone(runtime, *run);
    }
  }
  Retire(runtime);
}

void ExecutionEngine::CancelForUpdate(PipelineRuntime& runtime, Run& run) {
  Finish(runtime, run, ExecutionStatus::kCancelled,
         "The pipeline's definition was updated before the execution could complete");
}

void ExecutionEngine::Forget(const Scope& scope, std::string_view pipeline) {
  ChangeLock lock(*this);
  const auto it = pipelines_.find(RuntimeKey(scope, pipeline));
  if (it != pipelines_.end()) Drop(it);
}

EngineRemoval ExecutionEngine::RemoveAll(const ScopeFilter& filter) {
  ChangeLock lock(*this);
  EngineRemoval removed;
  for (auto it = pipelines_.begin(); it != pipelines_.end();) {
    if (!filter.Matches(it->second->scope)) {
      ++it;
      continue;
    }
    removed.executions += it->second->runs.size();
    removed.jobs += Drop(it++);
  }
  // Whatever the engine's thread sleeps to may be gone.
  ScheduleChanged();
  return removed;
}

std::size_t ExecutionEngine::Drop(Runtimes::iterator runtime) {
  Mark(*runtime->second);
  // Off the busy list first: no engine step runs for these executions again.
  busy_.erase(runtime->second.get());
  std::size_t jobs = 0;
  for (const auto& run : runtime->second->runs) {
    if (!run->extras) continue;
    for (const std::string& job : run->extras->jobs) jobs += jobs_.erase(job);
  }
  pipelines_.erase(runtime);
  return jobs;
}

}  // namespace sluice::domain
