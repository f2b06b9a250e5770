// Action types and rule types as the domain keeps them. One ActionType record
// holds everything CodePipeline says about a type; the api layer derives both
// wire shapes from it: ActionType (CreateCustomActionType, ListActionTypes:
// "settings", "required", "secret") and ActionTypeDeclaration
// (GetActionType, UpdateActionType: "urls", "optional", "noEcho").
// Plain values: safe to copy between threads.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::domain {

struct ActionTypeId {
  std::string category;  // Source, Build, ...
  std::string owner;     // AWS, ThirdParty or Custom
  std::string provider;
  std::string version;
  friend bool operator==(const ActionTypeId&, const ActionTypeId&) = default;
};

// "{category=Build, owner=Custom, provider=X, version=1}", for messages.
std::string Describe(const ActionTypeId& id);

struct ConfigurationProperty {
  std::string name;
  bool required = false;
  bool key = false;
  bool secret = false;  // the declaration shape calls it noEcho
  bool queryable = false;
  std::optional<std::string> description;
  std::optional<std::string> type;  // String, Number or Boolean
  friend bool operator==(const ConfigurationProperty&, const ConfigurationProperty&) = default;
};

struct ArtifactCounts {
  int minimum = 0;
  int maximum = 0;
  friend bool operator==(const ArtifactCounts&, const ArtifactCounts&) = default;
};

// The ActionType shape calls these "settings" and the first one
// thirdPartyConfigurationUrl; the declaration shape calls them "urls" and the
// first one configurationUrl.
struct ActionTypeUrls {
  std::optional<std::string> configuration_url;
  std::optional<std::string> entity_url_template;
  std::optional<std::string> execution_url_template;
  std::optional<std::string> revision_url_template;
  friend bool operator==(const ActionTypeUrls&, const ActionTypeUrls&) = default;
};

struct ActionType {
  ActionTypeId id;
  ActionTypeUrls urls;
  std::vector<ConfigurationProperty> properties;
  ArtifactCounts inputs;
  ArtifactCounts outputs;
  std::optional<std::string> description;
  // ActionTypeExecutor, validated against the model (its shape is deep and
  // nothing in sluice reads inside it).
  nlohmann::json executor = nlohmann::json::object();
  std::vector<std::string> allowed_accounts;  // ActionTypePermissions; may be empty
  std::vector<Tag> tags;                      // custom types only
};

struct RuleType {
  std::string provider;  // category Rule, owner AWS
  std::string version;
  std::vector<ConfigurationProperty> properties;
  ArtifactCounts inputs;
};

}  // namespace sluice::domain
