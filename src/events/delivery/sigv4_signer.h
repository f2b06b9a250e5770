// AWS Signature Version 4 for one outgoing request: the headers that make
// `request` acceptable to an AWS endpoint (docs: "Create a signed AWS API
// request"). Pure functions of their arguments, time included, so tests can
// check them against AWS's documented example; thread-safe.
//
// The time must be real wall time: AWS refuses a signature more than five
// minutes off, so a caller signs with the system clock even when sluice's
// own clock is manual.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "events/delivery/http_headers.h"

namespace sluice::events::delivery {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::optional<std::string> session_token;  // temporary credentials only
};

struct SigV4Request {
  std::string method;  // "POST"
  // The Host header as sent: "events.us-east-1.amazonaws.com", "localhost:4566".
  std::string host;
  std::string path;   // as sent (percent-encoded already): "/"
  std::string query;  // as sent, without the '?': "Action=ListUsers&Version=2010-05-08"
  // The other headers sent, all signed; not Host, X-Amz-Date or
  // X-Amz-Security-Token, which the signer owns.
  HttpHeaders headers;
  std::string payload;
};

struct SigV4Signature {
  // The headers to add to the request: X-Amz-Date, X-Amz-Security-Token
  // (with a session token) and Authorization.
  HttpHeaders headers;
  // The steps' results, for tests and for debugging a refused signature.
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "content-type;host;x-amz-date"
  std::string signature;       // 64 lowercase hex digits
};

SigV4Signature SignSigV4(const SigV4Request& request, std::string_view region,
                         std::string_view service, const AwsCredentials& credentials,
                         std::chrono::system_clock::time_point when);

}  // namespace sluice::events::delivery
