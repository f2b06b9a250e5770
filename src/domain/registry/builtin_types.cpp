#include "builtin_types.h"

#include <algorithm>
#include <span>
#include <string_view>

#include "sluice/domain/pipeline/action_catalog.h"

namespace sluice::domain {

namespace {

// Optional configuration properties beyond the required ones the catalog
// lists, from AWS's action structure reference pages (one per provider).
struct Extra {
  std::string_view category;
  std::string_view provider;
  // Vectors, not initializer_lists: a list's array would not outlive the
  // braces that build the table.
  std::vector<std::string_view> optional;
  std::vector<std::string_view> secret;  // subset of required or optional
};

const std::vector<Extra>& Extras() {
  static const std::vector<Extra> extras{
      {"Source", "S3", {"PollForSourceChanges", "AllowOverrideForS3ObjectKey"}, {}},
      {"Source", "CodeCommit", {"PollForSourceChanges", "OutputArtifactFormat"}, {}},
      {"Source", "ECR", {"ImageTag"}, {}},
      {"Source", "CodeStarSourceConnection", {"OutputArtifactFormat", "DetectChanges"}, {}},
      {"Source", "GitHub", {"PollForSourceChanges"}, {"OAuthToken"}},
      {"Build", "CodeBuild", {"PrimarySource", "BatchEnabled", "CombineArtifacts",
                              "EnvironmentVariables"}, {}},
      {"Test", "CodeBuild", {"PrimarySource", "BatchEnabled", "CombineArtifacts",
                             "EnvironmentVariables"}, {}},
      {"Build", "ECRBuildAndPublish", {"ImageTags", "DockerFilePath", "RegistryType"}, {}},
      {"Deploy", "S3", {"ObjectKey", "KMSEncryptionKeyARN", "CannedACL", "CacheControl"}, {}},
      {"Deploy", "CloudFormation", {"StackName", "TemplatePath", "TemplateConfiguration",
                                    "Capabilities", "RoleArn", "ParameterOverrides",
                                    "ChangeSetName", "OutputFileName"}, {}},
      {"Deploy", "ECS", {"FileName", "DeploymentTimeout"}, {}},
      {"Deploy", "CodeDeployToECS", {"ApplicationName", "DeploymentGroupName",
                                     "TaskDefinitionTemplateArtifact", "AppSpecTemplateArtifact"},
       {}},
      {"Deploy", "Lambda", {"FunctionName", "FunctionAlias", "DeployStrategy"}, {}},
      {"Invoke", "Lambda", {"UserParameters"}, {}},
      {"Invoke", "StepFunctions", {"ExecutionNamePrefix", "InputType", "Input"}, {}},
      {"Approval", "Manual", {"NotificationArn", "CustomData", "ExternalEntityLink"}, {}},
  };
  return extras;
}

struct Urls {
  std::string_view provider;
  std::string_view entity;
  std::string_view execution;
  std::string_view revision;
};

// Console links as CodePipeline shows them for its own providers.
constexpr std::string_view kConsole = "https://console.aws.amazon.com/";
const std::vector<Urls>& UrlTemplates() {
  static const std::vector<Urls> urls{
      {"S3", "s3/buckets/{Config:S3Bucket}", "", ""},
      {"CodeCommit", "codesuite/codecommit/repositories/{Config:RepositoryName}/browse",
       "codesuite/codecommit/repositories/{Config:RepositoryName}/commit/{ExternalExecutionId}",
       "codesuite/codecommit/repositories/{Config:RepositoryName}/commit/{RevisionId}"},
      {"ECR", "ecr/repositories/{Config:RepositoryName}", "", ""},
      {"CodeBuild", "codesuite/codebuild/projects/{Config:ProjectName}",
       "codesuite/codebuild/builds/{ExternalExecutionId}", ""},
      {"CodeDeploy", "codesuite/codedeploy/applications/{Config:ApplicationName}",
       "codesuite/codedeploy/deployments/{ExternalExecutionId}", ""},
      {"CloudFormation", "cloudformation/home#/stacks", "cloudformation/home#/stacks", ""},
      {"Lambda", "lambda/home#/functions/{Config:FunctionName}", "", ""},
  };
  return urls;
}

bool Contains(const std::vector<std::string_view>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

ActionType Record(const ActionTypeInfo& info) {
  ActionType type;
  type.id = {std::string(info.category), std::string(info.owner), std::string(info.provider),
             "1"};
  type.inputs = {info.inputs.min, info.inputs.max};
  type.outputs = {info.outputs.min, info.outputs.max};
  const Extra* extra = nullptr;
  for (const Extra& candidate : Extras()) {
    if (candidate.category == info.category && candidate.provider == info.provider) {
      extra = &candidate;
    }
  }
  auto add = [&](std::string_view name, bool required) {
    ConfigurationProperty property;
    property.name = std::string(name);
    property.required = required;
    property.key = required;
    property.secret = extra != nullptr && Contains(extra->secret, name);
    property.type = "String";
    type.properties.push_back(std::move(property));
  };
  for (std::string_view name : info.required_configuration) add(name, true);
  if (extra != nullptr) {
    for (std::string_view name : extra->optional) add(name, false);
  }
  if (info.owner == "AWS") {
    for (const Urls& urls : UrlTemplates()) {
      if (urls.provider != info.provider) continue;
      auto url = [](std::string_view path) -> std::optional<std::string> {
        if (path.empty()) return std::nullopt;
        return std::string(kConsole) + std::string(path);
      };
      type.urls.entity_url_template = url(urls.entity);
      type.urls.execution_url_template = url(urls.execution);
      type.urls.revision_url_template = url(urls.revision);
    }
  }
  type.description = std::string(info.provider) + " " + std::string(info.category) + " action";
  // CodePipeline's own job workers run these; any account may use them.
  type.executor = {{"type", "JobWorker"},
                   {"configuration",
                    {{"jobWorkerExecutorConfiguration",
                      {{"pollingServicePrincipals", {"codepipeline.amazonaws.com"}}}}}}};
  type.allowed_accounts = {"*"};
  return type;
}

ConfigurationProperty RuleProperty(std::string_view name, bool required,
                                   std::string_view type = "String") {
  ConfigurationProperty property;
  property.name = std::string(name);
  property.required = required;
  property.key = required;
  property.type = std::string(type);
  return property;
}

}  // namespace

std::string SortKey(const ActionTypeId& id) {
  return id.owner + "\n" + id.category + "\n" + id.provider + "\n" + id.version;
}

const std::vector<ActionType>& BuiltInActionTypeRecords() {
  static const std::vector<ActionType> records = [] {
    std::vector<ActionType> all;
    for (const ActionTypeInfo& info : BuiltInActionTypes()) all.push_back(Record(info));
    std::sort(all.begin(), all.end(), [](const ActionType& a, const ActionType& b) {
      return SortKey(a.id) < SortKey(b.id);
    });
    return all;
  }();
  return records;
}

// The rule providers of AWS's "Rule structure reference" and their
// configuration parameters.
const std::vector<RuleType>& BuiltInRuleTypes() {
  static const std::vector<RuleType> rules{
      {"CloudWatchAlarm",
       "1",
       {RuleProperty("AlarmName", true), RuleProperty("AlarmStates", false),
        RuleProperty("WaitTime", false, "Number")},
       {0, 0}},
      {"CodeBuild",
       "1",
       {RuleProperty("ProjectName", true), RuleProperty("PrimarySource", false),
        RuleProperty("BatchEnabled", false, "Boolean"),
        RuleProperty("CombineArtifacts", false, "Boolean"),
        RuleProperty("EnvironmentVariables", false)},
       {1, 5}},
      {"Commands", "1", {}, {1, 10}},
      {"DeploymentWindow", "1", {RuleProperty("Cron", true), RuleProperty("TimeZone", false)},
       {0, 0}},
      {"LambdaInvoke",
       "1",
       {RuleProperty("FunctionName", true), RuleProperty("UserParameters", false)},
       {0, 5}},
      {"VariableCheck",
       "1",
       {RuleProperty("Operator", true), RuleProperty("Value", true),
        RuleProperty("Variable", true)},
       {0, 0}},
  };
  return rules;
}

}  // namespace sluice::domain
