#include "http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "sluice/common/logging.h"

namespace sluice::net {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// A Responder for one exchange: it keeps the session alive until the answer
// is given or the connection ends, and runs each call on the session's strand.
class SessionResponder final : public Responder {
 public:
  explicit SessionResponder(std::shared_ptr<HttpSession> session,
                            boost::asio::any_io_executor executor)
      : session_(std::move(session)), executor_(std::move(executor)) {}

  void Reply(HttpResponse response) override {
    Run([response = std::move(response)](HttpSession& s) mutable { s.AsyncReply(std::move(response)); });
  }
  void OpenStream(HttpResponse head) override {
    Run([head = std::move(head)](HttpSession& s) mutable { s.AsyncOpenStream(std::move(head)); });
  }
  void Write(std::string data, std::function<void(bool)> written) override {
    Run([data = std::move(data), written = std::move(written)](HttpSession& s) mutable {
      s.AsyncWrite(std::move(data), std::move(written));
    });
  }
  void Close() override {
    Run([](HttpSession& s) { s.AsyncClose(); });
  }
  void OnClosed(std::function<void()> closed) override {
    Run([closed = std::move(closed)](HttpSession& s) mutable { s.AsyncOnClosed(std::move(closed)); });
  }
  boost::asio::any_io_executor Executor() override { return executor_; }

 private:
  template <typename Work>
  void Run(Work&& work) {
    boost::asio::dispatch(executor_, [session = session_, work = std::forward<Work>(work)]() mutable {
      work(*session);
    });
  }

  const std::shared_ptr<HttpSession> session_;
  const boost::asio::any_io_executor executor_;
};

}  // namespace

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
    // An exchange waiting for its answer, or a stream, ends now, even with a
    // write to a reader that stopped reading pending (closing cancels it).
    if (self->async_) self->DoClose();
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
  if (context_.handler.NeedsPeerAddress(request)) {
    boost::system::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    const std::string address = ec ? std::string() : peer.address().to_string();
    const boost::beast::string_view name(kPeerAddressHeader.data(), kPeerAddressHeader.size());
    request.erase(name);
    request.set(name, address);
  }
  if (context_.handler.IsAsync(request)) {
    async_ = true;
    async_close_after_ = !request.keep_alive();
    stream_.expires_never();  // the handler answers when it answers
    context_.handler.HandleAsync(
        std::move(request),
        std::make_shared<SessionResponder>(shared_from_this(), stream_.get_executor()));
    return;
  }
  const bool close_after = !request.keep_alive();
  Send(context_.handler.Handle(std::move(request)), close_after);
}

void HttpSession::AsyncReply(HttpResponse&& response) {
  if (!async_ || streaming_) return;
  async_ = false;
  on_closed_ = nullptr;  // the exchange ended with its answer
  Send(std::move(response), async_close_after_);
}

void HttpSession::AsyncOpenStream(HttpResponse&& head) {
  if (!async_ || streaming_) return;
  streaming_ = true;
  response_ = std::move(head);
  response_.body().clear();
  response_.chunked(true);
  response_.keep_alive(false);  // the stream ends with the connection
  head_serializer_.emplace(response_);
  writing_chunk_ = true;
  stream_.expires_after(context_.options.idle_timeout);
  http::async_write_header(stream_, *head_serializer_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             self->OnChunkWritten(ec);
                           });
}

void HttpSession::AsyncWrite(std::string data, std::function<void(bool)> written) {
  if (!streaming_ || closing_ || !stream_.socket().is_open()) {
    if (written) written(false);
    return;
  }
  chunks_.push_back({std::move(data), std::move(written)});
  if (!writing_chunk_) WriteNextChunk();
}

void HttpSession::WriteNextChunk() {
  if (chunks_.empty()) {
    if (close_when_written_) return AsyncClose();
    return;
  }
  writing_chunk_ = true;
  // A reader that stops reading stalls this write: the timeout ends it.
  stream_.expires_after(context_.options.idle_timeout);
  boost::asio::async_write(stream_, http::make_chunk(boost::asio::buffer(chunks_.front().data)),
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             self->OnChunkWritten(ec);
                           });
}

void HttpSession::OnChunkWritten(beast::error_code ec) {
  writing_chunk_ = false;
  stream_.expires_never();  // idle between chunks is the stream's normal state
  std::function<void(bool)> written;
  if (!chunks_.empty() && head_written_) {
    written = std::move(chunks_.front().written);
    chunks_.pop_front();
  }
  head_written_ = true;
  if (ec || closing_) {
    if (ec) Logger(kNetLogger)->debug("stream write failed: {}", ec.message());
    if (written) written(false);
    return DoClose();
  }
  if (written) written(true);
  // `written` may have asked for the next write already (dispatch runs it
  // here, on this strand).
  if (!writing_chunk_) WriteNextChunk();
}

void HttpSession::AsyncClose() {
  if (!async_) return;
  if (!streaming_) return DoClose();
  if (writing_chunk_ || !chunks_.empty()) {
    close_when_written_ = true;  // what was asked to be written goes first
    return;
  }
  writing_chunk_ = true;
  stream_.expires_after(context_.options.idle_timeout);
  boost::asio::async_write(stream_, http::make_chunk_last(),
                           [self = shared_from_this()](beast::error_code, std::size_t) {
                             self->writing_chunk_ = false;
                             self->DoClose();
                           });
}

void HttpSession::AsyncOnClosed(std::function<void()> closed) {
  if (!async_) return;
  if (!stream_.socket().is_open()) {
    if (closed) closed();
    return;
  }
  on_closed_ = std::move(closed);
}

void HttpSession::EndAsync() {
  async_ = false;
  streaming_ = false;
  // Chunks never written: their writers learn so.
  auto unwritten = std::move(chunks_);
  chunks_.clear();
  for (auto& chunk : unwritten) {
    if (chunk.written) chunk.written(false);
  }
  // Called once: it may drop the last reference to whoever set it.
  if (auto closed = std::move(on_closed_)) {
    on_closed_ = nullptr;
    closed();
  }
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
  if (async_) EndAsync();
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
