// Every status change leaves the engine through its change sink, in the
// order it was made, and obeys the status tables of engine_state.h.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/engine/engine_state.h"
#include "sluice/domain/engine/change_sink.h"
#include "support/engine_fixture.h"

namespace sluice::domain {
namespace {

// Writes each change as one line: "<subject>: <from> -> <to>", with "began"
// for a run that began.
class RecordingSink : public ChangeSink {
 public:
  std::vector<std::string> lines;
  std::vector<Clock::TimePoint> times;

  void ExecutionChanged(const ExecutionChange& change) override {
    Record(change.context, "execution", change.from, change.to);
  }
  void StageChanged(const StageChange& change) override {
    Record(change.context, "stage " + change.context.pipeline->stages[change.stage].name,
           change.from, change.to);
  }
  void ActionChanged(const ActionChange& change) override {
    EXPECT_FALSE(change.run.action_execution_id.empty());
    EXPECT_EQ(change.run.status, change.to);
    Record(change.context,
           "action " + change.context.pipeline->stages[change.stage].actions[change.action].name,
           change.from, change.to);
  }

 private:
  template <typename Status>
  void Record(const ChangeContext& context, const std::string& subject,
              const std::optional<Status>& from, Status to) {
    EXPECT_EQ(context.scope.account_id, kScope.account_id);
    EXPECT_EQ(context.pipeline->name, "p");
    times.push_back(context.when);
    lines.push_back(subject + ": " + (from ? std::string(ToString(*from)) + " -> " : "began ") +
                    std::string(ToString(to)));
  }
};

class ExecutionTransitionsTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  RecordingSink sink_;
  ExecutionEngine engine_{clock_, TestOptions(kStep, 100, 2, 1), &sink_};

  std::string Start(const json& pipeline) {
    StartRequest request;
    request.trigger = {"StartPipelineExecution", "arn:aws:iam::123456789012:root"};
    auto id = engine_.Start(kScope, View(pipeline), std::move(request));
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : "";
  }
  void Step(int steps = 1) {
    for (int i = 0; i < steps; ++i) {
      clock_.Advance(kStep);
      engine_.Advance();
    }
  }
};

TEST_F(ExecutionTransitionsTest, AnExecutionThatSucceedsReportsEveryChangeInOrder) {
  Start(ThreeStagePipeline("SUPERSEDED"));
  Step(3);
  const std::vector<std::string> expected = {
      "execution: began InProgress",
      "stage Source: began InProgress",
      "action Source: began InProgress",
      "action Source: InProgress -> Succeeded",
      "stage Source: InProgress -> Succeeded",
      "stage Build: began InProgress",
      "action Build: began InProgress",
      "action Build: InProgress -> Succeeded",
      "stage Build: InProgress -> Succeeded",
      "stage Deploy: began InProgress",
      "action Deploy: began InProgress",
      "action Deploy: InProgress -> Succeeded",
      "stage Deploy: InProgress -> Succeeded",
      "execution: InProgress -> Succeeded",
  };
  EXPECT_EQ(sink_.lines, expected);
  // Stamped with the engine's clock: the last change is three steps in.
  ASSERT_FALSE(sink_.times.empty());
  EXPECT_EQ(sink_.times.back() - sink_.times.front(), 3 * kStep);
}

TEST_F(ExecutionTransitionsTest, StopAndAbandonEndsTheStageRunWithTheExecution) {
  const auto id = Start(ThreeStagePipeline("SUPERSEDED"));
  sink_.lines.clear();
  ASSERT_TRUE(engine_.Stop(kScope, "p", id, /*abandon=*/true, "").ok());
  const std::vector<std::string> expected = {
      "execution: InProgress -> Stopping",
      "stage Source: InProgress -> Stopping",
      "action Source: InProgress -> Abandoned",
      "stage Source: Stopping -> Stopped",
      "execution: Stopping -> Stopped",
  };
  EXPECT_EQ(sink_.lines, expected);
  // GetPipelineState reads the stored stage status; nothing is derived.
  const auto states = engine_.StageStates(kScope, *View(ThreeStagePipeline("SUPERSEDED")));
  ASSERT_TRUE(states[0].latest_execution);
  EXPECT_EQ(states[0].latest_execution->status, StageStatus::kStopped);
}

TEST_F(ExecutionTransitionsTest, ARetryResumesTheStoppedStageAndExecution) {
  const auto id = Start(ThreeStagePipeline("SUPERSEDED"));
  ASSERT_TRUE(engine_.Stop(kScope, "p", id, /*abandon=*/true, "").ok());
  sink_.lines.clear();
  ASSERT_TRUE(engine_.Retry(kScope, "p", "Source", id, RetryMode::kFailedActions).ok());
  const std::vector<std::string> expected = {
      "execution: Stopped -> InProgress",
      "stage Source: Stopped -> InProgress",
      "action Source: began InProgress",
  };
  EXPECT_EQ(sink_.lines, expected);
}

// What events report of a retry: the attempt, and when the stage was retried.
class RetryRecordingSink : public ChangeSink {
 public:
  std::vector<std::uint32_t> attempts;
  std::vector<std::optional<Clock::TimePoint>> stage_retries;
  void ExecutionChanged(const ExecutionChange& change) override {
    attempts.push_back(change.context.attempt);
  }
  void StageChanged(const StageChange& change) override {
    stage_retries.push_back(change.last_retry);
  }
};

TEST(ExecutionTransitionsRetry, EachRetryCountsAnAttemptAndStampsTheStage) {
  FakeClock clock;
  RetryRecordingSink sink;
  ExecutionEngine engine{clock, TestOptions(kStep, 100, 2, 1), &sink};
  StartRequest request;
  request.trigger = {"StartPipelineExecution", "arn:aws:iam::123456789012:root"};
  const auto id = engine.Start(kScope, View(ThreeStagePipeline("SUPERSEDED")), std::move(request));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(engine.Stop(kScope, "p", *id, /*abandon=*/true, "").ok());
  clock.Advance(kStep);
  const auto retried_at = clock.Now();
  ASSERT_TRUE(engine.Retry(kScope, "p", "Source", *id, RetryMode::kFailedActions).ok());
  // began, stopping, stopped: attempt 1; resumed: attempt 2.
  EXPECT_EQ(sink.attempts, (std::vector<std::uint32_t>{1, 1, 1, 2}));
  ASSERT_FALSE(sink.stage_retries.empty());
  EXPECT_FALSE(sink.stage_retries.front().has_value());
  EXPECT_EQ(sink.stage_retries.back(), retried_at);
}

// The sink runs after the engine's lock is released: it may read the engine.
class ReadingSink : public ChangeSink {
 public:
  explicit ReadingSink(const ExecutionEngine*& engine) : engine_(engine) {}
  std::vector<ExecutionStatus> seen;
  void ExecutionChanged(const ExecutionChange& change) override {
    const auto found = engine_->Find(change.context.scope, change.context.pipeline->name,
                                     change.context.execution_id.ToString());
    if (found) seen.push_back(found->status);
  }

 private:
  const ExecutionEngine*& engine_;
};

TEST(ExecutionTransitionsFeed, TheSinkIsCalledOutsideTheEngineLock) {
  FakeClock clock;
  const ExecutionEngine* reader = nullptr;
  ReadingSink sink(reader);
  ExecutionEngine engine{clock, TestOptions(kStep, 100, 2, 1), &sink};
  reader = &engine;
  StartRequest request;
  request.trigger = {"StartPipelineExecution", "arn:aws:iam::123456789012:root"};
  ASSERT_TRUE(engine.Start(kScope, View(ThreeStagePipeline("SUPERSEDED")), std::move(request)).ok());
  for (int i = 0; i < 3; ++i) {
    clock.Advance(kStep);
    engine.Advance();
  }
  // Read after the fact: the status each change led to, or a later one.
  ASSERT_EQ(sink.seen.size(), 2U);
  EXPECT_EQ(sink.seen.back(), ExecutionStatus::kSucceeded);
}

TEST_F(ExecutionTransitionsTest, AnUpdateCancelsAWaitingExecutionWithoutTouchingItsStages) {
  const auto first = Start(ThreeStagePipeline("SUPERSEDED"));
  Step();  // first in Build
  const auto second = Start(ThreeStagePipeline("SUPERSEDED"));
  Step();  // first in Deploy, second in Build
  engine_.SetTransition(kScope, *View(ThreeStagePipeline("SUPERSEDED")), "Deploy",
                        TransitionKind::kInbound, TransitionBlock{"hold", "me", {}});
  Step();  // first done; second waits to enter Deploy
  sink_.lines.clear();
  engine_.PipelineUpdated(kScope, "p");
  const std::vector<std::string> expected = {"execution: InProgress -> Cancelled"};
  EXPECT_EQ(sink_.lines, expected);
  EXPECT_EQ(engine_.Find(kScope, "p", second)->status, ExecutionStatus::kCancelled);
  EXPECT_EQ(engine_.Find(kScope, "p", first)->status, ExecutionStatus::kSucceeded);
}

TEST(StatusTableTest, TerminalStatusesGoNowhereAndRetriesComeBack) {
  EXPECT_FALSE(CanMove(ExecutionStatus::kSucceeded, ExecutionStatus::kInProgress));
  EXPECT_TRUE(CanMove(ExecutionStatus::kFailed, ExecutionStatus::kInProgress));
  EXPECT_FALSE(CanMove(ExecutionStatus::kStopping, ExecutionStatus::kSucceeded));
  EXPECT_FALSE(CanMove(StageStatus::kSkipped, StageStatus::kInProgress));
  EXPECT_TRUE(CanMove(StageStatus::kStopped, StageStatus::kInProgress));
  EXPECT_FALSE(CanMove(ActionStatus::kSucceeded, ActionStatus::kFailed));
  EXPECT_TRUE(CanMove(ActionStatus::kInProgress, ActionStatus::kAbandoned));
}

}  // namespace
}  // namespace sluice::domain
