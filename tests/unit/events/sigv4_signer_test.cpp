#include "events/delivery/sigv4_signer.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::events::delivery {
namespace {

using std::chrono::system_clock;

system_clock::time_point At(std::int64_t epoch_seconds) {
  return system_clock::time_point(std::chrono::seconds(epoch_seconds));
}

std::string HeaderValue(const HttpHeaders& headers, const std::string& name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

const AwsCredentials kExampleCredentials{"AKIDEXAMPLE",
                                         "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", std::nullopt};

// AWS's documented example ("Signature Version 4 signing process", IAM
// ListUsers); botocore's SigV4Auth gives the same signature.
TEST(SigV4SignerTest, MatchesAwsDocumentedExample) {
  const SigV4Request request{
      "GET", "iam.amazonaws.com", "/", "Action=ListUsers&Version=2010-05-08",
      {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, ""};
  const SigV4Signature signed_request =
      SignSigV4(request, "us-east-1", "iam", kExampleCredentials, At(1'440'938'160));

  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_request.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(signed_request.signed_headers, "content-type;host;x-amz-date");
  EXPECT_EQ(signed_request.signature,
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_EQ(HeaderValue(signed_request.headers, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(HeaderValue(signed_request.headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_EQ(HeaderValue(signed_request.headers, "X-Amz-Security-Token"), "<absent>");
}

// The request sluice sends: PutEvents, AWS JSON 1.1. Expected signatures
// from botocore 1.43's SigV4Auth for the same request at the same instant.
TEST(SigV4SignerTest, SignsPutEventsAsBotocoreDoes) {
  const std::string body =
      R"({"Entries":[{"Source":"aws.codepipeline","DetailType":"CodePipeline Pipeline )"
      R"(Execution State Change","Detail":"{\"pipeline\":\"demo\",\"state\":\"STARTED\"}",)"
      R"("Resources":["arn:aws:codepipeline:us-east-1:123456789012:demo"],"Time":1700000000,)"
      R"("EventBusName":"default"}]})";
  const SigV4Request request{"POST",
                             "events.us-east-1.amazonaws.com",
                             "/",
                             "",
                             {{"Content-Type", "application/x-amz-json-1.1"},
                              {"X-Amz-Target", "AWSEvents.PutEvents"}},
                             body};
  struct Case {
    const char* name;
    std::optional<std::string> token;
    const char* signed_headers;
    const char* signature;
  };
  const Case cases[] = {
      {"long-term key", std::nullopt, "content-type;host;x-amz-date;x-amz-target",
       "d248e7e486ca3c30f9abd9f3f0773d24721efa011ad22c5c6453b952082d6362"},
      {"session token", "FQoGZXIvYXdzEXAMPLETOKEN",
       "content-type;host;x-amz-date;x-amz-security-token;x-amz-target",
       "15fb372bf93c2127610f1ca355ef3c87809cb007340cfd3f4912a8560ceebb19"},
  };
  for (const Case& c : cases) {
    AwsCredentials credentials = kExampleCredentials;
    credentials.session_token = c.token;
    const SigV4Signature signed_request =
        SignSigV4(request, "us-east-1", "events", credentials, At(1'700'000'000));
    EXPECT_EQ(signed_request.signed_headers, c.signed_headers) << c.name;
    EXPECT_EQ(signed_request.signature, c.signature) << c.name;
    EXPECT_EQ(HeaderValue(signed_request.headers, "X-Amz-Date"), "20231114T221320Z") << c.name;
    EXPECT_EQ(HeaderValue(signed_request.headers, "X-Amz-Security-Token"),
              c.token.value_or("<absent>"))
        << c.name;
    EXPECT_EQ(HeaderValue(signed_request.headers, "Authorization"),
              std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/events/"
                          "aws4_request, SignedHeaders=") +
                  c.signed_headers + ", Signature=" + c.signature)
        << c.name;
  }
}

// Encoded path segments are encoded again, query parameters are sorted and
// get a '=' when they lack one, header values are trimmed and their inner
// spaces collapsed, and a port stays in the host; botocore agrees.
TEST(SigV4SignerTest, CanonicalizesPathQueryAndHeadersAsBotocoreDoes) {
  const SigV4Request request{"GET",
                             "localhost:4566",
                             "/a%20b/c",
                             "b=2&a=x%20y&a=1&c=~&d",
                             {{"X-Custom", "  two   spaces  "}},
                             ""};
  const SigV4Signature signed_request = SignSigV4(request, "eu-west-1", "events",
                                                  {"test", "test", std::nullopt},
                                                  At(1'709'164'801));
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/a%2520b/c\na=1&a=x%20y&b=2&c=~&d=\n"
            "host:localhost:4566\nx-amz-date:20240229T000001Z\nx-custom:two spaces\n\n"
            "host;x-amz-date;x-custom\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_request.signature,
            "a596cfb937ea55ed4778c764176dbe113f87b451b318f50a261c5e99bac9136c");
}

TEST(SigV4SignerTest, HeadersTheSignerOwnsAreNotTakenFromTheCaller) {
  SigV4Request request{"POST", "example.com", "/", "", {}, "{}"};
  const SigV4Signature plain =
      SignSigV4(request, "us-east-1", "events", kExampleCredentials, At(1'700'000'000));
  request.headers = {{"Host", "elsewhere"}, {"X-Amz-Date", "19990101T000000Z"},
                     {"Authorization", "stale"}};
  const SigV4Signature with_stale =
      SignSigV4(request, "us-east-1", "events", kExampleCredentials, At(1'700'000'000));
  EXPECT_EQ(with_stale.canonical_request, plain.canonical_request);
  EXPECT_EQ(with_stale.signature, plain.signature);
}

}  // namespace
}  // namespace sluice::events::delivery
