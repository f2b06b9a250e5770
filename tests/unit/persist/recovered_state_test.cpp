// RecoveredState: journal records applied over a state document. The
// documents here are cut down to the members the merge reads; the round trip
// through the real services is tests/unit/app/data_dir_test.cpp.
#include "persist/recovered_state.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sluice::persist {
namespace {

using nlohmann::json;

json Scope() { return {{"account_id", "111111111111"}, {"region", "us-east-1"}}; }

json Pipeline(const std::string& name, int versions) {
  json list = json::array();
  for (int v = 0; v < versions; ++v) list.push_back("{}");
  return {{"scope", Scope()}, {"summary", {{"name", name}}}, {"versions", list}};
}

json ExecutionRun(const std::string& id, int version, std::uint64_t sequence, std::vector<std::string> jobs = {},
                  std::optional<std::string> token = std::nullopt) {
  json extras = jobs.empty() && !token ? json(nullptr)
                                       : json{{"jobs", jobs}, {"client_request_token", token ? json(*token) : json(nullptr)}};
  return {{"id", id}, {"version", version}, {"sequence", sequence}, {"extras", extras}};
}

json Runtime(const std::string& name, json runs, std::vector<std::string> retired = {}, bool fresh = false,
             json holders = json::object(), json jobs = json::array()) {
  return {{"scope", Scope()}, {"pipeline", name}, {"holders", holders}, {"next_sequence", 1},
          {"runs", runs}, {"retired", retired}, {"fresh", fresh}, {"jobs", jobs}};
}

json Empty() {
  return {{"format", 1}, {"clock", {{"mode", "manual"}, {"now", 0}}}, {"ids", {{"seed", nullptr}, {"drawn", 0}}},
          {"pipelines", json::array()}, {"actionTypes", json::array()}, {"webhooks", json::array()},
          {"engine", {{"pipelines", json::array()}, {"jobs", json::array()}, {"next_job_sequence", 1}}},
          {"outcomes", json::object()}, {"faults", json::object()}, {"events", json::object()}};
}

json Globals(int now, int drawn) {
  return {{"clock", {{"mode", "manual"}, {"now", now}}}, {"ids", {{"seed", 7}, {"drawn", drawn}}},
          {"next_job_sequence", 3}};
}

json Change(const std::string& name, json pipeline, json runtime, json globals = Globals(1, 1)) {
  return {{"g", globals},
          {"p", json::array({{{"a", "111111111111"}, {"r", "us-east-1"}, {"n", name},
                              {"pipeline", pipeline}, {"runtime", runtime}}})}};
}

TEST(RecoveredState, LaterRecordsWinAndRunsAccumulateInStartOrder) {
  RecoveredState state(Empty());
  state.Apply(kChangesRecord, Change("p", Pipeline("p", 1), Runtime("p", json::array({ExecutionRun("b", 1, 2)}), {}, true)));
  state.Apply(kChangesRecord,
              Change("p", Pipeline("p", 2), Runtime("p", json::array({ExecutionRun("a", 1, 1, {}, "token-a")})),
                     Globals(9, 4)));
  EXPECT_EQ(state.executions(), 2U);
  Repairs repairs;
  const json document = state.TakeDocument(repairs);
  EXPECT_EQ(repairs.total(), 0U);
  ASSERT_EQ(document["pipelines"].size(), 1U);
  EXPECT_EQ(document["pipelines"][0]["versions"].size(), 2U);
  const json& runtime = document["engine"]["pipelines"][0];
  ASSERT_EQ(runtime["runs"].size(), 2U);
  EXPECT_EQ(runtime["runs"][0]["id"], "a") << "start order, whatever the order written";
  EXPECT_EQ(runtime["runs"][1]["id"], "b");
  EXPECT_EQ(runtime["tokens"], json({{"token-a", "a"}})) << "the tokens follow from the runs";
  for (const char* member : {"retired", "fresh", "jobs"}) EXPECT_FALSE(runtime.contains(member)) << member;
  EXPECT_EQ(document["clock"]["now"], 9);
  EXPECT_EQ(document["ids"]["drawn"], 4);
  EXPECT_EQ(document["engine"]["next_job_sequence"], 3);
  EXPECT_FALSE(document.contains("events"));
}

TEST(RecoveredState, RetiredRunsAndTheirJobsGo) {
  RecoveredState state(Empty());
  state.Apply(kChangesRecord,
              Change("p", Pipeline("p", 1),
                     Runtime("p", json::array({ExecutionRun("a", 1, 1, {"job-a"}), ExecutionRun("b", 1, 2, {"job-b"})}),
                             {}, true, json::object(), json::array({{{"id", "job-a"}}, {{"id", "job-b"}}}))));
  state.Apply(kChangesRecord, Change("p", Pipeline("p", 1), Runtime("p", json::array(), {"a"})));
  Repairs repairs;
  const json document = state.TakeDocument(repairs);
  EXPECT_EQ(repairs.total(), 0U);
  ASSERT_EQ(document["engine"]["pipelines"][0]["runs"].size(), 1U);
  EXPECT_EQ(document["engine"]["pipelines"][0]["runs"][0]["id"], "b");
  ASSERT_EQ(document["engine"]["jobs"].size(), 1U);
  EXPECT_EQ(document["engine"]["jobs"][0]["id"], "job-b");
}

TEST(RecoveredState, ADeletedPipelineGoesWithItsRuns) {
  RecoveredState state(Empty());
  state.Apply(kChangesRecord, Change("p", Pipeline("p", 1), Runtime("p", json::array({ExecutionRun("a", 1, 1)}), {}, true)));
  state.Apply(kChangesRecord, Change("p", nullptr, nullptr));
  Repairs repairs;
  const json document = state.TakeDocument(repairs);
  EXPECT_TRUE(document["pipelines"].empty());
  EXPECT_TRUE(document["engine"]["pipelines"].empty());
  EXPECT_EQ(repairs.total(), 0U);
}

// Deleted and created again between two records: the first record of the
// new runtime says so, and the old runs do not come back.
TEST(RecoveredState, AFreshRuntimeReplacesTheOldOne) {
  RecoveredState state(Empty());
  state.Apply(kChangesRecord, Change("p", Pipeline("p", 1), Runtime("p", json::array({ExecutionRun("a", 1, 1)}), {}, true)));
  state.Apply(kChangesRecord, Change("p", Pipeline("p", 1), Runtime("p", json::array({ExecutionRun("c", 1, 1)}), {}, true)));
  Repairs repairs;
  const json document = state.TakeDocument(repairs);
  ASSERT_EQ(document["engine"]["pipelines"][0]["runs"].size(), 1U);
  EXPECT_EQ(document["engine"]["pipelines"][0]["runs"][0]["id"], "c");
}

// What a lost tail of records can leave: each dropped and counted.
TEST(RecoveredState, WhatOnlyALostRecordHeldTogetherIsDropped) {
  RecoveredState state(Empty());
  // A runtime whose pipeline record was lost.
  state.Apply(kChangesRecord, Change("gone", nullptr, Runtime("gone", json::array({ExecutionRun("x", 1, 1)}), {}, true)));
  // A run of a version whose declaration was lost, holding a stage.
  state.Apply(kChangesRecord,
              Change("p", Pipeline("p", 1),
                     Runtime("p", json::array({ExecutionRun("a", 1, 1), ExecutionRun("b", 2, 2)}), {}, true,
                             {{"Build", "b"}, {"Deploy", "a"}})));
  Repairs repairs;
  const json document = state.TakeDocument(repairs);
  EXPECT_EQ(repairs.runtimes, 1U);
  EXPECT_EQ(repairs.runs, 1U);
  ASSERT_EQ(document["engine"]["pipelines"].size(), 1U);
  const json& runtime = document["engine"]["pipelines"][0];
  ASSERT_EQ(runtime["runs"].size(), 1U);
  EXPECT_EQ(runtime["holders"], json({{"Deploy", "a"}})) << "a stage held by a dropped run is free";
}

TEST(RecoveredState, SectionsAreReplacedWhole) {
  RecoveredState state(Empty());
  state.Apply(kChangesRecord, {{"g", Globals(1, 1)}, {"x", {{"webhooks", json::array({{{"name", "w"}}})}}}});
  Repairs repairs;
  EXPECT_EQ(state.TakeDocument(repairs)["webhooks"].size(), 1U);
  EXPECT_THROW(state.Apply(kChangesRecord, {{"x", {{"nonsense", 1}}}}), std::exception);
}

TEST(RecoveredState, ADocumentRecordReplacesEverything) {
  RecoveredState state(Empty());
  state.Apply(kChangesRecord, Change("p", Pipeline("p", 1), Runtime("p", json::array({ExecutionRun("a", 1, 1)}), {}, true)));
  json document = Empty();
  document["pipelines"].push_back(Pipeline("q", 1));
  state.Apply(kDocumentRecord, document);
  Repairs repairs;
  const json recovered = state.TakeDocument(repairs);
  ASSERT_EQ(recovered["pipelines"].size(), 1U);
  EXPECT_EQ(recovered["pipelines"][0]["summary"]["name"], "q");
  EXPECT_TRUE(recovered["engine"]["pipelines"].empty());
}

TEST(RecoveredState, RecordsOfAnotherShapeAreRefused) {
  RecoveredState state(Empty());
  EXPECT_THROW(state.Apply(7, json::object()), std::exception);
  EXPECT_THROW(state.Apply(kChangesRecord, {{"p", json::array({{{"a", 1}}})}}), std::exception);
  EXPECT_THROW(state.Apply(kChangesRecord, {{"g", {{"clock", 1}}}}), std::exception);
}

}  // namespace
}  // namespace sluice::persist
