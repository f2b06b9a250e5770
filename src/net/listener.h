// Listener: accepts connections and gives each its own strand and session.
// Connections beyond ServerOptions::max_connections are answered with a
// refusal and closed, so the process never runs out of file descriptors.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "http_session.h"
#include "sluice/common/result.h"

namespace sluice::net {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& io, SessionContext& context);

  Status Open(const boost::asio::ip::tcp::endpoint& endpoint);
  void Start();
  void Stop();  // closes the acceptor; open sessions are not touched
  boost::asio::ip::tcp::endpoint local_endpoint() const;

 private:
  void DoAccept();
  void OnAccept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;  // backs off after a failed accept
  SessionContext& context_;
};

}  // namespace sluice::net
