// Execution operations: the response encoders (EncodePipelineState,
// EncodeExecution, EncodeExecutionPage, EncodeActionExecutionPage,
// EncodeRuleExecutionPage) on hand-built domain values, member by member and
// with optional members omitted; and StartPipelineExecution,
// GetPipelineExecution, ListPipelineExecutions, GetPipelineState and
// ListActionExecutions through the OperationTable over a running engine.
#include "sluice/api/execution_ops.h"

#include <gtest/gtest.h>

#include "api/api_fixture.h"

namespace sluice::api {
namespace {

using std::chrono::seconds;
using StageRef = domain::StageExecutionRef<domain::StageStatus>;

Clock::TimePoint At(int offset_seconds) {
  return Clock::TimePoint(seconds(1'700'000'000 + offset_seconds));
}

domain::ActionRun SourceRun() {
  domain::ActionRun run;
  run.stage_name = "Source";
  run.action_name = "Source";
  run.action_execution_id = "a-1";
  run.status = domain::ActionStatus::kSucceeded;
  run.start_time = At(0);
  run.last_update_time = At(3);
  run.external_execution_id = "rev-1";
  run.category = "Source";
  run.owner = "AWS";
  run.provider = "CodeCommit";
  run.version = "1";
  run.region = "us-east-1";
  run.configuration = {{"BranchName", "main"}};
  run.resolved_configuration = {{"BranchName", "main"}};
  run.output_artifacts = {{"src", "bucket", "demo/src/abc"}};
  run.output_variables = {{"CommitId", "rev-1"}};
  return run;
}

TEST(ExecutionEncodersTest, PipelineStateStagesActionsAndRevisions) {
  domain::PipelineState state;
  state.pipeline.summary = {"demo", 3, domain::PipelineType::kV2, domain::ExecutionMode::kQueued,
                            At(0), At(10)};
  domain::StageSnapshot& source = state.stages.emplace_back();
  source.stage_name = "Source";
  source.latest_execution = StageRef{"e-2", domain::StageStatus::kSucceeded, "STANDARD"};
  source.actions.emplace_back("Source", SourceRun());
  domain::StageSnapshot& build = state.stages.emplace_back();
  build.stage_name = "Build";
  build.latest_execution = StageRef{"e-1", domain::StageStatus::kFailed, "ROLLBACK"};
  build.inbound = {{"e-2", domain::ExecutionStatus::kInProgress, "STANDARD"},
                   {"e-3", domain::ExecutionStatus::kInProgress, "STANDARD"}};
  build.inbound_disabled = domain::TransitionBlock{"freeze", kRootArn, At(5)};
  build.manual_retries = 2;
  build.actions.emplace_back("Build", std::nullopt);

  const json body = json::parse(EncodePipelineState(state));
  EXPECT_EQ(body["pipelineName"], "demo");
  EXPECT_EQ(body["pipelineVersion"], 3);
  EXPECT_EQ(body["created"], kT0);
  EXPECT_EQ(body["updated"], kT0 + 10);
  ASSERT_EQ(body["stageStates"].size(), 2U);
  EXPECT_EQ(body["stageStates"][0],
            (json{{"stageName", "Source"},
                  {"inboundExecutions", json::array()},
                  {"inboundTransitionState", {{"enabled", true}}},
                  {"latestExecution",
                   {{"pipelineExecutionId", "e-2"}, {"status", "Succeeded"}, {"type", "STANDARD"}}},
                  {"actionStates",
                   {{{"actionName", "Source"},
                     {"latestExecution",
                      {{"actionExecutionId", "a-1"},
                       {"status", "Succeeded"},
                       {"lastStatusChange", kT0 + 3},
                       {"externalExecutionId", "rev-1"}}},
                     {"currentRevision",
                      {{"revisionId", "rev-1"}, {"revisionChangeId", "rev-1"}, {"created", kT0 + 3}}}}}}}));
  const json inbound = {{"pipelineExecutionId", "e-2"}, {"status", "InProgress"}, {"type", "STANDARD"}};
  EXPECT_EQ(body["stageStates"][1],
            (json{{"stageName", "Build"},
                  {"inboundExecution", inbound},
                  {"inboundExecutions",
                   {inbound, {{"pipelineExecutionId", "e-3"}, {"status", "InProgress"}, {"type", "STANDARD"}}}},
                  {"inboundTransitionState",
                   {{"enabled", false},
                    {"lastChangedBy", kRootArn},
                    {"lastChangedAt", kT0 + 5},
                    {"disabledReason", "freeze"}}},
                  {"retryStageMetadata",
                   {{"autoStageRetryAttempt", 0},
                    {"manualStageRetryAttempt", 2},
                    {"latestRetryTrigger", "ManualStageRetry"}}},
                  {"latestExecution",
                   {{"pipelineExecutionId", "e-1"}, {"status", "Failed"}, {"type", "ROLLBACK"}}},
                  {"actionStates", {{{"actionName", "Build"}}}}}));
}

TEST(ExecutionEncodersTest, LatestActionShowsTokenOnlyWhileWaitingAndErrors) {
  domain::PipelineState state;
  domain::StageSnapshot& stage = state.stages.emplace_back();
  stage.stage_name = "Approve";
  domain::ActionRun waiting;
  waiting.action_execution_id = "a-2";
  waiting.category = "Approval";
  waiting.token = "tok";
  waiting.percent_complete = 40;
  stage.actions.emplace_back("Wait", waiting);
  domain::ActionRun failed = waiting;
  failed.status = domain::ActionStatus::kFailed;
  failed.error_code = "JobFailed";
  failed.error_message = "Rejected";
  failed.updated_by = kRootArn;
  failed.summary = "no";
  stage.actions.emplace_back("Done", failed);

  const json actions = json::parse(EncodePipelineState(state))["stageStates"][0]["actionStates"];
  EXPECT_EQ(actions[0]["latestExecution"]["token"], "tok");
  EXPECT_EQ(actions[0]["latestExecution"]["percentComplete"], 40);
  EXPECT_FALSE(actions[0]["latestExecution"].contains("errorDetails"));
  EXPECT_FALSE(actions[0].contains("currentRevision"));  // not a source
  EXPECT_EQ(actions[1]["latestExecution"],
            (json{{"actionExecutionId", "a-2"},
                  {"status", "Failed"},
                  {"lastStatusChange", 0.0},
                  {"summary", "no"},
                  {"lastUpdatedBy", kRootArn},
                  {"percentComplete", 40},
                  {"errorDetails", {{"code", "JobFailed"}, {"message", "Rejected"}}}}));
}

domain::PipelineExecution Execution() {
  domain::PipelineExecution execution;
  execution.pipeline_name = "demo";
  execution.pipeline_version = 2;
  execution.id = "e-1";
  execution.status = domain::ExecutionStatus::kStopped;
  execution.start_time = At(1);
  execution.last_update_time = At(4);
  execution.trigger = {"StartPipelineExecution", kRootArn};
  execution.mode = domain::ExecutionMode::kQueued;
  execution.artifact_revisions = {{"src", "rev-1", "", "", "", At(1)}};
  execution.source_revisions = {{"Source", "rev-1", "", "https://example.com/rev-1"}};
  return execution;
}

TEST(ExecutionEncodersTest, ExecutionOmitsEmptyOptionalMembers) {
  domain::PipelineExecution execution = Execution();
  EXPECT_EQ(json::parse(EncodeExecution(execution)),
            (json{{"pipelineExecution",
                   {{"pipelineName", "demo"},
                    {"pipelineVersion", 2},
                    {"pipelineExecutionId", "e-1"},
                    {"status", "Stopped"},
                    {"artifactRevisions",
                     {{{"name", "src"}, {"revisionId", "rev-1"}, {"created", kT0 + 1}}}},
                    {"trigger", {{"triggerType", "StartPipelineExecution"}, {"triggerDetail", kRootArn}}},
                    {"executionMode", "QUEUED"},
                    {"executionType", "STANDARD"}}}}));

  execution.status_summary = "why";
  execution.rollback_target = "e-0";
  execution.execution_type = "ROLLBACK";
  execution.variables = {{"Branch", "dev"}};
  const json full = json::parse(EncodeExecution(execution))["pipelineExecution"];
  EXPECT_EQ(full["statusSummary"], "why");
  EXPECT_EQ(full["rollbackMetadata"], (json{{"rollbackTargetPipelineExecutionId", "e-0"}}));
  EXPECT_EQ(full["executionType"], "ROLLBACK");
  EXPECT_EQ(full["variables"], (json::array({{{"name", "Branch"}, {"resolvedValue", "dev"}}})));
}

TEST(ExecutionEncodersTest, ExecutionPageSummaries) {
  domain::ExecutionPage page;
  page.executions = {Execution()};
  page.executions[0].stop_reason = "enough";
  page.next_token = "next";
  EXPECT_EQ(json::parse(EncodeExecutionPage(page)),
            (json{{"pipelineExecutionSummaries",
                   {{{"pipelineExecutionId", "e-1"},
                     {"status", "Stopped"},
                     {"startTime", kT0 + 1},
                     {"lastUpdateTime", kT0 + 4},
                     {"sourceRevisions",
                      {{{"actionName", "Source"},
                        {"revisionId", "rev-1"},
                        {"revisionUrl", "https://example.com/rev-1"}}}},
                     {"trigger", {{"triggerType", "StartPipelineExecution"}, {"triggerDetail", kRootArn}}},
                     {"executionMode", "QUEUED"},
                     {"executionType", "STANDARD"},
                     {"stopTrigger", {{"reason", "enough"}}}}}},
                  {"nextToken", "next"}}));
  EXPECT_EQ(json::parse(EncodeExecutionPage({})), (json{{"pipelineExecutionSummaries", json::array()}}));
}

TEST(ExecutionEncodersTest, ActionExecutionDetail) {
  domain::ActionExecutionPage page;
  page.executions = {Execution()};
  const domain::ActionRun run = SourceRun();
  page.items = {{&page.executions[0], &run, 0}};
  EXPECT_EQ(json::parse(EncodeActionExecutionPage(page)),
            (json{{"actionExecutionDetails",
                   {{{"pipelineExecutionId", "e-1"},
                     {"actionExecutionId", "a-1"},
                     {"pipelineVersion", 2},
                     {"stageName", "Source"},
                     {"actionName", "Source"},
                     {"startTime", kT0},
                     {"lastUpdateTime", kT0 + 3},
                     {"status", "Succeeded"},
                     {"input",
                      {{"actionTypeId",
                        {{"category", "Source"}, {"owner", "AWS"}, {"provider", "CodeCommit"}, {"version", "1"}}},
                       {"configuration", {{"BranchName", "main"}}},
                       {"resolvedConfiguration", {{"BranchName", "main"}}},
                       {"region", "us-east-1"},
                       {"inputArtifacts", json::array()}}},
                     {"output",
                      {{"outputArtifacts",
                        {{{"name", "src"}, {"s3location", {{"bucket", "bucket"}, {"key", "demo/src/abc"}}}}}},
                       {"executionResult", {{"externalExecutionId", "rev-1"}}},
                       {"outputVariables", {{"CommitId", "rev-1"}}}}}}}}}));
}

TEST(ExecutionEncodersTest, RuleExecutionDetail) {
  domain::RuleExecutionPage page;
  domain::RuleRun rule;
  rule.rule_name = "Alarm";
  rule.rule_execution_id = "r-1";
  rule.status = domain::ActionStatus::kFailed;
  rule.start_time = At(2);
  rule.last_update_time = At(3);
  rule.category = "Rule";
  rule.owner = "AWS";
  rule.provider = "CloudWatchAlarm";
  rule.version = "1";
  rule.region = "us-east-1";
  rule.error_code = "RuleFailed";
  rule.error_message = "alarm";
  page.records = {{"e-1", 4, "Build", rule}};
  const json detail = json::parse(EncodeRuleExecutionPage(page))["ruleExecutionDetails"][0];
  EXPECT_EQ(detail["pipelineExecutionId"], "e-1");
  EXPECT_EQ(detail["ruleExecutionId"], "r-1");
  EXPECT_EQ(detail["pipelineVersion"], 4);
  EXPECT_EQ(detail["stageName"], "Build");
  EXPECT_EQ(detail["ruleName"], "Alarm");
  EXPECT_EQ(detail["startTime"], kT0 + 2);
  EXPECT_EQ(detail["status"], "Failed");
  EXPECT_EQ(detail["input"]["ruleTypeId"]["provider"], "CloudWatchAlarm");
  EXPECT_FALSE(detail["input"].contains("roleArn"));
  EXPECT_EQ(detail["output"],
            (json{{"executionResult", {{"errorDetails", {{"code", "RuleFailed"}, {"message", "alarm"}}}}}}));
}

class ExecutionOpsTest : public ApiTest {
 protected:
  ExecutionOpsTest() {
    RegisterExecutionOps(table_, executions_);
    CreatePipeline(ApprovalPipeline());
  }

  // A waits in Approve; B has left Source and waits to enter Approve.
  void TwoExecutions() {
    a_ = CallOk("StartPipelineExecution", {{"name", "demo"}})["pipelineExecutionId"].get<std::string>();
    Step();
    b_ = CallOk("StartPipelineExecution", {{"name", "demo"}})["pipelineExecutionId"].get<std::string>();
    Step();
  }

  std::string a_, b_;
};

TEST_F(ExecutionOpsTest, StateShowsLatestAndInboundExecutionsAndTheSourceRevision) {
  TwoExecutions();
  const json state = CallOk("GetPipelineState", {{"name", "demo"}});
  EXPECT_EQ(state["pipelineVersion"], 1);
  EXPECT_EQ(state["created"], kT0);
  const json& source = state["stageStates"][0];
  EXPECT_EQ(source["latestExecution"],
            (json{{"pipelineExecutionId", b_}, {"status", "Succeeded"}, {"type", "STANDARD"}}));
  EXPECT_EQ(source["inboundExecutions"], json::array());
  const json& latest = source["actionStates"][0]["latestExecution"];
  EXPECT_EQ(latest["status"], "Succeeded");
  EXPECT_EQ(latest["lastStatusChange"], kT0 + 2);
  ASSERT_TRUE(latest["externalExecutionId"].is_string());
  EXPECT_EQ(source["actionStates"][0]["currentRevision"],
            (json{{"revisionId", latest["externalExecutionId"]},
                  {"revisionChangeId", latest["externalExecutionId"]},
                  {"created", kT0 + 2}}));

  const json& approve = state["stageStates"][1];
  EXPECT_EQ(approve["latestExecution"],
            (json{{"pipelineExecutionId", a_}, {"status", "InProgress"}, {"type", "STANDARD"}}));
  const json waiting = {{"pipelineExecutionId", b_}, {"status", "InProgress"}, {"type", "STANDARD"}};
  EXPECT_EQ(approve["inboundExecutions"], json::array({waiting}));
  EXPECT_EQ(approve["inboundExecution"], waiting);
  EXPECT_TRUE(approve["actionStates"][0]["latestExecution"]["token"].is_string());
  EXPECT_FALSE(approve["actionStates"][0].contains("currentRevision"));

  EXPECT_EQ(CallError("GetPipelineState", {{"name", "nope"}}), ErrorCode::kPipelineNotFound);
}

TEST_F(ExecutionOpsTest, StartAndGetExecution) {
  EXPECT_EQ(CallError("StartPipelineExecution", {{"name", "nope"}}), ErrorCode::kPipelineNotFound);
  const auto id =
      CallOk("StartPipelineExecution", {{"name", "demo"}})["pipelineExecutionId"].get<std::string>();
  Step();
  const json execution =
      CallOk("GetPipelineExecution", {{"pipelineName", "demo"}, {"pipelineExecutionId", id}})
          ["pipelineExecution"];
  EXPECT_EQ(execution["pipelineName"], "demo");
  EXPECT_EQ(execution["pipelineVersion"], 1);
  EXPECT_EQ(execution["pipelineExecutionId"], id);
  EXPECT_EQ(execution["status"], "InProgress");
  EXPECT_EQ(execution["trigger"],
            (json{{"triggerType", "StartPipelineExecution"}, {"triggerDetail", kRootArn}}));
  EXPECT_EQ(execution["executionMode"], "SUPERSEDED");
  EXPECT_EQ(execution["executionType"], "STANDARD");
  ASSERT_EQ(execution["artifactRevisions"].size(), 1U);
  EXPECT_EQ(execution["artifactRevisions"][0]["name"], "src");
  EXPECT_FALSE(execution.contains("statusSummary"));
  EXPECT_FALSE(execution.contains("rollbackMetadata"));

  EXPECT_EQ(CallError("GetPipelineExecution", {{"pipelineName", "demo"},
                                               {"pipelineExecutionId", "00000000-0000-0000-0000-000000000000"}}),
            ErrorCode::kPipelineExecutionNotFound);
  EXPECT_EQ(CallError("GetPipelineExecution", {{"pipelineName", "demo"}, {"pipelineExecutionId", "x"}}),
            ErrorCode::kValidation);  // not an execution id
}

TEST_F(ExecutionOpsTest, ListExecutionsNewestFirstInPages) {
  TwoExecutions();
  const json all = CallOk("ListPipelineExecutions", {{"pipelineName", "demo"}});
  ASSERT_EQ(all["pipelineExecutionSummaries"].size(), 2U);
  EXPECT_FALSE(all.contains("nextToken"));
  const json& newest = all["pipelineExecutionSummaries"][0];
  EXPECT_EQ(newest["pipelineExecutionId"], b_);
  EXPECT_EQ(newest["startTime"], kT0 + 1);
  EXPECT_EQ(newest["sourceRevisions"][0]["actionName"], "Source");
  EXPECT_FALSE(newest.contains("stopTrigger"));
  EXPECT_EQ(all["pipelineExecutionSummaries"][1]["pipelineExecutionId"], a_);
  EXPECT_EQ(all["pipelineExecutionSummaries"][1]["startTime"], kT0);

  const json first = CallOk("ListPipelineExecutions", {{"pipelineName", "demo"}, {"maxResults", 1}});
  ASSERT_EQ(first["pipelineExecutionSummaries"].size(), 1U);
  ASSERT_TRUE(first["nextToken"].is_string());
  const json second = CallOk("ListPipelineExecutions", {{"pipelineName", "demo"},
                                                        {"nextToken", first["nextToken"]}});
  ASSERT_EQ(second["pipelineExecutionSummaries"].size(), 1U);
  EXPECT_EQ(second["pipelineExecutionSummaries"][0]["pipelineExecutionId"], a_);

  // Neither has succeeded in Approve yet.
  EXPECT_EQ(CallOk("ListPipelineExecutions", {{"pipelineName", "demo"},
                                              {"filter", {{"succeededInStage", {{"stageName", "Approve"}}}}}})
                ["pipelineExecutionSummaries"],
            json::array());
  EXPECT_EQ(CallError("ListPipelineExecutions", {{"pipelineName", "demo"}, {"nextToken", "bogus"}}),
            ErrorCode::kInvalidNextToken);
  EXPECT_EQ(CallError("ListPipelineExecutions", {{"pipelineName", "nope"}}), ErrorCode::kPipelineNotFound);
}

TEST_F(ExecutionOpsTest, ListActionExecutionsOfOneExecution) {
  TwoExecutions();
  const json page = CallOk("ListActionExecutions", {{"pipelineName", "demo"},
                                                    {"filter", {{"pipelineExecutionId", a_}}}});
  const json& details = page["actionExecutionDetails"];
  ASSERT_EQ(details.size(), 2U);
  EXPECT_EQ(details[0]["actionName"], "Approve");  // newest first
  EXPECT_EQ(details[0]["status"], "InProgress");
  EXPECT_EQ(details[0]["startTime"], kT0 + 1);
  const json& source = details[1];
  EXPECT_EQ(source["pipelineExecutionId"], a_);
  EXPECT_EQ(source["status"], "Succeeded");
  EXPECT_EQ(source["input"]["configuration"], (json{{"RepositoryName", "repo"}, {"BranchName", "main"}}));
  EXPECT_EQ(source["output"]["outputArtifacts"][0]["s3location"]["bucket"], "artifact-bucket");
  EXPECT_FALSE(source["input"].contains("roleArn"));

  const json all = CallOk("ListActionExecutions", {{"pipelineName", "demo"}, {"maxResults", 2}});
  EXPECT_EQ(all["actionExecutionDetails"].size(), 2U);
  EXPECT_TRUE(all["nextToken"].is_string());
  EXPECT_EQ(CallError("ListActionExecutions",
                      {{"pipelineName", "demo"},
                       {"filter", {{"pipelineExecutionId", "00000000-0000-0000-0000-000000000000"}}}}),
            ErrorCode::kPipelineExecutionNotFound);
}

}  // namespace
}  // namespace sluice::api
