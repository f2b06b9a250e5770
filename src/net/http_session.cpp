#include "http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <deque>
#include <optional>
#include <type_traits>

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

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The session over one kind of stream. Timeouts, socket shutdown and the
// drain of a refused body act on the TCP layer underneath (for TLS too:
// discarded bytes need no decrypting); requests and responses go through
// the stream itself.
template <typename Stream>
class StreamSession final : public HttpSession {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  StreamSession(boost::asio::ip::tcp::socket&& socket, SessionContext& context)
      requires(!kTls)
      : stream_(std::move(socket)), context_(context) {}
  StreamSession(boost::asio::ip::tcp::socket&& socket, SessionContext& context)
      requires(kTls)
      : stream_(std::move(socket), *context.tls), context_(context) {}
  ~StreamSession() override;
  StreamSession(const StreamSession&) = delete;
  StreamSession& operator=(const StreamSession&) = delete;

  void Start() override;
  void RejectAndClose(RejectReason reason) override;
  void Shutdown() override;
  void AsyncReply(HttpResponse&& response) override;
  void AsyncOpenStream(HttpResponse&& head) override;
  void AsyncWrite(std::string data, std::function<void(bool)> written) override;
  void AsyncClose() override;
  void AsyncOnClosed(std::function<void()> closed) override;

 private:
  std::shared_ptr<StreamSession> Self() {
    return std::static_pointer_cast<StreamSession>(shared_from_this());
  }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  // Over TLS, the handshake first, under the idle timeout; then `next`.
  template <typename Next>
  void Handshake(Next next);
  void DoRead();
  void DoReadSome();
  void ParseBuffered();
  void OnRead(beast::error_code ec, std::size_t bytes);
  void Send(HttpResponse&& response, bool close_after);
  void OnWrite(bool close_after, beast::error_code ec, std::size_t bytes);
  void DoClose();
  void DoDrain();
  void WriteNextChunk();
  void OnChunkWritten(beast::error_code ec);
  void EndAsync();

  Stream stream_;
  beast::flat_buffer buffer_;
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
  std::optional<http::response_serializer<http::string_body>> head_serializer_;
};

template <typename Stream>
StreamSession<Stream>::~StreamSession() {
  if (registry_id_ != 0) context_.registry.Remove(registry_id_);
}

template <typename Stream>
template <typename Next>
void StreamSession<Stream>::Handshake(Next next) {
  if constexpr (kTls) {
    // A client that connects and never says hello costs the idle timeout,
    // as a silent plain client does.
    Tcp().expires_after(context_.options.idle_timeout);
    stream_.async_handshake(boost::asio::ssl::stream_base::server,
                            [self = Self(), next = std::move(next)](beast::error_code ec) mutable {
                              if (ec) {
                                Logger(kNetLogger)->debug("TLS handshake failed: {}", ec.message());
                                beast::error_code ignored;
                                self->Tcp().socket().close(ignored);
                                return;
                              }
                              next();
                            });
  } else {
    next();
  }
}

template <typename Stream>
void StreamSession<Stream>::Start() {
  registry_id_ = context_.registry.Add(weak_from_this());
  // Run on the session's strand: the socket was accepted onto it.
  boost::asio::dispatch(stream_.get_executor(), [self = Self()] {
    self->Handshake([self] { self->DoRead(); });
  });
}

template <typename Stream>
void StreamSession<Stream>::RejectAndClose(RejectReason reason) {
  registry_id_ = context_.registry.Add(weak_from_this());
  boost::asio::dispatch(stream_.get_executor(), [self = Self(), reason] {
    self->Handshake([self, reason] {
      // The client's request is unread: drain it so it reads our answer.
      self->linger_ = true;
      self->Send(self->context_.handler.Reject(reason, 11), /*close_after=*/true);
    });
  });
}

template <typename Stream>
void StreamSession<Stream>::Shutdown() {
  boost::asio::post(stream_.get_executor(), [self = Self()] {
    self->closing_ = true;
    // A pending read is cancelled; a pending write finishes, then closes.
    if (self->reading_) self->Tcp().socket().cancel();
    // An exchange waiting for its answer, or a stream, ends now, even with a
    // write to a reader that stopped reading pending (closing cancels it).
    if (self->async_) self->DoClose();
  });
}

template <typename Stream>
void StreamSession<Stream>::DoRead() {
  if (closing_) return DoClose();
  // A new parser per request: Beast requires a fresh one for each message,
  // and it carries this request's limits.
  parser_.emplace();
  ApplyRequestLimits(*parser_, context_.options);
  // A pipelined client may already have sent the next request.
  if (buffer_.size() > 0) return ParseBuffered();
  DoReadSome();
}

template <typename Stream>
void StreamSession<Stream>::DoReadSome() {
  // The idle timeout bounds each socket read, not the whole request: a client
  // that keeps sending is never cut off, one that falls silent is. (Beast's
  // http::async_read_some would read a whole header under one deadline.)
  constexpr std::size_t kReadChunk = 8 * 1024;
  Tcp().expires_after(context_.options.idle_timeout);
  reading_ = true;
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&StreamSession::OnRead, Self()));
}

template <typename Stream>
void StreamSession<Stream>::OnRead(beast::error_code ec, std::size_t bytes) {
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

template <typename Stream>
void StreamSession<Stream>::ParseBuffered() {
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
    const auto peer = Tcp().socket().remote_endpoint(ec);
    const std::string address = ec ? std::string() : peer.address().to_string();
    const boost::beast::string_view name(kPeerAddressHeader.data(), kPeerAddressHeader.size());
    request.erase(name);
    request.set(name, address);
  }
  if (context_.handler.IsAsync(request)) {
    async_ = true;
    async_close_after_ = !request.keep_alive();
    Tcp().expires_never();  // the handler answers when it answers
    context_.handler.HandleAsync(
        std::move(request),
        std::make_shared<SessionResponder>(Self(), stream_.get_executor()));
    return;
  }
  const bool close_after = !request.keep_alive();
  Send(context_.handler.Handle(std::move(request)), close_after);
}

template <typename Stream>
void StreamSession<Stream>::AsyncReply(HttpResponse&& response) {
  if (!async_ || streaming_) return;
  async_ = false;
  on_closed_ = nullptr;  // the exchange ended with its answer
  Send(std::move(response), async_close_after_);
}

template <typename Stream>
void StreamSession<Stream>::AsyncOpenStream(HttpResponse&& head) {
  if (!async_ || streaming_) return;
  streaming_ = true;
  response_ = std::move(head);
  response_.body().clear();
  response_.chunked(true);
  response_.keep_alive(false);  // the stream ends with the connection
  head_serializer_.emplace(response_);
  writing_chunk_ = true;
  Tcp().expires_after(context_.options.idle_timeout);
  http::async_write_header(stream_, *head_serializer_,
                           [self = Self()](beast::error_code ec, std::size_t) {
                             self->OnChunkWritten(ec);
                           });
}

template <typename Stream>
void StreamSession<Stream>::AsyncWrite(std::string data, std::function<void(bool)> written) {
  if (!streaming_ || closing_ || !Tcp().socket().is_open()) {
    if (written) written(false);
    return;
  }
  chunks_.push_back({std::move(data), std::move(written)});
  if (!writing_chunk_) WriteNextChunk();
}

template <typename Stream>
void StreamSession<Stream>::WriteNextChunk() {
  if (chunks_.empty()) {
    if (close_when_written_) return AsyncClose();
    return;
  }
  writing_chunk_ = true;
  // A reader that stops reading stalls this write: the timeout ends it.
  Tcp().expires_after(context_.options.idle_timeout);
  boost::asio::async_write(stream_, http::make_chunk(boost::asio::buffer(chunks_.front().data)),
                           [self = Self()](beast::error_code ec, std::size_t) {
                             self->OnChunkWritten(ec);
                           });
}

template <typename Stream>
void StreamSession<Stream>::OnChunkWritten(beast::error_code ec) {
  writing_chunk_ = false;
  Tcp().expires_never();  // idle between chunks is the stream's normal state
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

template <typename Stream>
void StreamSession<Stream>::AsyncClose() {
  if (!async_) return;
  if (!streaming_) return DoClose();
  if (writing_chunk_ || !chunks_.empty()) {
    close_when_written_ = true;  // what was asked to be written goes first
    return;
  }
  writing_chunk_ = true;
  Tcp().expires_after(context_.options.idle_timeout);
  boost::asio::async_write(stream_, http::make_chunk_last(),
                           [self = Self()](beast::error_code, std::size_t) {
                             self->writing_chunk_ = false;
                             self->DoClose();
                           });
}

template <typename Stream>
void StreamSession<Stream>::AsyncOnClosed(std::function<void()> closed) {
  if (!async_) return;
  if (!Tcp().socket().is_open()) {
    if (closed) closed();
    return;
  }
  on_closed_ = std::move(closed);
}

template <typename Stream>
void StreamSession<Stream>::EndAsync() {
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

template <typename Stream>
void StreamSession<Stream>::Send(HttpResponse&& response, bool close_after) {
  response_ = std::move(response);
  close_after = close_after || closing_;
  PrepareForWrite(response_, close_after);
  Tcp().expires_after(context_.options.idle_timeout);
  http::async_write(stream_, response_,
                    beast::bind_front_handler(&StreamSession::OnWrite, Self(),
                                              close_after));
}

template <typename Stream>
void StreamSession<Stream>::OnWrite(bool close_after, beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) {
    Logger(kNetLogger)->debug("write failed: {}", ec.message());
    return DoClose();
  }
  if (close_after || closing_) return DoClose();
  DoRead();
}

template <typename Stream>
void StreamSession<Stream>::DoClose() {
  if (async_) EndAsync();
  beast::error_code ec;
  Tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  if (linger_) {
    linger_ = false;
    return DoDrain();
  }
  Tcp().socket().close(ec);
}

template <typename Stream>
void StreamSession<Stream>::DoDrain() {
  // Read and discard what the client still sends, up to a bound in bytes and
  // time, then close.
  constexpr std::size_t kMaxDrainBytes = 64 * 1024 * 1024;
  if (drained_ >= kMaxDrainBytes) return DoClose();
  constexpr std::size_t kDrainChunk = 16 * 1024;
  if (!drain_buffer_) drain_buffer_ = std::make_unique<char[]>(kDrainChunk);
  Tcp().expires_after(std::chrono::seconds(2));
  Tcp().async_read_some(
      boost::asio::buffer(drain_buffer_.get(), kDrainChunk),
      [self = Self()](beast::error_code ec, std::size_t bytes) {
        self->drained_ += bytes;
        if (ec) return self->DoClose();
        self->DoDrain();
      });
}

}  // namespace

std::shared_ptr<HttpSession> MakeHttpSession(boost::asio::ip::tcp::socket&& socket,
                                             SessionContext& context) {
  if (context.tls != nullptr) {
    return std::make_shared<StreamSession<TlsStream>>(std::move(socket), context);
  }
  return std::make_shared<StreamSession<PlainStream>>(std::move(socket), context);
}

}  // namespace sluice::net
