// Deploy targets: the simulation from an action run, and the service that
// finds the run by its id, filters and pages.
#include "sluice/domain/engine/deploy_targets.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "sluice/domain/pipeline/pipeline_service.h"
#include "sluice/domain/pipeline/pipeline_view.h"
#include "sluice/store/in_memory_pipeline_repository.h"
#include "support/pipelines.h"

namespace sluice::domain {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const Scope kDeployScope{"123456789012", "us-east-1"};

ActionRun DeployRun(std::string provider, std::map<std::string, std::string> configuration,
                    ActionStatus status = ActionStatus::kSucceeded) {
  ActionRun run;
  run.stage_name = "Deploy";
  run.action_name = "Ship";
  run.action_execution_id = "0f3a5c1e-aaaa-4bbb-8ccc-123456789abc";
  run.category = "Deploy";
  run.owner = "AWS";
  run.provider = std::move(provider);
  run.version = "1";
  run.status = status;
  run.start_time = Clock::TimePoint(seconds(1'700'000'000));
  run.last_update_time = run.start_time + seconds(30);
  run.configuration = std::move(configuration);
  return run;
}

bool IsInstanceId(const std::string& id, const std::string& prefix) {
  if (id.rfind(prefix, 0) != 0 || id.size() != prefix.size() + 17) return false;
  return id.find_first_not_of("0123456789abcdef", prefix.size()) == std::string::npos;
}

TEST(SimulateDeployTargetsTest, Ec2ActionDeploysToTwoInstancesWithLifecycleEvents) {
  const ActionRun run = DeployRun("EC2", {{"InstanceTagKey", "Name"}, {"InstanceType", "EC2"}});
  const auto targets = SimulateDeployTargets(run);
  ASSERT_EQ(targets.size(), 2U);
  EXPECT_LT(targets[0].target_id, targets[1].target_id);
  for (const DeployTarget& target : targets) {
    EXPECT_TRUE(IsInstanceId(target.target_id, "i-")) << target.target_id;
    EXPECT_EQ(target.target_type, "EC2");
    EXPECT_EQ(target.status, "Succeeded");
    EXPECT_EQ(target.start_time, run.start_time);
    EXPECT_EQ(target.end_time, run.last_update_time);
    ASSERT_EQ(target.events.size(), 3U);
    EXPECT_EQ(target.events[0].name, "DownloadBundle");
    EXPECT_EQ(target.events[1].name, "Install");
    EXPECT_EQ(target.events[2].name, "ValidateService");
    EXPECT_EQ(target.events[0].start_time, run.start_time);
    EXPECT_EQ(target.events[0].end_time, target.events[1].start_time);
    EXPECT_EQ(target.events[2].end_time, run.last_update_time);
    for (const auto& event : target.events) {
      EXPECT_EQ(event.status, "Succeeded");
      EXPECT_EQ(event.ssm_command_id.size(), 36U);
      EXPECT_TRUE(event.message.empty());
    }
  }
  // The same run always gives the same targets; another run, others.
  EXPECT_EQ(SimulateDeployTargets(run)[0].target_id, targets[0].target_id);
  EXPECT_EQ(SimulateDeployTargets(run)[1].events[2].ssm_command_id,
            targets[1].events[2].ssm_command_id);
  ActionRun other = run;
  other.action_execution_id = "another";
  EXPECT_NE(SimulateDeployTargets(other)[0].target_id, targets[0].target_id);
}

TEST(SimulateDeployTargetsTest, ManagedNodesGetManagedNodeIds) {
  const auto targets = SimulateDeployTargets(
      DeployRun("EC2", {{"InstanceTagKey", "Name"}, {"InstanceType", "SSM_MANAGED_NODE"}}));
  ASSERT_EQ(targets.size(), 2U);
  EXPECT_TRUE(IsInstanceId(targets[0].target_id, "mi-")) << targets[0].target_id;
  EXPECT_EQ(targets[0].target_type, "SSM_MANAGED_NODE");
}

TEST(SimulateDeployTargetsTest, RunningEc2ActionIsInItsFirstEvent) {
  const auto targets =
      SimulateDeployTargets(DeployRun("EC2", {{"InstanceTagKey", "Name"}}, ActionStatus::kInProgress));
  ASSERT_EQ(targets.size(), 2U);
  EXPECT_EQ(targets[0].status, "InProgress");
  EXPECT_FALSE(targets[0].end_time.has_value());
  EXPECT_EQ(targets[0].events[0].status, "InProgress");
  EXPECT_FALSE(targets[0].events[0].end_time.has_value());
  EXPECT_FALSE(targets[0].events[0].ssm_command_id.empty());
  EXPECT_EQ(targets[0].events[1].status, "Pending");
  EXPECT_FALSE(targets[0].events[1].start_time.has_value());
  EXPECT_TRUE(targets[0].events[2].ssm_command_id.empty());
}

TEST(SimulateDeployTargetsTest, FailedEc2ActionFailsInItsLastEvent) {
  ActionRun run = DeployRun("EC2", {{"InstanceTagKey", "Name"}}, ActionStatus::kFailed);
  run.error_message = "Script exited with 1";
  const auto targets = SimulateDeployTargets(run);
  ASSERT_EQ(targets.size(), 2U);
  EXPECT_EQ(targets[1].status, "Failed");
  EXPECT_EQ(targets[1].events[1].status, "Succeeded");
  EXPECT_EQ(targets[1].events[2].status, "Failed");
  EXPECT_EQ(targets[1].events[2].message, "Script exited with 1");
}

TEST(SimulateDeployTargetsTest, OtherProvidersDeployToTheResourceTheyName) {
  auto ecs = SimulateDeployTargets(DeployRun("ECS", {{"ClusterName", "c"}, {"ServiceName", "web"}}));
  ASSERT_EQ(ecs.size(), 1U);
  EXPECT_EQ(ecs[0].target_id, "web");
  EXPECT_EQ(ecs[0].target_type, "AWS::ECS::Service");
  EXPECT_TRUE(ecs[0].events.empty());
  EXPECT_EQ(ecs[0].status, "Succeeded");

  auto stack = SimulateDeployTargets(DeployRun("CloudFormation", {{"StackName", "infra"}}));
  ASSERT_EQ(stack.size(), 1U);
  EXPECT_EQ(stack[0].target_id, "infra");
  EXPECT_EQ(stack[0].target_type, "AWS::CloudFormation::Stack");

  // The resolved configuration wins over the declared one.
  ActionRun lambda = DeployRun("Lambda", {{"FunctionName", "#{variables.fn}"}});
  lambda.resolved_configuration = {{"FunctionName", "resize"}};
  EXPECT_EQ(SimulateDeployTargets(lambda)[0].target_id, "resize");

  // Unnamed resources and unknown providers fall back to the action.
  auto opaque = SimulateDeployTargets(DeployRun("AlexaSkillsKit", {}));
  ASSERT_EQ(opaque.size(), 1U);
  EXPECT_EQ(opaque[0].target_id, "Ship");
  EXPECT_EQ(opaque[0].target_type, "AlexaSkillsKit");
}

TEST(SimulateDeployTargetsTest, ActionsOtherThanDeployHaveNoTargets) {
  ActionRun build = DeployRun("CodeBuild", {{"ProjectName", "p"}});
  build.category = "Build";
  EXPECT_TRUE(SimulateDeployTargets(build).empty());
}

// The service over a pipeline that ran: Source -> Build -> Deploy (EC2).
class DeployTargetServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json declaration = sluice::testing::TwoStagePipeline("p");
    declaration["stages"].push_back(json::parse(R"({"name": "Deploy", "actions": [{"name": "Ship",
        "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "EC2", "version": "1"},
        "configuration": {"InstanceTagKey": "Name", "InstanceType": "EC2"},
        "inputArtifacts": [{"name": "src"}]}]})"));
    auto created = pipelines_.Create(kDeployScope, declaration, {});
    ASSERT_TRUE(created.ok()) << created.error().message();
    StartRequest request;
    request.trigger = {"StartPipelineExecution", "arn:aws:iam::123456789012:root"};
    auto id = engine_.Start(kDeployScope, ParsePipelineView(created->declaration, kDeployScope.region),
                            std::move(request));
    ASSERT_TRUE(id.ok()) << id.error().message();
    for (int i = 0; i < 10; ++i) {
      clock_.Advance(std::chrono::milliseconds(100));
      engine_.Advance();
    }
    const auto execution = engine_.Find(kDeployScope, "p", *id);
    ASSERT_TRUE(execution.has_value());
    ASSERT_EQ(execution->status, ExecutionStatus::kSucceeded);
    deploy_id_ = execution->stage_runs[2].actions[0].action_execution_id;
    build_id_ = execution->stage_runs[1].actions[0].action_execution_id;
  }

  DeployTargetQuery Query(std::string id, std::optional<std::string> pipeline = "p") {
    DeployTargetQuery query;
    query.pipeline = std::move(pipeline);
    query.action_execution_id = std::move(id);
    return query;
  }

  FakeClock clock_;
  store::InMemoryPipelineRepository repository_;
  PipelineService pipelines_{repository_, clock_};
  ExecutionEngine engine_{clock_, [] {
                            EngineOptions options;
                            options.action_duration = std::chrono::milliseconds(100);
                            return options;
                          }()};
  DeployTargetService service_{repository_, engine_};
  std::string deploy_id_;
  std::string build_id_;
};

TEST_F(DeployTargetServiceTest, FindsTheActionWithOrWithoutItsPipeline) {
  auto with = service_.List(kDeployScope, Query(deploy_id_));
  ASSERT_TRUE(with.ok()) << with.error().message();
  ASSERT_EQ(with->targets.size(), 2U);
  EXPECT_FALSE(with->next_token.has_value());
  auto without = service_.List(kDeployScope, Query(deploy_id_, std::nullopt));
  ASSERT_TRUE(without.ok()) << without.error().message();
  ASSERT_EQ(without->targets.size(), 2U);
  EXPECT_EQ(without->targets[0].target_id, with->targets[0].target_id);

  auto build = service_.List(kDeployScope, Query(build_id_));
  ASSERT_TRUE(build.ok());
  EXPECT_TRUE(build->targets.empty());
}

TEST_F(DeployTargetServiceTest, UnknownPipelineAndActionExecutionAreErrors) {
  auto pipeline = service_.List(kDeployScope, Query(deploy_id_, "nope"));
  ASSERT_FALSE(pipeline.ok());
  EXPECT_EQ(pipeline.error().code(), ErrorCode::kPipelineNotFound);

  for (const auto& where : {std::optional<std::string>("p"), std::optional<std::string>()}) {
    auto action = service_.List(kDeployScope, Query("no-such-action", where));
    ASSERT_FALSE(action.ok());
    EXPECT_EQ(action.error().code(), ErrorCode::kActionExecutionNotFound);
  }
  // Another scope sees nothing.
  auto elsewhere = service_.List({"123456789012", "eu-west-1"}, Query(deploy_id_, std::nullopt));
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code(), ErrorCode::kActionExecutionNotFound);
}

TEST_F(DeployTargetServiceTest, PagesAndFilters) {
  DeployTargetQuery query = Query(deploy_id_);
  query.max_results = 1;
  auto first = service_.List(kDeployScope, query);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->targets.size(), 1U);
  ASSERT_TRUE(first->next_token.has_value());
  query.next_token = first->next_token;
  auto second = service_.List(kDeployScope, query);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->targets.size(), 1U);
  EXPECT_LT(first->targets[0].target_id, second->targets[0].target_id);
  EXPECT_FALSE(second->next_token.has_value());

  query.next_token = "not-a-token";
  auto bad = service_.List(kDeployScope, query);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidNextToken);

  DeployTargetQuery filtered = Query(deploy_id_);
  filtered.status_filters = {{"Failed", "InProgress"}};
  EXPECT_TRUE(service_.List(kDeployScope, filtered)->targets.empty());
  filtered.status_filters = {{"Failed", "Succeeded"}, {"Succeeded"}};
  EXPECT_EQ(service_.List(kDeployScope, filtered)->targets.size(), 2U);
}

}  // namespace
}  // namespace sluice::domain
