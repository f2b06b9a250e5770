#include "sluice/api/stage_control_ops.h"

#include <nlohmann/json.hpp>

#include "sluice/api/execution_ops.h"
#include "json_members.h"
#include "sluice/api/pipeline_ops.h"

namespace sluice::api {

namespace {

using nlohmann::json;

std::string Str(const json& input, const char* key) { return input.at(key).get<std::string>(); }

Result<std::string> Empty(const Status& status) {
  if (!status) return status.error();
  return std::string("{}");
}

}  // namespace

void RegisterStageControlOps(OperationTable& table, domain::ExecutionService& executions) {
  table.Register("StopPipelineExecution", [&executions](const CallContext& context,
                                                        const json& input) -> Result<std::string> {
    const std::string id = Str(input, "pipelineExecutionId");
    const auto abandon = input.find("abandon");
    auto status = executions.Stop(ScopeOf(context), Str(input, "pipelineName"), id,
                                  abandon != input.end() && abandon->is_boolean() && abandon->get<bool>(),
                                  OptionalString(input, "reason").value_or(""));
    if (!status) return status.error();
    return json{{"pipelineExecutionId", id}}.dump();
  });

  table.Register("RetryStageExecution", [&executions](const CallContext& context,
                                                      const json& input) -> Result<std::string> {
    const std::string id = Str(input, "pipelineExecutionId");
    const auto mode =
        domain::ParseRetryMode(Str(input, "retryMode")).value_or(domain::RetryMode::kFailedActions);
    auto status = executions.Retry(ScopeOf(context), Str(input, "pipelineName"),
                                   Str(input, "stageName"), id, mode);
    if (!status) return status.error();
    return json{{"pipelineExecutionId", id}}.dump();
  });

  const auto transition = [&executions](bool enable) {
    return [&executions, enable](const CallContext& context,
                                 const json& input) -> Result<std::string> {
      const auto kind = Str(input, "transitionType") == "Outbound" ? domain::TransitionKind::kOutbound
                                                                    : domain::TransitionKind::kInbound;
      std::optional<domain::TransitionBlock> block;
      if (!enable) {
        block = domain::TransitionBlock{OptionalString(input, "reason").value_or(""),
                                        CallerArn(context), {}};  // the engine stamps the time
      }
      return Empty(executions.SetTransition(ScopeOf(context), Str(input, "pipelineName"),
                                            Str(input, "stageName"), kind, std::move(block)));
    };
  };
  table.Register("DisableStageTransition", transition(false));
  table.Register("EnableStageTransition", transition(true));

  table.Register("PutApprovalResult", [&executions](const CallContext& context,
                                                    const json& input) -> Result<std::string> {
    const json& result = input.at("result");
    const domain::ApprovalAnswer answer{Str(result, "status") == "Approved", Str(result, "summary"),
                                        Str(input, "token"), CallerArn(context)};
    auto approved_at = executions.Answer(ScopeOf(context), Str(input, "pipelineName"),
                                         Str(input, "stageName"), Str(input, "actionName"), answer);
    if (!approved_at) return approved_at.error();
    return json{{"approvedAt", ToEpochSeconds(*approved_at)}}.dump();
  });

  table.Register("RollbackStage", [&executions](const CallContext& context,
                                                const json& input) -> Result<std::string> {
    auto id = executions.Rollback(ScopeOf(context), Str(input, "pipelineName"),
                                  Str(input, "stageName"), Str(input, "targetPipelineExecutionId"),
                                  {"ManualRollback", CallerArn(context)});
    if (!id) return id.error();
    return json{{"pipelineExecutionId", *id}}.dump();
  });

  table.Register("OverrideStageCondition", [&executions](const CallContext& context,
                                                         const json& input) -> Result<std::string> {
    const auto kind = Str(input, "conditionType") == "ON_SUCCESS" ? domain::ConditionKind::kOnSuccess
                                                                   : domain::ConditionKind::kBeforeEntry;
    return Empty(executions.OverrideCondition(ScopeOf(context), Str(input, "pipelineName"),
                                              Str(input, "stageName"),
                                              Str(input, "pipelineExecutionId"), kind));
  });

  table.Register("PutActionRevision", [&executions](const CallContext& context,
                                                    const json& input) -> Result<std::string> {
    const std::string revision = Str(input.at("actionRevision"), "revisionId");
    auto id = executions.PutActionRevision(ScopeOf(context), Str(input, "pipelineName"),
                                           Str(input, "stageName"), Str(input, "actionName"),
                                           revision, {"PutActionRevision", CallerArn(context)});
    if (!id) return id.error();
    return json{{"newRevision", id->second}, {"pipelineExecutionId", id->first}}.dump();
  });
}

}  // namespace sluice::api
