// The canonical forms SigV4's signer and verifier share (sigv4_canonical.h),
// against the rules of AWS's "Create a canonical request" page.
#include "sluice/common/sigv4_canonical.h"

#include <gtest/gtest.h>

#include "sluice/common/sha256.h"

namespace sluice::sigv4 {
namespace {

TEST(SigV4CanonicalTest, HeaderValuesAreTrimmedAndTheirBlankRunsMadeOneSpace) {
  const struct {
    const char* value;
    const char* canonical;
  } cases[] = {
      {"", ""},
      {" \t ", ""},
      {"abc", "abc"},
      {"  abc  ", "abc"},
      {"a  b\t\tc", "a b c"},
      {"\ta \t b ", "a b"},
      {"application/x-amz-json-1.1", "application/x-amz-json-1.1"},
  };
  for (const auto& c : cases) {
    std::string out = "x:";
    AppendCanonicalValue(out, c.value);
    EXPECT_EQ(out, std::string("x:") + c.canonical) << "'" << c.value << "'";
  }
}

TEST(SigV4CanonicalTest, QueriesAreDecodedReencodedAndSorted) {
  EXPECT_EQ(CanonicalQuery(""), "");
  EXPECT_EQ(CanonicalQuery("b=2&a=1"), "a=1&b=2");
  EXPECT_EQ(CanonicalQuery("a=2&a=1"), "a=1&a=2");
  EXPECT_EQ(CanonicalQuery("flag&x=%7e%2F+"), "flag=&x=~%2F%2B");
  EXPECT_EQ(CanonicalQuery("&&a=1&"), "a=1");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=abc&X-Amz-Date=1", "X-Amz-Signature"), "X-Amz-Date=1");
}

TEST(SigV4CanonicalTest, PathsAreEncodedOnceMoreButForSlashes) {
  const struct {
    const char* path;
    const char* canonical;
  } cases[] = {{"", "/"}, {"/", "/"}, {"/a b/c", "/a%20b/c"}, {"/%20", "/%2520"}, {"/~x-_.", "/~x-_."}};
  for (const auto& c : cases) {
    std::string out;
    AppendCanonicalUri(out, c.path);
    EXPECT_EQ(out, c.canonical) << c.path;
  }
}

TEST(SigV4CanonicalTest, DatesAndKeysFollowAwsDocumentedExample) {
  // AWS's "Examples of the complete Signature Version 4 signing process":
  // the secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830,
  // us-east-1, iam.
  EXPECT_EQ(FormatAmzDate(std::chrono::sys_days(std::chrono::year(2015) / 8 / 30) +
                          std::chrono::hours(12) + std::chrono::minutes(36)),
            "20150830T123600Z");
  EXPECT_EQ(HexLower(SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830",
                                "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  EXPECT_EQ(StringToSign("20150830T123600Z", "20150830", "us-east-1", "iam", "x"),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n" +
                HexLower(Sha256("x")));
}

}  // namespace
}  // namespace sluice::sigv4
