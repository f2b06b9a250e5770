// RequestHandler: the seam between the socket code and everything above it.
// net calls it with whole HTTP requests and writes back what it returns, so the
// layers above can be tested without a socket. Implementations must be
// thread-safe: sessions on different threads call it concurrently.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

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

// How a handler answers a request it does not answer at once: a long poll
// answers once, later; a stream (Server-Sent Events) answers in parts until
// either side ends it. Any thread may call it; the session does the work on
// its own strand. Once the connection is gone every call is ignored, and a
// Write reports false.
class Responder {
 public:
  virtual ~Responder() = default;
  // The whole answer: the exchange ends, and the connection reads the next
  // request (or closes, as for any response).
  virtual void Reply(HttpResponse response) = 0;
  // Starts a streamed answer: `head`'s status and headers, sent chunked; its
  // body is ignored. The connection closes when the stream ends.
  virtual void OpenStream(HttpResponse head) = 0;
  // Sends `data` as one chunk of an open stream, after those before it, then
  // calls `written` with whether it was written. Chunks wait in memory until
  // written: a writer bounds them by waiting for `written`. A write that does
  // not finish within the idle timeout ends the stream.
  virtual void Write(std::string data, std::function<void(bool written)> written) = 0;
  // Ends an open stream once the chunks asked for are written.
  virtual void Close() = 0;
  // Called once, on the session's strand, when the connection ends for any
  // reason other than Reply (the client went away, the server stops, Close).
  // Set it before OpenStream or Reply.
  virtual void OnClosed(std::function<void()> closed) = 0;
  // Where timers for this exchange run.
  virtual boost::asio::any_io_executor Executor() = 0;
};

// The header net sets to the client's address (e.g. "127.0.0.1" or "::1")
// on a request whose handler asks for it (NeedsPeerAddress), replacing any
// the client sent: a client cannot claim another address through it.
inline constexpr std::string_view kPeerAddressHeader = "X-Sluice-Peer-Address";

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Whether Handle needs the client's address (kPeerAddressHeader). Cheap:
  // asked of every request.
  virtual bool NeedsPeerAddress(const HttpRequest& request) const {
    (void)request;
    return false;
  }
  virtual HttpResponse Handle(HttpRequest&& request) = 0;
  // The answer for a request net could not read; the connection closes after it.
  virtual HttpResponse Reject(RejectReason reason, unsigned http_version) = 0;
  // Whether `request` is answered through a Responder (HandleAsync) rather
  // than by Handle. Cheap: asked of every request.
  virtual bool IsAsync(const HttpRequest& request) const {
    (void)request;
    return false;
  }
  // Answers `request` through `responder`, now or later.
  virtual void HandleAsync(HttpRequest&& request, std::shared_ptr<Responder> responder) {
    (void)request;
    (void)responder;
  }
};

}  // namespace sluice::net
