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
// thread is ever started. The test controls under /_sluice/ are on (over the
// same clock, as a manual one), answering in their own shape; once an input
// has added wire faults, AWS answers may carry any error a test injects.
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

void RequireAnswer(const net::HttpResponse& response, http::verb method, bool health_check,
                   bool faults_possible) {
  const bool head_request = method == http::verb::head;
  RequireWellFramed(response, head_request);
  if (faults_possible && !health_check) {
    // An injected error is whatever the test said: only the framing holds.
    fuzz::Require(response.find("x-amzn-RequestId") != response.end(),
                  "every response has x-amzn-RequestId", response.body());
    if (!head_request) fuzz::ParseObject(response.body(), "every body is a JSON object");
    return;
  }
  if (health_check) {
    // sluice's own endpoint, not AWS's: plain JSON, no request id.
    fuzz::Require(response.result_int() == 200, "GET /_sluice/health answers 200",
                  response.body());
    fuzz::ParseObject(response.body(), "the health body is a JSON object");
    return;
  }
  fuzz::RequireWireResponse(response, head_request);
}

// The test controls' own shape: JSON, a 2xx or a 4xx (never a 5xx), and an
// error that names its kind and says why.
void RequireControlAnswer(const net::HttpResponse& response, http::verb method) {
  const bool head_request = method == http::verb::head;
  RequireWellFramed(response, head_request);
  const std::string detail = std::to_string(response.result_int()) + " " + response.body();
  const unsigned status = response.result_int();
  fuzz::Require(status >= 200 && status < 500, "a control answers 2xx or 4xx", detail);
  fuzz::Require(response[http::field::content_type] == "application/json",
                "a control answers application/json", detail);
  if (head_request) return;
  const nlohmann::json body = fuzz::ParseObject(response.body(), "a control's body is a JSON object");
  if (status >= 400) {
    fuzz::Require(body.contains("error") && body.contains("message") &&
                      body["message"].is_string() && !body["message"].get<std::string>().empty(),
                  "a control's error names its kind and says why", detail);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const app::Options& options = ServerDefaults();
  FakeClock clock;
  // A manual clock, so that the clock controls move it too.
  app::Services services(clock, options, &clock);
  protocol::ControlHooks hooks = services.control_hooks();
  hooks.sleep = [](std::chrono::milliseconds) {};  // latency faults cost no time here
  protocol::AwsJsonRouter router(services.operations(), app::RouterOptionsFor(options), hooks);

  bool faults_possible = false;
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
      RequireAnswer(refusal, http::verb::unknown, /*health_check=*/false,
                    /*faults_possible=*/false);
      break;  // the session closes after a refusal
    }
    net::HttpRequest request = parser.release();
    const bool close_after = !request.keep_alive();
    const http::verb method = request.method();
    const bool health_check = method == http::verb::get && request.target() == "/_sluice/health";
    const bool control = !health_check && request.target().starts_with("/_sluice/");
    // Faults come from POST /_sluice/faults or a loaded state document.
    const bool may_add_faults = control && (request.target().starts_with("/_sluice/faults") ||
                                            request.target().starts_with("/_sluice/state"));
    net::HttpResponse response = router.Handle(std::move(request));
    net::PrepareForWrite(response, close_after);
    if (control) {
      RequireControlAnswer(response, method);
      faults_possible = faults_possible || (may_add_faults && response.result_int() < 300);
    } else {
      RequireAnswer(response, method, health_check, faults_possible);
    }
    if (close_after) break;
    clock.Advance(options.engine.action_duration);
    services.engine().Advance();
  }
  return 0;
}
