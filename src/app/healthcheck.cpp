#include "healthcheck.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <type_traits>
#include <chrono>
#include <iostream>

namespace sluice::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// Connects, sends `request` and reads the answer within two seconds in all;
// `healthy` when it is 200.
template <typename Stream>
void Probe(asio::io_context& io, Stream& stream, const asio::ip::tcp::endpoint& endpoint,
           const http::request<http::empty_body>& request, bool& healthy) {
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(std::chrono::seconds(2));  // covers the whole exchange
  http::response<http::string_body> response;
  beast::flat_buffer buffer;
  const auto exchange = [&] {
    http::async_write(stream, request, [&](beast::error_code write_ec, std::size_t) {
      if (write_ec) return;
      http::async_read(stream, buffer, response, [&](beast::error_code read_ec, std::size_t) {
        healthy = !read_ec && response.result() == http::status::ok;
      });
    });
  };
  tcp.async_connect(endpoint, [&](beast::error_code connect_ec) {
    if (connect_ec) return;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      exchange();
    } else {
      stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code handshake_ec) {
        if (!handshake_ec) exchange();
      });
    }
  });
  io.run();
}

}  // namespace

int RunHealthcheck(const Options& options) {
  // A server listening on every interface is reached on loopback.
  std::string host = options.server.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec || options.server.port == 0) {
    std::cerr << "sluice: --healthcheck needs the server's host and port\n";
    return 1;
  }

  asio::io_context io;
  http::request<http::empty_body> request{http::verb::get, "/_sluice/health", 11};
  request.set(http::field::host, host);
  bool healthy = false;
  if (options.tls.enabled()) {
    // A probe of our own server on loopback: the certificate is not checked
    // (a self-signed one is made anew at each start).
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.set_verify_mode(asio::ssl::verify_none);
    beast::ssl_stream<beast::tcp_stream> stream(io, tls);
    Probe(io, stream, {address, options.server.port}, request, healthy);
  } else {
    beast::tcp_stream stream(io);
    Probe(io, stream, {address, options.server.port}, request, healthy);
  }
  if (!healthy) std::cerr << "sluice: not healthy at " << host << ":" << options.server.port << "\n";
  return healthy ? 0 : 1;
}

}  // namespace sluice::app
