#include "sluice/domain/engine/variable_resolver.h"

namespace sluice::domain {

Result<std::string> ResolveVariables(std::string_view text, const VariableScope& scope) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("#{", pos);
    if (open == std::string_view::npos) break;
    const auto close = text.find('}', open + 2);
    if (close == std::string_view::npos) break;  // not a reference: kept literally
    const std::string_view reference = text.substr(open + 2, close - open - 2);
    const auto dot = reference.find('.');
    out.append(text.substr(pos, open - pos));
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == reference.size()) {
      return ServiceError::Validation("Invalid variable reference #{" + std::string(reference) +
                                      "}: expected #{namespace.variable}");
    }
    const std::string_view ns = reference.substr(0, dot);
    const std::string_view name = reference.substr(dot + 1);
    const auto ns_it = scope.find(ns);
    if (ns_it == scope.end()) {
      return ServiceError::Validation("Unable to resolve variable #{" + std::string(reference) +
                                      "}: no namespace '" + std::string(ns) +
                                      "' is available to this action");
    }
    const auto value_it = ns_it->second.find(std::string(name));
    if (value_it == ns_it->second.end()) {
      return ServiceError::Validation("Unable to resolve variable #{" + std::string(reference) +
                                      "}: namespace '" + std::string(ns) +
                                      "' has no variable '" + std::string(name) + "'");
    }
    out.append(value_it->second);
    pos = close + 1;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace sluice::domain
