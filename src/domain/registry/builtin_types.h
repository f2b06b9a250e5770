// The records of the built-in action types (derived from action_catalog.h,
// with configuration properties and console URL templates added) and of the
// rule types. Built once, immutable afterwards: safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "sluice/domain/registry/action_type.h"

namespace sluice::domain {

// In SortKey order.
const std::vector<ActionType>& BuiltInActionTypeRecords();
const std::vector<RuleType>& BuiltInRuleTypes();

// Orders listings by owner, category, provider, version. '\n' cannot occur
// in any of them (the model's patterns and enums), so keys never collide.
std::string SortKey(const ActionTypeId& id);

}  // namespace sluice::domain
