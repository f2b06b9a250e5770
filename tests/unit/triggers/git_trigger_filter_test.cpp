// One row per rule of AWS's trigger filter documentation: "Add trigger with
// code push or pull request event types" (pipelines-filter.html), "Trigger
// filtering in the pipeline JSON (CLI)" (pipelines-filter-cli.html), the
// pipelines-triggers.html overview and the API shapes (GitPushFilter,
// GitPullRequestFilter, Git*FilterCriteria). Each row quotes what it checks
// and asserts the outcome, the filter and the reason, word for word.
#include "triggers/git_trigger_filter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sluice::triggers {
namespace {

// The "triggers" of the pipelines-filter-cli.html example, as AWS prints it.
constexpr const char* kCliExample = R"([{
  "provider": "Connection",
  "gitConfiguration": {
    "sourceActionName": "ApplicationSource",
    "push": [{
      "filePaths": {"includes": ["projectA/**", "common/**/*.js"],
                    "excludes": ["**/README.md", "**/LICENSE", "**/CONTRIBUTING.md"]},
      "branches": {"includes": ["feature/**", "release/**"], "excludes": ["mainline"]},
      "tags": {"includes": ["release-v0", "release-v1"], "excludes": ["release-v2"]}
    }],
    "pullRequest": [{
      "events": ["CLOSED"],
      "branches": {"includes": ["feature/**", "release/**"], "excludes": ["mainline"]},
      "filePaths": {"includes": ["projectA/**", "common/**/*.js"],
                    "excludes": ["**/README.md", "**/LICENSE", "**/CONTRIBUTING.md"]}
    }]
  }
}])";

// A trigger on the "Source" action with the given push and pullRequest lists.
std::string OnSource(const std::string& git_lists) {
  return R"([{"providerType": "CodeStarSourceConnection",
             "gitConfiguration": {"sourceActionName": "Source", )" +
         git_lists + "}}]";
}

const std::string kMainOnly = OnSource(R"("push": [{"branches": {"includes": ["main"]}}])");

struct PushRow {
  const char* name;
  const char* rule;  // the documentation this row checks
  std::string triggers;
  std::string source_action;
  GitPush push;
  TriggerOutcome outcome;
  std::string filter;
  std::string reason;
};

std::ostream& operator<<(std::ostream& out, const PushRow& row) { return out << row.name << ": " << row.rule; }

const std::vector<PushRow>& PushRows() {
  static const std::vector<PushRow> rows = {
      // No trigger: the caller applies the default.
      {"NullTriggers", "PipelineDeclaration.triggers is optional", "null", "Source", {"refs/heads/main", {}},
       TriggerOutcome::kNoTrigger, "", "no push filter on source action 'Source'"},
      {"EmptyTriggers", "PipelineDeclaration.triggers is optional", "[]", "Source", {"refs/heads/main", {}},
       TriggerOutcome::kNoTrigger, "", "no push filter on source action 'Source'"},
      {"OtherSourceAction",
       "sourceActionName: The name of the pipeline source action with the Git configuration.", kMainOnly,
       "OtherSource", {"refs/heads/main", {}}, TriggerOutcome::kNoTrigger, "",
       "no push filter on source action 'OtherSource'"},
      {"OnlyPullRequestFilters",
       "No filter: This trigger configuration starts your pipeline on any push to the default branch",
       OnSource(R"("pullRequest": [{"branches": {"includes": ["main"]}}])"), "Source", {"refs/heads/main", {}},
       TriggerOutcome::kNoTrigger, "", "no push filter on source action 'Source'"},

      // The CLI page's example.
      {"CliExampleFeatureBranch",
       "push: Push events with filtering. ... an AND operation inside filters.", kCliExample,
       "ApplicationSource", {"refs/heads/feature/login/ui", {"projectA/src/app.ts"}},
       TriggerOutcome::kMatched, "push[0]", ""},
      {"CliExampleMainline", "\"branches\": {\"includes\": [\"feature/**\", \"release/**\"], \"excludes\": [\"mainline\"]}",
       kCliExample, "ApplicationSource", {"refs/heads/mainline", {"projectA/src/app.ts"}},
       TriggerOutcome::kNotMatched, "", "branch 'mainline' matches exclude 'mainline' of push[0]"},
      {"CliExampleOnlyReadme", "\"excludes\": [\"**/README.md\", \"**/LICENSE\", \"**/CONTRIBUTING.md\"]",
       kCliExample, "ApplicationSource", {"refs/heads/release/1.2", {"projectA/README.md"}},
       TriggerOutcome::kNotMatched, "",
       "no changed file matches filePaths of push[0] (projectA/README.md matches exclude '**/README.md')"},
      {"CliExampleTag", "\"tags\": {\"includes\": [\"release-v0\", \"release-v1\"], \"excludes\": [\"release-v2\"]}",
       kCliExample, "ApplicationSource", {"refs/tags/release-v1", {}}, TriggerOutcome::kMatched, "push[0]", ""},
      {"CliExampleExcludedTag",
       "\"tags\": {\"includes\": [\"release-v0\", \"release-v1\"], \"excludes\": [\"release-v2\"]}", kCliExample,
       "ApplicationSource", {"refs/tags/release-v2", {}}, TriggerOutcome::kNotMatched, "",
       "tag 'release-v2' matches exclude 'release-v2' of push[0]"},

      // Includes and excludes.
      {"IncludeMisses", "includes: Patterns to filter for branches that will be included.", kMainOnly, "Source",
       {"refs/heads/dev", {}}, TriggerOutcome::kNotMatched, "", "branch 'dev' matches no include of push[0]"},
      {"ExcludeWinsOverInclude", "The branchesExcludes takes priority over the branchesIncludes.",
       OnSource(R"("push": [{"branches": {"includes": ["release/**"], "excludes": ["release/old-*"]}}])"),
       "Source", {"refs/heads/release/old-1", {}}, TriggerOutcome::kNotMatched, "",
       "branch 'release/old-1' matches exclude 'release/old-*' of push[0]"},
      {"ExcludeLeavesOthersIncluded", "The branchesExcludes takes priority over the branchesIncludes.",
       OnSource(R"("push": [{"branches": {"includes": ["release/**"], "excludes": ["release/old-*"]}}])"),
       "Source", {"refs/heads/release/2.0", {}}, TriggerOutcome::kMatched, "push[0]", ""},
      {"ExcludesOnlyLetOthersThrough", "excludes: Patterns to filter for branches that will be excluded.",
       OnSource(R"("push": [{"branches": {"excludes": ["wip/**"]}}])"), "Source", {"refs/heads/main", {}},
       TriggerOutcome::kMatched, "push[0]", ""},
      {"ExcludesOnlyStopExcluded", "excludes: Patterns to filter for branches that will be excluded.",
       OnSource(R"("push": [{"branches": {"excludes": ["wip/**"]}}])"), "Source", {"refs/heads/wip/spike", {}},
       TriggerOutcome::kNotMatched, "", "branch 'wip/spike' matches exclude 'wip/**' of push[0]"},
      {"BranchGlobStarStaysInComponent",
       "To specify zero or more characters of a name component in directory boundaries, use *.",
       OnSource(R"("push": [{"branches": {"includes": ["feature/*"]}}])"), "Source",
       {"refs/heads/feature/a/b", {}}, TriggerOutcome::kNotMatched, "",
       "branch 'feature/a/b' matches no include of push[0]"},

      // Filters of a list: any one starts the pipeline.
      {"SecondFilterMatches", "These events use an OR operation between different push filters",
       OnSource(R"("push": [{"branches": {"includes": ["main"]}}, {"branches": {"includes": ["dev"]}}])"),
       "Source", {"refs/heads/dev", {}}, TriggerOutcome::kMatched, "push[1]", ""},
      {"NoFilterMatches", "These events use an OR operation between different push filters",
       OnSource(R"("push": [{"branches": {"includes": ["main"]}}, {"branches": {"includes": ["dev"]}}])"),
       "Source", {"refs/heads/qa", {}}, TriggerOutcome::kNotMatched, "",
       "branch 'qa' matches no include of push[0]; branch 'qa' matches no include of push[1]"},

      // Criteria of one filter: all must hold.
      {"BranchAndFilePathsBothHold", "... and an AND operation inside filters.",
       OnSource(R"("push": [{"branches": {"includes": ["main"]}, "filePaths": {"includes": ["src/**"]}}])"),
       "Source", {"refs/heads/main", {"src/app/main.cpp"}}, TriggerOutcome::kMatched, "push[0]", ""},
      {"BranchHoldsFilePathsDoNot", "... and an AND operation inside filters.",
       OnSource(R"("push": [{"branches": {"includes": ["main"]}, "filePaths": {"includes": ["src/**"]}}])"),
       "Source", {"refs/heads/main", {"docs/guide.md"}}, TriggerOutcome::kNotMatched, "",
       "no changed file matches filePaths of push[0] (docs/guide.md matches no include)"},
      {"FilePathsHoldBranchDoesNot", "... and an AND operation inside filters.",
       OnSource(R"("push": [{"branches": {"includes": ["main"]}, "filePaths": {"includes": ["src/**"]}}])"),
       "Source", {"refs/heads/dev", {"src/app/main.cpp"}}, TriggerOutcome::kNotMatched, "",
       "branch 'dev' matches no include of push[0]"},

      // File paths: any changed file will do.
      {"AnyChangedFileMatches", "filePaths: The file path names to filter.",
       OnSource(R"("push": [{"branches": {"includes": ["main"]}, "filePaths": {"includes": ["src/**"]}}])"),
       "Source", {"refs/heads/main", {"docs/guide.md", "README.md", "src/lib.cpp"}}, TriggerOutcome::kMatched,
       "push[0]", ""},
      {"ExcludedFileDoesNotStopAnother", "The filePathsExcludes takes priority over the filePathsIncludes.",
       OnSource(R"("push": [{"branches": {"includes": ["main"]},
                             "filePaths": {"includes": ["src/**"], "excludes": ["**/*.md"]}}])"),
       "Source", {"refs/heads/main", {"src/notes.md", "src/lib.cpp"}}, TriggerOutcome::kMatched, "push[0]",
       ""},
      {"EveryFileRefusedNamesThree", "The filePathsExcludes takes priority over the filePathsIncludes.",
       OnSource(R"("push": [{"branches": {"includes": ["main"]},
                             "filePaths": {"includes": ["src/**"], "excludes": ["**/*.md"]}}])"),
       "Source", {"refs/heads/main", {"src/a.md", "docs/b.txt", "src/c.md", "d.txt", "e.txt"}},
       TriggerOutcome::kNotMatched, "",
       "no changed file matches filePaths of push[0] (src/a.md matches exclude '**/*.md', docs/b.txt matches "
       "no include, src/c.md matches exclude '**/*.md', 2 more)"},
      {"NoChangedFiles", "filePaths: The file path names to filter.",
       OnSource(R"("push": [{"branches": {"includes": ["main"]}, "filePaths": {"includes": ["src/**"]}}])"),
       "Source", {"refs/heads/main", {}}, TriggerOutcome::kNotMatched, "",
       "no changed file matches filePaths of push[0] (no files changed)"},

      // Tags and branches are separate kinds of push.
      {"TagPushMatchesTags", "Valid filter combinations are: Git tags; branches; branches + file paths",
       OnSource(R"("push": [{"tags": {"includes": ["v*"]}}])"), "Source", {"refs/tags/v1.2.0", {}},
       TriggerOutcome::kMatched, "push[0]", ""},
      {"TagPushIgnoresBranchFilter", "Valid filter combinations are: Git tags; branches; branches + file paths",
       kMainOnly, "Source", {"refs/tags/main", {}}, TriggerOutcome::kNotMatched, "",
       "push[0] has no tags criterion for tag 'main'"},
      {"BranchPushIgnoresTagFilter", "Valid filter combinations are: Git tags; branches; branches + file paths",
       OnSource(R"("push": [{"tags": {"includes": ["*"]}}])"), "Source", {"refs/heads/main", {}},
       TriggerOutcome::kNotMatched, "", "push[0] has no branches criterion for branch 'main'"},
      {"TagPushIgnoresFilePaths", "Valid filter combinations are: Git tags; branches; branches + file paths",
       OnSource(R"("push": [{"tags": {"includes": ["v*"]}, "filePaths": {"includes": ["src/**"]}}])"),
       "Source", {"refs/tags/v2", {"docs/a.md"}}, TriggerOutcome::kMatched, "push[0]", ""},
      {"TagAndBranchFiltersSideBySide", "These events use an OR operation between different push filters",
       OnSource(R"("push": [{"branches": {"includes": ["main"]}}, {"tags": {"includes": ["v*"]}}])"), "Source",
       {"refs/tags/v3", {}}, TriggerOutcome::kMatched, "push[1]", ""},
  };
  return rows;
}

class PushFilterTest : public ::testing::TestWithParam<PushRow> {};

TEST_P(PushFilterTest, StartsThePipelineAsAwsDocuments) {
  const PushRow& row = GetParam();
  const TriggerVerdict verdict = EvaluatePush(nlohmann::json::parse(row.triggers), row.source_action, row.push);
  EXPECT_EQ(verdict.outcome, row.outcome) << row;
  EXPECT_EQ(verdict.filter, row.filter) << row;
  EXPECT_EQ(verdict.reason, row.reason) << row;
}

INSTANTIATE_TEST_SUITE_P(Push, PushFilterTest, ::testing::ValuesIn(PushRows()),
                         [](const ::testing::TestParamInfo<PushRow>& row) { return std::string(row.param.name); });

const std::string kMainPulls = OnSource(R"("pullRequest": [{"branches": {"includes": ["main"]}}])");

struct PullRequestRow {
  const char* name;
  const char* rule;
  std::string triggers;
  std::string source_action;
  GitPullRequest pull_request;
  TriggerOutcome outcome;
  std::string filter;
  std::string reason;
};

std::ostream& operator<<(std::ostream& out, const PullRequestRow& row) {
  return out << row.name << ": " << row.rule;
}

const std::vector<PullRequestRow>& PullRequestRows() {
  static const std::vector<PullRequestRow> rows = {
      {"NullTriggers", "PipelineDeclaration.triggers is optional", "null", "Source",
       {"OPEN", "feature/x", "main", {}}, TriggerOutcome::kNoTrigger, "",
       "no pullRequest filter on source action 'Source'"},
      {"OnlyPushFilters", "GitConfiguration.pullRequest is optional", kMainOnly, "Source",
       {"OPEN", "feature/x", "main", {}}, TriggerOutcome::kNoTrigger, "",
       "no pullRequest filter on source action 'Source'"},
      {"OtherSourceAction",
       "sourceActionName: The name of the pipeline source action with the Git configuration.", kMainPulls,
       "Other", {"OPEN", "feature/x", "main", {}}, TriggerOutcome::kNoTrigger, "",
       "no pullRequest filter on source action 'Other'"},

      // Events: all three when left out.
      {"EventsOmittedOpen", "events ... Default: - all events.", kMainPulls, "Source",
       {"OPEN", "feature/x", "main", {}}, TriggerOutcome::kMatched, "pullRequest[0]", ""},
      {"EventsOmittedUpdated", "events ... Default: - all events.", kMainPulls, "Source",
       {"UPDATED", "feature/x", "main", {}}, TriggerOutcome::kMatched, "pullRequest[0]", ""},
      {"EventsOmittedClosed", "events ... Default: - all events.", kMainPulls, "Source",
       {"CLOSED", "feature/x", "main", {}}, TriggerOutcome::kMatched, "pullRequest[0]", ""},
      {"EventNotListed", "The field that specifies which pull request events to filter on (OPEN, UPDATED, CLOSED)",
       kCliExample, "ApplicationSource", {"OPEN", "feature/x", "release/1.0", {"projectA/a.ts"}},
       TriggerOutcome::kNotMatched, "", "event 'OPEN' is not in events of pullRequest[0]"},
      {"OtherEventsIgnored", "All other pull request events are ignored.", kMainPulls, "Source",
       {"REOPENED", "feature/x", "main", {}}, TriggerOutcome::kNotMatched, "",
       "pull request event 'REOPENED' is not one of OPEN, UPDATED, CLOSED"},

      // The CLI page's example.
      {"CliExampleClosedIntoRelease", "\"pullRequest\": [{\"events\": [\"CLOSED\"], \"branches\": ...}]",
       kCliExample, "ApplicationSource", {"CLOSED", "bugfix/42", "release/1.0", {"common/lib/util.js"}},
       TriggerOutcome::kMatched, "pullRequest[0]", ""},
      {"CliExampleClosedIntoMainline", "\"branches\": {\"excludes\": [\"mainline\"]}", kCliExample,
       "ApplicationSource", {"CLOSED", "feature/x", "mainline", {"projectA/a.ts"}}, TriggerOutcome::kNotMatched,
       "", "destination branch 'mainline' matches exclude 'mainline' of pullRequest[0]"},

      // Branches are the branch the pull request goes into.
      {"DestinationBranchMatches",
       "Choose Pull request to start the pipeline when a pull request is opened, updated, or closed to the "
       "specified target branches.",
       kMainPulls, "Source", {"OPEN", "feature/x", "main", {}}, TriggerOutcome::kMatched, "pullRequest[0]", ""},
      {"SourceBranchDoesNotCount",
       "Choose Pull request to start the pipeline when a pull request is opened, updated, or closed to the "
       "specified target branches.",
       kMainPulls, "Source", {"OPEN", "main", "dev", {}}, TriggerOutcome::kNotMatched, "",
       "destination branch 'dev' matches no include of pullRequest[0]"},

      // File paths and several filters.
      {"AnyChangedFile", "... and an AND operation inside filters.",
       OnSource(R"("pullRequest": [{"branches": {"includes": ["main"]}, "filePaths": {"includes": ["src/**"]}}])"),
       "Source", {"UPDATED", "feature/x", "main", {"docs/a.md", "src/b.cpp"}}, TriggerOutcome::kMatched,
       "pullRequest[0]", ""},
      {"NoChangedFileMatches", "... and an AND operation inside filters.",
       OnSource(R"("pullRequest": [{"branches": {"includes": ["main"]}, "filePaths": {"includes": ["src/**"]}}])"),
       "Source", {"UPDATED", "feature/x", "main", {"docs/a.md"}}, TriggerOutcome::kNotMatched, "",
       "no changed file matches filePaths of pullRequest[0] (docs/a.md matches no include)"},
      {"SecondFilterMatches", "These events use an OR operation between different pull request filters",
       OnSource(R"("pullRequest": [{"events": ["OPEN"], "branches": {"includes": ["main"]}},
                                   {"events": ["CLOSED"], "branches": {"includes": ["release/**"]}}])"),
       "Source", {"CLOSED", "feature/x", "release/2.0", {}}, TriggerOutcome::kMatched, "pullRequest[1]", ""},
      {"NoFilterMatches", "These events use an OR operation between different pull request filters",
       OnSource(R"("pullRequest": [{"events": ["OPEN"], "branches": {"includes": ["main"]}},
                                   {"events": ["CLOSED"], "branches": {"includes": ["release/**"]}}])"),
       "Source", {"OPEN", "feature/x", "release/2.0", {}}, TriggerOutcome::kNotMatched, "",
       "destination branch 'release/2.0' matches no include of pullRequest[0]; event 'OPEN' is not in events "
       "of pullRequest[1]"},
  };
  return rows;
}

class PullRequestFilterTest : public ::testing::TestWithParam<PullRequestRow> {};

TEST_P(PullRequestFilterTest, StartsThePipelineAsAwsDocuments) {
  const PullRequestRow& row = GetParam();
  const TriggerVerdict verdict =
      EvaluatePullRequest(nlohmann::json::parse(row.triggers), row.source_action, row.pull_request);
  EXPECT_EQ(verdict.outcome, row.outcome) << row;
  EXPECT_EQ(verdict.filter, row.filter) << row;
  EXPECT_EQ(verdict.reason, row.reason) << row;
}

INSTANTIATE_TEST_SUITE_P(PullRequest, PullRequestFilterTest, ::testing::ValuesIn(PullRequestRows()),
                         [](const ::testing::TestParamInfo<PullRequestRow>& row) {
                           return std::string(row.param.name);
                         });

TEST(GitTriggerFilterTest, AbsentTriggersAreNoTrigger) {
  // A pipeline declaration without "triggers": the caller passes what it has.
  const nlohmann::json declaration = nlohmann::json::object();
  const nlohmann::json absent = declaration.value("triggers", nlohmann::json());
  EXPECT_EQ(EvaluatePush(absent, "Source", {"refs/heads/main", {}}).outcome, TriggerOutcome::kNoTrigger);
  EXPECT_EQ(EvaluatePullRequest(absent, "Source", {"OPEN", "a", "main", {}}).outcome,
            TriggerOutcome::kNoTrigger);
}

TEST(GitTriggerFilterTest, MisshapenDeclarationsDoNotThrow) {
  // CreatePipeline validates the shape; the filter must still not throw on
  // what slips through.
  for (const char* triggers :
       {R"({"not": "an array"})", R"([1, "x", null])", R"([{"gitConfiguration": "x"}])",
        R"([{"gitConfiguration": {"sourceActionName": "Source", "push": "x"}}])",
        R"([{"gitConfiguration": {"sourceActionName": "Source", "push": [7, {"branches": {"includes": [1, "main"]}}]}}])"}) {
    const nlohmann::json parsed = nlohmann::json::parse(triggers);
    EXPECT_NO_THROW(EvaluatePush(parsed, "Source", {"refs/heads/main", {"a"}})) << triggers;
    EXPECT_NO_THROW(EvaluatePullRequest(parsed, "Source", {"OPEN", "a", "main", {"a"}})) << triggers;
  }
  const nlohmann::json mixed = nlohmann::json::parse(
      R"([{"gitConfiguration": {"sourceActionName": "Source", "push": [7, {"branches": {"includes": [1, "main"]}}]}}])");
  const TriggerVerdict verdict = EvaluatePush(mixed, "Source", {"refs/heads/main", {}});
  EXPECT_EQ(verdict.outcome, TriggerOutcome::kMatched);
  EXPECT_EQ(verdict.filter, "push[1]");
}

}  // namespace
}  // namespace sluice::triggers
