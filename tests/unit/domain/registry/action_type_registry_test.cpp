// ActionTypeRegistry: built-in and custom action types per scope, and the
// rule types.
#include "sluice/domain/registry/action_type_registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>

#include "sluice/domain/pipeline/action_catalog.h"

namespace sluice::domain {
namespace {

ActionType Custom(std::string provider, std::string version = "1",
                  std::string category = "Build") {
  ActionType type;
  type.id = {std::move(category), "Custom", std::move(provider), std::move(version)};
  type.inputs = {0, 1};
  type.outputs = {0, 1};
  type.urls.entity_url_template = "https://ci.example.com/{Config:Project}";
  ConfigurationProperty project;
  project.name = "Project";
  project.required = true;
  project.key = true;
  project.queryable = true;
  type.properties.push_back(project);
  return type;
}

class ActionTypeRegistryTest : public ::testing::Test {
 protected:
  ActionTypeRegistry registry_{ActionTypeRegistryLimits{3, 10}};
  const Scope scope_{"123456789012", "us-east-1"};

  std::vector<ActionType> ListAll(const Scope& scope, const std::optional<std::string>& owner) {
    std::vector<ActionType> all;
    std::optional<std::string> token;
    do {
      auto page = registry_.List(scope, owner, token);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) break;
      EXPECT_LE(page->action_types.size(), 10U);
      all.insert(all.end(), page->action_types.begin(), page->action_types.end());
      token = page->next_token;
    } while (token);
    return all;
  }
};

TEST_F(ActionTypeRegistryTest, CreateSetsOwnerCustomAndIsFound) {
  ActionType definition = Custom("Jenkins");
  definition.id.owner = "AWS";  // ignored: CreateCustomActionType makes Custom types
  definition.tags = {{"team", "ci"}};
  auto created = registry_.CreateCustom(scope_, definition);
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ(created->id.owner, "Custom");
  EXPECT_EQ(created->tags, definition.tags);
  EXPECT_EQ(created->executor["configuration"]["jobWorkerExecutorConfiguration"]
                             ["pollingAccounts"][0],
            "123456789012");
  const ActionTypeId id{"Build", "Custom", "Jenkins", "1"};
  auto found = registry_.Find(scope_, id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->urls.entity_url_template, "https://ci.example.com/{Config:Project}");
  ASSERT_EQ(found->properties.size(), 1U);
  EXPECT_TRUE(found->properties[0].queryable);
  EXPECT_FALSE(found->properties[0].secret);
  // Other scopes do not see it.
  EXPECT_FALSE(registry_.Find({"123456789012", "eu-west-1"}, id).has_value());
  EXPECT_FALSE(registry_.Find({"210987654321", "us-east-1"}, id).has_value());
}

TEST_F(ActionTypeRegistryTest, RecreatingTheSameDefinitionIsIdempotentAndADifferentOneIsRefused) {
  ActionType definition = Custom("Jenkins");
  definition.tags = {{"a", "1"}};
  ASSERT_TRUE(registry_.CreateCustom(scope_, definition).ok());
  ActionType again = Custom("Jenkins");
  auto same = registry_.CreateCustom(scope_, again);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->tags, definition.tags);  // the existing type, unchanged
  again.outputs = {1, 1};
  auto different = registry_.CreateCustom(scope_, again);
  ASSERT_FALSE(different.ok());
  EXPECT_EQ(different.error().code(), ErrorCode::kValidation);
}

TEST_F(ActionTypeRegistryTest, DeletedTypeComesBackOnlyWithItsOriginalDefinition) {
  ASSERT_TRUE(registry_.CreateCustom(scope_, Custom("Jenkins")).ok());
  registry_.DeleteCustom(scope_, "Build", "Jenkins", "1");
  const ActionTypeId id{"Build", "Custom", "Jenkins", "1"};
  EXPECT_FALSE(registry_.Find(scope_, id).has_value());
  ActionType changed = Custom("Jenkins");
  changed.inputs = {1, 2};
  auto refused = registry_.CreateCustom(scope_, changed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kValidation);
  EXPECT_NE(refused.error().message().find("never used"), std::string::npos);
  EXPECT_TRUE(registry_.CreateCustom(scope_, Custom("Jenkins")).ok());  // restored
  EXPECT_TRUE(registry_.Find(scope_, id).has_value());
  // A new version is always possible.
  registry_.DeleteCustom(scope_, "Build", "Jenkins", "1");
  changed.id.version = "2";
  EXPECT_TRUE(registry_.CreateCustom(scope_, changed).ok());
}

TEST_F(ActionTypeRegistryTest, DeletingAMissingTypeSucceeds) {
  registry_.DeleteCustom(scope_, "Build", "Nothing", "1");
  registry_.DeleteCustom({"999999999999", "ap-south-1"}, "Build", "Nothing", "1");
  SUCCEED();
}

TEST_F(ActionTypeRegistryTest, QuotaCountsLiveCustomTypesPerScope) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(registry_.CreateCustom(scope_, Custom("P" + std::to_string(i))).ok());
  }
  auto over = registry_.CreateCustom(scope_, Custom("P3"));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(registry_.CreateCustom({"123456789012", "eu-west-1"}, Custom("P3")).ok());
  registry_.DeleteCustom(scope_, "Build", "P0", "1");
  EXPECT_TRUE(registry_.CreateCustom(scope_, Custom("P3")).ok());
}

TEST_F(ActionTypeRegistryTest, DefinitionChecksBeyondTheModel) {
  ActionType bad_counts = Custom("A");
  bad_counts.inputs = {2, 1};
  EXPECT_EQ(registry_.CreateCustom(scope_, bad_counts).error().code(), ErrorCode::kValidation);
  ActionType two_queryable = Custom("B");
  two_queryable.properties.push_back(two_queryable.properties[0]);
  two_queryable.properties[1].name = "Other";
  EXPECT_EQ(registry_.CreateCustom(scope_, two_queryable).error().code(),
            ErrorCode::kValidation);
  ActionType secret_queryable = Custom("C");
  secret_queryable.properties[0].secret = true;
  EXPECT_EQ(registry_.CreateCustom(scope_, secret_queryable).error().code(),
            ErrorCode::kValidation);
  ActionType duplicate = Custom("D");
  duplicate.properties.push_back(duplicate.properties[0]);
  duplicate.properties[1].queryable = false;
  EXPECT_EQ(registry_.CreateCustom(scope_, duplicate).error().code(), ErrorCode::kValidation);
}

TEST_F(ActionTypeRegistryTest, ListHasEveryBuiltInTypeInKeyOrderAcrossPages) {
  ASSERT_TRUE(registry_.CreateCustom(scope_, Custom("Jenkins")).ok());
  const auto all = ListAll(scope_, std::nullopt);
  EXPECT_EQ(all.size(), BuiltInActionTypes().size() + 1);
  std::set<std::string> seen;
  for (const auto& type : all) {
    EXPECT_TRUE(seen.insert(Describe(type.id)).second) << "repeated " << Describe(type.id);
  }
  for (const ActionTypeInfo& info : BuiltInActionTypes()) {
    const ActionTypeId id{std::string(info.category), std::string(info.owner),
                          std::string(info.provider), "1"};
    EXPECT_TRUE(seen.count(Describe(id))) << Describe(id);
    // Every configuration key a declaration must give is a required property.
    auto found = registry_.Find(scope_, id);
    ASSERT_TRUE(found.has_value());
    for (std::string_view key : info.required_configuration) {
      const auto it = std::find_if(found->properties.begin(), found->properties.end(),
                                   [&](const auto& p) { return p.name == key; });
      ASSERT_NE(it, found->properties.end()) << key;
      EXPECT_TRUE(it->required);
    }
    EXPECT_EQ(found->inputs.minimum, info.inputs.min);
    EXPECT_EQ(found->outputs.maximum, info.outputs.max);
  }
}

TEST_F(ActionTypeRegistryTest, ListFiltersByOwner) {
  ASSERT_TRUE(registry_.CreateCustom(scope_, Custom("Jenkins")).ok());
  const auto custom = ListAll(scope_, "Custom");
  ASSERT_EQ(custom.size(), 1U);
  EXPECT_EQ(custom[0].id.provider, "Jenkins");
  const auto third_party = ListAll(scope_, "ThirdParty");
  ASSERT_FALSE(third_party.empty());
  for (const auto& type : third_party) EXPECT_EQ(type.id.owner, "ThirdParty");
  for (const auto& type : ListAll(scope_, "AWS")) EXPECT_EQ(type.id.owner, "AWS");
  EXPECT_TRUE(ListAll({"123456789012", "eu-west-1"}, "Custom").empty());
}

TEST_F(ActionTypeRegistryTest, ListRefusesATokenItDidNotMake) {
  auto bad = registry_.List(scope_, std::nullopt, std::string("not-a-token"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidNextToken);
}

TEST_F(ActionTypeRegistryTest, ListResumesAfterTheLastTypeEvenWhenTypesChangeBetweenPages) {
  auto first = registry_.List(scope_, std::nullopt, std::nullopt);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->next_token.has_value());
  // "AWS\n..." sorts before "Custom\n..." and the page ended inside AWS.
  ASSERT_TRUE(registry_.CreateCustom(scope_, Custom("Late")).ok());
  const auto rest_start = registry_.List(scope_, std::nullopt, first->next_token);
  ASSERT_TRUE(rest_start.ok());
  EXPECT_NE(Describe(rest_start->action_types.front().id),
            Describe(first->action_types.back().id));
}

TEST_F(ActionTypeRegistryTest, GetFindsBuiltInsAndReportsMissingTypes) {
  auto codebuild = registry_.Get(scope_, {"Build", "AWS", "CodeBuild", "1"});
  ASSERT_TRUE(codebuild.ok());
  EXPECT_EQ(codebuild->executor["type"], "JobWorker");
  ASSERT_TRUE(codebuild->urls.entity_url_template.has_value());
  EXPECT_NE(codebuild->urls.entity_url_template->find("{Config:ProjectName}"), std::string::npos);
  auto github = registry_.Get(scope_, {"Source", "ThirdParty", "GitHub", "1"});
  ASSERT_TRUE(github.ok());
  const auto token = std::find_if(github->properties.begin(), github->properties.end(),
                                  [](const auto& p) { return p.name == "OAuthToken"; });
  ASSERT_NE(token, github->properties.end());
  EXPECT_TRUE(token->secret);
  auto missing = registry_.Get(scope_, {"Build", "AWS", "CodeBuild", "2"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kActionTypeNotFound);
}

TEST_F(ActionTypeRegistryTest, UpdateReplacesAThirdPartyTypeInOneScopeOnly) {
  const ActionTypeId id{"Source", "ThirdParty", "GitHub", "1"};
  ActionType declaration = *registry_.Get(scope_, id);
  declaration.description = "updated";
  declaration.urls.configuration_url = "https://example.com/config";
  declaration.allowed_accounts = {"123456789012"};
  ASSERT_TRUE(registry_.Update(scope_, declaration).ok());
  auto got = registry_.Get(scope_, id);
  EXPECT_EQ(got->description, "updated");
  EXPECT_EQ(got->urls.configuration_url, "https://example.com/config");
  EXPECT_EQ(got->allowed_accounts, std::vector<std::string>{"123456789012"});
  EXPECT_NE(registry_.Get({"123456789012", "eu-west-1"}, id)->description, "updated");
  // Listings show the updated record.
  const auto listed = ListAll(scope_, "ThirdParty");
  const auto it = std::find_if(listed.begin(), listed.end(),
                               [&](const auto& type) { return type.id == id; });
  ASSERT_NE(it, listed.end());
  EXPECT_EQ(it->urls.configuration_url, "https://example.com/config");
}

TEST_F(ActionTypeRegistryTest, UpdateRefusesMissingAndAwsOwnedTypes) {
  ActionType missing = *registry_.Get(scope_, {"Source", "ThirdParty", "GitHub", "1"});
  missing.id.provider = "NoSuchProvider";
  EXPECT_EQ(registry_.Update(scope_, missing).error().code(), ErrorCode::kActionTypeNotFound);
  ActionType aws = *registry_.Get(scope_, {"Build", "AWS", "CodeBuild", "1"});
  EXPECT_EQ(registry_.Update(scope_, aws).error().code(), ErrorCode::kRequestFailed);
  ActionType bad = *registry_.Get(scope_, {"Source", "ThirdParty", "GitHub", "1"});
  bad.outputs = {3, 2};
  EXPECT_EQ(registry_.Update(scope_, bad).error().code(), ErrorCode::kValidation);
}

TEST_F(ActionTypeRegistryTest, ConcurrentCreatesRespectTheQuota) {
  ActionTypeRegistry registry{ActionTypeRegistryLimits{20, 50}};
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        if (registry.CreateCustom(scope_, Custom("T" + std::to_string(t) + "x" + std::to_string(i)))
                .ok()) {
          ++created;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 20);
}

TEST_F(ActionTypeRegistryTest, KeepsTheTagsOfLiveCustomTypes) {
  ActionType definition = Custom("Jenkins", "2");
  definition.tags = {{"team", "ci"}};
  ASSERT_TRUE(registry_.CreateCustom(scope_, definition).ok());
  const std::string id = "Custom/Build/Jenkins/2";
  EXPECT_EQ(registry_.Tags(scope_, id), (std::vector<Tag>{{"team", "ci"}}));

  EXPECT_TRUE(registry_.EditTags(scope_, id, [](std::vector<Tag>& tags) {
    tags.push_back({"env", "prod"});
    return Status(Ok{});
  }));
  EXPECT_EQ(registry_.Tags(scope_, id), (std::vector<Tag>{{"team", "ci"}, {"env", "prod"}}));
  // The type as read back carries them too.
  EXPECT_EQ(registry_.Find(scope_, {"Build", "Custom", "Jenkins", "2"})->tags.size(), 2U);

  // Built-in types, other scopes, other versions and malformed ids have none.
  EXPECT_FALSE(registry_.Tags(scope_, "Custom/Build/Jenkins/3").has_value());
  EXPECT_FALSE(registry_.Tags({"210987654321", "us-east-1"}, id).has_value());
  EXPECT_FALSE(registry_.Tags(scope_, "Custom/Build/CodeBuild/1").has_value());
  EXPECT_FALSE(registry_.Tags(scope_, "Custom/Build/Jenkins").has_value());
  EXPECT_FALSE(registry_.Tags(scope_, "Custom/Build/Jenkins/2/x").has_value());
  bool ran = false;
  EXPECT_FALSE(registry_.EditTags(scope_, "Custom/Build/Jenkins/9", [&ran](std::vector<Tag>&) {
    ran = true;
    return Status(Ok{});
  }));
  EXPECT_FALSE(ran);
}

TEST_F(ActionTypeRegistryTest, DeletingACustomTypeDropsItsTags) {
  ActionType definition = Custom("Jenkins", "2");
  definition.tags = {{"team", "ci"}};
  ASSERT_TRUE(registry_.CreateCustom(scope_, definition).ok());
  registry_.DeleteCustom(scope_, "Build", "Jenkins", "2");
  EXPECT_FALSE(registry_.Tags(scope_, "Custom/Build/Jenkins/2").has_value());
  // Restoring it brings the tags of the restoring request, not the old ones.
  definition.tags = {{"owner", "me"}};
  ASSERT_TRUE(registry_.CreateCustom(scope_, definition).ok());
  EXPECT_EQ(registry_.Tags(scope_, "Custom/Build/Jenkins/2"), (std::vector<Tag>{{"owner", "me"}}));
}

TEST(RuleTypesTest, ListsTheDocumentedRuleProviders) {
  std::set<std::string> providers;
  for (const RuleType& type : ActionTypeRegistry::RuleTypes()) {
    providers.insert(type.provider);
    EXPECT_EQ(type.version, "1");
  }
  EXPECT_EQ(providers, (std::set<std::string>{"CloudWatchAlarm", "CodeBuild", "Commands",
                                              "DeploymentWindow", "LambdaInvoke",
                                              "VariableCheck"}));
  const auto& rules = ActionTypeRegistry::RuleTypes();
  const auto check = std::find_if(rules.begin(), rules.end(),
                                  [](const auto& r) { return r.provider == "VariableCheck"; });
  ASSERT_NE(check, rules.end());
  ASSERT_EQ(check->properties.size(), 3U);
  for (const auto& property : check->properties) EXPECT_TRUE(property.required);
}

}  // namespace
}  // namespace sluice::domain
