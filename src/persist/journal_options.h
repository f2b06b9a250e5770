// How --data-dir keeps state: where, and how much an answer waits for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::persist {

// What an acknowledgement promises (README "Keeping state").
enum class SyncMode {
  kAlways,  // the change is fsynced before its answer, each on its own
  kBatch,   // answers wait for one fsync shared by the changes made meanwhile
  kNone,    // written before the answer, synced when the OS sees fit
};

struct JournalOptions {
  std::string dir;  // empty: in memory only
  SyncMode sync = SyncMode::kBatch;
  // A snapshot is written when the current journal file grows past this.
  std::uint64_t snapshot_after = std::uint64_t{64} << 20;
  // Start on a journal damaged in the middle, keeping what precedes it.
  bool recover_truncate = false;
};

inline std::optional<SyncMode> ParseSyncMode(std::string_view text) {
  if (text == "always") return SyncMode::kAlways;
  if (text == "batch") return SyncMode::kBatch;
  if (text == "none") return SyncMode::kNone;
  return std::nullopt;
}

inline const char* SyncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kAlways: return "always";
    case SyncMode::kBatch: return "batch";
    case SyncMode::kNone: return "none";
  }
  return "batch";
}

}  // namespace sluice::persist
