// Rule evaluation: VariableCheck's operators, DeploymentWindow's cron and
// time zones, and the configured outcome of rules that need outside services.
#include "sluice/domain/engine/rule_evaluator.h"

#include <gtest/gtest.h>

namespace sluice::domain {
namespace {

using std::chrono::sys_days;

struct Comparison {
  const char* value;
  const char* op;
  const char* expected;
  bool result;
};

TEST(RuleEvaluatorTest, VariableCheckOperators) {
  const Comparison cases[] = {
      {"prod", "EQ", "prod", true},     {"prod", "EQ", "dev", false},
      {"prod", "NE", "dev", true},      {"release-1.2", "CONTAINS", "1.2", true},
      {"release-1.2", "CONTAINS", "2.0", false}, {"v12", "MATCHES", "^v[0-9]+$", true},
      {"v1x", "MATCHES", "^v[0-9]+$", false},    {"10", "GT", "9", true},
      {"9", "GT", "10", false},         {"10", "GE", "10", true},
      {"2.5", "LT", "3", true},         {"3", "LE", "2", false},
  };
  for (const Comparison& c : cases) {
    const auto result = CompareVariable(c.value, c.op, c.expected);
    ASSERT_TRUE(result.ok()) << c.value << " " << c.op << " " << c.expected;
    EXPECT_EQ(*result, c.result) << c.value << " " << c.op << " " << c.expected;
  }
  EXPECT_FALSE(CompareVariable("ten", "GT", "9").ok());
  EXPECT_FALSE(CompareVariable("a", "LIKE", "a").ok());
  EXPECT_FALSE(CompareVariable("a", "MATCHES", "(").ok());
  EXPECT_FALSE(CompareVariable(std::string(1001, 'a'), "MATCHES", "a+").ok());
  EXPECT_TRUE(*CompareVariable(std::string(1000, 'a'), "MATCHES", "^a+$"));
}

// 2026-12-02 is a Wednesday.
std::chrono::sys_seconds At(int hour, int minute) {
  return std::chrono::sys_seconds(sys_days(std::chrono::year(2026) / 12 / 2)) +
         std::chrono::hours(hour) + std::chrono::minutes(minute);
}

TEST(RuleEvaluatorTest, CronWindows) {
  EXPECT_TRUE(*CronIncludes("0 * 9-17 ? * MON-FRI *", At(10, 30)));
  EXPECT_FALSE(*CronIncludes("0 * 9-17 ? * MON-FRI *", At(18, 0)));
  EXPECT_FALSE(*CronIncludes("0 * * ? * SAT,SUN", At(10, 0)));
  EXPECT_TRUE(*CronIncludes("0 */15 * * * ?", At(10, 45)));
  EXPECT_FALSE(*CronIncludes("0 */15 * * * ?", At(10, 46)));
  EXPECT_TRUE(*CronIncludes("0 0 0-5 2 DEC ? 2026", At(3, 0)));
  EXPECT_FALSE(*CronIncludes("0 0 0-5 2 DEC ? 2027", At(3, 0)));
  EXPECT_TRUE(*CronIncludes("0 * * ? * 4", At(1, 1)));  // Quartz: 4 is Wednesday
  EXPECT_FALSE(CronIncludes("* * *", At(0, 0)).ok());
  EXPECT_FALSE(CronIncludes("0 * * ? * FUNDAY", At(0, 0)).ok());
  EXPECT_FALSE(CronIncludes("0 70 * ? * *", At(0, 0)).ok());
}

TEST(RuleEvaluatorTest, TimeZonesAsOffsets) {
  EXPECT_EQ(*UtcOffset("UTC"), std::chrono::minutes(0));
  EXPECT_EQ(*UtcOffset(""), std::chrono::minutes(0));
  EXPECT_EQ(*UtcOffset("UTC+05:30"), std::chrono::minutes(330));
  EXPECT_EQ(*UtcOffset("GMT-8"), std::chrono::minutes(-480));
  EXPECT_EQ(*UtcOffset("Etc/GMT+5"), std::chrono::minutes(-300));
  EXPECT_FALSE(UtcOffset("America/Atlantis").ok());
  EXPECT_FALSE(UtcOffset("UTC+99").ok());
}

RuleView Rule(const std::string& provider) {
  return {"r", "Rule", "AWS", provider, "1", {}, {}, "us-east-1", ""};
}

TEST(RuleEvaluatorTest, DeploymentWindowUsesTheTimeZone) {
  const auto now = Clock::TimePoint(At(23, 30).time_since_epoch());
  // 23:30 UTC is 08:30 the next day in UTC+09:00.
  EXPECT_TRUE(EvaluateRule(Rule("DeploymentWindow"),
                           {{"Cron", "0 * 8 ? * *"}, {"TimeZone", "UTC+09:00"}}, now, true)
                  .succeeded);
  EXPECT_FALSE(EvaluateRule(Rule("DeploymentWindow"), {{"Cron", "0 * 8 ? * *"}}, now, true)
                   .succeeded);
  const auto errored =
      EvaluateRule(Rule("DeploymentWindow"), {{"Cron", "nonsense"}}, now, true);
  EXPECT_FALSE(errored.succeeded);
  EXPECT_EQ(errored.error_code, "ConfigurationError");
}

TEST(RuleEvaluatorTest, OutsideRulesResolveAsConfigured) {
  EXPECT_TRUE(EvaluateRule(Rule("CloudWatchAlarm"), {}, Clock::TimePoint{}, true).succeeded);
  EXPECT_FALSE(EvaluateRule(Rule("LambdaInvoke"), {}, Clock::TimePoint{}, false).succeeded);
  const auto check = EvaluateRule(Rule("VariableCheck"),
                                  {{"Variable", "prod"}, {"Operator", "EQ"}, {"Value", "prod"}},
                                  Clock::TimePoint{}, false);
  EXPECT_TRUE(check.succeeded);
}

}  // namespace
}  // namespace sluice::domain
