// A fixture for the execution engine's tests: an engine over a FakeClock,
// stepped one simulated action duration at a time, and pipeline views to
// run. Shared by the engine's test files.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "sluice/common/clock.h"
#include "sluice/domain/engine/execution_engine.h"
#include "sluice/domain/pipeline/pipeline_view.h"
#include "support/pipelines.h"

namespace sluice::domain {

using nlohmann::json;
using std::chrono::milliseconds;

inline const Scope kScope{"123456789012", "us-east-1"};
inline constexpr milliseconds kStep{100};  // the simulated action duration in these tests

// Source -> Build -> Deploy, each one action.
inline json ThreeStagePipeline(const std::string& mode) {
  json pipeline = sluice::testing::TwoStagePipeline("p");
  pipeline["executionMode"] = mode;
  pipeline["pipelineType"] = "V2";
  pipeline["version"] = 1;
  pipeline["stages"].push_back(json::parse(R"({"name": "Deploy", "actions": [{"name": "Deploy",
      "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"},
      "configuration": {"BucketName": "b", "Extract": "true"},
      "inputArtifacts": [{"name": "src"}], "runOrder": 1}]})"));
  for (auto& stage : pipeline["stages"]) {
    for (auto& action : stage["actions"]) {
      action["runOrder"] = action.value("runOrder", 1);
      if (!action.contains("inputArtifacts")) action["inputArtifacts"] = json::array();
      if (!action.contains("outputArtifacts")) action["outputArtifacts"] = json::array();
    }
  }
  return pipeline;
}

inline EngineOptions TestOptions(milliseconds action_duration, std::size_t retained,
                          std::size_t max_parallel, std::size_t max_queued) {
  EngineOptions options;
  options.action_duration = action_duration;
  options.retained_executions = retained;
  options.max_parallel_executions = max_parallel;
  options.max_queued_executions = max_queued;
  return options;
}

inline std::shared_ptr<const PipelineView> View(const json& pipeline) {
  return ParsePipelineView(pipeline.dump(), kScope.region);
}

class ExecutionEngineTest : public ::testing::Test {
 protected:
  ExecutionEngine engine_{clock_, TestOptions(kStep, 1000, 2, 1)};

  std::string Start(const std::shared_ptr<const PipelineView>& view, StartRequest request = {}) {
    request.trigger = {"StartPipelineExecution", "arn:aws:iam::123456789012:root"};
    auto id = engine_.Start(kScope, view, std::move(request));
    EXPECT_TRUE(id.ok()) << id.error().message();
    return id.ok() ? *id : "";
  }

  void Step(int steps = 1) {
    for (int i = 0; i < steps; ++i) {
      clock_.Advance(kStep);
      engine_.Advance();
    }
  }

  PipelineExecution Get(const std::string& id) { return *engine_.Find(kScope, "p", id); }
  ExecutionStatus Status(const std::string& id) { return Get(id).status; }
  // The stage an execution is in ("" when between stages or finished).
  std::string StageOf(const std::string& id) {
    const auto execution = Get(id);
    if (IsFinished(execution.status) || execution.waiting_for_stage || execution.stage_runs.empty()) {
      return "";
    }
    return execution.stage_runs.back().stage_name;
  }

  FakeClock clock_;
};

}  // namespace sluice::domain
