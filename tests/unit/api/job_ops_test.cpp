// Job worker operations through the OperationTable: EncodeJobData's shape
// (artifact locations, derived credentials, continuation token), which
// owners PollForJobs accepts (Custom types that exist, and AWS providers
// handed to workers by EngineOptions::external_providers), and a job's
// round trip: poll, acknowledge, details, success or failure.
#include "sluice/api/job_ops.h"

#include <gtest/gtest.h>

#include "api/api_fixture.h"
#include "sluice/api/action_type_ops.h"

namespace sluice::api {
namespace {

constexpr const char* kNoSuchJob = "00000000-0000-0000-0000-000000000000";

json TypeId(const std::string& category, const std::string& owner, const std::string& provider) {
  return {{"category", category}, {"owner", owner}, {"provider", provider}, {"version", "1"}};
}

TEST(EncodeJobDataTest, ShapeWithLocationsCredentialsAndContinuation) {
  domain::Job job;
  job.id = "0f3a5c1e-aaaa-4bbb-8ccc-123456789abc";
  job.scope = {"123456789012", "eu-west-1"};
  job.type = {"Build", "Custom", "MyBuilder", "1"};
  job.pipeline_name = "demo";
  job.execution_id = "e-1";
  job.stage_name = "Build";
  job.action_name = "Compile";
  job.action_execution_id = "a-1";
  job.configuration = {{"ProjectName", "web"}};
  job.input_artifacts = {{"src", "bucket", "demo/src/k1"}};
  job.output_artifacts = {{"out", "", ""}};  // no location yet
  job.continuation_token = "round-2";
  EXPECT_EQ(json::parse(EncodeJobData(job)),
            (json{{"actionTypeId", TypeId("Build", "Custom", "MyBuilder")},
                  {"actionConfiguration", {{"configuration", {{"ProjectName", "web"}}}}},
                  {"pipelineContext",
                   {{"pipelineName", "demo"},
                    {"stage", {{"name", "Build"}}},
                    {"action", {{"name", "Compile"}, {"actionExecutionId", "a-1"}}},
                    {"pipelineArn", "arn:aws:codepipeline:eu-west-1:123456789012:demo"},
                    {"pipelineExecutionId", "e-1"}}},
                  {"inputArtifacts",
                   {{{"name", "src"},
                     {"location",
                      {{"type", "S3"}, {"s3Location", {{"bucketName", "bucket"}, {"objectKey", "demo/src/k1"}}}}}}}},
                  {"outputArtifacts", {{{"name", "out"}}}},
                  {"artifactCredentials",
                   {{"accessKeyId", "ASIA0F3A5C1EAAAA4BBB"},
                    {"secretAccessKey", "0F3A5C1EAAAA4BBB8CCC123456789ABC0F3A5C1E"},
                    {"sessionToken", "sluice-session-0f3a5c1e-aaaa-4bbb-8ccc-123456789abc"}}},
                  {"continuationToken", "round-2"}}));
  job.continuation_token.clear();
  EXPECT_FALSE(json::parse(EncodeJobData(job)).contains("continuationToken"));
}

domain::EngineOptions WithExternalCodeBuild() {
  domain::EngineOptions options = ApiEngineOptions();
  options.external_providers = {"CodeBuild"};
  return options;
}

class JobOpsTest : public ApiTest {
 protected:
  JobOpsTest() : ApiTest(WithExternalCodeBuild()) {
    RegisterJobOps(table_, engine_, action_types_);
    RegisterActionTypeOps(table_, action_types_);
    CallOk("CreateCustomActionType",
           {{"category", "Build"},
            {"provider", "MyBuilder"},
            {"version", "1"},
            {"configurationProperties",
             {{{"name", "ProjectName"}, {"required", true}, {"key", true}, {"secret", false}}}},
            {"inputArtifactDetails", {{"minimumCount", 0}, {"maximumCount", 5}}},
            {"outputArtifactDetails", {{"minimumCount", 0}, {"maximumCount", 5}}}});
    json pipeline = sluice::testing::TwoStagePipeline();
    pipeline["stages"][1]["actions"][0]["actionTypeId"] = TypeId("Build", "Custom", "MyBuilder");
    CreatePipeline(pipeline);
  }

  // Starts an execution and steps it into Build; returns the polled job.
  json PolledJob() {
    execution_ = Start("demo");
    Step();
    const json jobs = CallOk("PollForJobs", {{"actionTypeId", TypeId("Build", "Custom", "MyBuilder")}})["jobs"];
    EXPECT_EQ(jobs.size(), 1U);
    return jobs.empty() ? json::object() : jobs[0];
  }

  domain::ActionRun BuildRun() {
    return engine_.Find(kApiScope, "demo", execution_)->stage_runs.at(1).actions.back();
  }

  std::string execution_;
};

TEST_F(JobOpsTest, PollForJobsAcceptsCustomAndExternalAwsOwnersOnly) {
  struct Case {
    json type;
    std::optional<ErrorCode> error;
  };
  const Case cases[] = {
      {TypeId("Build", "Custom", "MyBuilder"), std::nullopt},
      {TypeId("Build", "AWS", "CodeBuild"), std::nullopt},  // in external_providers
      {TypeId("Build", "Custom", "Unknown"), ErrorCode::kActionTypeNotFound},
      {TypeId("Deploy", "AWS", "S3"), ErrorCode::kValidation},
      {TypeId("Source", "ThirdParty", "GitHub"), ErrorCode::kValidation},
  };
  for (const Case& c : cases) {
    auto result = Call("PollForJobs", {{"actionTypeId", c.type}});
    if (c.error) {
      ASSERT_FALSE(result.ok()) << c.type.dump();
      EXPECT_EQ(result.error().code(), *c.error) << c.type.dump();
    } else {
      ASSERT_TRUE(result.ok()) << c.type.dump() << ": " << result.error().message();
      EXPECT_EQ(*result, (json{{"jobs", json::array()}}));
    }
  }
}

TEST_F(JobOpsTest, AwsProvidersNotHandedOutAreNotPollable) {
  domain::ExecutionEngine engine(clock_, ApiEngineOptions());
  OperationTable table;
  RegisterJobOps(table, engine, action_types_);
  auto result = table.Invoke(context_, *model::FindOperation("PollForJobs"),
                             {{"actionTypeId", TypeId("Build", "AWS", "CodeBuild")}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kValidation);
}

TEST_F(JobOpsTest, PollAcknowledgeDetailsAndSucceed) {
  const json job = PolledJob();
  const auto id = job["id"].get<std::string>();
  EXPECT_EQ(job["accountId"], "123456789012");
  ASSERT_TRUE(job["nonce"].is_string());
  const json& data = job["data"];
  EXPECT_EQ(data["actionTypeId"], TypeId("Build", "Custom", "MyBuilder"));
  EXPECT_EQ(data["actionConfiguration"], (json{{"configuration", {{"ProjectName", "project"}}}}));
  EXPECT_EQ(data["pipelineContext"]["pipelineExecutionId"], execution_);
  EXPECT_EQ(data["pipelineContext"]["action"]["actionExecutionId"], BuildRun().action_execution_id);
  EXPECT_EQ(data["inputArtifacts"][0]["location"]["s3Location"]["bucketName"], "artifact-bucket");
  EXPECT_EQ(data["outputArtifacts"], json::array());
  EXPECT_EQ(data["artifactCredentials"]["sessionToken"], "sluice-session-" + id);
  // Handed out once.
  EXPECT_EQ(CallOk("PollForJobs", {{"actionTypeId", TypeId("Build", "Custom", "MyBuilder")}})["jobs"],
            json::array());

  EXPECT_EQ(CallError("AcknowledgeJob", {{"jobId", id}, {"nonce", "wrong"}}), ErrorCode::kInvalidNonce);
  EXPECT_EQ(CallOk("AcknowledgeJob", {{"jobId", id}, {"nonce", job["nonce"]}}),
            (json{{"status", "InProgress"}}));
  EXPECT_EQ(CallOk("GetJobDetails", {{"jobId", id}}),
            (json{{"jobDetails", {{"id", id}, {"data", data}, {"accountId", "123456789012"}}}}));

  EXPECT_EQ(CallOk("PutJobSuccessResult",
                   {{"jobId", id},
                    {"executionDetails",
                     {{"summary", "built"}, {"externalExecutionId", "b-1"}, {"percentComplete", 100}}}}),
            json::object());
  const domain::ActionRun build = BuildRun();
  EXPECT_EQ(build.status, domain::ActionStatus::kSucceeded);
  EXPECT_EQ(build.summary, "built");
  EXPECT_EQ(build.external_execution_id, "b-1");
  EXPECT_EQ(CallError("PutJobSuccessResult", {{"jobId", id}}), ErrorCode::kInvalidJobState);
  EXPECT_EQ(CallError("GetJobDetails", {{"jobId", kNoSuchJob}}), ErrorCode::kJobNotFound);
}

TEST_F(JobOpsTest, FailureFailsTheAction) {
  const auto id = PolledJob()["id"].get<std::string>();
  EXPECT_EQ(CallOk("PutJobFailureResult",
                   {{"jobId", id}, {"failureDetails", {{"type", "JobFailed"}, {"message", "boom"}}}}),
            json::object());
  const domain::ActionRun build = BuildRun();
  EXPECT_EQ(build.status, domain::ActionStatus::kFailed);
  EXPECT_EQ(build.error_code, "JobFailed");
  EXPECT_EQ(build.error_message, "boom");
  EXPECT_EQ(CallError("PutJobFailureResult", {{"jobId", kNoSuchJob},
                                              {"failureDetails", {{"type", "JobFailed"}, {"message", "x"}}}}),
            ErrorCode::kJobNotFound);
}

TEST_F(JobOpsTest, ThirdPartyOperationsFindNothingToDo) {
  EXPECT_EQ(CallOk("PollForThirdPartyJobs", {{"actionTypeId", TypeId("Source", "ThirdParty", "GitHub")}}),
            (json{{"jobs", json::array()}}));
  EXPECT_EQ(CallError("GetThirdPartyJobDetails", {{"jobId", kNoSuchJob}, {"clientToken", "c"}}),
            ErrorCode::kJobNotFound);
  EXPECT_EQ(CallError("AcknowledgeThirdPartyJob", {{"jobId", kNoSuchJob}, {"nonce", "n"}, {"clientToken", "c"}}),
            ErrorCode::kJobNotFound);
}

}  // namespace
}  // namespace sluice::api
