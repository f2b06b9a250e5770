#include "sluice/domain/execution_engine.h"

#include "engine_state.h"

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>

#include "sluice/common/ids.h"
#include "sluice/common/logging.h"
#include "sluice/domain/errors.h"
#include "sluice/domain/source_revisions.h"
#include "sluice/domain/variable_resolver.h"

namespace sluice::domain {

std::string RuntimeKey(const Scope& scope, std::string_view pipeline) {
  return scope.account_id + "/" + scope.region + "/" + std::string(pipeline);
}

namespace {

bool WaitsForApproval(const ActionView& action) {
  return action.category == "Approval";
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

ExecutionEngine::ExecutionEngine(const Clock& clock, EngineOptions options)
    : clock_(clock), options_(options) {}

ExecutionEngine::~ExecutionEngine() = default;

ExecutionEngine::PipelineRuntime& ExecutionEngine::RuntimeFor(const Scope& scope,
                                                               std::string_view pipeline) {
  auto& slot = pipelines_[RuntimeKey(scope, pipeline)];
  if (!slot) {
    slot = std::make_unique<PipelineRuntime>();
    slot->scope = scope;
  }
  return *slot;
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
    if (run->execution.stage_runs.empty()) ++waiting_to_start;
  }
  if (mode == ExecutionMode::kParallel && active >= options_.max_parallel_executions) {
    return ServiceError(ErrorCode::kConcurrentPipelineExecutionsLimitExceeded,
                        "The pipeline has reached the limit of " +
                            std::to_string(options_.max_parallel_executions) +
                            " executions in progress in PARALLEL mode");
  }
  if (mode == ExecutionMode::kQueued && waiting_to_start >= options_.max_queued_executions) {
    return ServiceError(ErrorCode::kConcurrentPipelineExecutionsLimitExceeded,
                        "The pipeline has reached the limit of " +
                            std::to_string(options_.max_queued_executions) +
                            " queued executions in QUEUED mode");
  }
  return Ok{};
}

Result<std::string> ExecutionEngine::Start(const Scope& scope,
                                           std::shared_ptr<const PipelineView> pipeline,
                                           StartRequest request) {
  if (auto status = CheckRequest(*pipeline, request); !status) return status.error();
  std::lock_guard lock(mutex_);
  PipelineRuntime& runtime = RuntimeFor(scope, pipeline->name);
  if (request.client_request_token) {
    const auto it = runtime.tokens.find(*request.client_request_token);
    if (it != runtime.tokens.end()) return it->second;  // idempotent retry
  }
  if (auto status = CheckLimits(runtime, pipeline->mode); !status) return status.error();

  const auto now = clock_.Now();
  auto run = NewRun(runtime, *pipeline, std::move(request.trigger));
  PipelineExecution& execution = run->execution;

  // Pipeline variables: given values, else defaults, in declaration order.
  auto& pipeline_variables = run->variables["variables"];
  for (const VariableView& declared : pipeline->variables) {
    std::string value = declared.default_value.value_or("");
    for (const auto& given : request.variables) {
      if (given.name == declared.name) value = given.value;
    }
    execution.variables.push_back({declared.name, value});
    pipeline_variables[declared.name] = value;
  }
  run->variables["codepipeline"]["PipelineExecutionId"] = execution.id;

  // Source revisions are fixed when the execution starts.
  for (const ActionView& action : pipeline->stages.front().actions) {
    std::optional<std::string> type;
    std::optional<std::string> value;
    for (const auto& source : request.source_revisions) {
      if (source.action_name == action.name) {
        type = source.revision_type;
        value = source.revision_value;
      }
    }
    if (request.action_revision && request.action_revision->first == action.name) {
      type.reset();
      value = request.action_revision->second;
    }
    SourceOutcome outcome =
        MakeSourceOutcome(action, scope.region, scope.account_id, type, value, now);
    execution.artifact_revisions.push_back(outcome.revision);
    execution.source_revisions.push_back({action.name, outcome.revision.revision_id,
                                          outcome.revision.revision_summary,
                                          outcome.revision.revision_url});
    run->sources.emplace(action.name, std::move(outcome));
  }
  run->view = std::move(pipeline);
  execution.waiting_for_stage = 0;

  const std::string id = execution.id;
  if (request.client_request_token) runtime.tokens[*request.client_request_token] = id;
  Admit(runtime, std::move(run));
  Retire(runtime);
  return id;
}

std::unique_ptr<ExecutionEngine::Run> ExecutionEngine::NewRun(PipelineRuntime& runtime,
                                                              const PipelineView& pipeline,
                                                              ExecutionTrigger trigger) {
  auto run = std::make_unique<Run>();
  PipelineExecution& execution = run->execution;
  execution.pipeline_name = pipeline.name;
  execution.pipeline_version = pipeline.version;
  execution.id = RandomUuid();
  execution.start_time = execution.last_update_time = clock_.Now();
  execution.trigger = std::move(trigger);
  execution.mode = pipeline.mode;
  execution.sequence = runtime.next_sequence++;
  run->scope = runtime.scope;
  return run;
}

ExecutionEngine::Run& ExecutionEngine::Admit(PipelineRuntime& runtime, std::unique_ptr<Run> run) {
  Run& added = *runtime.runs.emplace_back(std::move(run));
  runtime.active.push_back(&added);
  runtime.by_id.emplace(added.execution.id, &added);
  busy_.insert(&runtime);
  Logger(kEngineLogger)->debug("execution {} of {} started", added.execution.id,
                               added.execution.pipeline_name);
  TryEnterStage(runtime, added);  // may supersede an older waiter
  WakeIfSooner(EarliestDue(added));
  return added;
}

void ExecutionEngine::TryEnterStage(PipelineRuntime& runtime, Run& run) {
  const std::size_t index = *run.execution.waiting_for_stage;
  const bool blocked = Blocked(runtime, run, index);
  if (!blocked && run.execution.mode == ExecutionMode::kParallel) {
    return EnterStage(runtime, run, index);
  }
  const std::string& stage = run.Stage(index).name;
  if (!blocked && !runtime.holders.contains(stage)) return EnterStage(runtime, run, index);
  if (run.execution.mode != ExecutionMode::kSuperseded) return;  // wait in line
  // SUPERSEDED: a newer execution waiting to enter a stage (held, or behind a
  // disabled transition) replaces an older one waiting there.
  const std::vector<Run*> active = runtime.active;  // Finish() edits the list
  for (Run* other : active) {
    if (other == &run || !other->active() || !other->execution.waiting_for_stage) continue;
    if (other->Stage(*other->execution.waiting_for_stage).name == stage &&
        other->execution.sequence < run.execution.sequence) {
      Finish(runtime, *other, ExecutionStatus::kSuperseded,
             "Superseded by execution " + run.execution.id);
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
  run.execution.waiting_for_stage.reset();
  if (run.execution.mode != ExecutionMode::kParallel) runtime.holders[stage.name] = run.execution.id;
  StageRun& stage_run = run.execution.stage_runs.emplace_back();
  stage_run.stage_name = stage.name;
  stage_run.stage_index = index;
  stage_run.current_run_order = stage.run_orders.front();
  Logger(kEngineLogger)->debug("execution {} entered stage {}", run.execution.id, stage.name);
  if (StartCondition(runtime, run, ConditionKind::kBeforeEntry)) return;
  StartGroup(run);
  FinishGroupIfDone(runtime, run);
}

void ExecutionEngine::StartGroup(Run& run) {
  const std::size_t index = run.execution.stage_runs.back().stage_index;
  StageRun& stage_run = run.execution.stage_runs.back();
  const StageView& stage = run.Stage(index);
  for (const ActionView& action : stage.actions) {
    if (action.run_order != stage_run.current_run_order) continue;
    // A retry of the failed actions keeps the ones that succeeded.
    const bool succeeded =
        std::any_of(stage_run.actions.begin(), stage_run.actions.end(), [&](const ActionRun& r) {
          return !r.replaced && r.action_name == action.name && r.status == ActionStatus::kSucceeded;
        });
    if (succeeded) continue;
    ActionRun& action_run = stage_run.actions.emplace_back();
    action_run.stage_name = stage.name;
    StartAction(run, action, action_run);
  }
}

void ExecutionEngine::StartAction(Run& run, const ActionView& action, ActionRun& action_run) {
  const auto now = clock_.Now();
  action_run.action_name = action.name;
  action_run.action_execution_id = RandomUuid();
  action_run.run_order = action.run_order;
  action_run.start_time = action_run.last_update_time = now;
  action_run.category = action.category;
  action_run.owner = action.owner;
  action_run.provider = action.provider;
  action_run.version = action.version;
  action_run.region = action.region;
  action_run.role_arn = action.role_arn;
  action_run.ns = action.ns;
  action_run.configuration = action.configuration;
  action_run.input_artifacts = run.Locations(action.input_artifacts);
  for (const auto& [key, value] : action.configuration) {
    auto resolved_value = ResolveVariables(value, run.variables);
    if (!resolved_value) {
      // CodePipeline resolves every reference before the action starts,
      // and fails the action when one cannot be resolved.
      FailAction(action_run, "JobFailed",
                 "An action in this pipeline failed because one or more variables could not be "
                 "resolved: Action name=" + action.name +
                     ". This can result when a variable is referenced that does not exist. "
                     "Validate the configuration for this action.");
      action_run.summary = resolved_value.error().message();
      return;
    }
    action_run.resolved_configuration[key] = std::move(*resolved_value);
  }
  if (WaitsForApproval(action)) {
    action_run.token = RandomUuid();
    action_run.deadline =
        now + (action.timeout_minutes ? Clock::Duration(std::chrono::minutes(*action.timeout_minutes))
                                      : options_.approval_timeout);
    return;
  }
  if (StartsJob(action)) return CreateJob(run, action_run);
  action_run.due = now + options_.action_duration;
}

void ExecutionEngine::SucceedAction(Run& run, ActionRun& action) {
  const auto now = clock_.Now();
  action.status = ActionStatus::kSucceeded;
  action.last_update_time = now;
  action.due.reset();
  action.deadline.reset();
  if (action.external_execution_id.empty()) action.external_execution_id = action.action_execution_id;
  const StageView& stage = run.Stage(run.execution.stage_runs.back().stage_index);
  const auto view = std::find_if(stage.actions.begin(), stage.actions.end(),
                                 [&](const ActionView& a) { return a.name == action.action_name; });
  const bool in_source_stage = run.execution.stage_runs.back().stage_index == 0;
  if (const auto source = run.sources.find(action.action_name);
      in_source_stage && source != run.sources.end()) {
    action.output_variables = source->second.output_variables;
    action.summary = source->second.action_summary;
    action.external_execution_id = source->second.revision.revision_id;
  }
  action.output_artifacts.clear();
  for (const std::string& output : view->output_artifacts) {
    // AWS's key form: pipeline name / artifact name (both cut short) / random.
    ArtifactLocation location{output, run.view->artifact_bucket,
                              run.execution.pipeline_name.substr(0, 20) + "/" +
                                  output.substr(0, 10) + "/" + RandomHex(7)};
    action.output_artifacts.push_back(location);
    run.artifacts[output] = location;
  }
  if (!view->ns.empty()) run.variables[view->ns] = action.output_variables;
}

void ExecutionEngine::FailAction(ActionRun& action, std::string code, std::string message) {
  action.status = ActionStatus::kFailed;
  action.last_update_time = clock_.Now();
  action.due.reset();
  action.deadline.reset();
  action.error_code = std::move(code);
  action.error_message = std::move(message);
}

void ExecutionEngine::AbandonAction(ActionRun& action) {
  action.status = ActionStatus::kAbandoned;
  action.last_update_time = clock_.Now();
  action.due.reset();
  action.deadline.reset();
  CloseJob(action, JobStatus::kFailed);
}

void ExecutionEngine::FinishGroupIfDone(PipelineRuntime& runtime, Run& run) {
  if (!run.active() || run.execution.stage_runs.empty() || run.execution.waiting_for_stage) {
    return;
  }
  StageRun& stage_run = run.execution.stage_runs.back();
  if (stage_run.status != StageStatus::kInProgress && stage_run.status != StageStatus::kStopping) {
    return;
  }
  if (!stage_run.conditions.empty() &&
      stage_run.conditions.back().status == ConditionStatus::kInProgress) {
    return;  // AdvanceCondition goes on when the rules are done
  }
  bool failed = false;
  for (const ActionRun& action : stage_run.actions) {
    if (action.replaced || action.run_order != stage_run.current_run_order) continue;
    if (action.status == ActionStatus::kInProgress) return;
    failed = failed || action.status == ActionStatus::kFailed;
  }
  if (run.execution.status == ExecutionStatus::kStopping) {
    // Stop-and-wait: the actions in progress have ended; nothing more starts.
    stage_run.status = StageStatus::kStopped;
    return Finish(runtime, run, ExecutionStatus::kStopped, "");
  }
  const std::size_t index = run.execution.stage_runs.back().stage_index;
  const StageView& stage = run.Stage(index);
  if (failed) {
    if (!stage.on_failure) return FailStage(runtime, run);
    if (StartCondition(runtime, run, ConditionKind::kOnFailure)) return;
    return ApplyFailureResult(runtime, run);
  }
  if (run.cancel_when_idle) {
    // The pipeline was updated: the actions in progress have finished, and
    // the execution goes no further.
    stage_run.status = StageStatus::kCancelled;
    return Finish(runtime, run, ExecutionStatus::kCancelled,
                  "The pipeline's definition was updated before the execution could complete");
  }
  const auto next = std::upper_bound(stage.run_orders.begin(), stage.run_orders.end(),
                                     stage_run.current_run_order);
  if (next != stage.run_orders.end()) {
    stage_run.current_run_order = *next;
    StartGroup(run);
    return FinishGroupIfDone(runtime, run);
  }
  if (StartCondition(runtime, run, ConditionKind::kOnSuccess)) return;
  stage_run.status = StageStatus::kSucceeded;
  LeaveStage(runtime, run);
}

void ExecutionEngine::FailStage(PipelineRuntime& runtime, Run& run, std::string summary) {
  StageRun& stage_run = run.execution.stage_runs.back();
  stage_run.status = StageStatus::kFailed;
  for (const ActionRun& action : stage_run.actions) {
    if (!action.replaced && action.status == ActionStatus::kFailed && summary.empty()) {
      summary = action.error_message;
    }
  }
  Finish(runtime, run, ExecutionStatus::kFailed, std::move(summary));
}

void ExecutionEngine::LeaveStage(PipelineRuntime& runtime, Run& run) {
  const std::size_t index = run.execution.stage_runs.back().stage_index;
  const std::string stage = run.Stage(index).name;
  run.execution.last_update_time = clock_.Now();
  if (index + 1 < run.view->stages.size() && !run.only_stage) {
    run.execution.waiting_for_stage = index + 1;
    // Release after queueing for the next stage, so that this execution
    // counts as waiting there before anyone it lets in can overtake it.
    const auto holder = runtime.holders.find(stage);
    if (holder != runtime.holders.end() && holder->second == run.execution.id) {
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
  PipelineExecution& execution = run.execution;
  execution.status = status;
  execution.status_summary = std::move(summary);
  execution.last_update_time = clock_.Now();
  execution.waiting_for_stage.reset();
  Logger(kEngineLogger)->debug("execution {} of {} ended {}", execution.id,
                               execution.pipeline_name, ToString(status));
  std::vector<std::string> released;
  for (auto it = runtime.holders.begin(); it != runtime.holders.end();) {
    if (it->second == execution.id) {
      released.push_back(it->first);
      it = runtime.holders.erase(it);
    } else {
      ++it;
    }
  }
  std::erase(runtime.active, &run);
  ++runtime.finished;
  if (runtime.active.empty()) busy_.erase(&runtime);
  // What only a running execution needs goes now, unless a retry may
  // resume it; the record stays.
  if (status != ExecutionStatus::kFailed && status != ExecutionStatus::kStopped) {
    run.view.reset();
    run.variables.clear();
    run.sources.clear();
    run.artifacts.clear();
  }
  for (const std::string& stage : released) AdmitWaiters(runtime, stage);
}

void ExecutionEngine::AdmitWaiters(PipelineRuntime& runtime, const std::string& stage) {
  // In start order: the oldest waiter goes first.
  const std::vector<Run*> active = runtime.active;  // entering a stage may end runs
  for (Run* run : active) {
    if (!run->active() || !run->execution.waiting_for_stage) continue;
    const std::size_t index = *run->execution.waiting_for_stage;
    if (run->Stage(index).name != stage || Blocked(runtime, *run, index)) continue;
    if (run->execution.mode != ExecutionMode::kParallel && runtime.holders.contains(stage)) continue;
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
    const std::string& id = (*it)->execution.id;
    std::erase_if(runtime.tokens, [&](const auto& entry) { return entry.second == id; });
    for (const std::string& job : (*it)->jobs) jobs_.erase(job);
    runtime.by_id.erase(id);
    it = runtime.runs.erase(it);
    --runtime.finished;
  }
}

void ExecutionEngine::Advance() {
  std::lock_guard lock(mutex_);
  const auto now = clock_.Now();
  // Copies: finishing an execution edits both lists.
  const std::vector<PipelineRuntime*> busy(busy_.begin(), busy_.end());
  for (PipelineRuntime* runtime : busy) {
    const std::vector<Run*> active = runtime->active;
    for (Run* run_pointer : active) {
      Run& run = *run_pointer;
      if (!run.active() || run.execution.stage_runs.empty()) continue;
      StageRun& stage_run = run.execution.stage_runs.back();
      if (!stage_run.conditions.empty() &&
          stage_run.conditions.back().status == ConditionStatus::kInProgress) {
        AdvanceCondition(*runtime, run, now);
        continue;
      }
      bool completed_any = false;
      for (ActionRun& action : stage_run.actions) {
        if (action.status != ActionStatus::kInProgress) continue;
        if (action.due && *action.due <= now) {
          SucceedAction(run, action);
          completed_any = true;
        } else if (action.deadline && *action.deadline <= now) {
          TimeOut(action);
          completed_any = true;
        }
      }
      if (completed_any) FinishGroupIfDone(*runtime, run);
    }
    Retire(*runtime);
  }
}

std::optional<Clock::TimePoint> ExecutionEngine::EarliestDue(const Run& run) {
  std::optional<Clock::TimePoint> next;
  const auto consider = [&next](const std::optional<Clock::TimePoint>& when) {
    if (when && (!next || *when < *next)) next = when;
  };
  if (run.execution.stage_runs.empty()) return next;
  const StageRun& stage = run.execution.stage_runs.back();
  for (const ConditionRun& condition : stage.conditions) {
    for (const RuleRun& rule : condition.rules) {
      if (rule.status == ActionStatus::kInProgress) consider(rule.due);
    }
  }
  for (const ActionRun& action : stage.actions) {
    if (action.status != ActionStatus::kInProgress) continue;
    consider(action.due);
    consider(action.deadline);
  }
  return next;
}

std::optional<Clock::TimePoint> ExecutionEngine::NextDueLocked() const {
  std::optional<Clock::TimePoint> next;
  for (const PipelineRuntime* runtime : busy_) {
    for (const Run* run : runtime->active) {
      const auto due = EarliestDue(*run);
      if (due && (!next || *due < *next)) next = due;
    }
  }
  return next;
}

std::optional<Clock::TimePoint> ExecutionEngine::NextDue() const {
  std::lock_guard lock(mutex_);
  return NextDueLocked();
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
    std::unique_lock lock(mutex_);
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
    wakeup_.wait_for(lock, stop, wait, [this] { return schedule_changed_; });
    schedule_changed_ = false;
    // Awake: it reads the schedule again before it sleeps, so no start
    // needs to wake it.
    sleeping_until_ = Clock::TimePoint::min();
  }
}

std::optional<PipelineExecution> ExecutionEngine::Find(const Scope& scope,
                                                       std::string_view pipeline,
                                                       std::string_view execution_id) const {
  std::lock_guard lock(mutex_);
  const PipelineRuntime* runtime = FindRuntime(scope, pipeline);
  if (runtime == nullptr) return std::nullopt;
  const Run* run = runtime->Find(execution_id);
  if (run == nullptr) return std::nullopt;
  return run->execution;
}

std::vector<PipelineExecution> ExecutionEngine::List(const Scope& scope,
                                                     std::string_view pipeline) const {
  std::lock_guard lock(mutex_);
  std::vector<PipelineExecution> executions;
  const PipelineRuntime* runtime = FindRuntime(scope, pipeline);
  if (runtime == nullptr) return executions;
  executions.reserve(runtime->runs.size());
  for (auto it = runtime->runs.rbegin(); it != runtime->runs.rend(); ++it) {
    executions.push_back((*it)->execution);
  }
  return executions;
}

std::vector<StageSnapshot> ExecutionEngine::StageStates(const Scope& scope,
                                                        const PipelineView& pipeline) const {
  std::lock_guard lock(mutex_);
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
    std::map<std::string, const ActionRun*> latest;  // by action name
    for (const auto& run : runtime->runs) {  // oldest first: later runs overwrite
      const PipelineExecution& execution = run->execution;
      if (run->active() && execution.waiting_for_stage && run->view &&
          run->Stage(*execution.waiting_for_stage).name == stage.name) {
        state.inbound.push_back({execution.id, execution.status, execution.execution_type});
      }
      for (const StageRun& stage_run : execution.stage_runs) {
        if (stage_run.stage_name != stage.name) continue;
        StageStatus status = stage_run.status;
        if (status == StageStatus::kInProgress && IsFinished(execution.status)) {
          status = execution.status == ExecutionStatus::kStopped ? StageStatus::kStopped
                                                                 : StageStatus::kCancelled;
        }
        state.latest_execution = StageExecutionRef<StageStatus>{execution.id, status, execution.execution_type};
        state.manual_retries = stage_run.manual_retries;
        state.auto_retries = stage_run.auto_retries;
        state.before_entry.reset();
        state.on_success.reset();
        state.on_failure.reset();
        for (const ConditionRun& condition : stage_run.conditions) {
          switch (condition.kind) {
            case ConditionKind::kBeforeEntry: state.before_entry = condition; break;
            case ConditionKind::kOnSuccess: state.on_success = condition; break;
            case ConditionKind::kOnFailure: state.on_failure = condition; break;
          }
        }
        state.retry_mode = stage_run.retry_mode;
        for (const ActionRun& action : stage_run.actions) latest[action.action_name] = &action;
      }
    }
    for (const ActionView& action : stage.actions) {
      const auto it = latest.find(action.name);
      state.actions.emplace_back(action.name, it == latest.end()
                                                  ? std::nullopt
                                                  : std::optional<ActionRun>(*it->second));
    }
  }
  return states;
}

void ExecutionEngine::PipelineUpdated(const Scope& scope, std::string_view pipeline) {
  std::lock_guard lock(mutex_);
  const auto it = pipelines_.find(RuntimeKey(scope, pipeline));
  if (it == pipelines_.end()) return;
  PipelineRuntime& runtime = *it->second;
  // AWS: in SUPERSEDED and QUEUED mode, waiting executions are cancelled and
  // active ones are cancelled once their in-progress actions complete;
  // PARALLEL executions run on, on the version they started with.
  const std::vector<Run*> active = runtime.active;
  for (Run* run : active) {
    if (!run->active() || run->execution.mode == ExecutionMode::kParallel) continue;
    if (run->execution.waiting_for_stage) {
      Finish(runtime, *run, ExecutionStatus::kCancelled,
             "The pipeline's definition was updated before the execution could complete");
    } else {
      run->cancel_when_idle = true;
      FinishGroupIfDone(runtime, *run);
    }
  }
  Retire(runtime);
}

void ExecutionEngine::Forget(const Scope& scope, std::string_view pipeline) {
  std::lock_guard lock(mutex_);
  const auto it = pipelines_.find(RuntimeKey(scope, pipeline));
  if (it == pipelines_.end()) return;
  busy_.erase(it->second.get());
  for (const auto& run : it->second->runs) {
    for (const std::string& job : run->jobs) jobs_.erase(job);
  }
  pipelines_.erase(it);
}

}  // namespace sluice::domain
