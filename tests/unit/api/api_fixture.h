// The api tests' wiring: the domain services as src/app/services.cpp builds
// them, over a FakeClock, and one OperationTable on which each test file
// registers the operation family it tests. Call() goes through
// OperationTable::Invoke, model validation included, as the router does.
// Pipeline operations are always registered (without the first execution on
// create), so tests make pipelines the way clients do.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "sluice/api/operation_table.h"
#include "sluice/api/pipeline_ops.h"
#include "sluice/common/clock.h"
#include "sluice/domain/registry/action_type_registry.h"
#include "sluice/domain/engine/execution_engine.h"
#include "sluice/domain/engine/execution_service.h"
#include "sluice/domain/pipeline/pipeline_service.h"
#include "sluice/store/in_memory_pipeline_repository.h"
#include "support/pipelines.h"

namespace sluice::api {

using nlohmann::json;

inline constexpr std::chrono::seconds kActionDuration{1};  // whole seconds: exact timestamps
inline constexpr double kT0 = 1'700'000'000.0;             // FakeClock's start, epoch seconds
inline const domain::Scope kApiScope{"123456789012", "us-east-1"};
inline constexpr const char* kRootArn = "arn:aws:iam::123456789012:root";

inline domain::EngineOptions ApiEngineOptions() {
  domain::EngineOptions options;
  options.action_duration = kActionDuration;
  return options;
}

// Source (CodeCommit) -> Approve (a manual approval, which waits).
inline json ApprovalPipeline(const std::string& name = "demo") {
  json pipeline = sluice::testing::TwoStagePipeline(name);
  pipeline["stages"][1] = json::parse(R"({"name": "Approve", "actions": [{"name": "Approve",
      "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual",
                       "version": "1"}}]})");
  return pipeline;
}

class ApiTest : public ::testing::Test {
 protected:
  explicit ApiTest(domain::EngineOptions options = ApiEngineOptions())
      : engine_(clock_, std::move(options)) {
    RegisterPipelineOps(table_, pipelines_, {&executions_, false});
  }

  Result<json> Call(std::string_view operation, const json& input) {
    const model::Operation* op = model::FindOperation(operation);
    EXPECT_NE(op, nullptr) << operation;
    if (op == nullptr) return ServiceError(ErrorCode::kUnknownOperation, std::string(operation));
    auto body = table_.Invoke(context_, *op, input);
    if (!body) return body.error();
    return json::parse(*body);
  }

  // The response of a call expected to succeed (null, and a failure, if not).
  json CallOk(std::string_view operation, const json& input) {
    auto result = Call(operation, input);
    EXPECT_TRUE(result.ok()) << operation << ": " << result.error().message();
    return result.ok() ? *result : json();
  }

  // The error code of a call expected to fail.
  ErrorCode CallError(std::string_view operation, const json& input) {
    auto result = Call(operation, input);
    EXPECT_FALSE(result.ok()) << operation << " succeeded: " << result->dump();
    return result.ok() ? ErrorCode::kInternalFailure : result.error().code();
  }

  void CreatePipeline(const json& declaration) {
    CallOk("CreatePipeline", {{"pipeline", declaration}});
  }

  // Starts an execution directly on the service (not through the table).
  std::string Start(const std::string& pipeline) {
    domain::StartRequest request;
    request.trigger = {"StartPipelineExecution", kRootArn};
    auto id = executions_.Start(kApiScope, pipeline, std::move(request));
    EXPECT_TRUE(id.ok()) << id.error().message();
    return id.ok() ? *id : "";
  }

  // Moves time on by whole action durations, letting the engine act.
  void Step(int steps = 1) {
    for (int i = 0; i < steps; ++i) {
      clock_.Advance(kActionDuration);
      engine_.Advance();
    }
  }

  FakeClock clock_;
  store::InMemoryPipelineRepository repository_;
  domain::ActionTypeRegistry action_types_;
  domain::PipelineService pipelines_{
      repository_, clock_, {},
      [this](const domain::Scope& scope, const domain::ActionTypeId& id) {
        return action_types_.Find(scope, id);
      }};
  domain::ExecutionEngine engine_;
  domain::ExecutionService executions_{repository_, engine_};
  OperationTable table_;
  CallContext context_{"req-1", "123456789012", "us-east-1", "", ""};
};

}  // namespace sluice::api
