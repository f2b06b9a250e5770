#include "healthcheck.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <iostream>

namespace sluice::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

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
  beast::tcp_stream stream(io);
  http::request<http::empty_body> request{http::verb::get, "/_sluice/health", 11};
  request.set(http::field::host, host);
  http::response<http::string_body> response;
  beast::flat_buffer buffer;
  bool healthy = false;

  stream.expires_after(std::chrono::seconds(2));  // covers the whole exchange
  stream.async_connect({address, options.server.port}, [&](beast::error_code connect_ec) {
    if (connect_ec) return;
    http::async_write(stream, request, [&](beast::error_code write_ec, std::size_t) {
      if (write_ec) return;
      http::async_read(stream, buffer, response, [&](beast::error_code read_ec, std::size_t) {
        healthy = !read_ec && response.result() == http::status::ok;
      });
    });
  });
  io.run();
  if (!healthy) std::cerr << "sluice: not healthy at " << host << ":" << options.server.port << "\n";
  return healthy ? 0 : 1;
}

}  // namespace sluice::app
