// StateJournal: capture, group commit and snapshots; see the header.
#include "persist/state_journal.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <utility>
#include <vector>

#include "persist/recovered_state.h"
#include "persist/snapshot_file.h"
#include "sluice/common/logging.h"

namespace sluice::persist {

using nlohmann::json;

namespace {

// How often the journal's thread looks for changes nobody asked to capture
// (the engine's steps): what a crash can take of changes nobody was told of.
constexpr auto kBackgroundCapture = std::chrono::milliseconds(20);

constexpr StateSection kSections[] = {StateSection::kActionTypes, StateSection::kWebhooks,
                                      StateSection::kOutcomes, StateSection::kFaults};

unsigned Bit(StateSection section) { return 1U << static_cast<unsigned>(section); }

// What of a pipeline is marked: each is written out only when it changed.
constexpr unsigned kDeclaration = 1;
constexpr unsigned kExecutions = 2;

// Whether `now` needs no record of its own. The time counts only on a
// manual clock (a restart reads the system clock afresh), the ids drawn only
// under --seed (random ids need no count to stay unique): otherwise every
// read, which draws a request id at some time, would write a record.
bool SameGlobals(const json& now, const json& written) {
  if (written.is_null()) return false;
  if (now.at("next_job_sequence") != written.at("next_job_sequence")) return false;
  const json& clock = now.at("clock");
  if (clock.at("mode") == "manual" && clock != written.at("clock")) return false;
  return now.at("ids").at("seed").is_null() || now.at("ids") == written.at("ids");
}

}  // namespace

const char* SectionName(StateSection section) {
  switch (section) {
    case StateSection::kActionTypes: return "actionTypes";
    case StateSection::kWebhooks: return "webhooks";
    case StateSection::kOutcomes: return "outcomes";
    case StateSection::kFaults: return "faults";
  }
  return "actionTypes";
}

std::unique_ptr<StateJournal> StateJournal::Lock(JournalOptions options, std::string& error) {
  std::string why;
  auto lock = DirectoryLock::Acquire(options.dir, &why);
  if (!lock) {
    error = why;
    return nullptr;
  }
  return std::unique_ptr<StateJournal>(new StateJournal(std::move(options), std::move(*lock)));
}

StateJournal::StateJournal(JournalOptions options, DirectoryLock lock)
    : options_(std::move(options)), lock_(std::move(lock)) {}

StateJournal::~StateJournal() { Stop(); }

void StateJournal::PipelineChanged(std::string_view account, std::string_view region,
                                   std::string_view pipeline) {
  const std::lock_guard lock(marks_mutex_);
  marked_pipelines_[{std::string(account), std::string(region), std::string(pipeline)}] |= kDeclaration;
  any_marked_.store(true, std::memory_order_release);
}

void StateJournal::ExecutionsChanged(std::string_view account, std::string_view region,
                                     std::string_view pipeline) {
  const std::lock_guard lock(marks_mutex_);
  marked_pipelines_[{std::string(account), std::string(region), std::string(pipeline)}] |= kExecutions;
  any_marked_.store(true, std::memory_order_release);
}

void StateJournal::SectionChanged(StateSection section) {
  const std::lock_guard lock(marks_mutex_);
  marked_sections_ |= Bit(section);
  any_marked_.store(true, std::memory_order_release);
}

void StateJournal::AllChanged() {
  const std::lock_guard lock(marks_mutex_);
  marked_all_ = true;
  any_marked_.store(true, std::memory_order_release);
}

bool StateJournal::Marked() { return any_marked_.load(std::memory_order_acquire); }

bool StateJournal::Start(StateSource& source, std::uint64_t sequence, std::string& error) {
  std::string why;
  auto writer = JournalWriter::Create(options_.dir + "/" + JournalName(sequence), &why);
  if (!writer) {
    error = "--data-dir " + options_.dir + ": " + why;
    return false;
  }
  {
    const std::lock_guard capture(capture_mutex_);
    source_ = &source;
    writer_.emplace(std::move(*writer));
    sequence_ = sequence;
    SetGlobals(source.Globals());
  }
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
  return true;
}

void StateJournal::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  wake_.notify_all();
  thread_.join();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  Capture();
  SyncAppended();
}

std::uint64_t StateJournal::Capture() {
  // Most reads: nothing marked, and nothing that moves by itself worth a
  // record. No lock, so reads do not queue behind one another.
  if (!Marked() && !globals_move_.load(std::memory_order_acquire)) return appended_.load();
  const std::lock_guard capture(capture_mutex_);
  if (source_ == nullptr || !writer_) return appended_.load();
  Marks marks;
  {
    const std::lock_guard lock(marks_mutex_);
    marks.pipelines.swap(marked_pipelines_);
    std::swap(marks.sections, marked_sections_);
    std::swap(marks.all, marked_all_);
  }
  // "Marked" stays set until what was taken is written: a Capture() that
  // finds nothing marked meanwhile must not return before this record.
  struct ClearWhenWritten {
    StateJournal& journal;
    ~ClearWhenWritten() {
      const std::lock_guard lock(journal.marks_mutex_);
      if (journal.marked_pipelines_.empty() && journal.marked_sections_ == 0 && !journal.marked_all_) {
        journal.any_marked_.store(false, std::memory_order_release);
      }
    }
  } clear_when_written{*this};
  std::uint8_t type = kChangesRecord;
  json record;
  if (marks.all) {
    type = kDocumentRecord;
    record = source_->Document();
    SetGlobals(source_->Globals());
  } else {
    record = ChangesRecord(marks);
    if (record.is_null()) return appended_.load();
  }
  return Write(type, record);
}

json StateJournal::ChangesRecord(const Marks& marks) {
  json changed = json::array();
  for (const auto& [key, parts] : marks.pipelines) {
    const auto& [account, region, name] = key;
    json item = source_->JournalPipeline(account, region, name, (parts & kDeclaration) != 0,
                                         (parts & kExecutions) != 0);
    item["a"] = account;
    item["r"] = region;
    item["n"] = name;
    changed.push_back(std::move(item));
  }
  // Read after the parts: every id they hold was drawn by then.
  json globals = source_->Globals();
  if (changed.empty() && marks.sections == 0 && SameGlobals(globals, last_globals_)) return nullptr;
  json record = {{"g", globals}};
  SetGlobals(std::move(globals));
  if (!changed.empty()) record["p"] = std::move(changed);
  for (const StateSection section : kSections) {
    if ((marks.sections & Bit(section)) != 0) record["x"][SectionName(section)] = source_->Section(section);
  }
  return record;
}

std::uint64_t StateJournal::Write(std::uint8_t type, const json& record) {
  frame_.clear();
  // JSON text: nlohmann reads it several times faster than its CBOR, and a
  // person can read it.
  AppendRecord(frame_, type, record.dump());
  std::string why;
  if (!writer_->Append(frame_, &why)) {
    Fail(why);
    return appended_.load() + 1;  // never durable: its waiters hear of the failure
  }
  const std::uint64_t number = appended_.fetch_add(1) + 1;
  switch (options_.sync) {
    case SyncMode::kAlways: {
      const std::lock_guard sync(sync_mutex_);
      if (!writer_->Sync(&why)) {
        Fail(why);
        return number;
      }
      MarkDurable(number, true);
      break;
    }
    case SyncMode::kNone:
      MarkDurable(number, true);
      break;
    case SyncMode::kBatch:
      wake_.notify_all();
      break;
  }
  if (writer_->size() > options_.snapshot_after && !snapshot_running_.exchange(true)) {
    if (snapshot_thread_.joinable()) snapshot_thread_.join();  // the last one, done
    snapshot_thread_ = std::jthread([this] { Snapshot(); });
  }
  return number;
}

void StateJournal::SetGlobals(json globals) {
  // A manual clock's time and seeded ids move without marks (SameGlobals).
  const bool moves = globals.at("clock").at("mode") == "manual" || !globals.at("ids").at("seed").is_null();
  last_globals_ = std::move(globals);
  globals_move_.store(moves, std::memory_order_release);
}

void StateJournal::WhenDurable(std::uint64_t number, std::function<void(bool)> then) {
  {
    std::unique_lock lock(durable_mutex_);
    if (!failure_.empty()) {
      lock.unlock();
      then(false);
      return;
    }
    if (durable_ < number) {
      waiting_.emplace(number, std::move(then));
      return;
    }
  }
  then(true);
}

void StateJournal::MarkDurable(std::uint64_t number, bool ok) {
  std::vector<std::function<void(bool)>> released;
  {
    const std::lock_guard lock(durable_mutex_);
    if (ok && number > durable_) durable_ = number;
    const auto end = ok ? waiting_.upper_bound(durable_) : waiting_.end();
    for (auto it = waiting_.begin(); it != end; ++it) released.push_back(std::move(it->second));
    waiting_.erase(waiting_.begin(), end);
  }
  for (auto& then : released) then(ok);
}

void StateJournal::Fail(const std::string& why) {
  {
    const std::lock_guard lock(durable_mutex_);
    if (failure_.empty()) failure_ = why;
  }
  Logger(kJournalLogger)->error("the journal cannot be written, and no change is acknowledged from now on: {}", why);
  MarkDurable(0, false);
}

void StateJournal::SyncAppended() {
  const std::lock_guard sync(sync_mutex_);
  const std::uint64_t target = appended_.load();
  {
    const std::lock_guard lock(durable_mutex_);
    if (durable_ >= target || !failure_.empty()) return;
  }
  std::string why;
  // Under sync_mutex_ only: records appended meanwhile wait for the next.
  // The writer is replaced only under capture_mutex_ and sync_mutex_.
  if (!writer_->Sync(&why)) {
    Fail(why);
    return;
  }
  MarkDurable(target, true);
}

void StateJournal::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(durable_mutex_);
      wake_.wait_for(lock, stop, kBackgroundCapture, [this] {
        return options_.sync == SyncMode::kBatch && appended_.load() > durable_ && failure_.empty();
      });
    }
    if (stop.stop_requested()) break;
    if (Marked()) Capture();
    if (options_.sync == SyncMode::kBatch) SyncAppended();
  }
}

bool StateJournal::Rotate(std::uint64_t& cut) {
  const std::lock_guard capture(capture_mutex_);
  const std::lock_guard sync(sync_mutex_);
  std::string why;
  if (!writer_->Sync(&why)) {
    Fail(why);
    return false;
  }
  MarkDurable(appended_.load(), true);
  auto next = JournalWriter::Create(options_.dir + "/" + JournalName(sequence_ + 1), &why);
  if (!next) {
    Logger(kJournalLogger)->error("no snapshot: {}", why);
    return false;
  }
  cut = sequence_;
  writer_.emplace(std::move(*next));
  ++sequence_;
  return true;
}

void StateJournal::Snapshot() {
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t cut = 0;
  if (!Rotate(cut)) {
    snapshot_running_ = false;
    return;
  }
  std::string why;
  std::size_t bytes = 0;
  try {
    const std::string file = EncodeSnapshot(source_->Document().dump());
    bytes = file.size();
    if (!WriteFileDurably(options_.dir, SnapshotName(cut), file, &why)) {
      Logger(kJournalLogger)->error("no snapshot: {}", why);
      snapshot_running_ = false;
      return;
    }
  } catch (const std::exception& e) {
    Logger(kJournalLogger)->error("no snapshot: {}", e.what());
    snapshot_running_ = false;
    return;
  }
  // What the snapshot covers goes: journal files up to the cut, older snapshots.
  if (const auto listing = ListDataDir(options_.dir, &why)) {
    for (const std::uint64_t journal : listing->journals) {
      if (journal <= cut) std::remove((options_.dir + "/" + JournalName(journal)).c_str());
    }
    for (const std::uint64_t snapshot : listing->snapshots) {
      if (snapshot < cut) std::remove((options_.dir + "/" + SnapshotName(snapshot)).c_str());
    }
    SyncDirectory(options_.dir, &why);
  }
  ++snapshots_;
  Logger(kJournalLogger)
      ->info("snapshot {} written: {} bytes in {} ms", SnapshotName(cut), bytes,
             std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                 .count());
  snapshot_running_ = false;
}

json StateJournal::Health() const {
  const std::lock_guard lock(durable_mutex_);
  json health = {{"dataDir", options_.dir},
                 {"sync", SyncModeName(options_.sync)},
                 {"journalRecords", appended_.load()},
                 {"durableRecords", durable_},
                 {"snapshots", snapshots_.load()}};
  if (!failure_.empty()) health["failure"] = failure_;
  return health;
}

}  // namespace sluice::persist
