#include "api/pattern.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "sluice/api/model.h"

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

INSTANTIATE_TEST_SUITE_P(
    Sequences, PatternTest,
    ::testing::Values(PatternCase{"ab[0-9]{2}-[a-z]+", "ab12-xyz", true},
                      PatternCase{"ab[0-9]{2}-[a-z]+", "ab12-", false},
                      PatternCase{"ab[0-9]{2}-[a-z]+", "ab123-x", false},
                      PatternCase{"ab[0-9]{2}-[a-z]+", "Ab12-x", false},
                      PatternCase{"[0-9]{2,}", "1", false},
                      PatternCase{"[0-9]{2,}", "123456", true},
                      PatternCase{"x[0-9]{1,3}", "x1234", false},
                      PatternCase{"x[0-9]{1,3}", "x", false},
                      PatternCase{R"(\.[a-z]*)", ".", true},
                      PatternCase{"a+b", "aab", true},
                      PatternCase{"a?", "", true}));

// Whatever path a pattern takes (tables or std::regex), every pattern of the
// model answers as std::regex does, on values near what the model expects.
TEST(PatternModelTest, EveryModelPatternAgreesWithStdRegex) {
  const std::vector<std::string> values = {
      "", "a", "A-b_c.1@", "123456789012", "12345678901", "0f8fad5b-d9cb-469f-a165-70867728950e",
      "0F8FAD5B-D9CB-469F-A165-70867728950E", "0f8fad5b-d9cb-469f-a165-70867728950", "my pipeline",
      "arn:aws:codepipeline:us-east-1:123456789012:demo", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "*",
      "https://example.com/x", "a\nb", "${x}", "#{SourceVariables.CommitId}"};
  int compared = 0;
  for (const model::Shape& shape : model::Shapes()) {
    if (shape.pattern.empty() || shape.pattern == ".*") continue;
    std::regex regex;
    try {
      regex = std::regex(std::string(shape.pattern), std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      continue;  // Java-only syntax: Pattern takes its regex path there too
    }
    const Pattern pattern(shape.pattern);
    for (const std::string& value : values) {
      EXPECT_EQ(pattern.Matches(value), std::regex_match(value, regex))
          << shape.pattern << " vs '" << value << "'";
      ++compared;
    }
  }
  EXPECT_GT(compared, 100);
}

TEST(PatternLimitTest, VeryLongInputNeverReachesRegexRecursion) {
  const std::string huge(1 << 20, 'a');
  EXPECT_FALSE(Pattern("AWS|ThirdParty").Matches(huge));
  EXPECT_TRUE(Pattern(".*").Matches(huge));
}

}  // namespace
}  // namespace sluice::api
