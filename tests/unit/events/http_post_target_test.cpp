#include "events/delivery/http_post_target.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "events/delivery_support.h"
#include "events/local_http_server.h"

namespace sluice::events::delivery {
namespace {

using testing::Answered;
using testing::HeaderOf;
using testing::MakeEvent;
using testing::QuickOptions;
using testing::RecordingTransport;
using testing::WaitUntil;

const TargetUrl kHook{"hooks.example", 8080, "/ci?team=a"};

TEST(HttpPostTargetTest, PostsEachEventsJsonAsItsOwnRequest) {
  auto transport = std::make_shared<RecordingTransport>();
  TargetOptions options = QuickOptions();
  options.send_timeout = std::chrono::milliseconds(1234);
  HttpPostTarget target(kHook, options, RecordingTransport::Into(transport));
  for (std::uint64_t i = 1; i <= 3; ++i) target.Offer(MakeEvent(i));
  ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 3; }));

  const auto requests = transport->requests();
  ASSERT_EQ(requests.size(), 3u);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].body, MakeEvent(i + 1)->json);
    EXPECT_EQ(FormatTargetUrl(requests[i].url), "http://hooks.example:8080/ci?team=a");
    EXPECT_EQ(HeaderOf(requests[i], "Content-Type"), "application/json");
    EXPECT_EQ(requests[i].timeout.count(), 1234);
  }
  EXPECT_EQ(target.Stats().target, "http://hooks.example:8080/ci?team=a");
}

// Which answers deliver and which are retried.
TEST(HttpPostTargetTest, Any2xxDeliversAndAnythingElseIsRetried) {
  struct Case {
    int status;  // 0: no answer
    bool delivers;
    const char* error;
  };
  const Case cases[] = {
      {200, true, ""},
      {201, true, ""},
      {204, true, ""},
      {299, true, ""},
      {0, false, "connecting to target: Connection refused"},
      {199, false, "HTTP 199: nope"},
      {301, false, "HTTP 301: nope"},
      {404, false, "HTTP 404: nope"},
      {429, false, "HTTP 429: nope"},
      {500, false, "HTTP 500: nope"},
  };
  for (const Case& c : cases) {
    auto transport = std::make_shared<RecordingTransport>(
        [&c](const PostRequest&, std::size_t) { return Answered(c.status, "nope"); });
    HttpPostTarget target(kHook, QuickOptions(/*max_attempts=*/2),
                          RecordingTransport::Into(transport));
    target.Offer(MakeEvent(1));
    ASSERT_TRUE(WaitUntil([&] {
      const TargetStats stats = target.Stats();
      return stats.delivered + stats.dropped_gave_up == 1;
    })) << c.status;
    const TargetStats stats = target.Stats();
    EXPECT_EQ(stats.delivered, c.delivers ? 1u : 0u) << c.status;
    EXPECT_EQ(transport->requests().size(), c.delivers ? 1u : 2u) << c.status;
    EXPECT_EQ(stats.last_error, c.error) << c.status;
  }
}

TEST(HttpPostTargetTest, DeliversOverARealSocket) {
  testing::LocalHttpServer server(200, "ok");
  HttpPostTarget target({"127.0.0.1", server.port(), "/events"}, QuickOptions());
  target.Offer(MakeEvent(7));
  const auto received = server.Received();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->target(), "/events");
  EXPECT_EQ((*received)["Content-Type"], "application/json");
  EXPECT_EQ(received->body(), MakeEvent(7)->json);
  ASSERT_TRUE(WaitUntil([&] { return target.Stats().delivered == 1; }));
}

TEST(HttpPostTargetTest, ARefusedConnectionIsRetriedThenCountedAsDropped) {
  HttpPostTarget target({"127.0.0.1", testing::RefusingPort(), "/"}, QuickOptions(3));
  target.Offer(MakeEvent(1));
  ASSERT_TRUE(WaitUntil([&] { return target.Stats().dropped_gave_up == 1; }));
  const TargetStats stats = target.Stats();
  EXPECT_EQ(stats.delivered, 0u);
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_NE(stats.last_error.find("refused"), std::string::npos) << stats.last_error;
}

}  // namespace
}  // namespace sluice::events::delivery
