// Git trigger filters: whether a push or a pull request starts a V2 pipeline,
// weighed against the pipeline's `triggers` (PipelineTriggerDeclaration,
// GitConfiguration, GitPushFilter, GitPullRequestFilter) the way AWS documents
// them ("Add trigger with code push or pull request event types",
// https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-filter.html,
// and "Trigger filtering in the pipeline JSON (CLI)", pipelines-filter-cli.html):
//   - "These events use an OR operation between different push filters and an
//     AND operation inside filters": any filter of the list starts the
//     pipeline, and inside one every criterion given must hold.
//   - In a criterion, excludes win: "The branchesExcludes takes priority over
//     the branchesIncludes" (CDK's GitPushFilter, from the API model). With no
//     includes, everything not excluded matches.
//   - A push filter's valid combinations are "tags", "branches" and
//     "branches + file paths": a tag push is weighed against `tags` only, a
//     branch push against `branches` (and `filePaths`) only.
//   - File paths hold when any changed file is included and not excluded.
//   - A pull request filter's `branches` are the destination branch ("opened,
//     updated, or closed to the specified target branches"); `events` left
//     out means all three ("Default: - all events"); "All other pull request
//     events are ignored."
// Patterns are AWS's globs (git_glob.h). Pure functions: thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::triggers {

struct GitPush {
  std::string ref;                         // "refs/heads/main" or "refs/tags/v1.0"
  std::vector<std::string> changed_files;  // repository-relative paths
};

struct GitPullRequest {
  std::string event;  // "OPEN", "UPDATED" or "CLOSED"
  std::string source_branch;
  std::string destination_branch;
  std::vector<std::string> changed_files;
};

enum class TriggerOutcome {
  kNoTrigger,   // no filter of this kind on the source action: AWS's default applies
  kMatched,     // a filter starts the pipeline
  kNotMatched,  // filters exist and none starts the pipeline
};

struct TriggerVerdict {
  TriggerOutcome outcome = TriggerOutcome::kNoTrigger;
  std::string filter;  // which filter matched, e.g. "push[1]" (empty unless kMatched)
  std::string reason;  // why nothing matched, e.g. "branch 'dev' matches no include of
                       // push[0]"; one per filter, joined with "; "
};

// `triggers`: the pipeline declaration's "triggers" array as CreatePipeline
// takes it; null or absent gives kNoTrigger. Only triggers whose
// gitConfiguration.sourceActionName is `source_action` count; their filters
// are numbered in declaration order ("push[0]", "push[1]", ...). With no push
// filters (EvaluatePush) or pullRequest filters (EvaluatePullRequest) among
// them the outcome is kNoTrigger, and the caller applies AWS's default
// behaviour. A ref outside refs/heads/ and refs/tags/ is taken as a branch name.
// A push's ref: refs/tags/X is tag X; refs/heads/X, and anything else, a branch.
struct PushedRef {
  bool is_tag = false;
  std::string name;
};
PushedRef ParseRef(std::string_view ref);

// 'text', as the reasons quote branch, tag and file names.
std::string Quoted(std::string_view text);

TriggerVerdict EvaluatePush(const nlohmann::json& triggers, std::string_view source_action,
                            const GitPush& push);
TriggerVerdict EvaluatePullRequest(const nlohmann::json& triggers, std::string_view source_action,
                                   const GitPullRequest& pull_request);

}  // namespace sluice::triggers
