#include "json_body.h"

#include <string>

namespace sluice::protocol {

namespace {

// Counts nesting without parsing, so that the check itself cannot recurse.
bool TooDeep(std::string_view body) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) return true;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace

Result<nlohmann::json> ParseJsonBody(std::string_view body) {
  if (body.empty()) return nlohmann::json::object();
  if (TooDeep(body)) {
    return ServiceError::Serialization("JSON nesting is deeper than " +
                                       std::to_string(kMaxJsonDepth) + " levels");
  }
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return ServiceError::Serialization("The request body is not valid JSON");
  if (!parsed.is_object()) {
    return ServiceError::Serialization("Start of list found where not expected: the request "
                                       "body must be a JSON object");
  }
  return parsed;
}

}  // namespace sluice::protocol
