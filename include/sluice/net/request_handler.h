// RequestHandler: the seam between the socket code and everything above it.
// net calls it with whole HTTP requests and writes back what it returns, so the
// layers above can be tested without a socket. Implementations must be
// thread-safe: sessions on different threads call it concurrently.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace sluice::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Why net refused a request before it was read whole.
enum class RejectReason {
  kBodyTooLarge,
  kHeaderTooLarge,
  kMalformedHttp,
  kTooManyConnections,
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual HttpResponse Handle(HttpRequest&& request) = 0;
  // The answer for a request net could not read; the connection closes after it.
  virtual HttpResponse Reject(RejectReason reason, unsigned http_version) = 0;
};

}  // namespace sluice::net
