// Readers and writers of members the operation families share: optional
// members of validated request JSON, string maps, omitted empties. Private to
// the api layer. Stateless: safe anywhere.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sluice::api {

inline std::optional<std::string> OptionalString(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

inline std::optional<std::size_t> MaxResults(const nlohmann::json& input,
                                             const char* key = "maxResults") {
  const auto it = input.find(key);
  if (it == input.end() || it->is_null()) return std::nullopt;
  return it->get<std::size_t>();
}

inline nlohmann::json StringMap(const std::map<std::string, std::string>& map) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : map) object[key] = value;
  return object;
}

inline std::map<std::string, std::string> ReadStringMap(const nlohmann::json& object,
                                                        const char* key) {
  std::map<std::string, std::string> map;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_object()) return map;
  for (const auto& [name, value] : it->items()) {
    if (value.is_string()) map[name] = value.get<std::string>();
  }
  return map;
}

// AWS omits empty optional strings.
inline void SetIfNotEmpty(nlohmann::json& object, const char* key, const std::string& value) {
  if (!value.empty()) object[key] = value;
}

}  // namespace sluice::api
