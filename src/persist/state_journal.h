// StateJournal: --data-dir. Every change is marked (StateMarks) where it is
// made; Capture() writes what is marked as one journal record before the
// change is acknowledged, and WhenDurable() says when the record is as safe
// as --sync promises. A thread of its own writes out what changes by itself
// (the engine's steps), runs the shared fsyncs of --sync batch (group
// commit: every answer waiting when an fsync starts is released by it), and
// starts a snapshot when the journal file passes --snapshot-after.
//
// A snapshot is taken without stopping requests: the journal moves to a new
// file first, then the state is read part by part. Each part is then at
// least as new as the cut, and the records after the cut, applied over it,
// leave every part at its latest written value (recovered_state.h).
//
// Files and recovery: data_files.h, record_log.h, snapshot_file.h,
// journal_recovery.h.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>

#include "persist/data_files.h"
#include "persist/journal_options.h"
#include "persist/record_log.h"
#include "persist/state_source.h"
#include "sluice/common/state_marks.h"

namespace sluice::persist {

class StateJournal final : public StateMarks {
 public:
  // Takes the directory's lock; none with `error` set when another sluice
  // holds it or it cannot be made.
  static std::unique_ptr<StateJournal> Lock(JournalOptions options, std::string& error);
  ~StateJournal() override;
  StateJournal(const StateJournal&) = delete;
  StateJournal& operator=(const StateJournal&) = delete;

  const JournalOptions& options() const { return options_; }

  // StateMarks.
  void PipelineChanged(std::string_view account, std::string_view region,
                       std::string_view pipeline) override;
  void ExecutionsChanged(std::string_view account, std::string_view region,
                         std::string_view pipeline) override;
  void SectionChanged(StateSection section) override;
  void AllChanged() override;

  // Starts writing to journal file `sequence` (Recovery::next_sequence) and
  // the journal's thread. `source` must outlive Stop().
  bool Start(StateSource& source, std::uint64_t sequence, std::string& error);
  // Writes out what is left, syncs and ends the thread; idempotent.
  void Stop();

  // Writes what is marked as one record; returns the record's number (or
  // the last one's, when nothing was marked), which covers every change
  // marked before the call.
  std::uint64_t Capture();
  // Calls `then(true)` once record `number` is durable as --sync promises
  // (at once when it is), or `then(false)` if the journal cannot be written.
  void WhenDurable(std::uint64_t number, std::function<void(bool)> then);

  // For GET /_sluice/health.
  nlohmann::json Health() const;

 private:
  // What Capture() takes of the marks.
  struct Marks {
    std::map<std::tuple<std::string, std::string, std::string>, unsigned> pipelines;
    unsigned sections = 0;  // bits by StateSection
    bool all = false;
  };

  explicit StateJournal(JournalOptions options, DirectoryLock lock);
  bool Marked();
  // The record for `marks`, or null when there is nothing to write. Under
  // capture_mutex_, as is Write().
  nlohmann::json ChangesRecord(const Marks& marks);
  std::uint64_t Write(std::uint8_t type, const nlohmann::json& record);
  void Run(std::stop_token stop);
  void SyncAppended();
  void MarkDurable(std::uint64_t number, bool ok);
  void SetGlobals(nlohmann::json globals);
  void Fail(const std::string& why);
  void Snapshot();
  bool Rotate(std::uint64_t& cut);

  const JournalOptions options_;
  DirectoryLock lock_;
  StateSource* source_ = nullptr;

  // What is marked and not yet written.
  std::mutex marks_mutex_;
  // By pipeline: kDeclaration and kExecutions bits.
  std::map<std::tuple<std::string, std::string, std::string>, unsigned> marked_pipelines_;
  unsigned marked_sections_ = 0;  // bits by StateSection
  bool marked_all_ = false;
  std::atomic<bool> any_marked_{false};

  // One writer at a time; taken before sync_mutex_.
  std::mutex capture_mutex_;
  std::optional<JournalWriter> writer_;
  std::uint64_t sequence_ = 0;  // of the journal file written now
  nlohmann::json last_globals_;
  // Whether the globals can change with nothing marked (a manual clock,
  // seeded ids): then every Capture() reads them.
  std::atomic<bool> globals_move_{true};
  std::string frame_;  // reused: one allocation for all records
  std::atomic<std::uint64_t> appended_{0};

  // fsyncs, one at a time (the thread's, a rotation's).
  std::mutex sync_mutex_;

  // Durability, and who waits for it.
  mutable std::mutex durable_mutex_;
  std::condition_variable_any wake_;
  std::uint64_t durable_ = 0;
  std::multimap<std::uint64_t, std::function<void(bool)>> waiting_;
  std::string failure_;  // set once a write failed: nothing is acknowledged after

  std::atomic<bool> snapshot_running_{false};
  std::atomic<std::uint64_t> snapshots_{0};
  std::jthread snapshot_thread_;
  std::jthread thread_;
};

}  // namespace sluice::persist
