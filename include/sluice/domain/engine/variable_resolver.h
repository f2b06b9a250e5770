// Resolves CodePipeline variable references in action configuration values:
// #{variables.NAME} (pipeline variables), #{codepipeline.PipelineExecutionId}
// and #{NAMESPACE.NAME} (output variables of an action that ran earlier).
// Pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "sluice/common/result.h"

namespace sluice::domain {

// namespace -> variable -> value
using VariableScope = std::map<std::string, std::map<std::string, std::string>, std::less<>>;

// Replaces every #{ns.name} in `text`. A reference to an unknown namespace or
// variable is an error naming it; text without references is returned as is.
Result<std::string> ResolveVariables(std::string_view text, const VariableScope& scope);

}  // namespace sluice::domain
