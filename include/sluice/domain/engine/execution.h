// Pipeline executions as reads see them: the execution, its stage runs and
// their action runs, with AWS's statuses. Plain values the engine renders from
// what it keeps (src/domain/engine_state.h) and hands out.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::domain {

struct ScriptedOutcome;  // outcome_policy.h

enum class ExecutionStatus : std::uint8_t { kInProgress, kStopping, kStopped, kSucceeded, kSuperseded, kFailed, kCancelled };
enum class StageStatus : std::uint8_t { kInProgress, kStopping, kStopped, kSucceeded, kFailed, kCancelled, kSkipped };
enum class ActionStatus : std::uint8_t { kInProgress, kAbandoned, kSucceeded, kFailed };

std::string_view ToString(ExecutionStatus status);
std::string_view ToString(StageStatus status);
std::string_view ToString(ActionStatus status);
bool IsFinished(ExecutionStatus status);

struct ExecutionTrigger {
  std::string type;    // TriggerType: StartPipelineExecution, CreatePipeline, ...
  std::string detail;  // e.g. the caller's ARN
  friend bool operator==(const ExecutionTrigger&, const ExecutionTrigger&) = default;
};

struct ArtifactRevision {
  std::string name;  // the output artifact of the source action
  std::string revision_id;
  std::string revision_change_identifier;
  std::string revision_summary;
  std::string revision_url;
  Clock::TimePoint created;
};

struct SourceRevision {
  std::string action_name;
  std::string revision_id;
  std::string revision_summary;
  std::string revision_url;
};

struct ResolvedVariable {
  std::string name;
  std::string value;
};

struct ArtifactLocation {
  std::string name;
  std::string bucket;
  std::string key;
};

struct ActionRun {
  std::string stage_name;
  std::string action_name;
  std::string action_execution_id;
  std::int64_t run_order = 1;
  ActionStatus status = ActionStatus::kInProgress;
  Clock::TimePoint start_time;
  Clock::TimePoint last_update_time;
  std::optional<Clock::TimePoint> due;  // when a simulated action completes; none: it waits
  // When an action that waits for someone (an approver, a job worker) fails
  // for want of an answer.
  std::optional<Clock::TimePoint> deadline;
  std::string token;   // a manual approval's token
  std::string job_id;  // the job a worker is to do for this action, if any
  std::optional<int> percent_complete;
  std::string updated_by;  // who answered an approval
  // A retry ran this action again: the newer run counts, this one is history.
  bool replaced = false;
  std::string summary;
  std::string external_execution_id;
  std::string error_code;
  std::string error_message;
  // The action as declared in the version that ran it.
  std::string category;
  std::string owner;
  std::string provider;
  std::string version;
  std::string region;
  std::string role_arn;
  std::string ns;
  // Input as run: the declared configuration and the resolved one.
  std::map<std::string, std::string> configuration;
  std::map<std::string, std::string> resolved_configuration;
  std::vector<ArtifactLocation> input_artifacts;
  std::vector<ArtifactLocation> output_artifacts;
  std::map<std::string, std::string> output_variables;
};

enum class ConditionKind { kBeforeEntry, kOnSuccess, kOnFailure };
enum class ConditionStatus { kInProgress, kFailed, kErrored, kSucceeded, kCancelled, kAbandoned, kOverridden };
std::string_view ToString(ConditionStatus status);

// One rule of a stage condition, as evaluated once. Rule statuses are the
// action statuses by name (InProgress, Abandoned, Succeeded, Failed).
struct RuleRun {
  std::string rule_name;
  std::string rule_execution_id;
  ActionStatus status = ActionStatus::kInProgress;
  Clock::TimePoint start_time;
  Clock::TimePoint last_update_time;
  std::optional<Clock::TimePoint> due;  // when its evaluation completes
  std::string category;
  std::string owner;
  std::string provider;
  std::string version;
  std::string region;
  std::string role_arn;
  std::map<std::string, std::string> configuration;
  std::map<std::string, std::string> resolved_configuration;
  std::vector<ArtifactLocation> input_artifacts;
  std::string summary;
  std::string error_code;
  std::string error_message;
  // What a test scripted for it (outcome_policy.h), if anything.
  std::shared_ptr<const ScriptedOutcome> script;
};

// One evaluation of a stage's beforeEntry, onSuccess or onFailure condition.
struct ConditionRun {
  ConditionKind kind = ConditionKind::kBeforeEntry;
  ConditionStatus status = ConditionStatus::kInProgress;
  std::string summary;
  Clock::TimePoint last_change;
  std::vector<RuleRun> rules;
};

struct StageRun {
  std::string stage_name;
  std::size_t stage_index = 0;  // in the declaration the execution runs
  StageStatus status = StageStatus::kInProgress;
  std::int64_t current_run_order = 0;  // the action group running now
  std::vector<ActionRun> actions;
  int manual_retries = 0;  // RetryStageExecution calls on this stage run
  int auto_retries = 0;    // retries by an onFailure RETRY result
  std::vector<ConditionRun> conditions;  // in evaluation order
  std::string retry_mode;  // of the latest retry: FAILED_ACTIONS or ALL_ACTIONS
};

// How much of an execution a read renders: its stage runs (and their action
// runs) cost most of the work, and GetPipelineExecution does not show them.
enum class ExecutionDetail { kSummary, kWithStages };

struct PipelineExecution {
  std::string pipeline_name;
  int pipeline_version = 1;
  std::string id;
  ExecutionStatus status = ExecutionStatus::kInProgress;
  std::string status_summary;
  Clock::TimePoint start_time;
  Clock::TimePoint last_update_time;
  ExecutionTrigger trigger;
  std::optional<std::string> stop_reason;
  ExecutionMode mode = ExecutionMode::kSuperseded;
  std::vector<ArtifactRevision> artifact_revisions;
  std::vector<SourceRevision> source_revisions;
  std::vector<ResolvedVariable> variables;
  // Where it is: stages[i] for i < stage_runs.size() have been entered;
  // `waiting_for_stage` is the index it waits to enter, if it waits.
  std::vector<StageRun> stage_runs;
  std::optional<std::size_t> waiting_for_stage;
  std::uint64_t sequence = 0;  // start order within its pipeline
  // STANDARD, or ROLLBACK with the execution rolled back to.
  std::string execution_type = "STANDARD";
  std::string rollback_target;
};

}  // namespace sluice::domain
