// Recovery: what a data directory holds, read back at start. The newest
// snapshot, then every journal file after it in order, each record checked
// by length and checksum (record_log.h). A torn last record is what a crash
// mid-write leaves: it was never acknowledged, so it is dropped (and cut off
// the file, so the next start reads a clean one). Damage anywhere else stops
// the start, naming the file and offset, unless --recover-truncate says to
// keep what precedes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "persist/journal_options.h"
#include "persist/recovered_state.h"

namespace sluice::persist {

struct Recovery {
  // The state to load; none when the directory held none.
  std::optional<nlohmann::json> document;
  std::size_t pipelines = 0;
  std::size_t executions = 0;
  std::optional<std::uint64_t> snapshot;  // the sequence of the snapshot read
  std::size_t records = 0;                // journal records applied
  bool torn_tail = false;
  Repairs repairs;
  std::vector<std::string> warnings;  // for the log
  std::uint64_t next_sequence = 1;    // of the journal file to write next
};

// Reads `options.dir` (which the caller has locked). `empty_document` is the
// state of a sluice that holds nothing, the base when there is no snapshot.
// On failure returns none with `error` set to the whole message.
std::optional<Recovery> Recover(const JournalOptions& options, const nlohmann::json& empty_document,
                                std::string& error);

}  // namespace sluice::persist
