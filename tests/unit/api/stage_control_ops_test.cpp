// Operations on executions in flight, through the OperationTable:
// StopPipelineExecution, RetryStageExecution, Disable/EnableStageTransition,
// PutApprovalResult, PutActionRevision, RollbackStage and
// OverrideStageCondition: their response shapes and error codes, with the
// effect read back through GetPipelineState and GetPipelineExecution.
#include "sluice/api/stage_control_ops.h"

#include <gtest/gtest.h>

#include "api/api_fixture.h"
#include "sluice/api/execution_ops.h"

namespace sluice::api {
namespace {

constexpr const char* kNoSuchId = "00000000-0000-0000-0000-000000000000";

class StageControlOpsTest : public ApiTest {
 protected:
  StageControlOpsTest() {
    RegisterStageControlOps(table_, executions_);
    RegisterExecutionOps(table_, executions_);
    CreatePipeline(ApprovalPipeline());
  }

  // An execution waiting in Approve.
  std::string Waiting() {
    const std::string id = Start("demo");
    Step();
    return id;
  }

  json StageState(std::size_t index) {
    return CallOk("GetPipelineState", {{"name", "demo"}})["stageStates"][index];
  }

  std::string StatusOf(const std::string& id) {
    return CallOk("GetPipelineExecution", {{"pipelineName", "demo"}, {"pipelineExecutionId", id}})
        ["pipelineExecution"]["status"]
            .get<std::string>();
  }

  static json Approval(const std::string& token, const std::string& status = "Approved") {
    return {{"pipelineName", "demo"},
            {"stageName", "Approve"},
            {"actionName", "Approve"},
            {"result", {{"summary", "ok"}, {"status", status}}},
            {"token", token}};
  }
};

TEST_F(StageControlOpsTest, TransitionsDisableWithReasonAndEnable) {
  const json disable = {{"pipelineName", "demo"},
                        {"stageName", "Approve"},
                        {"transitionType", "Inbound"},
                        {"reason", "release freeze"}};
  EXPECT_EQ(CallOk("DisableStageTransition", disable), json::object());
  EXPECT_EQ(StageState(1)["inboundTransitionState"], (json{{"enabled", false},
                                                           {"lastChangedBy", kRootArn},
                                                           {"lastChangedAt", kT0},
                                                           {"disabledReason", "release freeze"}}));
  EXPECT_EQ(CallOk("EnableStageTransition", {{"pipelineName", "demo"},
                                             {"stageName", "Approve"},
                                             {"transitionType", "Inbound"}}),
            json::object());
  EXPECT_EQ(StageState(1)["inboundTransitionState"], (json{{"enabled", true}}));

  json bad = disable;
  bad["stageName"] = "Nope";
  EXPECT_EQ(CallError("DisableStageTransition", bad), ErrorCode::kStageNotFound);
  bad["pipelineName"] = "nope";
  EXPECT_EQ(CallError("DisableStageTransition", bad), ErrorCode::kPipelineNotFound);
  bad = disable;
  bad.erase("reason");  // required when disabling
  EXPECT_EQ(CallError("DisableStageTransition", bad), ErrorCode::kValidation);
}

TEST_F(StageControlOpsTest, ApprovalAnswersApprovedAtOnce) {
  const std::string id = Waiting();
  const auto token = StageState(1)["actionStates"][0]["latestExecution"]["token"].get<std::string>();
  clock_.Advance(std::chrono::seconds(4));

  EXPECT_EQ(CallError("PutApprovalResult", Approval(kNoSuchId)), ErrorCode::kInvalidApprovalToken);
  json unknown = Approval(token);
  unknown["actionName"] = "Other";
  EXPECT_EQ(CallError("PutApprovalResult", unknown), ErrorCode::kActionNotFound);

  EXPECT_EQ(CallOk("PutApprovalResult", Approval(token)), (json{{"approvedAt", kT0 + 5}}));
  const json latest = StageState(1)["actionStates"][0]["latestExecution"];
  EXPECT_EQ(latest["status"], "Succeeded");
  EXPECT_EQ(latest["summary"], "ok");
  EXPECT_EQ(latest["lastUpdatedBy"], kRootArn);
  EXPECT_FALSE(latest.contains("token"));  // answered
  EXPECT_EQ(StatusOf(id), "Succeeded");
  EXPECT_EQ(CallError("PutApprovalResult", Approval(token, "Rejected")),
            ErrorCode::kApprovalAlreadyCompleted);
}

TEST_F(StageControlOpsTest, StopThenAbandonThenRetry) {
  const std::string id = Waiting();
  const json stop = {{"pipelineName", "demo"}, {"pipelineExecutionId", id}, {"reason", "enough"}};
  EXPECT_EQ(CallOk("StopPipelineExecution", stop), (json{{"pipelineExecutionId", id}}));
  EXPECT_EQ(StatusOf(id), "Stopping");  // the approval still waits
  EXPECT_EQ(CallError("StopPipelineExecution", stop), ErrorCode::kDuplicatedStopRequest);
  json abandon = stop;
  abandon["abandon"] = true;
  EXPECT_EQ(CallOk("StopPipelineExecution", abandon), (json{{"pipelineExecutionId", id}}));
  EXPECT_EQ(StatusOf(id), "Stopped");
  EXPECT_EQ(CallError("StopPipelineExecution", abandon), ErrorCode::kPipelineExecutionNotStoppable);
  abandon["pipelineExecutionId"] = kNoSuchId;
  EXPECT_EQ(CallError("StopPipelineExecution", abandon), ErrorCode::kPipelineExecutionNotFound);

  json retry = {{"pipelineName", "demo"},
                {"stageName", "Source"},
                {"pipelineExecutionId", id},
                {"retryMode", "FAILED_ACTIONS"}};
  EXPECT_EQ(CallError("RetryStageExecution", retry), ErrorCode::kStageNotRetryable);
  retry["stageName"] = "Approve";
  EXPECT_EQ(CallOk("RetryStageExecution", retry), (json{{"pipelineExecutionId", id}}));
  EXPECT_EQ(StatusOf(id), "InProgress");
  EXPECT_EQ(StageState(1)["retryStageMetadata"], (json{{"autoStageRetryAttempt", 0},
                                                       {"manualStageRetryAttempt", 1},
                                                       {"latestRetryTrigger", "ManualStageRetry"}}));
  retry["stageName"] = "Nope";
  EXPECT_EQ(CallError("RetryStageExecution", retry), ErrorCode::kStageNotFound);
}

TEST_F(StageControlOpsTest, PutActionRevisionStartsOnceARevision) {
  const json input = {{"pipelineName", "demo"},
                      {"stageName", "Source"},
                      {"actionName", "Source"},
                      {"actionRevision",
                       {{"revisionId", "0123abcd"}, {"revisionChangeId", "0123abcd"}, {"created", kT0}}}};
  const json first = CallOk("PutActionRevision", input);
  EXPECT_EQ(first["newRevision"], true);
  ASSERT_TRUE(first["pipelineExecutionId"].is_string());
  Step();
  const json again = CallOk("PutActionRevision", input);
  EXPECT_EQ(again, (json{{"newRevision", false}, {"pipelineExecutionId", first["pipelineExecutionId"]}}));

  json not_source = input;
  not_source["stageName"] = "Approve";
  not_source["actionName"] = "Approve";
  EXPECT_EQ(CallError("PutActionRevision", not_source), ErrorCode::kValidation);
  not_source["actionName"] = "Nope";
  EXPECT_EQ(CallError("PutActionRevision", not_source), ErrorCode::kActionNotFound);
}

TEST_F(StageControlOpsTest, RollbackAndOverrideErrors) {
  const std::string id = Waiting();
  const json rollback = {{"pipelineName", "demo"}, {"stageName", "Source"}, {"targetPipelineExecutionId", id}};
  EXPECT_EQ(CallError("RollbackStage", rollback), ErrorCode::kUnableToRollbackStage);
  json unknown = rollback;
  unknown["stageName"] = "Approve";
  unknown["targetPipelineExecutionId"] = kNoSuchId;
  EXPECT_EQ(CallError("RollbackStage", unknown), ErrorCode::kPipelineExecutionNotFound);

  const json override_input = {{"pipelineName", "demo"},
                               {"stageName", "Approve"},
                               {"pipelineExecutionId", id},
                               {"conditionType", "BEFORE_ENTRY"}};
  EXPECT_EQ(CallError("OverrideStageCondition", override_input), ErrorCode::kConditionNotOverridable);
  json no_stage = override_input;
  no_stage["stageName"] = "Nope";
  EXPECT_EQ(CallError("OverrideStageCondition", no_stage), ErrorCode::kStageNotFound);
}

}  // namespace
}  // namespace sluice::api
