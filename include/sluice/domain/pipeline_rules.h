// The structural rules CodePipeline enforces on a pipeline declaration beyond
// the service model's per-member constraints (stage layout, source actions,
// artifacts flowing forward, action types, V2-only features), and the
// defaults it fills in. Input is a declaration that already passed model
// validation, so members have the right JSON types. Pure functions.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "sluice/common/result.h"
#include "sluice/domain/pipeline.h"

namespace sluice::domain {

struct PipelineLimits {
  std::size_t max_stages = 50;
  std::size_t max_actions_per_stage = 100;
};

// The pipelineType a declaration gets when it names none: AWS creates V2
// pipelines by default since December 2024.
inline constexpr PipelineType kDefaultPipelineType = PipelineType::kV2;

// Fills in what AWS fills in: pipelineType, executionMode, and per action
// runOrder 1 and empty input/output artifact lists. Sets `version`.
void ApplyDeclarationDefaults(nlohmann::json& declaration, int version);

// Checks a declaration (with defaults applied) in the pipeline's scope.
Status CheckDeclaration(const nlohmann::json& declaration, const Scope& scope,
                        const PipelineLimits& limits);

}  // namespace sluice::domain
