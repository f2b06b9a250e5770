// HttpSession: one TCP connection, plain or TLS. It owns its stream, runs on
// its own strand and keeps itself alive through shared_from_this() bound into each handler
// (the pattern of Beast's async server example). Requests are read one at a
// time with a fresh parser carrying the header and body limits, and every
// read is bounded by the idle timeout, so a slow or silent client costs one
// socket for at most that long.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "http_framing.h"
#include "session_registry.h"
#include "sluice/net/request_handler.h"
#include "sluice/net/server.h"

namespace sluice::net {

// What every session of one server shares; outlives all sessions.
struct SessionContext {
  RequestHandler& handler;
  const ServerOptions& options;
  SessionRegistry& registry;
  boost::asio::ssl::context* tls = nullptr;  // HTTPS when set
};

// One connection, over plain TCP or TLS (MakeHttpSession picks by whether the
// context has a TLS context). The registry, the listener and a Responder
// reach every session through this interface; the stream-specific work is in
// http_session.cpp, written once for both streams.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  virtual ~HttpSession() = default;

  // Starts reading requests (after the TLS handshake, over TLS).
  virtual void Start() = 0;
  // Answers `reason` at once and closes: for connections over the cap.
  virtual void RejectAndClose(RejectReason reason) = 0;
  // Graceful shutdown: an idle connection closes now, a busy one after its
  // response is written; an exchange answered later, or a stream, ends now.
  virtual void Shutdown() = 0;

  // What a Responder (request_handler.h) asks, on the session's strand.
  virtual void AsyncReply(HttpResponse&& response) = 0;
  virtual void AsyncOpenStream(HttpResponse&& head) = 0;
  virtual void AsyncWrite(std::string data, std::function<void(bool)> written) = 0;
  virtual void AsyncClose() = 0;
  virtual void AsyncOnClosed(std::function<void()> closed) = 0;
};

// A session for an accepted socket: TLS when `context.tls` is set.
std::shared_ptr<HttpSession> MakeHttpSession(boost::asio::ip::tcp::socket&& socket,
                                             SessionContext& context);

}  // namespace sluice::net
