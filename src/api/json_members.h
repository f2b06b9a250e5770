// Reading optional members of validated input: a member that is absent or
// null is nullopt. The model validator has already checked the types.
#pragma once

#include <cstddef>
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

}  // namespace sluice::api
