// Recovery at start; see the header.
#include "persist/journal_recovery.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <utility>

#include "persist/data_files.h"
#include "persist/record_log.h"
#include "persist/snapshot_file.h"

namespace sluice::persist {

using nlohmann::json;

namespace {

std::string PathOf(const std::string& dir, const std::string& name) { return dir + "/" + name; }

// Sets `error` to the message for `file` and returns none.
std::optional<Recovery> Refuse(const JournalOptions& options, const std::string& file,
                               const std::string& what, std::string& error) {
  error = "--data-dir " + options.dir + ": " + file + ": " + what;
  return std::nullopt;
}

// Moves a file aside: kept for whoever wants to look, never read again.
bool SetAside(const std::string& dir, const std::string& name, const std::string& suffix,
              std::string& error) {
  const std::string from = PathOf(dir, name);
  const std::string to = from + suffix;
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    error = "cannot rename " + from + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

// Truncates `path` to `keep` bytes, durably: the next start must read the
// file as cut, or it would take the old tail for damage.
bool CutShort(const std::string& path, off_t keep, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::string("cannot open to truncate: ") + std::strerror(errno);
    return false;
  }
  const bool ok = ::ftruncate(fd, keep) == 0 && ::fdatasync(fd) == 0;
  if (!ok) error = std::string("cannot truncate: ") + std::strerror(errno);
  ::close(fd);
  return ok;
}

}  // namespace

std::optional<Recovery> Recover(const JournalOptions& options, const json& empty_document,
                                std::string& error) {
  const std::string& dir = options.dir;
  std::string why;
  const auto listing = ListDataDir(dir, &why);
  if (!listing) return Refuse(options, dir, why, error);
  Recovery recovery;
  for (const std::string& stray : listing->strays) {
    std::remove(PathOf(dir, stray).c_str());  // a snapshot whose write did not finish
  }

  std::optional<RecoveredState> state;
  if (!listing->snapshots.empty()) {
    const std::uint64_t sequence = listing->snapshots.back();
    const std::string name = SnapshotName(sequence);
    std::string bytes;
    if (!ReadWholeFile(PathOf(dir, name), bytes, &why)) return Refuse(options, name, why, error);
    const SnapshotRead read = DecodeSnapshot(bytes);
    if (!read.ok) return Refuse(options, name, read.problem, error);
    try {
      state.emplace(json::parse(read.payload));
    } catch (const std::exception& e) {
      return Refuse(options, name, std::string("the snapshot does not read as a state: ") + e.what(), error);
    }
    recovery.snapshot = sequence;
  } else {
    state.emplace(empty_document);
  }
  bool any = recovery.snapshot.has_value();

  std::uint64_t highest = recovery.snapshot.value_or(0);
  bool stopped = false;  // --recover-truncate cut the journal short
  for (const std::uint64_t sequence : listing->journals) {
    highest = std::max(highest, sequence);
    const std::string name = JournalName(sequence);
    if (recovery.snapshot && sequence <= *recovery.snapshot) {
      // Covered by the snapshot: left by a clean-up that did not finish.
      std::remove(PathOf(dir, name).c_str());
      continue;
    }
    if (stopped) {
      if (!SetAside(dir, name, ".discarded", why)) return Refuse(options, name, why, error);
      recovery.warnings.push_back(name + " follows the damage and was set aside as " + name + ".discarded");
      continue;
    }
    std::string bytes;
    if (!ReadWholeFile(PathOf(dir, name), bytes, &why)) return Refuse(options, name, why, error);
    const JournalScan scan = ScanJournal(bytes);
    if (scan.end == JournalScan::End::kUnknownVersion) {
      return Refuse(options, name,
                    "format version " + std::to_string(scan.version_found) + "; this sluice reads version " +
                        std::to_string(kJournalVersion),
                    error);
    }
    // Only the newest file can end in a torn write: a start cuts a torn tail
    // off before it writes a newer file, and a snapshot syncs the file it
    // leaves. A torn-looking end of an older file is damage.
    const bool newest = sequence == listing->journals.back();
    const bool torn = scan.end == JournalScan::End::kTornTail && newest;
    const bool damaged = scan.end == JournalScan::End::kCorrupt || scan.end == JournalScan::End::kNotJournal ||
                         (scan.end == JournalScan::End::kTornTail && !newest);
    if (damaged && !options.recover_truncate) {
      if (scan.end == JournalScan::End::kNotJournal) {
        return Refuse(options, name, scan.problem.empty() ? "not a sluice journal" : scan.problem, error);
      }
      const std::string what = scan.end == JournalScan::End::kTornTail
                                   ? "a record cut short, in a journal file that is not the newest"
                                   : scan.problem;
      return Refuse(options, name,
                    "corrupt at offset " + std::to_string(scan.end == JournalScan::End::kTornTail
                                                              ? scan.valid_bytes
                                                              : scan.problem_offset) +
                        ": " + what + "; --recover-truncate keeps what precedes it",
                    error);
    }
    for (const JournalRecord& record : scan.records) {
      try {
        state->Apply(record.type, json::parse(record.payload));
      } catch (const std::exception& e) {
        if (!options.recover_truncate) {
          return Refuse(options, name,
                        "corrupt at offset " + std::to_string(record.offset) +
                            ": a record that does not read (" + e.what() +
                            "); --recover-truncate keeps what precedes it",
                        error);
        }
        stopped = true;
        break;
      }
      ++recovery.records;
      any = true;
    }
    if (damaged) stopped = true;
    if (stopped) {
      // Kept as it was for a look, and started afresh from what was read.
      const std::string copy = name + ".damaged";
      if (!WriteFileDurably(dir, copy, bytes, &why)) return Refuse(options, name, why, error);
      recovery.warnings.push_back(name + " is damaged at offset " + std::to_string(scan.problem_offset) +
                                  ": " + scan.problem + "; what precedes it was kept (--recover-truncate), "
                                  "the file as it was is " + copy);
    }
    if (torn || stopped) {
      if (torn) {
        recovery.torn_tail = true;
        recovery.warnings.push_back(name + ": dropped a torn last record at offset " +
                                    std::to_string(scan.valid_bytes) + " (a write the crash cut short)");
      }
      // Cut off, so that the next start reads a clean file.
      const auto keep = static_cast<off_t>(scan.end == JournalScan::End::kNotJournal ? 0 : scan.valid_bytes);
      if (keep == 0) {
        std::remove(PathOf(dir, name).c_str());
        SyncDirectory(dir, nullptr);
      } else if (!CutShort(PathOf(dir, name), keep, why)) {
        return Refuse(options, name, why, error);
      }
    }
  }
  recovery.next_sequence = highest + 1;
  if (any) {
    recovery.pipelines = state->pipelines();
    recovery.executions = state->executions();
    recovery.document = state->TakeDocument(recovery.repairs);
  }
  return recovery;
}

}  // namespace sluice::persist
