// Pipeline CRUD operations: CreatePipeline, GetPipeline, UpdatePipeline,
// DeletePipeline and ListPipelines, as typed requests with JSON codecs over
// domain::PipelineService.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sluice/api/operation_table.h"
#include "sluice/common/result.h"
#include "sluice/domain/engine/execution_service.h"
#include "sluice/domain/pipeline/pipeline.h"
#include "sluice/domain/pipeline/pipeline_service.h"

namespace sluice::api {

struct GetPipelineRequest {
  std::string name;
  std::optional<int> version;
};

struct ListPipelinesRequest {
  std::optional<std::string> next_token;
  std::optional<std::size_t> max_results;
};

// Decoders take input that passed model validation.
GetPipelineRequest DecodeGetPipeline(const nlohmann::json& input);
ListPipelinesRequest DecodeListPipelines(const nlohmann::json& input);

std::string EncodePipelineWithMetadata(const domain::PipelineSnapshot& snapshot);
std::string EncodePipelinePage(const domain::PipelinePage& page);

domain::Scope ScopeOf(const CallContext& context);

struct PipelineOpsOptions {
  // Told of pipelines created, updated and deleted; may be null.
  domain::ExecutionService* executions = nullptr;
  // CreatePipeline starts the first execution, as in AWS.
  bool start_on_create = true;
};

void RegisterPipelineOps(OperationTable& table, domain::PipelineService& service,
                         PipelineOpsOptions options = {});

}  // namespace sluice::api
