// Readers for optional members of validated request JSON, shared by the
// operation families. Private to the api layer. Stateless: safe anywhere.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sluice::api {

// The member's string, or nullopt when it is absent or JSON null.
inline std::optional<std::string> OptionalString(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace sluice::api
