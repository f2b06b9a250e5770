#include "source_endpoints.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "control_json.h"

namespace sluice::control {

namespace {

bool IsHex(std::string_view text) {
  return text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// A git object name: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits.
std::string CommitId(FieldReader& fields) {
  std::string id = Required(fields, "commitId");
  if ((id.size() != 40 && id.size() != 64) || !IsHex(id)) {
    BadField(fields.Name("commitId"), "must be 40 or 64 lower-case hex digits, as git names commits");
  }
  return id;
}

triggers::Commit ReadCommit(FieldReader& fields) {
  triggers::Commit commit;
  commit.id = CommitId(fields);
  commit.message = fields.String("commitMessage").value_or("");
  commit.author = fields.String("author").value_or("");
  return commit;
}

std::vector<std::string> ChangedFiles(FieldReader& fields) {
  std::vector<std::string> files;
  const nlohmann::json* list = fields.Array("changedFiles");
  if (list == nullptr) return files;
  for (const nlohmann::json& file : *list) {
    if (!file.is_string() || file.get_ref<const std::string&>().empty()) {
      BadField(fields.Name("changedFiles"), "must be a list of file paths");
    }
    files.push_back(file.get<std::string>());
  }
  return files;
}

nlohmann::json ReportJson(const triggers::TriggerReport& report) {
  nlohmann::json started = nlohmann::json::array();
  for (const auto& run : report.started) {
    nlohmann::json item = {{"pipeline", run.pipeline},
                           {"pipelineExecutionId", run.execution_id},
                           {"triggerType", run.trigger_type}};
    if (!run.filter.empty()) item["filter"] = run.filter;
    started.push_back(std::move(item));
  }
  nlohmann::json skipped = nlohmann::json::array();
  for (const auto& pipeline : report.skipped) {
    skipped.push_back({{"pipeline", pipeline.pipeline}, {"reason", pipeline.reason}});
  }
  return {{"started", std::move(started)}, {"skipped", std::move(skipped)}};
}

}  // namespace

nlohmann::json HandleSourceChange(triggers::SourceTriggers& sources, std::string_view kind,
                                  const nlohmann::json& body, const domain::Scope& default_scope) {
  if (!body.is_object()) BadField("", "the body must be a JSON object");
  FieldReader fields(body);
  const domain::Scope scope = ReadScope(fields, default_scope);
  triggers::TriggerReport report;
  if (kind == "push") {
    triggers::ConnectionPush push;
    push.connection_arn = fields.String("connectionArn").value_or("");
    push.repository = Required(fields, "repository");
    push.push.ref = Required(fields, "ref");
    if (!push.push.ref.starts_with("refs/heads/") && !push.push.ref.starts_with("refs/tags/")) {
      BadField("ref", "must name a branch (refs/heads/...) or a tag (refs/tags/...)");
    }
    push.commit = ReadCommit(fields);
    push.push.changed_files = ChangedFiles(fields);
    fields.Done();
    report = sources.Push(scope, push);
  } else if (kind == "pull-request") {
    triggers::ConnectionPullRequest pull;
    pull.connection_arn = fields.String("connectionArn").value_or("");
    pull.repository = Required(fields, "repository");
    pull.pull_request.event = Required(fields, "event");
    if (pull.pull_request.event != "OPEN" && pull.pull_request.event != "UPDATED" &&
        pull.pull_request.event != "CLOSED") {
      BadField("event", "must be OPEN, UPDATED or CLOSED");
    }
    pull.pull_request.source_branch = Required(fields, "sourceBranch");
    pull.pull_request.destination_branch = Required(fields, "destinationBranch");
    pull.commit = ReadCommit(fields);
    pull.pull_request.changed_files = ChangedFiles(fields);
    fields.Done();
    report = sources.PullRequest(scope, pull);
  } else if (kind == "s3") {
    triggers::S3Change change;
    change.bucket = Required(fields, "bucket");
    change.key = Required(fields, "key");
    change.version_id = Required(fields, "versionId");
    change.etag = fields.String("etag").value_or("");
    fields.Done();
    report = sources.NewObjectVersion(scope, change);
  } else if (kind == "ecr") {
    triggers::EcrPush push;
    push.repository = Required(fields, "repository");
    push.tag = Required(fields, "tag");
    push.digest = Required(fields, "digest");
    if (!push.digest.starts_with("sha256:") || push.digest.size() != 71 ||
        !IsHex(std::string_view(push.digest).substr(7))) {
      BadField("digest", "must be sha256: and 64 lower-case hex digits");
    }
    fields.Done();
    report = sources.NewImage(scope, push);
  } else if (kind == "codecommit") {
    triggers::CodeCommitPush push;
    push.repository = Required(fields, "repository");
    push.branch = Required(fields, "branch");
    push.commit = ReadCommit(fields);
    fields.Done();
    report = sources.CodeCommit(scope, push);
  } else {
    throw ControlError{404, "NotFound",
                       "no source /_sluice/sources/" + std::string(kind) +
                           "; sources are push, pull-request, s3, ecr and codecommit",
                       ""};
  }
  return ReportJson(report);
}

}  // namespace sluice::control
