#include "sluice/store/in_memory_pipeline_repository.h"

#include <mutex>

#include "sluice/domain/errors.h"

namespace sluice::store {

using domain::PipelineSnapshot;
using domain::ScopeKey;

PipelineSnapshot InMemoryPipelineRepository::Snapshot(const StoredPipeline& stored, int version) {
  PipelineSnapshot snapshot{stored.summary, stored.arn,
                            stored.versions[static_cast<std::size_t>(version - 1)]};
  snapshot.summary.version = version;
  return snapshot;
}

const InMemoryPipelineRepository::Pipelines* InMemoryPipelineRepository::FindScope(
    const domain::Scope& scope) const {
  const auto it = scopes_.find(ScopeKey(scope));
  return it == scopes_.end() ? nullptr : &it->second;
}

InMemoryPipelineRepository::StoredPipeline* InMemoryPipelineRepository::FindPipeline(
    const domain::Scope& scope, std::string_view name) {
  const auto scope_it = scopes_.find(ScopeKey(scope));
  if (scope_it == scopes_.end()) return nullptr;
  const auto it = scope_it->second.find(name);
  return it == scope_it->second.end() ? nullptr : &it->second;
}

Result<PipelineSnapshot> InMemoryPipelineRepository::Insert(const domain::Scope& scope,
                                                            domain::NewPipeline pipeline,
                                                            std::size_t max_pipelines) {
  WriterLock lock(mutex_);
  Pipelines& pipelines = scopes_[ScopeKey(scope)];
  const std::string name = pipeline.summary.name;
  if (pipelines.size() >= max_pipelines && !pipelines.contains(name)) {
    return domain::LimitExceeded(scope, max_pipelines, "pipelines");
  }
  auto [it, inserted] = pipelines.try_emplace(name);
  if (!inserted) return domain::PipelineNameInUse(scope, name);
  StoredPipeline& stored = it->second;
  stored.summary = std::move(pipeline.summary);
  stored.summary.version = 1;
  stored.arn = domain::PipelineArn(scope, name);
  stored.versions.push_back(std::move(pipeline.declaration));
  stored.tags = std::move(pipeline.tags);
  Mark(scope, name);
  return Snapshot(stored, 1);
}

Result<PipelineSnapshot> InMemoryPipelineRepository::AddVersion(
    const domain::Scope& scope, std::string_view name, domain::PipelineType type,
    domain::ExecutionMode mode, Clock::TimePoint now, const RenderVersion& render) {
  WriterLock lock(mutex_);
  StoredPipeline* found = FindPipeline(scope, name);
  if (found == nullptr) return domain::PipelineNotFound(scope, name);
  StoredPipeline& stored = *found;
  const int version = stored.summary.version + 1;
  stored.versions.push_back(render(version));
  stored.view.reset();
  stored.summary.version = version;
  stored.summary.type = type;
  stored.summary.mode = mode;
  stored.summary.updated = now;
  Mark(scope, name);
  return Snapshot(stored, version);
}

Result<PipelineSnapshot> InMemoryPipelineRepository::Find(const domain::Scope& scope,
                                                          std::string_view name,
                                                          std::optional<int> version) const {
  ReaderLock lock(mutex_);
  const Pipelines* pipelines = FindScope(scope);
  if (pipelines == nullptr) return domain::PipelineNotFound(scope, name);
  const auto it = pipelines->find(name);
  if (it == pipelines->end()) return domain::PipelineNotFound(scope, name);
  const StoredPipeline& stored = it->second;
  const int wanted = version.value_or(stored.summary.version);
  if (wanted < 1 || wanted > stored.summary.version) {
    return domain::PipelineVersionNotFound(scope, name, wanted);
  }
  return Snapshot(stored, wanted);
}

Result<std::shared_ptr<const domain::PipelineView>> InMemoryPipelineRepository::LatestView(
    const domain::Scope& scope, std::string_view name) const {
  std::string declaration;
  int version = 0;
  {
    ReaderLock lock(mutex_);
    const Pipelines* pipelines = FindScope(scope);
    const auto it = pipelines == nullptr ? Pipelines::const_iterator{} : pipelines->find(name);
    if (pipelines == nullptr || it == pipelines->end()) return domain::PipelineNotFound(scope, name);
    if (it->second.view) return it->second.view;
    version = it->second.summary.version;
    declaration = it->second.versions.back();
  }
  // Parsed outside the lock; a version added meanwhile keeps its own slot
  // empty, so this view is kept only if it is still the latest.
  auto view = domain::ParsePipelineView(declaration, scope.region);
  WriterLock lock(mutex_);
  const Pipelines* pipelines = FindScope(scope);
  if (pipelines == nullptr) return view;
  const auto it = pipelines->find(name);
  if (it != pipelines->end() && it->second.summary.version == version && !it->second.view) {
    it->second.view = view;
  }
  return view;
}

void InMemoryPipelineRepository::Mark(const domain::Scope& scope, std::string_view name) const {
  if (marks_ != nullptr) marks_->PipelineChanged(scope.account_id, scope.region, name);
}

bool InMemoryPipelineRepository::Remove(const domain::Scope& scope, std::string_view name) {
  WriterLock lock(mutex_);
  const auto scope_it = scopes_.find(ScopeKey(scope));
  if (scope_it == scopes_.end()) return false;
  const auto it = scope_it->second.find(name);
  if (it == scope_it->second.end()) return false;
  scope_it->second.erase(it);
  Mark(scope, name);
  return true;
}

std::size_t InMemoryPipelineRepository::RemoveAll(const domain::ScopeFilter& filter) {
  WriterLock lock(mutex_);
  if (marks_ != nullptr) {
    for (const auto& [key, pipelines] : scopes_) {
      const auto slash = key.find('/');
      const domain::Scope scope{key.substr(0, slash), key.substr(slash + 1)};
      if (!filter.Matches(scope)) continue;
      for (const auto& [name, stored] : pipelines) Mark(scope, name);
    }
  }
  return domain::EraseScopes(scopes_, filter, [](const Pipelines& pipelines) {
    return pipelines.size();
  });
}

std::vector<domain::PipelineSummary> InMemoryPipelineRepository::ListAfter(
    const domain::Scope& scope, std::string_view after, std::size_t limit) const {
  ReaderLock lock(mutex_);
  std::vector<domain::PipelineSummary> page;
  const Pipelines* pipelines = FindScope(scope);
  if (pipelines == nullptr) return page;
  auto it = after.empty() ? pipelines->begin() : pipelines->upper_bound(after);
  for (; it != pipelines->end() && page.size() < limit; ++it) {
    page.push_back(it->second.summary);
  }
  return page;
}

std::optional<std::vector<domain::Tag>> InMemoryPipelineRepository::Tags(
    const domain::Scope& scope, std::string_view name) const {
  ReaderLock lock(mutex_);
  const Pipelines* pipelines = FindScope(scope);
  if (pipelines == nullptr) return std::nullopt;
  const auto it = pipelines->find(name);
  if (it == pipelines->end()) return std::nullopt;
  return it->second.tags;
}

bool InMemoryPipelineRepository::EditTags(const domain::Scope& scope, std::string_view name,
                                          const TagEdit& edit) {
  WriterLock lock(mutex_);
  StoredPipeline* stored = FindPipeline(scope, name);
  if (stored == nullptr) return false;
  // The edit leaves the tags alone when it fails; its outcome is the caller's.
  static_cast<void>(edit(stored->tags));
  Mark(scope, name);
  return true;
}

}  // namespace sluice::store
