// PipelineRepository: the port through which the domain keeps pipelines,
// with their tags (TaggableResources, keyed by pipeline name: the tags given
// at creation and those TagResource adds live here, and go with the pipeline).
// Implementations (store/) must be thread-safe: every method may be called
// concurrently from request threads.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/result.h"
#include "sluice/domain/pipeline/pipeline.h"
#include "sluice/domain/pipeline/pipeline_view.h"
#include "sluice/domain/registry/tagging.h"

namespace sluice::domain {

struct NewPipeline {
  PipelineSummary summary;  // version 1
  std::string declaration;  // canonical JSON of version 1
  std::vector<Tag> tags;
};

class PipelineRepository : public TaggableResources {
 public:
  virtual ~PipelineRepository() = default;

  // PipelineNameInUseException when the scope has a pipeline of that name,
  // LimitExceededException when it already holds `max_pipelines`.
  virtual Result<PipelineSnapshot> Insert(const Scope& scope, NewPipeline pipeline,
                                          std::size_t max_pipelines) = 0;

  // Adds the next version. `render` receives the new version number and
  // returns that version's declaration; it runs under the repository's lock,
  // so concurrent updates number their versions without gaps or repeats.
  // PipelineNotFoundException when there is no such pipeline.
  using RenderVersion = std::function<std::string(int version)>;
  virtual Result<PipelineSnapshot> AddVersion(const Scope& scope, std::string_view name,
                                              PipelineType type, ExecutionMode mode,
                                              Clock::TimePoint now, const RenderVersion& render) = 0;

  // The latest version, or `version`. PipelineNotFoundException or
  // PipelineVersionNotFoundException when absent.
  virtual Result<PipelineSnapshot> Find(const Scope& scope, std::string_view name,
                                        std::optional<int> version) const = 0;

  // The latest version's parsed view, shared and immutable: parsed once per
  // version, on first use, so that starts and webhooks neither copy nor
  // parse the declaration. PipelineNotFoundException when absent.
  virtual Result<std::shared_ptr<const PipelineView>> LatestView(const Scope& scope,
                                                                 std::string_view name) const = 0;

  // False when there was no such pipeline.
  virtual bool Remove(const Scope& scope, std::string_view name) = 0;
  // A reset: removes every pipeline of the scopes `filter` matches, with its
  // versions and tags. Returns how many went.
  virtual std::size_t RemoveAll(const ScopeFilter& filter) = 0;

  // Up to `limit` summaries in name order, of names strictly after `after`.
  virtual std::vector<PipelineSummary> ListAfter(const Scope& scope, std::string_view after,
                                                 std::size_t limit) const = 0;
};

}  // namespace sluice::domain
