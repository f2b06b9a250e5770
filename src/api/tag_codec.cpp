#include "sluice/api/tag_codec.h"

#include <nlohmann/json.hpp>
#include <set>

namespace sluice::api {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxTagsPerResource = 50;  // AWS's quota

}  // namespace

Result<std::vector<domain::Tag>> DecodeTags(const json& input) {
  std::vector<domain::Tag> tags;
  const auto it = input.find("tags");
  if (it == input.end() || it->is_null()) return tags;
  std::set<std::string> keys;
  for (const json& tag : *it) {
    if (tag.is_null()) continue;
    domain::Tag decoded{tag.at("key").get<std::string>(), tag.at("value").get<std::string>()};
    if (decoded.key.rfind("aws:", 0) == 0) {
      return ServiceError(ErrorCode::kInvalidTags,
                          "Not allowed to modify system tags. System tags start with 'aws:'.");
    }
    if (!keys.insert(decoded.key).second) {
      return ServiceError(ErrorCode::kInvalidTags,
                          "Tag keys must be unique. Duplicate tag key: " + decoded.key);
    }
    tags.push_back(std::move(decoded));
  }
  if (tags.size() > kMaxTagsPerResource) {
    return ServiceError(ErrorCode::kTooManyTags, "A resource can have at most " +
                                                     std::to_string(kMaxTagsPerResource) +
                                                     " tags; the request has " +
                                                     std::to_string(tags.size()));
  }
  return tags;
}

std::string EncodeTags(const std::vector<domain::Tag>& tags) {
  json list = json::array();
  for (const auto& tag : tags) list.push_back({{"key", tag.key}, {"value", tag.value}});
  return list.dump();
}

}  // namespace sluice::api
