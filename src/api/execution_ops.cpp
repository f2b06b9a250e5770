#include "sluice/api/execution_ops.h"

#include <nlohmann/json.hpp>

#include "json_members.h"
#include "sluice/api/pipeline_ops.h"

namespace sluice::api {

namespace {

using nlohmann::json;

// AWS's page size for execution listings, and its maximum.
constexpr std::size_t kExecutionPageSize = 100;

json TriggerJson(const domain::ExecutionTrigger& trigger) {
  return {{"triggerType", trigger.type}, {"triggerDetail", trigger.detail}};
}

json ErrorDetailsJson(const domain::ActionRun& action) {
  return {{"code", action.error_code}, {"message", action.error_message}};
}

json ActionArtifactsJson(const std::vector<domain::ArtifactLocation>& artifacts) {
  json list = json::array();
  for (const auto& artifact : artifacts) {
    json item = {{"name", artifact.name}};
    if (!artifact.bucket.empty()) {
      item["s3location"] = {{"bucket", artifact.bucket}, {"key", artifact.key}};
    }
    list.push_back(std::move(item));
  }
  return list;
}

json ExecutionJson(const domain::PipelineExecution& execution) {
  json body = {{"pipelineName", execution.pipeline_name},
               {"pipelineVersion", execution.pipeline_version},
               {"pipelineExecutionId", execution.id},
               {"status", std::string(domain::ToString(execution.status))},
               {"artifactRevisions", json::array()},
               {"trigger", TriggerJson(execution.trigger)},
               {"executionMode", std::string(domain::ToString(execution.mode))},
               {"executionType", execution.execution_type}};
  SetIfNotEmpty(body, "statusSummary", execution.status_summary);
  if (!execution.rollback_target.empty()) {
    body["rollbackMetadata"] = {{"rollbackTargetPipelineExecutionId", execution.rollback_target}};
  }
  for (const auto& revision : execution.artifact_revisions) {
    json item = {{"name", revision.name},
                 {"revisionId", revision.revision_id},
                 {"created", ToEpochSeconds(revision.created)}};
    SetIfNotEmpty(item, "revisionChangeIdentifier", revision.revision_change_identifier);
    SetIfNotEmpty(item, "revisionSummary", revision.revision_summary);
    SetIfNotEmpty(item, "revisionUrl", revision.revision_url);
    body["artifactRevisions"].push_back(std::move(item));
  }
  if (!execution.variables.empty()) {
    body["variables"] = json::array();
    for (const auto& variable : execution.variables) {
      body["variables"].push_back({{"name", variable.name}, {"resolvedValue", variable.value}});
    }
  }
  return body;
}

json SummaryJson(const domain::PipelineExecution& execution) {
  json summary = {{"pipelineExecutionId", execution.id},
                  {"status", std::string(domain::ToString(execution.status))},
                  {"startTime", ToEpochSeconds(execution.start_time)},
                  {"lastUpdateTime", ToEpochSeconds(execution.last_update_time)},
                  {"sourceRevisions", json::array()},
                  {"trigger", TriggerJson(execution.trigger)},
                  {"executionMode", std::string(domain::ToString(execution.mode))},
                  {"executionType", execution.execution_type}};
  SetIfNotEmpty(summary, "statusSummary", execution.status_summary);
  if (!execution.rollback_target.empty()) {
    summary["rollbackMetadata"] = {
        {"rollbackTargetPipelineExecutionId", execution.rollback_target}};
  }
  for (const auto& source : execution.source_revisions) {
    json item = {{"actionName", source.action_name}, {"revisionId", source.revision_id}};
    SetIfNotEmpty(item, "revisionSummary", source.revision_summary);
    SetIfNotEmpty(item, "revisionUrl", source.revision_url);
    summary["sourceRevisions"].push_back(std::move(item));
  }
  if (execution.stop_reason) summary["stopTrigger"] = {{"reason", *execution.stop_reason}};
  return summary;
}

json LatestActionJson(const domain::ActionRun& action) {
  json latest = {{"actionExecutionId", action.action_execution_id},
                 {"status", std::string(domain::ToString(action.status))},
                 {"lastStatusChange", ToEpochSeconds(action.last_update_time)}};
  SetIfNotEmpty(latest, "summary", action.summary);
  SetIfNotEmpty(latest, "externalExecutionId", action.external_execution_id);
  SetIfNotEmpty(latest, "lastUpdatedBy", action.updated_by);
  // An approval shows its token only while it waits for an answer.
  if (action.status == domain::ActionStatus::kInProgress) SetIfNotEmpty(latest, "token", action.token);
  if (action.percent_complete) latest["percentComplete"] = *action.percent_complete;
  if (!action.error_code.empty()) latest["errorDetails"] = ErrorDetailsJson(action);
  return latest;
}

// GetPipelineState's StageExecution: latest and inbound executions.
template <typename Status>
json StageExecutionJson(const domain::StageExecutionRef<Status>& execution) {
  return {{"pipelineExecutionId", execution.id},
          {"status", std::string(domain::ToString(execution.status))},
          {"type", execution.type}};
}

json ConditionStateJson(const domain::ConditionRun& condition) {
  const std::string status(domain::ToString(condition.status));
  json rules = json::array();
  for (const domain::RuleRun& rule : condition.rules) {
    json latest = {{"ruleExecutionId", rule.rule_execution_id},
                   {"status", std::string(domain::ToString(rule.status))},
                   {"lastStatusChange", ToEpochSeconds(rule.last_update_time)}};
    SetIfNotEmpty(latest, "summary", rule.summary);
    if (!rule.error_code.empty()) {
      latest["errorDetails"] = {{"code", rule.error_code}, {"message", rule.error_message}};
    }
    rules.push_back({{"ruleName", rule.rule_name}, {"latestExecution", std::move(latest)}});
  }
  json summary = {{"status", status}};
  SetIfNotEmpty(summary, "summary", condition.summary);
  json latest = summary;
  latest["lastStatusChange"] = ToEpochSeconds(condition.last_change);
  return {{"latestExecution", std::move(summary)},
          {"conditionStates",
           json::array({{{"latestExecution", std::move(latest)}, {"ruleStates", std::move(rules)}}})}};
}

json RuleExecutionJson(const domain::RuleExecutionRecord& record) {
  const domain::RuleRun& rule = record.rule;
  json input = {{"ruleTypeId",
                 {{"category", rule.category},
                  {"owner", rule.owner},
                  {"provider", rule.provider},
                  {"version", rule.version}}},
                {"configuration", StringMap(rule.configuration)},
                {"resolvedConfiguration", StringMap(rule.resolved_configuration)},
                {"region", rule.region},
                {"inputArtifacts", ActionArtifactsJson(rule.input_artifacts)}};
  SetIfNotEmpty(input, "roleArn", rule.role_arn);
  json result = json::object();
  SetIfNotEmpty(result, "externalExecutionSummary", rule.summary);
  if (!rule.error_code.empty()) {
    result["errorDetails"] = {{"code", rule.error_code}, {"message", rule.error_message}};
  }
  return {{"pipelineExecutionId", record.execution_id},
          {"ruleExecutionId", rule.rule_execution_id},
          {"pipelineVersion", record.pipeline_version},
          {"stageName", record.stage_name},
          {"ruleName", rule.rule_name},
          {"startTime", ToEpochSeconds(rule.start_time)},
          {"lastUpdateTime", ToEpochSeconds(rule.last_update_time)},
          {"status", std::string(domain::ToString(rule.status))},
          {"input", std::move(input)},
          {"output", {{"executionResult", std::move(result)}}}};
}

}  // namespace

std::string CallerArn(const CallContext& context) {
  return "arn:aws:iam::" + context.account_id + ":root";
}

domain::StartRequest DecodeStartRequest(const json& input, const CallContext& context) {
  domain::StartRequest request;
  request.trigger = {"StartPipelineExecution", CallerArn(context)};
  if (const auto it = input.find("variables"); it != input.end() && it->is_array()) {
    for (const json& variable : *it) {
      if (variable.is_null()) continue;
      request.variables.push_back({variable.at("name"), variable.at("value")});
    }
  }
  if (const auto it = input.find("sourceRevisions"); it != input.end() && it->is_array()) {
    for (const json& source : *it) {
      if (source.is_null()) continue;
      request.source_revisions.push_back(
          {source.at("actionName"), source.at("revisionType"), source.at("revisionValue")});
    }
  }
  request.client_request_token = OptionalString(input, "clientRequestToken");
  return request;
}

std::string EncodeExecution(const domain::PipelineExecution& execution) {
  return json{{"pipelineExecution", ExecutionJson(execution)}}.dump();
}

std::string EncodeExecutionPage(const domain::ExecutionPage& page) {
  json body = {{"pipelineExecutionSummaries", json::array()}};
  for (const auto& execution : page.executions) {
    body["pipelineExecutionSummaries"].push_back(SummaryJson(execution));
  }
  if (page.next_token) body["nextToken"] = *page.next_token;
  return body.dump();
}

std::string EncodePipelineState(const domain::PipelineState& state) {
  json body = {{"pipelineName", state.pipeline.summary.name},
               {"pipelineVersion", state.pipeline.summary.version},
               {"stageStates", json::array()},
               {"created", ToEpochSeconds(state.pipeline.summary.created)},
               {"updated", ToEpochSeconds(state.pipeline.summary.updated)}};
  for (const auto& stage : state.stages) {
    json item = {{"stageName", stage.stage_name},
                 {"inboundExecutions", json::array()},
                 {"inboundTransitionState", {{"enabled", true}}},
                 {"actionStates", json::array()}};
    if (stage.inbound_disabled) {
      item["inboundTransitionState"] = {
          {"enabled", false},
          {"lastChangedBy", stage.inbound_disabled->user},
          {"lastChangedAt", ToEpochSeconds(stage.inbound_disabled->when)},
          {"disabledReason", stage.inbound_disabled->reason}};
    }
    if (stage.manual_retries > 0 || stage.auto_retries > 0) {
      item["retryStageMetadata"] = {
          {"autoStageRetryAttempt", stage.auto_retries},
          {"manualStageRetryAttempt", stage.manual_retries},
          {"latestRetryTrigger", stage.manual_retries > 0 ? "ManualStageRetry" : "AutomatedStageRetry"}};
    }
    if (stage.before_entry) item["beforeEntryConditionState"] = ConditionStateJson(*stage.before_entry);
    if (stage.on_success) item["onSuccessConditionState"] = ConditionStateJson(*stage.on_success);
    if (stage.on_failure) item["onFailureConditionState"] = ConditionStateJson(*stage.on_failure);
    for (const auto& inbound : stage.inbound) {
      item["inboundExecutions"].push_back(StageExecutionJson(inbound));
    }
    if (!item["inboundExecutions"].empty()) item["inboundExecution"] = item["inboundExecutions"][0];
    if (stage.latest_execution) {
      item["latestExecution"] = StageExecutionJson(*stage.latest_execution);
    }
    for (const auto& [name, latest] : stage.actions) {
      json action_state = {{"actionName", name}};
      if (latest) {
        action_state["latestExecution"] = LatestActionJson(*latest);
        if (latest->category == "Source" && !latest->external_execution_id.empty()) {
          // ActionRevision's three members are all required by the model;
          // a simulated source has no change id of its own beyond its revision.
          action_state["currentRevision"] = {
              {"revisionId", latest->external_execution_id},
              {"revisionChangeId", latest->external_execution_id},
              {"created", ToEpochSeconds(latest->last_update_time)}};
        }
      }
      item["actionStates"].push_back(std::move(action_state));
    }
    body["stageStates"].push_back(std::move(item));
  }
  return body.dump();
}

std::string EncodeActionExecutionPage(const domain::ActionExecutionPage& page) {
  json body = {{"actionExecutionDetails", json::array()}};
  for (const auto& item : page.items) {
    const domain::ActionRun& action = *item.action;
    json input = {{"actionTypeId",
                   {{"category", action.category},
                    {"owner", action.owner},
                    {"provider", action.provider},
                    {"version", action.version}}},
                  {"configuration", StringMap(action.configuration)},
                  {"resolvedConfiguration", StringMap(action.resolved_configuration)},
                  {"region", action.region},
                  {"inputArtifacts", ActionArtifactsJson(action.input_artifacts)}};
    SetIfNotEmpty(input, "roleArn", action.role_arn);
    SetIfNotEmpty(input, "namespace", action.ns);
    json result = json::object();
    SetIfNotEmpty(result, "externalExecutionId", action.external_execution_id);
    SetIfNotEmpty(result, "externalExecutionSummary", action.summary);
    if (!action.error_code.empty()) result["errorDetails"] = ErrorDetailsJson(action);
    json detail = {{"pipelineExecutionId", item.execution->id},
                   {"actionExecutionId", action.action_execution_id},
                   {"pipelineVersion", item.execution->pipeline_version},
                   {"stageName", action.stage_name},
                   {"actionName", action.action_name},
                   {"startTime", ToEpochSeconds(action.start_time)},
                   {"lastUpdateTime", ToEpochSeconds(action.last_update_time)},
                   {"status", std::string(domain::ToString(action.status))},
                   {"input", std::move(input)},
                   {"output",
                    {{"outputArtifacts", ActionArtifactsJson(action.output_artifacts)},
                     {"executionResult", std::move(result)},
                     {"outputVariables", StringMap(action.output_variables)}}}};
    body["actionExecutionDetails"].push_back(std::move(detail));
  }
  if (page.next_token) body["nextToken"] = *page.next_token;
  return body.dump();
}

std::string EncodeRuleExecutionPage(const domain::RuleExecutionPage& page) {
  json body = {{"ruleExecutionDetails", json::array()}};
  for (const auto& record : page.records) body["ruleExecutionDetails"].push_back(RuleExecutionJson(record));
  if (page.next_token) body["nextToken"] = *page.next_token;
  return body.dump();
}

void RegisterExecutionOps(OperationTable& table, domain::ExecutionService& executions) {
  table.Register("ListRuleExecutions", [&executions](const CallContext& context,
                                                     const json& input) -> Result<std::string> {
    std::optional<std::string> execution_id;
    if (const auto filter = input.find("filter"); filter != input.end() && filter->is_object()) {
      execution_id = OptionalString(*filter, "pipelineExecutionId");
      if (const auto latest = filter->find("latestInPipelineExecution");
          !execution_id && latest != filter->end() && latest->is_object()) {
        execution_id = OptionalString(*latest, "pipelineExecutionId");
      }
    }
    auto page = executions.ListRules(ScopeOf(context), input.at("pipelineName").get<std::string>(),
                                     execution_id, OptionalString(input, "nextToken"),
                                     MaxResults(input).value_or(kExecutionPageSize));
    if (!page) return page.error();
    return EncodeRuleExecutionPage(*page);
  });

  table.Register("StartPipelineExecution", [&executions](const CallContext& context,
                                                         const json& input) -> Result<std::string> {
    auto id = executions.Start(ScopeOf(context), input.at("name").get<std::string>(),
                               DecodeStartRequest(input, context));
    if (!id) return id.error();
    return json{{"pipelineExecutionId", *id}}.dump();
  });

  table.Register("GetPipelineExecution", [&executions](const CallContext& context,
                                                       const json& input) -> Result<std::string> {
    // Stage runs are not part of GetPipelineExecution's answer.
    auto execution = executions.Get(ScopeOf(context), input.at("pipelineName").get<std::string>(),
                                    input.at("pipelineExecutionId").get<std::string>(),
                                    domain::ExecutionDetail::kSummary);
    if (!execution) return execution.error();
    return EncodeExecution(*execution);
  });

  table.Register("ListPipelineExecutions", [&executions](const CallContext& context,
                                                         const json& input) -> Result<std::string> {
    std::optional<std::string> stage;
    if (const auto filter = input.find("filter"); filter != input.end() && filter->is_object()) {
      if (const auto succeeded = filter->find("succeededInStage");
          succeeded != filter->end() && succeeded->is_object()) {
        stage = OptionalString(*succeeded, "stageName");
      }
    }
    auto page = executions.List(ScopeOf(context), input.at("pipelineName").get<std::string>(),
                                stage, OptionalString(input, "nextToken"),
                                MaxResults(input).value_or(kExecutionPageSize));
    if (!page) return page.error();
    return EncodeExecutionPage(*page);
  });

  table.Register("GetPipelineState", [&executions](const CallContext& context,
                                                   const json& input) -> Result<std::string> {
    auto state = executions.State(ScopeOf(context), input.at("name").get<std::string>());
    if (!state) return state.error();
    return EncodePipelineState(*state);
  });

  table.Register("ListActionExecutions", [&executions](const CallContext& context,
                                                       const json& input) -> Result<std::string> {
    std::optional<std::string> execution_id;
    if (const auto filter = input.find("filter"); filter != input.end() && filter->is_object()) {
      execution_id = OptionalString(*filter, "pipelineExecutionId");
    }
    auto page = executions.ListActions(ScopeOf(context),
                                       input.at("pipelineName").get<std::string>(), execution_id,
                                       OptionalString(input, "nextToken"),
                                       MaxResults(input).value_or(kExecutionPageSize));
    if (!page) return page.error();
    return EncodeActionExecutionPage(*page);
  });
}

}  // namespace sluice::api
