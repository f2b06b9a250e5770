#include "sluice/api/webhook_ops.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "json_members.h"
#include "sluice/api/pipeline_ops.h"
#include "sluice/api/tag_ops.h"

namespace sluice::api {

namespace {

using nlohmann::json;

// What responses show in place of a webhook's secret token.
constexpr const char* kRedacted = "****";

json DefinitionJson(const domain::WebhookDefinition& definition) {
  json filters = json::array();
  for (const auto& filter : definition.filters) {
    json rule = {{"jsonPath", filter.json_path}};
    if (filter.match_equals) rule["matchEquals"] = *filter.match_equals;
    filters.push_back(std::move(rule));
  }
  json configuration = json::object();
  if (definition.allowed_ip_range) configuration["AllowedIPRange"] = *definition.allowed_ip_range;
  if (definition.secret_token) configuration["SecretToken"] = kRedacted;
  return {{"name", definition.name},
          {"targetPipeline", definition.target_pipeline},
          {"targetAction", definition.target_action},
          {"filters", std::move(filters)},
          {"authentication", std::string(domain::ToString(definition.authentication))},
          {"authenticationConfiguration", std::move(configuration)}};
}

}  // namespace

domain::WebhookDefinition DecodeWebhookDefinition(const json& definition) {
  domain::WebhookDefinition decoded;
  decoded.name = definition.at("name").get<std::string>();
  decoded.target_pipeline = definition.at("targetPipeline").get<std::string>();
  decoded.target_action = definition.at("targetAction").get<std::string>();
  for (const json& rule : definition.at("filters")) {
    if (rule.is_null()) continue;
    decoded.filters.push_back(
        {rule.at("jsonPath").get<std::string>(), OptionalString(rule, "matchEquals")});
  }
  // The model's enum has been checked.
  decoded.authentication =
      domain::ParseWebhookAuthentication(definition.at("authentication").get<std::string>())
          .value_or(domain::WebhookAuthentication::kUnauthenticated);
  const json& configuration = definition.at("authenticationConfiguration");
  decoded.allowed_ip_range = OptionalString(configuration, "AllowedIPRange");
  decoded.secret_token = OptionalString(configuration, "SecretToken");
  return decoded;
}

json WebhookItemJson(const domain::Webhook& webhook, const domain::Scope& scope,
                     const std::string& base_url) {
  json item = {{"definition", DefinitionJson(webhook.definition)},
               {"url", base_url + domain::WebhookPath(scope, webhook)},
               {"arn", webhook.arn}};
  if (webhook.last_triggered) item["lastTriggered"] = ToEpochSeconds(*webhook.last_triggered);
  if (!webhook.tags.empty()) item["tags"] = TagsJson(webhook.tags);
  return item;
}

void RegisterWebhookOps(OperationTable& table, domain::WebhookRegistry& registry) {
  table.Register("PutWebhook", [&registry](const CallContext& context, const json& input)
                                   -> Result<std::string> {
    auto tags = DecodeTags(input);
    if (!tags) return tags.error();
    auto webhook = registry.Put(ScopeOf(context), DecodeWebhookDefinition(input.at("webhook")),
                                std::move(*tags));
    if (!webhook) return webhook.error();
    return json{{"webhook", WebhookItemJson(*webhook, ScopeOf(context), context.base_url)}}.dump();
  });

  table.Register("ListWebhooks", [&registry](const CallContext& context, const json& input)
                                     -> Result<std::string> {
    // This operation's members are capitalised, unlike every other listing's.
    auto page = registry.List(ScopeOf(context), OptionalString(input, "NextToken"),
                              OptionalSize(input, "MaxResults"));
    if (!page) return page.error();
    json body = {{"webhooks", json::array()}};
    const domain::Scope scope = ScopeOf(context);
    for (const auto& webhook : page->webhooks) {
      body["webhooks"].push_back(WebhookItemJson(webhook, scope, context.base_url));
    }
    if (page->next_token) body["NextToken"] = *page->next_token;
    return body.dump();
  });

  table.Register("DeleteWebhook", [&registry](const CallContext& context, const json& input)
                                      -> Result<std::string> {
    registry.Delete(ScopeOf(context), input.at("name").get<std::string>());
    return std::string("{}");
  });

  // Registration answers {} either way: nothing of it shows in AWS's response.
  using SetRegistration = Status (domain::WebhookRegistry::*)(
      const domain::Scope&, const std::optional<std::string>&);
  const auto registration = [&registry](SetRegistration set) {
    return [&registry, set](const CallContext& context, const json& input) -> Result<std::string> {
      auto status = (registry.*set)(ScopeOf(context), OptionalString(input, "webhookName"));
      if (!status) return status.error();
      return std::string("{}");
    };
  };
  table.Register("RegisterWebhookWithThirdParty",
                 registration(&domain::WebhookRegistry::RegisterWithThirdParty));
  table.Register("DeregisterWebhookWithThirdParty",
                 registration(&domain::WebhookRegistry::DeregisterWithThirdParty));
}

}  // namespace sluice::api
