// Decoding an AWS JSON 1.1 request body into the JSON object the operations
// take. The router calls it for every request, and the operation-input fuzzer
// (tests/fuzz) calls it directly. Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "sluice/common/result.h"

namespace sluice::protocol {

// Deeper JSON than any CodePipeline request needs is refused before parsing,
// so no hostile body can make a recursive walk run out of stack.
inline constexpr std::size_t kMaxJsonDepth = 64;

// An empty body is an empty request ({}). Invalid JSON, JSON deeper than
// kMaxJsonDepth and anything but an object are a SerializationException.
Result<nlohmann::json> ParseJsonBody(std::string_view body);

}  // namespace sluice::protocol
