// PipelineService over the in-memory repository and a fake clock.
#include "sluice/domain/pipeline/pipeline_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "sluice/domain/registry/action_type_registry.h"
#include "sluice/store/in_memory_pipeline_repository.h"
#include "support/pipelines.h"

namespace sluice::domain {
namespace {

using nlohmann::json;
using sluice::testing::TwoStagePipeline;

class PipelineServiceTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  store::InMemoryPipelineRepository repository_;
  PipelineService service_{repository_, clock_,
                           PipelineServiceLimits{PipelineLimits{}, 5, 100}};
  const Scope scope_{"123456789012", "us-east-1"};
};

TEST_F(PipelineServiceTest, CreateThenGetReturnsDeclarationWithDefaultsAndMetadata) {
  auto created = service_.Create(scope_, TwoStagePipeline("p"), {{"team", "a"}});
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ(created->summary.version, 1);
  auto got = service_.Get(scope_, "p", std::nullopt);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->arn, "arn:aws:codepipeline:us-east-1:123456789012:p");
  EXPECT_EQ(got->summary.created, clock_.Now());
  const json declaration = json::parse(got->declaration);
  EXPECT_EQ(declaration["version"], 1);
  EXPECT_EQ(declaration["pipelineType"], "V2");
  EXPECT_EQ(repository_.Tags(scope_, "p"), (std::vector<Tag>{{"team", "a"}}));
}

TEST_F(PipelineServiceTest, CreateRefusesADuplicateName) {
  ASSERT_TRUE(service_.Create(scope_, TwoStagePipeline("p"), {}).ok());
  auto again = service_.Create(scope_, TwoStagePipeline("p"), {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kPipelineNameInUse);
}

TEST_F(PipelineServiceTest, CreateStopsAtThePipelineQuota) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(service_.Create(scope_, TwoStagePipeline("p" + std::to_string(i)), {}).ok());
  }
  auto over = service_.Create(scope_, TwoStagePipeline("p5"), {});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kLimitExceeded);
  // Another region has its own quota.
  EXPECT_TRUE(service_.Create({"123456789012", "eu-west-1"}, TwoStagePipeline("p5"), {}).ok());
}

TEST_F(PipelineServiceTest, UpdateAddsVersionsAndKeepsEveryEarlierOne) {
  ASSERT_TRUE(service_.Create(scope_, TwoStagePipeline("p"), {}).ok());
  const auto created_at = clock_.Now();
  for (int i = 2; i <= 4; ++i) {
    clock_.Advance(std::chrono::seconds(10));
    json declaration = TwoStagePipeline("p");
    declaration["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "v" + std::to_string(i);
    auto updated = service_.Update(scope_, declaration);
    ASSERT_TRUE(updated.ok()) << updated.error().message();
    EXPECT_EQ(updated->summary.version, i);
    EXPECT_EQ(json::parse(updated->declaration)["version"], i);
  }
  auto latest = service_.Get(scope_, "p", std::nullopt);
  EXPECT_EQ(latest->summary.version, 4);
  EXPECT_EQ(latest->summary.created, created_at);
  EXPECT_EQ(latest->summary.updated, clock_.Now());
  auto first = service_.Get(scope_, "p", 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(json::parse(first->declaration)["stages"][1]["actions"][0]["configuration"]["ProjectName"],
            "project");
  auto missing = service_.Get(scope_, "p", 5);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kPipelineVersionNotFound);
}

TEST_F(PipelineServiceTest, UpdateOfUnknownPipelineIsNotFound) {
  auto updated = service_.Update(scope_, TwoStagePipeline("ghost"));
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code(), ErrorCode::kPipelineNotFound);
}

TEST_F(PipelineServiceTest, UpdateChecksStructureToo) {
  ASSERT_TRUE(service_.Create(scope_, TwoStagePipeline("p"), {}).ok());
  json declaration = TwoStagePipeline("p");
  declaration["stages"].erase(1);
  auto updated = service_.Update(scope_, declaration);
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code(), ErrorCode::kInvalidStructure);
  EXPECT_EQ(service_.Get(scope_, "p", std::nullopt)->summary.version, 1);
}

TEST_F(PipelineServiceTest, DeleteIsIdempotent) {
  ASSERT_TRUE(service_.Create(scope_, TwoStagePipeline("p"), {}).ok());
  service_.Delete(scope_, "p");
  service_.Delete(scope_, "p");
  EXPECT_EQ(service_.Get(scope_, "p", std::nullopt).error().code(), ErrorCode::kPipelineNotFound);
}

TEST_F(PipelineServiceTest, ListPagesNeitherLoseNorRepeatUnderConcurrentChanges) {
  for (const char* name : {"a", "c", "e"}) {
    ASSERT_TRUE(service_.Create(scope_, TwoStagePipeline(name), {}).ok());
  }
  auto first = service_.List(scope_, std::nullopt, 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->pipelines.size(), 2U);
  EXPECT_EQ(first->pipelines[1].name, "c");
  ASSERT_TRUE(first->next_token.has_value());
  // Changes between pages: one before the cursor, one after, one removed.
  service_.Delete(scope_, "a");
  ASSERT_TRUE(service_.Create(scope_, TwoStagePipeline("b"), {}).ok());
  ASSERT_TRUE(service_.Create(scope_, TwoStagePipeline("d"), {}).ok());
  auto second = service_.List(scope_, first->next_token, 2);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->pipelines.size(), 2U);
  EXPECT_EQ(second->pipelines[0].name, "d");
  EXPECT_EQ(second->pipelines[1].name, "e");
  EXPECT_FALSE(second->next_token.has_value());
}

TEST_F(PipelineServiceTest, ListRefusesAForeignToken) {
  auto page = service_.List(scope_, std::string("garbage"), std::nullopt);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code(), ErrorCode::kInvalidNextToken);
}

// The service over the action type registry, wired as app::Services wires
// them: declarations may use the scope's live custom types.
TEST(PipelineServiceCustomTypesTest, FollowsTheRegistrysCustomTypes) {
  FakeClock clock;
  store::InMemoryPipelineRepository repository;
  ActionTypeRegistry registry;
  PipelineService service(repository, clock, {},
                          [&registry](const Scope& scope, const ActionTypeId& id) {
                            return registry.Find(scope, id);
                          });
  const Scope scope{"123456789012", "us-east-1"};
  json declaration = TwoStagePipeline("p");
  declaration["stages"][1]["actions"][0]["actionTypeId"] = {
      {"category", "Build"}, {"owner", "Custom"}, {"provider", "Checker"}, {"version", "v-7"}};
  declaration["stages"][1]["actions"][0]["configuration"] = {{"Url", "https://example.com"}};

  auto refused = service.Create(scope, declaration, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidActionDeclaration);

  ActionType type;
  type.id = {"Build", "Custom", "Checker", "v-7"};
  type.inputs = {0, 5};
  type.outputs = {0, 5};
  ConfigurationProperty url;
  url.name = "Url";
  url.required = true;
  type.properties = {url};
  ASSERT_TRUE(registry.CreateCustom(scope, type).ok());
  auto created = service.Create(scope, declaration, {});
  ASSERT_TRUE(created.ok()) << created.error().message();
  // Another account has no such type.
  EXPECT_FALSE(service.Create({"210987654321", "us-east-1"}, declaration, {}).ok());

  registry.DeleteCustom(scope, "Build", "Checker", "v-7");
  auto updated = service.Update(scope, declaration);
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code(), ErrorCode::kInvalidActionDeclaration);
  EXPECT_NE(updated.error().message().find("is not available in region 'US_EAST_1'"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::domain
