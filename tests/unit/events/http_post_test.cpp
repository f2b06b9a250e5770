#include "events/delivery/http_post.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "events/local_http_server.h"

namespace sluice::events::delivery {
namespace {

using testing::LocalHttpServer;

TEST(ParseTargetUrlTest, ReadsHostPortAndTarget) {
  struct Case {
    const char* url;
    const char* host;
    std::uint16_t port;
    const char* target;
  };
  const Case cases[] = {
      {"http://localhost:4566", "localhost", 4566, "/"},
      {"http://example.com", "example.com", 80, "/"},
      {"http://example.com/", "example.com", 80, "/"},
      {"HTTP://Example.com/hooks/ci?x=1&y=2#ignored", "Example.com", 80, "/hooks/ci?x=1&y=2"},
      {"http://127.0.0.1:8080?a=b", "127.0.0.1", 8080, "/?a=b"},
      {"http://[::1]:9000/p", "::1", 9000, "/p"},
      {"http://[::1]/p", "::1", 80, "/p"},
  };
  for (const Case& c : cases) {
    std::string error;
    const auto url = ParseTargetUrl(c.url, &error);
    ASSERT_TRUE(url.has_value()) << c.url << ": " << error;
    EXPECT_EQ(url->host, c.host) << c.url;
    EXPECT_EQ(url->port, c.port) << c.url;
    EXPECT_EQ(url->target, c.target) << c.url;
  }
}

TEST(ParseTargetUrlTest, RefusesWhatItCannotPostToAndSaysWhy) {
  struct Case {
    const char* url;
    const char* why;
  };
  const Case cases[] = {
      {"https://example.com/hook", "HTTPS targets are not supported yet"},
      {"ftp://example.com/", "is not an http:// URL"},
      {"example.com:80/hook", "is not an http:// URL"},
      {"", "is not an http:// URL"},
      {"http://", "names no host"},
      {"http://:8080/", "names no host"},
      {"http://[]:8080/", "names no host"},
      {"http://host:0/", "bad port"},
      {"http://host:65536/", "bad port"},
      {"http://host:/", "bad port"},
      {"http://host:80a/", "bad port"},
      {"http://[::1]x/", "text after its IPv6 address"},
      {"http://[::1/", "unclosed IPv6 address"},
      {"http://user:pw@host/", "user names in URLs are not supported"},
      {"http://host/a b", "space or control character"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(ParseTargetUrl(c.url, &error).has_value()) << c.url;
    EXPECT_NE(error.find(c.why), std::string::npos) << c.url << " gave: " << error;
  }
  EXPECT_FALSE(ParseTargetUrl("https://x/").has_value());  // no error wanted: no crash
}

TEST(ParseTargetUrlTest, FormatsAndNamesTheHostAsClientsDo) {
  const TargetUrl plain{"example.com", 80, "/hook"};
  const TargetUrl ported{"localhost", 4566, "/"};
  const TargetUrl ipv6{"::1", 9000, "/p?q"};
  EXPECT_EQ(FormatTargetUrl(plain), "http://example.com:80/hook");
  EXPECT_EQ(FormatTargetUrl(ipv6), "http://[::1]:9000/p?q");
  EXPECT_EQ(HostHeader(plain), "example.com");
  EXPECT_EQ(HostHeader(ported), "localhost:4566");
  EXPECT_EQ(HostHeader(ipv6), "[::1]:9000");
}

TEST(PostTest, PostsOverARealSocketAndReadsTheAnswer) {
  LocalHttpServer server(202, R"({"accepted":true})");
  PostRequest request;
  request.url = {"127.0.0.1", server.port(), "/hooks/ci?x=1"};
  request.headers = {{"Content-Type", "application/json"}, {"X-Test", "yes"}};
  request.body = R"({"detail-type":"CodePipeline Pipeline Execution State Change"})";

  const PostResult result = Post(request);
  ASSERT_TRUE(result.answered()) << result.error;
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.status, 202);
  EXPECT_EQ(result.body, R"({"accepted":true})");

  const auto received = server.Received();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->method_string(), "POST");
  EXPECT_EQ(received->target(), "/hooks/ci?x=1");
  EXPECT_EQ((*received)["Host"], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ((*received)["Content-Type"], "application/json");
  EXPECT_EQ((*received)["X-Test"], "yes");
  EXPECT_EQ((*received)["Connection"], "close");
  EXPECT_EQ(received->body(), request.body);
}

TEST(PostTest, AnErrorStatusIsAnAnswerButNotOk) {
  LocalHttpServer server(503, "busy");
  const PostResult result = Post({{"127.0.0.1", server.port(), "/"}, {}, "{}"});
  EXPECT_TRUE(result.answered()) << result.error;
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status, 503);
  EXPECT_EQ(result.body, "busy");
}

TEST(PostTest, ARefusedConnectionIsAnErrorNotAnException) {
  const PostResult result = Post({{"127.0.0.1", testing::RefusingPort(), "/"}, {}, "{}"});
  EXPECT_FALSE(result.answered());
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("refused"), std::string::npos) << result.error;
}

TEST(PostTest, ASilentServerTimesOutWithinTheBound) {
  LocalHttpServer server(200, "", LocalHttpServer::Mode::kStaySilent);
  PostRequest request{{"127.0.0.1", server.port(), "/"}, {}, "{}"};
  request.timeout = std::chrono::milliseconds(200);

  const auto start = std::chrono::steady_clock::now();
  const PostResult result = Post(request);
  const auto took = std::chrono::steady_clock::now() - start;

  EXPECT_FALSE(result.answered());
  EXPECT_NE(result.error.find("no answer within 200 ms"), std::string::npos) << result.error;
  EXPECT_GE(took, std::chrono::milliseconds(150));
  EXPECT_LT(took, std::chrono::seconds(3));
}

}  // namespace
}  // namespace sluice::events::delivery
