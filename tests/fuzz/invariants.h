// What the fuzzers check of every answer, whatever the input. A broken
// invariant abort()s, which libFuzzer reports as a crash, saving the input.
// The rules are the README's "The wire": every response carries
// x-amzn-RequestId and the AWS JSON 1.1 content type; an error is a JSON body
// with __type and message, named again by x-amzn-ErrorType; and no 5xx other
// than the documented 503 ServiceUnavailableException (a 500 InternalFailure
// means a bug; with every operation implemented, so does a 501).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "sluice/common/result.h"
#include "sluice/net/request_handler.h"
#include "sluice/protocol/error_mapper.h"

namespace sluice::fuzz {

// Aborts, naming the invariant and showing `detail`, unless `holds`.
inline void Require(bool holds, std::string_view invariant, std::string_view detail = {}) {
  if (holds) return;
  std::fprintf(stderr, "\nfuzz invariant broken: %.*s\n%.*s\n", static_cast<int>(invariant.size()),
               invariant.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// A status sluice may answer, for an error of type `type` (empty on success).
inline void RequireDocumentedStatus(unsigned status, std::string_view type,
                                    std::string_view detail) {
  const bool documented = (status == 200 && type.empty()) ||
                          (status >= 400 && status < 500 && !type.empty()) ||
                          (status == 503 && type == "ServiceUnavailableException");
  Require(documented, "status is 200, 4xx or 503 ServiceUnavailableException", detail);
}

// JSON text that parses to an object; never throws.
inline nlohmann::json ParseObject(std::string_view text, std::string_view what) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  Require(!parsed.is_discarded() && parsed.is_object(), what, text);
  return parsed;
}

// One AWS JSON 1.1 response, as the router answered it. HEAD responses have
// headers only (the router clears their body), so their body is not read.
inline void RequireWireResponse(const net::HttpResponse& response, bool head_request) {
  const std::string detail = [&] {
    std::string text = std::to_string(response.result_int()) + " ";
    text.append(response.body().data(), response.body().size());
    return text;
  }();
  const auto header = [&](std::string_view name) {
    const auto it = response.find(boost::beast::string_view(name.data(), name.size()));
    return it == response.end() ? std::string() : std::string(it->value());
  };
  Require(!header("x-amzn-RequestId").empty(), "every response has x-amzn-RequestId", detail);
  Require(header("Content-Type") == "application/x-amz-json-1.1",
          "every response is application/x-amz-json-1.1", detail);
  const std::string error_type = header("x-amzn-ErrorType");
  RequireDocumentedStatus(response.result_int(), error_type, detail);
  if (head_request) {
    Require(response.body().empty(), "a HEAD response has no body", detail);
    return;
  }
  const nlohmann::json body = ParseObject(response.body(), "every body is a JSON object");
  if (response.result_int() == 200) return;
  Require(body.contains("__type") && body["__type"].is_string() &&
              body["__type"].get<std::string>() == error_type,
          "an error body's __type is a string naming x-amzn-ErrorType", detail);
  Require(body.contains("message") && body["message"].is_string() &&
              !body["message"].get<std::string>().empty(),
          "an error body has a non-empty message", detail);
}

// One operation's outcome, before the router puts it on the wire: a JSON
// object, or an error whose wire status is documented. `implemented` says
// whether the operation has a handler: one without may still answer a
// ValidationException (validation comes first), but only it answers 501.
inline void RequireOperationOutcome(const Result<std::string>& outcome, bool implemented) {
  if (outcome.ok()) {
    ParseObject(outcome.value(), "an operation's response is a JSON object");
    return;
  }
  const ServiceError& error = outcome.error();
  const protocol::WireError wire = protocol::MapError(error.code());
  const std::string detail = std::string(wire.type) + ": " + error.message();
  RequireDocumentedStatus(wire.status, wire.type, detail);
  Require(!error.message().empty(), "an error has a message", detail);
  Require(wire.status != 501 || !implemented,
          "only an operation without a handler answers NotImplementedException", detail);
}

}  // namespace sluice::fuzz
