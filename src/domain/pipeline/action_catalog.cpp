#include "sluice/domain/pipeline/action_catalog.h"

#include <array>

namespace sluice::domain {

namespace {

using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 2> kS3Source{"S3Bucket", "S3ObjectKey"};
constexpr std::array<std::string_view, 2> kCodeCommit{"RepositoryName", "BranchName"};
constexpr std::array<std::string_view, 1> kEcrSource{"RepositoryName"};
constexpr std::array<std::string_view, 3> kConnection{"ConnectionArn", "FullRepositoryId",
                                                      "BranchName"};
constexpr std::array<std::string_view, 4> kGitHubV1{"Owner", "Repo", "Branch", "OAuthToken"};
constexpr std::array<std::string_view, 1> kCodeBuild{"ProjectName"};
constexpr std::array<std::string_view, 1> kEcrBuild{"ECRRepositoryName"};
constexpr std::array<std::string_view, 2> kS3Deploy{"BucketName", "Extract"};
constexpr std::array<std::string_view, 1> kCloudFormation{"ActionMode"};
constexpr std::array<std::string_view, 2> kCodeDeploy{"ApplicationName", "DeploymentGroupName"};
constexpr std::array<std::string_view, 2> kEcs{"ClusterName", "ServiceName"};
constexpr std::array<std::string_view, 2> kBeanstalk{"ApplicationName", "EnvironmentName"};
constexpr std::array<std::string_view, 1> kLambda{"FunctionName"};
constexpr std::array<std::string_view, 1> kStepFunctions{"StateMachineArn"};

constexpr ArtifactBounds kNone{0, 0};
constexpr ArtifactBounds kOne{1, 1};

constexpr std::array<ActionTypeInfo, 31> kCatalog{{
    {"AWS", "Source", "S3", kNone, kOne, false, Keys(kS3Source)},
    {"AWS", "Source", "CodeCommit", kNone, kOne, false, Keys(kCodeCommit)},
    {"AWS", "Source", "ECR", kNone, kOne, false, Keys(kEcrSource)},
    {"AWS", "Source", "CodeStarSourceConnection", kNone, kOne, false, Keys(kConnection)},
    {"ThirdParty", "Source", "GitHub", kNone, kOne, false, Keys(kGitHubV1)},
    {"AWS", "Build", "CodeBuild", {1, 5}, {0, 5}, false, Keys(kCodeBuild)},
    {"AWS", "Build", "ECRBuildAndPublish", {1, 1}, {0, 1}, true, Keys(kEcrBuild)},
    {"AWS", "Test", "CodeBuild", {1, 5}, {0, 5}, false, Keys(kCodeBuild)},
    {"AWS", "Test", "DeviceFarm", kOne, kNone, false, {}},
    {"AWS", "Deploy", "S3", kOne, kNone, false, Keys(kS3Deploy)},
    {"AWS", "Deploy", "CloudFormation", {0, 10}, {0, 1}, false, Keys(kCloudFormation)},
    {"AWS", "Deploy", "CloudFormationStackSet", {1, 10}, kNone, false, {}},
    {"AWS", "Deploy", "CloudFormationStackInstances", {0, 10}, kNone, false, {}},
    {"AWS", "Deploy", "CodeDeploy", kOne, kNone, false, Keys(kCodeDeploy)},
    {"AWS", "Deploy", "CodeDeployToECS", {1, 3}, kNone, false, {}},
    {"AWS", "Deploy", "ECS", kOne, kNone, false, Keys(kEcs)},
    {"AWS", "Deploy", "EKS", {1, 1}, kNone, true, {}},
    {"AWS", "Deploy", "EC2", {1, 1}, kNone, true, {}},
    {"AWS", "Deploy", "Lambda", {0, 1}, kNone, true, {}},
    {"AWS", "Deploy", "ElasticBeanstalk", kOne, kNone, false, Keys(kBeanstalk)},
    {"AWS", "Deploy", "OpsWorks", kOne, kNone, false, {}},
    {"AWS", "Deploy", "ServiceCatalog", kOne, kNone, false, {}},
    {"AWS", "Deploy", "AppConfig", kOne, kNone, false, {}},
    {"ThirdParty", "Deploy", "AlexaSkillsKit", {1, 2}, kNone, false, {}},
    {"AWS", "Invoke", "Lambda", {0, 5}, {0, 5}, false, Keys(kLambda)},
    {"AWS", "Invoke", "StepFunctions", {0, 1}, {0, 1}, false, Keys(kStepFunctions)},
    {"AWS", "Invoke", "CodePipeline", kNone, kNone, true, {}},
    {"AWS", "Invoke", "InspectorScan", {0, 1}, {0, 1}, false, {}},
    {"ThirdParty", "Invoke", "Snyk", {0, 1}, {0, 1}, false, {}},
    {"AWS", "Approval", "Manual", kNone, kNone, false, {}},
    {"AWS", "Compute", "Commands", {1, 10}, {0, 1}, true, {}},
}};

}  // namespace

const ActionTypeInfo* FindActionType(std::string_view owner, std::string_view category,
                                     std::string_view provider, std::string_view version) {
  if (version != "1") return nullptr;
  for (const ActionTypeInfo& info : kCatalog) {
    if (info.owner == owner && info.category == category && info.provider == provider) {
      return &info;
    }
  }
  return nullptr;
}

std::span<const ActionTypeInfo> BuiltInActionTypes() { return kCatalog; }

}  // namespace sluice::domain
