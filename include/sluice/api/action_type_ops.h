// Action type operations: CreateCustomActionType, DeleteCustomActionType,
// ListActionTypes, GetActionType, UpdateActionType, and ListRuleTypes, as
// codecs over domain::ActionTypeRegistry. One domain record gives both wire
// shapes: ActionType (custom types and listings) and ActionTypeDeclaration
// (GetActionType and UpdateActionType).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "sluice/api/operation_table.h"
#include "sluice/domain/registry/action_type.h"
#include "sluice/domain/registry/action_type_registry.h"

namespace sluice::api {

// Decoders take input that passed model validation.
domain::ActionType DecodeCustomActionType(const nlohmann::json& input);
domain::ActionType DecodeActionTypeDeclaration(const nlohmann::json& declaration);
domain::ActionTypeId DecodeActionTypeId(const nlohmann::json& id);

nlohmann::json ActionTypeJson(const domain::ActionType& type);
nlohmann::json ActionTypeDeclarationJson(const domain::ActionType& type);
nlohmann::json RuleTypeJson(const domain::RuleType& type);

void RegisterActionTypeOps(OperationTable& table, domain::ActionTypeRegistry& registry);

}  // namespace sluice::api
