#include "triggers/source_triggers.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "sluice/domain/pipeline/pipeline_view.h"
#include "triggers/webhook_request.h"

namespace sluice::triggers {

namespace {

using domain::ActionView;
using domain::PipelineSummary;

// What one source action makes of one change.
struct Verdict {
  bool watches = false;  // the action watches this source at all
  bool starts = false;
  std::string reason;  // why it does not start
  domain::ExecutionTrigger trigger;
  std::string filter;
  domain::SourceChange change;
};

Verdict Skip(std::string reason) {
  Verdict verdict;
  verdict.watches = true;
  verdict.reason = std::move(reason);
  return verdict;
}

Verdict Start(std::string type, std::string detail, domain::SourceChange change) {
  Verdict verdict;
  verdict.watches = verdict.starts = true;
  verdict.trigger = {std::move(type), std::move(detail)};
  verdict.change = std::move(change);
  return verdict;
}

std::string Config(const ActionView& action, const std::string& key, std::string fallback = "") {
  const auto it = action.configuration.find(key);
  return it == action.configuration.end() ? std::move(fallback) : it->second;
}

// AWS's trigger type for a change its polling or its event rule noticed:
// PollForSourceChanges unless the action turned polling off.
std::string PollingOrEvent(const ActionView& action) {
  return Config(action, "PollForSourceChanges", "true") == "false" ? "CloudWatchEvent"
                                                                    : "PollForSourceChanges";
}

// The output variables a reported commit fills in.
std::map<std::string, std::string> CommitDetails(const Commit& commit, const std::string& branch) {
  std::map<std::string, std::string> details;
  details["CommitMessage"] =
      commit.message.empty() ? "Commit " + commit.id.substr(0, 7) : commit.message;
  if (!commit.author.empty()) details["AuthorDisplayName"] = commit.author;
  if (!branch.empty()) details["BranchName"] = branch;
  return details;
}

std::string JoinReasons(const std::vector<std::string>& reasons) {
  std::string joined;
  for (const std::string& reason : reasons) {
    if (!joined.empty()) joined += "; ";
    joined += reason;
  }
  return joined;
}

}  // namespace

SourceTriggers::SourceTriggers(const domain::PipelineRepository& pipelines,
                               domain::ExecutionService& executions,
                               domain::WebhookRegistry& webhooks, const Clock& clock)
    : pipelines_(pipelines), executions_(executions), webhooks_(webhooks), clock_(clock) {}

namespace {

// Weighs `weigh` for every source action of every pipeline of `scope`, in
// name order, and starts each pipeline one of whose actions says so, with
// the changes of all those that do.
template <typename Weigh>
TriggerReport Dispatch(const domain::PipelineRepository& pipelines,
                       domain::ExecutionService& executions, const domain::Scope& scope,
                       Weigh weigh) {
  constexpr std::size_t kPage = 1000;
  TriggerReport report;
  std::string after;
  for (;;) {
    const std::vector<PipelineSummary> page = pipelines.ListAfter(scope, after, kPage);
    for (const PipelineSummary& summary : page) {
      const auto view = pipelines.LatestView(scope, summary.name);
      if (!view) continue;  // deleted meanwhile
      std::vector<std::string> reasons;
      std::optional<Verdict> first;
      domain::StartRequest request;
      for (const ActionView& action : (*view)->stages.front().actions) {
        if (action.category != domain::ActionCategory::kSource) continue;
        Verdict verdict = weigh(summary, action);
        if (!verdict.watches) continue;
        if (!verdict.starts) {
          reasons.push_back(action.name + ": " + verdict.reason);
          continue;
        }
        verdict.change.action_name = action.name;
        request.source_changes.push_back(verdict.change);
        if (!first) first = std::move(verdict);
      }
      if (!first) {
        if (!reasons.empty()) report.skipped.push_back({summary.name, JoinReasons(reasons)});
        continue;
      }
      request.trigger = first->trigger;
      auto id = executions.Start(scope, summary.name, std::move(request));
      if (!id) {
        report.skipped.push_back({summary.name, "not started: " + id.error().message()});
        continue;
      }
      report.started.push_back({summary.name, *id, first->trigger.type, first->filter});
    }
    if (page.size() < kPage) break;
    after = page.back().name;
  }
  return report;
}

// The V2 pipeline's trigger declarations, or null (V1, or none).
nlohmann::json TriggersOf(const domain::PipelineRepository& pipelines, const domain::Scope& scope,
                          const PipelineSummary& summary) {
  if (summary.type != domain::PipelineType::kV2) return nullptr;
  const auto snapshot = pipelines.Find(scope, summary.name, std::nullopt);
  if (!snapshot) return nullptr;
  const auto declaration = nlohmann::json::parse(snapshot->declaration, nullptr, false);
  if (!declaration.is_object() || !declaration.contains("triggers")) return nullptr;
  return declaration.at("triggers");
}

// Whether a CodeStarSourceConnection action reads `repository` through
// `connection_arn` (any connection when that is empty).
bool ReadsRepository(const ActionView& action, const std::string& connection_arn,
                     const std::string& repository) {
  return action.provider == "CodeStarSourceConnection" &&
         Config(action, "FullRepositoryId") == repository &&
         (connection_arn.empty() || Config(action, "ConnectionArn") == connection_arn);
}

// Whether `triggers` declares any trigger for the source action `action`:
// "When a trigger configuration is specified, default change detection for
// repository and branch commits is disabled" (PipelineTriggerDeclaration).
bool HasTriggerFor(const nlohmann::json& triggers, const std::string& action) {
  if (!triggers.is_array()) return false;
  for (const nlohmann::json& trigger : triggers) {
    const auto git = trigger.find("gitConfiguration");
    if (git != trigger.end() && git->is_object() && git->value("sourceActionName", "") == action) {
      return true;
    }
  }
  return false;
}

}  // namespace

TriggerReport SourceTriggers::Push(const domain::Scope& scope, const ConnectionPush& push) {
  return Dispatch(pipelines_, executions_, scope, [&](const PipelineSummary& summary,
                                                       const ActionView& action) {
    if (!ReadsRepository(action, push.connection_arn, push.repository)) return Verdict{};
    const PushedRef ref = ParseRef(push.push.ref);
    const bool branch = !ref.is_tag;
    const std::string& name = ref.name;
    domain::SourceChange change{"", push.commit.id,
                                CommitDetails(push.commit, branch ? name : "")};
    const std::string connection = Config(action, "ConnectionArn");
    const nlohmann::json triggers = TriggersOf(pipelines_, scope, summary);
    const TriggerVerdict verdict = EvaluatePush(triggers, action.name, push.push);
    switch (verdict.outcome) {
      case TriggerOutcome::kMatched: {
        Verdict started = Start("WebhookV2", connection, std::move(change));
        started.filter = verdict.filter;
        return started;
      }
      case TriggerOutcome::kNotMatched: return Skip(verdict.reason);
      case TriggerOutcome::kNoTrigger: break;
    }
    if (HasTriggerFor(triggers, action.name)) {
      return Skip("its trigger declares no push filter, and a trigger turns off the default "
                  "change detection");
    }
    // No trigger: AWS's default change detection, a push to the action's branch.
    if (Config(action, "DetectChanges", "true") == "false") {
      return Skip("DetectChanges is false and no trigger is declared");
    }
    if (!branch) return Skip("a tag push starts a pipeline only through a trigger's tags filter");
    const std::string watched = Config(action, "BranchName");
    if (name != watched) {
      return Skip("branch " + Quoted(name) + " is not the action's BranchName " + Quoted(watched));
    }
    return Start("Webhook", connection, std::move(change));
  });
}

TriggerReport SourceTriggers::PullRequest(const domain::Scope& scope,
                                          const ConnectionPullRequest& pull_request) {
  return Dispatch(pipelines_, executions_, scope, [&](const PipelineSummary& summary,
                                                       const ActionView& action) {
    if (!ReadsRepository(action, pull_request.connection_arn, pull_request.repository)) {
      return Verdict{};
    }
    const TriggerVerdict verdict = EvaluatePullRequest(TriggersOf(pipelines_, scope, summary),
                                                       action.name, pull_request.pull_request);
    switch (verdict.outcome) {
      case TriggerOutcome::kMatched: {
        Verdict started = Start(
            "WebhookV2", Config(action, "ConnectionArn"),
            {"", pull_request.commit.id,
             CommitDetails(pull_request.commit, pull_request.pull_request.source_branch)});
        started.filter = verdict.filter;
        return started;
      }
      case TriggerOutcome::kNotMatched: return Skip(verdict.reason);
      case TriggerOutcome::kNoTrigger: break;
    }
    return Skip("pull requests start a pipeline only through a trigger's pullRequest filter");
  });
}

TriggerReport SourceTriggers::NewObjectVersion(const domain::Scope& scope, const S3Change& change) {
  return Dispatch(pipelines_, executions_, scope, [&](const PipelineSummary&,
                                                       const ActionView& action) {
    if (action.provider != "S3" || Config(action, "S3Bucket") != change.bucket) return Verdict{};
    const std::string watched = Config(action, "S3ObjectKey");
    if (watched != change.key) {
      return Skip("object " + Quoted(change.key) + " is not the action's S3ObjectKey " +
                  Quoted(watched));
    }
    std::map<std::string, std::string> details{{"S3ObjectKey", change.key}};
    if (!change.etag.empty()) details["ETag"] = change.etag;
    return Start(PollingOrEvent(action), "", {"", change.version_id, std::move(details)});
  });
}

TriggerReport SourceTriggers::NewImage(const domain::Scope& scope, const EcrPush& push) {
  return Dispatch(pipelines_, executions_, scope, [&](const PipelineSummary&,
                                                       const ActionView& action) {
    if (action.provider != "ECR" || Config(action, "RepositoryName") != push.repository) {
      return Verdict{};
    }
    const std::string watched = Config(action, "ImageTag", "latest");
    if (watched != push.tag) {
      return Skip("tag " + Quoted(push.tag) + " is not the action's ImageTag " + Quoted(watched));
    }
    // ECR changes reach CodePipeline through an EventBridge rule only.
    return Start("CloudWatchEvent", "", {"", push.digest, {{"ImageTag", push.tag}}});
  });
}

TriggerReport SourceTriggers::CodeCommit(const domain::Scope& scope, const CodeCommitPush& push) {
  return Dispatch(pipelines_, executions_, scope, [&](const PipelineSummary&,
                                                       const ActionView& action) {
    if (action.provider != "CodeCommit" || Config(action, "RepositoryName") != push.repository) {
      return Verdict{};
    }
    const std::string watched = Config(action, "BranchName");
    if (watched != push.branch) {
      return Skip("branch " + Quoted(push.branch) + " is not the action's BranchName " +
                  Quoted(watched));
    }
    return Start(PollingOrEvent(action), "",
                 {"", push.commit.id, CommitDetails(push.commit, push.branch)});
  });
}

namespace {

bool IsCommitId(const std::string& text) {
  return text.size() == 40 &&
         text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// `object[key]` when it is a string, else empty: a payload is anyone's JSON
// (json::value() would throw on a number there).
std::string StringMember(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A GitHub push payload's head commit (else its "after"), or none.
std::optional<Commit> HeadCommit(const nlohmann::json& payload) {
  if (!payload.is_object()) return std::nullopt;
  Commit commit;
  const auto head = payload.find("head_commit");
  if (head != payload.end() && head->is_object()) {
    commit.id = StringMember(*head, "id");
    commit.message = StringMember(*head, "message");
    if (const auto author = head->find("author"); author != head->end() && author->is_object()) {
      commit.author = StringMember(*author, "name");
    }
  }
  if (commit.id.empty()) {
    const auto after = payload.find("after");
    if (after != payload.end() && after->is_string()) commit.id = after->get<std::string>();
  }
  if (!IsCommitId(commit.id)) return std::nullopt;
  return commit;
}

}  // namespace

WebhookOutcome SourceTriggers::Webhook(const WebhookCall& call) {
  using Kind = WebhookOutcome::Kind;
  const auto webhook = webhooks_.Find(call.scope, call.name);
  if (!webhook || !ConstantTimeEquals(webhook->token, call.token)) {
    return {Kind::kNotFound, "no webhook at this URL (deleted, or another token)", ""};
  }
  const domain::WebhookDefinition& definition = webhook->definition;
  const WebhookCheck auth = Authenticate(definition, call.body, call.signature_256,
                                         call.signature_1, call.peer_address);
  if (auth.verdict != WebhookVerdict::kAccepted) return {Kind::kUnauthorized, auth.reason, ""};
  const auto payload = nlohmann::json::parse(call.body, nullptr, false);
  if (payload.is_discarded()) return {Kind::kBadPayload, "the body is not JSON", ""};

  const auto view = pipelines_.LatestView(call.scope, definition.target_pipeline);
  if (!view) {
    return {Kind::kNotStarted, "the target pipeline " + definition.target_pipeline + " does not exist",
            ""};
  }
  const ActionView* action = nullptr;
  for (const ActionView& candidate : (*view)->stages.front().actions) {
    if (candidate.name == definition.target_action) action = &candidate;
  }
  if (action == nullptr) {
    return {Kind::kNotStarted,
            "the target action " + definition.target_action + " is not a source action of " +
                definition.target_pipeline,
            ""};
  }
  const WebhookCheck filters = MatchFilters(definition.filters, payload, action->configuration);
  if (filters.verdict != WebhookVerdict::kAccepted) return {Kind::kIgnored, filters.reason, ""};

  domain::StartRequest request;
  request.trigger = {"Webhook", webhook->arn};
  if (const auto commit = HeadCommit(payload)) {
    // GitHub (version 1) names its branch Branch; other sources BranchName.
    const std::string branch = Config(*action, "Branch", Config(*action, "BranchName"));
    request.source_changes.push_back({action->name, commit->id, CommitDetails(*commit, branch)});
  }
  auto id = executions_.Start(call.scope, definition.target_pipeline, std::move(request));
  if (!id) return {Kind::kNotStarted, id.error().message(), ""};
  webhooks_.MarkTriggered(call.scope, call.name, clock_.Now());
  return {Kind::kStarted, "started " + definition.target_pipeline, *id};
}

}  // namespace sluice::triggers
