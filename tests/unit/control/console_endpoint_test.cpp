#include "control/console_endpoint.h"

#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <string>

#include "console/console_assets.h"

namespace sluice::control {
namespace {

namespace http = boost::beast::http;

net::HttpRequest Request(http::verb method, const std::string& target) {
  net::HttpRequest request{method, target, 11};
  request.set(http::field::host, "127.0.0.1");
  return request;
}

std::string Header(const net::HttpResponse& response, http::field field) {
  return std::string(response[field]);
}

TEST(ConsoleEndpointTest, KnowsItsPaths) {
  EXPECT_TRUE(IsConsolePath("/_sluice/ui"));
  EXPECT_TRUE(IsConsolePath("/_sluice/ui/"));
  EXPECT_TRUE(IsConsolePath("/_sluice/ui/console.js"));
  EXPECT_FALSE(IsConsolePath("/_sluice/uix"));
  EXPECT_FALSE(IsConsolePath("/_sluice/health"));
  EXPECT_FALSE(IsConsolePath("/ui/"));
}

TEST(ConsoleEndpointTest, TheFolderAnswersThePage) {
  const net::HttpResponse response = ServeConsole(Request(http::verb::get, "/_sluice/ui/"));
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(Header(response, http::field::content_type), "text/html; charset=utf-8");
  EXPECT_EQ(response.body(), std::string(console::FindConsoleAsset("index.html")->bytes));
  EXPECT_NE(response.body().find("<html"), std::string::npos);
  EXPECT_EQ(Header(response, http::field::cache_control), "no-cache");
  EXPECT_NE(std::string(response["Content-Security-Policy"]).find("default-src 'self'"),
            std::string::npos);
}

TEST(ConsoleEndpointTest, EachFileWithItsMediaTypeAndTheQueryIgnored) {
  struct Case {
    const char* target;
    const char* content_type;
    const char* asset;
  };
  const Case cases[] = {
      {"/_sluice/ui/index.html", "text/html; charset=utf-8", "index.html"},
      {"/_sluice/ui/console.js", "text/javascript; charset=utf-8", "console.js"},
      {"/_sluice/ui/console.css?v=2", "text/css; charset=utf-8", "console.css"},
  };
  for (const Case& c : cases) {
    const net::HttpResponse response = ServeConsole(Request(http::verb::get, c.target));
    EXPECT_EQ(response.result(), http::status::ok) << c.target;
    EXPECT_EQ(Header(response, http::field::content_type), c.content_type) << c.target;
    EXPECT_EQ(response.body(), std::string(console::FindConsoleAsset(c.asset)->bytes)) << c.target;
  }
}

TEST(ConsoleEndpointTest, WithoutTheSlashItSendsOnToTheFolder) {
  // Relative links (console.js) resolve against the folder only with it.
  const net::HttpResponse response = ServeConsole(Request(http::verb::get, "/_sluice/ui"));
  EXPECT_EQ(response.result(), http::status::moved_permanently);
  EXPECT_EQ(Header(response, http::field::location), "/_sluice/ui/");
}

TEST(ConsoleEndpointTest, HeadHasTheHeadersOnly) {
  const net::HttpResponse response = ServeConsole(Request(http::verb::head, "/_sluice/ui/console.js"));
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(Header(response, http::field::content_type), "text/javascript; charset=utf-8");
  EXPECT_TRUE(response.body().empty());
}

TEST(ConsoleEndpointTest, RefusesOtherMethods) {
  for (const http::verb method : {http::verb::post, http::verb::put, http::verb::delete_}) {
    const net::HttpResponse response = ServeConsole(Request(method, "/_sluice/ui/"));
    EXPECT_EQ(response.result(), http::status::method_not_allowed);
    EXPECT_EQ(Header(response, http::field::allow), "GET, HEAD");
    EXPECT_NE(response.body().find("MethodNotAllowed"), std::string::npos);
  }
}

TEST(ConsoleEndpointTest, NamesThatAreNoAssetAreNotFound) {
  for (const char* target : {"/_sluice/ui/nope.js", "/_sluice/ui/../health", "/_sluice/ui/%2e%2e/state",
                             "/_sluice/ui/assets/index.html", "/_sluice/ui//index.html",
                             "/_sluice/ui/index.html/"}) {
    const net::HttpResponse response = ServeConsole(Request(http::verb::get, target));
    EXPECT_EQ(response.result(), http::status::not_found) << target;
    EXPECT_NE(response.body().find("\"NotFound\""), std::string::npos) << target;
  }
}

TEST(ConsoleAssetsTest, ThePageLoadsOnlyWhatIsCompiledIn) {
  const console::ConsoleAsset* page = console::FindConsoleAsset("index.html");
  ASSERT_NE(page, nullptr);
  for (const char* name : {"console.js", "console.css"}) {
    ASSERT_NE(console::FindConsoleAsset(name), nullptr) << name;
    EXPECT_NE(page->bytes.find(name), std::string_view::npos) << "index.html does not load " << name;
  }
  // No CDN, no download: the console works offline and in the scratch image.
  for (const console::ConsoleAsset& asset : console::ConsoleAssets()) {
    EXPECT_EQ(asset.bytes.find("https://"), std::string_view::npos) << asset.name;
    EXPECT_EQ(asset.bytes.find("//cdn"), std::string_view::npos) << asset.name;
  }
}

TEST(ConsoleAssetsTest, StaysSmall) {
  // The bound: the console is about 200 KB at most.
  EXPECT_LT(console::ConsoleAssetBytes(), 200u * 1024u);
}

}  // namespace
}  // namespace sluice::control
