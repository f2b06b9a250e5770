// AwsJsonRouter: the AWS JSON 1.1 wire. It takes whole HTTP requests from net,
// reads the operation from X-Amz-Target and the caller from the SigV4
// credential scope, decodes the JSON body, runs the operation through the
// OperationTable and writes the response or an AWS-shaped error with its
// x-amzn-RequestId. Under --auth strict it checks each request's SigV4
// signature first, and a control token guards /_sluice/. It also answers GET /_sluice/health, hands the rest of
// /_sluice/ to the test controls (or refuses it when they are off), draws
// wire faults for AWS calls, and logs one access line per request.
// Thread-safe: it keeps no per-request state.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "sluice/api/operation_table.h"
#include "sluice/net/request_handler.h"
#include "sluice/protocol/fault_injector.h"
#include "sluice/protocol/sigv4_verifier.h"

namespace sluice::protocol {

struct RouterOptions {
  std::string default_account = "000000000000";
  std::string default_region = "us-east-1";
  std::string version;          // reported by the health endpoint
  std::size_t body_limit = 0;   // reported in the too-large error
  // --public-url: where clients reach sluice, for the webhook URLs it hands
  // out; empty: "http://" and the Host header of each request.
  std::string public_url;
  // --auth strict: every AWS request's signature is checked, and it acts in
  // its key's account. None: signatures are not checked (--auth off).
  std::shared_ptr<const SigV4Verifier> verifier;
  // Guards /_sluice/ (health and the console's files aside), and lets an
  // unsigned AWS request that carries it through (the console's). Empty:
  // the controls are open.
  std::string control_token;
  bool tls = false;  // reported by the health endpoint
};

// The start of the URLs sluice hands out: `public_url` when set, else
// "http://" (or "https://", `tls`) and the request's Host header
// ("http://localhost" without one).
std::string BaseUrl(const net::HttpRequest& request, const std::string& public_url,
                    bool tls = false);

// The test controls, as the router reaches them: both optional.
struct ControlHooks {
  // Answers a request under /_sluice/ (health aside); none: controls off.
  std::function<net::HttpResponse(const net::HttpRequest&)> control;
  FaultInjector* faults = nullptr;  // must outlive the router
  // How a latency fault waits; none: on the request's thread, for real.
  // (The fuzzers wait for nothing.)
  void (*sleep)(std::chrono::milliseconds) = nullptr;
  // The controls that answer later or in parts (long polls, streams): which
  // requests they take, and how they answer them. None: controls off.
  std::function<bool(const net::HttpRequest&)> answers_later;
  std::function<void(net::HttpRequest&&, std::shared_ptr<net::Responder>)> control_async;
  // Answers a call on a webhook's URL (/webhooks/...), controls on or off:
  // webhooks are CodePipeline's, not a test control. None: 404.
  std::function<net::HttpResponse(const net::HttpRequest&)> webhook;
  // Members the health document adds (events published, delivery counters);
  // answered with the controls on or off.
  std::function<nlohmann::json()> health;
};

class AwsJsonRouter final : public net::RequestHandler {
 public:
  AwsJsonRouter(const api::OperationTable& operations, RouterOptions options,
                ControlHooks hooks = {});

  net::HttpResponse Handle(net::HttpRequest&& request) override;
  net::HttpResponse Reject(net::RejectReason reason, unsigned http_version) override;
  bool IsAsync(const net::HttpRequest& request) const override;
  bool NeedsPeerAddress(const net::HttpRequest& request) const override;
  void HandleAsync(net::HttpRequest&& request, std::shared_ptr<net::Responder> responder) override;

 private:
  struct Outcome;
  Outcome Dispatch(const net::HttpRequest& request, api::CallContext& context,
                   std::string& operation) const;
  net::HttpResponse Control(const net::HttpRequest& request) const;
  net::HttpResponse Webhook(const net::HttpRequest& request) const;
  net::HttpResponse Health(unsigned http_version) const;
  net::HttpResponse Unauthorized(unsigned http_version) const;
  // Whether a /_sluice/ request may reach the controls.
  bool ControlAllowed(const net::HttpRequest& request) const;
  // Under --auth strict: who signed `request`, into `context`; or why not.
  std::optional<WireFault> Authenticate(const net::HttpRequest& request,
                                        api::CallContext& context) const;

  const api::OperationTable& operations_;
  RouterOptions options_;
  ControlHooks hooks_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace sluice::protocol
