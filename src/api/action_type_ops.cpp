#include "sluice/api/action_type_ops.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "json_members.h"
#include "sluice/api/pipeline_ops.h"
#include "sluice/api/tag_ops.h"

namespace sluice::api {

namespace {

using nlohmann::json;

bool Flag(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

domain::ArtifactCounts DecodeCounts(const json& details) {
  return {details.at("minimumCount").get<int>(), details.at("maximumCount").get<int>()};
}

json CountsJson(const domain::ArtifactCounts& counts) {
  return {{"minimumCount", counts.minimum}, {"maximumCount", counts.maximum}};
}

json IdJson(const domain::ActionTypeId& id) {
  return {{"category", id.category},
          {"owner", id.owner},
          {"provider", id.provider},
          {"version", id.version}};
}

// `first` names the configuration URL: thirdPartyConfigurationUrl in
// settings, configurationUrl in urls.
domain::ActionTypeUrls DecodeUrls(const json& object, const char* first) {
  return {OptionalString(object, first), OptionalString(object, "entityUrlTemplate"),
          OptionalString(object, "executionUrlTemplate"),
          OptionalString(object, "revisionUrlTemplate")};
}

std::optional<json> UrlsJson(const domain::ActionTypeUrls& urls, const char* first) {
  json out = json::object();
  if (urls.configuration_url) out[first] = *urls.configuration_url;
  if (urls.entity_url_template) out["entityUrlTemplate"] = *urls.entity_url_template;
  if (urls.execution_url_template) out["executionUrlTemplate"] = *urls.execution_url_template;
  if (urls.revision_url_template) out["revisionUrlTemplate"] = *urls.revision_url_template;
  if (out.empty()) return std::nullopt;
  return out;
}

json PropertyJson(const domain::ConfigurationProperty& property) {
  json out = {{"name", property.name},
              {"required", property.required},
              {"key", property.key},
              {"secret", property.secret},
              {"queryable", property.queryable}};
  if (property.description) out["description"] = *property.description;
  if (property.type) out["type"] = *property.type;
  return out;
}

std::string ActionTypeBody(const domain::ActionType& type) {
  json body = {{"actionType", ActionTypeJson(type)}};
  if (!type.tags.empty()) body["tags"] = TagsJson(type.tags);
  return body.dump();
}

}  // namespace

domain::ActionTypeId DecodeActionTypeId(const json& id) {
  return {id.at("category").get<std::string>(), id.at("owner").get<std::string>(),
          id.at("provider").get<std::string>(), id.at("version").get<std::string>()};
}

domain::ActionType DecodeCustomActionType(const json& input) {
  domain::ActionType type;
  type.id = {input.at("category").get<std::string>(), "Custom",
             input.at("provider").get<std::string>(), input.at("version").get<std::string>()};
  if (const auto it = input.find("settings"); it != input.end() && !it->is_null()) {
    type.urls = DecodeUrls(*it, "thirdPartyConfigurationUrl");
  }
  if (const auto it = input.find("configurationProperties"); it != input.end() && !it->is_null()) {
    for (const json& property : *it) {
      if (property.is_null()) continue;
      type.properties.push_back({property.at("name").get<std::string>(),
                                 Flag(property, "required"), Flag(property, "key"),
                                 Flag(property, "secret"), Flag(property, "queryable"),
                                 OptionalString(property, "description"),
                                 OptionalString(property, "type")});
    }
  }
  type.inputs = DecodeCounts(input.at("inputArtifactDetails"));
  type.outputs = DecodeCounts(input.at("outputArtifactDetails"));
  return type;
}

domain::ActionType DecodeActionTypeDeclaration(const json& declaration) {
  domain::ActionType type;
  type.id = DecodeActionTypeId(declaration.at("id"));
  type.description = OptionalString(declaration, "description");
  type.executor = declaration.at("executor");
  type.inputs = DecodeCounts(declaration.at("inputArtifactDetails"));
  type.outputs = DecodeCounts(declaration.at("outputArtifactDetails"));
  if (const auto it = declaration.find("permissions"); it != declaration.end() && !it->is_null()) {
    for (const json& account : it->at("allowedAccounts")) {
      if (account.is_string()) type.allowed_accounts.push_back(account.get<std::string>());
    }
  }
  if (const auto it = declaration.find("properties"); it != declaration.end() && !it->is_null()) {
    for (const json& property : *it) {
      if (property.is_null()) continue;
      // The declaration has no property types.
      type.properties.push_back({property.at("name").get<std::string>(),
                                 !Flag(property, "optional"), Flag(property, "key"),
                                 Flag(property, "noEcho"), Flag(property, "queryable"),
                                 OptionalString(property, "description"), std::nullopt});
    }
  }
  if (const auto it = declaration.find("urls"); it != declaration.end() && !it->is_null()) {
    type.urls = DecodeUrls(*it, "configurationUrl");
  }
  return type;
}

json ActionTypeJson(const domain::ActionType& type) {
  json out = {{"id", IdJson(type.id)},
              {"actionConfigurationProperties", json::array()},
              {"inputArtifactDetails", CountsJson(type.inputs)},
              {"outputArtifactDetails", CountsJson(type.outputs)}};
  if (auto settings = UrlsJson(type.urls, "thirdPartyConfigurationUrl")) {
    out["settings"] = std::move(*settings);
  }
  for (const auto& property : type.properties) {
    out["actionConfigurationProperties"].push_back(PropertyJson(property));
  }
  return out;
}

json ActionTypeDeclarationJson(const domain::ActionType& type) {
  json out = {{"executor", type.executor},
              {"id", IdJson(type.id)},
              {"inputArtifactDetails", CountsJson(type.inputs)},
              {"outputArtifactDetails", CountsJson(type.outputs)},
              {"properties", json::array()}};
  if (type.description) out["description"] = *type.description;
  if (!type.allowed_accounts.empty()) {
    out["permissions"] = {{"allowedAccounts", type.allowed_accounts}};
  }
  for (const auto& property : type.properties) {
    json item = {{"name", property.name},
                 {"optional", !property.required},
                 {"key", property.key},
                 {"noEcho", property.secret},
                 {"queryable", property.queryable}};
    if (property.description) item["description"] = *property.description;
    out["properties"].push_back(std::move(item));
  }
  if (auto urls = UrlsJson(type.urls, "configurationUrl")) out["urls"] = std::move(*urls);
  return out;
}

json RuleTypeJson(const domain::RuleType& type) {
  json out = {{"id",
               {{"category", "Rule"},
                {"owner", "AWS"},
                {"provider", type.provider},
                {"version", type.version}}},
              {"ruleConfigurationProperties", json::array()},
              {"inputArtifactDetails", CountsJson(type.inputs)}};
  for (const auto& property : type.properties) {
    out["ruleConfigurationProperties"].push_back(PropertyJson(property));
  }
  return out;
}

void RegisterActionTypeOps(OperationTable& table, domain::ActionTypeRegistry& registry) {
  table.Register("CreateCustomActionType", [&registry](const CallContext& context,
                                                       const json& input) -> Result<std::string> {
    auto tags = DecodeTags(input);
    if (!tags) return tags.error();
    domain::ActionType definition = DecodeCustomActionType(input);
    definition.tags = std::move(*tags);
    auto created = registry.CreateCustom(ScopeOf(context), std::move(definition));
    if (!created) return created.error();
    return ActionTypeBody(*created);
  });

  table.Register("DeleteCustomActionType", [&registry](const CallContext& context,
                                                       const json& input) -> Result<std::string> {
    registry.DeleteCustom(ScopeOf(context), input.at("category").get<std::string>(),
                          input.at("provider").get<std::string>(),
                          input.at("version").get<std::string>());
    return std::string("{}");
  });

  table.Register("ListActionTypes", [&registry](const CallContext& context,
                                                const json& input) -> Result<std::string> {
    domain::Scope scope = ScopeOf(context);
    // regionFilter lists the caller's action types of another Region.
    if (auto region = OptionalString(input, "regionFilter")) scope.region = std::move(*region);
    auto page = registry.List(scope, OptionalString(input, "actionOwnerFilter"),
                              OptionalString(input, "nextToken"));
    if (!page) return page.error();
    json body = {{"actionTypes", json::array()}};
    for (const auto& type : page->action_types) body["actionTypes"].push_back(ActionTypeJson(type));
    if (page->next_token) body["nextToken"] = *page->next_token;
    return body.dump();
  });

  table.Register("GetActionType", [&registry](const CallContext& context,
                                              const json& input) -> Result<std::string> {
    auto type = registry.Get(ScopeOf(context), DecodeActionTypeId(input));
    if (!type) return type.error();
    return json{{"actionType", ActionTypeDeclarationJson(*type)}}.dump();
  });

  table.Register("UpdateActionType", [&registry](const CallContext& context,
                                                 const json& input) -> Result<std::string> {
    auto updated =
        registry.Update(ScopeOf(context), DecodeActionTypeDeclaration(input.at("actionType")));
    if (!updated) return updated.error();
    return std::string("{}");
  });

  table.Register("ListRuleTypes", [](const CallContext&, const json& input)
                                      -> Result<std::string> {
    // Every rule type is AWS's and offered in every Region, so neither
    // ruleOwnerFilter (whose only value is AWS) nor regionFilter narrows the list.
    static_cast<void>(input);
    json body = {{"ruleTypes", json::array()}};
    for (const auto& type : domain::ActionTypeRegistry::RuleTypes()) {
      body["ruleTypes"].push_back(RuleTypeJson(type));
    }
    return body.dump();
  });
}

}  // namespace sluice::api
