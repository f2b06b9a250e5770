#include "sluice/api/deploy_target_ops.h"

#include <nlohmann/json.hpp>
#include <set>

#include "json_members.h"
#include "sluice/api/pipeline_ops.h"

namespace sluice::api {

namespace {

using nlohmann::json;

// The model gives maxResults 1-100 and no default; sluice fills a page.
constexpr std::size_t kDeployTargetPageSize = 100;

json EventJson(const domain::DeployTargetEvent& event) {
  json item = {{"name", event.name}, {"status", event.status}};
  if (event.start_time) item["startTime"] = ToEpochSeconds(*event.start_time);
  if (event.end_time) item["endTime"] = ToEpochSeconds(*event.end_time);
  json context = json::object();
  SetIfNotEmpty(context, "ssmCommandId", event.ssm_command_id);
  SetIfNotEmpty(context, "message", event.message);
  if (!context.empty()) item["context"] = std::move(context);
  return item;
}

json TargetJson(const domain::DeployTarget& target) {
  json item = {{"targetId", target.target_id},
               {"targetType", target.target_type},
               {"status", target.status},
               {"startTime", ToEpochSeconds(target.start_time)},
               {"events", json::array()}};
  if (target.end_time) item["endTime"] = ToEpochSeconds(*target.end_time);
  for (const auto& event : target.events) item["events"].push_back(EventJson(event));
  return item;
}

}  // namespace

domain::DeployTargetQuery DecodeDeployTargetQuery(const json& input) {
  domain::DeployTargetQuery query;
  query.pipeline = OptionalString(input, "pipelineName");
  query.action_execution_id = input.at("actionExecutionId").get<std::string>();
  if (const auto filters = input.find("filters"); filters != input.end() && filters->is_array()) {
    for (const json& filter : *filters) {
      // TARGET_STATUS is the only name the model allows; a filter that names
      // no values constrains nothing.
      if (!filter.is_object() || OptionalString(filter, "name") != "TARGET_STATUS") continue;
      const auto values = filter.find("values");
      if (values == filter.end() || !values->is_array() || values->empty()) continue;
      std::set<std::string> statuses;
      for (const json& value : *values) {
        if (value.is_string()) statuses.insert(value.get<std::string>());
      }
      query.status_filters.push_back(std::move(statuses));
    }
  }
  query.next_token = OptionalString(input, "nextToken");
  query.max_results = MaxResults(input).value_or(kDeployTargetPageSize);
  return query;
}

std::string EncodeDeployTargetPage(const domain::DeployTargetPage& page) {
  json body = {{"targets", json::array()}};
  for (const auto& target : page.targets) body["targets"].push_back(TargetJson(target));
  if (page.next_token) body["nextToken"] = *page.next_token;
  return body.dump();
}

void RegisterDeployTargetOps(OperationTable& table, const domain::DeployTargetService& service) {
  table.Register("ListDeployActionExecutionTargets",
                 [&service](const CallContext& context, const json& input) -> Result<std::string> {
                   auto page = service.List(ScopeOf(context), DecodeDeployTargetQuery(input));
                   if (!page) return page.error();
                   return EncodeDeployTargetPage(*page);
                 });
}

}  // namespace sluice::api
