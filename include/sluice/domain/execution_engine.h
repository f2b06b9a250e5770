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
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/domain/execution.h"
#include "sluice/domain/pipeline_view.h"

namespace sluice::domain {

struct EngineOptions {
  // How long a simulated action (source, build, test, deploy, ...) runs.
  Clock::Duration action_duration{std::chrono::milliseconds(500)};
  // Finished executions kept per pipeline; the oldest go first.
  std::size_t retained_executions = 1000;
  // AWS's quotas: executions in progress at once in PARALLEL mode, and
  // executions waiting in QUEUED mode.
  std::size_t max_parallel_executions = 50;
  std::size_t max_queued_executions = 50;
};

struct SourceRevisionOverride {
  std::string action_name;
  std::string revision_type;  // COMMIT_ID, IMAGE_DIGEST, S3_OBJECT_VERSION_ID, S3_OBJECT_KEY
  std::string revision_value;
};

struct StartRequest {
  ExecutionTrigger trigger;
  std::vector<ResolvedVariable> variables;  // as given by the caller
  std::vector<SourceRevisionOverride> source_revisions;
  std::optional<std::string> client_request_token;
};

// One stage's latest state, as GetPipelineState reports it.
struct StageSnapshot {
  std::string stage_name;
  std::optional<std::pair<std::string, StageStatus>> latest_execution;  // id, status
  std::vector<std::pair<std::string, ExecutionStatus>> inbound;  // waiting to enter
  // Every action of the stage, with its latest run if it has run.
  std::vector<std::pair<std::string, std::optional<ActionRun>>> actions;
};

class ExecutionEngine {
 public:
  ExecutionEngine(const Clock& clock, EngineOptions options = {});
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
  // When Advance() next has something to do.
  std::optional<Clock::TimePoint> NextDue() const;

  // Calls Advance() whenever work falls due, until `stop` is requested.
  void RunUntilStopped(std::stop_token stop);

  // Reads: copies taken under the lock.
  std::optional<PipelineExecution> Find(const Scope& scope, std::string_view pipeline,
                                        std::string_view execution_id) const;
  // Newest first.
  std::vector<PipelineExecution> List(const Scope& scope, std::string_view pipeline) const;
  std::vector<StageSnapshot> StageStates(const Scope& scope, const PipelineView& pipeline) const;

  // UpdatePipeline: cancels SUPERSEDED and QUEUED executions as AWS does.
  void PipelineUpdated(const Scope& scope, std::string_view pipeline);
  // Drops every execution of a deleted pipeline.
  void Forget(const Scope& scope, std::string_view pipeline);

 private:
  struct Run;
  struct PipelineRuntime;

  PipelineRuntime& RuntimeFor(const Scope& scope, std::string_view pipeline);
  const PipelineRuntime* FindRuntime(const Scope& scope, std::string_view pipeline) const;

  Status CheckRequest(const PipelineView& pipeline, const StartRequest& request) const;
  Status CheckLimits(const PipelineRuntime& runtime, ExecutionMode mode) const;
  void TryEnterStage(PipelineRuntime& runtime, Run& run);
  void EnterStage(PipelineRuntime& runtime, Run& run, std::size_t stage);
  void StartGroup(Run& run);
  void FinishGroupIfDone(PipelineRuntime& runtime, Run& run);
  void LeaveStage(PipelineRuntime& runtime, Run& run);
  void Finish(PipelineRuntime& runtime, Run& run, ExecutionStatus status, std::string summary);
  void AdmitWaiters(PipelineRuntime& runtime, const std::string& stage_name);
  void Retire(PipelineRuntime& runtime);
  void ScheduleChanged();

  const Clock& clock_;
  EngineOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable_any wakeup_;
  bool schedule_changed_ = false;
  // Key: "account/region/pipeline".
  std::map<std::string, std::unique_ptr<PipelineRuntime>, std::less<>> pipelines_;
  // Pipelines with executions in progress: what Advance() and NextDue() visit.
  std::set<PipelineRuntime*> busy_;
};

}  // namespace sluice::domain
