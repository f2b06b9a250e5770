#include "sluice/api/job_ops.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "json_members.h"
#include "sluice/api/pipeline_ops.h"

namespace sluice::api {

namespace {

using nlohmann::json;

std::string Str(const json& input, const char* key) { return input.at(key).get<std::string>(); }

json JobArtifactsJson(const std::vector<domain::ArtifactLocation>& artifacts) {
  json list = json::array();
  for (const auto& artifact : artifacts) {
    json item = {{"name", artifact.name}};
    if (!artifact.bucket.empty()) {
      item["location"] = {{"type", "S3"},
                          {"s3Location", {{"bucketName", artifact.bucket}, {"objectKey", artifact.key}}}};
    }
    list.push_back(std::move(item));
  }
  return list;
}

json JobDataJson(const domain::Job& job) {
  // Credentials of the AWS form, which nothing checks, the same for every
  // read of one job: workers that hand them to an S3 client pointed at a
  // local store keep working.
  std::string key_suffix;
  for (const char c : job.id) {
    if (c != '-') key_suffix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  json data = {
      {"actionTypeId",
       {{"category", job.type.category},
        {"owner", job.type.owner},
        {"provider", job.type.provider},
        {"version", job.type.version}}},
      {"actionConfiguration", {{"configuration", StringMap(job.configuration)}}},
      {"pipelineContext",
       {{"pipelineName", job.pipeline_name},
        {"stage", {{"name", job.stage_name}}},
        {"action", {{"name", job.action_name}, {"actionExecutionId", job.action_execution_id}}},
        {"pipelineArn", "arn:aws:codepipeline:" + job.scope.region + ":" + job.scope.account_id +
                            ":" + job.pipeline_name},
        {"pipelineExecutionId", job.execution_id}}},
      {"inputArtifacts", JobArtifactsJson(job.input_artifacts)},
      {"outputArtifacts", JobArtifactsJson(job.output_artifacts)},
      {"artifactCredentials",
       {{"accessKeyId", "ASIA" + key_suffix.substr(0, 16)},
        {"secretAccessKey", key_suffix + key_suffix.substr(0, 8)},
        {"sessionToken", "sluice-session-" + job.id}}}};
  if (!job.continuation_token.empty()) data["continuationToken"] = job.continuation_token;
  return data;
}

domain::ActionTypeKey TypeOf(const json& input) {
  const json& type = input.at("actionTypeId");
  return {Str(type, "category"), Str(type, "owner"), Str(type, "provider"), Str(type, "version")};
}

std::size_t BatchSize(const json& input) { return OptionalSize(input, "maxBatchSize").value_or(1); }

domain::JobSuccess DecodeSuccess(const json& input) {
  domain::JobSuccess success;
  success.continuation_token = OptionalString(input, "continuationToken");
  if (const auto it = input.find("currentRevision"); it != input.end() && it->is_object()) {
    success.revision = OptionalString(*it, "revision");
  }
  if (const auto it = input.find("executionDetails"); it != input.end() && it->is_object()) {
    success.summary = OptionalString(*it, "summary");
    success.external_execution_id = OptionalString(*it, "externalExecutionId");
    if (const auto percent = it->find("percentComplete");
        percent != it->end() && percent->is_number_integer()) {
      success.percent_complete = percent->get<int>();
    }
  }
  success.output_variables = ReadStringMap(input, "outputVariables");
  return success;
}

domain::JobFailure DecodeFailure(const json& input) {
  const json& details = input.at("failureDetails");
  return {Str(details, "type"), Str(details, "message"),
          OptionalString(details, "externalExecutionId")};
}

Result<std::string> Empty(const Status& status) {
  if (!status) return status.error();
  return std::string("{}");
}

// API reference, PollForJobs: "PollForJobs is valid only for action types
// with \"Custom\" in the owner field. If the action type contains AWS or
// ThirdParty in the owner field, the PollForJobs action returns an error."
// The error is not named; ValidationException is the closest modeled one.
// AWS-owned providers that --external-providers hands to workers are
// pollable, as that flag promises.
Status CheckPollable(const domain::Scope& scope, const domain::ActionTypeKey& type,
                     const domain::ExecutionEngine& engine,
                     const domain::ActionTypeRegistry& action_types) {
  if (type.owner == "Custom") {
    auto found = action_types.Get(scope, {type.category, type.owner, type.provider, type.version});
    if (!found) return found.error();
    return Ok{};
  }
  if (type.owner == "AWS" && engine.RunsExternally(type.provider)) return Ok{};
  return ServiceError::Validation(
                      "PollForJobs is valid only for action types with owner Custom; " +
                          type.owner + " action types have no jobs for workers to poll");
}

// API reference, PollForThirdPartyJobs: "Used for partner actions only."
// Other owners get ValidationException, an unknown partner type
// ActionTypeNotFoundException, as for PollForJobs.
Status CheckThirdPartyPollable(const domain::Scope& scope, const domain::ActionTypeKey& type,
                               const domain::ActionTypeRegistry& action_types) {
  if (type.owner != "ThirdParty") {
    return ServiceError::Validation(
                        "PollForThirdPartyJobs is valid only for action types with owner "
                        "ThirdParty, not " + type.owner);
  }
  auto found = action_types.Get(scope, {type.category, type.owner, type.provider, type.version});
  if (!found) return found.error();
  return Ok{};
}

}  // namespace

std::string EncodeJobData(const domain::Job& job) { return JobDataJson(job).dump(); }

void RegisterJobOps(OperationTable& table, domain::ExecutionEngine& engine,
                    const domain::ActionTypeRegistry& action_types) {
  table.Register("PollForJobs", [&engine, &action_types](const CallContext& context,
                                                         const json& input) -> Result<std::string> {
    const domain::ActionTypeKey type = TypeOf(input);
    if (auto status = CheckPollable(ScopeOf(context), type, engine, action_types); !status) {
      return status.error();
    }
    json body = {{"jobs", json::array()}};
    for (const domain::Job& job :
         engine.PollJobs(ScopeOf(context), domain::JobKind::kCustom, type,
                         BatchSize(input), ReadStringMap(input, "queryParam"))) {
      body["jobs"].push_back({{"id", job.id},
                              {"data", JobDataJson(job)},
                              {"nonce", job.nonce},
                              {"accountId", job.scope.account_id}});
    }
    return body.dump();
  });

  table.Register("AcknowledgeJob", [&engine](const CallContext& context,
                                             const json& input) -> Result<std::string> {
    auto status =
        engine.AcknowledgeJob(ScopeOf(context), Str(input, "jobId"), Str(input, "nonce"), {});
    if (!status) return status.error();
    return json{{"status", std::string(domain::ToString(*status))}}.dump();
  });

  table.Register("GetJobDetails", [&engine](const CallContext& context,
                                            const json& input) -> Result<std::string> {
    auto job = engine.GetJob(ScopeOf(context), Str(input, "jobId"), {});
    if (!job) return job.error();
    return json{{"jobDetails",
                 {{"id", job->id}, {"data", JobDataJson(*job)}, {"accountId", job->scope.account_id}}}}
        .dump();
  });

  table.Register("PutJobSuccessResult", [&engine](const CallContext& context,
                                                  const json& input) -> Result<std::string> {
    return Empty(engine.SucceedJob(ScopeOf(context), Str(input, "jobId"), DecodeSuccess(input), {}));
  });

  table.Register("PutJobFailureResult", [&engine](const CallContext& context,
                                                  const json& input) -> Result<std::string> {
    return Empty(engine.FailJob(ScopeOf(context), Str(input, "jobId"), DecodeFailure(input), {}));
  });

  table.Register("PollForThirdPartyJobs", [&engine, &action_types](
                                              const CallContext& context,
                                              const json& input) -> Result<std::string> {
    const domain::ActionTypeKey type = TypeOf(input);
    if (auto status = CheckThirdPartyPollable(ScopeOf(context), type, action_types); !status) {
      return status.error();
    }
    json body = {{"jobs", json::array()}};
    for (const domain::Job& job : engine.PollJobs(ScopeOf(context), domain::JobKind::kThirdParty,
                                                  type, BatchSize(input), {})) {
      body["jobs"].push_back({{"clientId", job.client_id}, {"jobId", job.id}});
    }
    return body.dump();
  });

  table.Register("AcknowledgeThirdPartyJob", [&engine](const CallContext& context,
                                                       const json& input) -> Result<std::string> {
    auto status = engine.AcknowledgeJob(ScopeOf(context), Str(input, "jobId"), Str(input, "nonce"),
                                        Str(input, "clientToken"));
    if (!status) return status.error();
    return json{{"status", std::string(domain::ToString(*status))}}.dump();
  });

  table.Register("GetThirdPartyJobDetails", [&engine](const CallContext& context,
                                                      const json& input) -> Result<std::string> {
    auto job = engine.GetJob(ScopeOf(context), Str(input, "jobId"), Str(input, "clientToken"));
    if (!job) return job.error();
    return json{{"jobDetails", {{"id", job->id}, {"data", JobDataJson(*job)}, {"nonce", job->nonce}}}}
        .dump();
  });

  table.Register("PutThirdPartyJobSuccessResult", [&engine](const CallContext& context,
                                                            const json& input) -> Result<std::string> {
    return Empty(engine.SucceedJob(ScopeOf(context), Str(input, "jobId"), DecodeSuccess(input),
                                   Str(input, "clientToken")));
  });

  table.Register("PutThirdPartyJobFailureResult", [&engine](const CallContext& context,
                                                            const json& input) -> Result<std::string> {
    return Empty(engine.FailJob(ScopeOf(context), Str(input, "jobId"), DecodeFailure(input),
                                Str(input, "clientToken")));
  });
}

}  // namespace sluice::api
