// Execution operations: StartPipelineExecution, GetPipelineExecution,
// ListPipelineExecutions, GetPipelineState, ListActionExecutions and
// ListRuleExecutions, as typed
// requests with JSON codecs over domain::ExecutionService.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "sluice/api/call_context.h"
#include "sluice/api/operation_table.h"
#include "sluice/domain/engine/execution_engine.h"
#include "sluice/domain/engine/execution_service.h"

namespace sluice::api {

// Who a call runs as, for trigger details: sluice verifies no credentials, so
// it names the account's root principal.
std::string CallerArn(const CallContext& context);

// Decodes a validated StartPipelineExecution input.
domain::StartRequest DecodeStartRequest(const nlohmann::json& input, const CallContext& context);

std::string EncodeExecution(const domain::PipelineExecution& execution);
std::string EncodeExecutionPage(const domain::ExecutionPage& page);
std::string EncodePipelineState(const domain::PipelineState& state);
std::string EncodeActionExecutionPage(const domain::ActionExecutionPage& page);
std::string EncodeRuleExecutionPage(const domain::RuleExecutionPage& page);

void RegisterExecutionOps(OperationTable& table, domain::ExecutionService& executions);

}  // namespace sluice::api
