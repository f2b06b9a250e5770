// StateJournal under concurrent writers, for each --sync level: threads
// change their own part of a fake state, mark it and wait for durability as
// a request does, while the journal's thread syncs in batches and snapshots
// rotate the journal underneath. Whatever was acknowledged must be read back
// by recovery at least as new. Runs under TSan too (scripts/test.sh).
#include "persist/state_journal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <chrono>
#include <thread>
#include <vector>

#include "persist/journal_recovery.h"
#include "persist/temp_dir.h"

namespace sluice::persist {
namespace {

using nlohmann::json;
using testing::ScratchDir;

// Pipelines named by writer, each with a counter that only grows; the
// counter stands in the summary's version.
class CountingSource final : public StateSource {
 public:
  void Bump(StateMarks& marks, const std::string& name, int to) {
    const std::lock_guard lock(mutex_);
    counters_[name] = to;
    marks.PipelineChanged("111111111111", "us-east-1", name);
  }
  json JournalPipeline(std::string_view, std::string_view, std::string_view name, bool declaration,
                       bool executions) override {
    EXPECT_TRUE(declaration);
    EXPECT_FALSE(executions);
    const std::lock_guard lock(mutex_);
    return {{"pipeline", Entry(std::string(name), counters_.at(std::string(name)))}, {"runtime", nullptr}};
  }
  json Section(StateSection) override { return json::array(); }
  json Globals() override {
    return {{"clock", {{"mode", "system"}, {"now", 0}}}, {"ids", {{"seed", nullptr}, {"drawn", 0}}},
            {"next_job_sequence", 1}};
  }
  json Document() override {
    json document = Empty();
    const std::lock_guard lock(mutex_);
    for (const auto& [name, counter] : counters_) document["pipelines"].push_back(Entry(name, counter));
    return document;
  }

  static json Empty() {
    return {{"format", 1}, {"clock", {{"mode", "system"}, {"now", 0}}}, {"ids", {{"seed", nullptr}, {"drawn", 0}}},
            {"pipelines", json::array()}, {"actionTypes", json::array()}, {"webhooks", json::array()},
            {"engine", {{"pipelines", json::array()}, {"jobs", json::array()}, {"next_job_sequence", 1}}},
            {"outcomes", json::object()}, {"faults", json::object()}};
  }

 private:
  static json Entry(const std::string& name, int counter) {
    return {{"scope", {{"account_id", "111111111111"}, {"region", "us-east-1"}}},
            {"summary", {{"name", name}, {"version", counter}}},
            {"versions", json::array({"{}"})}};
  }
  std::mutex mutex_;
  std::map<std::string, int> counters_;
};

class StateJournalTest : public ::testing::TestWithParam<SyncMode> {};

TEST_P(StateJournalTest, WhatWasAcknowledgedIsRecovered) {
  constexpr int kWriters = 4;
  constexpr int kChanges = 300;
  ScratchDir dir;
  JournalOptions options{dir.path(), GetParam(), 4096, false};
  std::vector<int> acknowledged(kWriters, 0);
  {
    std::string error;
    auto journal = StateJournal::Lock(options, error);
    ASSERT_NE(journal, nullptr) << error;
    CountingSource source;
    ASSERT_TRUE(journal->Start(source, 1, error)) << error;
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        const std::string name = "writer-" + std::to_string(w);
        for (int i = 1; i <= kChanges; ++i) {
          source.Bump(*journal, name, i);
          std::promise<bool> durable;
          journal->WhenDurable(journal->Capture(), [&durable](bool ok) { durable.set_value(ok); });
          if (durable.get_future().get()) acknowledged[static_cast<std::size_t>(w)] = i;
        }
      });
    }
    for (auto& writer : writers) writer.join();
    json health = journal->Health();
    EXPECT_EQ(health["journalRecords"], health["durableRecords"]);
    // The snapshot is written on its own thread: under --sync none the
    // writers can finish before it does, on a busy machine.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (health["snapshots"].get<int>() < 1 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      health = journal->Health();
    }
    EXPECT_GE(health["snapshots"].get<int>(), 1) << "4096 bytes are passed many times over";
    // Stop() writes nothing more: every change was captured before its
    // acknowledgement.
    journal.reset();
  }
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(acknowledged[static_cast<std::size_t>(w)], kChanges);
  std::string error;
  const auto recovery = Recover(options, CountingSource::Empty(), error);
  ASSERT_TRUE(recovery.has_value()) << error;
  ASSERT_TRUE(recovery->document.has_value());
  std::map<std::string, int> recovered;
  for (const json& entry : recovery->document->at("pipelines")) {
    recovered[entry["summary"]["name"]] = entry["summary"]["version"];
  }
  for (int w = 0; w < kWriters; ++w) {
    EXPECT_GE(recovered["writer-" + std::to_string(w)], acknowledged[static_cast<std::size_t>(w)]) << w;
  }
}

INSTANTIATE_TEST_SUITE_P(EachSyncLevel, StateJournalTest,
                         ::testing::Values(SyncMode::kAlways, SyncMode::kBatch, SyncMode::kNone),
                         [](const auto& level) { return std::string(SyncModeName(level.param)); });

TEST(StateJournal, NothingMarkedWritesNothing) {
  ScratchDir dir;
  std::string error;
  auto journal = StateJournal::Lock({dir.path(), SyncMode::kBatch, 4096, false}, error);
  ASSERT_NE(journal, nullptr) << error;
  CountingSource source;
  ASSERT_TRUE(journal->Start(source, 1, error)) << error;
  EXPECT_EQ(journal->Capture(), 0U);
  EXPECT_EQ(journal->Capture(), 0U);
  source.Bump(*journal, "p", 1);
  EXPECT_EQ(journal->Capture(), 1U);
  EXPECT_EQ(journal->Capture(), 1U) << "the marks went with the first record";
  journal->Stop();
  EXPECT_EQ(journal->Health()["durableRecords"], 1);
}

}  // namespace
}  // namespace sluice::persist
