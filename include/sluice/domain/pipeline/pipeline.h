// Pipelines as the domain keeps them: a summary of what lists and the engine
// need, plus the declaration of each version as canonical JSON text (the
// declaration is deep; the validated JSON with typed views beats a struct per
// shape, and text is both compact and ready to send).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/clock.h"

namespace sluice::domain {

// An account in a region: the unit AWS keeps pipelines apart by.
struct Scope {
  std::string account_id;
  std::string region;
  friend bool operator==(const Scope&, const Scope&) = default;
};

// "account/region": how the stores and registries key what each scope owns.
std::string ScopeKey(const Scope& scope);

// Which scopes a test control (a reset, say) reaches: all of them, those of
// one account or one region, or one scope.
struct ScopeFilter {
  std::optional<std::string> account_id;
  std::optional<std::string> region;

  bool Matches(const Scope& scope) const;
  // `key` as ScopeKey() spells it, with anything after the region ignored.
  bool MatchesKey(std::string_view key) const;
};

// Erases the entries of `scopes` (a map keyed by ScopeKey) that `filter`
// matches; returns the sum of `count` over them.
template <typename Scopes, typename Count>
std::size_t EraseScopes(Scopes& scopes, const ScopeFilter& filter, Count count) {
  std::size_t removed = 0;
  for (auto it = scopes.begin(); it != scopes.end();) {
    if (!filter.MatchesKey(it->first)) {
      ++it;
      continue;
    }
    removed += count(it->second);
    it = scopes.erase(it);
  }
  return removed;
}

enum class PipelineType { kV1, kV2 };
enum class ExecutionMode { kQueued, kSuperseded, kParallel };

std::string_view ToString(PipelineType type);
std::string_view ToString(ExecutionMode mode);
std::optional<PipelineType> ParsePipelineType(std::string_view text);
std::optional<ExecutionMode> ParseExecutionMode(std::string_view text);

struct Tag {
  std::string key;
  std::string value;
  friend bool operator==(const Tag&, const Tag&) = default;
};

struct PipelineSummary {
  std::string name;
  int version = 1;
  PipelineType type = PipelineType::kV1;
  ExecutionMode mode = ExecutionMode::kSuperseded;
  Clock::TimePoint created;
  Clock::TimePoint updated;
};

// One version of one pipeline, as read back.
struct PipelineSnapshot {
  PipelineSummary summary;  // of the latest version, except `version`
  std::string arn;
  std::string declaration;  // canonical JSON of the requested version
};

std::string PipelineArn(const Scope& scope, std::string_view name);

}  // namespace sluice::domain
