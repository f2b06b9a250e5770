// ExecutionEngine: runs pipeline executions the way CodePipeline does.
//
// Stages run in order; within a stage, actions run in groups of equal
// runOrder, a group's actions in parallel. Actions that need no outside party
// complete after a simulated duration; a manual approval waits. Execution
// modes follow AWS: SUPERSEDED and QUEUED let one execution hold a stage at a
// time (a newer execution waiting to enter a stage supersedes an older one
// waiting there in SUPERSEDED; waiters go in order in QUEUED); PARALLEL runs
// executions independently.
//
// All time comes from the Clock: Advance() does whatever is due at Now(), so
// tests step a FakeClock and call Advance() without sleeping, while the server
// runs RunUntilStopped() on its own thread. Requests never wait for engine
// work: every public method takes the engine's lock only for bookkeeping.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <stop_token>
#include <string>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/mutex.h"
#include "sluice/common/result.h"
#include "sluice/domain/engine/change_sink.h"
#include "sluice/domain/engine/execution.h"
#include "sluice/domain/engine/job.h"
#include "sluice/domain/engine/outcome_policy.h"
#include "sluice/domain/pipeline/pipeline_view.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace sluice::domain {

class ChangeSink;
struct ChangeContext;

struct EngineOptions {
  // How long a simulated action (source, build, test, deploy, ...) runs.
  Clock::Duration action_duration{std::chrono::milliseconds(500)};
  // Finished executions kept per pipeline; the oldest go first. 100,000
  // retained executions of a pipeline take about 45 MB.
  std::size_t retained_executions = 100'000;
  // AWS's quotas: executions in progress at once in PARALLEL mode, and
  // executions waiting in QUEUED mode.
  std::size_t max_parallel_executions = 50;
  std::size_t max_queued_executions = 50;
  // How long a manual approval waits when its action sets no timeoutInMinutes.
  Clock::Duration approval_timeout{std::chrono::hours(24 * 7)};
  // How long a job worker has to finish a job, from its creation.
  Clock::Duration job_timeout{std::chrono::hours(1)};
  // AWS-owned providers (e.g. "CodeBuild") whose actions become jobs for
  // outside workers, as custom actions do, instead of being simulated.
  std::set<std::string> external_providers;
  // How condition rules that would ask an outside service (CloudWatchAlarm,
  // LambdaInvoke, ...) resolve.
  bool external_rules_succeed = true;
};

struct SourceRevisionOverride {
  std::string action_name;
  std::string revision_type;  // COMMIT_ID, IMAGE_DIGEST, S3_OBJECT_VERSION_ID, S3_OBJECT_KEY
  std::string revision_value;
};

// What a source change (a push, a new object version, a new image) reports
// for one source action: the revision, and what the provider says of it.
// `details` overrides the output variables of those names (CommitMessage,
// AuthorDisplayName, BranchName, ETag, ImageTag, S3ObjectKey, ...), and a
// CommitMessage becomes the revision's summary.
struct SourceChange {
  std::string action_name;
  std::string revision_id;  // commit id, object version id or image digest
  std::map<std::string, std::string> details;
};

struct StartRequest {
  ExecutionTrigger trigger;
  std::vector<ResolvedVariable> variables;  // as given by the caller
  std::vector<SourceRevisionOverride> source_revisions;
  std::optional<std::string> client_request_token;
  // PutActionRevision: the revision a source action is to use, taken as
  // given (no revision-type rules).
  std::optional<std::pair<std::string, std::string>> action_revision;  // action, revision id
  // A trigger's source changes, taken as given (no revision-type rules).
  std::vector<SourceChange> source_changes;
};

struct TransitionBlock {
  std::string reason;
  std::string user;
  Clock::TimePoint when;
};

enum class TransitionKind { kInbound, kOutbound };

struct ApprovalAnswer {
  bool approved = false;
  std::string summary;
  std::string token;
  std::string user;  // who answered
};

// An execution as a stage sees it (GetPipelineState's StageExecution): its
// id, a status, and its type, STANDARD or ROLLBACK.
template <typename Status>
struct StageExecutionRef {
  std::string id;
  Status status;
  std::string type;
};

// One stage's latest state, as GetPipelineState reports it.
struct StageSnapshot {
  std::string stage_name;
  std::optional<StageExecutionRef<StageStatus>> latest_execution;
  std::vector<StageExecutionRef<ExecutionStatus>> inbound;  // waiting to enter
  std::optional<TransitionBlock> inbound_disabled;
  // Of the latest stage run: manual retries and the latest retry's mode.
  int manual_retries = 0;
  int auto_retries = 0;
  std::string retry_mode;
  // The latest evaluation of each of the stage's conditions, if any.
  std::optional<ConditionRun> before_entry;
  std::optional<ConditionRun> on_success;
  std::optional<ConditionRun> on_failure;
  // Every action of the stage, with its latest run if it has run.
  std::vector<std::pair<std::string, std::optional<ActionRun>>> actions;
};

// Which executions a listing renders: those started before
// `before_sequence` that succeeded in `succeeded_in_stage`, at most `limit`
// of them. Reads render each execution they return, so a page renders only
// its own.
struct ExecutionFilter {
  std::optional<std::uint64_t> before_sequence;
  std::optional<std::string> succeeded_in_stage;
  std::optional<int> pipeline_version;  // only executions of this version
  std::size_t limit = std::numeric_limits<std::size_t>::max();
  ExecutionDetail detail = ExecutionDetail::kWithStages;
};

// A rule's evaluation with the execution and stage it belongs to, as
// ListRuleExecutions reports it.
struct RuleExecutionRecord {
  std::string execution_id;
  int pipeline_version = 1;
  std::string stage_name;
  RuleRun rule;
};

struct ActionRecord;  // an action run as the engine keeps it (src/domain/engine_state.h)
struct StageRecord;   // a stage run as the engine keeps it (src/domain/engine_state.h)

// An execution that waits on something no clock moves on: a person, a
// worker, a held action, or a transition into a stage.
struct WaitingWork {
  Scope scope;
  std::string pipeline;
  std::string execution_id;
  std::string stage;
  std::string action;  // empty when it waits to enter `stage`
  std::string on;      // "approval", "job", "hold" or "stage"
};

// What a reset removed from the engine.
struct EngineRemoval {
  std::size_t executions = 0;
  std::size_t jobs = 0;
};

class ExecutionEngine {
 public:
  // Every status change is handed to `changes` (change_sink.h), if given;
  // `outcomes` (outcome_policy.h), if given, may script what actions and
  // rules do. Both must outlive the engine.
  ExecutionEngine(const Clock& clock, EngineOptions options = {}, ChangeSink* changes = nullptr,
                  OutcomePolicy* outcomes = nullptr);
  ~ExecutionEngine();
  ExecutionEngine(const ExecutionEngine&) = delete;
  ExecutionEngine& operator=(const ExecutionEngine&) = delete;

  // Checks `request` against the pipeline (variables, source revisions),
  // honours the idempotency token, applies the execution mode's limits, and
  // admits a new execution. Returns its id.
  Result<std::string> Start(const Scope& scope, std::shared_ptr<const PipelineView> pipeline,
                            StartRequest request);

  // Does everything due at clock.Now(): completes actions, moves executions
  // on, lets waiting executions into freed stages.
  void Advance();
  // When Advance() next has something to do. Without `deadlines`, only
  // work that runs by itself counts (an action or rule completing), not a
  // deadline for someone else's answer (an approval's or a job's timeout).
  std::optional<Clock::TimePoint> NextDue(bool deadlines = true) const;
  // The executions in progress that wait on nothing timed.
  std::vector<WaitingWork> Waiting() const;

  // Returns once every change made so far has reached the change sink.
  void FlushChanges() const EXCLUDES(mutex_);

  // Calls Advance() whenever work falls due, until `stop` is requested.
  void RunUntilStopped(std::stop_token stop);

  // Reads: copies taken under the lock.
  std::optional<PipelineExecution> Find(
      const Scope& scope, std::string_view pipeline, std::string_view execution_id,
      ExecutionDetail detail = ExecutionDetail::kWithStages) const;
  // Newest first.
  std::vector<PipelineExecution> List(const Scope& scope, std::string_view pipeline,
                                      const ExecutionFilter& filter = {}) const;
  std::vector<StageSnapshot> StageStates(const Scope& scope, const PipelineView& pipeline) const;

  // StopPipelineExecution. Stop-and-wait lets running actions finish
  // (Stopping, then Stopped); abandon marks them Abandoned and stops at once.
  Status Stop(const Scope& scope, std::string_view pipeline, std::string_view execution_id,
              bool abandon, std::string reason);

  // RetryStageExecution: resumes a failed or stopped execution in place at
  // `stage`, with its failed actions or all of them.
  Status Retry(const Scope& scope, std::string_view pipeline, std::string_view stage,
               std::string_view execution_id, RetryMode mode);

  // Disable/EnableStageTransition: `block` none enables; a block's time is
  // stamped here. `pipeline` gives the stage order, for outbound blocks.
  void SetTransition(const Scope& scope, const PipelineView& pipeline, std::string_view stage,
                     TransitionKind kind, std::optional<TransitionBlock> block);

  // PutApprovalResult: answers the manual approval `action` of `stage`
  // that waits with `answer.token`. Returns when it was answered.
  Result<Clock::TimePoint> Answer(const Scope& scope, std::string_view pipeline,
                                  std::string_view stage, std::string_view action,
                                  const ApprovalAnswer& answer);

  // Whether actions of the AWS-owned `provider` become jobs for outside
  // workers (--external-providers) instead of being simulated.
  bool RunsExternally(std::string_view provider) const {
    return options_.external_providers.contains(std::string(provider));
  }

  // The job protocol. Jobs are found by id within the caller's scope;
  // third-party calls present the job's client id as their client token.
  std::vector<Job> PollJobs(const Scope& scope, JobKind kind, const ActionTypeKey& type,
                            std::size_t max_batch,
                            const std::map<std::string, std::string>& query);
  Result<JobStatus> AcknowledgeJob(const Scope& scope, std::string_view job_id,
                                   std::string_view nonce,
                                   const std::optional<std::string>& client_token);
  Result<Job> GetJob(const Scope& scope, std::string_view job_id,
                     const std::optional<std::string>& client_token) const;
  Status SucceedJob(const Scope& scope, std::string_view job_id, JobSuccess success,
                    const std::optional<std::string>& client_token);
  Status FailJob(const Scope& scope, std::string_view job_id, const JobFailure& failure,
                 const std::optional<std::string>& client_token);

  // A test's answer for the action `action` of `stage` that `execution_id`
  // runs now: applied at once, whatever the action waited for (a hold, an
  // approval, a job, its simulated duration). ActionNotFoundException
  // when the execution is not running that action.
  Status CompleteAction(const Scope& scope, std::string_view pipeline,
                        std::string_view execution_id, std::string_view stage,
                        std::string_view action, const ScriptedOutcome& outcome);

  // RollbackStage: a new ROLLBACK execution that runs `stage` again with
  // the revisions and artifacts of `target_id`, an earlier execution that
  // succeeded there. Returns the new execution's id.
  Result<std::string> Rollback(const Scope& scope, std::shared_ptr<const PipelineView> pipeline,
                               std::string_view stage, std::string_view target_id,
                               ExecutionTrigger trigger);

  // OverrideStageCondition: lets an execution past the beforeEntry or
  // onSuccess condition it is evaluating in `stage`.
  Status OverrideCondition(const Scope& scope, std::string_view pipeline, std::string_view stage,
                           std::string_view execution_id, ConditionKind kind);

  // Every retained rule evaluation of the pipeline (or of one execution),
  // newest first.
  std::vector<RuleExecutionRecord> RuleExecutions(
      const Scope& scope, std::string_view pipeline,
      const std::optional<std::string>& execution_id) const;

  // UpdatePipeline: cancels SUPERSEDED and QUEUED executions as AWS does.
  void PipelineUpdated(const Scope& scope, std::string_view pipeline);
  // Drops every execution of a deleted pipeline.
  void Forget(const Scope& scope, std::string_view pipeline);
  // The state document's engine part (GET/PUT /_sluice/state): every
  // execution with its stage, action and rule runs, what is due and when,
  // the jobs, transition blocks and idempotency tokens. ParseState() reads a
  // whole part without touching the engine, resolving each execution's
  // pipeline version through `views`, and throws std::invalid_argument
  // naming what does not fit; CommitState() then replaces the engine's state
  // with it.
  struct StagedState;
  using ViewLookup = std::function<std::shared_ptr<const PipelineView>(
      const Scope& scope, const std::string& pipeline, int version)>;
  nlohmann::json DumpState() const;
  std::shared_ptr<StagedState> ParseState(const nlohmann::json& state,
                                          const ViewLookup& views) const;
  void CommitState(std::shared_ptr<StagedState> staged);

  // A reset: drops every execution, job and transition block of the scopes
  // `filter` matches. Work in flight is dropped with them: no step runs for
  // them afterwards, and their tokens and job ids name nothing.
  EngineRemoval RemoveAll(const ScopeFilter& filter);

  // One pipeline's executions as the journal writes them: the runtime's own
  // members but the idempotency tokens (they follow from the runs), only the
  // runs that can have changed since the last call (those in progress and
  // those that ended since) with their jobs, and the ids of the runs retired
  // since ("retired"). Null: the pipeline has no executions. RecoveredState (src/persist/) merges it into a state
  // document.
  nlohmann::json JournalRuntime(const Scope& scope, std::string_view pipeline);
  // Every pipeline with executions, and one runtime whole (runs and jobs):
  // a snapshot takes them one at a time, so no request waits for all.
  std::vector<std::pair<Scope, std::string>> RuntimeNames() const;
  nlohmann::json DumpRuntime(const Scope& scope, std::string_view pipeline) const;
  std::uint64_t NextJobSequence() const;

 private:
  struct Run;
  struct PipelineRuntime;
  using Runtimes = std::map<std::string, std::unique_ptr<PipelineRuntime>, std::less<>>;

  PipelineRuntime& RuntimeFor(const Scope& scope, std::string_view pipeline) REQUIRES(mutex_);
  // Records a RuntimeChange (change_sink.h) for the runtime, or the job's.
  void Mark(const PipelineRuntime& runtime) const REQUIRES(mutex_);
  void MarkJob(const Job& job) const REQUIRES(mutex_);
  // A runtime as the state document has it, with the runs given and, under
  // "jobs", those runs' jobs.
  nlohmann::json RuntimeJson(const PipelineRuntime& runtime, const std::vector<const Run*>& runs) const
      REQUIRES(mutex_);
  static std::vector<const Run*> AllRuns(const PipelineRuntime& runtime);
  // Drops a runtime with its runs and their jobs; returns how many jobs went.
  std::size_t Drop(Runtimes::iterator runtime) REQUIRES(mutex_);
  // The pipeline's runtime; null when it has never run.
  PipelineRuntime* FindRuntime(const Scope& scope, std::string_view pipeline) REQUIRES(mutex_);
  const PipelineRuntime* FindRuntime(const Scope& scope, std::string_view pipeline) const REQUIRES(mutex_);

  // The one door for status changes (execution_transitions.cpp): holds a
  // change to the tables in engine_state.h, applies it, stamps it, logs it
  // with the execution's id and hands it to the change sink. Began() does
  // the same for a run that has just begun InProgress. An action changes
  // only in the stage its execution is in.
  void Began(Run& run) REQUIRES(mutex_);
  void Began(Run& run, const StageRecord& stage) REQUIRES(mutex_);
  void Began(Run& run, const ActionRecord& action) REQUIRES(mutex_);
  void Transition(Run& run, ExecutionStatus to) REQUIRES(mutex_);
  void Transition(Run& run, StageRecord& stage, StageStatus to) REQUIRES(mutex_);
  void Transition(Run& run, ActionRecord& action, ActionStatus to) REQUIRES(mutex_);
  ChangeContext ContextOf(const Run& run) const;
  // The feed: each change is recorded under the lock (Record) and handed to
  // changes_ once the lock is released (ChangeLock, engine_state.h), so no
  // sink runs on the engine's lock.
  class ChangeLock;
  void Record(Change change) const REQUIRES(mutex_);
  // Records an action run's change, with the run as it now is.
  void RecordAction(const Run& run, const ActionRecord& action,
                    std::optional<ActionStatus> from) const REQUIRES(mutex_);
  void DeliverPending() const REQUIRES(publish_mutex_) EXCLUDES(mutex_);
  void Refused(const Run& run, std::string_view what, std::string_view from,
               std::string_view to) const;

  Status CheckRequest(const PipelineView& pipeline, const StartRequest& request) const;
  Status CheckLimits(const PipelineRuntime& runtime, ExecutionMode mode) const REQUIRES(mutex_);
  // A new execution of `pipeline`, built without the lock; Admit() numbers
  // it in its runtime, adds it to the runs in progress and lets it try its
  // first stage.
  std::unique_ptr<Run> NewRun(std::shared_ptr<const PipelineView> pipeline) const;
  Run& Admit(PipelineRuntime& runtime, std::unique_ptr<Run> run, ExecutionTrigger trigger)
      REQUIRES(mutex_);
  void TryEnterStage(PipelineRuntime& runtime, Run& run) REQUIRES(mutex_);
  void EnterStage(PipelineRuntime& runtime, Run& run, std::size_t stage) REQUIRES(mutex_);
  void StartGroup(Run& run) REQUIRES(mutex_);
  void FinishGroupIfDone(PipelineRuntime& runtime, Run& run) REQUIRES(mutex_);
  void LeaveStage(PipelineRuntime& runtime, Run& run) REQUIRES(mutex_);
  void Finish(PipelineRuntime& runtime, Run& run, ExecutionStatus status, std::string summary) REQUIRES(mutex_);
  void AdmitWaiters(PipelineRuntime& runtime, const std::string& stage_name) REQUIRES(mutex_);
  void Retire(PipelineRuntime& runtime) REQUIRES(mutex_);
  // GetPipelineState's view of `stage_run`, the latest run of its stage.
  static void DescribeLatest(const Run& run, const StageRecord& stage_run, StageSnapshot& state);
  // Wakes the engine's thread to look at the schedule again.
  void ScheduleChanged() REQUIRES(mutex_);
  // ScheduleChanged() only if `due` is before the time the engine's thread
  // sleeps to: a later one is seen when it wakes.
  void WakeIfSooner(std::optional<Clock::TimePoint> due) REQUIRES(mutex_);
  // When the engine must next act on `run` (an action or rule completing, or
  // a deadline), in the stage it is in; none when it waits on nothing timed.
  static std::optional<Clock::TimePoint> EarliestDue(const Run& run, bool deadlines = true);
  std::optional<Clock::TimePoint> NextDueLocked(bool deadlines = true) const REQUIRES(mutex_);
  bool Blocked(const PipelineRuntime& runtime, const Run& run, std::size_t stage) const REQUIRES(mutex_);
  void StartAction(Run& run, const ActionView& action, ActionRecord& action_run) REQUIRES(mutex_);
  // What the outcome policy scripts for an action (or a condition rule,
  // with `rule` named) of the stage `run` is in.
  std::optional<ScriptedOutcome> Scripted(const Run& run, std::string_view action,
                                          std::string_view rule, std::string_view category,
                                          std::string_view owner, std::string_view provider);
  // An action whose due time came: its scripted outcome, else success.
  void CompleteDue(Run& run, ActionRecord& action) REQUIRES(mutex_);
  void ApplyScript(Run& run, ActionRecord& action, const ScriptedOutcome& outcome) REQUIRES(mutex_);
  void SucceedAction(Run& run, ActionRecord& action) REQUIRES(mutex_);
  void FailAction(Run& run, ActionRecord& action, std::string code, std::string message) REQUIRES(mutex_);
  void AbandonAction(Run& run, ActionRecord& action) REQUIRES(mutex_);
  void TimeOut(Run& run, ActionRecord& action) REQUIRES(mutex_);
  // UpdatePipeline: `run` goes no further.
  void CancelForUpdate(PipelineRuntime& runtime, Run& run) REQUIRES(mutex_);
  void FailStage(PipelineRuntime& runtime, Run& run, std::string summary = "") REQUIRES(mutex_);
  void ResumeStage(PipelineRuntime& runtime, Run& run, RetryMode mode, bool automatic) REQUIRES(mutex_);
  Result<std::string> StartRollback(PipelineRuntime& runtime,
                                    std::shared_ptr<const PipelineView> pipeline,
                                    std::size_t stage, const Run& target, ExecutionTrigger trigger) REQUIRES(mutex_);
  void RollBackAfterFailure(PipelineRuntime& runtime, Run& run) REQUIRES(mutex_);
  bool StartCondition(PipelineRuntime& runtime, Run& run, ConditionKind kind) REQUIRES(mutex_);
  void AdvanceCondition(PipelineRuntime& runtime, Run& run, Clock::TimePoint now) REQUIRES(mutex_);
  void ConditionEnded(PipelineRuntime& runtime, Run& run) REQUIRES(mutex_);
  void ApplyFailureResult(PipelineRuntime& runtime, Run& run) REQUIRES(mutex_);
  bool StartsJob(const ActionView& action) const;
  void CreateJob(Run& run, ActionRecord& action) REQUIRES(mutex_);
  void CloseJob(ActionRecord& action, JobStatus status) REQUIRES(mutex_);
  // The job `job_id` of `scope` as a caller presenting `client_token` may
  // see it, in `jobs`: const or not, so that a const read gets a const job.
  template <typename Jobs>
  static auto FindJobIn(Jobs& jobs, const Scope& scope, std::string_view job_id,
                        const std::optional<std::string>& client_token)
      -> Result<decltype(&jobs.begin()->second)>;
  Result<Job*> FindJob(const Scope& scope, std::string_view job_id,
                       const std::optional<std::string>& client_token) REQUIRES(mutex_);
  // FindJob, with InvalidJobStateException for a job that has ended.
  Result<Job*> FindOpenJob(const Scope& scope, std::string_view job_id,
                           const std::optional<std::string>& client_token) REQUIRES(mutex_);
  // The run and action a job is for, while that action waits for it; all
  // null otherwise.
  struct JobTarget {
    PipelineRuntime* runtime = nullptr;
    Run* run = nullptr;
    ActionRecord* action = nullptr;
  };
  JobTarget TargetOf(const Job& job) REQUIRES(mutex_);
  ActionRecord* CurrentAction(Run& run, std::string_view stage, std::string_view action) REQUIRES(mutex_);
  // The pipeline's runtime and the execution; null when there is none.
  std::pair<PipelineRuntime*, Run*> FindRun(const Scope& scope, std::string_view pipeline,
                                            std::string_view execution_id) REQUIRES(mutex_);

  const Clock& clock_;
  EngineOptions options_;
  ChangeSink* const changes_;
  OutcomePolicy* const outcomes_;
  const std::shared_ptr<spdlog::logger> log_;
  // Guards everything below but the condition variable; see GUARDED_BY.
  mutable Mutex mutex_;
  std::condition_variable_any wakeup_;
  bool schedule_changed_ GUARDED_BY(mutex_) = false;
  // Where RunUntilStopped() sleeps to: min() while it is awake (it then
  // reads the schedule before sleeping again), max() when nothing is due.
  Clock::TimePoint sleeping_until_ GUARDED_BY(mutex_) = Clock::TimePoint::min();
  // Key: "account/region/pipeline".
  Runtimes pipelines_ GUARDED_BY(mutex_);
  // Pipelines with executions in progress: what Advance() and NextDue() visit.
  std::set<PipelineRuntime*> busy_ GUARDED_BY(mutex_);
  // Every job not yet dropped with its execution, by id.
  std::map<std::string, Job, std::less<>> jobs_ GUARDED_BY(mutex_);
  std::uint64_t next_job_sequence_ GUARDED_BY(mutex_) = 1;
  // Changes made and not yet handed to changes_, in the order made.
  mutable std::vector<Change> pending_changes_ GUARDED_BY(mutex_);
  mutable std::uint64_t changes_recorded_ GUARDED_BY(mutex_) = 0;  // ever
  // One publisher at a time, taken before mutex_: batches reach the sink in
  // the order they were made.
  mutable Mutex publish_mutex_;
};

}  // namespace sluice::domain
