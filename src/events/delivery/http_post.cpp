#include "events/delivery/http_post.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <exception>

namespace sluice::events::delivery {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// An answer is a status and perhaps an error document; more is not read.
constexpr std::uint64_t kAnswerBodyLimit = 1024 * 1024;

std::optional<TargetUrl> Refuse(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return std::nullopt;
}

std::string LowercaseAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string HostPort(const TargetUrl& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
}

PostResult Failure(std::string error) {
  PostResult result;
  result.error = std::move(error);
  return result;
}

// Beast's timeouts apply to asynchronous operations only, so each step is
// started asynchronously and the private io_context run until it is done:
// blocking for the caller, yet bounded by the stream's deadline.
void RunToCompletion(asio::io_context& io) {
  io.restart();
  io.run();
}

PostResult PostOrThrow(const PostRequest& request) {
  const auto deadline = std::chrono::steady_clock::now() + request.timeout;
  const std::string where = HostPort(request.url);
  const auto describe = [&](std::string_view step, const beast::error_code& ec) {
    if (ec == beast::error::timeout) {
      return std::string(step) + " " + where + ": no answer within " +
             std::to_string(request.timeout.count()) + " ms";
    }
    return std::string(step) + " " + where + ": " + ec.message();
  };

  asio::io_context io;
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints =
      resolver.resolve(request.url.host, std::to_string(request.url.port), ec);
  if (ec) return Failure(describe("resolving", ec));

  beast::tcp_stream stream(io);
  stream.expires_at(deadline);
  stream.async_connect(endpoints, [&ec](const beast::error_code& result, const tcp::endpoint&) {
    ec = result;
  });
  RunToCompletion(io);
  if (ec) return Failure(describe("connecting to", ec));

  http::request<http::string_body> message{http::verb::post, request.url.target, 11};
  message.set(http::field::host, HostHeader(request.url));
  message.set(http::field::user_agent, "sluice");
  for (const auto& [name, value] : request.headers) message.set(name, value);
  // One request per connection: a target posts rarely enough that reusing
  // connections is not worth tracking which the far end has closed.
  message.keep_alive(false);
  message.body() = request.body;
  message.prepare_payload();

  stream.expires_at(deadline);
  http::async_write(stream, message,
                    [&ec](const beast::error_code& result, std::size_t) { ec = result; });
  RunToCompletion(io);
  if (ec) return Failure(describe("sending to", ec));

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kAnswerBodyLimit);
  stream.expires_at(deadline);
  http::async_read(stream, buffer, parser,
                   [&ec](const beast::error_code& result, std::size_t) { ec = result; });
  RunToCompletion(io);
  if (ec) return Failure(describe("reading the answer from", ec));

  PostResult result;
  result.status = static_cast<int>(parser.get().result_int());
  result.body = std::move(parser.get().body());
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return result;
}

}  // namespace

std::optional<TargetUrl> ParseTargetUrl(std::string_view url, std::string* error) {
  const std::string quoted = "\"" + std::string(url) + "\"";
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Refuse(error, "target URL " + quoted + " contains a space or control character");
    }
  }
  const std::size_t scheme_end = url.find("://");
  const std::string scheme =
      scheme_end == std::string_view::npos ? "" : LowercaseAscii(url.substr(0, scheme_end));
  if (scheme == "https") {
    return Refuse(error, "target URL " + quoted +
                             ": HTTPS targets are not supported yet (sluice has no TLS); use "
                             "http://");
  }
  if (scheme != "http") return Refuse(error, "target URL " + quoted + " is not an http:// URL");

  std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  // A fragment is the client's own and is never sent.
  tail = tail.substr(0, tail.find('#'));
  if (authority.find('@') != std::string_view::npos) {
    return Refuse(error, "target URL " + quoted + ": user names in URLs are not supported");
  }

  TargetUrl parsed;
  std::optional<std::string_view> port_text;  // set when a ':' follows the host
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Refuse(error, "target URL " + quoted + " has an unclosed IPv6 address");
    }
    parsed.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      return Refuse(error, "target URL " + quoted + " has text after its IPv6 address");
    }
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const std::size_t colon = authority.find(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) return Refuse(error, "target URL " + quoted + " names no host");
  if (port_text) {
    unsigned port = 0;
    const char* first = port_text->data();
    const char* last = first + port_text->size();
    const auto [end, failure] = std::from_chars(first, last, port);
    if (port_text->empty() || failure != std::errc() || end != last || port == 0 || port > 65535) {
      return Refuse(error, "target URL " + quoted + " has a bad port");
    }
    parsed.port = static_cast<std::uint16_t>(port);
  }
  if (tail.empty()) {
    parsed.target = "/";
  } else if (tail.front() == '?') {
    parsed.target = "/" + std::string(tail);
  } else {
    parsed.target = std::string(tail);
  }
  return parsed;
}

std::string FormatTargetUrl(const TargetUrl& url) {
  return "http://" + HostPort(url) + url.target;
}

std::string HostHeader(const TargetUrl& url) {
  if (url.port != 80) return HostPort(url);
  return url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
}

std::string DescribeFailure(const PostResult& result) {
  if (!result.answered()) return result.error;
  constexpr std::size_t kExcerpt = 200;
  std::string text = "HTTP " + std::to_string(result.status);
  if (!result.body.empty()) text += ": " + result.body.substr(0, kExcerpt);
  if (result.body.size() > kExcerpt) text += "...";
  return text;
}

PostResult Post(const PostRequest& request) {
  // Asio and Beast report failures as error codes here, but allocation and
  // header validation can still throw; a target's worker must not die of it.
  try {
    return PostOrThrow(request);
  } catch (const std::exception& e) {
    return Failure("posting to " + HostPort(request.url) + ": " + e.what());
  } catch (...) {
    return Failure("posting to " + HostPort(request.url) + ": unknown failure");
  }
}

}  // namespace sluice::events::delivery
