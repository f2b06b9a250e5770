// The pipeline view parses the words the engine decides on into enums once.
#include "sluice/domain/pipeline/pipeline_view.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/engine_fixture.h"

namespace sluice::domain {
namespace {

using nlohmann::json;

TEST(PipelineViewTest, SpellingsRoundTripForEveryEnumValue) {
  for (const auto category : {ActionCategory::kSource, ActionCategory::kBuild, ActionCategory::kDeploy,
                              ActionCategory::kTest, ActionCategory::kInvoke,
                              ActionCategory::kApproval, ActionCategory::kCompute}) {
    EXPECT_EQ(ParseActionCategory(ToString(category)), category) << ToString(category);
  }
  for (const auto owner : {ActionOwner::kAws, ActionOwner::kThirdParty, ActionOwner::kCustom}) {
    EXPECT_EQ(ParseActionOwner(ToString(owner)), owner) << ToString(owner);
  }
  for (const auto mode : {RetryMode::kFailedActions, RetryMode::kAllActions}) {
    EXPECT_EQ(ParseRetryMode(ToString(mode)), mode) << ToString(mode);
  }
  EXPECT_EQ(ToString(ActionOwner::kAws), "AWS");
  EXPECT_EQ(ToString(ActionCategory::kApproval), "Approval");
  EXPECT_EQ(ParseConditionResult("SKIP"), ConditionResult::kSkip);
  EXPECT_EQ(ParseConditionResult("ROLLBACK"), ConditionResult::kRollback);
  EXPECT_EQ(ParseConditionResult("RETRY"), ConditionResult::kRetry);
  EXPECT_EQ(ParseConditionResult("FAIL"), ConditionResult::kFail);
}

TEST(PipelineViewTest, UnknownSpellingsParseToNothing) {
  EXPECT_FALSE(ParseActionOwner("aws"));
  EXPECT_FALSE(ParseActionCategory("Approvals"));
  EXPECT_FALSE(ParseConditionResult("Skip"));
  EXPECT_FALSE(ParseRetryMode("ALL"));
}

TEST(PipelineViewTest, ParsesActionTypesConditionsAndRetryModeIntoEnums) {
  json pipeline = ThreeStagePipeline("SUPERSEDED");
  pipeline["stages"][1]["actions"][0]["actionTypeId"] = {
      {"category", "Approval"}, {"owner", "AWS"}, {"provider", "Manual"}, {"version", "1"}};
  pipeline["stages"][2]["actions"][0]["actionTypeId"]["owner"] = "Custom";
  pipeline["stages"][1]["beforeEntry"] = json::parse(R"({"conditions": [{"result": "SKIP",
      "rules": [{"name": "r", "ruleTypeId": {"category": "Rule", "owner": "AWS",
      "provider": "VariableCheck", "version": "1"}}]}]})");
  pipeline["stages"][2]["onFailure"] =
      json::parse(R"({"result": "RETRY", "retryConfiguration": {"retryMode": "ALL_ACTIONS"}})");
  const auto view = View(pipeline);
  EXPECT_EQ(view->stages[0].actions[0].category, ActionCategory::kSource);
  EXPECT_EQ(view->stages[1].actions[0].category, ActionCategory::kApproval);
  EXPECT_EQ(view->stages[2].actions[0].owner, ActionOwner::kCustom);
  ASSERT_TRUE(view->stages[1].before_entry);
  EXPECT_EQ(view->stages[1].before_entry->result, ConditionResult::kSkip);
  ASSERT_TRUE(view->stages[2].on_failure);
  EXPECT_EQ(view->stages[2].on_failure->result, ConditionResult::kRetry);
  EXPECT_EQ(view->stages[2].on_failure_retry_mode, RetryMode::kAllActions);
  // A RETRY without retryConfiguration retries the failed actions.
  pipeline["stages"][2]["onFailure"] = json::parse(R"({"result": "RETRY"})");
  EXPECT_EQ(View(pipeline)->stages[2].on_failure_retry_mode, RetryMode::kFailedActions);
}

TEST(PipelineViewTest, StageIndexAndDeclaredActions) {
  const auto view = View(ThreeStagePipeline("SUPERSEDED"));
  EXPECT_EQ(view->StageIndex("Source"), 0U);
  EXPECT_EQ(view->StageIndex("Deploy"), 2U);
  EXPECT_FALSE(view->StageIndex("deploy"));
  EXPECT_TRUE(view->DeclaresAction("Deploy", "Deploy"));
  EXPECT_FALSE(view->DeclaresAction("Deploy", "Build"));
  EXPECT_FALSE(view->DeclaresAction("Nowhere", "Deploy"));
}

}  // namespace
}  // namespace sluice::domain
