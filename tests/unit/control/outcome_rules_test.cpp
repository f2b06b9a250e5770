#include "control/outcome_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "control/control_json.h"

namespace sluice::control {
namespace {

using nlohmann::json;

const domain::Scope kScope{"123456789012", "us-east-1"};

domain::OutcomeSubject Action(std::string_view stage, std::string_view action,
                              std::string_view provider, std::string_view pipeline = "app") {
  return {kScope, pipeline, stage, action, {}, "Build", "AWS", provider};
}

domain::OutcomeSubject Rule(std::string_view rule, std::string_view provider) {
  return {kScope, "app", "Deploy", {}, rule, "Rule", "AWS", provider};
}

OutcomeRule RuleMatching(json match, bool hold = false) {
  OutcomeRule rule;
  for (const auto& [field, glob] : match.items()) rule.match.emplace(field, glob.get<std::string>());
  rule.outcome.hold = hold;
  return rule;
}

TEST(OutcomeMatchTest, WhichSubjectsARuleReaches) {
  struct Case {
    const char* name;
    json match;
    bool hold;
    domain::OutcomeSubject subject;
    bool matches;
  };
  const Case cases[] = {
      {"no match fields: every action", json::object(), false, Action("Build", "B", "CodeBuild"), true},
      {"no match fields: no condition rule", json::object(), false, Rule("r", "VariableCheck"), false},
      {"exact stage", {{"stage", "Build"}}, false, Action("Build", "B", "CodeBuild"), true},
      {"other stage", {{"stage", "Build"}}, false, Action("Test", "B", "CodeBuild"), false},
      {"glob action", {{"action", "Deploy*"}}, false, Action("Prod", "DeployEU", "S3"), true},
      {"every field", {{"account", "123456789012"}, {"region", "us-*"}, {"pipeline", "app"},
                       {"stage", "Build"}, {"action", "B"}, {"category", "Build"},
                       {"owner", "AWS"}, {"provider", "CodeBuild"}},
       false, Action("Build", "B", "CodeBuild"), true},
      {"other account", {{"account", "999999999999"}}, false, Action("Build", "B", "CodeBuild"), false},
      {"other pipeline", {{"pipeline", "web"}}, false, Action("Build", "B", "CodeBuild"), false},
      {"named rule reaches the rule", {{"rule", "r*"}}, false, Rule("rollout", "VariableCheck"), true},
      {"named rule never reaches an action", {{"rule", "*"}}, false, Action("Build", "B", "CodeBuild"), false},
      {"provider reaches rules too", {{"provider", "CloudWatchAlarm"}}, false, Rule("alarm", "CloudWatchAlarm"), true},
      {"action-named rule never reaches rules", {{"action", "*"}, {"provider", "*"}}, false, Rule("r", "VariableCheck"), false},
      {"a hold never reaches rules", {{"provider", "*"}}, true, Rule("r", "VariableCheck"), false},
      {"a hold reaches actions", {{"provider", "*"}}, true, Action("Build", "B", "CodeBuild"), true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Matches(RuleMatching(c.match, c.hold), c.subject), c.matches) << c.name;
  }
}

TEST(OutcomeRulesTest, FirstAddedWinsAndTimesExpireARule) {
  OutcomeRules rules;
  rules.Add({{"match", {{"stage", "Build"}}}, {"result", "Failed"}, {"errorCode", "JobFailed"},
             {"errorMessage", "tests failed"}, {"times", 1}});
  rules.Add({{"match", {{"stage", "Build"}}}, {"summary", "second"}});
  const auto first = rules.Decide(Action("Build", "B", "CodeBuild"));
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->succeeded);
  EXPECT_EQ(first->error_code, "JobFailed");
  EXPECT_EQ(first->error_message, "tests failed");
  // The first rule has expired: the retry meets the second.
  const auto retry = rules.Decide(Action("Build", "B", "CodeBuild"));
  ASSERT_TRUE(retry.has_value());
  EXPECT_TRUE(retry->succeeded);
  EXPECT_EQ(retry->summary, "second");
  EXPECT_FALSE(rules.Decide(Action("Deploy", "D", "S3")).has_value());
  const json listed = rules.List();
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0]["id"], "outcome-1");
  EXPECT_EQ(listed[0]["expired"], true);
  EXPECT_EQ(listed[0]["applied"], 1);
  EXPECT_EQ(listed[1]["applied"], 1);
}

TEST(OutcomeRulesTest, SkipLetsTheFirstMatchesPassToWhatComesNext) {
  OutcomeRules rules;
  rules.Add({{"match", {{"provider", "CodeBuild"}}}, {"result", "Failed"}, {"skip", 2}, {"times", 1}});
  EXPECT_FALSE(rules.Decide(Action("Build", "B", "CodeBuild")).has_value());
  EXPECT_FALSE(rules.Decide(Action("Build", "B", "CodeBuild")).has_value());
  const auto third = rules.Decide(Action("Build", "B", "CodeBuild"));
  ASSERT_TRUE(third.has_value());
  EXPECT_FALSE(third->succeeded);
  EXPECT_FALSE(rules.Decide(Action("Build", "B", "CodeBuild")).has_value());
}

TEST(OutcomeRulesTest, ReadsEveryOutcomeField) {
  OutcomeRules rules;
  rules.Add({{"durationMs", 2500}, {"outputVariables", {{"K", "V"}}}, {"summary", "s"},
             {"externalExecutionId", "ext-1"}, {"hold", true}});
  const auto outcome = rules.Decide(Action("Build", "B", "CodeBuild"));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->duration, Clock::Duration(2500));
  EXPECT_EQ(outcome->output_variables.at("K"), "V");
  EXPECT_EQ(outcome->external_execution_id, "ext-1");
  EXPECT_TRUE(outcome->hold);
}

TEST(OutcomeRulesTest, AFailureWithoutAMessageStillSaysWhy) {
  OutcomeRules rules;
  rules.Add({{"result", "Failed"}});
  const auto outcome = rules.Decide(Action("Build", "B", "CodeBuild"));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->error_code, "");  // the engine's JobFailed
  EXPECT_EQ(outcome->error_message, "Failed as a test scripted it");
}

TEST(OutcomeRulesTest, ABadRuleIsRefusedNamingItsField) {
  struct Case {
    json request;
    const char* field;
  };
  const Case cases[] = {
      {json::array(), ""},
      {{{"match", "Build"}}, "match"},
      {{{"match", {{"stag", "Build"}}}}, "match.stag"},
      {{{"match", {{"stage", 1}}}}, "match.stage"},
      {{{"result", "Maybe"}}, "result"},
      {{{"result", "Failed"}, {"errorCode", "Oops"}}, "errorCode"},
      {{{"errorMessage", "only when failing"}}, "errorMessage"},
      {{{"durationMs", -1}}, "durationMs"},
      {{{"durationMs", "fast"}}, "durationMs"},
      {{{"outputVariables", {{"K", 1}}}}, "outputVariables.K"},
      {{{"hold", "yes"}}, "hold"},
      {{{"times", 0}}, "times"},
      {{{"times", 1.5}}, "times"},
      {{{"skip", -1}}, "skip"},
      {{{"match", {{"rule", "r"}}}, {"hold", true}}, "hold"},
      {{{"resutl", "Failed"}}, "resutl"},
  };
  for (const Case& c : cases) {
    OutcomeRules rules;
    try {
      rules.Add(c.request);
      ADD_FAILURE() << "accepted " << c.request.dump();
    } catch (const ControlError& error) {
      EXPECT_EQ(error.status, 400U) << c.request.dump();
      EXPECT_EQ(error.field, c.field) << c.request.dump() << ": " << error.message;
    }
    EXPECT_EQ(rules.List().size(), 0U);
  }
}

TEST(OutcomeRulesTest, RemovesOneAllOrThoseOfAScope) {
  OutcomeRules rules;
  const std::string first = rules.Add({{"match", {{"account", "111111111111"}}}});
  rules.Add({{"match", {{"account", "222222222222"}, {"region", "eu-west-1"}}}});
  rules.Add({{"match", {{"account", "2*"}}}});
  EXPECT_EQ(rules.Remove(first), 1U);
  EXPECT_EQ(rules.Remove(first), 0U);
  // A scoped reset takes the rules that name the scope, not the globs.
  EXPECT_EQ(rules.RemoveFor({"222222222222", "us-east-1"}), 0U);
  EXPECT_EQ(rules.RemoveFor({"222222222222", std::nullopt}), 1U);
  EXPECT_EQ(rules.Remove(std::nullopt), 1U);
}

}  // namespace
}  // namespace sluice::control
