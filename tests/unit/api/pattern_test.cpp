#include "api/pattern.h"

#include <gtest/gtest.h>

namespace sluice::api {
namespace {

struct PatternCase {
  const char* pattern;
  const char* value;
  bool matches;
};

class PatternTest : public ::testing::TestWithParam<PatternCase> {};

TEST_P(PatternTest, MatchesWholeValue) {
  const auto& c = GetParam();
  EXPECT_EQ(Pattern(c.pattern).Matches(c.value), c.matches) << c.pattern << " vs " << c.value;
}

INSTANTIATE_TEST_SUITE_P(
    ModelPatterns, PatternTest,
    ::testing::Values(
        PatternCase{R"([A-Za-z0-9.@\-_]+)", "my-pipeline_1.0@x", true},
        PatternCase{R"([A-Za-z0-9.@\-_]+)", "a b", false},
        PatternCase{R"([A-Za-z0-9.@\-_]+)", "", false},
        PatternCase{R"([0-9]{12})", "123456789012", true},
        PatternCase{R"([0-9]{12})", "12345678901", false},
        PatternCase{R"([0-9]{12})", "1234567890123", false},
        PatternCase{R"(^[a-zA-Z0-9-]+$)", "token-1", true},
        PatternCase{R"(^[a-zA-Z0-9-]+$)", "token_1", false},
        PatternCase{R"([0-9]{12}|\*)", "*", true},
        PatternCase{R"([0-9]{12}|\*)", "**", false},
        PatternCase{"AWS|ThirdParty", "ThirdParty", true},
        PatternCase{"AWS|ThirdParty", "AWSThirdParty", false},
        PatternCase{".*", "anything at all", true},
        PatternCase{".*", "two\nlines", false},
        PatternCase{R"([a-zA-Z0-9!@ \(\)\.\*\?\-]+)", "Disabled (for now)?", true},
        PatternCase{R"([a-zA-Z0-9!@ \(\)\.\*\?\-]+)", "no_underscores", false},
        PatternCase{R"(arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.*)",
                    "arn:aws:iam::123456789012:role/service-role/x", true},
        PatternCase{R"(arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.*)",
                    "arn:aws-cn:iam::123456789012:role/x", true},
        PatternCase{R"(arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.*)", "arn:aws:iam::1:role/x",
                    false},
        PatternCase{R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
                    "0f8fad5b-d9cb-469f-a165-70867728950e", true},
        PatternCase{R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
                    "0F8FAD5B-d9cb-469f-a165-70867728950e", false}));

TEST(PatternLimitTest, VeryLongInputNeverReachesRegexRecursion) {
  const std::string huge(1 << 20, 'a');
  EXPECT_FALSE(Pattern("AWS|ThirdParty").Matches(huge));
  EXPECT_TRUE(Pattern(".*").Matches(huge));
}

}  // namespace
}  // namespace sluice::api
