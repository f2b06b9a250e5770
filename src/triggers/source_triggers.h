// SourceTriggers: source changes that start pipelines, as the world outside
// CodePipeline starts them (README "Triggers and webhooks"). A git push or
// pull request through a connection is weighed against each V2 pipeline's
// triggers (git_trigger_filter.h), or AWS's default of a push to the source
// action's branch; a new S3 object version, ECR image or CodeCommit commit
// starts every pipeline whose source action watches it; a webhook call is
// authenticated and filtered (webhook_request.h). Each start carries the
// reported revision, so the source action shows that commit, version or
// digest. Thread-safe: it holds no state of its own.
#pragma once

#include <string>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/domain/engine/execution_service.h"
#include "sluice/domain/pipeline/pipeline_repository.h"
#include "sluice/domain/registry/webhook_registry.h"
#include "triggers/git_trigger_filter.h"

namespace sluice::triggers {

// What a change did: which pipelines it started, and why the others that
// watch the same source did not start.
struct StartedRun {
  std::string pipeline;
  std::string execution_id;
  std::string trigger_type;  // WebhookV2, Webhook, CloudWatchEvent, PollForSourceChanges
  std::string filter;        // the trigger filter that matched ("push[0]"); empty: none
};
struct SkippedPipeline {
  std::string pipeline;
  std::string reason;
};
struct TriggerReport {
  std::vector<StartedRun> started;
  std::vector<SkippedPipeline> skipped;
};

// A commit as a git host reports it.
struct Commit {
  std::string id;  // 40 hex digits
  std::string message;
  std::string author;
};

// A push or pull request on a repository reached through a connection
// (CodeStarSourceConnection actions: ConnectionArn, FullRepositoryId).
struct ConnectionPush {
  std::string connection_arn;  // empty: any connection
  std::string repository;      // "owner/name"
  GitPush push;
  Commit commit;
};
struct ConnectionPullRequest {
  std::string connection_arn;
  std::string repository;
  GitPullRequest pull_request;
  Commit commit;  // the head of the source branch
};
struct S3Change {
  std::string bucket;
  std::string key;
  std::string version_id;
  std::string etag;  // empty: generated
};
struct EcrPush {
  std::string repository;
  std::string tag;
  std::string digest;  // "sha256:..."
};
struct CodeCommitPush {
  std::string repository;
  std::string branch;
  Commit commit;
};

// A call on a webhook's URL, as the HTTP layer received it.
struct WebhookCall {
  domain::Scope scope;
  std::string name;
  std::string token;  // the URL's t=
  std::string body;
  std::string signature_256;  // X-Hub-Signature-256, empty when absent
  std::string signature_1;    // X-Hub-Signature
  std::string peer_address;
};
struct WebhookOutcome {
  enum class Kind { kStarted, kIgnored, kUnauthorized, kNotFound, kBadPayload, kNotStarted };
  Kind kind = Kind::kNotFound;
  std::string message;
  std::string execution_id;  // kStarted
};

class SourceTriggers {
 public:
  // All must outlive this.
  SourceTriggers(const domain::PipelineRepository& pipelines, domain::ExecutionService& executions,
                 domain::WebhookRegistry& webhooks, const Clock& clock);

  TriggerReport Push(const domain::Scope& scope, const ConnectionPush& push);
  TriggerReport PullRequest(const domain::Scope& scope, const ConnectionPullRequest& pull_request);
  TriggerReport NewObjectVersion(const domain::Scope& scope, const S3Change& change);
  TriggerReport NewImage(const domain::Scope& scope, const EcrPush& push);
  TriggerReport CodeCommit(const domain::Scope& scope, const CodeCommitPush& push);

  WebhookOutcome Webhook(const WebhookCall& call);

 private:
  const domain::PipelineRepository& pipelines_;
  domain::ExecutionService& executions_;
  domain::WebhookRegistry& webhooks_;
  const Clock& clock_;
};

}  // namespace sluice::triggers
