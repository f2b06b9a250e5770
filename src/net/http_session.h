// HttpSession: one TCP connection. It owns its stream, runs on its own strand
// and keeps itself alive through shared_from_this() bound into each handler
// (the pattern of Beast's async server example). Requests are read one at a
// time with a fresh parser carrying the header and body limits, and every
// read is bounded by the idle timeout, so a slow or silent client costs one
// socket for at most that long.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <boost/beast/http/serializer.hpp>
#include <optional>

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
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, SessionContext& context);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Starts reading requests.
  void Start();
  // Answers `reason` at once and closes: for connections over the cap.
  void RejectAndClose(RejectReason reason);
  // Graceful shutdown: an idle connection closes now, a busy one after its
  // response is written; an exchange answered later, or a stream, ends now.
  void Shutdown();

  // What a Responder (request_handler.h) asks, on the session's strand.
  void AsyncReply(HttpResponse&& response);
  void AsyncOpenStream(HttpResponse&& head);
  void AsyncWrite(std::string data, std::function<void(bool)> written);
  void AsyncClose();
  void AsyncOnClosed(std::function<void()> closed);

 private:
  void DoRead();
  void DoReadSome();
  void ParseBuffered();
  void OnRead(boost::beast::error_code ec, std::size_t bytes);
  void Send(HttpResponse&& response, bool close_after);
  void OnWrite(bool close_after, boost::beast::error_code ec, std::size_t bytes);
  void DoClose();
  void DoDrain();
  void WriteNextChunk();
  void OnChunkWritten(boost::beast::error_code ec);
  void EndAsync();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  HttpResponse response_;  // must outlive the async write that sends it
  SessionContext& context_;
  SessionRegistry::Id registry_id_ = 0;
  bool reading_ = false;
  bool closing_ = false;
  bool linger_ = false;  // drain the rest of a refused body before closing
  std::size_t drained_ = 0;
  std::unique_ptr<char[]> drain_buffer_;  // allocated only when draining
  // An exchange answered through a Responder: nothing is read meanwhile.
  bool async_ = false;
  bool async_close_after_ = false;  // the request asked to close after its answer
  bool streaming_ = false;     // its head is sent: chunks follow
  bool writing_chunk_ = false;  // the head or a chunk is on its way
  bool head_written_ = false;
  bool close_when_written_ = false;
  struct Chunk {
    std::string data;  // must outlive the async write that sends it
    std::function<void(bool)> written;
  };
  std::deque<Chunk> chunks_;  // the front one is being written
  std::function<void()> on_closed_;
  std::optional<boost::beast::http::response_serializer<boost::beast::http::string_body>>
      head_serializer_;
};

}  // namespace sluice::net
