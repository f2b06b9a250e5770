// Fuzzes the HTTP request path as a whole, with no socket: bytes in,
// responses out. An input is what one client sends on one connection, so it
// may hold several pipelined requests. The bytes go through the session's own
// parsing (net/http_framing.h: the same header and body limits, the same
// refusals), each whole request through the real AwsJsonRouter over the real
// services (app::Services: in-memory store, pipeline and execution services,
// engine), and each answer is framed as the session frames it, serialized,
// read back as HTTP and checked against the wire's invariants (invariants.h).
//
// Everything is built afresh for each input: a crash replays from its input
// alone, and nothing accumulates over the millions of inputs of one run. Time
// comes from a FakeClock that moves one action duration per request, with the
// engine advanced in between as its thread would: executions move on, and no
// thread is ever started.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/http/write.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>

#include "app/options.h"
#include "app/services.h"
#include "invariants.h"
#include "net/http_framing.h"
#include "sluice/common/clock.h"
#include "sluice/protocol/aws_json_router.h"

namespace {

using namespace sluice;
namespace http = boost::beast::http;

// The options `sluice` runs with when given no flags: the same limits and
// engine settings as the server.
const app::Options& ServerDefaults() {
  static const app::Options options = *app::ParseOptions({}, {}).options;
  return options;
}

// What an answer must satisfy once it is on the wire: it serializes, and the
// bytes read back as exactly one well-formed HTTP response with its body.
void RequireWellFramed(const net::HttpResponse& response, bool head_request) {
  std::ostringstream wire;
  wire << response;
  const std::string bytes = wire.str();
  http::response_parser<http::string_body> parser;
  parser.skip(head_request);  // a HEAD response announces a body it does not send
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // what we sent, whatever its size
  boost::beast::error_code ec;
  std::size_t used = 0;
  // put() stops after the header, so the body takes another call.
  while (!ec && !parser.is_done() && used < bytes.size()) {
    used += parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
  }
  fuzz::Require(!ec && parser.is_done() && used == bytes.size(),
                "a response serializes to one well-formed HTTP message",
                ec.message() + "\n" + bytes);
  fuzz::Require(parser.get().body() == response.body(), "the body survives serialization", bytes);
}

void RequireAnswer(const net::HttpResponse& response, http::verb method, bool health_check) {
  const bool head_request = method == http::verb::head;
  RequireWellFramed(response, head_request);
  if (health_check) {
    // sluice's own endpoint, not AWS's: plain JSON, no request id.
    fuzz::Require(response.result_int() == 200, "GET /_sluice/health answers 200",
                  response.body());
    fuzz::ParseObject(response.body(), "the health body is a JSON object");
    return;
  }
  fuzz::RequireWireResponse(response, head_request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const app::Options& options = ServerDefaults();
  FakeClock clock;
  app::Services services(clock, options);
  protocol::AwsJsonRouter router(services.operations(), app::RouterOptionsFor(options));

  boost::beast::flat_buffer buffer;
  if (size > 0) {
    std::memcpy(buffer.prepare(size).data(), data, size);
    buffer.commit(size);
  }
  // The session's loop, minus the socket: parse, answer, go on while the
  // connection stays open and bytes remain.
  while (true) {
    net::RequestParser parser;
    net::ApplyRequestLimits(parser, options.server);
    const net::ParseStep step = net::ParseBufferedRequest(parser, buffer);
    if (step.state == net::ParseStep::State::kNeedMore) break;  // the client stopped mid-request
    if (step.state == net::ParseStep::State::kRefused) {
      net::HttpResponse refusal = router.Reject(step.refusal, step.http_version);
      net::PrepareForWrite(refusal, /*close_after=*/true);
      RequireAnswer(refusal, http::verb::unknown, /*health_check=*/false);
      break;  // the session closes after a refusal
    }
    net::HttpRequest request = parser.release();
    const bool close_after = !request.keep_alive();
    const http::verb method = request.method();
    const bool health_check = method == http::verb::get && request.target() == "/_sluice/health";
    net::HttpResponse response = router.Handle(std::move(request));
    net::PrepareForWrite(response, close_after);
    RequireAnswer(response, method, health_check);
    if (close_after) break;
    clock.Advance(options.engine.action_duration);
    services.engine().Advance();
  }
  return 0;
}
