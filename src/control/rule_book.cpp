#include "rule_book.h"

#include "control_json.h"

namespace sluice::control {

std::map<std::string, std::string> ReadMatch(FieldReader& fields,
                                             std::initializer_list<std::string_view> names) {
  std::map<std::string, std::string> match;
  const nlohmann::json* object = fields.Object("match");
  if (object == nullptr) return match;
  FieldReader match_fields(*object, "match.");
  for (const auto name : names) {
    if (auto glob = match_fields.String(std::string(name))) match.emplace(name, std::move(*glob));
  }
  match_fields.Done();
  return match;
}

RuleLimits ReadLimits(FieldReader& fields, bool with_probability) {
  RuleLimits limits;
  limits.times = fields.Count("times", 1, UINT32_MAX);
  limits.skip = fields.Count("skip", 0, UINT32_MAX).value_or(0);
  if (with_probability) limits.probability = fields.Number("probability", 0, 1);
  return limits;
}

}  // namespace sluice::control
