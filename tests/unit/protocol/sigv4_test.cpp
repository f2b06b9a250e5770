#include "sluice/protocol/sigv4.h"

#include <gtest/gtest.h>

namespace sluice::protocol {
namespace {

TEST(SigV4Test, ReadsTheCredentialScope) {
  const auto credential = ParseSigV4Authorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/codepipeline/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6");
  ASSERT_TRUE(credential.has_value());
  EXPECT_EQ(credential->access_key, "AKIDEXAMPLE");
  EXPECT_EQ(credential->date, "20150830");
  EXPECT_EQ(credential->region, "us-east-1");
  EXPECT_EQ(credential->service, "codepipeline");
}

TEST(SigV4Test, CredentialMayComeInAnyPosition) {
  const auto credential = ParseSigV4Authorization(
      "AWS4-HMAC-SHA256 SignedHeaders=host,Signature=x,Credential=123456789012/20260101/"
      "ap-south-1/codepipeline/aws4_request");
  ASSERT_TRUE(credential.has_value());
  EXPECT_EQ(credential->access_key, "123456789012");
  EXPECT_EQ(credential->region, "ap-south-1");
}

class SigV4RejectTest : public ::testing::TestWithParam<const char*> {};

TEST_P(SigV4RejectTest, RefusesWhatIsNotAV4Credential) {
  EXPECT_FALSE(ParseSigV4Authorization(GetParam()).has_value()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, SigV4RejectTest,
    ::testing::Values("", "Basic dXNlcjpwYXNz", "AWS4-HMAC-SHA256",
                      "AWS4-HMAC-SHA256 Credential=", "AWS4-HMAC-SHA256 Credential=AKID/2026",
                      "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/codepipeline/other",
                      "AWS4-HMAC-SHA256 Credential=AKID/20260101//codepipeline/aws4_request",
                      // A region that is not a region name (here not even UTF-8) must not
                      // become part of a stored pipeline's ARN.
                      "AWS4-HMAC-SHA256 Credential=AKID/20260101/us\xff-east/codepipeline/aws4_request",
                      "AWS4-HMAC-SHA256 Credential=AKID/20260101/us east 1/codepipeline/aws4_request",
                      "AWS4-HMAC-SHA256 Credential=/20260101/us-east-1/codepipeline/aws4_request",
                      "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request/extra"),
    [](const auto& param_info) { return "Case" + std::to_string(param_info.index); });

}  // namespace
}  // namespace sluice::protocol
