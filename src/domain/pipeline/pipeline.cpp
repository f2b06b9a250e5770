#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::domain {

std::string ScopeKey(const Scope& scope) { return scope.account_id + "/" + scope.region; }

bool ScopeFilter::Matches(const Scope& scope) const {
  return (!account_id || *account_id == scope.account_id) && (!region || *region == scope.region);
}

bool ScopeFilter::MatchesKey(std::string_view key) const {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) return false;
  const auto rest = key.substr(slash + 1);
  return Matches(Scope{std::string(key.substr(0, slash)),
                       std::string(rest.substr(0, rest.find('/')))});
}

std::string_view ToString(PipelineType type) {
  return type == PipelineType::kV2 ? "V2" : "V1";
}

std::string_view ToString(ExecutionMode mode) {
  switch (mode) {
    case ExecutionMode::kQueued: return "QUEUED";
    case ExecutionMode::kParallel: return "PARALLEL";
    case ExecutionMode::kSuperseded: break;
  }
  return "SUPERSEDED";
}

std::optional<PipelineType> ParsePipelineType(std::string_view text) {
  if (text == "V1") return PipelineType::kV1;
  if (text == "V2") return PipelineType::kV2;
  return std::nullopt;
}

std::optional<ExecutionMode> ParseExecutionMode(std::string_view text) {
  if (text == "QUEUED") return ExecutionMode::kQueued;
  if (text == "SUPERSEDED") return ExecutionMode::kSuperseded;
  if (text == "PARALLEL") return ExecutionMode::kParallel;
  return std::nullopt;
}

std::string PipelineArn(const Scope& scope, std::string_view name) {
  std::string arn = "arn:aws:codepipeline:";
  arn.append(scope.region).append(":").append(scope.account_id).append(":").append(name);
  return arn;
}

}  // namespace sluice::domain
