// The repository's part of the state document: each pipeline with every
// version's declaration (as its canonical text, so that it reads back
// byte for byte) and its tags. The control layer checks each declaration
// against the model before it stages them.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "domain/state_json.h"
#include "sluice/store/in_memory_pipeline_repository.h"

namespace sluice::store {

using nlohmann::json;

struct InMemoryPipelineRepository::StagedState {
  Scopes scopes;
};

json InMemoryPipelineRepository::EntryJson(const domain::Scope& scope, const StoredPipeline& stored) {
  return {{"scope", scope},
          {"summary", stored.summary},
          {"arn", stored.arn},
          {"versions", stored.versions},
          {"tags", stored.tags}};
}

json InMemoryPipelineRepository::DumpState() const {
  ReaderLock lock(mutex_);
  json pipelines = json::array();
  for (const auto& [key, scope_pipelines] : scopes_) {
    const auto slash = key.find('/');
    const domain::Scope scope{key.substr(0, slash), key.substr(slash + 1)};
    for (const auto& [name, stored] : scope_pipelines) pipelines.push_back(EntryJson(scope, stored));
  }
  return pipelines;
}

json InMemoryPipelineRepository::DumpPipeline(const domain::Scope& scope, std::string_view name) const {
  ReaderLock lock(mutex_);
  const Pipelines* pipelines = FindScope(scope);
  if (pipelines == nullptr) return nullptr;
  const auto it = pipelines->find(name);
  return it == pipelines->end() ? json(nullptr) : EntryJson(scope, it->second);
}

std::shared_ptr<InMemoryPipelineRepository::StagedState> InMemoryPipelineRepository::ParseState(
    const json& state) const {
  auto staged = std::make_shared<StagedState>();
  std::size_t index = 0;
  for (const json& entry : state) {
    const std::string where = "pipelines[" + std::to_string(index++) + "]";
    StoredPipeline stored;
    const auto scope = domain::ReadAt<domain::Scope>(entry.at("scope"), where + ".scope");
    stored.summary = domain::ReadAt<domain::PipelineSummary>(entry.at("summary"), where + ".summary");
    stored.arn = domain::ReadAt<std::string>(entry.at("arn"), where + ".arn");
    stored.versions = domain::ReadAt<std::vector<std::string>>(entry.at("versions"), where + ".versions");
    stored.tags = domain::ReadAt<std::vector<domain::Tag>>(entry.at("tags"), where + ".tags");
    const std::string& name = stored.summary.name;
    if (stored.versions.empty() ||
        static_cast<std::size_t>(stored.summary.version) != stored.versions.size()) {
      throw std::invalid_argument(where + ": the summary's version is not the number of versions");
    }
    for (std::size_t v = 0; v < stored.versions.size(); ++v) {
      const std::string where_version = where + ".versions[" + std::to_string(v) + "]";
      const json declaration = json::parse(stored.versions[v], nullptr, false);
      if (declaration.is_discarded() || !declaration.is_object()) {
        throw std::invalid_argument(where_version + ": not a JSON pipeline declaration");
      }
      if (declaration.value("name", "") != name) {
        throw std::invalid_argument(where_version + ": declares another pipeline than " + name);
      }
    }
    if (!staged->scopes[domain::ScopeKey(scope)].emplace(name, std::move(stored)).second) {
      throw std::invalid_argument(where + ": repeats pipeline " + name);
    }
  }
  return staged;
}

std::shared_ptr<const domain::PipelineView> InMemoryPipelineRepository::StagedView(
    const StagedState& staged, const domain::Scope& scope, const std::string& name, int version) {
  const auto scope_it = staged.scopes.find(domain::ScopeKey(scope));
  if (scope_it == staged.scopes.end()) return nullptr;
  const auto it = scope_it->second.find(name);
  if (it == scope_it->second.end() || version < 1 ||
      static_cast<std::size_t>(version) > it->second.versions.size()) {
    return nullptr;
  }
  return domain::ParsePipelineView(it->second.versions[static_cast<std::size_t>(version - 1)],
                                   scope.region);
}

void InMemoryPipelineRepository::CommitState(std::shared_ptr<StagedState> staged) {
  WriterLock lock(mutex_);
  scopes_ = std::move(staged->scopes);
  if (marks_ != nullptr) marks_->AllChanged();
}

}  // namespace sluice::store
