#include "http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "sluice/common/logging.h"

namespace sluice::net {

namespace beast = boost::beast;
namespace http = beast::http;

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, SessionContext& context)
    : stream_(std::move(socket)), context_(context) {}

HttpSession::~HttpSession() {
  if (registry_id_ != 0) context_.registry.Remove(registry_id_);
}

void HttpSession::Start() {
  registry_id_ = context_.registry.Add(weak_from_this());
  // Run on the session's strand: the socket was accepted onto it.
  boost::asio::dispatch(stream_.get_executor(),
                        [self = shared_from_this()] { self->DoRead(); });
}

void HttpSession::RejectAndClose(RejectReason reason) {
  registry_id_ = context_.registry.Add(weak_from_this());
  boost::asio::dispatch(stream_.get_executor(), [self = shared_from_this(), reason] {
    // The client's request is unread: drain it so it reads our answer.
    self->linger_ = true;
    self->Send(self->context_.handler.Reject(reason, 11), /*close_after=*/true);
  });
}

void HttpSession::Shutdown() {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    // A pending read is cancelled; a pending write finishes, then closes.
    if (self->reading_) self->stream_.socket().cancel();
  });
}

void HttpSession::DoRead() {
  if (closing_) return DoClose();
  // A new parser per request: Beast requires a fresh one for each message,
  // and it carries this request's limits.
  parser_.emplace();
  ApplyRequestLimits(*parser_, context_.options);
  // A pipelined client may already have sent the next request.
  if (buffer_.size() > 0) return ParseBuffered();
  DoReadSome();
}

void HttpSession::DoReadSome() {
  // The idle timeout bounds each socket read, not the whole request: a client
  // that keeps sending is never cut off, one that falls silent is. (Beast's
  // http::async_read_some would read a whole header under one deadline.)
  constexpr std::size_t kReadChunk = 8 * 1024;
  stream_.expires_after(context_.options.idle_timeout);
  reading_ = true;
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
}

void HttpSession::OnRead(beast::error_code ec, std::size_t bytes) {
  reading_ = false;
  if (ec || closing_) {
    // End of stream, timeout, cancellation by shutdown, or a socket error:
    // nothing more can be answered on this connection.
    if (ec && ec != beast::error::timeout && ec != boost::asio::error::eof &&
        ec != boost::asio::error::operation_aborted) {
      Logger(kNetLogger)->debug("read failed: {}", ec.message());
    }
    return DoClose();
  }
  buffer_.commit(bytes);
  ParseBuffered();
}

void HttpSession::ParseBuffered() {
  const ParseStep step = ParseBufferedRequest(*parser_, buffer_);
  switch (step.state) {
    case ParseStep::State::kNeedMore: return DoReadSome();
    case ParseStep::State::kRefused:
      // Past a limit the rest of the request is still arriving: drain it
      // after answering, so the client reads our answer instead of a
      // connection reset. Malformed HTTP has no length to trust: just close.
      linger_ = step.refusal != RejectReason::kMalformedHttp;
      return Send(context_.handler.Reject(step.refusal, step.http_version), true);
    case ParseStep::State::kComplete: break;
  }
  HttpRequest request = parser_->release();
  const bool close_after = !request.keep_alive();
  Send(context_.handler.Handle(std::move(request)), close_after);
}

void HttpSession::Send(HttpResponse&& response, bool close_after) {
  response_ = std::move(response);
  close_after = close_after || closing_;
  PrepareForWrite(response_, close_after);
  stream_.expires_after(context_.options.idle_timeout);
  http::async_write(stream_, response_,
                    beast::bind_front_handler(&HttpSession::OnWrite, shared_from_this(),
                                              close_after));
}

void HttpSession::OnWrite(bool close_after, beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) {
    Logger(kNetLogger)->debug("write failed: {}", ec.message());
    return DoClose();
  }
  if (close_after || closing_) return DoClose();
  DoRead();
}

void HttpSession::DoClose() {
  beast::error_code ec;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  if (linger_) {
    linger_ = false;
    return DoDrain();
  }
  stream_.socket().close(ec);
}

void HttpSession::DoDrain() {
  // Read and discard what the client still sends, up to a bound in bytes and
  // time, then close.
  constexpr std::size_t kMaxDrainBytes = 64 * 1024 * 1024;
  if (drained_ >= kMaxDrainBytes) return DoClose();
  constexpr std::size_t kDrainChunk = 16 * 1024;
  if (!drain_buffer_) drain_buffer_ = std::make_unique<char[]>(kDrainChunk);
  stream_.expires_after(std::chrono::seconds(2));
  stream_.async_read_some(
      boost::asio::buffer(drain_buffer_.get(), kDrainChunk),
      [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
        self->drained_ += bytes;
        if (ec) return self->DoClose();
        self->DoDrain();
      });
}

}  // namespace sluice::net
