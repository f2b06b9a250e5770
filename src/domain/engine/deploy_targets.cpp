#include "sluice/domain/engine/deploy_targets.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

#include "domain/page_token.h"

namespace sluice::domain {

namespace {

// FNV-1a, 64 bits: stable across runs and builds, unlike std::hash.
std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

// `digits` lower-case hex digits determined by `seed`.
std::string HexFrom(std::string_view seed, std::size_t digits) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (std::uint64_t block = 0; out.size() < digits; ++block) {
    std::uint64_t hash = Fnv1a(std::string(seed) + "#" + std::to_string(block));
    for (int i = 0; i < 16 && out.size() < digits; ++i, hash >>= 4) out += kHex[hash & 0xF];
  }
  return out;
}

// A UUID-shaped id (as SSM command ids are) determined by `seed`.
std::string UuidFrom(std::string_view seed) {
  const std::string hex = HexFrom(seed, 32);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-4" + hex.substr(13, 3) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

// The resource a non-EC2 deploy provider deploys to: the configuration key
// naming it, and its CloudFormation type.
struct DeployedResource {
  std::string_view provider;
  std::string_view key;
  std::string_view type;
};

constexpr std::array<DeployedResource, 12> kDeployedResources{{
    {"AppConfig", "Application", "AWS::AppConfig::Application"},
    {"CloudFormation", "StackName", "AWS::CloudFormation::Stack"},
    {"CloudFormationStackInstances", "StackSetName", "AWS::CloudFormation::StackSet"},
    {"CloudFormationStackSet", "StackSetName", "AWS::CloudFormation::StackSet"},
    {"CodeDeploy", "DeploymentGroupName", "AWS::CodeDeploy::DeploymentGroup"},
    {"CodeDeployToECS", "DeploymentGroupName", "AWS::CodeDeploy::DeploymentGroup"},
    {"ECS", "ServiceName", "AWS::ECS::Service"},
    {"EKS", "ClusterName", "AWS::EKS::Cluster"},
    {"ElasticBeanstalk", "EnvironmentName", "AWS::ElasticBeanstalk::Environment"},
    {"Lambda", "FunctionName", "AWS::Lambda::Function"},
    {"OpsWorks", "Stack", "AWS::OpsWorks::Stack"},
    {"S3", "BucketName", "AWS::S3::Bucket"},
}};

constexpr std::array<std::string_view, 3> kEc2Events{"DownloadBundle", "Install",
                                                     "ValidateService"};
constexpr std::size_t kEc2Instances = 2;

// The events of an EC2 target: in order, each taking a third of the action's
// time. While the action runs, the first is in progress and the rest wait;
// an action that failed (or was abandoned) ends in its last event.
std::vector<DeployTargetEvent> Ec2Events(const ActionRun& action, std::string_view target_id) {
  const bool running = action.status == ActionStatus::kInProgress;
  const auto span = (action.last_update_time - action.start_time) /
                    static_cast<int>(kEc2Events.size());
  std::vector<DeployTargetEvent> events;
  for (std::size_t i = 0; i < kEc2Events.size(); ++i) {
    DeployTargetEvent event;
    event.name = kEc2Events[i];
    const std::string seed = action.action_execution_id + "/" + std::string(target_id) + "/" +
                             event.name;
    if (running) {
      event.status = i == 0 ? "InProgress" : "Pending";
      if (i == 0) {
        event.start_time = action.start_time;
        event.ssm_command_id = UuidFrom(seed);
      }
    } else {
      const bool last = i + 1 == kEc2Events.size();
      event.status = last ? std::string(ToString(action.status)) : "Succeeded";
      event.start_time = action.start_time + span * static_cast<int>(i);
      event.end_time = last ? action.last_update_time : *event.start_time + span;
      event.ssm_command_id = UuidFrom(seed);
      if (last && action.status != ActionStatus::kSucceeded) {
        event.message = action.error_message.empty() ? "The deployment did not complete"
                                                     : action.error_message;
      }
    }
    events.push_back(std::move(event));
  }
  return events;
}

std::string ConfigurationValue(const ActionRun& action, const std::string& key) {
  const auto& configuration =
      action.resolved_configuration.empty() ? action.configuration : action.resolved_configuration;
  const auto it = configuration.find(key);
  return it == configuration.end() ? std::string() : it->second;
}

bool Matches(const DeployTarget& target, const std::vector<std::set<std::string>>& filters) {
  return std::all_of(filters.begin(), filters.end(), [&target](const auto& statuses) {
    return statuses.contains(target.status);
  });
}

ServiceError ActionExecutionNotFound(const DeployTargetQuery& query) {
  std::string message = "Action execution with id " + query.action_execution_id + " does not exist";
  if (query.pipeline) message += " in pipeline " + *query.pipeline;
  return {ErrorCode::kActionExecutionNotFound, message + "."};
}

}  // namespace

std::vector<DeployTarget> SimulateDeployTargets(const ActionRun& action) {
  std::vector<DeployTarget> targets;
  if (action.category != "Deploy") return targets;
  DeployTarget base;
  base.status = std::string(ToString(action.status));
  base.start_time = action.start_time;
  if (action.status != ActionStatus::kInProgress) base.end_time = action.last_update_time;

  if (action.provider == "EC2" && action.owner == "AWS") {
    const std::string instance_type = ConfigurationValue(action, "InstanceType");
    const bool managed_node = instance_type == "SSM_MANAGED_NODE";
    for (std::size_t i = 0; i < kEc2Instances; ++i) {
      DeployTarget target = base;
      target.target_type = managed_node ? "SSM_MANAGED_NODE" : "EC2";
      target.target_id = (managed_node ? "mi-" : "i-") +
                         HexFrom(action.action_execution_id + "/instance/" + std::to_string(i), 17);
      target.events = Ec2Events(action, target.target_id);
      targets.push_back(std::move(target));
    }
  } else {
    DeployTarget target = base;
    target.target_id = action.action_name;
    target.target_type = action.provider;
    const auto known = std::find_if(
        kDeployedResources.begin(), kDeployedResources.end(),
        [&action](const DeployedResource& r) { return r.provider == action.provider; });
    if (action.owner == "AWS" && known != kDeployedResources.end()) {
      target.target_type = known->type;
      if (std::string name = ConfigurationValue(action, std::string(known->key)); !name.empty()) {
        target.target_id = std::move(name);
      }
    }
    targets.push_back(std::move(target));
  }
  std::sort(targets.begin(), targets.end(),
            [](const DeployTarget& a, const DeployTarget& b) { return a.target_id < b.target_id; });
  return targets;
}

DeployTargetService::DeployTargetService(const PipelineRepository& repository,
                                         const ExecutionEngine& engine)
    : repository_(repository), engine_(engine) {}

std::optional<ActionRun> DeployTargetService::FindAction(
    const Scope& scope, const std::string& pipeline, const std::string& action_execution_id) const {
  for (const PipelineExecution& execution : engine_.List(scope, pipeline)) {
    for (const StageRun& stage : execution.stage_runs) {
      for (const ActionRun& action : stage.actions) {
        if (action.action_execution_id == action_execution_id) return action;
      }
    }
  }
  return std::nullopt;
}

Result<DeployTargetPage> DeployTargetService::List(const Scope& scope,
                                                   const DeployTargetQuery& query) const {
  std::optional<ActionRun> action;
  if (query.pipeline) {
    if (auto found = repository_.Find(scope, *query.pipeline, std::nullopt); !found) {
      return found.error();
    }
    action = FindAction(scope, *query.pipeline, query.action_execution_id);
  } else {
    // Any pipeline of the scope may have run it.
    constexpr std::size_t kBatch = 100;
    std::string after;
    for (auto batch = repository_.ListAfter(scope, after, kBatch); !batch.empty() && !action;
         batch = repository_.ListAfter(scope, after, kBatch)) {
      for (const PipelineSummary& summary : batch) {
        action = FindAction(scope, summary.name, query.action_execution_id);
        if (action) break;
      }
      after = batch.back().name;
    }
  }
  if (!action) return ActionExecutionNotFound(query);
  auto start = PageStart(query.next_token);
  if (!start) return start.error();

  DeployTargetPage page;
  for (DeployTarget& target : SimulateDeployTargets(*action)) {
    // Target ids are never empty, so the start ("") precedes every one.
    if (target.target_id <= *start || !Matches(target, query.status_filters)) continue;
    if (page.targets.size() == query.max_results) {
      page.next_token = EncodePageToken(page.targets.back().target_id);
      break;
    }
    page.targets.push_back(std::move(target));
  }
  return page;
}

}  // namespace sluice::domain
