// RecoveredState: a state document (GET /_sluice/state's form) rebuilt from
// a snapshot and the journal records written after it.
//
// A record holds, for each pipeline it names, the pipeline's entry or its
// runtime or both (what changed) as they were when the record was written,
// with only the runs that
// can have changed since the one before and the ids of those retired since
// (ExecutionEngine::JournalRuntime); small sections come whole. Runs are put
// back in start order ("sequence"), and the idempotency tokens are taken
// from them. Applying records in order leaves every key at
// its latest written value. What a lost tail of records would have kept
// consistent (a run naming a version written only later, a runtime whose
// pipeline is gone) is dropped by Document() and counted, never refused: it was never
// acknowledged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::persist {

// Record types in the journal.
inline constexpr std::uint8_t kChangesRecord = 1;  // what changed (StateJournal::Capture)
inline constexpr std::uint8_t kDocumentRecord = 2;  // a whole document (after a load)

struct Repairs {
  std::size_t runtimes = 0;  // of pipelines that were gone
  std::size_t runs = 0;      // naming a version or pipeline not kept
  std::size_t total() const { return runtimes + runs; }
};

class RecoveredState {
 public:
  // `document`: a whole state document (a snapshot, or the empty state).
  explicit RecoveredState(nlohmann::json document);

  // Throws std::exception (nlohmann's or std::invalid_argument) when the
  // record does not have the shape this sluice writes.
  void Apply(std::uint8_t type, const nlohmann::json& record);

  // The document for ControlSurface::LoadState, with `repairs` counted.
  // Moves the state out: call it last.
  nlohmann::json TakeDocument(Repairs& repairs);

  std::size_t pipelines() const { return pipelines_.size(); }
  std::size_t executions() const;

 private:
  struct Runtime {
    nlohmann::json header;  // the runtime's members but its runs and tokens
    std::unordered_map<std::string, nlohmann::json> runs;  // by id
  };
  void Reset(nlohmann::json document);
  void ApplyRuntime(const std::string& key, const nlohmann::json& runtime);
  void ApplyGlobals(const nlohmann::json& globals);

  nlohmann::json base_;  // format, clock, ids, sections
  std::map<std::string, nlohmann::json> pipelines_;  // by "account/region/name"
  std::map<std::string, Runtime> runtimes_;
  std::map<std::string, nlohmann::json> jobs_;  // by id
  std::uint64_t next_job_sequence_ = 1;
};

// "account/region/name".
std::string PipelineKey(const std::string& account, const std::string& region,
                        const std::string& name);

}  // namespace sluice::persist
