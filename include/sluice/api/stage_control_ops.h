// Operations that act on executions in flight: StopPipelineExecution,
// RetryStageExecution, RollbackStage, OverrideStageCondition,
// Disable/EnableStageTransition, PutApprovalResult and PutActionRevision, over
// domain::ExecutionService.
#pragma once

#include "sluice/api/operation_table.h"
#include "sluice/domain/engine/execution_service.h"

namespace sluice::api {

void RegisterStageControlOps(OperationTable& table, domain::ExecutionService& executions);

}  // namespace sluice::api
