// The job protocol with the fake clock: polling, acknowledging, continuation
// rounds, success with output variables, failure, timeouts, third-party
// client tokens, and AWS providers handed to outside workers.
#include <gtest/gtest.h>

#include "support/engine_fixture.h"

namespace sluice::domain {
namespace {

const ActionTypeKey kCustomBuild{"Build", "Custom", "MyBuilder", "1"};

// Source -> Build (a custom action, namespace "BuildVariables") -> Deploy,
// whose configuration reads the build's output variable.
json JobPipeline(const std::string& owner = "Custom", const std::string& provider = "MyBuilder") {
  json pipeline = ThreeStagePipeline("SUPERSEDED");
  json& build = pipeline["stages"][1]["actions"][0];
  build["actionTypeId"] = {{"category", "Build"}, {"owner", owner}, {"provider", provider}, {"version", "1"}};
  build["configuration"] = {{"ProjectName", "web"}, {"Branch", "#{variables.Branch}"}};
  build["namespace"] = "BuildVariables";
  build["outputArtifacts"] = json::array({{{"name", "built"}}});
  pipeline["stages"][2]["actions"][0]["configuration"]["BucketName"] = "#{BuildVariables.Bucket}";
  pipeline["variables"] = json::array({{{"name", "Branch"}, {"defaultValue", "main"}}});
  return pipeline;
}

class ExecutionJobsTest : public ExecutionEngineTest {
 protected:
  std::vector<Job> Poll(const ActionTypeKey& type = kCustomBuild, std::size_t max = 10,
                        const std::map<std::string, std::string>& query = {},
                        JobKind kind = JobKind::kCustom) {
    return engine_.PollJobs(kScope, kind, type, max, query);
  }

  // Starts the job pipeline and steps it into Build; returns the polled job.
  Job StartAndPoll(std::string* execution_id = nullptr) {
    const auto id = Start(View(JobPipeline()));
    if (execution_id != nullptr) *execution_id = id;
    Step();
    auto jobs = Poll();
    EXPECT_EQ(jobs.size(), 1u);
    return jobs.empty() ? Job{} : jobs.front();
  }

  const ActionRun& BuildRun(const std::string& id) {
    execution_ = Get(id);
    return execution_.stage_runs.at(1).actions.back();
  }

  PipelineExecution execution_;
};

TEST_F(ExecutionJobsTest, ACustomActionBecomesAJobWithItsContext) {
  std::string id;
  const Job job = StartAndPoll(&id);
  EXPECT_EQ(job.status, JobStatus::kDispatched);
  EXPECT_FALSE(job.nonce.empty());
  EXPECT_EQ(job.pipeline_name, "p");
  EXPECT_EQ(job.execution_id, id);
  EXPECT_EQ(job.stage_name, "Build");
  EXPECT_EQ(job.action_name, "Build");
  EXPECT_EQ(job.action_execution_id, BuildRun(id).action_execution_id);
  EXPECT_EQ(job.configuration.at("Branch"), "main");  // resolved
  ASSERT_EQ(job.input_artifacts.size(), 1u);
  EXPECT_EQ(job.input_artifacts[0].bucket, "artifact-bucket");
  ASSERT_EQ(job.output_artifacts.size(), 1u);
  EXPECT_EQ(job.output_artifacts[0].name, "built");
  EXPECT_TRUE(Poll().empty());  // handed out once
  Step(20);
  EXPECT_EQ(BuildRun(id).status, ActionStatus::kInProgress);  // waits for its worker
}

TEST_F(ExecutionJobsTest, PollMatchesTypeScopeAndQueryParameters) {
  Start(View(JobPipeline()));
  Step();
  EXPECT_TRUE(Poll({"Build", "Custom", "Other", "1"}).empty());
  EXPECT_TRUE(engine_.PollJobs({"999999999999", "us-east-1"}, JobKind::kCustom, kCustomBuild, 10, {})
                  .empty());
  EXPECT_TRUE(Poll(kCustomBuild, 10, {{"ProjectName", "api"}}).empty());
  EXPECT_TRUE(Poll(kCustomBuild, 10, {{"Missing", "x"}}).empty());
  EXPECT_EQ(Poll(kCustomBuild, 10, {{"ProjectName", "web"}}).size(), 1u);
}

TEST_F(ExecutionJobsTest, PollHandsOutAtMostTheBatchSizeOldestFirst) {
  ExecutionEngine parallel(clock_, TestOptions(kStep, 1000, 50, 50));
  json pipeline = JobPipeline();
  pipeline["executionMode"] = "PARALLEL";
  const auto view = View(pipeline);
  const auto first = *parallel.Start(kScope, view, {});
  clock_.Advance(milliseconds(10));
  ASSERT_TRUE(parallel.Start(kScope, view, {}).ok());
  clock_.Advance(kStep);
  parallel.Advance();
  const auto batch = parallel.PollJobs(kScope, JobKind::kCustom, kCustomBuild, 1, {});
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].execution_id, first);
  EXPECT_EQ(parallel.PollJobs(kScope, JobKind::kCustom, kCustomBuild, 5, {}).size(), 1u);
}

TEST_F(ExecutionJobsTest, AcknowledgeChecksTheNonce) {
  const Job job = StartAndPoll();
  const auto wrong = engine_.AcknowledgeJob(kScope, job.id, "not-the-nonce", {});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kInvalidNonce);
  const auto acknowledged = engine_.AcknowledgeJob(kScope, job.id, job.nonce, {});
  ASSERT_TRUE(acknowledged.ok());
  EXPECT_EQ(*acknowledged, JobStatus::kInProgress);
  EXPECT_EQ(engine_.GetJob(kScope, job.id, {})->status, JobStatus::kInProgress);
  const auto unknown = engine_.AcknowledgeJob(kScope, "00000000-0000-4000-8000-000000000000", "n", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kJobNotFound);
  const auto other_account = engine_.GetJob({"999999999999", "us-east-1"}, job.id, {});
  ASSERT_FALSE(other_account.ok());
  EXPECT_EQ(other_account.error().code(), ErrorCode::kJobNotFound);
}

TEST_F(ExecutionJobsTest, AContinuationTokenQueuesAnotherRoundForTheSameAction) {
  std::string id;
  const Job job = StartAndPoll(&id);
  JobSuccess progress;
  progress.continuation_token = "deployment-42";
  progress.percent_complete = 40;
  progress.summary = "halfway";
  ASSERT_TRUE(engine_.SucceedJob(kScope, job.id, progress, {}).ok());
  EXPECT_EQ(BuildRun(id).status, ActionStatus::kInProgress);
  EXPECT_EQ(BuildRun(id).percent_complete, 40);
  EXPECT_EQ(BuildRun(id).summary, "halfway");
  const auto next = Poll();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_NE(next[0].id, job.id);
  EXPECT_EQ(next[0].continuation_token, "deployment-42");
  EXPECT_EQ(next[0].action_execution_id, job.action_execution_id);
  EXPECT_EQ(engine_.GetJob(kScope, job.id, {})->status, JobStatus::kSucceeded);
}

TEST_F(ExecutionJobsTest, SuccessCompletesTheActionWithItsOutputVariables) {
  std::string id;
  const Job job = StartAndPoll(&id);
  JobSuccess success;
  success.external_execution_id = "build-7";
  success.output_variables = {{"Bucket", "release-bucket"}};
  ASSERT_TRUE(engine_.SucceedJob(kScope, job.id, success, {}).ok());
  const ActionRun& build = BuildRun(id);
  EXPECT_EQ(build.status, ActionStatus::kSucceeded);
  EXPECT_EQ(build.external_execution_id, "build-7");
  EXPECT_EQ(build.output_variables.at("Bucket"), "release-bucket");
  ASSERT_EQ(build.output_artifacts.size(), 1u);
  EXPECT_EQ(StageOf(id), "Deploy");
  EXPECT_EQ(Get(id).stage_runs[2].actions[0].resolved_configuration.at("BucketName"),
            "release-bucket");
  const auto again = engine_.SucceedJob(kScope, job.id, {}, {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kInvalidJobState);
}

TEST_F(ExecutionJobsTest, OutputVariablesAreRefusedWithAContinuationAndWhenTooLarge) {
  const Job job = StartAndPoll();
  JobSuccess both;
  both.continuation_token = "t";
  both.output_variables = {{"a", "b"}};
  const auto mixed = engine_.SucceedJob(kScope, job.id, both, {});
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().code(), ErrorCode::kValidation);
  JobSuccess large;
  large.output_variables = {{"big", std::string(122881, 'x')}};
  const auto too_large = engine_.SucceedJob(kScope, job.id, large, {});
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().code(), ErrorCode::kOutputVariablesSizeExceeded);
}

TEST_F(ExecutionJobsTest, FailureFailsTheActionWithTheWorkersDetails) {
  std::string id;
  const Job job = StartAndPoll(&id);
  ASSERT_TRUE(engine_.FailJob(kScope, job.id, {"ConfigurationError", "no such project", "b-1"}, {}).ok());
  const ActionRun& build = BuildRun(id);
  EXPECT_EQ(build.status, ActionStatus::kFailed);
  EXPECT_EQ(build.error_code, "ConfigurationError");
  EXPECT_EQ(build.error_message, "no such project");
  EXPECT_EQ(Status(id), ExecutionStatus::kFailed);
  EXPECT_EQ(engine_.GetJob(kScope, job.id, {})->status, JobStatus::kFailed);
}

TEST_F(ExecutionJobsTest, AJobNotFinishedInTimeTimesOut) {
  EngineOptions options = TestOptions(kStep, 1000, 2, 1);
  options.job_timeout = std::chrono::seconds(1);
  ExecutionEngine engine(clock_, options);
  const auto id = *engine.Start(kScope, View(JobPipeline()), {});
  clock_.Advance(kStep);
  engine.Advance();
  const auto jobs = engine.PollJobs(kScope, JobKind::kCustom, kCustomBuild, 1, {});
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_EQ(engine.NextDue(), clock_.Now() + std::chrono::seconds(1));
  clock_.Advance(std::chrono::seconds(1));
  engine.Advance();
  EXPECT_EQ(engine.Find(kScope, "p", id)->status, ExecutionStatus::kFailed);
  EXPECT_EQ(engine.GetJob(kScope, jobs[0].id, {})->status, JobStatus::kTimedOut);
  const auto late = engine.SucceedJob(kScope, jobs[0].id, {}, {});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code(), ErrorCode::kInvalidJobState);
}

TEST_F(ExecutionJobsTest, AbandoningTheExecutionFailsItsJob) {
  std::string id;
  const Job job = StartAndPoll(&id);
  ASSERT_TRUE(engine_.Stop(kScope, "p", id, true, "").ok());
  EXPECT_EQ(engine_.GetJob(kScope, job.id, {})->status, JobStatus::kFailed);
}

TEST_F(ExecutionJobsTest, ThirdPartyJobsNeedTheirClientToken) {
  const ActionTypeKey type{"Build", "ThirdParty", "Partner", "1"};
  Start(View(JobPipeline("ThirdParty", "Partner")));
  Step();
  EXPECT_TRUE(Poll(type).empty());  // not a custom job
  const auto jobs = Poll(type, 10, {}, JobKind::kThirdParty);
  ASSERT_EQ(jobs.size(), 1u);
  const Job& job = jobs[0];
  EXPECT_FALSE(job.client_id.empty());
  const auto wrong = engine_.GetJob(kScope, job.id, std::string("not-mine"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kInvalidClientToken);
  const auto without = engine_.GetJob(kScope, job.id, {});
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.error().code(), ErrorCode::kJobNotFound);
  ASSERT_TRUE(engine_.AcknowledgeJob(kScope, job.id, job.nonce, job.client_id).ok());
  ASSERT_TRUE(engine_.SucceedJob(kScope, job.id, {}, job.client_id).ok());
}

TEST_F(ExecutionJobsTest, NamedAwsProvidersGoToOutsideWorkers) {
  EngineOptions options = TestOptions(kStep, 1000, 2, 1);
  options.external_providers = {"CodeBuild"};
  ExecutionEngine engine(clock_, options);
  const auto id = *engine.Start(kScope, View(ThreeStagePipeline("SUPERSEDED")), {});
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(kStep);
    engine.Advance();
  }
  EXPECT_EQ(engine.Find(kScope, "p", id)->stage_runs.size(), 2u);  // held in Build
  const auto jobs =
      engine.PollJobs(kScope, JobKind::kCustom, {"Build", "AWS", "CodeBuild", "1"}, 1, {});
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(engine.SucceedJob(kScope, jobs[0].id, {}, {}).ok());
  clock_.Advance(kStep);
  engine.Advance();
  EXPECT_EQ(engine.Find(kScope, "p", id)->status, ExecutionStatus::kSucceeded);
}

TEST_F(ExecutionJobsTest, JobsGoWithTheirPipeline) {
  const Job job = StartAndPoll();
  engine_.Forget(kScope, "p");
  EXPECT_FALSE(engine_.GetJob(kScope, job.id, {}).ok());
}

}  // namespace
}  // namespace sluice::domain
