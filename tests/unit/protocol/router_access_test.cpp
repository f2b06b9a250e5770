// The router under --auth strict and a control token: who may reach the AWS
// operations, the controls and the webhooks, with requests signed by the same
// SigV4 signer sluice uses for PutEvents. No sockets.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "events/delivery/sigv4_signer.h"
#include "sluice/api/pipeline_ops.h"
#include "sluice/domain/pipeline/pipeline_service.h"
#include "sluice/protocol/aws_json_router.h"
#include "sluice/store/in_memory_pipeline_repository.h"
#include "support/pipelines.h"

namespace sluice::protocol {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;

constexpr const char* kToken = "control-token-0123456789";

class RouterAccessTest : public ::testing::Test {
 protected:
  RouterAccessTest() : service_(repository_, clock_) {
    api::RegisterPipelineOps(table_, service_);
    RouterOptions options{"000000000000", "us-east-1", "test", 1024, "", verifier_, kToken, false};
    ControlHooks hooks;
    hooks.control = [](const net::HttpRequest& request) {
      net::HttpResponse response{http::status::ok, request.version()};
      response.body() = "controls";
      return response;
    };
    hooks.webhook = [](const net::HttpRequest& request) {
      net::HttpResponse response{http::status::ok, request.version()};
      response.body() = "webhook";
      return response;
    };
    router_ = std::make_unique<AwsJsonRouter>(table_, options, hooks);
  }

  // A ListPipelines call signed with `secret` for `key` at `when`.
  static net::HttpRequest Signed(const std::string& key, const std::string& secret,
                                 std::chrono::system_clock::time_point when,
                                 const std::string& service = "codepipeline") {
    const std::string body = "{}";
    events::delivery::SigV4Request to_sign{
        "POST", "localhost:4599", "/", "",
        {{"Content-Type", "application/x-amz-json-1.1"},
         {"X-Amz-Target", "CodePipeline_20150709.ListPipelines"}},
        body};
    const auto signature = events::delivery::SignSigV4(to_sign, "eu-west-1", service,
                                                       {key, secret, std::nullopt}, when);
    net::HttpRequest request{http::verb::post, "/", 11};
    request.set(http::field::host, "localhost:4599");
    request.set(http::field::content_type, "application/x-amz-json-1.1");
    request.set("X-Amz-Target", "CodePipeline_20150709.ListPipelines");
    for (const auto& [name, value] : signature.headers) request.set(name, value);
    request.body() = body;
    return request;
  }

  net::HttpResponse Handle(net::HttpRequest request) { return router_->Handle(std::move(request)); }

  static std::string Type(const net::HttpResponse& response) {
    return json::parse(response.body()).value("__type", "");
  }

  FakeClock clock_;
  store::InMemoryPipelineRepository repository_;
  domain::PipelineService service_;
  api::OperationTable table_;
  CredentialStore credentials_{{{"AKIDEXAMPLE", "secret-a", std::nullopt, "111111111111", "a"}}};
  std::shared_ptr<const SigV4Verifier> verifier_ =
      std::make_shared<const SigV4Verifier>(credentials_, "codepipeline");
  std::unique_ptr<AwsJsonRouter> router_;
};

TEST_F(RouterAccessTest, ASignedRequestActsInItsKeysAccountAndScopeRegion) {
  const auto response = Handle(Signed("AKIDEXAMPLE", "secret-a", std::chrono::system_clock::now()));
  ASSERT_EQ(response.result_int(), 200U) << response.body();
  EXPECT_EQ(json::parse(response.body()), json::parse(R"({"pipelines": []})"));
}

TEST_F(RouterAccessTest, EachRefusalIsA400WithItsAwsType) {
  const auto now = std::chrono::system_clock::now();
  struct Case {
    const char* name;
    net::HttpRequest request;
    const char* type;
  };
  net::HttpRequest unsigned_request = Signed("AKIDEXAMPLE", "secret-a", now);
  unsigned_request.erase(http::field::authorization);
  net::HttpRequest tampered = Signed("AKIDEXAMPLE", "secret-a", now);
  tampered.body() = R"({"nextToken": "x"})";
  std::vector<Case> cases;
  cases.push_back({"unsigned", std::move(unsigned_request), "MissingAuthenticationTokenException"});
  cases.push_back({"wrong secret", Signed("AKIDEXAMPLE", "secret-b", now), "InvalidSignatureException"});
  cases.push_back({"unknown key", Signed("AKIDOTHER", "secret-a", now), "UnrecognizedClientException"});
  cases.push_back({"stale", Signed("AKIDEXAMPLE", "secret-a", now - std::chrono::minutes(20)),
                   "InvalidSignatureException"});
  cases.push_back({"other service", Signed("AKIDEXAMPLE", "secret-a", now, "s3"),
                   "InvalidSignatureException"});
  cases.push_back({"tampered body", std::move(tampered), "InvalidSignatureException"});
  for (auto& c : cases) {
    const auto response = Handle(std::move(c.request));
    EXPECT_EQ(response.result_int(), 400U) << c.name;
    EXPECT_EQ(Type(response), c.type) << c.name << ": " << response.body();
    EXPECT_EQ(std::string(response["x-amzn-ErrorType"]), c.type) << c.name;
    EXPECT_FALSE(std::string(response["x-amzn-RequestId"]).empty()) << c.name;
  }
}

TEST_F(RouterAccessTest, TheManualClockDoesNotJudgeSkew) {
  clock_.Advance(std::chrono::duration_cast<Clock::Duration>(std::chrono::hours(24 * 365)));  // the engine's time, not the wall's
  const auto response = Handle(Signed("AKIDEXAMPLE", "secret-a", std::chrono::system_clock::now()));
  EXPECT_EQ(response.result_int(), 200U) << response.body();
}

TEST_F(RouterAccessTest, TheControlTokenLetsAnUnsignedCallThroughScopedAsUnderAuthOff) {
  net::HttpRequest request{http::verb::post, "/", 11};
  request.set("X-Amz-Target", "CodePipeline_20150709.ListPipelines");
  request.set(http::field::cookie, std::string("theme=dark; sluice_control_token=") + kToken);
  request.body() = "{}";
  EXPECT_EQ(Handle(std::move(request)).result_int(), 200U);
}

TEST_F(RouterAccessTest, AValidSignatureWinsOverTheControlToken) {
  // The console's way in: the token, and a scope naming the account.
  net::HttpRequest create{http::verb::post, "/", 11};
  create.set("X-Amz-Target", "CodePipeline_20150709.CreatePipeline");
  create.set("X-Sluice-Control-Token", kToken);
  create.set(http::field::authorization,
             "AWS4-HMAC-SHA256 Credential=111111111111/20260101/eu-west-1/codepipeline/"
             "aws4_request, SignedHeaders=host, Signature=0");
  create.body() = json{{"pipeline", sluice::testing::TwoStagePipeline("in-a")}}.dump();
  ASSERT_EQ(Handle(std::move(create)).result_int(), 200U);

  // Signed by a key of account 111111111111, token or not: its pipeline.
  for (const bool with_token : {false, true}) {
    net::HttpRequest list = Signed("AKIDEXAMPLE", "secret-a", std::chrono::system_clock::now());
    if (with_token) list.set("X-Sluice-Control-Token", kToken);
    const auto listed = json::parse(Handle(std::move(list)).body());
    ASSERT_EQ(listed["pipelines"].size(), 1U) << listed;
    EXPECT_EQ(listed["pipelines"][0]["name"], "in-a");
  }
  // The token with a signature that fails: scoped as under --auth off, by
  // an access key that is no account id, so the default account's (none).
  net::HttpRequest unsigned_list = Signed("AKIDEXAMPLE", "wrong", std::chrono::system_clock::now());
  unsigned_list.set("X-Sluice-Control-Token", kToken);
  const auto listed = json::parse(Handle(std::move(unsigned_list)).body());
  EXPECT_TRUE(listed["pipelines"].empty()) << listed;
}

TEST_F(RouterAccessTest, ControlsNeedTheTokenButHealthAndConsoleFilesDoNot) {
  struct Case {
    const char* name;
    http::verb verb;
    const char* target;
    const char* header;  // X-Sluice-Control-Token
    const char* cookie;
    unsigned status;
  };
  const std::string good_cookie = std::string("sluice_control_token=") + kToken;
  const Case cases[] = {
      {"health", http::verb::get, "/_sluice/health", nullptr, nullptr, 200},
      {"console", http::verb::get, "/_sluice/ui/", nullptr, nullptr, 200},
      {"console asset", http::verb::get, "/_sluice/ui/console.js", nullptr, nullptr, 200},
      {"state, no token", http::verb::get, "/_sluice/state", nullptr, nullptr, 401},
      {"reset, wrong token", http::verb::post, "/_sluice/reset", "control-token-0123456780", nullptr, 401},
      {"token one byte short", http::verb::get, "/_sluice/state", "control-token-012345678", nullptr, 401},
      {"console POST", http::verb::post, "/_sluice/ui/", nullptr, nullptr, 401},
      {"header", http::verb::get, "/_sluice/state", kToken, nullptr, 200},
      {"cookie", http::verb::get, "/_sluice/events", nullptr, good_cookie.c_str(), 200},
      {"wrong cookie", http::verb::get, "/_sluice/events", nullptr, "sluice_control_token=nope", 401},
      {"other cookie only", http::verb::get, "/_sluice/events", nullptr, "session=x", 401},
  };
  for (const Case& c : cases) {
    net::HttpRequest request{c.verb, c.target, 11};
    if (c.header != nullptr) request.set("X-Sluice-Control-Token", c.header);
    if (c.cookie != nullptr) request.set(http::field::cookie, c.cookie);
    const auto response = Handle(std::move(request));
    EXPECT_EQ(response.result_int(), c.status) << c.name;
    if (c.status == 401) {
      EXPECT_EQ(json::parse(response.body())["error"], "Unauthorized") << c.name;
    }
  }
}

TEST_F(RouterAccessTest, WebhooksAreNotSigned) {
  net::HttpRequest request{http::verb::post, "/webhooks/us-east-1/111111111111/hook?t=x&v=1", 11};
  request.body() = "{}";
  const auto response = Handle(std::move(request));
  EXPECT_EQ(response.result_int(), 200U);
  EXPECT_EQ(response.body(), "webhook");
}

TEST_F(RouterAccessTest, HealthSaysAuthIsStrict) {
  net::HttpRequest request{http::verb::get, "/_sluice/health", 11};
  const auto response = Handle(std::move(request));
  EXPECT_EQ(json::parse(response.body())["auth"], "strict");
  EXPECT_EQ(json::parse(response.body())["tls"], false);
}

}  // namespace
}  // namespace sluice::protocol
