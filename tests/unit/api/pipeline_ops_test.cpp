// Pipeline CRUD through the OperationTable: CreatePipeline, GetPipeline,
// UpdatePipeline, DeletePipeline and ListPipelines response shapes (defaults
// applied, metadata with epoch-second timestamps, omitted tags and
// nextToken), their errors, and the first execution CreatePipeline starts.
#include "sluice/api/pipeline_ops.h"

#include <gtest/gtest.h>

#include "api/api_fixture.h"

namespace sluice::api {
namespace {

using PipelineOpsTest = ApiTest;

TEST_F(PipelineOpsTest, CreateAnswersTheDeclarationWithDefaults) {
  const json created = CallOk("CreatePipeline", {{"pipeline", sluice::testing::TwoStagePipeline()}});
  ASSERT_TRUE(created.contains("pipeline"));
  EXPECT_FALSE(created.contains("tags"));  // none given
  const json& pipeline = created["pipeline"];
  EXPECT_EQ(pipeline["name"], "demo");
  EXPECT_EQ(pipeline["version"], 1);
  EXPECT_EQ(pipeline["pipelineType"], "V2");
  EXPECT_EQ(pipeline["executionMode"], "SUPERSEDED");
  const json& build = pipeline["stages"][1]["actions"][0];
  EXPECT_EQ(build["runOrder"], 1);
  EXPECT_EQ(build["outputArtifacts"], json::array());
  EXPECT_EQ(build["inputArtifacts"], (json::array({{{"name", "src"}}})));
  EXPECT_TRUE(engine_.List(kApiScope, "demo").empty());  // start_on_create is off here
}

TEST_F(PipelineOpsTest, CreateEchoesTagsAndRefusesBadOnes) {
  const json tags = json::array({{{"key", "team"}, {"value", "web"}}});
  const json created =
      CallOk("CreatePipeline", {{"pipeline", sluice::testing::TwoStagePipeline("t")}, {"tags", tags}});
  EXPECT_EQ(created["tags"], tags);

  struct Case {
    json input;
    ErrorCode code;
  };
  const Case cases[] = {
      {{{"pipeline", sluice::testing::TwoStagePipeline("t")}}, ErrorCode::kPipelineNameInUse},
      {{{"pipeline", sluice::testing::TwoStagePipeline("u")},
        {"tags", json::array({{{"key", "aws:x"}, {"value", "y"}}})}},
       ErrorCode::kInvalidTags},
      {json::object(), ErrorCode::kValidation},
  };
  for (const Case& c : cases) EXPECT_EQ(CallError("CreatePipeline", c.input), c.code) << c.input.dump();
  EXPECT_EQ(CallError("GetPipeline", {{"name", "u"}}), ErrorCode::kPipelineNotFound);
}

TEST_F(PipelineOpsTest, StartOnCreateRunsTheFirstExecutionAsTheCaller) {
  OperationTable table;
  RegisterPipelineOps(table, pipelines_, {&executions_, true});
  ASSERT_TRUE(table.Invoke(context_, *model::FindOperation("CreatePipeline"),
                           {{"pipeline", sluice::testing::TwoStagePipeline("auto")}})
                  .ok());
  const auto executions = engine_.List(kApiScope, "auto");
  ASSERT_EQ(executions.size(), 1U);
  EXPECT_EQ(executions[0].trigger.type, "CreatePipeline");
  EXPECT_EQ(executions[0].trigger.detail, kRootArn);
}

TEST_F(PipelineOpsTest, GetAnswersPipelineAndMetadataPerVersion) {
  CreatePipeline(sluice::testing::TwoStagePipeline());
  clock_.Advance(std::chrono::seconds(5));
  json changed = sluice::testing::TwoStagePipeline();
  changed["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "other";
  const json updated = CallOk("UpdatePipeline", {{"pipeline", changed}});
  EXPECT_EQ(updated["pipeline"]["version"], 2);
  EXPECT_FALSE(updated.contains("metadata"));

  const json latest = CallOk("GetPipeline", {{"name", "demo"}});
  EXPECT_EQ(latest["pipeline"]["version"], 2);
  EXPECT_EQ(latest["metadata"], (json{{"pipelineArn", "arn:aws:codepipeline:us-east-1:123456789012:demo"},
                                      {"created", kT0},
                                      {"updated", kT0 + 5}}));
  const json first = CallOk("GetPipeline", {{"name", "demo"}, {"version", 1}});
  EXPECT_EQ(first["pipeline"]["version"], 1);
  EXPECT_EQ(first["pipeline"]["stages"][1]["actions"][0]["configuration"]["ProjectName"], "project");

  EXPECT_EQ(CallError("GetPipeline", {{"name", "demo"}, {"version", 3}}),
            ErrorCode::kPipelineVersionNotFound);
  EXPECT_EQ(CallError("UpdatePipeline", {{"pipeline", sluice::testing::TwoStagePipeline("nope")}}),
            ErrorCode::kPipelineNotFound);
}

TEST_F(PipelineOpsTest, ListPagesSummaries) {
  CreatePipeline(sluice::testing::TwoStagePipeline("b"));
  clock_.Advance(std::chrono::seconds(2));
  CreatePipeline(sluice::testing::TwoStagePipeline("a"));

  const json all = CallOk("ListPipelines", json::object());
  EXPECT_FALSE(all.contains("nextToken"));
  ASSERT_EQ(all["pipelines"].size(), 2U);
  EXPECT_EQ(all["pipelines"][0], (json{{"name", "a"},
                                       {"version", 1},
                                       {"pipelineType", "V2"},
                                       {"executionMode", "SUPERSEDED"},
                                       {"created", kT0 + 2},
                                       {"updated", kT0 + 2}}));
  EXPECT_EQ(all["pipelines"][1]["name"], "b");

  const json first = CallOk("ListPipelines", {{"maxResults", 1}});
  ASSERT_EQ(first["pipelines"].size(), 1U);
  EXPECT_EQ(first["pipelines"][0]["name"], "a");
  ASSERT_TRUE(first["nextToken"].is_string());
  const json second = CallOk("ListPipelines", {{"maxResults", 1}, {"nextToken", first["nextToken"]}});
  ASSERT_EQ(second["pipelines"].size(), 1U);
  EXPECT_EQ(second["pipelines"][0]["name"], "b");
  EXPECT_FALSE(second.contains("nextToken"));

  EXPECT_EQ(CallError("ListPipelines", {{"nextToken", "bogus"}}), ErrorCode::kInvalidNextToken);
  EXPECT_EQ(CallError("ListPipelines", {{"maxResults", 1001}}), ErrorCode::kValidation);
}

TEST_F(PipelineOpsTest, DeleteAnswersEmptyAndForgetsExecutions) {
  CreatePipeline(sluice::testing::TwoStagePipeline());
  Start("demo");
  ASSERT_EQ(engine_.List(kApiScope, "demo").size(), 1U);
  EXPECT_EQ(CallOk("DeletePipeline", {{"name", "demo"}}), json::object());
  EXPECT_TRUE(engine_.List(kApiScope, "demo").empty());
  EXPECT_EQ(CallError("GetPipeline", {{"name", "demo"}}), ErrorCode::kPipelineNotFound);
  // Deleting what does not exist succeeds, as in AWS.
  EXPECT_EQ(CallOk("DeletePipeline", {{"name", "demo"}}), json::object());
}

TEST_F(PipelineOpsTest, PipelinesAreKeptApartByAccountAndRegion) {
  CreatePipeline(sluice::testing::TwoStagePipeline());
  context_.region = "eu-west-1";
  EXPECT_EQ(CallOk("ListPipelines", json::object())["pipelines"], json::array());
  EXPECT_EQ(CallError("GetPipeline", {{"name", "demo"}}), ErrorCode::kPipelineNotFound);
}

}  // namespace
}  // namespace sluice::api
