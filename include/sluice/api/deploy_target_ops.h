// ListDeployActionExecutionTargets over domain::DeployTargetService: the
// request's filters and paging in, the DeployActionExecutionTarget list out.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "sluice/api/operation_table.h"
#include "sluice/domain/engine/deploy_targets.h"

namespace sluice::api {

// Decodes a validated ListDeployActionExecutionTargets input.
domain::DeployTargetQuery DecodeDeployTargetQuery(const nlohmann::json& input);

std::string EncodeDeployTargetPage(const domain::DeployTargetPage& page);

void RegisterDeployTargetOps(OperationTable& table, const domain::DeployTargetService& service);

}  // namespace sluice::api
