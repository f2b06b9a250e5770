#include "sluice/domain/registry/action_type_registry.h"

#include <algorithm>
#include <type_traits>

#include "builtin_types.h"
#include "domain/page_token.h"
#include "sluice/domain/errors.h"

namespace sluice::domain {

namespace {

// What makes two custom definitions "identical" for AWS's restore rule:
// everything CreateCustomActionType takes except tags.
bool SameDefinition(const ActionType& a, const ActionType& b) {
  return a.id == b.id && a.urls == b.urls && a.properties == b.properties &&
         a.inputs == b.inputs && a.outputs == b.outputs;
}

ServiceError NotFound(const ActionTypeId& id) {
  return {ErrorCode::kActionTypeNotFound, "Action type " + Describe(id) + " was not found"};
}

// "Custom/<Category>/<Provider>/<Version>" (as tagging ARNs name custom
// types) to the type's id; nullopt when it is not of that form.
std::optional<ActionTypeId> CustomIdOf(std::string_view arn_id) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto slash = arn_id.find('/', start);
    parts.emplace_back(arn_id.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 4 || parts[0] != "Custom") return std::nullopt;
  return ActionTypeId{parts[1], parts[0], parts[2], parts[3]};
}

const ActionType* BuiltIn(const ActionTypeId& id) {
  const auto& records = BuiltInActionTypeRecords();
  const std::string key = SortKey(id);
  const auto it = std::lower_bound(
      records.begin(), records.end(), key,
      [](const ActionType& record, const std::string& k) { return SortKey(record.id) < k; });
  return it != records.end() && it->id == id ? &*it : nullptr;
}

// Checks beyond the model that AWS applies to any definition.
Status CheckCounts(const ActionType& type) {
  if (type.inputs.minimum > type.inputs.maximum) {
    return ServiceError::Validation(
        "inputArtifactDetails.minimumCount must not be greater than maximumCount");
  }
  if (type.outputs.minimum > type.outputs.maximum) {
    return ServiceError::Validation(
        "outputArtifactDetails.minimumCount must not be greater than maximumCount");
  }
  std::size_t queryable = 0;
  for (std::size_t i = 0; i < type.properties.size(); ++i) {
    const ConfigurationProperty& property = type.properties[i];
    for (std::size_t j = 0; j < i; ++j) {
      if (type.properties[j].name == property.name) {
        return ServiceError::Validation("Duplicate configuration property name: " +
                                        property.name);
      }
    }
    if (property.queryable) {
      // AWS: only one property may be queryable, and it must be required
      // and not secret.
      if (++queryable > 1) {
        return ServiceError::Validation("Only one configuration property can be queryable");
      }
      if (!property.required || property.secret) {
        return ServiceError::Validation(
            "A queryable configuration property must be required and not secret: " +
            property.name);
      }
    }
  }
  return Ok{};
}

}  // namespace

std::string Describe(const ActionTypeId& id) {
  return "{category=" + id.category + ", owner=" + id.owner + ", provider=" + id.provider +
         ", version=" + id.version + "}";
}

ActionTypeRegistry::ActionTypeRegistry(ActionTypeRegistryLimits limits) : limits_(limits) {}

const ActionTypeRegistry::ScopeTypes* ActionTypeRegistry::Types(const Scope& scope) const {
  const auto it = scopes_.find(ScopeKey(scope));
  return it == scopes_.end() ? nullptr : &it->second;
}

Result<ActionType> ActionTypeRegistry::CreateCustom(const Scope& scope, ActionType definition) {
  definition.id.owner = "Custom";
  if (auto checked = CheckCounts(definition); !checked) return checked.error();
  const MutexLock lock(mutex_);
  Changed();
  ScopeTypes& types = scopes_[ScopeKey(scope)];
  const std::string key = SortKey(definition.id);
  if (const auto it = types.custom.find(key); it != types.custom.end()) {
    CustomEntry& entry = it->second;
    if (!SameDefinition(entry.type, definition)) {
      return ServiceError::Validation(
          entry.deleted
              ? "Action type " + Describe(definition.id) +
                    " was deleted; recreate it with a version never used before, or restore it "
                    "with its original definition"
              : "Action type " + Describe(definition.id) +
                    " already exists with a different definition");
    }
    if (!entry.deleted) return entry.type;
  }
  const auto live = static_cast<std::size_t>(
      std::count_if(types.custom.begin(), types.custom.end(),
                    [](const auto& item) { return !item.second.deleted; }));
  if (live >= limits_.max_custom_types_per_scope) {
    return LimitExceeded(scope, limits_.max_custom_types_per_scope, "custom action types");
  }
  // Custom actions are worked by job workers of the owning account.
  definition.executor = {{"type", "JobWorker"},
                         {"configuration",
                          {{"jobWorkerExecutorConfiguration",
                            {{"pollingAccounts", {scope.account_id}}}}}}};
  definition.allowed_accounts = {scope.account_id};
  types.custom[key] = CustomEntry{definition, false};
  return definition;
}

std::size_t ActionTypeRegistry::RemoveAll(const ScopeFilter& filter) {
  const MutexLock lock(mutex_);
  Changed();
  return EraseScopes(scopes_, filter, [](const ScopeTypes& types) {
    std::size_t live = 0;
    for (const auto& [key, entry] : types.custom) live += entry.deleted ? 0 : 1;
    return live;
  });
}

void ActionTypeRegistry::DeleteCustom(const Scope& scope, std::string_view category,
                                      std::string_view provider, std::string_view version) {
  const ActionTypeId id{std::string(category), "Custom", std::string(provider),
                        std::string(version)};
  const MutexLock lock(mutex_);
  Changed();
  const auto scope_it = scopes_.find(ScopeKey(scope));
  if (scope_it == scopes_.end()) return;
  if (const auto it = scope_it->second.custom.find(SortKey(id));
      it != scope_it->second.custom.end()) {
    it->second.deleted = true;
    it->second.type.tags.clear();  // a deleted type's tags go with it
  }
}

Result<ActionTypePage> ActionTypeRegistry::List(const Scope& scope,
                                                const std::optional<std::string>& owner,
                                                const std::optional<std::string>& next_token) const {
  std::string after;
  if (next_token) {
    auto decoded = DecodePageToken(*next_token);
    if (!decoded) return InvalidNextToken();
    after = std::move(*decoded);
  }
  // Every live type of the scope in key order: built-ins (as this scope may
  // have replaced them) and custom types.
  std::map<std::string, ActionType> all;
  {
    const MutexLock lock(mutex_);
    const ScopeTypes* types = Types(scope);
    for (const ActionType& record : BuiltInActionTypeRecords()) {
      all.emplace(SortKey(record.id), record);
    }
    if (types != nullptr) {
      for (const auto& [key, type] : types->overridden) all[key] = type;
      for (const auto& [key, entry] : types->custom) {
        if (!entry.deleted) all.emplace(key, entry.type);
      }
    }
  }
  ActionTypePage page;
  for (auto it = all.upper_bound(after); it != all.end(); ++it) {
    if (owner && it->second.id.owner != *owner) continue;
    if (page.action_types.size() == limits_.page_size) {
      page.next_token = EncodePageToken(SortKey(page.action_types.back().id));
      break;
    }
    page.action_types.push_back(std::move(it->second));
  }
  return page;
}

std::optional<ActionType> ActionTypeRegistry::FindLocked(const Scope& scope,
                                                         const ActionTypeId& id) const {
  const std::string key = SortKey(id);
  if (const ScopeTypes* types = Types(scope); types != nullptr) {
    if (const auto it = types->custom.find(key);
        it != types->custom.end() && !it->second.deleted) {
      return it->second.type;
    }
    if (const auto it = types->overridden.find(key); it != types->overridden.end()) {
      return it->second;
    }
  }
  if (const ActionType* builtin = BuiltIn(id); builtin != nullptr) return *builtin;
  return std::nullopt;
}

std::optional<ActionType> ActionTypeRegistry::Find(const Scope& scope,
                                                   const ActionTypeId& id) const {
  const MutexLock lock(mutex_);
  return FindLocked(scope, id);
}

Result<ActionType> ActionTypeRegistry::Get(const Scope& scope, const ActionTypeId& id) const {
  auto found = Find(scope, id);
  if (!found) return NotFound(id);
  return std::move(*found);
}

Status ActionTypeRegistry::Update(const Scope& scope, ActionType declaration) {
  if (auto checked = CheckCounts(declaration); !checked) return checked.error();
  const MutexLock lock(mutex_);
  Changed();
  auto current = FindLocked(scope, declaration.id);
  if (!current || current->id.owner == "Custom") return NotFound(declaration.id);
  if (current->id.owner == "AWS") {
    return AwsOwnedActionType(Describe(declaration.id));
  }
  scopes_[ScopeKey(scope)].overridden[SortKey(declaration.id)] = std::move(declaration);
  return Ok{};
}

template <typename Scopes>
auto* ActionTypeRegistry::LiveCustomIn(Scopes& scopes, const Scope& scope,
                                       std::string_view arn_id) {
  using Entry = std::conditional_t<std::is_const_v<Scopes>, const CustomEntry, CustomEntry>;
  Entry* found = nullptr;
  const auto id = CustomIdOf(arn_id);
  const auto scope_it = scopes.find(ScopeKey(scope));
  if (!id || scope_it == scopes.end()) return found;
  const auto it = scope_it->second.custom.find(SortKey(*id));
  if (it != scope_it->second.custom.end() && !it->second.deleted) found = &it->second;
  return found;
}

std::optional<std::vector<Tag>> ActionTypeRegistry::Tags(const Scope& scope,
                                                         std::string_view id) const {
  const MutexLock lock(mutex_);
  const CustomEntry* entry = LiveCustomIn(scopes_, scope, id);
  if (entry == nullptr) return std::nullopt;
  return entry->type.tags;
}

bool ActionTypeRegistry::EditTags(const Scope& scope, std::string_view id, const TagEdit& edit) {
  const MutexLock lock(mutex_);
  Changed();
  CustomEntry* entry = LiveCustomIn(scopes_, scope, id);
  if (entry == nullptr) return false;
  // The edit leaves the tags alone when it fails; its outcome is the caller's.
  static_cast<void>(edit(entry->type.tags));
  return true;
}

const std::vector<RuleType>& ActionTypeRegistry::RuleTypes() { return BuiltInRuleTypes(); }

}  // namespace sluice::domain
