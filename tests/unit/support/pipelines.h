// Declarations shared by the domain, store and protocol tests.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace sluice::testing {

// A valid two-stage pipeline: CodeCommit source, CodeBuild build.
inline nlohmann::json TwoStagePipeline(const std::string& name = "demo") {
  auto declaration = nlohmann::json::parse(R"({
    "roleArn": "arn:aws:iam::123456789012:role/svc",
    "artifactStore": {"type": "S3", "location": "artifact-bucket"},
    "stages": [
      {"name": "Source", "actions": [{"name": "Source",
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
        "configuration": {"RepositoryName": "repo", "BranchName": "main"},
        "outputArtifacts": [{"name": "src"}]}]},
      {"name": "Build", "actions": [{"name": "Build",
        "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
        "configuration": {"ProjectName": "project"},
        "inputArtifacts": [{"name": "src"}]}]}
    ]})");
  declaration["name"] = name;
  return declaration;
}

}  // namespace sluice::testing
