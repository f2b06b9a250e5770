// Action type operations through the OperationTable (model validation
// included), and the codecs between the two wire shapes and the record.
#include "sluice/api/action_type_ops.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sluice::api {
namespace {

using nlohmann::json;

class ActionTypeOpsTest : public ::testing::Test {
 protected:
  ActionTypeOpsTest() { RegisterActionTypeOps(table_, registry_); }

  Result<json> Call(std::string_view operation, const json& input) {
    const model::Operation* op = model::FindOperation(operation);
    EXPECT_NE(op, nullptr);
    auto body = table_.Invoke(context_, *op, input);
    if (!body) return body.error();
    return json::parse(*body);
  }

  static json CreateInput() {
    return {{"category", "Test"},
            {"provider", "Robot"},
            {"version", "7"},
            {"settings",
             {{"thirdPartyConfigurationUrl", "https://robot.example.com"},
              {"executionUrlTemplate", "https://robot.example.com/run/{ExternalExecutionId}"}}},
            {"configurationProperties",
             {{{"name", "Suite"},
               {"required", true},
               {"key", true},
               {"secret", false},
               {"queryable", true},
               {"type", "String"},
               {"description", "which suite"}},
              {{"name", "Token"}, {"required", false}, {"key", false}, {"secret", true}}}},
            {"inputArtifactDetails", {{"minimumCount", 1}, {"maximumCount", 2}}},
            {"outputArtifactDetails", {{"minimumCount", 0}, {"maximumCount", 0}}},
            {"tags", {{{"key", "team"}, {"value", "qa"}}}}};
  }

  domain::ActionTypeRegistry registry_;
  OperationTable table_;
  CallContext context_{"req", "123456789012", "us-east-1", "", ""};
};

TEST_F(ActionTypeOpsTest, CreateAnswersTheActionTypeShapeWithTags) {
  auto created = Call("CreateCustomActionType", CreateInput());
  ASSERT_TRUE(created.ok()) << created.error().message();
  const json& type = (*created)["actionType"];
  EXPECT_EQ(type["id"], (json{{"category", "Test"}, {"owner", "Custom"}, {"provider", "Robot"},
                              {"version", "7"}}));
  EXPECT_EQ(type["settings"]["thirdPartyConfigurationUrl"], "https://robot.example.com");
  EXPECT_FALSE(type["settings"].contains("entityUrlTemplate"));
  EXPECT_EQ(type["actionConfigurationProperties"][0]["description"], "which suite");
  EXPECT_EQ(type["actionConfigurationProperties"][1]["secret"], true);
  EXPECT_EQ(type["actionConfigurationProperties"][1]["queryable"], false);
  EXPECT_EQ(type["inputArtifactDetails"]["maximumCount"], 2);
  EXPECT_EQ((*created)["tags"], (json{{{"key", "team"}, {"value", "qa"}}}));
}

TEST_F(ActionTypeOpsTest, CreateRefusesSystemTagsAndTooManyTags) {
  json input = CreateInput();
  input["tags"] = {{{"key", "aws:x"}, {"value", "y"}}};
  EXPECT_EQ(Call("CreateCustomActionType", input).error().code(), ErrorCode::kInvalidTags);
  input["tags"] = json::array();
  for (int i = 0; i < 51; ++i) input["tags"].push_back({{"key", "k" + std::to_string(i)}, {"value", ""}});
  EXPECT_EQ(Call("CreateCustomActionType", input).error().code(), ErrorCode::kTooManyTags);
}

TEST_F(ActionTypeOpsTest, GetActionTypeAnswersTheDeclarationShape) {
  auto got = Call("GetActionType",
                  {{"category", "Build"}, {"owner", "AWS"}, {"provider", "CodeBuild"},
                   {"version", "1"}});
  ASSERT_TRUE(got.ok()) << got.error().message();
  const json& type = (*got)["actionType"];
  EXPECT_EQ(type["executor"]["type"], "JobWorker");
  EXPECT_EQ(type["permissions"]["allowedAccounts"], json::array({"*"}));
  EXPECT_TRUE(type["urls"].contains("entityUrlTemplate"));
  const json& project = type["properties"][0];
  EXPECT_EQ(project["name"], "ProjectName");
  EXPECT_EQ(project["optional"], false);
  EXPECT_EQ(project["noEcho"], false);
  // A Custom owner is not an ActionTypeOwner: the model refuses it.
  auto custom = Call("GetActionType", {{"category", "Build"}, {"owner", "Custom"},
                                       {"provider", "X"}, {"version", "1"}});
  EXPECT_EQ(custom.error().code(), ErrorCode::kValidation);
}

TEST_F(ActionTypeOpsTest, DeclarationRoundTripsThroughUpdateAndGet) {
  const json id = {{"category", "Source"}, {"owner", "ThirdParty"}, {"provider", "GitHub"},
                   {"version", "1"}};
  json declaration = (*Call("GetActionType", id))["actionType"];
  declaration["description"] = "GitHub, our way";
  declaration["urls"]["configurationUrl"] = "https://example.com/cfg";
  declaration["executor"] = {{"type", "Lambda"},
                             {"configuration",
                              {{"lambdaExecutorConfiguration",
                                {{"lambdaFunctionArn",
                                  "arn:aws:lambda:us-east-1:123456789012:function:f"}}}}},
                             {"jobTimeout", 600}};
  declaration["properties"][0]["description"] = "the owner";
  auto updated = Call("UpdateActionType", {{"actionType", declaration}});
  ASSERT_TRUE(updated.ok()) << updated.error().message();
  EXPECT_EQ(*updated, json::object());
  EXPECT_EQ((*Call("GetActionType", id))["actionType"], declaration);
}

TEST_F(ActionTypeOpsTest, UpdateErrors) {
  json declaration = (*Call("GetActionType", {{"category", "Build"}, {"owner", "AWS"},
                                              {"provider", "CodeBuild"}, {"version", "1"}}))
                         ["actionType"];
  EXPECT_EQ(Call("UpdateActionType", {{"actionType", declaration}}).error().code(),
            ErrorCode::kRequestFailed);
  declaration["id"]["provider"] = "Nope";
  EXPECT_EQ(Call("UpdateActionType", {{"actionType", declaration}}).error().code(),
            ErrorCode::kActionTypeNotFound);
}

TEST_F(ActionTypeOpsTest, ListAndDelete) {
  ASSERT_TRUE(Call("CreateCustomActionType", CreateInput()).ok());
  auto custom = Call("ListActionTypes", {{"actionOwnerFilter", "Custom"}});
  ASSERT_TRUE(custom.ok());
  ASSERT_EQ((*custom)["actionTypes"].size(), 1U);
  EXPECT_FALSE(custom->contains("nextToken"));
  auto elsewhere = Call("ListActionTypes", {{"actionOwnerFilter", "Custom"},
                                            {"regionFilter", "eu-west-1"}});
  EXPECT_TRUE((*elsewhere)["actionTypes"].empty());
  ASSERT_TRUE(Call("DeleteCustomActionType",
                   {{"category", "Test"}, {"provider", "Robot"}, {"version", "7"}})
                  .ok());
  EXPECT_TRUE((*Call("ListActionTypes", {{"actionOwnerFilter", "Custom"}}))["actionTypes"].empty());
  EXPECT_EQ(Call("ListActionTypes", {{"nextToken", "bogus"}}).error().code(),
            ErrorCode::kInvalidNextToken);
}

TEST_F(ActionTypeOpsTest, ListRuleTypesShape) {
  auto rules = Call("ListRuleTypes", {{"ruleOwnerFilter", "AWS"}, {"regionFilter", "us-west-2"}});
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ((*rules)["ruleTypes"].size(), 6U);
  for (const json& rule : (*rules)["ruleTypes"]) {
    EXPECT_EQ(rule["id"]["category"], "Rule");
    EXPECT_EQ(rule["id"]["owner"], "AWS");
    EXPECT_TRUE(rule.contains("inputArtifactDetails"));
    EXPECT_TRUE(rule["ruleConfigurationProperties"].is_array());
  }
}

}  // namespace
}  // namespace sluice::api
