// Stage conditions and rollback with the fake clock: beforeEntry FAIL and
// SKIP, overrides, onSuccess ROLLBACK, onFailure RETRY and SKIP, manual
// rollback and its errors, and the rule executions they leave.
#include <gtest/gtest.h>

#include "support/engine_fixture.h"

namespace sluice::domain {
namespace {

json EnvIsProd() {
  return {{"name", "EnvIsProd"},
          {"ruleTypeId", {{"category", "Rule"}, {"owner", "AWS"}, {"provider", "VariableCheck"}, {"version", "1"}}},
          {"configuration", {{"Variable", "#{variables.Env}"}, {"Operator", "EQ"}, {"Value", "prod"}}}};
}

// ThreeStagePipeline with a pipeline variable Env and `condition` on Build.
json ConditionPipeline(const std::string& key, const json& condition, const std::string& mode = "SUPERSEDED") {
  json pipeline = ThreeStagePipeline(mode);
  pipeline["variables"] = json::array({{{"name", "Env"}, {"defaultValue", "prod"}}});
  pipeline["stages"][1][key] = condition;
  return pipeline;
}

json Gate(const std::string& result) {
  return {{"conditions", json::array({{{"result", result}, {"rules", json::array({EnvIsProd()})}}})}};
}

class ExecutionConditionsTest : public ExecutionEngineTest {
 protected:
  std::string StartWithEnv(const std::shared_ptr<const PipelineView>& view, const std::string& env) {
    StartRequest request;
    request.variables = {{"Env", env}};
    return Start(view, std::move(request));
  }

  const StageRun& BuildRun(const std::string& id) {
    execution_ = Get(id);
    return execution_.stage_runs.at(1);
  }

  PipelineExecution execution_;
};

TEST_F(ExecutionConditionsTest, BeforeEntryFailStopsTheExecutionAtTheStage) {
  const auto id = StartWithEnv(View(ConditionPipeline("beforeEntry", Gate("FAIL"))), "dev");
  Step();  // Source done; the condition's rule takes a step
  EXPECT_EQ(BuildRun(id).conditions.back().status, ConditionStatus::kInProgress);
  EXPECT_TRUE(BuildRun(id).actions.empty());
  Step();
  EXPECT_EQ(Status(id), ExecutionStatus::kFailed);
  EXPECT_EQ(BuildRun(id).status, StageStatus::kFailed);
  EXPECT_EQ(BuildRun(id).conditions.back().status, ConditionStatus::kFailed);
  EXPECT_EQ(BuildRun(id).conditions.back().rules[0].resolved_configuration.at("Variable"), "dev");
  EXPECT_TRUE(BuildRun(id).actions.empty());
}

TEST_F(ExecutionConditionsTest, BeforeEntryPassesWhenItsRulesSucceed) {
  const auto id = StartWithEnv(View(ConditionPipeline("beforeEntry", Gate("FAIL"))), "prod");
  Step(4);
  EXPECT_EQ(Status(id), ExecutionStatus::kSucceeded);
  EXPECT_EQ(BuildRun(id).conditions.back().status, ConditionStatus::kSucceeded);
}

TEST_F(ExecutionConditionsTest, BeforeEntrySkipSkipsTheStage) {
  const auto id = StartWithEnv(View(ConditionPipeline("beforeEntry", Gate("SKIP"))), "dev");
  Step(2);
  EXPECT_EQ(BuildRun(id).status, StageStatus::kSkipped);
  EXPECT_EQ(StageOf(id), "Deploy");
  Step();
  EXPECT_EQ(Status(id), ExecutionStatus::kSucceeded);
}

TEST_F(ExecutionConditionsTest, OverrideLetsTheExecutionPastBeforeEntry) {
  const auto id = StartWithEnv(View(ConditionPipeline("beforeEntry", Gate("FAIL"))), "dev");
  const auto early = engine_.OverrideCondition(kScope, "p", "Build", id, ConditionKind::kBeforeEntry);
  ASSERT_FALSE(early.ok());  // still in Source
  EXPECT_EQ(early.error().code(), ErrorCode::kConditionNotOverridable);
  Step();
  ASSERT_TRUE(engine_.OverrideCondition(kScope, "p", "Build", id, ConditionKind::kBeforeEntry).ok());
  EXPECT_EQ(BuildRun(id).conditions.back().status, ConditionStatus::kOverridden);
  EXPECT_EQ(BuildRun(id).conditions.back().rules[0].status, ActionStatus::kAbandoned);
  Step(2);
  EXPECT_EQ(Status(id), ExecutionStatus::kSucceeded);
}

TEST_F(ExecutionConditionsTest, OnSuccessRollbackRunsTheStageWithTheLastGoodRevisions) {
  const auto view = View(ConditionPipeline("onSuccess", Gate("ROLLBACK")));
  const auto good = StartWithEnv(view, "prod");
  Step(5);
  ASSERT_EQ(Status(good), ExecutionStatus::kSucceeded);
  const auto bad = StartWithEnv(view, "dev");
  Step(3);  // Source, Build, then the onSuccess rule
  EXPECT_EQ(Status(bad), ExecutionStatus::kFailed);
  const auto executions = engine_.List(kScope, "p");  // newest first
  ASSERT_EQ(executions.size(), 3u);
  const PipelineExecution& rollback = executions[0];
  EXPECT_EQ(rollback.execution_type, "ROLLBACK");
  EXPECT_EQ(rollback.rollback_target, good);
  EXPECT_EQ(rollback.trigger.type, "AutomatedRollback");
  EXPECT_EQ(rollback.source_revisions[0].revision_id, Get(good).source_revisions[0].revision_id);
  Step(3);
  const auto done = Get(rollback.id);
  EXPECT_EQ(done.status, ExecutionStatus::kSucceeded);
  ASSERT_EQ(done.stage_runs.size(), 1u);  // only the rolled-back stage
  EXPECT_EQ(done.stage_runs[0].stage_name, "Build");
}

TEST_F(ExecutionConditionsTest, OnFailureRetryRetriesOnceInPlace) {
  json pipeline = ConditionPipeline("onFailure", {{"result", "RETRY"},
                                                  {"retryConfiguration", {{"retryMode", "ALL_ACTIONS"}}}});
  pipeline["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "#{Missing.Thing}";
  const auto id = Start(View(pipeline));
  Step();
  const StageRun& build = BuildRun(id);
  EXPECT_EQ(build.auto_retries, 1);
  EXPECT_EQ(build.actions.size(), 2u);  // the failed try and the retry, which fails too
  EXPECT_EQ(Status(id), ExecutionStatus::kFailed);
}

TEST_F(ExecutionConditionsTest, OnFailureSkipGoesOn) {
  json pipeline = ConditionPipeline("onFailure", {{"result", "SKIP"}});
  pipeline["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "#{Missing.Thing}";
  const auto id = Start(View(pipeline));
  Step();
  EXPECT_EQ(BuildRun(id).status, StageStatus::kSkipped);
  Step();
  EXPECT_EQ(Status(id), ExecutionStatus::kSucceeded);
}

TEST_F(ExecutionConditionsTest, OnFailureRulesDecideWhetherItsResultApplies) {
  json pipeline = ConditionPipeline("onFailure", {{"result", "SKIP"}, {"conditions", Gate("SKIP")["conditions"]}});
  pipeline["stages"][1]["actions"][0]["configuration"]["ProjectName"] = "#{Missing.Thing}";
  const auto view = View(pipeline);
  const auto dev = StartWithEnv(view, "dev");
  Step(2);
  EXPECT_EQ(Status(dev), ExecutionStatus::kFailed);  // the rule failed: no SKIP
  EXPECT_EQ(BuildRun(dev).conditions.back().kind, ConditionKind::kOnFailure);
}

TEST_F(ExecutionConditionsTest, ManualRollbackAndItsErrors) {
  const auto view = View(ThreeStagePipeline("SUPERSEDED"));
  const auto first = Start(view);
  Step(3);
  const auto latest_only = engine_.Rollback(kScope, view, "Build", first, {"ManualRollback", "me"});
  ASSERT_FALSE(latest_only.ok());
  EXPECT_EQ(latest_only.error().code(), ErrorCode::kUnableToRollbackStage);
  const auto second = Start(view);
  Step();  // the second is in Build
  const auto busy = engine_.Rollback(kScope, view, "Build", first, {"ManualRollback", "me"});
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code(), ErrorCode::kConflict);
  Step(2);
  ASSERT_EQ(Status(second), ExecutionStatus::kSucceeded);
  const auto unknown = engine_.Rollback(kScope, view, "Build", "00000000-0000-4000-8000-000000000000",
                                        {"ManualRollback", "me"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kPipelineExecutionNotFound);
  const auto rollback = engine_.Rollback(kScope, view, "Build", first, {"ManualRollback", "me"});
  ASSERT_TRUE(rollback.ok()) << rollback.error().message();
  EXPECT_EQ(Get(*rollback).execution_type, "ROLLBACK");
  EXPECT_EQ(StageOf(*rollback), "Build");
  Step();
  EXPECT_EQ(Status(*rollback), ExecutionStatus::kSucceeded);

  json changed = ThreeStagePipeline("SUPERSEDED");
  changed["version"] = 2;
  const auto outdated = engine_.Rollback(kScope, View(changed), "Build", first, {"ManualRollback", "me"});
  ASSERT_FALSE(outdated.ok());
  EXPECT_EQ(outdated.error().code(), ErrorCode::kPipelineExecutionOutdated);
  const auto parallel = engine_.Rollback(kScope, View(ThreeStagePipeline("PARALLEL")), "Build", first,
                                         {"ManualRollback", "me"});
  ASSERT_FALSE(parallel.ok());
  EXPECT_EQ(parallel.error().code(), ErrorCode::kUnableToRollbackStage);
}

// "You cannot roll back a source stage." and "You cannot roll back to a
// target execution ID that is a rollback execution type."
TEST_F(ExecutionConditionsTest, NoRollbackOfTheSourceStageOrToARollback) {
  const auto view = View(ThreeStagePipeline("SUPERSEDED"));
  const auto first = Start(view);
  Step(3);
  ASSERT_EQ(Status(Start(view)), ExecutionStatus::kInProgress);
  Step(3);
  const auto source = engine_.Rollback(kScope, view, "Source", first, {"ManualRollback", "me"});
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().code(), ErrorCode::kUnableToRollbackStage);
  const auto rollback = engine_.Rollback(kScope, view, "Build", first, {"ManualRollback", "me"});
  ASSERT_TRUE(rollback.ok()) << rollback.error().message();
  Step();
  ASSERT_EQ(Status(*rollback), ExecutionStatus::kSucceeded);
  Start(view);
  Step(3);
  const auto to_rollback = engine_.Rollback(kScope, view, "Build", *rollback, {"ManualRollback", "me"});
  ASSERT_FALSE(to_rollback.ok());
  EXPECT_EQ(to_rollback.error().code(), ErrorCode::kUnableToRollbackStage);
  EXPECT_TRUE(engine_.Rollback(kScope, view, "Build", first, {"ManualRollback", "me"}).ok());
}

TEST_F(ExecutionConditionsTest, RuleExecutionsAreListedNewestFirst) {
  const auto view = View(ConditionPipeline("beforeEntry", Gate("FAIL")));
  const auto first = StartWithEnv(view, "prod");
  Step(4);
  const auto second = StartWithEnv(view, "dev");
  Step(2);
  const auto all = engine_.RuleExecutions(kScope, "p", std::nullopt);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].execution_id, second);
  EXPECT_EQ(all[0].rule.status, ActionStatus::kFailed);
  EXPECT_EQ(all[1].execution_id, first);
  EXPECT_EQ(all[1].stage_name, "Build");
  EXPECT_EQ(engine_.RuleExecutions(kScope, "p", first).size(), 1u);
}

TEST_F(ExecutionConditionsTest, StoppingAbandonsAConditionBeingEvaluated) {
  const auto id = StartWithEnv(View(ConditionPipeline("beforeEntry", Gate("FAIL"))), "dev");
  Step();
  ASSERT_TRUE(engine_.Stop(kScope, "p", id, false, "").ok());
  EXPECT_EQ(Status(id), ExecutionStatus::kStopped);
  EXPECT_EQ(BuildRun(id).conditions.back().status, ConditionStatus::kAbandoned);
}

}  // namespace
}  // namespace sluice::domain
