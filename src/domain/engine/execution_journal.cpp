// The engine's side of the journal (src/persist/): one pipeline's executions
// at a time. A journal record carries only the runs that can have changed
// since the pipeline was last written out, so that a request costs what it
// touched, not what the pipeline retains: a run changes only while it is in
// progress, or as it ends (PipelineRuntime::settled), and the retry that
// brings an ended run back makes it one in progress again.
#include <nlohmann/json.hpp>
#include <vector>
#include <utility>

#include "domain/state_json.h"
#include "engine_state.h"
#include "sluice/domain/engine/execution_engine.h"

namespace sluice::domain {

using nlohmann::json;

json ExecutionEngine::JournalRuntime(const Scope& scope, std::string_view pipeline) {
  ChangeLock lock(*this);
  const auto it = pipelines_.find(RuntimeKey(scope, pipeline));
  if (it == pipelines_.end()) return nullptr;
  PipelineRuntime& runtime = *it->second;
  // Found through the active list and by id, never by walking every run
  // retained: a record costs what changed.
  std::vector<const Run*> changed(runtime.active.begin(), runtime.active.end());
  for (const Uuid& id : runtime.settled) {
    const auto run = runtime.by_id.find(id);
    // Retired since, or back in progress (a retry): written as such.
    if (run != runtime.by_id.end() && !run->second->active()) changed.push_back(run->second);
  }
  runtime.settled.clear();
  json entry = RuntimeJson(runtime, changed);
  // What the record need not repeat: the runs kept follow from those written
  // and those retired, and the idempotency tokens from the runs.
  entry.erase("tokens");
  entry["retired"] = runtime.retired;
  runtime.retired.clear();
  entry["fresh"] = !runtime.journaled;
  runtime.journaled = true;
  return entry;
}

std::vector<std::pair<Scope, std::string>> ExecutionEngine::RuntimeNames() const {
  ChangeLock lock(*this);
  std::vector<std::pair<Scope, std::string>> names;
  names.reserve(pipelines_.size());
  for (const auto& [key, runtime] : pipelines_) names.emplace_back(runtime->scope, runtime->name);
  return names;
}

json ExecutionEngine::DumpRuntime(const Scope& scope, std::string_view pipeline) const {
  ChangeLock lock(*this);
  const auto it = pipelines_.find(RuntimeKey(scope, pipeline));
  if (it == pipelines_.end()) return nullptr;
  return RuntimeJson(*it->second, AllRuns(*it->second));
}

std::uint64_t ExecutionEngine::NextJobSequence() const {
  ChangeLock lock(*this);
  return next_job_sequence_;
}

}  // namespace sluice::domain
