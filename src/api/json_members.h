// Readers and writers of members the operation families share: optional
// members of validated request JSON (absent or null is nullopt; the model
// validator has already checked the types), string maps, omitted empties.
// Private to the api layer. Stateless: safe anywhere.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sluice::api {

template <typename T>
std::optional<T> OptionalMember(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

inline std::optional<std::string> OptionalString(const nlohmann::json& object, const char* key) {
  return OptionalMember<std::string>(object, key);
}

inline std::optional<std::size_t> OptionalSize(const nlohmann::json& object, const char* key) {
  return OptionalMember<std::size_t>(object, key);
}

inline std::optional<std::size_t> MaxResults(const nlohmann::json& input) {
  return OptionalSize(input, "maxResults");
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
