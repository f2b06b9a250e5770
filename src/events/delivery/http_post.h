// One HTTP/1.1 POST to a delivery target, blocking the calling thread (a
// target's own worker) until the answer comes or the timeout passes. Each
// call opens and closes its own connection and io_context, so calls on
// different threads share nothing; thread-safe. Plain http:// only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "events/delivery/http_headers.h"

namespace sluice::events::delivery {

// Where a target's requests go.
struct TargetUrl {
  std::string host;         // a name or an IP address, IPv6 without brackets
  std::uint16_t port = 80;
  std::string target = "/";  // path and query, as sent on the request line
};

// "http://host[:port][/path][?query]"; nullopt, with `*error` (when given)
// saying why, for anything else. https:// is refused with its own message:
// the project links no TLS library yet.
std::optional<TargetUrl> ParseTargetUrl(std::string_view url, std::string* error = nullptr);

// "http://host:port/path": the URL back, as stats and logs show it.
std::string FormatTargetUrl(const TargetUrl& url);

// The Host header for `url`: the port only when it is not 80, as clients
// send it (and SigV4 signs it).
std::string HostHeader(const TargetUrl& url);

struct PostRequest {
  TargetUrl url;
  HttpHeaders headers;  // a Host here replaces the default HostHeader(url)
  std::string body;
  // Bounds the whole exchange: connect, write and read together. Name
  // resolution is not covered (getaddrinfo cannot be cancelled).
  std::chrono::milliseconds timeout{5000};
};

struct PostResult {
  int status = 0;     // the HTTP status; 0 when no answer came
  std::string body;   // the answer's body (at most 1 MiB is read)
  std::string error;  // why no answer came: refused, timed out, …; empty when one did

  bool answered() const { return error.empty(); }
  bool ok() const { return answered() && status >= 200 && status < 300; }
};

// Why a send did not succeed, for stats and logs: the error, or
// "HTTP 503: <the body's first 200 characters>".
std::string DescribeFailure(const PostResult& result);

// Sends `request`; never throws.
PostResult Post(const PostRequest& request);

// How a target sends: Post, or a fake in tests, so they need no sockets.
using HttpTransport = std::function<PostResult(const PostRequest&)>;

}  // namespace sluice::events::delivery
