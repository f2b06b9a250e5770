// JSONPath, as webhook filters use it (PutWebhook's jsonPath, e.g. "$.ref"
// or "$.commits[0].author"): whether a text is one well-formed path, and
// which values of a JSON document a path selects. CodePipeline points at
// Jayway's Java JsonPath; where implementations differ, selection here
// follows RFC 9535 (slices, negative indexes, descendant order).
//
// Both functions are pure and thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>
#include <vector>

namespace sluice::domain {

// "$" then member (.name, ..name, .*), index, slice, union, wildcard or
// filter ([?(...)]) selectors.
bool IsJsonPath(std::string_view path);

// The values of `document` that `path` selects, in RFC 9535 order (array
// elements in order, object members in nlohmann::json's key order, a node
// before its descendants), duplicates kept; they point into `document`.
//   $            the document itself
//   .name ['name'] ["name"]   an object's member (quoted names take the
//                JSON escapes \" \' \\ \/ \b \f \n \r \t \uXXXX)
//   [n]          an array's element; negative n counts from the end
//   [*] .*       every element or member value
//   [start:end:step]  an array slice, each part optional; step 0 selects
//                nothing
//   [a,'b',1:3]  a union: each selector's values, in turn
//   ..name ..* ..[...]  the selector applied to the node and every
//                descendant
//   [?(...)]     a filter: accepted by IsJsonPath, but selects nothing here
//                (no expression language is evaluated)
// A selector that does not fit the value (a name on an array, an index out
// of range) selects nothing. A text IsJsonPath() refuses selects nothing.
// Evaluation walks the document with an explicit stack, never recursively,
// and gives up (selecting nothing) past about a million steps, so that a
// path like "$..*..*..*" cannot make a webhook request arbitrarily costly.
std::vector<const nlohmann::json*> SelectJsonPath(std::string_view path,
                                                  const nlohmann::json& document);

}  // namespace sluice::domain
