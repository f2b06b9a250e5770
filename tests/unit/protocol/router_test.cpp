// The AWS JSON 1.1 router driven with in-memory HTTP requests: no sockets.
#include "sluice/protocol/aws_json_router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "sluice/api/pipeline_ops.h"
#include "sluice/domain/pipeline/pipeline_service.h"
#include "sluice/store/in_memory_pipeline_repository.h"
#include "support/pipelines.h"

namespace sluice::protocol {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : service_(repository_, clock_) {
    api::RegisterPipelineOps(table_, service_);
  }

  net::HttpResponse Send(const std::string& target, const std::string& body,
                         const std::string& authorization = "") {
    net::HttpRequest request{http::verb::post, "/", 11};
    if (!target.empty()) request.set("X-Amz-Target", target);
    request.set(http::field::content_type, "application/x-amz-json-1.1");
    if (!authorization.empty()) request.set(http::field::authorization, authorization);
    request.body() = body;
    request.prepare_payload();
    return router_.Handle(std::move(request));
  }

  static json Body(const net::HttpResponse& response) { return json::parse(response.body()); }

  static std::string Header(const net::HttpResponse& response, const char* name) {
    const auto it = response.find(name);
    return it == response.end() ? "" : std::string(it->value());
  }

  FakeClock clock_;
  store::InMemoryPipelineRepository repository_;
  domain::PipelineService service_;
  api::OperationTable table_;
  AwsJsonRouter router_{table_, RouterOptions{"000000000000", "us-east-1", "test", 1024, "", nullptr, "", false}};
};

constexpr const char* kAuthorization =
    "AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/codepipeline/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=abc";

TEST_F(RouterTest, EveryResponseCarriesRequestIdAndContentType) {
  const auto response = Send("CodePipeline_20150709.ListPipelines", "{}");
  EXPECT_EQ(response.result_int(), 200U);
  EXPECT_TRUE(std::regex_match(Header(response, "x-amzn-RequestId"),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_EQ(Header(response, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(Body(response), json::parse(R"({"pipelines": []})"));
}

TEST_F(RouterTest, ErrorsHaveTypeMessageAndErrorTypeHeader) {
  const auto response = Send("CodePipeline_20150709.GetPipeline", R"({"name": "missing"})");
  EXPECT_EQ(response.result_int(), 400U);
  EXPECT_EQ(Header(response, "x-amzn-ErrorType"), "PipelineNotFoundException");
  EXPECT_EQ(Body(response)["__type"], "PipelineNotFoundException");
  EXPECT_EQ(Body(response)["message"],
            "Account '000000000000' does not have a pipeline with name 'missing'");
  EXPECT_FALSE(Header(response, "x-amzn-RequestId").empty());
}

struct WireCase {
  const char* name;
  const char* target;
  const char* body;
  unsigned status;
  const char* type;
};

class RouterWireTest : public RouterTest, public ::testing::WithParamInterface<WireCase> {};

TEST_P(RouterWireTest, AnswersWithAwsShapedError) {
  const WireCase& c = GetParam();
  const auto response = Send(c.target, c.body);
  EXPECT_EQ(response.result_int(), c.status);
  EXPECT_EQ(Body(response)["__type"], c.type);
  EXPECT_FALSE(Body(response)["message"].get<std::string>().empty());
}

INSTANTIATE_TEST_SUITE_P(
    BadInput, RouterWireTest,
    ::testing::Values(
        WireCase{"MalformedJson", "CodePipeline_20150709.ListPipelines", "{\"a\":", 400,
                 "SerializationException"},
        WireCase{"TopLevelArray", "CodePipeline_20150709.ListPipelines", "[]", 400,
                 "SerializationException"},
        WireCase{"WrongMemberType", "CodePipeline_20150709.GetPipeline", R"({"name": 1})", 400,
                 "SerializationException"},
        WireCase{"TooDeep", "CodePipeline_20150709.ListPipelines",
                 "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
                 400, "SerializationException"},
        WireCase{"UnknownOperation", "CodePipeline_20150709.LaunchRockets", "{}", 400,
                 "UnknownOperationException"},
        WireCase{"ForeignPrefix", "DynamoDB_20120810.ListTables", "{}", 400,
                 "UnknownOperationException"},
        WireCase{"MissingTarget", "", "{}", 400, "UnknownOperationException"},
        // The message quotes the target; bytes that are not UTF-8 must not break the JSON.
        WireCase{"TargetNotUtf8", "CodePipeline_20150709.\xff\xfe", "{}", 400,
                 "UnknownOperationException"},
        WireCase{"ForeignTargetNotUtf8", "\xff\xfe", "{}", 400, "UnknownOperationException"},
        WireCase{"MissingRequired", "CodePipeline_20150709.GetPipeline", "{}", 400,
                 "ValidationException"},
        WireCase{"NotYetImplemented", "CodePipeline_20150709.StopPipelineExecution",
                 R"({"pipelineName": "p", "pipelineExecutionId": "0f8fad5b-d9cb-469f-a165-70867728950e"})",
                 501, "NotImplementedException"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(RouterTest, EmptyBodyIsAnEmptyRequest) {
  EXPECT_EQ(Send("CodePipeline_20150709.ListPipelines", "").result_int(), 200U);
}

TEST_F(RouterTest, SigV4ScopeSelectsAccountAndRegion) {
  const json create = {{"pipeline", sluice::testing::TwoStagePipeline("p")}};
  ASSERT_EQ(Send("CodePipeline_20150709.CreatePipeline", create.dump(), kAuthorization)
                .result_int(),
            200U);
  const auto get = Send("CodePipeline_20150709.GetPipeline", R"({"name": "p"})", kAuthorization);
  EXPECT_EQ(Body(get)["metadata"]["pipelineArn"], "arn:aws:codepipeline:eu-west-1:123456789012:p");
  // Unsigned requests land in the default account and region: not there.
  EXPECT_EQ(Send("CodePipeline_20150709.GetPipeline", R"({"name": "p"})").result_int(), 400U);
}

TEST_F(RouterTest, NonNumericAccessKeyMapsToDefaultAccount) {
  const auto auth =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-west-2/codepipeline/aws4_request, "
      "SignedHeaders=host, Signature=abc";
  const json create = {{"pipeline", sluice::testing::TwoStagePipeline("p")}};
  Send("CodePipeline_20150709.CreatePipeline", create.dump(), auth);
  const auto get = Send("CodePipeline_20150709.GetPipeline", R"({"name": "p"})", auth);
  EXPECT_EQ(Body(get)["metadata"]["pipelineArn"], "arn:aws:codepipeline:us-west-2:000000000000:p");
}

TEST_F(RouterTest, HealthAnswersWithVersionAndUptime) {
  net::HttpRequest request{http::verb::get, "/_sluice/health", 11};
  const auto response = router_.Handle(std::move(request));
  EXPECT_EQ(response.result_int(), 200U);
  EXPECT_EQ(Body(response)["status"], "ok");
  EXPECT_EQ(Body(response)["version"], "test");
  EXPECT_GE(Body(response)["uptimeSeconds"].get<double>(), 0.0);
}

TEST_F(RouterTest, OtherMethodsAndPathsGetAnAwsShapedError) {
  net::HttpRequest request{http::verb::get, "/", 11};
  const auto response = router_.Handle(std::move(request));
  EXPECT_EQ(response.result_int(), 400U);
  EXPECT_EQ(Body(response)["__type"], "UnknownOperationException");
}

TEST_F(RouterTest, RejectionsAreAwsShaped) {
  const auto too_large = router_.Reject(net::RejectReason::kBodyTooLarge, 11);
  EXPECT_EQ(too_large.result_int(), 413U);
  EXPECT_EQ(Body(too_large)["__type"], "RequestEntityTooLargeException");
  EXPECT_NE(Body(too_large)["message"].get<std::string>().find("1024"), std::string::npos);
  EXPECT_EQ(router_.Reject(net::RejectReason::kTooManyConnections, 11).result_int(), 503U);
  EXPECT_EQ(router_.Reject(net::RejectReason::kMalformedHttp, 11).result_int(), 400U);
  EXPECT_EQ(router_.Reject(net::RejectReason::kHeaderTooLarge, 11).result_int(), 431U);
}

}  // namespace
}  // namespace sluice::protocol
