// LocalHttpServer: a one-request HTTP server on 127.0.0.1 and a free port,
// for the few tests that prove delivery over a real socket. It answers the
// first request with a fixed status and body (or, when told to stay silent,
// never answers), then closes. Runs on its own thread; the destructor stops
// and joins it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace sluice::events::delivery::testing {

class LocalHttpServer {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  enum class Mode { kAnswer, kStaySilent };

  LocalHttpServer(int status, std::string body, Mode mode = Mode::kAnswer)
      : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        socket_(io_),
        status_(status),
        body_(std::move(body)),
        mode_(mode) {
    acceptor_.async_accept(socket_, [this](const boost::system::error_code& ec) {
      if (!ec) ReadRequest();
    });
    thread_ = std::thread([this] { io_.run(); });
  }

  ~LocalHttpServer() {
    io_.stop();
    thread_.join();
  }

  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // The request the server read, once it has; nullopt after `wait`.
  std::optional<Request> Received(std::chrono::milliseconds wait = std::chrono::seconds(5)) {
    if (received_future_.wait_for(wait) != std::future_status::ready) return std::nullopt;
    return received_future_.get();
  }

 private:
  void ReadRequest() {
    boost::beast::http::async_read(
        socket_, buffer_, request_, [this](const boost::system::error_code& ec, std::size_t) {
          if (ec) return;
          received_.set_value(request_);
          if (mode_ == Mode::kStaySilent) return;  // the socket stays open, unanswered
          response_.version(11);
          response_.result(static_cast<unsigned>(status_));
          response_.body() = body_;
          response_.keep_alive(false);
          response_.prepare_payload();
          boost::beast::http::async_write(
              socket_, response_, [this](const boost::system::error_code&, std::size_t) {
                boost::system::error_code ignored;
                socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
              });
        });
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  Request request_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  std::promise<Request> received_;
  std::future<Request> received_future_ = received_.get_future();
  const int status_;
  const std::string body_;
  const Mode mode_;
  std::thread thread_;
};

// A port on 127.0.0.1 that nothing listens on (one that was free a moment
// ago), so connecting to it is refused.
inline std::uint16_t RefusingPort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

}  // namespace sluice::events::delivery::testing
