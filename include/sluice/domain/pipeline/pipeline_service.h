// PipelineService: pipeline CRUD as CodePipeline defines it. It applies the
// structural rules and AWS's defaults to declarations, numbers versions and
// pages listings, over a PipelineRepository and a Clock.
// Thread-safe: it holds no mutable state of its own.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"
#include "sluice/domain/pipeline/pipeline.h"
#include "sluice/domain/pipeline/pipeline_repository.h"
#include "sluice/domain/pipeline/pipeline_rules.h"

namespace sluice::domain {

struct PipelineServiceLimits {
  PipelineLimits declaration;
  std::size_t max_pipelines_per_scope = 1000;  // AWS's default quota per Region
  std::size_t default_page_size = 100;
};

struct PipelinePage {
  std::vector<PipelineSummary> pipelines;
  std::optional<std::string> next_token;
};

class PipelineService {
 public:
  // `custom_types` tells which custom action types declarations may use;
  // without it, none.
  PipelineService(PipelineRepository& repository, const Clock& clock,
                  PipelineServiceLimits limits = {}, CustomActionTypeLookup custom_types = {});

  Result<PipelineSnapshot> Create(const Scope& scope, nlohmann::json declaration,
                                  std::vector<Tag> tags);
  Result<PipelineSnapshot> Update(const Scope& scope, nlohmann::json declaration);
  Result<PipelineSnapshot> Get(const Scope& scope, std::string_view name,
                               std::optional<int> version) const;
  // Deleting a pipeline that does not exist succeeds, as in AWS.
  void Delete(const Scope& scope, std::string_view name);
  Result<PipelinePage> List(const Scope& scope, const std::optional<std::string>& next_token,
                            std::optional<std::size_t> max_results) const;

 private:
  PipelineRepository& repository_;
  const Clock& clock_;
  PipelineServiceLimits limits_;
  CustomActionTypeLookup custom_types_;
};

}  // namespace sluice::domain
