// People acting on executions in flight, with the fake clock: manual
// approvals and their timeouts, stop (both ways), retry in place, and
// disabled transitions.
#include <gtest/gtest.h>

#include "support/engine_fixture.h"

namespace sluice::domain {
namespace {

json ApprovalAction(const std::string& name, std::optional<int> timeout_minutes = std::nullopt) {
  json action = {{"name", name},
                 {"actionTypeId",
                  {{"category", "Approval"}, {"owner", "AWS"}, {"provider", "Manual"}, {"version", "1"}}},
                 {"runOrder", 1},
                 {"inputArtifacts", json::array()},
                 {"outputArtifacts", json::array()}};
  if (timeout_minutes) action["timeoutInMinutes"] = *timeout_minutes;
  return action;
}

// Source -> Approve (a manual approval, and optionally a simulated action
// beside it) -> Deploy.
json ApprovalPipeline(const std::string& mode, bool with_sibling = false,
                      std::optional<int> timeout_minutes = std::nullopt) {
  json pipeline = ThreeStagePipeline(mode);
  json& stage = pipeline["stages"][1];
  stage["name"] = "Approve";
  stage["actions"] = json::array({ApprovalAction("Approval", timeout_minutes)});
  if (with_sibling) {
    json sibling = pipeline["stages"][2]["actions"][0];
    sibling["name"] = "Sibling";
    stage["actions"].push_back(sibling);
  }
  return pipeline;
}

class ExecutionControlsTest : public ExecutionEngineTest {
 protected:
  // The stage's latest run of `action`, as GetPipelineState shows it.
  std::optional<ActionRun> Latest(const PipelineView& view, const std::string& stage,
                                  const std::string& action) {
    for (const StageSnapshot& state : engine_.StageStates(kScope, view)) {
      if (state.stage_name != stage) continue;
      for (const auto& [name, run] : state.actions) {
        if (name == action) return run;
      }
    }
    return std::nullopt;
  }

  Result<Clock::TimePoint> Answer(const std::string& token, bool approved,
                                  const std::string& action = "Approval") {
    return engine_.Answer(kScope, "p", "Approve", action,
                          {approved, "looks good", token, "arn:aws:iam::123456789012:user/alice"});
  }

  std::string TokenOf(const PipelineView& view) {
    const auto run = Latest(view, "Approve", "Approval");
    return run ? run->token : "";
  }

  // The number of runs of `action` an execution has in `stage`.
  std::size_t RunsOf(const std::string& id, const std::string& stage, const std::string& action) {
    std::size_t runs = 0;
    for (const StageRun& stage_run : Get(id).stage_runs) {
      if (stage_run.stage_name != stage) continue;
      for (const ActionRun& run : stage_run.actions) runs += run.action_name == action ? 1u : 0u;
    }
    return runs;
  }
};

TEST_F(ExecutionControlsTest, ApprovalWaitsWithATokenUntilApproved) {
  const auto view = View(ApprovalPipeline("SUPERSEDED"));
  const auto id = Start(view);
  Step(20);
  EXPECT_EQ(StageOf(id), "Approve");
  const auto waiting = Latest(*view, "Approve", "Approval");
  ASSERT_TRUE(waiting.has_value());
  EXPECT_EQ(waiting->status, ActionStatus::kInProgress);
  EXPECT_EQ(waiting->token.size(), 36u);

  const auto answered = Answer(waiting->token, true);
  ASSERT_TRUE(answered.ok()) << answered.error().message();
  EXPECT_EQ(*answered, clock_.Now());
  const auto approved = Latest(*view, "Approve", "Approval");
  EXPECT_EQ(approved->status, ActionStatus::kSucceeded);
  EXPECT_EQ(approved->summary, "looks good");
  EXPECT_EQ(approved->updated_by, "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(StageOf(id), "Deploy");
  Step();
  EXPECT_EQ(Status(id), ExecutionStatus::kSucceeded);
}

TEST_F(ExecutionControlsTest, RejectionFailsTheStageAndTheExecution) {
  const auto view = View(ApprovalPipeline("SUPERSEDED"));
  const auto id = Start(view);
  Step();
  ASSERT_TRUE(Answer(TokenOf(*view), false).ok());
  const auto rejected = Latest(*view, "Approve", "Approval");
  EXPECT_EQ(rejected->status, ActionStatus::kFailed);
  EXPECT_EQ(rejected->error_code, "JobFailed");
  EXPECT_EQ(Status(id), ExecutionStatus::kFailed);
}

TEST_F(ExecutionControlsTest, WrongTokensAndSecondAnswersAreRefused) {
  const auto view = View(ApprovalPipeline("SUPERSEDED"));
  Start(view);
  Step();
  const std::string token = TokenOf(*view);
  const auto wrong = Answer("00000000-0000-4000-8000-000000000000", true);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kInvalidApprovalToken);
  ASSERT_TRUE(Answer(token, true).ok());
  const auto again = Answer(token, false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kApprovalAlreadyCompleted);
}

TEST_F(ExecutionControlsTest, ApprovalTimesOutAfterTheDefault) {
  EngineOptions options = TestOptions(kStep, 1000, 2, 1);
  options.approval_timeout = std::chrono::seconds(2);
  ExecutionEngine engine(clock_, options);
  const auto view = View(ApprovalPipeline("SUPERSEDED"));
  const auto id = *engine.Start(kScope, view, {});
  const auto status = [&] { return engine.Find(kScope, "p", id)->status; };
  for (int i = 0; i < 20; ++i) {  // 2 s: the source, then 1.9 s of waiting
    clock_.Advance(kStep);
    engine.Advance();
  }
  EXPECT_EQ(status(), ExecutionStatus::kInProgress);
  clock_.Advance(kStep);
  engine.Advance();
  EXPECT_EQ(status(), ExecutionStatus::kFailed);
  const auto execution = *engine.Find(kScope, "p", id);
  const ActionRun& approval = execution.stage_runs[1].actions[0];
  EXPECT_EQ(approval.status, ActionStatus::kFailed);
  EXPECT_EQ(approval.error_message, "The manual approval action timed out");
}

TEST_F(ExecutionControlsTest, ApprovalTimesOutAfterItsOwnTimeoutInMinutes) {
  const auto id = Start(View(ApprovalPipeline("SUPERSEDED", false, 5)));
  Step();
  clock_.Advance(std::chrono::minutes(5) - milliseconds(1));
  engine_.Advance();
  EXPECT_EQ(Status(id), ExecutionStatus::kInProgress);
  clock_.Advance(milliseconds(1));
  engine_.Advance();
  EXPECT_EQ(Status(id), ExecutionStatus::kFailed);
}

TEST_F(ExecutionControlsTest, NextDueIncludesAWaitingApprovalsDeadline) {
  Start(View(ApprovalPipeline("SUPERSEDED", false, 5)));
  Step();
  EXPECT_EQ(engine_.NextDue(), clock_.Now() + std::chrono::minutes(5));
}

TEST_F(ExecutionControlsTest, StopAndWaitLetsRunningActionsFinish) {
  const auto id = Start(View(ThreeStagePipeline("SUPERSEDED")));
  ASSERT_TRUE(engine_.Stop(kScope, "p", id, false, "release frozen").ok());
  EXPECT_EQ(Status(id), ExecutionStatus::kStopping);
  EXPECT_EQ(Get(id).stop_reason, "release frozen");
  const auto second = engine_.Stop(kScope, "p", id, false, "again");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kDuplicatedStopRequest);
  Step();
  const auto execution = Get(id);
  EXPECT_EQ(execution.status, ExecutionStatus::kStopped);
  ASSERT_EQ(execution.stage_runs.size(), 1u);  // Build never started
  EXPECT_EQ(execution.stage_runs[0].status, StageStatus::kStopped);
  EXPECT_EQ(execution.stage_runs[0].actions[0].status, ActionStatus::kSucceeded);
}

TEST_F(ExecutionControlsTest, AbandonStopsAtOnceAndAbandonsRunningActions) {
  const auto id = Start(View(ThreeStagePipeline("SUPERSEDED")));
  ASSERT_TRUE(engine_.Stop(kScope, "p", id, true, "").ok());
  const auto execution = Get(id);
  EXPECT_EQ(execution.status, ExecutionStatus::kStopped);
  EXPECT_EQ(execution.stage_runs[0].actions[0].status, ActionStatus::kAbandoned);
}

TEST_F(ExecutionControlsTest, AbandonIsAllowedWhileStopping) {
  const auto view = View(ApprovalPipeline("SUPERSEDED"));
  const auto id = Start(view);
  Step();
  ASSERT_TRUE(engine_.Stop(kScope, "p", id, false, "").ok());
  Step(5);  // the approval still waits
  EXPECT_EQ(Status(id), ExecutionStatus::kStopping);
  ASSERT_TRUE(engine_.Stop(kScope, "p", id, true, "").ok());
  EXPECT_EQ(Status(id), ExecutionStatus::kStopped);
  EXPECT_EQ(Latest(*view, "Approve", "Approval")->status, ActionStatus::kAbandoned);
}

TEST_F(ExecutionControlsTest, FinishedAndUnknownExecutionsCannotBeStopped) {
  const auto id = Start(View(ThreeStagePipeline("SUPERSEDED")));
  Step(3);
  ASSERT_EQ(Status(id), ExecutionStatus::kSucceeded);
  const auto finished = engine_.Stop(kScope, "p", id, false, "");
  ASSERT_FALSE(finished.ok());
  EXPECT_EQ(finished.error().code(), ErrorCode::kPipelineExecutionNotStoppable);
  const auto unknown = engine_.Stop(kScope, "p", "00000000-0000-4000-8000-000000000000", true, "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kPipelineExecutionNotFound);
}

TEST_F(ExecutionControlsTest, StopReleasesTheStageForTheNextExecution) {
  const auto view = View(ApprovalPipeline("QUEUED"));
  const auto first = Start(view);
  Step();
  const auto second = Start(view);
  Step();
  EXPECT_EQ(StageOf(second), "");  // waits for Approve
  ASSERT_TRUE(engine_.Stop(kScope, "p", first, true, "").ok());
  EXPECT_EQ(StageOf(second), "Approve");
}

TEST_F(ExecutionControlsTest, RetryOfFailedActionsResumesInPlace) {
  const auto view = View(ApprovalPipeline("SUPERSEDED", /*with_sibling=*/true));
  const auto id = Start(view);
  Step(2);  // the sibling succeeds; the approval waits
  ASSERT_TRUE(Answer(TokenOf(*view), false).ok());
  ASSERT_EQ(Status(id), ExecutionStatus::kFailed);

  ASSERT_TRUE(engine_.Retry(kScope, "p", "Approve", id, RetryMode::kFailedActions).ok());
  EXPECT_EQ(Status(id), ExecutionStatus::kInProgress);
  EXPECT_EQ(RunsOf(id, "Approve", "Approval"), 2u);
  EXPECT_EQ(RunsOf(id, "Approve", "Sibling"), 1u);  // it had succeeded
  ASSERT_TRUE(Answer(TokenOf(*view), true).ok());
  Step();
  EXPECT_EQ(Status(id), ExecutionStatus::kSucceeded);
  const auto states = engine_.StageStates(kScope, *view);
  EXPECT_EQ(states[1].manual_retries, 1);
  EXPECT_EQ(states[1].retry_mode, "FAILED_ACTIONS");
}

TEST_F(ExecutionControlsTest, RetryOfAllActionsRunsTheWholeStageAgain) {
  const auto view = View(ApprovalPipeline("SUPERSEDED", true));
  const auto id = Start(view);
  Step(2);
  ASSERT_TRUE(Answer(TokenOf(*view), false).ok());
  ASSERT_TRUE(engine_.Retry(kScope, "p", "Approve", id, RetryMode::kAllActions).ok());
  EXPECT_EQ(RunsOf(id, "Approve", "Approval"), 2u);
  EXPECT_EQ(RunsOf(id, "Approve", "Sibling"), 2u);
}

TEST_F(ExecutionControlsTest, RetryOfAStoppedExecutionResumesIt) {
  const auto id = Start(View(ThreeStagePipeline("SUPERSEDED")));
  Step();
  ASSERT_TRUE(engine_.Stop(kScope, "p", id, true, "").ok());
  ASSERT_TRUE(engine_.Retry(kScope, "p", "Build", id, RetryMode::kFailedActions).ok());
  Step(2);
  EXPECT_EQ(Status(id), ExecutionStatus::kSucceeded);
}

TEST_F(ExecutionControlsTest, OnlyTheFailedStageOfAFailedExecutionIsRetryable) {
  const auto view = View(ApprovalPipeline("SUPERSEDED"));
  const auto id = Start(view);
  Step();
  const auto running = engine_.Retry(kScope, "p", "Approve", id, RetryMode::kFailedActions);
  ASSERT_FALSE(running.ok());
  EXPECT_EQ(running.error().code(), ErrorCode::kStageNotRetryable);
  ASSERT_TRUE(Answer(TokenOf(*view), false).ok());
  const auto other_stage = engine_.Retry(kScope, "p", "Source", id, RetryMode::kFailedActions);
  ASSERT_FALSE(other_stage.ok());
  EXPECT_EQ(other_stage.error().code(), ErrorCode::kStageNotRetryable);
}

TEST_F(ExecutionControlsTest, AnExecutionStoppedBetweenStagesHasNoStageToRetry) {
  const auto view = View(ApprovalPipeline("QUEUED"));
  const auto first = Start(view);
  Step();
  const auto second = Start(view);
  Step();  // the second waits to enter Approve, its Source succeeded
  ASSERT_TRUE(engine_.Stop(kScope, "p", second, false, "").ok());
  ASSERT_EQ(Status(second), ExecutionStatus::kStopped);
  const auto retry = engine_.Retry(kScope, "p", "Source", second, RetryMode::kAllActions);
  ASSERT_FALSE(retry.ok());
  EXPECT_EQ(retry.error().code(), ErrorCode::kStageNotRetryable);
  EXPECT_EQ(Status(first), ExecutionStatus::kInProgress);
}

TEST_F(ExecutionControlsTest, RetryAfterANewerExecutionEnteredTheStageIsRefused) {
  const auto view = View(ApprovalPipeline("SUPERSEDED"));
  const auto older = Start(view);
  Step();
  ASSERT_TRUE(Answer(TokenOf(*view), false).ok());
  const auto newer = Start(view);
  Step();
  ASSERT_EQ(StageOf(newer), "Approve");
  const auto retry = engine_.Retry(kScope, "p", "Approve", older, RetryMode::kFailedActions);
  ASSERT_FALSE(retry.ok());
  EXPECT_EQ(retry.error().code(), ErrorCode::kNotLatestPipelineExecution);
}

TEST_F(ExecutionControlsTest, DisabledInboundTransitionHoldsAndTheNewestSupersedes) {
  const auto view = View(ThreeStagePipeline("SUPERSEDED"));
  engine_.SetTransition(kScope, *view, "Build", TransitionKind::kInbound,
                        TransitionBlock{"freeze", "arn:aws:iam::123456789012:root", {}});
  const auto older = Start(view);
  Step(3);
  EXPECT_EQ(StageOf(older), "");  // waiting before Build
  const auto states = engine_.StageStates(kScope, *view);
  ASSERT_TRUE(states[1].inbound_disabled.has_value());
  EXPECT_EQ(states[1].inbound_disabled->reason, "freeze");
  EXPECT_EQ(states[1].inbound_disabled->when, clock_.Now() - 3 * kStep);
  ASSERT_EQ(states[1].inbound.size(), 1u);

  const auto newer = Start(view);
  Step();
  EXPECT_EQ(Status(older), ExecutionStatus::kSuperseded);
  EXPECT_EQ(Status(newer), ExecutionStatus::kInProgress);
  engine_.SetTransition(kScope, *view, "Build", TransitionKind::kInbound, std::nullopt);
  EXPECT_EQ(StageOf(newer), "Build");
  Step(2);
  EXPECT_EQ(Status(newer), ExecutionStatus::kSucceeded);
}

TEST_F(ExecutionControlsTest, DisabledOutboundTransitionHoldsAfterTheStage) {
  const auto view = View(ThreeStagePipeline("PARALLEL"));
  engine_.SetTransition(kScope, *view, "Build", TransitionKind::kOutbound,
                        TransitionBlock{"hold", "me", {}});
  const auto first = Start(view);
  const auto second = Start(view);
  Step(5);
  EXPECT_EQ(Status(first), ExecutionStatus::kInProgress);
  EXPECT_EQ(Get(first).waiting_for_stage, 2u);  // waiting to enter Deploy
  EXPECT_FALSE(engine_.StageStates(kScope, *view)[2].inbound_disabled.has_value());
  engine_.SetTransition(kScope, *view, "Build", TransitionKind::kOutbound, std::nullopt);
  EXPECT_EQ(StageOf(first), "Deploy");  // PARALLEL: both go on
  EXPECT_EQ(StageOf(second), "Deploy");
  Step();
  EXPECT_EQ(Status(first), ExecutionStatus::kSucceeded);
  EXPECT_EQ(Status(second), ExecutionStatus::kSucceeded);
}

TEST_F(ExecutionControlsTest, QueuedExecutionsGoThroughAnOpenedTransitionInOrder) {
  const auto view = View(ThreeStagePipeline("QUEUED"));
  ExecutionEngine queued(clock_, TestOptions(kStep, 1000, 50, 50));
  queued.SetTransition(kScope, *view, "Build", TransitionKind::kInbound,
                       TransitionBlock{"hold", "me", {}});
  const auto first = *queued.Start(kScope, view, {});
  clock_.Advance(kStep);
  queued.Advance();
  const auto second = *queued.Start(kScope, view, {});
  clock_.Advance(kStep);
  queued.Advance();
  queued.SetTransition(kScope, *view, "Build", TransitionKind::kInbound, std::nullopt);
  const auto stage = [&](const std::string& id) {
    const auto execution = *queued.Find(kScope, "p", id);
    return execution.waiting_for_stage ? std::string() : execution.stage_runs.back().stage_name;
  };
  EXPECT_EQ(stage(first), "Build");
  EXPECT_EQ(stage(second), "");  // behind the first
  EXPECT_EQ(queued.Find(kScope, "p", second)->status, ExecutionStatus::kInProgress);
}

TEST_F(ExecutionControlsTest, ActionRevisionFixesTheSourceRevision) {
  StartRequest request;
  request.action_revision = std::make_pair(std::string("Source"), std::string("abc123"));
  const auto id = Start(View(ThreeStagePipeline("SUPERSEDED")), std::move(request));
  ASSERT_EQ(Get(id).source_revisions.size(), 1u);
  EXPECT_EQ(Get(id).source_revisions[0].revision_id, "abc123");
}

}  // namespace
}  // namespace sluice::domain
