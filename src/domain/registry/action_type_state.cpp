// The action type registry's part of the state document.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "domain/registry/builtin_types.h"
#include "domain/state_json.h"
#include "sluice/domain/registry/action_type_registry.h"

namespace sluice::domain {

using nlohmann::json;

struct ActionTypeRegistry::StagedState {
  std::map<std::string, ScopeTypes> scopes;
};

json ActionTypeRegistry::DumpState() const {
  const MutexLock lock(mutex_);
  json scopes = json::array();
  for (const auto& [key, types] : scopes_) {
    json custom = json::array();
    for (const auto& [sort_key, entry] : types.custom) {
      custom.push_back({{"type", entry.type}, {"deleted", entry.deleted}});
    }
    json overridden = json::array();
    for (const auto& [sort_key, type] : types.overridden) overridden.push_back(type);
    scopes.push_back({{"scope", key}, {"custom", std::move(custom)},
                      {"overridden", std::move(overridden)}});
  }
  return scopes;
}

std::shared_ptr<ActionTypeRegistry::StagedState> ActionTypeRegistry::ParseState(
    const json& state) const {
  auto staged = std::make_shared<StagedState>();
  std::size_t index = 0;
  for (const json& entry : state) {
    const std::string where = "actionTypes[" + std::to_string(index++) + "]";
    const auto key = ReadAt<std::string>(entry.at("scope"), where + ".scope");
    if (key.find('/') == std::string::npos) throw std::invalid_argument(where + ": not a scope");
    ScopeTypes& types = staged->scopes[key];
    for (const json& custom : ReadAt<json>(entry.at("custom"), where)) {
      CustomEntry record{ReadAt<ActionType>(custom.at("type"), where + ".custom"),
                         ReadAt<bool>(custom.at("deleted"), where + ".custom")};
      if (record.type.id.owner != "Custom") {
        throw std::invalid_argument(where + ": a custom type of owner " + record.type.id.owner);
      }
      types.custom.emplace(SortKey(record.type.id), std::move(record));
    }
    for (ActionType& type : ReadAt<std::vector<ActionType>>(entry.at("overridden"), where)) {
      types.overridden.emplace(SortKey(type.id), std::move(type));
    }
  }
  return staged;
}

void ActionTypeRegistry::CommitState(std::shared_ptr<StagedState> staged) {
  const MutexLock lock(mutex_);
  scopes_ = std::move(staged->scopes);
}

}  // namespace sluice::domain
