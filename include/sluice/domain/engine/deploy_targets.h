// Deploy action targets, for ListDeployActionExecutionTargets: the instances
// or resources a deploy action deployed to, with the lifecycle events of each.
// sluice deploys nothing, so it derives them from the action run: its
// provider and configuration name the targets, its status and times give
// theirs, and a hash of the action execution id gives instance and command
// ids, so that repeated calls agree.
// DeployTargetService is thread-safe (it reads the repository and the engine,
// both thread-safe); SimulateDeployTargets is a pure function.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/domain/engine/execution.h"
#include "sluice/domain/engine/execution_engine.h"
#include "sluice/domain/pipeline/pipeline_repository.h"

namespace sluice::domain {

struct DeployTargetEvent {
  std::string name;    // DownloadBundle, Install, ValidateService
  std::string status;  // Pending, InProgress, Succeeded, Failed, Abandoned
  std::optional<Clock::TimePoint> start_time;
  std::optional<Clock::TimePoint> end_time;
  std::string ssm_command_id;  // empty while Pending
  std::string message;         // why the event failed; empty otherwise
};

struct DeployTarget {
  std::string target_id;
  std::string target_type;
  std::string status;  // the action's: InProgress, Succeeded, Failed, Abandoned
  Clock::TimePoint start_time;
  std::optional<Clock::TimePoint> end_time;  // once the action finished
  std::vector<DeployTargetEvent> events;
};

// The targets of one action run, sorted by target id: none unless its
// category is Deploy. EC2 actions deploy to two instances ("i-" or, for
// InstanceType SSM_MANAGED_NODE, "mi-" and 17 hex digits) with three
// lifecycle events each; other deploy providers to the one resource their
// configuration names (DeploymentGroupName, ServiceName, ClusterName,
// FunctionName, StackName, ...), typed as CloudFormation types it
// (AWS::ECS::Service, ...), with no events.
std::vector<DeployTarget> SimulateDeployTargets(const ActionRun& action);

struct DeployTargetQuery {
  std::optional<std::string> pipeline;  // absent: any pipeline of the scope
  std::string action_execution_id;
  // TARGET_STATUS filters: a target must have one of the statuses of each.
  std::vector<std::set<std::string>> status_filters;
  std::optional<std::string> next_token;
  std::size_t max_results = 100;
};

struct DeployTargetPage {
  std::vector<DeployTarget> targets;
  std::optional<std::string> next_token;
};

class DeployTargetService {
 public:
  // Both must outlive the service.
  DeployTargetService(const PipelineRepository& repository, const ExecutionEngine& engine);

  // PipelineNotFoundException when the query names a pipeline that does not
  // exist; ActionExecutionNotFoundException when no retained execution (of
  // that pipeline, or of any) ran an action with that id;
  // InvalidNextTokenException for a token this listing did not make. Pages
  // resume after the last target id returned.
  Result<DeployTargetPage> List(const Scope& scope, const DeployTargetQuery& query) const;

 private:
  std::optional<ActionRun> FindAction(const Scope& scope, const std::string& pipeline,
                                      const std::string& action_execution_id) const;

  const PipelineRepository& repository_;
  const ExecutionEngine& engine_;
};

}  // namespace sluice::domain
