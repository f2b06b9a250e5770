// The hub: numbering, the bounded ring, filters, watches and resets.
#include "events/event_hub.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "events/event_renderer.h"
#include "support/engine_fixture.h"

namespace sluice::events {
namespace {

using domain::kScope;
using domain::kStep;

class EventHubTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  EventHub hub_{10};  // small: the ring's bound is under test
  domain::ExecutionEngine engine_{clock_, domain::TestOptions(kStep, 100, 5, 1), &hub_};

  std::string Start(const std::string& name = "p") {
    auto pipeline = domain::ThreeStagePipeline("PARALLEL");
    pipeline["name"] = name;
    auto id = engine_.Start(kScope, domain::View(pipeline), domain::StartRequest{});
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : "";
  }
  void Step(int steps) {
    for (int i = 0; i < steps; ++i) {
      clock_.Advance(kStep);
      engine_.Advance();
    }
  }
  std::vector<std::uint64_t> Sequences(const EventPage& page) {
    std::vector<std::uint64_t> numbers;
    for (const auto& event : page.events) numbers.push_back(event->sequence);
    return numbers;
  }
};

TEST_F(EventHubTest, ReadsPageAfterASequenceNumber) {
  Start();  // three events: pipeline, stage, action STARTED
  const EventPage all = hub_.Read(0, {}, 100);
  EXPECT_EQ(Sequences(all), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(all.next_after, 3U);
  EXPECT_EQ(all.oldest_available, 1U);
  const EventPage rest = hub_.Read(1, {}, 1);
  EXPECT_EQ(Sequences(rest), (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(rest.next_after, 2U);
  const EventPage none = hub_.Read(3, {}, 100);
  EXPECT_TRUE(none.events.empty());
  EXPECT_EQ(none.next_after, 3U);
}

TEST_F(EventHubTest, ANumberNeverGivenReadsFromTheStart) {
  Start();  // 1..3
  // A reader of an earlier run of the server, or one that made a number up.
  EXPECT_EQ(Sequences(hub_.Read(5000, {}, 100)), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(Sequences(hub_.Read(UINT64_MAX, {}, 100)), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_TRUE(hub_.Read(3, {}, 100).events.empty());
}

TEST_F(EventHubTest, KeepsTheLatestAndSaysWhatIsGone) {
  Start();
  Step(3);  // 14 events, 10 held
  const EventPage page = hub_.Read(0, {}, 100);
  EXPECT_EQ(page.events.size(), 10U);
  EXPECT_EQ(page.oldest_available, 5U);
  EXPECT_EQ(page.events.front()->sequence, 5U);
  EXPECT_EQ(page.next_after, 14U);
  EXPECT_EQ(hub_.Health()["published"], 14);
}

TEST_F(EventHubTest, FiltersByPipelineTypeExecutionAndState) {
  const std::string first = Start("one");
  Start("two");
  EventFilter filter;
  filter.pipeline = "two";
  EXPECT_EQ(Sequences(hub_.Read(0, filter, 100)), (std::vector<std::uint64_t>{4, 5, 6}));
  filter = {};
  filter.detail_type = kStageDetailType;
  EXPECT_EQ(Sequences(hub_.Read(0, filter, 100)), (std::vector<std::uint64_t>{2, 5}));
  filter = {};
  filter.execution_id = first;
  filter.state = "STARTED";
  EXPECT_EQ(Sequences(hub_.Read(0, filter, 100)), (std::vector<std::uint64_t>{1, 2, 3}));
  // A page of nothing matching still moves the reader past what it read.
  filter.state = "FAILED";
  const EventPage none = hub_.Read(0, filter, 100);
  EXPECT_TRUE(none.events.empty());
  EXPECT_EQ(none.next_after, 6U);
}

TEST_F(EventHubTest, AWatchWakesOnceWhenTheNextEventComes) {
  int woken = 0;
  hub_.Watch(0, [&] { ++woken; });
  EXPECT_EQ(woken, 0);
  Start();
  EXPECT_EQ(woken, 1);  // once, though three events came
  Step(1);
  EXPECT_EQ(woken, 1);
  // Already there: at once.
  hub_.Watch(2, [&] { ++woken; });
  EXPECT_EQ(woken, 2);
  // Unwatched: never.
  const auto id = hub_.Watch(hub_.Read(0, {}, 100).next_after, [&] { ++woken; });
  hub_.Unwatch(id);
  Step(1);
  EXPECT_EQ(woken, 2);
}

TEST_F(EventHubTest, OutletsGetEveryEventInOrder) {
  std::vector<std::uint64_t> offered;
  EventHub hub(3);
  hub.AddOutlet([&](const EventPtr& event) { offered.push_back(event->sequence); });
  domain::ExecutionEngine engine{clock_, domain::TestOptions(kStep, 100, 5, 1), &hub};
  ASSERT_TRUE(engine.Start(kScope, domain::View(domain::ThreeStagePipeline("PARALLEL")), {}).ok());
  clock_.Advance(kStep);
  engine.Advance();
  // Beyond the ring's bound too: outlets have queues of their own.
  EXPECT_EQ(offered, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7}));
}

TEST_F(EventHubTest, AResetForgetsTheEventsNotTheNumbering) {
  Start();
  EXPECT_EQ(hub_.RemoveAll({std::string("999999999999"), std::nullopt}), 0U);
  EXPECT_EQ(hub_.RemoveAll({}), 3U);
  const EventPage empty = hub_.Read(0, {}, 100);
  EXPECT_TRUE(empty.events.empty());
  EXPECT_EQ(empty.oldest_available, 4U);  // the next to come
  Start();
  EXPECT_EQ(hub_.Read(0, {}, 100).events.front()->sequence, 4U);
}

TEST_F(EventHubTest, AScopedResetLeavesHolesThatReadsStepOver) {
  Start("one");  // 1..3
  const auto other_scope = domain::Scope{"210987654321", "eu-west-1"};
  auto pipeline = domain::ThreeStagePipeline("PARALLEL");
  ASSERT_TRUE(engine_.Start(other_scope, domain::View(pipeline), domain::StartRequest{}).ok());  // 4..6
  Start("two");  // 7..9
  EXPECT_EQ(hub_.RemoveAll({std::string("210987654321"), std::nullopt}), 3U);
  EXPECT_EQ(Sequences(hub_.Read(0, {}, 100)), (std::vector<std::uint64_t>{1, 2, 3, 7, 8, 9}));
  EXPECT_EQ(Sequences(hub_.Read(4, {}, 100)), (std::vector<std::uint64_t>{7, 8, 9}));
  EXPECT_EQ(Sequences(hub_.Read(5, {}, 2)), (std::vector<std::uint64_t>{7, 8}));
  EXPECT_TRUE(hub_.Read(9, {}, 100).events.empty());
  // And the state document keeps the holes.
  EventHub other(10);
  other.CommitState(other.ParseState(hub_.DumpState()));
  EXPECT_EQ(Sequences(other.Read(2, {}, 100)), (std::vector<std::uint64_t>{3, 7, 8, 9}));
}

TEST_F(EventHubTest, StateRoundTripsAndNeverRenumbersBackwards) {
  Start();
  const nlohmann::json section = hub_.DumpState();
  EXPECT_EQ(section["nextSequence"], 4);
  EventHub other(10);
  other.CommitState(other.ParseState(section));
  EXPECT_EQ(other.DumpState(), section);
  // A hub further along never gives a number twice: the loaded events move
  // up past those it gave out, and a waiting reader looks again.
  Step(1);  // 7 published
  int woken = 0;
  hub_.Watch(7, [&] { ++woken; });
  hub_.CommitState(hub_.ParseState(section));
  EXPECT_EQ(woken, 1);
  const EventPage page = hub_.Read(0, {}, 100);
  ASSERT_EQ(page.events.size(), 3U);
  EXPECT_EQ(page.events.front()->sequence, 8U);  // loaded as 8..10
  EXPECT_EQ(page.oldest_available, 8U);
  EXPECT_EQ(hub_.Health()["nextSequence"], 11);
  EXPECT_THROW(hub_.ParseState({{"nextSequence", 0}, {"held", nlohmann::json::array()}}),
               std::invalid_argument);
}

}  // namespace
}  // namespace sluice::events
