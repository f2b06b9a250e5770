#include "triggers/git_trigger_filter.h"

#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "triggers/git_glob.h"

namespace sluice::triggers {

namespace {

using nlohmann::json;

// The pull request events a filter can name; "All other pull request events
// are ignored." (pipelines-filter.html).
constexpr std::string_view kPullRequestEvents[] = {"OPEN", "UPDATED", "CLOSED"};

// How many changed files a file-path reason names before "N more".
constexpr std::size_t kFilesNamed = 3;

// One push or pullRequest filter of the declaration, and its name in
// verdicts ("push[0]").
struct NamedFilter {
  const json* body;
  std::string name;
};

// `object[key]` when it is there and not null.
const json* Member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto found = object.find(key);
  if (found == object.end() || found->is_null()) return nullptr;
  return &*found;
}


// The push or pullRequest filters of the triggers on `source_action`, in
// declaration order. AWS allows one trigger per source action; should there
// be more, their filters are numbered on from the first's.
std::vector<NamedFilter> FiltersFor(const json& triggers, std::string_view source_action,
                                    const char* kind) {
  std::vector<NamedFilter> filters;
  if (!triggers.is_array()) return filters;
  for (const json& trigger : triggers) {
    const json* git = Member(trigger, "gitConfiguration");
    const json* action = git != nullptr ? Member(*git, "sourceActionName") : nullptr;
    if (action == nullptr || !action->is_string() ||
        action->get_ref<const std::string&>() != source_action) {
      continue;
    }
    const json* list = Member(*git, kind);
    if (list == nullptr || !list->is_array()) continue;
    for (const json& filter : *list) {
      filters.push_back({&filter, std::string(kind) + "[" + std::to_string(filters.size()) + "]"});
    }
  }
  return filters;
}

// The string entries of a criterion's `includes` or `excludes`.
std::vector<std::string> Patterns(const json& criterion, const char* key) {
  std::vector<std::string> patterns;
  const json* list = Member(criterion, key);
  if (list == nullptr || !list->is_array()) return patterns;
  for (const json& pattern : *list) {
    if (pattern.is_string()) patterns.push_back(pattern.get<std::string>());
  }
  return patterns;
}

// Why `value` fails a GitBranchFilterCriteria, GitTagFilterCriteria or
// GitFilePathFilterCriteria, as "matches exclude '...'" or "matches no
// include"; nullopt when it passes. Excludes are weighed first, as they take
// priority over includes; with no includes, whatever is not excluded passes.
std::optional<std::string> Refusal(const json& criterion, std::string_view value) {
  for (const std::string& pattern : Patterns(criterion, "excludes")) {
    if (GitGlobMatch(pattern, value)) return "matches exclude " + Quoted(pattern);
  }
  const std::vector<std::string> includes = Patterns(criterion, "includes");
  const bool included = includes.empty() ||
                        std::any_of(includes.begin(), includes.end(), [&](const std::string& pattern) {
                          return GitGlobMatch(pattern, value);
                        });
  if (included) return std::nullopt;
  return std::string("matches no include");
}

// Why no changed file passes `file_paths`; nullopt when one does. A file path
// filter holds when any file of the change is included and not excluded; the
// reason names the first few files and what stopped each.
std::optional<std::string> FilePathsRefusal(const json& file_paths,
                                            const std::vector<std::string>& files,
                                            const std::string& filter) {
  const std::string head = "no changed file matches filePaths of " + filter;
  if (files.empty()) return head + " (no files changed)";
  std::string detail;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::optional<std::string> refusal = Refusal(file_paths, files[i]);
    if (!refusal) return std::nullopt;
    if (i < kFilesNamed) detail += (i == 0 ? "" : ", ") + files[i] + " " + *refusal;
  }
  if (files.size() > kFilesNamed) detail += ", " + std::to_string(files.size() - kFilesNamed) + " more";
  return head + " (" + detail + ")";
}

}  // namespace

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

PushedRef ParseRef(std::string_view ref) {
  constexpr std::string_view kTags = "refs/tags/";
  constexpr std::string_view kHeads = "refs/heads/";
  if (ref.starts_with(kTags)) return {true, std::string(ref.substr(kTags.size()))};
  if (ref.starts_with(kHeads)) return {false, std::string(ref.substr(kHeads.size()))};
  return {false, std::string(ref)};
}

namespace {

// "Valid combinations are: tags, branches, branches + file paths": a tag push
// is weighed against a filter's tags alone, its file paths being for branches.
std::optional<std::string> TagPushRefusal(const NamedFilter& filter, const std::string& tag) {
  const json* tags = Member(*filter.body, "tags");
  if (tags == nullptr) return filter.name + " has no tags criterion for tag " + Quoted(tag);
  if (std::optional<std::string> refusal = Refusal(*tags, tag)) {
    return "tag " + Quoted(tag) + " " + *refusal + " of " + filter.name;
  }
  return std::nullopt;
}

std::optional<std::string> BranchPushRefusal(const NamedFilter& filter, const std::string& branch,
                                             const std::vector<std::string>& files) {
  const json* branches = Member(*filter.body, "branches");
  if (branches == nullptr) return filter.name + " has no branches criterion for branch " + Quoted(branch);
  if (std::optional<std::string> refusal = Refusal(*branches, branch)) {
    return "branch " + Quoted(branch) + " " + *refusal + " of " + filter.name;
  }
  if (const json* file_paths = Member(*filter.body, "filePaths")) {
    return FilePathsRefusal(*file_paths, files, filter.name);
  }
  return std::nullopt;
}

// A pull request filter's criteria, all of which must hold. Its `branches`
// are matched against the branch the pull request goes into; a criterion
// left out, `branches` included, leaves that side open.
std::optional<std::string> PullRequestRefusal(const NamedFilter& filter, const GitPullRequest& pull_request) {
  const json* events = Member(*filter.body, "events");
  if (events != nullptr && events->is_array() && !events->empty() &&
      std::none_of(events->begin(), events->end(), [&](const json& event) {
        return event.is_string() && event.get_ref<const std::string&>() == pull_request.event;
      })) {
    return "event " + Quoted(pull_request.event) + " is not in events of " + filter.name;
  }
  if (const json* branches = Member(*filter.body, "branches")) {
    if (std::optional<std::string> refusal = Refusal(*branches, pull_request.destination_branch)) {
      return "destination branch " + Quoted(pull_request.destination_branch) + " " + *refusal + " of " +
             filter.name;
    }
  }
  if (const json* file_paths = Member(*filter.body, "filePaths")) {
    return FilePathsRefusal(*file_paths, pull_request.changed_files, filter.name);
  }
  return std::nullopt;
}

TriggerVerdict NoTrigger(const char* kind, std::string_view source_action) {
  return {TriggerOutcome::kNoTrigger, "",
          std::string("no ") + kind + " filter on source action " + Quoted(source_action)};
}

TriggerVerdict NotMatched(const std::vector<std::string>& reasons) {
  TriggerVerdict verdict{TriggerOutcome::kNotMatched, "", ""};
  for (const std::string& reason : reasons) {
    verdict.reason += (verdict.reason.empty() ? "" : "; ") + reason;
  }
  return verdict;
}

}  // namespace

TriggerVerdict EvaluatePush(const json& triggers, std::string_view source_action, const GitPush& push) {
  const std::vector<NamedFilter> filters = FiltersFor(triggers, source_action, "push");
  if (filters.empty()) return NoTrigger("push", source_action);
  const PushedRef ref = ParseRef(push.ref);
  std::vector<std::string> reasons;
  for (const NamedFilter& filter : filters) {
    std::optional<std::string> refusal = ref.is_tag ? TagPushRefusal(filter, ref.name)
                                                    : BranchPushRefusal(filter, ref.name, push.changed_files);
    if (!refusal) return {TriggerOutcome::kMatched, filter.name, ""};
    reasons.push_back(std::move(*refusal));
  }
  return NotMatched(reasons);
}

TriggerVerdict EvaluatePullRequest(const json& triggers, std::string_view source_action,
                                   const GitPullRequest& pull_request) {
  const std::vector<NamedFilter> filters = FiltersFor(triggers, source_action, "pullRequest");
  if (filters.empty()) return NoTrigger("pullRequest", source_action);
  if (std::find(std::begin(kPullRequestEvents), std::end(kPullRequestEvents), pull_request.event) ==
      std::end(kPullRequestEvents)) {
    return NotMatched({"pull request event " + Quoted(pull_request.event) +
                       " is not one of OPEN, UPDATED, CLOSED"});
  }
  std::vector<std::string> reasons;
  for (const NamedFilter& filter : filters) {
    std::optional<std::string> refusal = PullRequestRefusal(filter, pull_request);
    if (!refusal) return {TriggerOutcome::kMatched, filter.name, ""};
    reasons.push_back(std::move(*refusal));
  }
  return NotMatched(reasons);
}

}  // namespace sluice::triggers
