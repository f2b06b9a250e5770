// The execution engine stepped with a fake clock: no sleeping, exact orders.
#include "sluice/domain/engine/execution_engine.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "support/engine_fixture.h"

namespace sluice::domain {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

TEST_F(ExecutionEngineTest, RunsStagesInOrderOneStepEach) {
  const auto id = Start(View(ThreeStagePipeline("SUPERSEDED")));
  EXPECT_EQ(StageOf(id), "Source");
  Step();
  EXPECT_EQ(StageOf(id), "Build");
  Step();
  EXPECT_EQ(StageOf(id), "Deploy");
  EXPECT_EQ(Status(id), ExecutionStatus::kInProgress);
  Step();
  const auto done = Get(id);
  EXPECT_EQ(done.status, ExecutionStatus::kSucceeded);
  ASSERT_EQ(done.stage_runs.size(), 3U);
  for (const auto& stage : done.stage_runs) {
    EXPECT_EQ(stage.status, StageStatus::kSucceeded);
    ASSERT_EQ(stage.actions.size(), 1U);
    EXPECT_EQ(stage.actions[0].status, ActionStatus::kSucceeded);
  }
  EXPECT_EQ(done.last_update_time - done.start_time, 3 * kStep);
}

TEST_F(ExecutionEngineTest, RunOrderGroupsRunInSequenceAndGroupMembersInParallel) {
  json pipeline = ThreeStagePipeline("SUPERSEDED");
  auto& build = pipeline["stages"][1]["actions"];
  json twin = build[0];
  twin["name"] = "Lint";
  build.push_back(twin);  // runOrder 1, beside Build
  json after = build[0];
  after["name"] = "Package";
  after["runOrder"] = 2;
  build.push_back(after);
  const auto id = Start(View(pipeline));
  Step();  // Source done; Build and Lint start together
  auto execution = Get(id);
  ASSERT_EQ(execution.stage_runs.back().actions.size(), 2U);
  Step();  // both done at once; Package starts
  execution = Get(id);
  ASSERT_EQ(execution.stage_runs.back().actions.size(), 3U);
  EXPECT_EQ(execution.stage_runs.back().actions[2].action_name, "Package");
  EXPECT_EQ(StageOf(id), "Build");
  Step(2);
  EXPECT_EQ(StageOf(id), "");
  Step();
  EXPECT_EQ(Status(id), ExecutionStatus::kSucceeded);
}

TEST_F(ExecutionEngineTest, SupersededThreeRacingExecutions) {
  const auto view = View(ThreeStagePipeline("SUPERSEDED"));
  const auto a = Start(view);  // enters Source
  const auto b = Start(view);  // waits for Source
  EXPECT_EQ(StageOf(a), "Source");
  EXPECT_EQ(Get(b).waiting_for_stage, 0U);
  const auto c = Start(view);  // waits for Source too: B is superseded
  EXPECT_EQ(Status(b), ExecutionStatus::kSuperseded);
  Step();  // A moves to Build; C enters Source
  EXPECT_EQ(StageOf(a), "Build");
  EXPECT_EQ(StageOf(c), "Source");
  Step();
  EXPECT_EQ(StageOf(a), "Deploy");
  EXPECT_EQ(StageOf(c), "Build");
  Step();  // A finishes Deploy as C finishes Build: C follows it in
  EXPECT_EQ(Status(a), ExecutionStatus::kSucceeded);
  EXPECT_EQ(StageOf(c), "Deploy");
  Step();
  EXPECT_EQ(Status(c), ExecutionStatus::kSucceeded);
  EXPECT_EQ(Status(b), ExecutionStatus::kSuperseded);
  EXPECT_TRUE(Get(b).stage_runs.empty());
}

TEST_F(ExecutionEngineTest, SupersededOvertakesAtALockedLaterStage) {
  // Deploy takes three steps: the executions pile up in front of it.
  json pipeline = ThreeStagePipeline("SUPERSEDED");
  auto& deploy = pipeline["stages"][2]["actions"];
  for (int i = 2; i <= 3; ++i) {
    json next = deploy[0];
    next["name"] = "Deploy" + std::to_string(i);
    next["runOrder"] = i;
    deploy.push_back(next);
  }
  const auto view = View(pipeline);
  const auto a = Start(view);
  Step();               // A: Build
  const auto b = Start(view);  // B: Source
  Step();               // A: Deploy (1/3); B: Build
  Step();               // A: Deploy (2/3); B waits for Deploy
  EXPECT_EQ(Get(b).waiting_for_stage, 2U);
  const auto c = Start(view);  // C: Source
  Step();               // A: Deploy (3/3); C: Build
  Step();               // A done; B enters Deploy; C waits for Deploy
  EXPECT_EQ(Status(a), ExecutionStatus::kSucceeded);
  EXPECT_EQ(StageOf(b), "Deploy");
  EXPECT_EQ(Get(c).waiting_for_stage, 2U);
  Step(3);              // B done; C enters Deploy
  EXPECT_EQ(Status(b), ExecutionStatus::kSucceeded);
  EXPECT_EQ(StageOf(c), "Deploy");
  Step(3);
  EXPECT_EQ(Status(c), ExecutionStatus::kSucceeded);
}

TEST_F(ExecutionEngineTest, QueuedRunsEveryExecutionInOrder) {
  ExecutionEngine queued(clock_, TestOptions(kStep, 1000, 50, 50));
  const auto view = View(ThreeStagePipeline("QUEUED"));
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(*queued.Start(kScope, view, StartRequest{{"StartPipelineExecution", "x"}, {}, {}, {}, {}, {}}));
  }
  auto stage_of = [&](const std::string& id) {
    auto e = *queued.Find(kScope, "p", id);
    return e.waiting_for_stage || e.stage_runs.empty() || IsFinished(e.status)
               ? std::string()
               : e.stage_runs.back().stage_name;
  };
  EXPECT_EQ(stage_of(ids[0]), "Source");
  EXPECT_EQ(stage_of(ids[1]), "");
  EXPECT_EQ(stage_of(ids[2]), "");
  for (int step = 1; step <= 5; ++step) {
    clock_.Advance(kStep);
    queued.Advance();
  }
  // Each execution follows the one before it by one stage.
  for (const auto& id : ids) {
    EXPECT_EQ(queued.Find(kScope, "p", id)->status, ExecutionStatus::kSucceeded);
  }
  const auto last = *queued.Find(kScope, "p", ids[2]);
  EXPECT_EQ(last.last_update_time - last.start_time, 5 * kStep);
}

TEST_F(ExecutionEngineTest, ParallelExecutionsRunSideBySideUpToTheLimit) {
  const auto view = View(ThreeStagePipeline("PARALLEL"));
  const auto a = Start(view);
  const auto b = Start(view);
  EXPECT_EQ(StageOf(a), "Source");
  EXPECT_EQ(StageOf(b), "Source");
  StartRequest third;
  auto refused = engine_.Start(kScope, view, third);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kConcurrentPipelineExecutionsLimitExceeded);
  Step(3);
  EXPECT_EQ(Status(a), ExecutionStatus::kSucceeded);
  EXPECT_EQ(Status(b), ExecutionStatus::kSucceeded);
  EXPECT_TRUE(engine_.Start(kScope, view, third).ok());  // room again
}

TEST_F(ExecutionEngineTest, QueuedLimitCountsExecutionsWaitingToStart) {
  const auto view = View(ThreeStagePipeline("QUEUED"));
  Start(view);          // in Source
  Start(view);          // waiting: the limit is one
  auto refused = engine_.Start(kScope, view, StartRequest{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kConcurrentPipelineExecutionsLimitExceeded);
}

TEST_F(ExecutionEngineTest, ClientRequestTokenReturnsTheSameExecution) {
  const auto view = View(ThreeStagePipeline("SUPERSEDED"));
  StartRequest request;
  request.client_request_token = "token-1";
  const auto first = Start(view, request);
  EXPECT_EQ(Start(view, request), first);
  EXPECT_EQ(engine_.List(kScope, "p").size(), 1U);
  request.client_request_token = "token-2";
  EXPECT_NE(Start(view, request), first);
}

TEST_F(ExecutionEngineTest, VariablesResolveWithDefaultsAndOverrides) {
  json pipeline = ThreeStagePipeline("SUPERSEDED");
  pipeline["variables"] = {{{"name", "env"}, {"defaultValue", "dev"}},
                           {{"name", "region"}, {"defaultValue", "eu"}}};
  pipeline["stages"][0]["actions"][0]["namespace"] = "Src";
  pipeline["stages"][1]["actions"][0]["configuration"]["EnvironmentVariables"] =
      "#{variables.env}/#{variables.region}/#{codepipeline.PipelineExecutionId}/#{Src.CommitId}";
  StartRequest request;
  request.variables = {{"env", "prod"}};
  request.source_revisions = {{"Source", "COMMIT_ID", "abc123"}};
  const auto id = Start(View(pipeline), request);
  Step();
  const auto execution = Get(id);
  ASSERT_EQ(execution.variables.size(), 2U);
  EXPECT_EQ(execution.variables[0].value, "prod");
  EXPECT_EQ(execution.variables[1].value, "eu");
  EXPECT_EQ(execution.artifact_revisions.at(0).revision_id, "abc123");
  EXPECT_EQ(execution.stage_runs.back().actions[0].resolved_configuration.at("EnvironmentVariables"),
            "prod/eu/" + id + "/abc123");
}

TEST_F(ExecutionEngineTest, UnresolvableReferenceFailsTheActionAndTheExecution) {
  json pipeline = ThreeStagePipeline("SUPERSEDED");
  pipeline["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "#{Nowhere.Thing}";
  const auto view = View(pipeline);
  const auto id = Start(view);
  Step();
  const auto execution = Get(id);
  EXPECT_EQ(execution.status, ExecutionStatus::kFailed);
  EXPECT_EQ(execution.stage_runs.back().status, StageStatus::kFailed);
  const auto& action = execution.stage_runs.back().actions[0];
  EXPECT_EQ(action.status, ActionStatus::kFailed);
  EXPECT_EQ(action.error_code, "JobFailed");
  EXPECT_NE(action.error_message.find("Action name=Build"), std::string::npos);
  // The failure released the stage lock: the next execution gets through.
  const auto next = Start(view);
  EXPECT_EQ(StageOf(next), "Source");
}

struct BadStart {
  const char* name;
  std::function<void(json&, StartRequest&)> setup;
};

class ExecutionEngineBadStart : public ExecutionEngineTest,
                                public ::testing::WithParamInterface<BadStart> {};

TEST_P(ExecutionEngineBadStart, IsAValidationError) {
  json pipeline = ThreeStagePipeline("SUPERSEDED");
  StartRequest request;
  GetParam().setup(pipeline, request);
  auto result = engine_.Start(kScope, View(pipeline), request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kValidation) << result.error().message();
  EXPECT_TRUE(engine_.List(kScope, "p").empty());
}

INSTANTIATE_TEST_SUITE_P(
    Requests, ExecutionEngineBadStart,
    ::testing::Values(
        BadStart{"UndeclaredVariable", [](json&, StartRequest& r) { r.variables = {{"nope", "x"}}; }},
        BadStart{"VariableOnV1",
                 [](json& p, StartRequest& r) {
                   p["pipelineType"] = "V1";
                   r.variables = {{"nope", "x"}};
                 }},
        BadStart{"RequiredVariableMissing",
                 [](json& p, StartRequest&) { p["variables"] = {{{"name", "needed"}}}; }},
        BadStart{"VariableTwice",
                 [](json& p, StartRequest& r) {
                   p["variables"] = {{{"name", "v"}, {"defaultValue", "d"}}};
                   r.variables = {{"v", "1"}, {"v", "2"}};
                 }},
        BadStart{"RevisionForNonSourceAction",
                 [](json&, StartRequest& r) { r.source_revisions = {{"Build", "COMMIT_ID", "a"}}; }},
        BadStart{"RevisionForUnknownAction",
                 [](json&, StartRequest& r) { r.source_revisions = {{"Ghost", "COMMIT_ID", "a"}}; }},
        BadStart{"RevisionTypeUnfitForProvider",
                 [](json&, StartRequest& r) { r.source_revisions = {{"Source", "IMAGE_DIGEST", "a"}}; }},
        BadStart{"TwoRevisionsForOneAction",
                 [](json&, StartRequest& r) {
                   r.source_revisions = {{"Source", "COMMIT_ID", "a"}, {"Source", "COMMIT_ID", "b"}};
                 }},
        BadStart{"S3KeyOverrideNotAllowed",
                 [](json& p, StartRequest& r) {
                   auto& source = p["stages"][0]["actions"][0];
                   source["actionTypeId"]["provider"] = "S3";
                   source["configuration"] = {{"S3Bucket", "b"}, {"S3ObjectKey", "k"}};
                   r.source_revisions = {{"Source", "S3_OBJECT_KEY", "other.zip"}};
                 }}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(ExecutionEngineTest, S3KeyOverrideWhenAllowed) {
  json pipeline = ThreeStagePipeline("SUPERSEDED");
  auto& source = pipeline["stages"][0]["actions"][0];
  source["actionTypeId"]["provider"] = "S3";
  source["configuration"] = {{"S3Bucket", "b"}, {"S3ObjectKey", "k"},
                             {"AllowOverrideForS3ObjectKey", "true"}};
  source["namespace"] = "Src";
  StartRequest request;
  request.source_revisions = {{"Source", "S3_OBJECT_KEY", "other.zip"}};
  const auto id = Start(View(pipeline), request);
  Step();
  EXPECT_EQ(Get(id).stage_runs[0].actions[0].output_variables.at("S3ObjectKey"), "other.zip");
}

TEST_F(ExecutionEngineTest, UpdateCancelsWaitingAtOnceAndRunningAfterItsActions) {
  const auto view = View(ThreeStagePipeline("SUPERSEDED"));
  const auto running = Start(view);
  const auto waiting = Start(view);
  engine_.PipelineUpdated(kScope, "p");
  EXPECT_EQ(Status(waiting), ExecutionStatus::kCancelled);
  EXPECT_EQ(Status(running), ExecutionStatus::kInProgress);  // its Source action runs on
  Step();
  const auto cancelled = Get(running);
  EXPECT_EQ(cancelled.status, ExecutionStatus::kCancelled);
  EXPECT_EQ(cancelled.stage_runs.size(), 1U);
  EXPECT_EQ(cancelled.stage_runs[0].actions[0].status, ActionStatus::kSucceeded);
}

TEST_F(ExecutionEngineTest, UpdateLeavesParallelExecutionsRunning) {
  const auto id = Start(View(ThreeStagePipeline("PARALLEL")));
  engine_.PipelineUpdated(kScope, "p");
  Step(3);
  EXPECT_EQ(Status(id), ExecutionStatus::kSucceeded);
}

// Generated revisions, output variables and artifact keys are derived on
// each read: every read must see the same values, and an action's input
// must be where the action that produced it put it.
TEST_F(ExecutionEngineTest, GeneratedValuesAreTheSameOnEveryRead) {
  const auto id = Start(View(ThreeStagePipeline("SUPERSEDED")));
  const auto other = Start(View(ThreeStagePipeline("PARALLEL")));
  Step(3);
  const auto first = Get(id);
  const auto second = Get(id);
  ASSERT_EQ(first.status, ExecutionStatus::kSucceeded);
  ASSERT_EQ(first.artifact_revisions.size(), 1U);
  EXPECT_EQ(first.artifact_revisions[0].revision_id.size(), 40U);
  EXPECT_EQ(first.artifact_revisions[0].revision_id, second.artifact_revisions[0].revision_id);
  EXPECT_EQ(first.artifact_revisions[0].revision_url, second.artifact_revisions[0].revision_url);
  EXPECT_EQ(first.source_revisions[0].revision_id, first.artifact_revisions[0].revision_id);
  EXPECT_NE(first.artifact_revisions[0].revision_id, Get(other).artifact_revisions[0].revision_id);

  const ActionRun& source = first.stage_runs[0].actions[0];
  EXPECT_EQ(source.output_variables, second.stage_runs[0].actions[0].output_variables);
  EXPECT_EQ(source.output_variables.at("CommitId"), first.artifact_revisions[0].revision_id);
  EXPECT_EQ(source.external_execution_id, first.artifact_revisions[0].revision_id);
  ASSERT_EQ(source.output_artifacts.size(), 1U);
  EXPECT_EQ(source.output_artifacts[0].key, second.stage_runs[0].actions[0].output_artifacts[0].key);
  EXPECT_EQ(source.output_artifacts[0].bucket, "artifact-bucket");

  for (std::size_t stage = 1; stage < 3; ++stage) {
    const ActionRun& consumer = first.stage_runs[stage].actions[0];
    ASSERT_EQ(consumer.input_artifacts.size(), 1U);
    EXPECT_EQ(consumer.input_artifacts[0].key, source.output_artifacts[0].key);
    EXPECT_EQ(consumer.input_artifacts[0].bucket, source.output_artifacts[0].bucket);
    EXPECT_EQ(consumer.external_execution_id, consumer.action_execution_id);
    EXPECT_EQ(consumer.resolved_configuration, consumer.configuration);
  }
}

TEST_F(ExecutionEngineTest, RetainsOnlyTheNewestFinishedExecutions) {
  ExecutionEngine small(clock_, TestOptions(kStep, 2, 50, 50));
  const auto view = View(ThreeStagePipeline("SUPERSEDED"));
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(*small.Start(kScope, view, StartRequest{}));
    for (int s = 0; s < 3; ++s) {
      clock_.Advance(kStep);
      small.Advance();
    }
  }
  const auto kept = small.List(kScope, "p");
  ASSERT_EQ(kept.size(), 2U);
  EXPECT_EQ(kept[0].id, ids[3]);  // newest first
  EXPECT_EQ(kept[1].id, ids[2]);
}

TEST_F(ExecutionEngineTest, StageStatesShowLatestAndInbound) {
  const auto view = View(ThreeStagePipeline("SUPERSEDED"));
  const auto a = Start(view);
  const auto b = Start(view);
  const auto states = engine_.StageStates(kScope, *view);
  ASSERT_EQ(states.size(), 3U);
  ASSERT_TRUE(states[0].latest_execution.has_value());
  EXPECT_EQ(states[0].latest_execution->id, a);
  ASSERT_EQ(states[0].inbound.size(), 1U);
  EXPECT_EQ(states[0].inbound[0].id, b);
  EXPECT_FALSE(states[1].latest_execution.has_value());
  ASSERT_EQ(states[0].actions.size(), 1U);
  ASSERT_TRUE(states[0].actions[0].second.has_value());
  EXPECT_EQ(states[0].actions[0].second->status, ActionStatus::kInProgress);
  ASSERT_EQ(states[1].actions.size(), 1U);  // listed before it ever runs
  EXPECT_EQ(states[1].actions[0].first, "Build");
  EXPECT_FALSE(states[1].actions[0].second.has_value());
}

TEST(ExecutionEngineThreadTest, RunsOnItsOwnThreadWithTheSystemClock) {
  SystemClock clock;
  ExecutionEngine engine(clock, TestOptions(milliseconds(5), 1000, 50, 50));
  std::jthread runner([&engine](std::stop_token stop) { engine.RunUntilStopped(stop); });
  const auto view = View(ThreeStagePipeline("PARALLEL"));
  std::vector<std::string> ids;
  // Starts race the engine thread's own work.
  for (int i = 0; i < 20; ++i) ids.push_back(*engine.Start(kScope, view, StartRequest{}));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto all_done = [&] {
    for (const auto& id : ids) {
      if (engine.Find(kScope, "p", id)->status != ExecutionStatus::kSucceeded) return false;
    }
    return true;
  };
  while (!all_done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_TRUE(all_done());
}

}  // namespace
}  // namespace sluice::domain
