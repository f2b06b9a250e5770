#include "domain/page_token.h"

#include <gtest/gtest.h>

namespace sluice::domain {
namespace {

class PageTokenRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(PageTokenRoundTrip, DecodesWhatItEncodes) {
  const std::string token = EncodePageToken(GetParam());
  EXPECT_LE(token.size(), 2048U);  // the model's NextToken limit
  EXPECT_EQ(DecodePageToken(token), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Names, PageTokenRoundTrip,
                         ::testing::Values("a", "ab", "abc", "pipeline-1", "x.y@z_w-",
                                           std::string(100, 'n')));

TEST(PageTokenTest, RefusesForeignTokens) {
  EXPECT_FALSE(DecodePageToken("not a token").has_value());
  EXPECT_FALSE(DecodePageToken("abc").has_value());
  EXPECT_FALSE(DecodePageToken("").has_value());
  EXPECT_FALSE(DecodePageToken("aGVsbG8").has_value());  // valid base64, wrong prefix
}

TEST(PageTokenTest, PageStartResumesAfterTheTokensName) {
  EXPECT_EQ(*PageStart(std::nullopt), "");
  EXPECT_EQ(*PageStart(EncodePageToken("hook")), "hook");
  auto bad = PageStart(std::string("not a token"), "NextToken");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidNextToken);
  EXPECT_EQ(bad.error().message(), "Invalid NextToken");
  EXPECT_EQ(PageStart(std::string("x")).error().message(), "Invalid nextToken");
}

}  // namespace
}  // namespace sluice::domain
