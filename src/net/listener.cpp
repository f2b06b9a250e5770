#include "listener.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "sluice/common/logging.h"

namespace sluice::net {

namespace asio = boost::asio;

Listener::Listener(asio::io_context& io, SessionContext& context)
    : io_(io),
      acceptor_(asio::make_strand(io)),
      retry_timer_(acceptor_.get_executor()),
      context_(context) {}

Status Listener::Open(const asio::ip::tcp::endpoint& endpoint) {
  boost::beast::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return ServiceError::Internal("cannot listen on " + endpoint.address().to_string() + ":" +
                                  std::to_string(endpoint.port()) + ": " + ec.message());
  }
  return Ok{};
}

void Listener::Start() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->DoAccept(); });
}

void Listener::Stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::beast::error_code ec;
    self->acceptor_.close(ec);
    self->retry_timer_.cancel();
  });
}

asio::ip::tcp::endpoint Listener::local_endpoint() const {
  boost::beast::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Listener::DoAccept() {
  // Each connection gets its own strand.
  acceptor_.async_accept(asio::make_strand(io_), boost::beast::bind_front_handler(
                                                     &Listener::OnAccept, shared_from_this()));
}

void Listener::OnAccept(boost::beast::error_code ec, asio::ip::tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // Typically EMFILE (out of file descriptors). Pause briefly instead of
    // spinning on an accept that keeps failing, then try again.
    Logger(kNetLogger)->warn("accept failed: {}", ec.message());
    retry_timer_.expires_after(std::chrono::milliseconds(50));
    retry_timer_.async_wait([self = shared_from_this()](boost::beast::error_code wait_ec) {
      if (!wait_ec) self->DoAccept();
    });
    return;
  }
  auto session = MakeHttpSession(std::move(socket), context_);
  if (context_.registry.size() >= context_.options.max_connections) {
    session->RejectAndClose(RejectReason::kTooManyConnections);
  } else {
    session->Start();
  }
  DoAccept();
}

}  // namespace sluice::net
