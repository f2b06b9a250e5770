// Server: owns the io_context, its worker threads, the listener and the
// signal handling. It knows HTTP but nothing about AWS.
//
// Thread-safety: Start, Run and Stop may be called from any thread; Stop is
// idempotent and safe to call from a signal-driven completion handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sluice/common/result.h"
#include "sluice/net/request_handler.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace sluice::net {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 4599;  // 0 binds a free port
  unsigned threads = 0;       // 0: one per core
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1024 * 1024;
  std::chrono::milliseconds idle_timeout{30'000};
  std::size_t max_connections = 4096;
  // How long a graceful shutdown waits for in-flight requests.
  std::chrono::milliseconds drain_timeout{5'000};
  // Stop gracefully on SIGINT/SIGTERM. The handlers are installed by Start(),
  // so a signal that arrives as soon as the address is known is handled.
  bool handle_signals = true;
  // HTTPS: every connection speaks TLS with this context (net/tls_context.h
  // makes one). None: plain HTTP.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<RequestHandler> handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, starts listening and installs the signal handlers; on success the
  // bound port is known.
  Status Start();
  std::uint16_t port() const;
  std::string address() const;  // "http://host:port", or "https://…" with TLS

  // Serves on the worker threads until Stop() or SIGINT/SIGTERM, then drains
  // in-flight requests and returns.
  void Run();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::net
