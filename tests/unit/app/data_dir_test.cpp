// --data-dir end to end within one process: a sequence of operations on the
// real services, and after each, a copy of the data directory as a kill -9
// would leave it right then (after the journal's record, before anything
// else). Sluice started on that copy must hold exactly what the live one
// holds: the state document (GET /_sluice/state) of both, events aside, is
// equal. This is what proves the marks complete: a change that marked
// nothing would be missing from the copy.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/api_fixture.h"
#include "app/data_dir.h"
#include "app/options.h"
#include "app/services.h"
#include "persist/temp_dir.h"
#include "sluice/api/model.h"
#include "sluice/common/clock.h"

namespace sluice::app {
namespace {

using nlohmann::json;
using persist::testing::ScratchDir;

Options OptionsFor(const std::string& dir, const std::string& snapshot_after = "67108864") {
  return *ParseOptions({"--clock", "manual", "--sync", "none", "--data-dir", dir, "--snapshot-after",
                        snapshot_after},
                       {})
              .options;
}

// One sluice on a data directory, on a manual clock.
struct Instance {
  explicit Instance(const std::string& dir, const std::string& snapshot_after = "67108864")
      : options(OptionsFor(dir, snapshot_after)), services(clock, options, &clock) {
    std::string error;
    journal = OpenDataDir(options, services, held_state, error);
    EXPECT_NE(journal, nullptr) << error;
  }
  ~Instance() {
    if (journal) journal->Stop();
  }

  json Call(std::string_view operation, const json& input, const std::string& account = "111111111111") {
    json output = CallUncaptured(operation, input, account);
    journal->Capture();
    return output;
  }
  // As the journal's own thread may find it: several changes in one record.
  json CallUncaptured(std::string_view operation, const json& input,
                      const std::string& account = "111111111111") {
    const api::CallContext caller{"test", account, "us-east-1", "", "http://localhost"};
    auto outcome = services.operations().Invoke(caller, *model::FindOperation(operation), input);
    EXPECT_TRUE(outcome.ok()) << operation << ": " << (outcome.ok() ? "" : outcome.error().message());
    return outcome.ok() ? json::parse(*outcome) : json();
  }
  void Advance(std::chrono::seconds by) {
    clock.Advance(by);
    services.engine().Advance();
    journal->Capture();
  }
  json State() {
    json state = services.control().DumpState();
    state.erase("events");
    return state;
  }

  FakeClock clock;
  Options options;
  Services services;
  bool held_state = false;
  std::unique_ptr<persist::StateJournal> journal;
};

// What a kill -9 right now would leave: the files, the lock aside.
void CopyDataDir(const std::string& from, const std::string& to) {
  for (const auto& entry : std::filesystem::directory_iterator(from)) {
    if (entry.path().filename() == "LOCK") continue;
    std::filesystem::copy_file(entry.path(), to + "/" + entry.path().filename().string(),
                               std::filesystem::copy_options::overwrite_existing);
  }
}

void ExpectRecoversTheSame(Instance& live, const std::string& step) {
  ScratchDir copy;
  CopyDataDir(live.options.journal.dir, copy.path());
  const json expected = live.State();
  Instance recovered(copy.path());
  ASSERT_NE(recovered.journal, nullptr) << step;
  EXPECT_TRUE(recovered.held_state) << step;
  const json actual = recovered.State();
  EXPECT_EQ(actual, expected) << "after " << step << "\ndiff: " << json::diff(expected, actual).dump();
}

TEST(DataDir, EveryStepIsRecoveredAsItWas) {
  ScratchDir dir;
  Instance live(dir.path());
  ASSERT_NE(live.journal, nullptr);
  EXPECT_FALSE(live.held_state);
  const std::vector<std::pair<std::string, std::function<void()>>> steps = {
      {"CreatePipeline (it starts)", [&] { live.Call("CreatePipeline", {{"pipeline", api::ApprovalPipeline("approve")}}); }},
      {"a second pipeline", [&] { live.Call("CreatePipeline", {{"pipeline", sluice::testing::TwoStagePipeline("build")}}); }},
      {"another account", [&] { live.Call("CreatePipeline", {{"pipeline", sluice::testing::TwoStagePipeline("build")}}, "222222222222"); }},
      {"StartPipelineExecution", [&] { live.Call("StartPipelineExecution", {{"name", "build"}}); }},
      {"time passes", [&] { live.Advance(std::chrono::seconds(5)); }},
      {"everything due completes", [&] { live.Advance(std::chrono::seconds(3600)); }},
      {"UpdatePipeline", [&] {
         json pipeline = sluice::testing::TwoStagePipeline("build");
         pipeline["version"] = 1;
         pipeline["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "other";
         live.Call("UpdatePipeline", {{"pipeline", pipeline}});
       }},
      {"TagResource", [&] {
         live.Call("TagResource", {{"resourceArn", "arn:aws:codepipeline:us-east-1:111111111111:build"},
                                   {"tags", {{{"key", "team"}, {"value", "a"}}}}});
       }},
      {"DisableStageTransition", [&] {
         live.Call("DisableStageTransition", {{"pipelineName", "build"}, {"stageName", "Build"},
                                              {"transitionType", "Inbound"}, {"reason", "hold"}});
       }},
      {"a start held by the transition", [&] {
         live.Call("StartPipelineExecution", {{"name", "build"}, {"clientRequestToken", "token-1"}});
         live.Advance(std::chrono::seconds(3600));
       }},
      {"EnableStageTransition", [&] {
         live.Call("EnableStageTransition", {{"pipelineName", "build"}, {"stageName", "Build"},
                                             {"transitionType", "Inbound"}});
       }},
      {"PutApprovalResult", [&] {
         const json state = live.Call("GetPipelineState", {{"name", "approve"}});
         const std::string token = state["stageStates"][1]["latestExecution"].is_null()
                                       ? ""
                                       : state["stageStates"][1]["actionStates"][0]["latestExecution"].value("token", "");
         ASSERT_FALSE(token.empty()) << state.dump();
         live.Call("PutApprovalResult", {{"pipelineName", "approve"}, {"stageName", "Approve"},
                                         {"actionName", "Approve"},
                                         {"result", {{"summary", "ok"}, {"status", "Approved"}}},
                                         {"token", token}});
       }},
      {"CreateCustomActionType", [&] {
         live.Call("CreateCustomActionType",
                   json::parse(R"({"category": "Build", "provider": "MyBuilder", "version": "1",
                     "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
                     "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1}})"));
       }},
      {"a pipeline with a job", [&] {
         json pipeline = sluice::testing::TwoStagePipeline("custom");
         pipeline["stages"][1]["actions"][0]["actionTypeId"] =
             {{"category", "Build"}, {"owner", "Custom"}, {"provider", "MyBuilder"}, {"version", "1"}};
         pipeline["stages"][1]["actions"][0]["configuration"] = json::object();
         live.Call("CreatePipeline", {{"pipeline", pipeline}});
         live.Advance(std::chrono::seconds(3600));
       }},
      {"PollForJobs and AcknowledgeJob", [&] {
         const json jobs = live.Call("PollForJobs", {{"actionTypeId", {{"category", "Build"}, {"owner", "Custom"},
                                                                       {"provider", "MyBuilder"}, {"version", "1"}}}});
         ASSERT_EQ(jobs["jobs"].size(), 1U) << jobs.dump();
         live.Call("AcknowledgeJob", {{"jobId", jobs["jobs"][0]["id"]}, {"nonce", jobs["jobs"][0]["nonce"]}});
       }},
      {"PutJobSuccessResult", [&] {
         const json state = live.State();
         const std::string job = state["engine"]["jobs"][0]["id"];
         live.Call("PutJobSuccessResult", {{"jobId", job}});
       }},
      {"PutWebhook", [&] {
         live.Call("PutWebhook", json::parse(R"({"webhook": {"name": "hook", "targetPipeline": "build",
           "targetAction": "Source", "filters": [{"jsonPath": "$.ref", "matchEquals": "refs/heads/main"}],
           "authentication": "UNAUTHENTICATED", "authenticationConfiguration": {}}})"));
       }},
      {"StopPipelineExecution", [&] {
         const json started = live.Call("StartPipelineExecution", {{"name", "approve"}});
         live.Call("StopPipelineExecution", {{"pipelineName", "approve"},
                                             {"pipelineExecutionId", started["pipelineExecutionId"]},
                                             {"abandon", true}, {"reason", "enough"}});
       }},
      {"DeletePipeline", [&] { live.Call("DeletePipeline", {{"name", "approve"}}); }},
      {"deleted and created again in one record", [&] {
         live.CallUncaptured("DeletePipeline", {{"name", "build"}});
         live.CallUncaptured("CreatePipeline", {{"pipeline", sluice::testing::TwoStagePipeline("build")}});
         live.Call("StartPipelineExecution", {{"name", "build"}});
       }},
  };
  for (const auto& [name, step] : steps) {
    step();
    if (::testing::Test::HasFatalFailure()) return;
    ExpectRecoversTheSame(live, name);
  }
}

TEST(DataDir, ASecondSluiceOnTheDirectoryIsRefused) {
  ScratchDir dir;
  Instance first(dir.path());
  ASSERT_NE(first.journal, nullptr);
  FakeClock clock;
  const Options options = OptionsFor(dir.path());
  Services services(clock, options, &clock);
  bool held = false;
  std::string error;
  EXPECT_EQ(OpenDataDir(options, services, held, error), nullptr);
  EXPECT_NE(error.find("in use by another sluice (pid "), std::string::npos) << error;
}

TEST(DataDir, SnapshotsCoverTheJournalAndRecoverTheSame) {
  ScratchDir dir;
  Instance live(dir.path(), "4096");
  ASSERT_NE(live.journal, nullptr);
  // Far past the minimum, so that snapshots are written as the journal grows.
  for (int i = 0; i < 40; ++i) {
    live.Call("CreatePipeline", {{"pipeline", sluice::testing::TwoStagePipeline("p" + std::to_string(i))}});
    live.Advance(std::chrono::seconds(60));
  }
  live.journal->Stop();  // joins a snapshot in flight
  EXPECT_GE(live.journal->Health()["snapshots"].get<int>(), 1);
  std::size_t snapshots = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    snapshots += entry.path().extension() == ".snap";
  }
  EXPECT_EQ(snapshots, 1U) << "older snapshots are removed";
  ExpectRecoversTheSame(live, "40 pipelines and their snapshots");
}

}  // namespace
}  // namespace sluice::app
