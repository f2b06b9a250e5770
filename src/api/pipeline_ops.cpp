#include "sluice/api/pipeline_ops.h"

#include <nlohmann/json.hpp>

#include "json_members.h"
#include "sluice/api/execution_ops.h"
#include "sluice/api/tag_ops.h"
#include "sluice/common/logging.h"

namespace sluice::api {

namespace {

using nlohmann::json;

json SummaryJson(const domain::PipelineSummary& summary) {
  return {{"name", summary.name},
          {"version", summary.version},
          {"pipelineType", std::string(domain::ToString(summary.type))},
          {"executionMode", std::string(domain::ToString(summary.mode))},
          {"created", ToEpochSeconds(summary.created)},
          {"updated", ToEpochSeconds(summary.updated)}};
}

}  // namespace

domain::Scope ScopeOf(const CallContext& context) {
  return {context.account_id, context.region};
}

GetPipelineRequest DecodeGetPipeline(const json& input) {
  return {input.at("name").get<std::string>(), OptionalMember<int>(input, "version")};
}

ListPipelinesRequest DecodeListPipelines(const json& input) {
  return {OptionalString(input, "nextToken"), OptionalSize(input, "maxResults")};
}

std::string EncodePipelineWithMetadata(const domain::PipelineSnapshot& snapshot) {
  const json metadata = {{"pipelineArn", snapshot.arn},
                         {"created", ToEpochSeconds(snapshot.summary.created)},
                         {"updated", ToEpochSeconds(snapshot.summary.updated)}};
  return R"({"pipeline":)" + snapshot.declaration + R"(,"metadata":)" + metadata.dump() + "}";
}

std::string EncodePipelinePage(const domain::PipelinePage& page) {
  json body = {{"pipelines", json::array()}};
  for (const auto& summary : page.pipelines) body["pipelines"].push_back(SummaryJson(summary));
  if (page.next_token) body["nextToken"] = *page.next_token;
  return body.dump();
}

void RegisterPipelineOps(OperationTable& table, domain::PipelineService& service,
                         PipelineOpsOptions options) {
  table.Register("CreatePipeline", [&service, options](const CallContext& context,
                                                       const json& input) -> Result<std::string> {
    auto tags = DecodeTags(input);
    if (!tags) return tags.error();
    const std::string tags_json = TagsJson(*tags).dump();
    auto created = service.Create(ScopeOf(context), input.at("pipeline"), std::move(*tags));
    if (!created) return created.error();
    if (options.executions != nullptr && options.start_on_create) {
      domain::StartRequest first;
      first.trigger = {"CreatePipeline", CallerArn(context)};
      // A pipeline whose variables need values at start cannot run by itself.
      if (auto started = options.executions->Start(ScopeOf(context), created->summary.name,
                                                   std::move(first));
          !started) {
        Logger(kApiLogger)->info("pipeline {} not started on creation: {}",
                                 created->summary.name, started.error().message());
      }
    }
    std::string body = R"({"pipeline":)" + created->declaration;
    if (tags_json != "[]") body += R"(,"tags":)" + tags_json;
    return body + "}";
  });

  table.Register("GetPipeline", [&service](const CallContext& context, const json& input)
                                    -> Result<std::string> {
    const auto request = DecodeGetPipeline(input);
    auto snapshot = service.Get(ScopeOf(context), request.name, request.version);
    if (!snapshot) return snapshot.error();
    return EncodePipelineWithMetadata(*snapshot);
  });

  table.Register("UpdatePipeline", [&service, options](const CallContext& context,
                                                       const json& input) -> Result<std::string> {
    auto updated = service.Update(ScopeOf(context), input.at("pipeline"));
    if (!updated) return updated.error();
    if (options.executions != nullptr) {
      options.executions->PipelineUpdated(ScopeOf(context), updated->summary.name);
    }
    return R"({"pipeline":)" + updated->declaration + "}";
  });

  table.Register("DeletePipeline", [&service, options](const CallContext& context,
                                                       const json& input) -> Result<std::string> {
    const auto name = input.at("name").get<std::string>();
    service.Delete(ScopeOf(context), name);
    if (options.executions != nullptr) options.executions->PipelineDeleted(ScopeOf(context), name);
    return std::string("{}");
  });

  table.Register("ListPipelines", [&service](const CallContext& context, const json& input)
                                      -> Result<std::string> {
    const auto request = DecodeListPipelines(input);
    auto page = service.List(ScopeOf(context), request.next_token, request.max_results);
    if (!page) return page.error();
    return EncodePipelinePage(*page);
  });
}

}  // namespace sluice::api
