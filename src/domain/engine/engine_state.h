// The execution engine's private state: what it keeps per execution and per
// pipeline. Shared by the engine's source files (execution_*.cpp) and nothing
// else.
//
// An execution is kept by reference: it holds its pipeline version's shared
// PipelineView and names stages and actions by index, so what the
// declaration says (names, action types, configuration, artifact names) is
// read from the view, never copied. What the engine generates (revisions,
// source output variables, artifact keys) follows from the execution's id,
// its seed, and is derived again on each read. Only what happened is stored:
// statuses, times, ids, and the rare values someone gave (a worker's output,
// an approver's summary, a configuration that resolved to something else).
// Reads render the public structs of execution.h from this
// (execution_render.cpp).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sluice/common/ids.h"
#include "sluice/domain/engine/execution_engine.h"
#include "sluice/domain/engine/outcome_policy.h"
#include "sluice/domain/engine/source_revisions.h"
#include "sluice/domain/engine/variable_resolver.h"

namespace sluice::domain {

// The status tables. Every change goes through ExecutionEngine::Transition
// (execution_transitions.cpp), which holds it to these; a run begins
// InProgress (ExecutionEngine::Began).
//
//   execution  InProgress -> Stopping | Stopped | Succeeded | Superseded |
//                            Failed | Cancelled
//              Stopping   -> Stopped
//              Failed, Stopped -> InProgress        (RetryStageExecution)
//   stage run  InProgress -> Stopping | Stopped | Succeeded | Failed |
//                            Cancelled | Skipped
//              Stopping   -> Stopped
//              Failed, Stopped -> InProgress        (a retry)
//   action run InProgress -> Succeeded | Failed | Abandoned
//
// An execution that ends while in a stage ends that stage's run with it:
// Stopped with Stopped, Failed with Failed, Cancelled otherwise.
//
// Executions and stage runs share their table: the rest of their statuses
// (Succeeded, Superseded, Cancelled, Skipped) are final.
template <typename Status>
constexpr bool CanMoveRun(Status from, Status to) {
  if (from == Status::kInProgress) return to != Status::kInProgress;
  if (from == Status::kStopping) return to == Status::kStopped;
  if (from == Status::kFailed || from == Status::kStopped) return to == Status::kInProgress;
  return false;
}

constexpr bool CanMove(ExecutionStatus from, ExecutionStatus to) { return CanMoveRun(from, to); }
constexpr bool CanMove(StageStatus from, StageStatus to) { return CanMoveRun(from, to); }

constexpr bool CanMove(ActionStatus from, ActionStatus to) {
  return from == ActionStatus::kInProgress && to != ActionStatus::kInProgress;
}

// Where an artifact is, as a code: 0 for "not produced yet", else kProduced
// with the 28 bits of the key's random part. The bucket and the rest of the
// key follow from the pipeline and the artifact's name.
using ArtifactCode = std::uint32_t;
constexpr ArtifactCode kProduced = 0x8000'0000U;

// What few action runs have: given by a worker, an approver or a failure.
struct ActionExtras {
  std::string token;   // a manual approval's token
  std::string job_id;  // the job a worker is to do for this action, if any
  std::string updated_by;
  std::string summary;
  std::string external_execution_id;
  std::string error_code;
  std::string error_message;
  std::optional<int> percent_complete;
  std::map<std::string, std::string> output_variables;  // a worker's or a test's
  // A test scripted this action (outcome_policy.h): what it gave wins over
  // what the simulation would report. `script` waits to be applied.
  bool scripted = false;
  std::unique_ptr<ScriptedOutcome> script;
  // Configuration values whose resolved value differs from the declared one.
  std::vector<std::pair<std::string, std::string>> resolved;
  // Resolution stopped at this many keys (in key order): the rest have no
  // resolved value.
  std::optional<std::size_t> resolved_keys;
};

struct ActionRecord {
  Uuid id;
  Clock::TimePoint start_time;
  Clock::TimePoint last_update_time;
  std::optional<Clock::TimePoint> due;  // when a simulated action completes; none: it waits
  // When an action that waits for someone (an approver, a job worker) fails
  // for want of an answer.
  std::optional<Clock::TimePoint> deadline;
  // One code per declared input artifact: where it was when the action
  // started.
  std::unique_ptr<ArtifactCode[]> inputs;
  std::unique_ptr<ActionExtras> extras;
  std::uint16_t action = 0;  // index in its stage's declaration
  ActionStatus status = ActionStatus::kInProgress;
  // A retry ran this action again: the newer run counts, this one is history.
  bool replaced = false;

  ActionExtras& Extras() {
    if (!extras) extras = std::make_unique<ActionExtras>();
    return *extras;
  }
  // A field of the extras, or empty.
  const std::string& Extra(std::string ActionExtras::*field) const {
    static const std::string kEmpty;
    return extras ? (*extras).*field : kEmpty;
  }
};

struct StageRecord {
  std::vector<ActionRecord> actions;
  std::vector<ConditionRun> conditions;  // in evaluation order
  std::int64_t current_run_order = 0;    // the action group running now
  std::uint16_t stage = 0;               // index in the declaration
  StageStatus status = StageStatus::kInProgress;
  std::optional<RetryMode> retry_mode;  // of the latest retry
  std::uint16_t manual_retries = 0;  // RetryStageExecution calls on this stage run
  std::uint16_t auto_retries = 0;    // retries by an onFailure RETRY result
  std::optional<Clock::TimePoint> last_retry;  // of the latest RetryStageExecution

  std::string RetryModeName() const;  // "", FAILED_ACTIONS or ALL_ACTIONS
};

// What the source actions of an execution picked up: an override given at
// start, else a revision generated from `seed`.
struct SourceOrigin {
  struct Given {
    std::uint16_t action = 0;  // index in the first stage
    std::optional<std::string> type;
    std::string value;
    std::map<std::string, std::string> details;  // a trigger's (SourceChange::details)
  };
  std::uint64_t seed = 0;
  Clock::TimePoint created;
  std::vector<Given> given;
};

// What few executions have.
struct RunExtras {
  std::optional<std::string> stop_reason;
  std::vector<ResolvedVariable> variables;  // as resolved at start
  // A rollback's: the execution rolled back to, and the revisions it had.
  std::optional<Uuid> rollback_target;
  std::optional<SourceOrigin> origin;  // none: generated from the run's seed
  std::vector<std::string> jobs;       // ids of the jobs made for its actions
  // The clientRequestToken it was started with, forgotten with it.
  std::optional<std::string> client_request_token;
};

// What only a running execution needs.
struct RunningState {
  VariableScope variables;                               // visible to the next actions
  std::map<std::string, ArtifactCode, std::less<>> artifacts;  // produced so far, by name
};

// One execution.
struct ExecutionEngine::Run {
  std::shared_ptr<const PipelineView> view;  // the version it runs
  const Scope* scope = nullptr;              // its runtime's
  std::shared_ptr<const ExecutionTrigger> trigger;  // shared with runs triggered alike
  Uuid id;
  std::uint64_t sequence = 0;  // start order within its pipeline
  Clock::TimePoint start_time;
  Clock::TimePoint last_update_time;
  std::string status_summary;
  // Where it is: stages[i] for i < stages.size() have been entered;
  // `waiting_for_stage` is the index it waits to enter, if it waits.
  std::vector<StageRecord> stages;
  std::unique_ptr<RunExtras> extras;
  // Released when the execution ends for good; a failed or stopped one keeps
  // it, as a retry resumes it.
  std::unique_ptr<RunningState> running;
  std::optional<std::uint16_t> waiting_for_stage;
  // A rollback runs this one stage and ends.
  std::optional<std::uint16_t> only_stage;
  ExecutionStatus status = ExecutionStatus::kInProgress;
  bool cancel_when_idle = false;  // cancel once the actions in progress finish

  bool active() const { return !IsFinished(status); }
  ExecutionMode mode() const { return view->mode; }
  const std::string& pipeline_name() const { return view->name; }
  std::string id_text() const { return id.ToString(); }
  // Generated revisions and artifact keys follow from this.
  std::uint64_t seed() const { return id.high ^ id.low; }
  bool rollback() const { return extras && extras->rollback_target; }
  // ExecutionType, as the API spells it.
  const char* type_text() const { return rollback() ? "ROLLBACK" : "STANDARD"; }
  RunExtras& Extras() {
    if (!extras) extras = std::make_unique<RunExtras>();
    return *extras;
  }

  const StageView& Stage(std::size_t index) const { return view->stages[index]; }
  const StageView& StageOf(const StageRecord& record) const { return Stage(record.stage); }
  const ActionView& ActionOf(const StageRecord& stage, const ActionRecord& action) const {
    return StageOf(stage).actions[action.action];
  }
  // Where the named artifacts are, as far as this run has produced them.
  std::unique_ptr<ArtifactCode[]> Codes(const std::vector<std::string>& names) const;
  std::vector<ArtifactLocation> Locations(const std::vector<std::string>& names) const;
  ArtifactLocation Location(const std::string& name, ArtifactCode code) const;
  // The code of output `output` of `action`, the `position`th action run of
  // the `stage`th stage run.
  ArtifactCode OutputCode(std::size_t stage, std::size_t position, std::size_t output) const;
  // What the source actions picked up.
  SourceOrigin Origin() const;
  SourceOutcome Source(const SourceOrigin& origin, std::size_t action) const;
  std::vector<std::pair<std::string, std::string>> ResolvedConfiguration(
      const ActionView& view, const ActionRecord& action) const;

  // Reads: the public form.
  PipelineExecution Render(ExecutionDetail detail = ExecutionDetail::kWithStages) const;
  ActionRun RenderAction(std::size_t stage, std::size_t position) const;
};

struct ExecutionEngine::PipelineRuntime {
  Scope scope;
  std::string name;  // the pipeline's
  std::deque<std::unique_ptr<Run>> runs;  // every retained run, in start order
  // The runs still in progress, in start order: all the engine's work is on
  // these, so its cost follows the executions in flight, not those retained.
  std::vector<Run*> active;
  std::unordered_map<Uuid, Run*, UuidHash> by_id;
  std::size_t finished = 0;
  // SUPERSEDED and QUEUED: the execution holding each stage, by stage name.
  std::map<std::string, Uuid, std::less<>> holders;
  std::map<std::string, std::string, std::less<>> tokens;  // clientRequestToken -> id
  std::uint64_t next_sequence = 1;
  // Disabled transitions, by stage name.
  std::map<std::string, TransitionBlock, std::less<>> inbound_blocks;
  std::map<std::string, TransitionBlock, std::less<>> outbound_blocks;
  // The latest trigger: runs started alike share it.
  std::shared_ptr<const ExecutionTrigger> last_trigger;
  // Since the journal last wrote this runtime out (execution_journal.cpp):
  // the runs that ended (with the active ones, all that can have changed),
  // and the runs retired.
  std::vector<Uuid> settled;
  std::vector<Uuid> retired;
  // Whether the journal has written this runtime out (or read it back): its
  // first record must replace whatever a pipeline of that name had before.
  bool journaled = false;

  Run* Find(std::string_view id) const {
    const auto parsed = Uuid::Parse(id);
    if (!parsed) return nullptr;
    const auto it = by_id.find(*parsed);
    return it == by_id.end() ? nullptr : it->second;
  }
};

// Holds the engine's lock for its scope, as MutexLock does, and publishes the
// changes made under it once it is released: every section that may change
// state takes this one.
class SCOPED_CAPABILITY ExecutionEngine::ChangeLock {
 public:
  explicit ChangeLock(const ExecutionEngine& engine) ACQUIRE(engine.mutex_) : engine_(engine) {
    engine_.mutex_.lock();
    recorded_before_ = engine_.changes_recorded_;
  }
  // A section that changed something returns once its changes reached the
  // sink, even when another thread is delivering them: an answer never goes
  // out before the events it caused can be read.
  ~ChangeLock() RELEASE() {
    const bool recorded = engine_.changes_recorded_ != recorded_before_;
    engine_.mutex_.unlock();
    if (recorded) engine_.FlushChanges();
  }
  ChangeLock(const ChangeLock&) = delete;
  ChangeLock& operator=(const ChangeLock&) = delete;

  // BasicLockable, for std::condition_variable_any.
  void lock() ACQUIRE() { engine_.mutex_.lock(); }
  void unlock() RELEASE() { engine_.mutex_.unlock(); }

 private:
  const ExecutionEngine& engine_;
  std::uint64_t recorded_before_ = 0;
};

std::string RuntimeKey(const Scope& scope, std::string_view pipeline);

}  // namespace sluice::domain
