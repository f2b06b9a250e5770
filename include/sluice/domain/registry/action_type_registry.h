// ActionTypeRegistry: the action types each account sees in each Region. The
// built-in AWS and ThirdParty types (those of action_catalog.h, with their
// configuration properties and URL templates) exist in every scope; custom
// types are created and deleted per scope; UpdateActionType replaces a
// built-in ThirdParty type's record in the caller's scope only. Also lists
// the rule types of stage conditions, which are the same everywhere.
// Thread-safe: one mutex guards all per-scope state.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/mutex.h"
#include "sluice/common/state_marks.h"
#include "sluice/common/result.h"
#include "sluice/domain/registry/action_type.h"
#include "sluice/domain/pipeline/pipeline.h"
#include "sluice/domain/registry/tagging.h"

namespace sluice::domain {

struct ActionTypeRegistryLimits {
  std::size_t max_custom_types_per_scope = 50;  // AWS's quota per Region
  std::size_t page_size = 50;                   // ListActionTypes has no maxResults
};

struct ActionTypePage {
  std::vector<ActionType> action_types;
  std::optional<std::string> next_token;
};

class ActionTypeRegistry : public TaggableResources {
 public:
  explicit ActionTypeRegistry(ActionTypeRegistryLimits limits = {});
  ActionTypeRegistry(const ActionTypeRegistry&) = delete;
  ActionTypeRegistry& operator=(const ActionTypeRegistry&) = delete;

  // The owner is set to Custom. Re-creating a live type with the same
  // definition returns it unchanged (and keeps its tags); a different
  // definition is refused. A deleted type comes back only with the exact
  // definition it had (AWS: "restore" a deleted custom action).
  Result<ActionType> CreateCustom(const Scope& scope, ActionType definition);
  // The state document's action types (GET/PUT /_sluice/state): custom
  // types (deleted ones too, which CreateCustomActionType restores) and
  // updated built-ins. ParseState() throws std::invalid_argument naming
  // what does not fit; CommitState() replaces every scope's types.
  struct StagedState;
  nlohmann::json DumpState() const;
  std::shared_ptr<StagedState> ParseState(const nlohmann::json& state) const;
  void CommitState(std::shared_ptr<StagedState> staged);

  // A reset: forgets the custom types (deleted ones too, so that none can be
  // restored) and the updated built-ins of the scopes `filter` matches.
  // Returns how many custom types were live.
  std::size_t RemoveAll(const ScopeFilter& filter);
  // Marks the type deleted. Deleting one that does not exist succeeds.
  void DeleteCustom(const Scope& scope, std::string_view category, std::string_view provider,
                    std::string_view version);
  // Sorted by owner, category, provider and version; `owner` filters.
  Result<ActionTypePage> List(const Scope& scope, const std::optional<std::string>& owner,
                              const std::optional<std::string>& next_token) const;
  // ActionTypeNotFoundException when the scope has no such (live) type.
  Result<ActionType> Get(const Scope& scope, const ActionTypeId& id) const;
  // Replaces a ThirdParty type's record in this scope. AWS-owned types belong
  // to AWS: RequestFailedException. Unknown types: ActionTypeNotFoundException.
  Status Update(const Scope& scope, ActionType declaration);

  // What the execution engine reads: the live type, or nothing.
  std::optional<ActionType> Find(const Scope& scope, const ActionTypeId& id) const;

  static const std::vector<RuleType>& RuleTypes();

  // TaggableResources: the live custom types' tags. `id` is
  // "Custom/<Category>/<Provider>/<Version>".
  std::optional<std::vector<Tag>> Tags(const Scope& scope, std::string_view id) const override;
  bool EditTags(const Scope& scope, std::string_view id, const TagEdit& edit) override;

  // The journal (src/persist/): every change is marked on `marks`. Set
  // before the registry is used.
  void SetStateMarks(StateMarks* marks) { marks_ = marks; }

 private:
  struct CustomEntry {
    ActionType type;
    bool deleted = false;
  };
  struct ScopeTypes {
    std::map<std::string, CustomEntry> custom;      // by SortKey
    std::map<std::string, ActionType> overridden;  // built-ins replaced by Update
  };

  const ScopeTypes* Types(const Scope& scope) const REQUIRES(mutex_);  // nullptr: none yet
  std::optional<ActionType> FindLocked(const Scope& scope, const ActionTypeId& id) const
      REQUIRES(mutex_);
  // The live custom type an ARN's id names in `scopes` (const or not);
  // nullptr when there is none.
  template <typename Scopes>
  static auto* LiveCustomIn(Scopes& scopes, const Scope& scope, std::string_view arn_id);

  const ActionTypeRegistryLimits limits_;
  mutable Mutex mutex_;
  std::map<std::string, ScopeTypes> scopes_ GUARDED_BY(mutex_);
  void Changed() const {
    if (marks_ != nullptr) marks_->SectionChanged(StateSection::kActionTypes);
  }
  StateMarks* marks_ = nullptr;
};

}  // namespace sluice::domain
