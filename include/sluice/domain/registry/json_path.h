// JSONPath syntax, as webhook filters use it (PutWebhook's jsonPath, e.g.
// "$.ref" or "$.commits[0].author"): whether a text is one well-formed path.
// Only the syntax is read; no document is evaluated here.
#pragma once

#include <string_view>

namespace sluice::domain {

// "$" then member (.name, ..name, .*), index, slice, union, wildcard or
// filter ([?(...)]) selectors.
bool IsJsonPath(std::string_view path);

}  // namespace sluice::domain
