// The structural rules CodePipeline enforces on a pipeline declaration beyond
// the service model's per-member constraints (stage layout, source actions,
// artifacts flowing forward, action types, V2-only features), and the
// defaults it fills in. Input is a declaration that already passed model
// validation, so members have the right JSON types. Pure functions.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>

#include "sluice/common/result.h"
#include "sluice/domain/registry/action_type.h"
#include "sluice/domain/pipeline/pipeline.h"

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

// The port through which the rules learn of custom action types: the live
// custom type of the scope with that id (owner "Custom"), or nothing. The
// action type registry answers it; the rules never see the registry. Must be
// safe to call from any request thread.
using CustomActionTypeLookup =
    std::function<std::optional<ActionType>(const Scope& scope, const ActionTypeId& id)>;

// Checks a declaration (with defaults applied) in the pipeline's scope.
// Actions of owner Custom are checked against `custom_types`; without one,
// no custom type exists.
Status CheckDeclaration(const nlohmann::json& declaration, const Scope& scope,
                        const PipelineLimits& limits,
                        const CustomActionTypeLookup& custom_types = {});

}  // namespace sluice::domain
