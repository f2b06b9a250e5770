#include "events/delivery/event_target.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <vector>

#include "events/delivery_support.h"

namespace sluice::events::delivery {
namespace {

using namespace std::chrono_literals;
using testing::Gate;
using testing::MakeEvent;
using testing::QuickOptions;
using testing::SendLog;
using testing::WaitUntil;
using Sequences = std::vector<std::vector<std::uint64_t>>;

// A sender that logs each batch and answers with `answer` (all delivered
// when it has none). The log is shared: the target's thread may outlive a
// test's locals only in the test that leaves a send behind, which owns all
// it touches through shared pointers.
BatchSender LoggingSender(
    std::shared_ptr<SendLog> log,
    std::function<SendOutcome(const std::vector<EventPtr>&, std::size_t call)> answer = {}) {
  return [log = std::move(log), answer = std::move(answer)](const std::vector<EventPtr>& batch) {
    log->Record(batch);
    return answer ? answer(batch, log->calls()) : SendOutcome{};
  };
}

TEST(EventTargetTest, SendsEveryEventOnceInTheOrderOffered) {
  auto log = std::make_shared<SendLog>();
  EventTarget target("test", LoggingSender(log), Batching{}, QuickOptions());
  for (std::uint64_t i = 1; i <= 100; ++i) target.Offer(MakeEvent(i));
  ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 100; }));

  Sequences expected;
  for (std::uint64_t i = 1; i <= 100; ++i) expected.push_back({i});
  EXPECT_EQ(log->batches(), expected);
  const TargetStats stats = target.Stats();
  EXPECT_EQ(stats.target, "test");
  EXPECT_EQ(stats.retries, 0u);
  EXPECT_EQ(stats.dropped_queue_full + stats.dropped_gave_up, 0u);
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_EQ(stats.last_error, "");
}

// How each failure pattern plays out with three attempts per event.
TEST(EventTargetTest, RetriesAFailedSendThenGivesUpAndMovesOn) {
  struct Case {
    const char* name;
    std::vector<bool> call_fails;  // per call, in order; later calls succeed
    Sequences sends;
    std::uint64_t delivered;
    std::uint64_t gave_up;
    std::uint64_t retries;
  };
  const Case cases[] = {
      {"no failure", {}, {{1}, {2}}, 2, 0, 0},
      {"one retry", {true}, {{1}, {1}, {2}}, 2, 0, 1},
      {"last attempt succeeds", {true, true}, {{1}, {1}, {1}, {2}}, 2, 0, 2},
      {"gives up, next goes", {true, true, true}, {{1}, {1}, {1}, {2}}, 1, 1, 2},
      {"both fail", {true, true, true, true, true, true}, {{1}, {1}, {1}, {2}, {2}, {2}}, 0, 2, 4},
  };
  for (const Case& c : cases) {
    auto log = std::make_shared<SendLog>();
    const std::vector<bool> fails = c.call_fails;
    EventTarget target("test",
                       LoggingSender(log,
                                     [fails](const std::vector<EventPtr>& batch, std::size_t call) {
                                       if (call <= fails.size() && fails[call - 1]) {
                                         return SendOutcome{batch, "boom " + std::to_string(call)};
                                       }
                                       return SendOutcome{};
                                     }),
                       Batching{}, QuickOptions(/*max_attempts=*/3));
    target.Offer(MakeEvent(1));
    target.Offer(MakeEvent(2));
    ASSERT_TRUE(WaitUntil([&] {
      const TargetStats stats = target.Stats();
      return stats.delivered + stats.dropped_gave_up == 2;
    })) << c.name;

    const TargetStats stats = target.Stats();
    EXPECT_EQ(log->batches(), c.sends) << c.name;
    EXPECT_EQ(stats.delivered, c.delivered) << c.name;
    EXPECT_EQ(stats.dropped_gave_up, c.gave_up) << c.name;
    EXPECT_EQ(stats.retries, c.retries) << c.name;
    const auto failures = static_cast<std::size_t>(std::count(fails.begin(), fails.end(), true));
    EXPECT_EQ(stats.last_error, failures ? "boom " + std::to_string(failures) : "") << c.name;
  }
}

TEST(EventTargetTest, BackoffDoublesFromTheFirstAndStopsAtTheCap) {
  RetryPolicy retry;
  retry.first_backoff = 100ms;
  retry.max_backoff = 5000ms;
  const std::chrono::milliseconds expected[] = {100ms, 200ms, 400ms, 800ms, 1600ms, 3200ms,
                                                5000ms, 5000ms};
  for (int failures = 1; failures <= 8; ++failures) {
    EXPECT_EQ(BackoffAfter(failures, retry), expected[failures - 1]) << failures;
  }
  EXPECT_EQ(BackoffAfter(1'000'000, retry), 5000ms);  // no overflow after many
}

TEST(EventTargetTest, AFullQueueDropsAndCountsWithoutBlockingTheOfferer) {
  auto log = std::make_shared<SendLog>();
  auto gate = std::make_shared<Gate>();
  TargetOptions options = QuickOptions();
  options.queue_capacity = 3;
  EventTarget target("test",
                     LoggingSender(log,
                                   [gate](const std::vector<EventPtr>&, std::size_t) {
                                     gate->Wait();
                                     return SendOutcome{};
                                   }),
                     Batching{}, options);
  target.Offer(MakeEvent(1));
  ASSERT_TRUE(WaitUntil([&] { return gate->arrived() == 1; }));  // event 1 is in flight

  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 2; i <= 1000; ++i) target.Offer(MakeEvent(i));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);  // nothing waited for the send
  TargetStats stats = target.Stats();
  EXPECT_EQ(stats.queued, 3u);
  EXPECT_EQ(stats.dropped_queue_full, 996u);

  gate->Open();
  ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 4; }));
  EXPECT_EQ(log->batches(), (Sequences{{1}, {2}, {3}, {4}}));
  // Room again: the next event is taken.
  target.Offer(MakeEvent(1001));
  ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 5; }));
  EXPECT_EQ(target.Stats().dropped_queue_full, 996u);
}

TEST(EventTargetTest, StopDuringABackoffReturnsAtOnce) {
  auto log = std::make_shared<SendLog>();
  TargetOptions options;
  options.retry.first_backoff = 30s;
  options.retry.max_backoff = 30s;
  EventTarget target("test",
                     LoggingSender(log,
                                   [](const std::vector<EventPtr>& batch, std::size_t) {
                                     return SendOutcome{batch, "down"};
                                   }),
                     Batching{}, options);
  target.Offer(MakeEvent(1));
  target.Offer(MakeEvent(2));
  ASSERT_TRUE(WaitUntil([&] { return log->calls() == 1; }));

  const auto start = std::chrono::steady_clock::now();
  target.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  const TargetStats stats = target.Stats();
  EXPECT_EQ(stats.delivered, 0u);
  EXPECT_EQ(stats.retries, 0u);
  EXPECT_EQ(stats.last_error, "down");
  EXPECT_EQ(log->calls(), 1u);

  // Stopped is stopped: a later offer is ignored and a second Stop is fine.
  target.Offer(MakeEvent(3));
  EXPECT_EQ(target.Stats().queued, 1u);  // event 2, abandoned
  target.Stop();
}

TEST(EventTargetTest, StopLeavesBehindASendThatOutlivesTheGrace) {
  auto gate = std::make_shared<Gate>();
  auto log = std::make_shared<SendLog>();
  TargetOptions options = QuickOptions();
  options.stop_grace = 100ms;
  auto target = std::make_unique<EventTarget>(
      "test",
      LoggingSender(log,
                    [gate](const std::vector<EventPtr>&, std::size_t) {
                      gate->Wait();
                      return SendOutcome{};
                    }),
      Batching{}, options);
  target->Offer(MakeEvent(1));
  ASSERT_TRUE(WaitUntil([&] { return gate->arrived() == 1; }));

  const auto start = std::chrono::steady_clock::now();
  target.reset();  // the destructor stops
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 90ms);
  EXPECT_LT(took, 2s);

  // The thread left behind finishes on what it owns once its send returns.
  gate->Open();
  ASSERT_TRUE(WaitUntil([&] { return log.use_count() == 1; }));
}

TEST(EventTargetTest, ASenderThatThrowsFailsTheBatchAndTheThreadLivesOn) {
  auto log = std::make_shared<SendLog>();
  EventTarget target("test",
                     LoggingSender(log,
                                   [](const std::vector<EventPtr>&, std::size_t call) {
                                     if (call == 1) throw std::runtime_error("kaboom");
                                     return SendOutcome{};
                                   }),
                     Batching{}, QuickOptions());
  target.Offer(MakeEvent(1));
  ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 1; }));
  EXPECT_EQ(target.Stats().retries, 1u);
  EXPECT_EQ(target.Stats().last_error, "send failed: kaboom");
}

TEST(EventTargetTest, BatchesTakeWhatIsQueuedUpToTheLimitWithinOneRegion) {
  struct Case {
    const char* name;
    Batching batching;
    Sequences sends;
  };
  const Case cases[] = {
      {"one at a time", {1, false}, {{1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}}},
      {"up to three, any region", {3, false}, {{1}, {2, 3, 4}, {5, 6, 7}, {8}}},
      {"up to three, one region", {3, true}, {{1}, {2, 3, 4}, {5, 6}, {7, 8}}},
      {"up to ten, one region", {10, true}, {{1}, {2, 3, 4}, {5, 6}, {7, 8}}},
  };
  const char* regions[] = {"us-east-1", "us-east-1", "us-east-1", "us-east-1",
                           "eu-west-1", "eu-west-1", "us-east-1", "us-east-1"};
  for (const Case& c : cases) {
    auto log = std::make_shared<SendLog>();
    auto gate = std::make_shared<Gate>();
    EventTarget target("test",
                       LoggingSender(log,
                                     [gate](const std::vector<EventPtr>&, std::size_t) {
                                       gate->Wait();
                                       return SendOutcome{};
                                     }),
                       c.batching, QuickOptions());
    // The first send holds until everything else is queued, so the batches
    // do not depend on how fast the thread is.
    target.Offer(MakeEvent(1, regions[0]));
    ASSERT_TRUE(WaitUntil([&] { return gate->arrived() == 1; })) << c.name;
    for (std::uint64_t i = 2; i <= 8; ++i) target.Offer(MakeEvent(i, regions[i - 1]));
    gate->Open();
    ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 8; })) << c.name;
    EXPECT_EQ(log->batches(), c.sends) << c.name;
  }
}

TEST(EventTargetTest, APartlyFailedBatchResendsOnlyTheFailedBeforeWhatFollows) {
  auto log = std::make_shared<SendLog>();
  auto gate = std::make_shared<Gate>();
  EventTarget target("test",
                     LoggingSender(log,
                                   [gate](const std::vector<EventPtr>& batch, std::size_t call) {
                                     gate->Wait();
                                     // The second call refuses events 2 and 4 of 2..5.
                                     if (call == 2) return SendOutcome{{batch[0], batch[2]}, "x"};
                                     return SendOutcome{};
                                   }),
                     Batching{4, false}, QuickOptions());
  target.Offer(MakeEvent(1));
  ASSERT_TRUE(WaitUntil([&] { return gate->arrived() == 1; }));
  // Event 6 is queued all along, yet waits for the resend of 2 and 4.
  for (std::uint64_t i = 2; i <= 6; ++i) target.Offer(MakeEvent(i));
  gate->Open();
  ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 6; }));
  EXPECT_EQ(log->batches(), (Sequences{{1}, {2, 3, 4, 5}, {2, 4}, {6}}));
  EXPECT_EQ(target.Stats().retries, 2u);
}

}  // namespace
}  // namespace sluice::events::delivery
