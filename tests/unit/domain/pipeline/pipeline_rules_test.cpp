// Structural rules, one row per rule: a mutation of a valid pipeline and the
// error CodePipeline answers it with.
#include "sluice/domain/pipeline/pipeline_rules.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "support/pipelines.h"

namespace sluice::domain {
namespace {

using nlohmann::json;

const Scope kRulesScope{"123456789012", "us-east-1"};

Status Check(json declaration) {
  ApplyDeclarationDefaults(declaration, 1);
  return CheckDeclaration(declaration, kRulesScope, PipelineLimits{});
}

json& Action(json& pipeline, std::size_t stage, std::size_t action = 0) {
  return pipeline["stages"][stage]["actions"][action];
}

TEST(PipelineRulesTest, ValidPipelinePasses) {
  const Status status = Check(sluice::testing::TwoStagePipeline());
  EXPECT_TRUE(status.ok()) << status.error().message();
}

TEST(PipelineRulesTest, DefaultsAreFilledIn) {
  json declaration = sluice::testing::TwoStagePipeline();
  ApplyDeclarationDefaults(declaration, 3);
  EXPECT_EQ(declaration["version"], 3);
  EXPECT_EQ(declaration["pipelineType"], "V2");
  EXPECT_EQ(declaration["executionMode"], "SUPERSEDED");
  EXPECT_EQ(Action(declaration, 0)["runOrder"], 1);
  EXPECT_EQ(Action(declaration, 0)["inputArtifacts"], json::array());
  EXPECT_EQ(Action(declaration, 1)["outputArtifacts"], json::array());
}

TEST(PipelineRulesTest, GivenValuesAreKept) {
  json declaration = sluice::testing::TwoStagePipeline();
  declaration["pipelineType"] = "V1";
  Action(declaration, 1)["runOrder"] = 4;
  ApplyDeclarationDefaults(declaration, 1);
  EXPECT_EQ(declaration["pipelineType"], "V1");
  EXPECT_EQ(Action(declaration, 1)["runOrder"], 4);
}

struct RuleCase {
  const char* name;
  std::function<void(json&)> mutate;
  ErrorCode code;
  const char* message_part;
};

class PipelineRuleViolation : public ::testing::TestWithParam<RuleCase> {};

TEST_P(PipelineRuleViolation, IsRefusedWithAwsError) {
  json declaration = sluice::testing::TwoStagePipeline();
  GetParam().mutate(declaration);
  const Status status = Check(declaration);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), GetParam().code) << status.error().message();
  EXPECT_NE(status.error().message().find(GetParam().message_part), std::string::npos)
      << status.error().message();
}

json BuildStage(const std::string& name, const std::string& input) {
  return {{"name", name},
          {"actions",
           {{{"name", name},
             {"actionTypeId",
              {{"category", "Build"}, {"owner", "AWS"}, {"provider", "CodeBuild"}, {"version", "1"}}},
             {"configuration", {{"ProjectName", "p"}}},
             {"inputArtifacts", {{{"name", input}}}}}}}};
}

INSTANTIATE_TEST_SUITE_P(
    Rules, PipelineRuleViolation,
    ::testing::Values(
        RuleCase{"OneStage", [](json& p) { p["stages"].erase(1); }, ErrorCode::kInvalidStructure,
                 "Pipeline has only 1 stages. There should be a minimum of 2 stages in a pipeline"},
        RuleCase{"FiftyOneStages",
                 [](json& p) {
                   for (int i = 0; i < 49; ++i) p["stages"].push_back(BuildStage("B" + std::to_string(i), "src"));
                 },
                 ErrorCode::kInvalidStructure, "maximum of 50 stages"},
        RuleCase{"FirstStageNotSource", [](json& p) { std::swap(p["stages"][0], p["stages"][1]); },
                 ErrorCode::kInvalidStructure,
                 "Pipeline should start with a stage that only contains source actions"},
        RuleCase{"SourceInLaterStage",
                 [](json& p) {
                   json source = Action(p, 0);
                   source["name"] = "Source2";
                   source["outputArtifacts"] = {{{"name", "src2"}}};
                   p["stages"][1]["actions"].push_back(source);
                 },
                 ErrorCode::kInvalidStructure, "Source actions can only be declared in the first stage"},
        RuleCase{"DuplicateStageName", [](json& p) { p["stages"].push_back(BuildStage("Build", "src")); },
                 ErrorCode::kInvalidStageDeclaration, "Stage name 'Build' is used more than once"},
        RuleCase{"EmptyStage", [](json& p) { p["stages"][1]["actions"] = json::array(); },
                 ErrorCode::kInvalidStageDeclaration, "must contain at least one action"},
        RuleCase{"DuplicateActionName",
                 [](json& p) { p["stages"][1]["actions"].push_back(Action(p, 1)); },
                 ErrorCode::kInvalidActionDeclaration, "more than one action named 'Build'"},
        RuleCase{"UnknownProvider", [](json& p) { Action(p, 1)["actionTypeId"]["provider"] = "Nope"; },
                 ErrorCode::kInvalidActionDeclaration,
                 "ActionType (Category: 'Build', Provider: 'Nope', Owner: 'AWS', Version: '1') in "
                 "action 'Build' is not available in region 'US_EAST_1'"},
        RuleCase{"UnknownVersion", [](json& p) { Action(p, 1)["actionTypeId"]["version"] = "2"; },
                 ErrorCode::kInvalidActionDeclaration, "Version: '2'"},
        RuleCase{"CustomTypeNotCreated", [](json& p) { Action(p, 1)["actionTypeId"]["owner"] = "Custom"; },
                 ErrorCode::kInvalidActionDeclaration, "Owner: 'Custom'"},
        RuleCase{"TooFewInputs", [](json& p) { Action(p, 1).erase("inputArtifacts"); },
                 ErrorCode::kInvalidActionDeclaration,
                 "Action Build declares 0 input artifacts which is less than the minimum count (1)"},
        RuleCase{"TooManySourceOutputs",
                 [](json& p) { Action(p, 0)["outputArtifacts"].push_back({{"name", "more"}}); },
                 ErrorCode::kInvalidActionDeclaration,
                 "declares 2 output artifacts which is more than the maximum count (1)"},
        RuleCase{"MissingRequiredConfiguration", [](json& p) { Action(p, 1)["configuration"].erase("ProjectName"); },
                 ErrorCode::kInvalidActionDeclaration, "missing required configuration 'ProjectName'"},
        RuleCase{"InputNotProduced", [](json& p) { Action(p, 1)["inputArtifacts"][0]["name"] = "ghost"; },
                 ErrorCode::kInvalidStructure, "Input Artifact Bundle ghost"},
        RuleCase{"InputFromSameRunOrder",
                 [](json& p) {
                   json second = Action(p, 1);
                   second["name"] = "Build2";
                   second["inputArtifacts"] = {{{"name", "built"}}};
                   Action(p, 1)["outputArtifacts"] = {{{"name", "built"}}};
                   p["stages"][1]["actions"].push_back(second);  // same runOrder 1
                 },
                 ErrorCode::kInvalidStructure, "Input Artifact Bundle built"},
        RuleCase{"DuplicateOutputArtifact",
                 [](json& p) { Action(p, 1)["outputArtifacts"] = {{{"name", "src"}}}; },
                 ErrorCode::kInvalidStructure,
                 "Output Artifact Bundle name must be unique within the pipeline. src has been used "
                 "more than once."},
        RuleCase{"BothArtifactStores",
                 [](json& p) { p["artifactStores"] = {{"us-east-1", p["artifactStore"]}}; },
                 ErrorCode::kInvalidStructure, "not both"},
        RuleCase{"NoArtifactStore", [](json& p) { p.erase("artifactStore"); },
                 ErrorCode::kInvalidStructure, "must declare an artifactStore"},
        RuleCase{"ArtifactStoresWithoutPipelineRegion",
                 [](json& p) {
                   p["artifactStores"] = {{"eu-west-1", p["artifactStore"]}};
                   p.erase("artifactStore");
                 },
                 ErrorCode::kInvalidStructure, "'us-east-1'"},
        RuleCase{"QueuedOnV1",
                 [](json& p) {
                   p["pipelineType"] = "V1";
                   p["executionMode"] = "QUEUED";
                 },
                 ErrorCode::kInvalidStructure, "QUEUED execution mode can only be used with V2 pipelines"},
        RuleCase{"VariablesOnV1",
                 [](json& p) {
                   p["pipelineType"] = "V1";
                   p["variables"] = {{{"name", "v"}}};
                 },
                 ErrorCode::kInvalidStructure, "variables can only be used with V2 pipelines"},
        RuleCase{"TriggersOnV1",
                 [](json& p) {
                   p["pipelineType"] = "V1";
                   p["triggers"] = {{{"providerType", "CodeStarSourceConnection"},
                                     {"gitConfiguration", {{"sourceActionName", "Source"}}}}};
                 },
                 ErrorCode::kInvalidStructure, "Triggers can only be used with V2 pipelines"},
        RuleCase{"TriggerOnNonConnectionSource",
                 [](json& p) {
                   p["triggers"] = {{{"providerType", "CodeStarSourceConnection"},
                                     {"gitConfiguration", {{"sourceActionName", "Source"}}}}};
                 },
                 ErrorCode::kInvalidStructure, "CodeStarSourceConnection"},
        RuleCase{"DuplicateVariable",
                 [](json& p) { p["variables"] = {{{"name", "v"}}, {{"name", "v"}}}; },
                 ErrorCode::kValidation, "already in use: v"},
        RuleCase{"DuplicateNamespace",
                 [](json& p) {
                   Action(p, 0)["namespace"] = "ns";
                   Action(p, 1)["namespace"] = "ns";
                 },
                 ErrorCode::kInvalidActionDeclaration, "Namespaces must be unique"},
        RuleCase{"CommandsOutsideCompute", [](json& p) { Action(p, 1)["commands"] = {"make"}; },
                 ErrorCode::kInvalidActionDeclaration, "cannot contain a commands field"},
        RuleCase{"Blockers",
                 [](json& p) { p["stages"][1]["blockers"] = {{{"name", "b"}, {"type", "Schedule"}}}; },
                 ErrorCode::kInvalidBlockerDeclaration, "blockers"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(PipelineRulesTest, InputFromEarlierRunOrderInSameStageIsAllowed) {
  json p = sluice::testing::TwoStagePipeline();
  json second = Action(p, 1);
  second["name"] = "Build2";
  second["runOrder"] = 2;
  second["inputArtifacts"] = {{{"name", "built"}}};
  Action(p, 1)["outputArtifacts"] = {{{"name", "built"}}};
  p["stages"][1]["actions"].push_back(second);
  const Status status = Check(p);
  EXPECT_TRUE(status.ok()) << status.error().message();
}

TEST(PipelineRulesTest, V2FeaturesAreAcceptedOnV2) {
  json p = sluice::testing::TwoStagePipeline();
  p["executionMode"] = "PARALLEL";
  p["variables"] = {{{"name", "env"}, {"defaultValue", "dev"}}};
  const Status status = Check(p);
  EXPECT_TRUE(status.ok()) << status.error().message();
}

// "failure conditions with a rollback result type cannot be added to a
// PARALLEL mode pipeline."
TEST(PipelineRulesTest, ParallelPipelinesRefuseRollbackOnFailure) {
  json p = sluice::testing::TwoStagePipeline();
  p["executionMode"] = "PARALLEL";
  p["stages"][1]["onFailure"] = {{"result", "ROLLBACK"}};
  Status status = Check(p);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidStageDeclaration);
  p["stages"][1]["onFailure"] = {
      {"result", "RETRY"},
      {"conditions", {{{"result", "ROLLBACK"}, {"rules", json::array()}}}}};
  status = Check(p);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidStageDeclaration);
  p["stages"][1]["onFailure"] = {{"result", "RETRY"}};
  EXPECT_TRUE(Check(p).ok());
  p["executionMode"] = "QUEUED";
  p["stages"][1]["onFailure"] = {{"result", "ROLLBACK"}};
  EXPECT_TRUE(Check(p).ok());
}

// Custom action types, as the registry would answer for kRulesScope: a Build type
// "Checker" version "2" taking 1-2 inputs and no outputs, with a required
// "Url" and an optional "Depth".
std::optional<ActionType> FakeCustomTypes(const Scope& scope, const ActionTypeId& id) {
  if (!(scope == kRulesScope) || id != ActionTypeId{"Build", "Custom", "Checker", "2"}) {
    return std::nullopt;
  }
  ActionType type;
  type.id = id;
  type.inputs = {1, 2};
  type.outputs = {0, 0};
  ConfigurationProperty url;
  url.name = "Url";
  url.required = true;
  ConfigurationProperty depth;
  depth.name = "Depth";
  type.properties = {url, depth};
  return type;
}

Status CheckWithCustom(json declaration) {
  ApplyDeclarationDefaults(declaration, 1);
  return CheckDeclaration(declaration, kRulesScope, PipelineLimits{}, FakeCustomTypes);
}

json PipelineWithCustomBuild() {
  json declaration = sluice::testing::TwoStagePipeline();
  Action(declaration, 1) = json::parse(R"({"name": "Check",
      "actionTypeId": {"category": "Build", "owner": "Custom", "provider": "Checker", "version": "2"},
      "configuration": {"Url": "https://example.com"},
      "inputArtifacts": [{"name": "src"}]})");
  return declaration;
}

TEST(PipelineRulesCustomTypeTest, LiveCustomTypeIsAccepted) {
  const Status status = CheckWithCustom(PipelineWithCustomBuild());
  EXPECT_TRUE(status.ok()) << status.error().message();
  json with_optional = PipelineWithCustomBuild();
  Action(with_optional, 1)["configuration"]["Depth"] = "3";
  EXPECT_TRUE(CheckWithCustom(with_optional).ok());
}

TEST(PipelineRulesCustomTypeTest, WithoutALookupNoCustomTypeExists) {
  const Status status = Check(PipelineWithCustomBuild());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidActionDeclaration);
  EXPECT_EQ(status.error().message(),
            "ActionType (Category: 'Build', Provider: 'Checker', Owner: 'Custom', Version: '2') "
            "in action 'Check' is not available in region 'US_EAST_1'");
}

// Each row: a mutation of the custom action and the message it is refused
// with (InvalidActionDeclarationException).
struct CustomRuleCase {
  const char* name;
  std::function<void(json&)> mutate;
  const char* message;
};

class PipelineRulesCustomTypeViolation : public ::testing::TestWithParam<CustomRuleCase> {};

TEST_P(PipelineRulesCustomTypeViolation, IsRefused) {
  json declaration = PipelineWithCustomBuild();
  GetParam().mutate(Action(declaration, 1));
  const Status status = CheckWithCustom(declaration);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidActionDeclaration);
  EXPECT_EQ(status.error().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, PipelineRulesCustomTypeViolation,
    ::testing::Values(
        CustomRuleCase{"UnknownVersion",
                       [](json& action) { action["actionTypeId"]["version"] = "3"; },
                       "ActionType (Category: 'Build', Provider: 'Checker', Owner: 'Custom', "
                       "Version: '3') in action 'Check' is not available in region 'US_EAST_1'"},
        CustomRuleCase{"TooFewInputs",
                       [](json& action) { action["inputArtifacts"] = json::array(); },
                       "Action Check declares 0 input artifacts which is less than the minimum "
                       "count (1)"},
        CustomRuleCase{"TooManyOutputs",
                       [](json& action) {
                         action["outputArtifacts"] = json::array({{{"name", "out"}}});
                       },
                       "Action Check declares 1 output artifacts which is more than the maximum "
                       "count (0)"},
        CustomRuleCase{"MissingRequiredProperty",
                       [](json& action) { action["configuration"] = {{"Depth", "1"}}; },
                       "Action configuration for action 'Check' is missing required "
                       "configuration 'Url'"},
        CustomRuleCase{"UndeclaredProperty",
                       [](json& action) { action["configuration"]["Colour"] = "blue"; },
                       "Action configuration for action 'Check' contains unknown configuration "
                       "'Colour'"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(PipelineRulesCustomTypeTest, BuiltInTypesNeverConsultTheLookup) {
  int calls = 0;
  const CustomActionTypeLookup counting = [&calls](const Scope&, const ActionTypeId&) {
    ++calls;
    return std::optional<ActionType>();
  };
  json declaration = sluice::testing::TwoStagePipeline();
  ApplyDeclarationDefaults(declaration, 1);
  EXPECT_TRUE(CheckDeclaration(declaration, kRulesScope, PipelineLimits{}, counting).ok());
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace sluice::domain
