#include "sluice/domain/pipeline/pipeline_service.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "domain/page_token.h"
#include "sluice/domain/errors.h"

namespace sluice::domain {

namespace {

// The summary a declaration (defaults applied) describes.
PipelineSummary Summarize(const nlohmann::json& declaration, Clock::TimePoint now) {
  PipelineSummary summary;
  summary.name = declaration["name"].get<std::string>();
  summary.version = declaration["version"].get<int>();
  summary.type = ParsePipelineType(declaration["pipelineType"].get<std::string>())
                     .value_or(kDefaultPipelineType);
  summary.mode = ParseExecutionMode(declaration["executionMode"].get<std::string>())
                     .value_or(ExecutionMode::kSuperseded);
  summary.created = now;
  summary.updated = now;
  return summary;
}

}  // namespace

PipelineService::PipelineService(PipelineRepository& repository, const Clock& clock,
                                 PipelineServiceLimits limits,
                                 CustomActionTypeLookup custom_types)
    : repository_(repository),
      clock_(clock),
      limits_(limits),
      custom_types_(std::move(custom_types)) {}

Result<PipelineSnapshot> PipelineService::Create(const Scope& scope, nlohmann::json declaration,
                                                 std::vector<Tag> tags) {
  ApplyDeclarationDefaults(declaration, 1);
  if (auto status = CheckDeclaration(declaration, scope, limits_.declaration, custom_types_);
      !status) {
    return status.error();
  }
  NewPipeline pipeline{Summarize(declaration, clock_.Now()), declaration.dump(), std::move(tags)};
  return repository_.Insert(scope, std::move(pipeline), limits_.max_pipelines_per_scope);
}

Result<PipelineSnapshot> PipelineService::Update(const Scope& scope, nlohmann::json declaration) {
  // Checked with a provisional version; the repository numbers it for real.
  ApplyDeclarationDefaults(declaration, 1);
  if (auto status = CheckDeclaration(declaration, scope, limits_.declaration, custom_types_);
      !status) {
    return status.error();
  }
  const PipelineSummary summary = Summarize(declaration, clock_.Now());
  return repository_.AddVersion(scope, summary.name, summary.type, summary.mode, summary.updated,
                                [&declaration](int version) {
                                  declaration["version"] = version;
                                  return declaration.dump();
                                });
}

Result<PipelineSnapshot> PipelineService::Get(const Scope& scope, std::string_view name,
                                              std::optional<int> version) const {
  return repository_.Find(scope, name, version);
}

void PipelineService::Delete(const Scope& scope, std::string_view name) {
  repository_.Remove(scope, name);
}

Result<PipelinePage> PipelineService::List(const Scope& scope,
                                           const std::optional<std::string>& next_token,
                                           std::optional<std::size_t> max_results) const {
  auto after = PageStart(next_token);
  if (!after) return after.error();
  const std::size_t limit = max_results.value_or(limits_.default_page_size);
  // One extra tells whether another page follows.
  auto summaries = repository_.ListAfter(scope, *after, limit + 1);
  PipelinePage page;
  if (summaries.size() > limit) {
    summaries.resize(limit);
    page.next_token = EncodePageToken(summaries.back().name);
  }
  page.pipelines = std::move(summaries);
  return page;
}

}  // namespace sluice::domain
