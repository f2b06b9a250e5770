// InMemoryPipelineRepository: pipelines in memory, per scope (account and
// region), in name order so that listing pages are stable. One shared mutex
// guards everything: reads run in parallel, writes alone.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "sluice/common/mutex.h"
#include "sluice/common/state_marks.h"
#include "sluice/domain/pipeline/pipeline_repository.h"

namespace sluice::store {

class InMemoryPipelineRepository final : public domain::PipelineRepository {
 public:
  Result<domain::PipelineSnapshot> Insert(const domain::Scope& scope,
                                          domain::NewPipeline pipeline,
                                          std::size_t max_pipelines) override;
  Result<domain::PipelineSnapshot> AddVersion(const domain::Scope& scope, std::string_view name,
                                              domain::PipelineType type,
                                              domain::ExecutionMode mode, Clock::TimePoint now,
                                              const RenderVersion& render) override;
  Result<domain::PipelineSnapshot> Find(const domain::Scope& scope, std::string_view name,
                                        std::optional<int> version) const override;
  Result<std::shared_ptr<const domain::PipelineView>> LatestView(
      const domain::Scope& scope, std::string_view name) const override;
  bool Remove(const domain::Scope& scope, std::string_view name) override;
  std::size_t RemoveAll(const domain::ScopeFilter& filter) override;
  std::vector<domain::PipelineSummary> ListAfter(const domain::Scope& scope,
                                                 std::string_view after,
                                                 std::size_t limit) const override;
  std::optional<std::vector<domain::Tag>> Tags(const domain::Scope& scope,
                                               std::string_view name) const override;
  bool EditTags(const domain::Scope& scope, std::string_view name,
                const TagEdit& edit) override;

  // The state document's pipelines (GET/PUT /_sluice/state): every version
  // of every pipeline with its tags. ParseState() checks each version against
  // its pipeline and throws std::invalid_argument naming what does not fit;
  // CommitState() replaces every pipeline with what it read. Views() answers
  // the engine's look-ups from a staged state, before it is committed.
  struct StagedState;
  nlohmann::json DumpState() const;
  std::shared_ptr<StagedState> ParseState(const nlohmann::json& state) const;
  static std::shared_ptr<const domain::PipelineView> StagedView(const StagedState& staged,
                                                                const domain::Scope& scope,
                                                                const std::string& name,
                                                                int version);
  void CommitState(std::shared_ptr<StagedState> staged);

  // The journal (src/persist/): every change is marked on `marks`, by
  // pipeline. Set before the repository is used.
  void SetStateMarks(StateMarks* marks) { marks_ = marks; }
  // One pipeline as DumpState() has it; null when there is none.
  nlohmann::json DumpPipeline(const domain::Scope& scope, std::string_view name) const;

 private:
  struct StoredPipeline {
    domain::PipelineSummary summary;
    std::string arn;
    std::vector<std::string> versions;  // versions[i] is version i + 1
    // The latest version's view once parsed; a new version replaces it.
    mutable std::shared_ptr<const domain::PipelineView> view;
    std::vector<domain::Tag> tags;
  };
  // std::less<> lets string_view look-ups skip building a std::string.
  using Pipelines = std::map<std::string, StoredPipeline, std::less<>>;
  // Key: "account/region".
  using Scopes = std::map<std::string, Pipelines, std::less<>>;

  static domain::PipelineSnapshot Snapshot(const StoredPipeline& stored, int version);
  const Pipelines* FindScope(const domain::Scope& scope) const REQUIRES_SHARED(mutex_);
  StoredPipeline* FindPipeline(const domain::Scope& scope, std::string_view name)
      REQUIRES(mutex_);
  void Mark(const domain::Scope& scope, std::string_view name) const REQUIRES(mutex_);
  static nlohmann::json EntryJson(const domain::Scope& scope, const StoredPipeline& stored);

  StateMarks* marks_ = nullptr;

  mutable SharedMutex mutex_;
  Scopes scopes_ GUARDED_BY(mutex_);
};

}  // namespace sluice::store
