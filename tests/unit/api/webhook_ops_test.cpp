// Webhook operations through the OperationTable: PutWebhook's response
// (secret redacted, URL, ARN, tags), ListWebhooks (capitalised NextToken),
// DeleteWebhook, Register/DeregisterWebhookWithThirdParty, their errors, and
// the codecs DecodeWebhookDefinition / WebhookItemJson.
#include "sluice/api/webhook_ops.h"

#include <gtest/gtest.h>

#include <chrono>

#include "api/api_fixture.h"
#include "sluice/domain/registry/webhook_registry.h"

namespace sluice::api {
namespace {

json Definition(const std::string& name) {
  return {{"name", name},
          {"targetPipeline", "demo"},
          {"targetAction", "Source"},
          {"filters", json::array({{{"jsonPath", "$.ref"}, {"matchEquals", "refs/heads/{Branch}"}}})},
          {"authentication", "GITHUB_HMAC"},
          {"authenticationConfiguration", {{"SecretToken", "s3cret"}}}};
}

TEST(WebhookCodecTest, DecodeAndItemJson) {
  json input = Definition("hook");
  input["authentication"] = "IP";
  input["authenticationConfiguration"] = {{"AllowedIPRange", "10.0.0.0/8"}};
  input["filters"].push_back({{"jsonPath", "$.repository.name"}});
  domain::Webhook webhook;
  webhook.definition = DecodeWebhookDefinition(input);
  EXPECT_EQ(webhook.definition.authentication, domain::WebhookAuthentication::kIp);
  EXPECT_EQ(webhook.definition.allowed_ip_range, "10.0.0.0/8");
  EXPECT_FALSE(webhook.definition.secret_token.has_value());
  ASSERT_EQ(webhook.definition.filters.size(), 2U);
  EXPECT_FALSE(webhook.definition.filters[1].match_equals.has_value());
  webhook.token = "abc";
  webhook.arn = "arn:hook";
  const domain::Scope scope{"123456789012", "eu-west-1"};
  const std::string base = "http://127.0.0.1:4599";
  EXPECT_EQ(WebhookItemJson(webhook, scope, base),
            (json{{"definition", input},
                  {"url", "http://127.0.0.1:4599/webhooks/eu-west-1/123456789012/hook?t=abc&v=1"},
                  {"arn", "arn:hook"}}));
  webhook.tags = {{"team", "web"}};
  EXPECT_EQ(WebhookItemJson(webhook, scope, base)["tags"],
            (json::array({{{"key", "team"}, {"value", "web"}}})));
  webhook.last_triggered = Clock::TimePoint(std::chrono::milliseconds(1'700'000'000'250));
  EXPECT_EQ(WebhookItemJson(webhook, scope, base)["lastTriggered"], 1'700'000'000.25);
}

class WebhookOpsTest : public ApiTest {
 protected:
  WebhookOpsTest() {
    RegisterWebhookOps(table_, webhooks_);
    CreatePipeline(sluice::testing::TwoStagePipeline());
  }

  domain::WebhookRegistry webhooks_{repository_};
};

TEST_F(WebhookOpsTest, PutAnswersTheItemWithTheSecretRedacted) {
  const json tags = json::array({{{"key", "team"}, {"value", "web"}}});
  const json put = CallOk("PutWebhook", {{"webhook", Definition("hook")}, {"tags", tags}});
  json expected = Definition("hook");
  expected["authenticationConfiguration"]["SecretToken"] = "****";
  const json& webhook = put["webhook"];
  EXPECT_EQ(webhook["definition"], expected);
  EXPECT_EQ(webhook["arn"], "arn:aws:codepipeline:us-east-1:123456789012:webhook:hook");
  // The test calls carry no base URL: the path alone.
  EXPECT_EQ(webhook["url"].get<std::string>().rfind("/webhooks/us-east-1/123456789012/hook?t=", 0), 0U);
  EXPECT_EQ(webhook["tags"], tags);
  EXPECT_EQ(webhook.size(), 4U);
}

TEST_F(WebhookOpsTest, ListPagesWithCapitalisedTokenAndDelete) {
  const json a = CallOk("PutWebhook", {{"webhook", Definition("a")}})["webhook"];
  CallOk("PutWebhook", {{"webhook", Definition("b")}});
  EXPECT_FALSE(a.contains("tags"));

  const json all = CallOk("ListWebhooks", json::object());
  ASSERT_EQ(all["webhooks"].size(), 2U);
  EXPECT_EQ(all["webhooks"][0], a);
  EXPECT_FALSE(all.contains("NextToken"));
  const json first = CallOk("ListWebhooks", {{"MaxResults", 1}});
  ASSERT_EQ(first["webhooks"].size(), 1U);
  ASSERT_TRUE(first["NextToken"].is_string());
  EXPECT_FALSE(first.contains("nextToken"));
  const json second = CallOk("ListWebhooks", {{"NextToken", first["NextToken"]}});
  ASSERT_EQ(second["webhooks"].size(), 1U);
  EXPECT_EQ(second["webhooks"][0]["definition"]["name"], "b");
  EXPECT_EQ(CallError("ListWebhooks", {{"NextToken", "bogus"}}), ErrorCode::kInvalidNextToken);

  EXPECT_EQ(CallOk("DeleteWebhook", {{"name", "a"}}), json::object());
  EXPECT_EQ(CallOk("DeleteWebhook", {{"name", "a"}}), json::object());  // already gone
  EXPECT_EQ(CallOk("ListWebhooks", json::object())["webhooks"].size(), 1U);
}

TEST_F(WebhookOpsTest, ThirdPartyRegistrationAnswersEmpty) {
  CallOk("PutWebhook", {{"webhook", Definition("hook")}});
  EXPECT_EQ(CallOk("RegisterWebhookWithThirdParty", {{"webhookName", "hook"}}), json::object());
  EXPECT_TRUE(webhooks_.Find(kApiScope, "hook")->registered_with_third_party);
  EXPECT_EQ(CallOk("DeregisterWebhookWithThirdParty", {{"webhookName", "hook"}}), json::object());
  EXPECT_FALSE(webhooks_.Find(kApiScope, "hook")->registered_with_third_party);
  EXPECT_EQ(CallError("RegisterWebhookWithThirdParty", {{"webhookName", "nope"}}), ErrorCode::kWebhookNotFound);
  EXPECT_EQ(CallError("DeregisterWebhookWithThirdParty", json::object()), ErrorCode::kWebhookNotFound);
}

TEST_F(WebhookOpsTest, PutErrors) {
  struct Case {
    const char* member;
    json value;
    ErrorCode code;
  };
  const Case cases[] = {
      {"targetPipeline", "nope", ErrorCode::kPipelineNotFound},
      {"targetAction", "Build", ErrorCode::kValidation},  // not a source action
      {"filters", json::array({{{"jsonPath", "ref"}}}), ErrorCode::kInvalidWebhookFilterPattern},
      {"authenticationConfiguration", json::object(), ErrorCode::kInvalidWebhookAuthenticationParameters},
      {"authentication", "BASIC", ErrorCode::kValidation},  // not in the model's enum
  };
  for (const Case& c : cases) {
    json definition = Definition("hook");
    definition[c.member] = c.value;
    EXPECT_EQ(CallError("PutWebhook", {{"webhook", definition}}), c.code) << c.member;
  }
  EXPECT_EQ(CallError("PutWebhook", {{"webhook", Definition("hook")},
                                     {"tags", json::array({{{"key", "aws:x"}, {"value", ""}}})}}),
            ErrorCode::kInvalidTags);
  EXPECT_EQ(CallOk("ListWebhooks", json::object())["webhooks"], json::array());
}

}  // namespace
}  // namespace sluice::api
