#include "sluice/net/server.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <thread>
#include <vector>

#include "listener.h"
#include "session_registry.h"
#include "sluice/common/logging.h"

namespace sluice::net {

namespace asio = boost::asio;

class Server::Impl {
 public:
  Impl(ServerOptions options, std::shared_ptr<RequestHandler> handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        io_(static_cast<int>(ThreadCount())),
        signals_(io_),
        drain_timer_(io_),
        context_{*handler_, options_, registry_, options_.tls.get()} {}

  unsigned ThreadCount() const {
    if (options_.threads != 0) return options_.threads;
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : cores;
  }

  Status Start() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return ServiceError::Internal("invalid host address '" + options_.host + "'");
    listener_ = std::make_shared<Listener>(io_, context_);
    if (auto status = listener_->Open({address, options_.port}); !status) return status;
    listener_->Start();
    if (options_.handle_signals) {
      signals_.add(SIGINT);
      signals_.add(SIGTERM);
      signals_.async_wait([this](const boost::system::error_code& wait_ec, int signal) {
        if (wait_ec) return;
        Logger(kNetLogger)->info("received signal {}, shutting down", signal);
        Stop();
      });
    }
    return Ok{};
  }

  std::uint16_t port() const { return listener_ ? listener_->local_endpoint().port() : 0; }

  std::string address() const {
    const auto endpoint = listener_->local_endpoint();
    const auto host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                 : endpoint.address().to_string();
    return (options_.tls ? "https://" : "http://") + host + ":" + std::to_string(endpoint.port());
  }

  void Run() {
    std::vector<std::thread> workers;
    const unsigned count = ThreadCount();
    workers.reserve(count - 1);
    for (unsigned i = 1; i < count; ++i) workers.emplace_back([this] { io_.run(); });
    io_.run();
    for (auto& worker : workers) worker.join();
  }

  void Stop() {
    if (stopping_.exchange(true)) return;
    asio::post(io_, [this] {
      boost::system::error_code ignored;
      signals_.cancel(ignored);
      if (listener_) listener_->Stop();
      registry_.ForEach([](HttpSession& session) { session.Shutdown(); });
      drain_deadline_ = std::chrono::steady_clock::now() + options_.drain_timeout;
      WaitForDrain();
    });
  }

 private:
  // Polls until every session has closed (then io_.run() returns by itself,
  // having no work left) or the drain deadline passes.
  void WaitForDrain() {
    if (registry_.size() == 0) return;
    if (std::chrono::steady_clock::now() >= drain_deadline_) {
      Logger(kNetLogger)->warn("{} connections still open after the drain timeout",
                               registry_.size());
      io_.stop();
      return;
    }
    drain_timer_.expires_after(std::chrono::milliseconds(10));
    drain_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) WaitForDrain();
    });
  }

  ServerOptions options_;
  std::shared_ptr<RequestHandler> handler_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer drain_timer_;
  std::chrono::steady_clock::time_point drain_deadline_;
  SessionRegistry registry_;
  SessionContext context_;
  std::shared_ptr<Listener> listener_;
  std::atomic<bool> stopping_{false};
};

Server::Server(ServerOptions options, std::shared_ptr<RequestHandler> handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}
Server::~Server() = default;
Status Server::Start() { return impl_->Start(); }
std::uint16_t Server::port() const { return impl_->port(); }
std::string Server::address() const { return impl_->address(); }
void Server::Run() { impl_->Run(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace sluice::net
