// SourceTriggers over the real services: which pipelines a push, pull
// request, object version, image or CodeCommit commit starts, with which
// trigger type and revision, and why the others are skipped; and webhook
// calls end to end below HTTP (token, authentication, filters, lastTriggered).
#include "triggers/source_triggers.h"

#include <gtest/gtest.h>

#include <string>

#include "api/api_fixture.h"
#include "sluice/api/webhook_ops.h"
#include "sluice/common/sha256.h"

namespace sluice::triggers {
namespace {

using nlohmann::json;

const std::string kConnection =
    "arn:aws:codestar-connections:us-east-1:123456789012:connection/abc";
const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

// A pipeline whose only source is `source` (an action declaration).
json PipelineWith(const std::string& name, json source, const std::string& type = "V1") {
  json pipeline = sluice::testing::TwoStagePipeline(name);
  pipeline["pipelineType"] = type;
  source["name"] = "Source";
  source["outputArtifacts"] = json::array({{{"name", "src"}}});
  pipeline["stages"][0]["actions"][0] = std::move(source);
  return pipeline;
}

json ConnectionSource(const std::string& repository, const std::string& branch) {
  return {{"actionTypeId", {{"category", "Source"}, {"owner", "AWS"},
                            {"provider", "CodeStarSourceConnection"}, {"version", "1"}}},
          {"configuration", {{"ConnectionArn", kConnection}, {"FullRepositoryId", repository},
                             {"BranchName", branch}}}};
}

json Source(const std::string& provider, json configuration) {
  return {{"actionTypeId", {{"category", "Source"}, {"owner", "AWS"}, {"provider", provider},
                            {"version", "1"}}},
          {"configuration", std::move(configuration)}};
}

class SourceTriggersTest : public api::ApiTest {
 protected:
  SourceTriggersTest() { api::RegisterWebhookOps(table_, webhooks_); }

  domain::PipelineExecution Execution(const std::string& pipeline, const std::string& id) {
    auto execution = executions_.Get(api::kApiScope, pipeline, id);
    EXPECT_TRUE(execution.ok());
    return execution.ok() ? *execution : domain::PipelineExecution{};
  }

  // The source action's output variables once it has run.
  std::map<std::string, std::string> SourceVariables(const std::string& pipeline,
                                                     const std::string& id) {
    Step(2);
    auto page = executions_.ListActions(api::kApiScope, pipeline, id, std::nullopt, 100);
    EXPECT_TRUE(page.ok());
    std::map<std::string, std::string> variables;
    if (!page.ok()) return variables;
    for (const auto& item : page->items) {
      if (item.action->action_name == "Source") variables = item.action->output_variables;
    }
    return variables;
  }

  domain::WebhookRegistry webhooks_{repository_};
  SourceTriggers triggers_{repository_, executions_, webhooks_, clock_};
};

TEST_F(SourceTriggersTest, PushWithoutTriggersStartsTheBranchItWatches) {
  CreatePipeline(PipelineWith("main-app", ConnectionSource("me/app", "main")));
  CreatePipeline(PipelineWith("dev-app", ConnectionSource("me/app", "dev")));
  CreatePipeline(PipelineWith("other-repo", ConnectionSource("me/other", "main")));

  const TriggerReport report = triggers_.Push(
      api::kApiScope, {kConnection, "me/app", {"refs/heads/main", {"src/a.c"}},
                       {kCommit, "Fix the build", "Ada"}});

  ASSERT_EQ(report.started.size(), 1U);
  EXPECT_EQ(report.started[0].pipeline, "main-app");
  EXPECT_EQ(report.started[0].trigger_type, "Webhook");
  ASSERT_EQ(report.skipped.size(), 1U);  // other-repo does not watch me/app
  EXPECT_EQ(report.skipped[0].pipeline, "dev-app");
  EXPECT_EQ(report.skipped[0].reason, "Source: branch 'main' is not the action's BranchName 'dev'");

  const auto execution = Execution("main-app", report.started[0].execution_id);
  EXPECT_EQ(execution.trigger.type, "Webhook");
  EXPECT_EQ(execution.trigger.detail, kConnection);
  ASSERT_EQ(execution.artifact_revisions.size(), 1U);
  EXPECT_EQ(execution.artifact_revisions[0].revision_id, kCommit);
  EXPECT_EQ(execution.artifact_revisions[0].revision_summary,
            R"({"CommitMessage":"Fix the build","ProviderType":"GitHub"})");
  const auto variables = SourceVariables("main-app", report.started[0].execution_id);
  EXPECT_EQ(variables.at("CommitId"), kCommit);
  EXPECT_EQ(variables.at("CommitMessage"), "Fix the build");
  EXPECT_EQ(variables.at("AuthorDisplayName"), "Ada");
  EXPECT_EQ(variables.at("BranchName"), "main");
}

TEST_F(SourceTriggersTest, V2TriggersDecideAndNameTheirFilter) {
  json tagged = PipelineWith("release", ConnectionSource("me/app", "main"), "V2");
  tagged["triggers"] = json::parse(R"([{"providerType": "CodeStarSourceConnection",
      "gitConfiguration": {"sourceActionName": "Source",
        "push": [{"tags": {"includes": ["v*"]}}]}}])");
  CreatePipeline(tagged);
  CreatePipeline(PipelineWith("plain", ConnectionSource("me/app", "main")));

  const TriggerReport tag = triggers_.Push(
      api::kApiScope, {"", "me/app", {"refs/tags/v1.2", {}}, {kCommit, "Release", ""}});
  ASSERT_EQ(tag.started.size(), 1U);
  EXPECT_EQ(tag.started[0].pipeline, "release");
  EXPECT_EQ(tag.started[0].trigger_type, "WebhookV2");
  EXPECT_EQ(tag.started[0].filter, "push[0]");
  ASSERT_EQ(tag.skipped.size(), 1U);
  EXPECT_EQ(tag.skipped[0].pipeline, "plain");

  // A trigger replaces the default: a push to main no longer starts "release".
  const TriggerReport branch = triggers_.Push(
      api::kApiScope, {"", "me/app", {"refs/heads/main", {}}, {kCommit, "", ""}});
  ASSERT_EQ(branch.started.size(), 1U);
  EXPECT_EQ(branch.started[0].pipeline, "plain");
  ASSERT_EQ(branch.skipped.size(), 1U);
  EXPECT_EQ(branch.skipped[0].pipeline, "release");
  EXPECT_NE(branch.skipped[0].reason.find("push[0]"), std::string::npos) << branch.skipped[0].reason;
}

TEST_F(SourceTriggersTest, DetectChangesFalseAndAnotherConnectionSkip) {
  json quiet = ConnectionSource("me/app", "main");
  quiet["configuration"]["DetectChanges"] = "false";
  CreatePipeline(PipelineWith("quiet", quiet));
  const TriggerReport report = triggers_.Push(
      api::kApiScope, {"", "me/app", {"refs/heads/main", {}}, {kCommit, "", ""}});
  EXPECT_TRUE(report.started.empty());
  ASSERT_EQ(report.skipped.size(), 1U);
  EXPECT_EQ(report.skipped[0].reason, "Source: DetectChanges is false and no trigger is declared");

  const TriggerReport elsewhere = triggers_.Push(
      api::kApiScope, {kConnection + "x", "me/app", {"refs/heads/main", {}}, {kCommit, "", ""}});
  EXPECT_TRUE(elsewhere.started.empty());
  EXPECT_TRUE(elsewhere.skipped.empty());
}

TEST_F(SourceTriggersTest, PullRequestNeedsATrigger) {
  json reviewed = PipelineWith("reviewed", ConnectionSource("me/app", "main"), "V2");
  reviewed["triggers"] = json::parse(R"([{"providerType": "CodeStarSourceConnection",
      "gitConfiguration": {"sourceActionName": "Source",
        "pullRequest": [{"events": ["OPEN"], "branches": {"includes": ["main"]}}]}}])");
  CreatePipeline(reviewed);
  CreatePipeline(PipelineWith("plain", ConnectionSource("me/app", "main")));

  const TriggerReport report = triggers_.PullRequest(
      api::kApiScope,
      {"", "me/app", {"OPEN", "feature/x", "main", {"README.md"}}, {kCommit, "Add x", "Bo"}});
  ASSERT_EQ(report.started.size(), 1U);
  EXPECT_EQ(report.started[0].pipeline, "reviewed");
  EXPECT_EQ(report.started[0].trigger_type, "WebhookV2");
  ASSERT_EQ(report.skipped.size(), 1U);
  EXPECT_EQ(report.skipped[0].reason,
            "Source: pull requests start a pipeline only through a trigger's pullRequest filter");
  EXPECT_EQ(SourceVariables("reviewed", report.started[0].execution_id).at("BranchName"),
            "feature/x");
}

// One row per other source: what it reports, the pipeline it must start and
// with which trigger type, and the revision the execution shows.
TEST_F(SourceTriggersTest, OtherSourcesStartWhatWatchesThem) {
  CreatePipeline(PipelineWith("s3-polled", Source("S3", {{"S3Bucket", "drop"}, {"S3ObjectKey", "app.zip"}})));
  CreatePipeline(PipelineWith("s3-events", Source("S3", {{"S3Bucket", "drop"}, {"S3ObjectKey", "app.zip"},
                                                         {"PollForSourceChanges", "false"}})));
  CreatePipeline(PipelineWith("s3-other-key", Source("S3", {{"S3Bucket", "drop"}, {"S3ObjectKey", "b.zip"}})));
  CreatePipeline(PipelineWith("image", Source("ECR", {{"RepositoryName", "web"}})));
  CreatePipeline(PipelineWith("commit", Source("CodeCommit", {{"RepositoryName", "repo"}, {"BranchName", "main"},
                                                             {"PollForSourceChanges", "false"}})));

  const TriggerReport s3 = triggers_.NewObjectVersion(api::kApiScope, {"drop", "app.zip", "v42", "etag1"});
  ASSERT_EQ(s3.started.size(), 2U);
  EXPECT_EQ(s3.started[0].pipeline, "s3-events");
  EXPECT_EQ(s3.started[0].trigger_type, "CloudWatchEvent");
  EXPECT_EQ(s3.started[1].pipeline, "s3-polled");
  EXPECT_EQ(s3.started[1].trigger_type, "PollForSourceChanges");
  ASSERT_EQ(s3.skipped.size(), 1U);
  EXPECT_EQ(s3.skipped[0].reason, "Source: object 'app.zip' is not the action's S3ObjectKey 'b.zip'");
  EXPECT_EQ(Execution("s3-polled", s3.started[1].execution_id).artifact_revisions[0].revision_id, "v42");
  EXPECT_EQ(SourceVariables("s3-polled", s3.started[1].execution_id).at("ETag"), "etag1");

  const std::string digest = "sha256:" + std::string(64, 'a');
  const TriggerReport ecr = triggers_.NewImage(api::kApiScope, {"web", "latest", digest});
  ASSERT_EQ(ecr.started.size(), 1U);
  EXPECT_EQ(ecr.started[0].trigger_type, "CloudWatchEvent");
  const auto image = Execution("image", ecr.started[0].execution_id);
  EXPECT_EQ(image.artifact_revisions[0].revision_id, digest);
  EXPECT_EQ(image.artifact_revisions[0].revision_summary, "Image tag: latest");
  const TriggerReport other_tag = triggers_.NewImage(api::kApiScope, {"web", "v2", digest});
  EXPECT_TRUE(other_tag.started.empty());
  ASSERT_EQ(other_tag.skipped.size(), 1U);

  const TriggerReport commit =
      triggers_.CodeCommit(api::kApiScope, {"repo", "main", {kCommit, "Ship it", "Cy"}});
  ASSERT_EQ(commit.started.size(), 1U);
  EXPECT_EQ(commit.started[0].trigger_type, "CloudWatchEvent");
  const auto committed = Execution("commit", commit.started[0].execution_id);
  EXPECT_EQ(committed.artifact_revisions[0].revision_id, kCommit);
  EXPECT_EQ(committed.artifact_revisions[0].revision_summary, "Ship it");
}

class WebhookCallTest : public SourceTriggersTest {
 protected:
  WebhookCallTest() {
    json github = Source("GitHub", {{"Owner", "me"}, {"Repo", "app"}, {"Branch", "main"},
                                    {"OAuthToken", "****"}, {"PollForSourceChanges", "false"}});
    github["actionTypeId"]["owner"] = "ThirdParty";
    CreatePipeline(PipelineWith("hooked", github));
    json definition = {{"name", "hook"},
                       {"targetPipeline", "hooked"},
                       {"targetAction", "Source"},
                       {"filters", json::array({{{"jsonPath", "$.ref"},
                                                 {"matchEquals", "refs/heads/{Branch}"}}})},
                       {"authentication", "GITHUB_HMAC"},
                       {"authenticationConfiguration", {{"SecretToken", "s3cret"}}}};
    CallOk("PutWebhook", {{"webhook", definition}});
    token_ = webhooks_.Find(api::kApiScope, "hook")->token;
  }

  WebhookCall Call(const std::string& body, const std::string& secret = "s3cret") {
    WebhookCall call{api::kApiScope, "hook", token_, body, "", "", "127.0.0.1"};
    call.signature_256 = "sha256=" + HexLower(HmacSha256(secret, body));
    return call;
  }

  std::string token_;
};

TEST_F(WebhookCallTest, ASignedMatchingPushStartsWithItsHeadCommit) {
  const std::string body = R"({"ref": "refs/heads/main", "head_commit": {"id": ")" + kCommit +
                           R"(", "message": "Hello", "author": {"name": "Di"}}})";
  clock_.Advance(std::chrono::seconds(5));
  const WebhookOutcome outcome = triggers_.Webhook(Call(body));
  ASSERT_EQ(outcome.kind, WebhookOutcome::Kind::kStarted) << outcome.message;
  const auto execution = Execution("hooked", outcome.execution_id);
  EXPECT_EQ(execution.trigger.type, "Webhook");
  EXPECT_EQ(execution.trigger.detail, "arn:aws:codepipeline:us-east-1:123456789012:webhook:hook");
  EXPECT_EQ(execution.artifact_revisions[0].revision_id, kCommit);
  EXPECT_EQ(execution.artifact_revisions[0].revision_summary, "Hello");
  EXPECT_EQ(webhooks_.Find(api::kApiScope, "hook")->last_triggered, clock_.Now());
}

// A payload is anyone's JSON: members of other types than GitHub's are no
// commit, never a failure.
TEST_F(WebhookCallTest, OddPayloadMembersStartWithoutARevision) {
  for (const std::string body :
       {R"({"ref": "refs/heads/main", "head_commit": {"id": 1, "message": ["x"], "author": 2}})",
        R"({"ref": "refs/heads/main", "head_commit": "abc", "after": {"id": 1}})",
        R"({"ref": "refs/heads/main", "after": "not-a-commit"})"}) {
    const WebhookOutcome outcome = triggers_.Webhook(Call(body));
    ASSERT_EQ(outcome.kind, WebhookOutcome::Kind::kStarted) << body << ": " << outcome.message;
    EXPECT_NE(Execution("hooked", outcome.execution_id).artifact_revisions[0].revision_id, "1");
  }
}

TEST_F(WebhookCallTest, AMatchThatCannotStartSaysWhy) {
  CallOk("DeletePipeline", {{"name", "hooked"}});
  const WebhookOutcome outcome = triggers_.Webhook(Call(R"({"ref": "refs/heads/main"})"));
  EXPECT_EQ(outcome.kind, WebhookOutcome::Kind::kNotStarted);
  EXPECT_EQ(outcome.message, "the target pipeline hooked does not exist");
}

// Each refusal: what is sent, and what comes back; nothing starts.
TEST_F(WebhookCallTest, RefusalsStartNothing) {
  using Kind = WebhookOutcome::Kind;
  const std::string main_push = R"({"ref": "refs/heads/main"})";
  struct Row {
    const char* name;
    WebhookCall call;
    Kind kind;
  };
  WebhookCall wrong_token = Call(main_push);
  wrong_token.token = std::string(64, '0');
  WebhookCall unknown = Call(main_push);
  unknown.name = "nope";
  WebhookCall unsigned_call = Call(main_push);
  unsigned_call.signature_256.clear();
  const std::vector<Row> rows = {
      {"wrong token", wrong_token, Kind::kNotFound},
      {"unknown webhook", unknown, Kind::kNotFound},
      {"wrong secret", Call(main_push, "guess"), Kind::kUnauthorized},
      {"no signature", unsigned_call, Kind::kUnauthorized},
      {"not JSON", Call("{ref"), Kind::kBadPayload},
      {"filter mismatch", Call(R"({"ref": "refs/heads/dev"})"), Kind::kIgnored},
      {"path selects nothing", Call(R"({"after": "x"})"), Kind::kIgnored},
  };
  for (const Row& row : rows) {
    const WebhookOutcome outcome = triggers_.Webhook(row.call);
    EXPECT_EQ(outcome.kind, row.kind) << row.name << ": " << outcome.message;
  }
  auto page = executions_.List(api::kApiScope, "hooked", std::nullopt, std::nullopt, 100);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->executions.empty());
  EXPECT_FALSE(webhooks_.Find(api::kApiScope, "hook")->last_triggered.has_value());
}

}  // namespace
}  // namespace sluice::triggers
