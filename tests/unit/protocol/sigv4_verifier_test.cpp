#include "sluice/protocol/sigv4_verifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "events/delivery/sigv4_signer.h"
#include "sluice/common/sha256.h"

namespace sluice::protocol {
// Named: a unity build joins this file with the other tests.
namespace sigv4_verifier_test {
namespace {

namespace http = boost::beast::http;
using events::delivery::AwsCredentials;
using events::delivery::SignSigV4;
using events::delivery::SigV4Request;
using events::delivery::SigV4Signature;
using std::chrono::system_clock;

constexpr std::string_view kExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

system_clock::time_point At(std::int64_t epoch_seconds) {
  return system_clock::time_point(std::chrono::seconds(epoch_seconds));
}

// 2023-11-14T22:13:20Z
const system_clock::time_point kNow = At(1'700'000'000);

const std::string kBody = R"({"name":"demo"})";

CredentialStore MakeStore() {
  return CredentialStore({
      {"AKIDEXAMPLE", std::string(kExampleSecret), std::nullopt, "111111111111", "default"},
      {"ASIATEMPORARY", "temporarysecret", "SESSIONTOKEN", "222222222222", "temp"},
  });
}

net::HttpRequest ToHttp(const SigV4Request& request, const SigV4Signature& signature) {
  const std::string target =
      request.query.empty() ? request.path : request.path + "?" + request.query;
  net::HttpRequest http_request(http::string_to_verb(request.method), target, 11);
  http_request.set(http::field::host, request.host);
  for (const auto& [name, value] : request.headers) http_request.insert(name, value);
  for (const auto& [name, value] : signature.headers) http_request.set(name, value);
  http_request.body() = request.payload;
  return http_request;
}

SigV4Request PipelineRequest() {
  return SigV4Request{"POST",
                      "localhost:4566",
                      "/",
                      "",
                      {{"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", "CodePipeline_20150709.GetPipeline"}},
                      kBody};
}

const AwsCredentials kExampleCredentials{"AKIDEXAMPLE", std::string(kExampleSecret),
                                         std::nullopt};
const AwsCredentials kTemporaryCredentials{"ASIATEMPORARY", "temporarysecret", "SESSIONTOKEN"};

net::HttpRequest Signed(const SigV4Request& request = PipelineRequest(),
                        const AwsCredentials& credentials = kExampleCredentials,
                        std::string_view region = "us-east-1",
                        std::string_view service = "codepipeline",
                        system_clock::time_point when = kNow) {
  return ToHttp(request, SignSigV4(request, region, service, credentials, when));
}

std::string Authorization(const net::HttpRequest& request) {
  return std::string(request[http::field::authorization]);
}

void ReplaceInAuthorization(net::HttpRequest& request, const std::string& from,
                            const std::string& to) {
  std::string header = Authorization(request);
  const auto at = header.find(from);
  ASSERT_NE(at, std::string::npos) << from << " in " << header;
  header.replace(at, from.size(), to);
  request.set(http::field::authorization, header);
}

std::string SignatureOf(const net::HttpRequest& request) {
  const std::string header = Authorization(request);
  return header.substr(header.find("Signature=") + 10);
}

class SigV4VerifierTest : public ::testing::Test {
 protected:
  std::variant<VerifiedCaller, AuthFailure> Verify(const net::HttpRequest& request,
                                                   system_clock::time_point now = kNow) {
    return verifier_.Verify(request, now);
  }

  void ExpectFailure(const net::HttpRequest& request, std::string_view type,
                     std::string_view message_start, system_clock::time_point now = kNow) {
    const auto result = Verify(request, now);
    ASSERT_TRUE(std::holds_alternative<AuthFailure>(result)) << "accepted";
    const auto& failure = std::get<AuthFailure>(result);
    EXPECT_EQ(failure.type, type) << failure.message;
    EXPECT_EQ(failure.message.substr(0, message_start.size()), message_start);
  }

  const CredentialStore store_ = MakeStore();
  SigV4Verifier verifier_{store_, "codepipeline"};
};

constexpr std::string_view kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

// --- Accepted requests ------------------------------------------------------

TEST_F(SigV4VerifierTest, AcceptsWhatTheSignerSigns) {
  const auto result = Verify(Signed());
  ASSERT_TRUE(std::holds_alternative<VerifiedCaller>(result))
      << std::get<AuthFailure>(result).message;
  const auto& caller = std::get<VerifiedCaller>(result);
  EXPECT_EQ(caller.access_key, "AKIDEXAMPLE");
  EXPECT_EQ(caller.account_id, "111111111111");
  EXPECT_EQ(caller.region, "us-east-1");
}

TEST_F(SigV4VerifierTest, TakesTheRegionFromTheScope) {
  const auto result = Verify(Signed(PipelineRequest(), kExampleCredentials, "eu-central-2"));
  ASSERT_TRUE(std::holds_alternative<VerifiedCaller>(result));
  EXPECT_EQ(std::get<VerifiedCaller>(result).region, "eu-central-2");
  const auto gov = Verify(Signed(PipelineRequest(), kExampleCredentials, "us-gov-west-1"));
  ASSERT_TRUE(std::holds_alternative<VerifiedCaller>(gov));
}

TEST_F(SigV4VerifierTest, AcceptsUpToFifteenMinutesEitherWay) {
  const auto request = Signed();
  const auto later = Verify(request, kNow + std::chrono::minutes(15));
  EXPECT_TRUE(std::holds_alternative<VerifiedCaller>(later));
  const auto earlier = Verify(request, kNow - std::chrono::minutes(15));
  EXPECT_TRUE(std::holds_alternative<VerifiedCaller>(earlier));
}

TEST_F(SigV4VerifierTest, AcceptsASessionTokenThatMatches) {
  const auto result = Verify(Signed(PipelineRequest(), kTemporaryCredentials));
  ASSERT_TRUE(std::holds_alternative<VerifiedCaller>(result))
      << std::get<AuthFailure>(result).message;
  EXPECT_EQ(std::get<VerifiedCaller>(result).account_id, "222222222222");
}

TEST_F(SigV4VerifierTest, CanonicalizesPathQueryAndHeaderValues) {
  SigV4Request request{"GET",
                       "localhost:4566",
                       "/a%20b/c",
                       "b=2&a=x%20y&a=1&c=~&d",
                       {{"X-Custom", "  two   spaces  "}, {"X-Multi", "one"}, {"X-Multi", "two"}},
                       ""};
  const auto result = Verify(Signed(request));
  EXPECT_TRUE(std::holds_alternative<VerifiedCaller>(result))
      << std::get<AuthFailure>(result).message;
}

TEST_F(SigV4VerifierTest, SignatureCoversTheQueryString) {
  SigV4Request request = PipelineRequest();
  request.query = "a=1&b=2";
  auto http_request = Signed(request);
  http_request.target("/?b=2&a=1");  // reordered: same canonical query
  EXPECT_TRUE(std::holds_alternative<VerifiedCaller>(Verify(http_request)));
  http_request.target("/?a=1&b=3");
  ExpectFailure(http_request, kInvalidSignature, kMismatch);
  http_request.target("/?a=1&b=%32");  // %32 is "2"
  EXPECT_TRUE(std::holds_alternative<VerifiedCaller>(Verify(http_request)));
}

TEST_F(SigV4VerifierTest, AcceptsADateHeaderInPlaceOfXAmzDate) {
  // Signed by hand: the signer always writes X-Amz-Date. The Date header is
  // "Tue, 14 Nov 2023 22:13:20 GMT", the same instant as kNow.
  SigV4Request request = PipelineRequest();
  request.headers.emplace_back("Date", "Tue, 14 Nov 2023 22:13:20 GMT");
  const SigV4Signature reference =
      SignSigV4(request, "us-east-1", "codepipeline", kExampleCredentials, kNow);
  // The signer also signed x-amz-date; take it out of the canonical request
  // by rebuilding the signature over the headers that remain.
  std::string canonical = reference.canonical_request;
  const std::string xamz = "x-amz-date:20231114T221320Z\n";
  canonical.erase(canonical.find(xamz), xamz.size());
  const std::string signed_list = "host;x-amz-date;x-amz-target";
  canonical.replace(canonical.find(signed_list), signed_list.size(), "host;x-amz-target");
  const std::string string_to_sign =
      "AWS4-HMAC-SHA256\n20231114T221320Z\n20231114/us-east-1/codepipeline/aws4_request\n" +
      HexLower(Sha256(canonical));
  std::string key = HmacSha256("AWS4" + std::string(kExampleSecret), "20231114");
  key = HmacSha256(key, "us-east-1");
  key = HmacSha256(key, "codepipeline");
  key = HmacSha256(key, "aws4_request");
  const std::string signature = HexLower(HmacSha256(key, string_to_sign));

  net::HttpRequest http_request(http::verb::post, "/", 11);
  http_request.set(http::field::host, request.host);
  for (const auto& [name, value] : request.headers) http_request.insert(name, value);
  http_request.set(http::field::authorization,
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/codepipeline/"
                   "aws4_request, SignedHeaders=content-type;date;host;x-amz-target, Signature=" +
                       signature);
  http_request.body() = kBody;
  const auto result = Verify(http_request);
  EXPECT_TRUE(std::holds_alternative<VerifiedCaller>(result))
      << std::get<AuthFailure>(result).message;
  // Skew is judged on the Date header too.
  ExpectFailure(http_request, kInvalidSignature,
                "Signature expired: 20231114T221320Z is now earlier than 20231114T223320Z "
                "(20231114T224820Z - 15 min.)",
                kNow + std::chrono::minutes(35));
}

// AWS's SigV4 test suite (aws-sig-v4-test-suite), credentials AKIDEXAMPLE.
struct SuiteCase {
  const char* name;
  http::verb method;
  const char* target;
  const char* signed_headers;
  const char* signature;
};

TEST(SigV4VerifierSuiteTest, AcceptsTheAwsTestSuiteRequests) {
  const CredentialStore store({{"AKIDEXAMPLE", std::string(kExampleSecret), std::nullopt,
                                "000000000000", "default"}});
  const SigV4Verifier verifier(store, "service");
  const SuiteCase cases[] = {
      {"get-vanilla", http::verb::get, "/", "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case", http::verb::get, "/?Param2=value2&Param1=value1",
       "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"post-vanilla", http::verb::post, "/", "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
  };
  for (const SuiteCase& c : cases) {
    net::HttpRequest request(c.method, c.target, 11);
    request.set(http::field::host, "example.amazonaws.com");
    request.set("X-Amz-Date", "20150830T123600Z");
    request.set(http::field::authorization,
                std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                            "aws4_request, SignedHeaders=") +
                    c.signed_headers + ", Signature=" + c.signature);
    const auto result = verifier.Verify(request, At(1'440'938'160));
    EXPECT_TRUE(std::holds_alternative<VerifiedCaller>(result))
        << c.name << ": " << std::get<AuthFailure>(result).message;
  }
}

// AWS's documented IAM ListUsers example ("Signature Version 4 signing
// process"), which the signer's own test also reproduces.
TEST(SigV4VerifierSuiteTest, AcceptsTheDocumentedListUsersExample) {
  const CredentialStore store({{"AKIDEXAMPLE", std::string(kExampleSecret), std::nullopt,
                                "000000000000", "default"}});
  const SigV4Verifier verifier(store, "iam");
  net::HttpRequest request(http::verb::get, "/?Action=ListUsers&Version=2010-05-08", 11);
  request.set(http::field::host, "iam.amazonaws.com");
  request.set(http::field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
  request.set("X-Amz-Date", "20150830T123600Z");
  request.set(http::field::authorization,
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
              "SignedHeaders=content-type;host;x-amz-date, "
              "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  const auto result = verifier.Verify(request, At(1'440'938'160));
  EXPECT_TRUE(std::holds_alternative<VerifiedCaller>(result))
      << std::get<AuthFailure>(result).message;
}

// --- Refused requests, in the order they are checked --------------------------

TEST_F(SigV4VerifierTest, NoAuthorizationIsAMissingToken) {
  auto request = Signed();
  request.erase(http::field::authorization);
  ExpectFailure(request, kMissingAuthenticationToken, "Request is missing Authentication Token");
  request.set(http::field::authorization, "   ");
  ExpectFailure(request, kMissingAuthenticationToken, "Request is missing Authentication Token");
}

TEST_F(SigV4VerifierTest, OtherAlgorithmsAreIncomplete) {
  auto request = Signed();
  request.set(http::field::authorization, "Basic dXNlcjpwYXNz");
  ExpectFailure(request, kIncompleteSignature, "Unsupported AWS 'algorithm': 'Basic'.");
}

TEST_F(SigV4VerifierTest, APartWithoutEqualSignIsIncomplete) {
  auto request = Signed();
  request.set(http::field::authorization,
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20231114/us-east-1/codepipeline/"
              "aws4_request, SignedHeaders=host, Signature=00");
  ExpectFailure(request, kIncompleteSignature,
                "'/20231114/us-east-1/codepipeline/aws4_request' not a valid key=value pair "
                "(missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 "
                "Credential=AKIDEXAMPLE /20231114");
}

TEST_F(SigV4VerifierTest, NamesEveryMissingParameter) {
  struct Case {
    const char* header;
    const char* message;
  };
  const Case cases[] = {
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/codepipeline/aws4_request",
       "Authorization header requires 'Signature' parameter. Authorization header requires "
       "'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
       "20231114/us-east-1/codepipeline/aws4_request"},
      {"AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
       "Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 "
       "SignedHeaders=host, Signature=00"},
      {"AWS4-HMAC-SHA256 Credential=AKID/20231114/us-east-1/codepipeline/aws4_request, "
       "SignedHeaders=host",
       "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 "
       "Credential=AKID/20231114/us-east-1/codepipeline/aws4_request, SignedHeaders=host"},
      {"AWS4-HMAC-SHA256 Credential=AKID/20231114/us-east-1/codepipeline/aws4_request, "
       "Signature=00",
       "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 "
       "Credential=AKID/20231114/us-east-1/codepipeline/aws4_request, Signature=00"},
      {"AWS4-HMAC-SHA256",
       "Authorization header requires 'Credential' parameter. Authorization header requires "
       "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
       "Authorization=AWS4-HMAC-SHA256"},
      {"AWS4-HMAC-SHA256 Credential=, SignedHeaders=host, Signature=00",
       "Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 "
       "Credential=, SignedHeaders=host, Signature=00"},
  };
  for (const Case& c : cases) {
    auto request = Signed();
    request.set(http::field::authorization, c.header);
    ExpectFailure(request, kIncompleteSignature, c.message);
    const auto failure = std::get<AuthFailure>(Verify(request));
    EXPECT_EQ(failure.message, c.message);
  }
}

TEST_F(SigV4VerifierTest, NoDateHeaderIsIncomplete) {
  auto request = Signed();
  request.erase("X-Amz-Date");
  ExpectFailure(request, kIncompleteSignature,
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                "header. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/");
}

TEST_F(SigV4VerifierTest, AMalformedDateIsIncomplete) {
  auto request = Signed();
  request.set("X-Amz-Date", "2023-11-14T22:13:20Z");
  ExpectFailure(request, kIncompleteSignature,
                "Date must be in ISO-8601 'basic format'. Got '2023-11-14T22:13:20Z'. See "
                "http://en.wikipedia.org/wiki/ISO_8601");
  request.set("X-Amz-Date", "20231399T221320Z");
  ExpectFailure(request, kIncompleteSignature, "Date must be in ISO-8601 'basic format'.");
}

TEST_F(SigV4VerifierTest, ACredentialOfOtherThanFivePartsIsIncomplete) {
  auto request = Signed();
  ReplaceInAuthorization(request, "/aws4_request", "/aws4_request/extra");
  ExpectFailure(request, kIncompleteSignature,
                "Credential must have exactly 5 slash-delimited elements, e.g. "
                "keyid/date/region/service/term, got 'AKIDEXAMPLE/20231114/us-east-1/"
                "codepipeline/aws4_request/extra'");
}

TEST_F(SigV4VerifierTest, RefusesAWrongScope) {
  struct Case {
    const char* from;
    const char* to;
    const char* message;
  };
  const Case cases[] = {
      {"/aws4_request", "/aws5_request",
       "Credential should be scoped with a valid terminator: 'aws4_request', not "
       "'aws5_request'. "},
      {"/codepipeline/", "/events/",
       "Credential should be scoped to correct service: 'codepipeline'. "},
      {"/us-east-1/", "/useast1/",
       "Credential should be scoped to a valid region, not 'useast1'. "},
      {"/us-east-1/", "/us-east-1a/",
       "Credential should be scoped to a valid region, not 'us-east-1a'. "},
      {"/20231114/", "/20231113/",
       "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
       "HTTP: '20231113' != '20231114', from '20231114T221320Z'."},
      {"/us-east-1/codepipeline/aws4_request", "/US/s3/aws4",
       "Credential should be scoped to a valid region, not 'US'. Credential should be scoped to "
       "correct service: 'codepipeline'. Credential should be scoped with a valid terminator: "
       "'aws4_request', not 'aws4'. "},
  };
  for (const Case& c : cases) {
    auto request = Signed();
    ReplaceInAuthorization(request, c.from, c.to);
    const auto result = Verify(request);
    ASSERT_TRUE(std::holds_alternative<AuthFailure>(result)) << c.to;
    EXPECT_EQ(std::get<AuthFailure>(result).type, kInvalidSignature) << c.to;
    EXPECT_EQ(std::get<AuthFailure>(result).message, c.message);
  }
}

TEST_F(SigV4VerifierTest, RefusesASkewBeyondFifteenMinutes) {
  const auto request = Signed();
  ExpectFailure(request, kInvalidSignature,
                "Signature expired: 20231114T221320Z is now earlier than 20231114T221321Z "
                "(20231114T222821Z - 15 min.)",
                kNow + std::chrono::minutes(15) + std::chrono::seconds(1));
  ExpectFailure(request, kInvalidSignature,
                "Signature not yet current: 20231114T221320Z is still later than "
                "20231114T221319Z (20231114T215819Z + 15 min.)",
                kNow - std::chrono::minutes(15) - std::chrono::seconds(1));
}

TEST_F(SigV4VerifierTest, AnUnknownKeyIsUnrecognized) {
  const auto request = Signed(PipelineRequest(), {"AKIDUNKNOWN", "whatever", std::nullopt});
  ExpectFailure(request, kUnrecognizedClient,
                "The security token included in the request is invalid.");
}

TEST_F(SigV4VerifierTest, SessionTokenMustMatchTheKey) {
  // Missing: signed without a token by a key that has one.
  ExpectFailure(Signed(PipelineRequest(), {"ASIATEMPORARY", "temporarysecret", std::nullopt}),
                kUnrecognizedClient, "The security token included in the request is invalid.");
  // Wrong.
  ExpectFailure(Signed(PipelineRequest(), {"ASIATEMPORARY", "temporarysecret", "OTHERTOKEN"}),
                kUnrecognizedClient, "The security token included in the request is invalid.");
  // Extra: a token for a key that has none.
  ExpectFailure(Signed(PipelineRequest(), {"AKIDEXAMPLE", std::string(kExampleSecret), "TOKEN"}),
                kUnrecognizedClient, "The security token included in the request is invalid.");
}

TEST_F(SigV4VerifierTest, TamperingBreaksTheSignature) {
  const std::vector<std::pair<const char*, std::function<void(net::HttpRequest&)>>> tamperings = {
      {"body", [](net::HttpRequest& r) { r.body() = R"({"name":"other"})"; }},
      {"signed header", [](net::HttpRequest& r) {
         r.set("X-Amz-Target", "CodePipeline_20150709.DeletePipeline");
       }},
      {"host", [](net::HttpRequest& r) { r.set(http::field::host, "localhost:4567"); }},
      {"signed header removed", [](net::HttpRequest& r) { r.erase("X-Amz-Target"); }},
      {"method", [](net::HttpRequest& r) { r.method(http::verb::put); }},
      {"path", [](net::HttpRequest& r) { r.target("/other"); }},
      {"query added", [](net::HttpRequest& r) { r.target("/?a=1"); }},
      {"date moved by a second",
       [](net::HttpRequest& r) { r.set("X-Amz-Date", "20231114T221321Z"); }},
      {"signature flipped", [](net::HttpRequest& r) {
         std::string header = Authorization(r);
         char& last = header.back();
         last = last == '0' ? '1' : '0';
         r.set(http::field::authorization, header);
       }},
      {"signature uppercased", [](net::HttpRequest& r) {
         std::string header = Authorization(r);
         const auto at = header.find("Signature=") + 10;
         for (auto i = at; i < header.size(); ++i) {
           if (header[i] >= 'a' && header[i] <= 'f') header[i] = static_cast<char>(header[i] - 32);
         }
         r.set(http::field::authorization, header);
       }},
      {"signature shortened", [](net::HttpRequest& r) {
         std::string header = Authorization(r);
         header.pop_back();
         r.set(http::field::authorization, header);
       }},
      {"signature lengthened", [](net::HttpRequest& r) {
         r.set(http::field::authorization, Authorization(r) + "0");
       }},
      {"signed headers reordered", [](net::HttpRequest& r) {
         ReplaceInAuthorization(r, "content-type;host", "host;content-type");
       }},
      {"unsigned header signed", [](net::HttpRequest& r) {
         ReplaceInAuthorization(r, "x-amz-target", "x-amz-target;x-absent");
       }},
      {"empty signed header name", [](net::HttpRequest& r) {
         ReplaceInAuthorization(r, "content-type;", "content-type;;");
       }},
  };
  for (const auto& [name, tamper] : tamperings) {
    auto request = Signed();
    tamper(request);
    const auto result = Verify(request);
    ASSERT_TRUE(std::holds_alternative<AuthFailure>(result)) << name;
    const auto& failure = std::get<AuthFailure>(result);
    EXPECT_EQ(failure.type, kInvalidSignature) << name << ": " << failure.message;
    EXPECT_EQ(failure.message.substr(0, kMismatch.size()), kMismatch) << name;
  }
}

TEST_F(SigV4VerifierTest, TheWrongSecretDoesNotMatch) {
  ExpectFailure(Signed(PipelineRequest(), {"AKIDEXAMPLE", "not-the-secret", std::nullopt}),
                kInvalidSignature, kMismatch);
}

TEST_F(SigV4VerifierTest, MismatchShowsTheCanonicalRequestButNoSecret) {
  auto request = Signed();
  request.body() = "{}";
  const auto failure = std::get<AuthFailure>(Verify(request));
  const std::string expected =
      "\n\nThe Canonical String for this request should have been\n'"
      "POST\n/\n\ncontent-type:application/x-amz-json-1.1\n"
      "host:localhost:4566\nx-amz-date:20231114T221320Z\n"
      "x-amz-target:CodePipeline_20150709.GetPipeline\n\n"
      "content-type;host;x-amz-date;x-amz-target\n"
      "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'"
      "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n"
      "20231114T221320Z\n20231114/us-east-1/codepipeline/aws4_request\n";
  EXPECT_NE(failure.message.find(expected), std::string::npos)
      << failure.message;
  EXPECT_EQ(failure.message.find(kExampleSecret), std::string::npos);
  EXPECT_EQ(failure.message.find(SignatureOf(Signed())), std::string::npos);
}

// The message quotes the client's bytes; the JSON error body needs UTF-8.
TEST_F(SigV4VerifierTest, MessagesAreValidUtf8WhateverTheClientSent) {
  auto request = Signed();
  request.set(http::field::authorization, "AWS4-HMAC-SHA256 Cr\xff\xc3(edential");
  const auto failure = std::get<AuthFailure>(Verify(request));
  EXPECT_EQ(failure.message,
            "'Cr\xEF\xBF\xBD\xEF\xBF\xBD(edential' not a valid key=value pair (missing "
            "equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 "
            "Cr\xEF\xBF\xBD\xEF\xBF\xBD(edential'.");
  request.set(http::field::authorization, "AWS4-HMAC-SHA256 Credential=\xc3\xa9t\xc3\xa9");
  EXPECT_NE(std::get<AuthFailure>(Verify(request)).message.find("\xc3\xa9t\xc3\xa9"),
            std::string::npos);
}

TEST_F(SigV4VerifierTest, PresignedQueryRequestsAreVerified) {
  // X-Amz-* in the query, signed over host only, the body's hash as payload.
  const std::string credential = "AKIDEXAMPLE%2F20231114%2Fus-east-1%2Fcodepipeline%2Faws4_request";
  const std::string query_without_signature =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + credential +
      "&X-Amz-Date=20231114T221320Z&X-Amz-SignedHeaders=host";
  SigV4Request unsigned_request{"POST", "localhost:4566", "/", query_without_signature, {}, kBody};
  // The signer adds x-amz-date as a header; rebuild the canonical request
  // over host alone.
  const std::string canonical = "POST\n/\n" + query_without_signature +
                                "\nhost:localhost:4566\n\nhost\n" + HexLower(Sha256(kBody));
  const std::string string_to_sign =
      "AWS4-HMAC-SHA256\n20231114T221320Z\n20231114/us-east-1/codepipeline/aws4_request\n" +
      HexLower(Sha256(canonical));
  std::string key = HmacSha256("AWS4" + std::string(kExampleSecret), "20231114");
  key = HmacSha256(key, "us-east-1");
  key = HmacSha256(key, "codepipeline");
  key = HmacSha256(key, "aws4_request");
  const std::string signature = HexLower(HmacSha256(key, string_to_sign));

  net::HttpRequest request(http::verb::post,
                           "/?" + query_without_signature + "&X-Amz-Signature=" + signature, 11);
  request.set(http::field::host, "localhost:4566");
  request.body() = kBody;
  const auto result = Verify(request);
  EXPECT_TRUE(std::holds_alternative<VerifiedCaller>(result))
      << std::get<AuthFailure>(result).message;

  net::HttpRequest incomplete(http::verb::post, "/?X-Amz-Algorithm=AWS4-HMAC-SHA256", 11);
  ExpectFailure(incomplete, kIncompleteSignature,
                "AWS query-string parameters must include 'X-Amz-Credential'. ");
}

TEST_F(SigV4VerifierTest, IsSafeToCallFromManyThreads) {
  const auto request = Signed();
  const auto other_region = Signed(PipelineRequest(), kExampleCredentials, "ap-south-1");
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (std::holds_alternative<VerifiedCaller>(verifier_.Verify(request, kNow))) ++accepted;
        if (std::holds_alternative<VerifiedCaller>(verifier_.Verify(other_region, kNow))) {
          ++accepted;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 4 * 200 * 2);
}

TEST_F(SigV4VerifierTest, TheKeyCacheStaysBounded) {
  // Many distinct days: each derives a key; the verifier keeps working past
  // the cache's bound.
  for (int day = 0; day < static_cast<int>(SigV4Verifier::kMaxCachedKeys) + 10; ++day) {
    const auto when = kNow + std::chrono::days(day);
    const auto result =
        verifier_.Verify(Signed(PipelineRequest(), kExampleCredentials, "us-east-1",
                                "codepipeline", when),
                         when);
    ASSERT_TRUE(std::holds_alternative<VerifiedCaller>(result)) << day;
  }
}

}  // namespace
}  // namespace sigv4_verifier_test
}  // namespace sluice::protocol
