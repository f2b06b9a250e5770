// ListDeployActionExecutionTargets: DecodeDeployTargetQuery (filters,
// default page size), EncodeDeployTargetPage (optional times and event
// context omitted), and the operation over a deploy action the engine ran.
#include "sluice/api/deploy_target_ops.h"

#include <gtest/gtest.h>

#include "api/api_fixture.h"

namespace sluice::api {
namespace {

using std::chrono::seconds;

TEST(DeployTargetCodecTest, DecodeQuery) {
  const auto query = DecodeDeployTargetQuery(
      {{"actionExecutionId", "a-1"},
       {"filters", {{{"name", "TARGET_STATUS"}, {"values", {"Failed", "Succeeded"}}},
                    {{"name", "TARGET_STATUS"}, {"values", json::array()}}}}});
  EXPECT_FALSE(query.pipeline.has_value());
  EXPECT_EQ(query.action_execution_id, "a-1");
  EXPECT_EQ(query.status_filters, (std::vector<std::set<std::string>>{{"Failed", "Succeeded"}}));
  EXPECT_EQ(query.max_results, 100U);
  EXPECT_FALSE(query.next_token.has_value());

  const auto paged = DecodeDeployTargetQuery(
      {{"pipelineName", "demo"}, {"actionExecutionId", "a-1"}, {"maxResults", 5}, {"nextToken", "t"}});
  EXPECT_EQ(paged.pipeline, "demo");
  EXPECT_EQ(paged.max_results, 5U);
  EXPECT_EQ(paged.next_token, "t");
}

TEST(DeployTargetCodecTest, EncodePage) {
  const Clock::TimePoint start(seconds(1'700'000'000));
  domain::DeployTargetPage page;
  domain::DeployTarget& target = page.targets.emplace_back();
  target.target_id = "i-0123";
  target.target_type = "EC2";
  target.status = "Failed";
  target.start_time = start;
  target.end_time = start + seconds(9);
  target.events = {{"DownloadBundle", "Succeeded", start, start + seconds(3), "cmd-1", ""},
                   {"Install", "Failed", start + seconds(3), start + seconds(9), "cmd-2", "broke"},
                   {"ValidateService", "Pending", std::nullopt, std::nullopt, "", ""}};
  page.next_token = "more";
  EXPECT_EQ(json::parse(EncodeDeployTargetPage(page)),
            (json{{"targets",
                   {{{"targetId", "i-0123"},
                     {"targetType", "EC2"},
                     {"status", "Failed"},
                     {"startTime", kT0},
                     {"endTime", kT0 + 9},
                     {"events",
                      {{{"name", "DownloadBundle"}, {"status", "Succeeded"}, {"startTime", kT0},
                        {"endTime", kT0 + 3}, {"context", {{"ssmCommandId", "cmd-1"}}}},
                       {{"name", "Install"}, {"status", "Failed"}, {"startTime", kT0 + 3},
                        {"endTime", kT0 + 9}, {"context", {{"ssmCommandId", "cmd-2"}, {"message", "broke"}}}},
                       {{"name", "ValidateService"}, {"status", "Pending"}}}}}}},
                  {"nextToken", "more"}}));
  EXPECT_EQ(json::parse(EncodeDeployTargetPage({})), (json{{"targets", json::array()}}));
}

class DeployTargetOpsTest : public ApiTest {
 protected:
  DeployTargetOpsTest() {
    RegisterDeployTargetOps(table_, targets_);
    json pipeline = sluice::testing::TwoStagePipeline();
    pipeline["stages"][1] = json::parse(R"({"name": "Deploy", "actions": [{"name": "Deploy",
        "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"BucketName": "site", "Extract": "true"},
        "inputArtifacts": [{"name": "src"}]}]})");
    CreatePipeline(pipeline);
    const std::string id = Start("demo");
    Step(2);
    deploy_id_ = engine_.Find(kApiScope, "demo", id)->stage_runs.at(1).actions.at(0).action_execution_id;
  }

  domain::DeployTargetService targets_{repository_, engine_};
  std::string deploy_id_;
};

TEST_F(DeployTargetOpsTest, ListsTheResourceTheActionDeployedTo) {
  const json expected = {{"targets",
                          {{{"targetId", "site"},
                            {"targetType", "AWS::S3::Bucket"},
                            {"status", "Succeeded"},
                            {"startTime", kT0 + 1},
                            {"endTime", kT0 + 2},
                            {"events", json::array()}}}}};
  EXPECT_EQ(CallOk("ListDeployActionExecutionTargets", {{"actionExecutionId", deploy_id_}}), expected);
  EXPECT_EQ(CallOk("ListDeployActionExecutionTargets", {{"pipelineName", "demo"}, {"actionExecutionId", deploy_id_}}),
            expected);
  const json failed_only = {{"name", "TARGET_STATUS"}, {"values", json::array({"Failed"})}};
  EXPECT_EQ(CallOk("ListDeployActionExecutionTargets",
                   {{"actionExecutionId", deploy_id_}, {"filters", json::array({failed_only})}}),
            (json{{"targets", json::array()}}));
}

TEST_F(DeployTargetOpsTest, Errors) {
  EXPECT_EQ(CallError("ListDeployActionExecutionTargets", {{"pipelineName", "nope"}, {"actionExecutionId", deploy_id_}}),
            ErrorCode::kPipelineNotFound);
  EXPECT_EQ(CallError("ListDeployActionExecutionTargets", {{"actionExecutionId", "missing"}}),
            ErrorCode::kActionExecutionNotFound);
  EXPECT_EQ(CallError("ListDeployActionExecutionTargets", {{"actionExecutionId", deploy_id_}, {"nextToken", "bogus"}}),
            ErrorCode::kInvalidNextToken);
  EXPECT_EQ(CallError("ListDeployActionExecutionTargets", json::object()), ErrorCode::kValidation);
}

}  // namespace
}  // namespace sluice::api
