// ExecutionService: the execution operations over the pipeline repository and
// the engine: starting executions of a pipeline's latest version, and reading
// executions, pipeline state and action executions back, with pagination.
// Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sluice/domain/engine/execution_engine.h"
#include "sluice/domain/pipeline/pipeline_repository.h"

namespace sluice::domain {

struct ExecutionPage {
  std::vector<PipelineExecution> executions;
  std::optional<std::string> next_token;
};

struct ActionExecutionPage {
  struct Item {
    const PipelineExecution* execution;  // points into `executions`
    const ActionRun* action;
    std::size_t index;  // the action's place in its execution, for page tokens
  };
  std::vector<PipelineExecution> executions;  // owns what items point to
  std::vector<Item> items;
  std::optional<std::string> next_token;
};

struct RuleExecutionPage {
  std::vector<RuleExecutionRecord> records;
  std::optional<std::string> next_token;
};

struct PipelineState {
  PipelineSnapshot pipeline;
  std::vector<StageSnapshot> stages;
};

class ExecutionService {
 public:
  ExecutionService(PipelineRepository& repository, ExecutionEngine& engine);

  // PipelineNotFoundException in AWS's StartPipelineExecution wording.
  Result<std::string> Start(const Scope& scope, std::string_view pipeline, StartRequest request);
  Result<PipelineExecution> Get(const Scope& scope, std::string_view pipeline,
                                std::string_view execution_id,
                                ExecutionDetail detail = ExecutionDetail::kWithStages) const;
  Result<ExecutionPage> List(const Scope& scope, std::string_view pipeline,
                             const std::optional<std::string>& succeeded_in_stage,
                             const std::optional<std::string>& next_token,
                             std::size_t max_results) const;
  Result<PipelineState> State(const Scope& scope, std::string_view pipeline) const;
  Result<ActionExecutionPage> ListActions(const Scope& scope, std::string_view pipeline,
                                          const std::optional<std::string>& execution_id,
                                          const std::optional<std::string>& next_token,
                                          std::size_t max_results) const;

  // People and workers acting on executions in flight
  // (execution_service_controls.cpp): each checks that the pipeline, and the
  // stage and action it names, exist, then asks the engine.
  Status Stop(const Scope& scope, std::string_view pipeline, std::string_view execution_id,
              bool abandon, std::string reason);
  Status Retry(const Scope& scope, std::string_view pipeline, std::string_view stage,
               std::string_view execution_id, RetryMode mode);
  Status SetTransition(const Scope& scope, std::string_view pipeline, std::string_view stage,
                       TransitionKind kind, std::optional<TransitionBlock> block);
  Result<Clock::TimePoint> Answer(const Scope& scope, std::string_view pipeline,
                                  std::string_view stage, std::string_view action,
                                  const ApprovalAnswer& answer);
  // PutActionRevision: starts an execution with `revision` for the source
  // action, unless an execution already used that revision. Returns the id
  // of the execution that uses it, and whether the revision was new.
  Result<std::pair<std::string, bool>> PutActionRevision(const Scope& scope, std::string_view pipeline,
                                        std::string_view stage, std::string_view action,
                                        std::string revision, ExecutionTrigger trigger);

  Result<std::string> Rollback(const Scope& scope, std::string_view pipeline, std::string_view stage,
                               std::string_view target_id, ExecutionTrigger trigger);
  Status OverrideCondition(const Scope& scope, std::string_view pipeline, std::string_view stage,
                           std::string_view execution_id, ConditionKind kind);
  // ListRuleExecutions: newest first, pages resuming after an offset.
  Result<RuleExecutionPage> ListRules(const Scope& scope, std::string_view pipeline,
                                      const std::optional<std::string>& execution_id,
                                      const std::optional<std::string>& next_token,
                                      std::size_t max_results) const;

  // Pipeline lifecycle, as CodePipeline reacts to it.
  void PipelineUpdated(const Scope& scope, std::string_view pipeline);
  void PipelineDeleted(const Scope& scope, std::string_view pipeline);

 private:
  Result<std::shared_ptr<const PipelineView>> LatestView(const Scope& scope,
                                                         std::string_view pipeline) const;
  // The latest view, with StageNotFoundException when it has no `stage`.
  Result<std::shared_ptr<const PipelineView>> ViewWithStage(const Scope& scope,
                                                            std::string_view pipeline,
                                                            std::string_view stage) const;

  PipelineRepository& repository_;
  ExecutionEngine& engine_;
};

}  // namespace sluice::domain
