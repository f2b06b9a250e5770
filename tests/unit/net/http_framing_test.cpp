// HTTP framing as sessions (and the HTTP fuzzer) use it, on bytes in memory.
#include "net/http_framing.h"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::net {
namespace {

using State = ParseStep::State;

class HttpFramingTest : public ::testing::Test {
 protected:
  HttpFramingTest() {
    options_.header_limit = 256;
    options_.body_limit = 16;
    Fresh();
  }

  // A new parser with the limits, as a session makes one per request.
  void Fresh() {
    parser_.emplace();
    ApplyRequestLimits(*parser_, options_);
  }

  ParseStep Feed(std::string_view bytes) {
    std::memcpy(buffer_.prepare(bytes.size()).data(), bytes.data(), bytes.size());
    buffer_.commit(bytes.size());
    return ParseBufferedRequest(*parser_, buffer_);
  }

  ServerOptions options_;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
};

constexpr std::string_view kRequest =
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";

TEST_F(HttpFramingTest, WaitsForTheRestOfARequest) {
  EXPECT_EQ(Feed(kRequest.substr(0, 20)).state, State::kNeedMore);
  EXPECT_EQ(Feed(kRequest.substr(20)).state, State::kComplete);
  EXPECT_EQ(parser_->get().body(), "{}");
}

TEST_F(HttpFramingTest, LeavesAPipelinedRequestInTheBuffer) {
  EXPECT_EQ(Feed(std::string(kRequest) + std::string(kRequest)).state, State::kComplete);
  EXPECT_EQ(buffer_.size(), kRequest.size());
  Fresh();
  EXPECT_EQ(ParseBufferedRequest(*parser_, buffer_).state, State::kComplete);
  EXPECT_EQ(buffer_.size(), 0U);
}

TEST_F(HttpFramingTest, RefusesABodyOverTheLimitInTheClientsVersion) {
  const auto step = Feed("POST / HTTP/1.0\r\nContent-Length: 17\r\n\r\n");
  EXPECT_EQ(step.state, State::kRefused);
  EXPECT_EQ(step.refusal, RejectReason::kBodyTooLarge);
  EXPECT_EQ(step.http_version, 10U);
}

TEST_F(HttpFramingTest, RefusesAHeaderOverTheLimit) {
  const auto step = Feed("GET / HTTP/1.1\r\nX-Big: " + std::string(300, 'h') + "\r\n\r\n");
  EXPECT_EQ(step.state, State::kRefused);
  EXPECT_EQ(step.refusal, RejectReason::kHeaderTooLarge);
}

TEST_F(HttpFramingTest, RefusesWhatIsNotHttp) {
  const auto step = Feed("BREW / HTCPCP/1.0\r\n\r\n");
  EXPECT_EQ(step.state, State::kRefused);
  EXPECT_EQ(step.refusal, RejectReason::kMalformedHttp);
  EXPECT_EQ(step.http_version, 11U);
}

TEST(PrepareForWriteTest, SetsConnectionAndContentLength) {
  HttpResponse response{boost::beast::http::status::ok, 11};
  response.body() = "{}";
  PrepareForWrite(response, /*close_after=*/true);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_EQ(response[boost::beast::http::field::content_length], "2");
  PrepareForWrite(response, /*close_after=*/false);
  EXPECT_TRUE(response.keep_alive());
}

}  // namespace
}  // namespace sluice::net
