#include "sluice/api/tag_ops.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "json_members.h"
#include "sluice/api/pipeline_ops.h"

namespace sluice::api {

namespace {

using nlohmann::json;

std::vector<domain::Tag> TagList(const json& list) {
  std::vector<domain::Tag> tags;
  for (const json& tag : list) {
    if (tag.is_null()) continue;
    tags.push_back({tag.at("key").get<std::string>(), tag.at("value").get<std::string>()});
  }
  return tags;
}

}  // namespace

Result<std::vector<domain::Tag>> DecodeTags(const json& input) {
  const auto it = input.find("tags");
  if (it == input.end() || it->is_null()) return std::vector<domain::Tag>{};
  auto tags = TagList(*it);
  if (auto status = domain::CheckNewTags(tags); !status) return status.error();
  return tags;
}

json TagsJson(const std::vector<domain::Tag>& tags) {
  json list = json::array();
  for (const auto& tag : tags) list.push_back({{"key", tag.key}, {"value", tag.value}});
  return list;
}

void RegisterTagOps(OperationTable& table, domain::TaggingService& service) {
  table.Register("TagResource", [&service](const CallContext& context, const json& input)
                                    -> Result<std::string> {
    const auto arn = input.at("resourceArn").get<std::string>();
    if (auto status = service.Tag(ScopeOf(context), arn, TagList(input.at("tags"))); !status) {
      return status.error();
    }
    return std::string("{}");
  });

  table.Register("UntagResource", [&service](const CallContext& context, const json& input)
                                      -> Result<std::string> {
    const auto arn = input.at("resourceArn").get<std::string>();
    std::vector<std::string> keys;
    for (const json& key : input.at("tagKeys")) {
      if (!key.is_null()) keys.push_back(key.get<std::string>());
    }
    if (auto status = service.Untag(ScopeOf(context), arn, keys); !status) return status.error();
    return std::string("{}");
  });

  table.Register("ListTagsForResource", [&service](const CallContext& context, const json& input)
                                            -> Result<std::string> {
    auto page = service.List(ScopeOf(context), input.at("resourceArn").get<std::string>(),
                             OptionalString(input, "nextToken"), OptionalSize(input, "maxResults"));
    if (!page) return page.error();
    json body = {{"tags", TagsJson(page->tags)}};
    if (page->next_token) body["nextToken"] = *page->next_token;
    return body.dump();
  });
}

}  // namespace sluice::api
