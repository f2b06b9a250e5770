// WebhookRegistry over the in-memory pipeline repository.
#include "sluice/domain/registry/webhook_registry.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include <set>
#include <thread>

#include "sluice/store/in_memory_pipeline_repository.h"
#include "support/pipelines.h"

namespace sluice::domain {
namespace {

class WebhookRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NewPipeline pipeline;
    pipeline.summary.name = "p";
    pipeline.declaration = sluice::testing::TwoStagePipeline("p").dump();
    ASSERT_TRUE(repository_.Insert(scope_, std::move(pipeline), 10).ok());
  }

  static WebhookDefinition Definition(const std::string& name) {
    WebhookDefinition definition;
    definition.name = name;
    definition.target_pipeline = "p";
    definition.target_action = "Source";
    definition.filters = {{"$.ref", "refs/heads/{Branch}"}};
    definition.authentication = WebhookAuthentication::kGithubHmac;
    definition.secret_token = "s3cret";
    return definition;
  }

  store::InMemoryPipelineRepository repository_;
  WebhookRegistry registry_{repository_, WebhookLimits{3, 2}};
  const Scope scope_{"123456789012", "eu-west-1"};
};

TEST_F(WebhookRegistryTest, PutCreatesAWebhookWithUrlAndArn) {
  auto webhook = registry_.Put(scope_, Definition("hook"), {{"team", "a"}});
  ASSERT_TRUE(webhook.ok()) << webhook.error().message();
  EXPECT_EQ(webhook->arn, "arn:aws:codepipeline:eu-west-1:123456789012:webhook:hook");
  EXPECT_EQ(WebhookPath(scope_, *webhook),
            "/webhooks/eu-west-1/123456789012/hook?t=" + webhook->token + "&v=1");
  EXPECT_EQ(webhook->token.size(), 64U);
  EXPECT_FALSE(webhook->last_triggered.has_value());
  EXPECT_EQ(webhook->definition, Definition("hook"));
  EXPECT_EQ(webhook->tags, (std::vector<Tag>{{"team", "a"}}));
  EXPECT_FALSE(webhook->registered_with_third_party);
  // Each webhook has its own URL.
  auto other = registry_.Put(scope_, Definition("other"), {});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->token, webhook->token);
}

TEST_F(WebhookRegistryTest, PutReplacesByNameKeepingUrlAndMergingTags) {
  auto first = registry_.Put(scope_, Definition("hook"), {{"team", "a"}, {"env", "dev"}});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(registry_.RegisterWithThirdParty(scope_, "hook").ok());
  WebhookDefinition changed = Definition("hook");
  changed.authentication = WebhookAuthentication::kUnauthenticated;
  changed.secret_token.reset();
  auto second = registry_.Put(scope_, changed, {{"env", "prod"}, {"owner", "me"}});
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(second->token, first->token);
  EXPECT_EQ(second->definition, changed);
  EXPECT_TRUE(second->registered_with_third_party);
  EXPECT_EQ(second->tags, (std::vector<Tag>{{"team", "a"}, {"env", "prod"}, {"owner", "me"}}));
  auto page = registry_.List(scope_, std::nullopt, std::nullopt);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->webhooks.size(), 1U);
}

TEST_F(WebhookRegistryTest, PutNeedsAnExistingPipelineAndASourceAction) {
  WebhookDefinition definition = Definition("hook");
  definition.target_pipeline = "missing";
  auto missing = registry_.Put(scope_, definition, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kPipelineNotFound);

  definition = Definition("hook");
  definition.target_action = "Build";
  auto not_source = registry_.Put(scope_, definition, {});
  ASSERT_FALSE(not_source.ok());
  EXPECT_EQ(not_source.error().code(), ErrorCode::kValidation);

  definition.target_action = "Nope";
  auto absent = registry_.Put(scope_, definition, {});
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().code(), ErrorCode::kValidation);

  // Another scope does not see the pipeline.
  auto elsewhere = registry_.Put({"123456789012", "us-east-1"}, Definition("hook"), {});
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code(), ErrorCode::kPipelineNotFound);
}

TEST_F(WebhookRegistryTest, PutChecksFilterPaths) {
  WebhookDefinition definition = Definition("hook");
  definition.filters = {{"$.ref", std::nullopt}, {"ref", std::nullopt}};
  auto bad = registry_.Put(scope_, definition, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidWebhookFilterPattern);
  EXPECT_FALSE(registry_.Find(scope_, "hook").has_value());
}

TEST_F(WebhookRegistryTest, PutChecksAuthenticationParameters) {
  WebhookDefinition hmac = Definition("hook");
  hmac.secret_token.reset();
  auto no_secret = registry_.Put(scope_, hmac, {});
  ASSERT_FALSE(no_secret.ok());
  EXPECT_EQ(no_secret.error().code(), ErrorCode::kInvalidWebhookAuthenticationParameters);

  WebhookDefinition ip = Definition("hook");
  ip.authentication = WebhookAuthentication::kIp;
  ip.secret_token.reset();
  auto no_range = registry_.Put(scope_, ip, {});
  ASSERT_FALSE(no_range.ok());
  EXPECT_EQ(no_range.error().code(), ErrorCode::kInvalidWebhookAuthenticationParameters);
  ip.allowed_ip_range = "10.0.0.300/8";
  auto bad_range = registry_.Put(scope_, ip, {});
  ASSERT_FALSE(bad_range.ok());
  EXPECT_EQ(bad_range.error().code(), ErrorCode::kInvalidWebhookAuthenticationParameters);
  ip.allowed_ip_range = "10.0.0.0/8";
  EXPECT_TRUE(registry_.Put(scope_, ip, {}).ok());

  WebhookDefinition open = Definition("open");
  open.authentication = WebhookAuthentication::kUnauthenticated;
  open.secret_token.reset();
  EXPECT_TRUE(registry_.Put(scope_, open, {}).ok());
}

TEST_F(WebhookRegistryTest, PutStopsAtTheQuotaButStillReplaces) {
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(registry_.Put(scope_, Definition(name), {}).ok());
  auto over = registry_.Put(scope_, Definition("d"), {});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(registry_.Put(scope_, Definition("a"), {}).ok());
}

TEST_F(WebhookRegistryTest, ReplacingPastTheTagLimitChangesNothing) {
  std::vector<Tag> tags;
  for (int i = 0; i < 50; ++i) tags.push_back({"k" + std::to_string(i), "v"});
  ASSERT_TRUE(registry_.Put(scope_, Definition("hook"), tags).ok());
  WebhookDefinition changed = Definition("hook");
  changed.target_action = "Source";
  changed.filters.clear();
  auto over = registry_.Put(scope_, changed, {{"one-more", "v"}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kTooManyTags);
  EXPECT_EQ(registry_.Find(scope_, "hook")->definition, Definition("hook"));
}

TEST_F(WebhookRegistryTest, ListsInNameOrderInPages) {
  for (const char* name : {"c", "a", "b"}) ASSERT_TRUE(registry_.Put(scope_, Definition(name), {}).ok());
  auto first = registry_.List(scope_, std::nullopt, std::nullopt);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->webhooks.size(), 2U);
  EXPECT_EQ(first->webhooks[0].definition.name, "a");
  EXPECT_EQ(first->webhooks[1].definition.name, "b");
  ASSERT_TRUE(first->next_token.has_value());
  auto second = registry_.List(scope_, first->next_token, std::nullopt);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->webhooks.size(), 1U);
  EXPECT_EQ(second->webhooks[0].definition.name, "c");
  EXPECT_FALSE(second->next_token.has_value());
  auto all = registry_.List(scope_, std::nullopt, 10);
  EXPECT_EQ(all->webhooks.size(), 3U);
  EXPECT_FALSE(all->next_token.has_value());
  auto bad = registry_.List(scope_, std::string("not-a-token"), std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidNextToken);
  EXPECT_TRUE(registry_.List({"999999999999", "eu-west-1"}, std::nullopt, std::nullopt)
                  ->webhooks.empty());
}

TEST_F(WebhookRegistryTest, DeleteRemovesAndIgnoresMissingWebhooks) {
  ASSERT_TRUE(registry_.Put(scope_, Definition("hook"), {{"k", "v"}}).ok());
  registry_.Delete(scope_, "hook");
  registry_.Delete(scope_, "hook");
  registry_.Delete({"999999999999", "eu-west-1"}, "hook");
  EXPECT_FALSE(registry_.Find(scope_, "hook").has_value());
  EXPECT_FALSE(registry_.Tags(scope_, "hook").has_value());
  // A new webhook of the same name starts without the old one's tags.
  auto again = registry_.Put(scope_, Definition("hook"), {});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->tags.empty());
}

TEST_F(WebhookRegistryTest, WebhooksOutliveTheirPipeline) {
  ASSERT_TRUE(registry_.Put(scope_, Definition("hook"), {}).ok());
  ASSERT_TRUE(repository_.Remove(scope_, "p"));
  EXPECT_TRUE(registry_.Find(scope_, "hook").has_value());
}

TEST_F(WebhookRegistryTest, RegistersAndDeregistersWithThirdParty) {
  ASSERT_TRUE(registry_.Put(scope_, Definition("hook"), {}).ok());
  ASSERT_TRUE(registry_.RegisterWithThirdParty(scope_, "hook").ok());
  EXPECT_TRUE(registry_.Find(scope_, "hook")->registered_with_third_party);
  ASSERT_TRUE(registry_.DeregisterWithThirdParty(scope_, "hook").ok());
  EXPECT_FALSE(registry_.Find(scope_, "hook")->registered_with_third_party);
  ASSERT_TRUE(registry_.DeregisterWithThirdParty(scope_, "hook").ok());
  for (const std::optional<std::string>& name :
       {std::optional<std::string>(), std::optional<std::string>("missing")}) {
    auto registered = registry_.RegisterWithThirdParty(scope_, name);
    ASSERT_FALSE(registered.ok());
    EXPECT_EQ(registered.error().code(), ErrorCode::kWebhookNotFound);
    auto deregistered = registry_.DeregisterWithThirdParty(scope_, name);
    ASSERT_FALSE(deregistered.ok());
    EXPECT_EQ(deregistered.error().code(), ErrorCode::kWebhookNotFound);
  }
}

TEST_F(WebhookRegistryTest, ConcurrentPutsOfManyNamesAllLand) {
  WebhookRegistry registry{repository_, WebhookLimits{300, 100}};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&registry, this, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string name = "h" + std::to_string(t) + "-" + std::to_string(i);
        EXPECT_TRUE(registry.Put(scope_, Definition(name), {}).ok());
        EXPECT_TRUE(registry.Put(scope_, Definition("shared"), {{"t", std::to_string(t)}}).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(registry.List(scope_, std::nullopt, 100)->webhooks.size(), 100U);
  auto second = registry.List(scope_, registry.List(scope_, std::nullopt, 100)->next_token, 100);
  EXPECT_EQ(second->webhooks.size(), 100U);
  auto third = registry.List(scope_, second->next_token, 100);
  EXPECT_EQ(third->webhooks.size(), 1U);
  EXPECT_EQ(registry.Tags(scope_, "shared")->size(), 1U);
}

// The state document keeps each webhook's token and lastTriggered; a
// document from before webhooks fired holds the whole webhooks.aws URL.
TEST_F(WebhookRegistryTest, StateKeepsTokenAndLastTriggeredAndReadsOldUrls) {
  ASSERT_TRUE(registry_.Put(scope_, Definition("hook"), {}).ok());
  const Clock::TimePoint when{std::chrono::milliseconds(1'700'000'000'500)};
  registry_.MarkTriggered(scope_, "hook", when);
  registry_.MarkTriggered(scope_, "absent", when);  // a deleted webhook stays deleted
  nlohmann::json document = registry_.DumpState();
  const std::string token = registry_.Find(scope_, "hook")->token;

  WebhookRegistry copy{repository_};
  copy.CommitState(copy.ParseState(document));
  EXPECT_EQ(copy.Find(scope_, "hook")->token, token);
  EXPECT_EQ(copy.Find(scope_, "hook")->last_triggered, when);
  EXPECT_FALSE(copy.Find(scope_, "absent").has_value());

  nlohmann::json& old = document[0]["webhook"];
  old.erase("token");
  old.erase("last_triggered");
  old["url"] = "https://eu-west-1.webhooks.aws/trigger?t=" + token + "&v=1";
  copy.CommitState(copy.ParseState(document));
  EXPECT_EQ(copy.Find(scope_, "hook")->token, token);
  EXPECT_FALSE(copy.Find(scope_, "hook")->last_triggered.has_value());
}

TEST(WebhookCidrTest, RecognisesIpv4AndIpv6Blocks) {
  for (const char* valid : {"10.0.0.0/8", "192.168.1.1/32", "0.0.0.0/0", "2001:db8::/32", "::1/128"}) {
    EXPECT_TRUE(IsCidr(valid)) << valid;
  }
  for (const char* invalid : {"10.0.0.0", "10.0.0.0/33", "10.0.0/8", "10.0.0.256/8", "a.b.c.d/8",
                              "10.0.0.0/", "/8", "2001:db8::/129", "10.0.0.0/-1", "10.0.0.0/8/8"}) {
    EXPECT_FALSE(IsCidr(invalid)) << invalid;
  }
}

}  // namespace
}  // namespace sluice::domain
