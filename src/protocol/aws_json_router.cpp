#include "sluice/protocol/aws_json_router.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "json_body.h"
#include "sluice/api/model.h"
#include "sluice/common/ids.h"
#include "sluice/common/logging.h"
#include "sluice/protocol/control_token.h"
#include "sluice/protocol/error_mapper.h"
#include "sluice/protocol/sigv4.h"

namespace sluice::protocol {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.1";

// Boost 1.74's Beast speaks boost::string_view; the rest of sluice std's.
std::string_view Std(boost::beast::string_view text) { return {text.data(), text.size()}; }

constexpr std::string_view kWebhookPrefix = "/webhooks/";
boost::beast::string_view Beast(std::string_view text) { return {text.data(), text.size()}; }

bool IsAccountId(std::string_view key) {
  if (key.size() != 12) return false;
  for (const char c : key) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

net::HttpResponse MakeResponse(unsigned status, unsigned http_version, std::string body,
                               const std::string& request_id) {
  net::HttpResponse response{static_cast<http::status>(status), http_version};
  response.set(http::field::server, "sluice");
  response.set(http::field::content_type, Beast(kContentType));
  response.set("x-amzn-RequestId", request_id);
  response.body() = std::move(body);
  return response;
}

net::HttpResponse MakeError(std::string_view type, unsigned status, const std::string& message,
                            unsigned http_version, const std::string& request_id) {
  const nlohmann::json body = {{"__type", type}, {"message", message}};
  // Messages may quote the request's own bytes (its path, its X-Amz-Target),
  // which need not be UTF-8; dump() would throw on them outside any handler
  // and end the process, so invalid bytes become U+FFFD instead.
  auto response = MakeResponse(status, http_version,
                               body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                               request_id);
  response.set("x-amzn-ErrorType", Beast(type));
  return response;
}

net::HttpResponse MakeError(const ServiceError& error, unsigned http_version,
                            const std::string& request_id) {
  const WireError wire = MapError(error.code());
  return MakeError(wire.type, wire.status, error.message(), http_version, request_id);
}

}  // namespace

struct AwsJsonRouter::Outcome {
  Outcome(Result<std::string> result, std::optional<WireFault> fault = std::nullopt)
      : body(std::move(result)), injected(std::move(fault)) {}

  Result<std::string> body;
  std::optional<WireFault> injected;  // a test's fault, answered instead
};

std::string BaseUrl(const net::HttpRequest& request, const std::string& public_url, bool tls) {
  if (!public_url.empty()) return public_url;
  const auto host = request.find(http::field::host);
  const std::string_view text = host == request.end() ? "" : Std(host->value());
  // A host name, IPv4 or [IPv6] address and port; anything else (empty, or
  // a path, space or quote smuggled in) is not put in a URL.
  const bool plain = !text.empty() && text.size() <= 255 &&
                     text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789.-:[]") == std::string_view::npos;
  const std::string scheme = tls ? "https://" : "http://";
  return scheme + (plain ? std::string(text) : "localhost");
}

AwsJsonRouter::AwsJsonRouter(const api::OperationTable& operations, RouterOptions options,
                             ControlHooks hooks)
    : operations_(operations),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      started_(std::chrono::steady_clock::now()) {}

net::HttpResponse AwsJsonRouter::Handle(net::HttpRequest&& request) {
  const auto start = std::chrono::steady_clock::now();
  if ((request.method() == http::verb::get || request.method() == http::verb::head) &&
      request.target() == "/_sluice/health") {
    auto health = Health(request.version());
    // A HEAD response has headers only (RFC 9110 9.3.2).
    if (request.method() == http::verb::head) health.body().clear();
    return health;
  }
  if (request.target().starts_with("/_sluice/")) {
    if (!ControlAllowed(request)) return Unauthorized(request.version());
    return Control(request);
  }
  if (Std(request.target()).starts_with(kWebhookPrefix) && hooks_.webhook) return Webhook(request);
  api::CallContext context{RandomUuid(), options_.default_account, options_.default_region, {}, {}};
  std::string operation = "-";
  Outcome outcome = Dispatch(request, context, operation);

  net::HttpResponse response =
      outcome.injected ? MakeError(outcome.injected->type, outcome.injected->status,
                                   outcome.injected->message, request.version(),
                                   context.request_id)
      : outcome.body.ok()
          ? MakeResponse(200, request.version(), std::move(outcome.body.value()), context.request_id)
          : MakeError(outcome.body.error(), request.version(), context.request_id);

  // A HEAD response has headers only (RFC 9110 9.3.2).
  if (request.method() == http::verb::head) response.body().clear();

  const auto latency = std::chrono::duration<double, std::milli>(
      std::chrono::steady_clock::now() - start);
  const auto error = outcome.injected   ? std::string_view(outcome.injected->type)
                     : outcome.body.ok() ? std::string_view("-")
                                         : MapError(outcome.body.error().code()).type;
  Logger(kProtocolLogger)
      ->info("request_id={} op={} account={} region={} status={} error={} latency_ms={:.3f}",
             context.request_id, operation, context.account_id, context.region,
             response.result_int(), error, latency.count());
  return response;
}

AwsJsonRouter::Outcome AwsJsonRouter::Dispatch(const net::HttpRequest& request,
                                               api::CallContext& context,
                                               std::string& operation) const {
  // Who is calling comes first: an unsigned request learns nothing more.
  if (auto refused = Authenticate(request, context)) return {ServiceError::Internal(""), refused};
  if (request.method() != http::verb::post || request.target() != "/") {
    return {ServiceError(ErrorCode::kUnknownOperation,
                         "sluice serves the CodePipeline API as POST / (AWS JSON 1.1) and "
                         "GET /_sluice/health; " + std::string(request.method_string()) + " " +
                             std::string(request.target()) + " is neither")};
  }

  const auto target_it = request.find("X-Amz-Target");
  if (target_it == request.end()) {
    return {ServiceError(ErrorCode::kUnknownOperation,
                         "Missing X-Amz-Target header: expected " +
                             std::string(model::ModelTargetPrefix()) + ".<Operation>")};
  }
  const std::string_view target = Std(target_it->value());
  const std::string prefix = std::string(model::ModelTargetPrefix()) + ".";
  if (target.substr(0, prefix.size()) != prefix) {
    return {ServiceError(ErrorCode::kUnknownOperation,
                         "X-Amz-Target '" + std::string(target) + "' is not a " +
                             std::string(model::ModelTargetPrefix()) + " operation")};
  }
  const model::Operation* op = model::FindOperation(target.substr(prefix.size()));
  if (op == nullptr) {
    return {ServiceError(ErrorCode::kUnknownOperation,
                         "Unknown operation " + std::string(target.substr(prefix.size())))};
  }
  operation = std::string(op->name);
  // Only the webhook operations hand out URLs; the rest skip the copy.
  if (operation == "PutWebhook" || operation == "ListWebhooks") {
    context.base_url = BaseUrl(request, options_.public_url, options_.tls);
  }

  std::optional<InjectedFault> fault;
  if (hooks_.faults != nullptr) {
    fault = hooks_.faults->Draw(operation, context.account_id, context.region);
    // On the request's own thread: a slow answer, as a slow service gives.
    if (fault && fault->latency.count() > 0) {
      if (hooks_.sleep != nullptr) {
        hooks_.sleep(fault->latency);
      } else {
        std::this_thread::sleep_for(fault->latency);
      }
    }
    if (fault && fault->error && !fault->after) return {ServiceError::Internal(""), fault->error};
  }
  auto input = ParseJsonBody(request.body());
  if (!input) return {input.error()};
  try {
    Outcome outcome{operations_.Invoke(context, *op, *input)};
    // "after": the call ran; its answer is lost on the way back.
    if (fault && fault->error) outcome.injected = fault->error;
    return outcome;
  } catch (const std::exception& e) {
    // Last resort: a bug must not take the connection or the process down.
    Logger(kProtocolLogger)->error("request_id={} op={} internal failure: {}",
                                   context.request_id, operation, e.what());
    return {ServiceError::Internal("An internal error occurred")};
  }
}

net::HttpResponse AwsJsonRouter::Webhook(const net::HttpRequest& request) const {
  const auto start = std::chrono::steady_clock::now();
  net::HttpResponse response;
  try {
    response = hooks_.webhook(request);
  } catch (const std::exception& e) {
    // Last resort, as for the operations: a payload is anyone's, and no
    // call may take the server down.
    Logger(kProtocolLogger)->error("webhook call failed: {}", e.what());
    response = net::HttpResponse{http::status::bad_request, request.version()};
    response.set(http::field::content_type, "application/json");
    response.body() = nlohmann::json{{"error", "BadRequest"},
                                     {"message", "the webhook call could not be read"},
                                     {"field", nullptr}}
                          .dump();
    response.prepare_payload();
  }
  const auto latency =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  // The target carries the webhook's token: only its path is logged.
  const std::string_view target = Std(request.target());
  Logger(kProtocolLogger)
      ->info("webhook={} status={} latency_ms={:.3f}", target.substr(0, target.find('?')),
             response.result_int(), latency.count());
  return response;
}

std::optional<WireFault> AwsJsonRouter::Authenticate(const net::HttpRequest& request,
                                                     api::CallContext& context) const {
  // Strict: a valid signature names the caller. A request that fails the
  // check but carries the control token (the console's calls, which cannot
  // sign) is scoped as under --auth off.
  if (options_.verifier != nullptr) {
    auto verdict = options_.verifier->Verify(request, std::chrono::system_clock::now());
    if (auto* caller = std::get_if<VerifiedCaller>(&verdict)) {
      context.account_id = std::move(caller->account_id);
      context.region = std::move(caller->region);
      context.access_key = std::move(caller->access_key);
      return std::nullopt;
    }
    if (!CarriesControlToken(request, options_.control_token)) {
      auto& failure = std::get<AuthFailure>(verdict);
      return WireFault{std::move(failure.type), 400, std::move(failure.message)};
    }
  }
  // --auth off: the credential scope names the region, and an access key
  // of 12 digits the account; the signature is not checked.
  if (const auto auth = request.find(http::field::authorization); auth != request.end()) {
    if (const auto credential = ParseSigV4Authorization(Std(auth->value()))) {
      context.region = credential->region;
      context.access_key = credential->access_key;
      if (IsAccountId(credential->access_key)) context.account_id = credential->access_key;
    }
  }
  return std::nullopt;
}

bool AwsJsonRouter::ControlAllowed(const net::HttpRequest& request) const {
  return options_.control_token.empty() || IsOpenControlPath(request) ||
         CarriesControlToken(request, options_.control_token);
}

bool AwsJsonRouter::NeedsPeerAddress(const net::HttpRequest& request) const {
  return Std(request.target()).starts_with(kWebhookPrefix);  // IP-authenticated webhooks
}

bool AwsJsonRouter::IsAsync(const net::HttpRequest& request) const {
  // A request without the token is refused by Handle, at once.
  return hooks_.answers_later && request.target().starts_with("/_sluice/") &&
         ControlAllowed(request) && hooks_.answers_later(request);
}

void AwsJsonRouter::HandleAsync(net::HttpRequest&& request,
                                std::shared_ptr<net::Responder> responder) {
  Logger(kProtocolLogger)
      ->debug("control {} {}", std::string(request.method_string()), std::string(request.target()));
  hooks_.control_async(std::move(request), std::move(responder));
}

net::HttpResponse AwsJsonRouter::Control(const net::HttpRequest& request) const {
  if (hooks_.control) return hooks_.control(request);
  const nlohmann::json body = {
      {"error", "NotFound"},
      {"message", "the /_sluice/ controls are off (--control off); only GET /_sluice/health answers"},
      {"field", nullptr}};
  net::HttpResponse response{http::status::not_found, request.version()};
  response.set(http::field::server, "sluice");
  response.set(http::field::content_type, "application/json");
  response.body() = body.dump();
  return response;
}

net::HttpResponse AwsJsonRouter::Unauthorized(unsigned http_version) const {
  // The controls' own error shape (control_json.h), as a test reads it.
  const nlohmann::json body = {
      {"error", "Unauthorized"},
      {"message", "the /_sluice/ controls need the control token (--control-token, or the "
                  "control-token file --auth strict writes): send it in the " +
                      std::string(kControlTokenHeader) + " header or the " +
                      std::string(kControlTokenCookie) + " cookie"},
      {"field", nullptr}};
  net::HttpResponse response{http::status::unauthorized, http_version};
  response.set(http::field::server, "sluice");
  response.set(http::field::content_type, "application/json");
  response.body() = body.dump();
  return response;
}

net::HttpResponse AwsJsonRouter::Health(unsigned http_version) const {
  const auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_);
  nlohmann::json body = {
      {"status", "ok"},
      {"version", options_.version},
      {"uptimeSeconds", uptime.count()},
      {"auth", options_.verifier != nullptr ? "strict" : "off"},
      {"tls", options_.tls}};
  if (hooks_.health) body.update(hooks_.health());
  net::HttpResponse response{http::status::ok, http_version};
  response.set(http::field::server, "sluice");
  response.set(http::field::content_type, "application/json");
  response.body() = body.dump();
  return response;
}

net::HttpResponse AwsJsonRouter::Reject(net::RejectReason reason, unsigned http_version) {
  ServiceError error = ServiceError::Internal("");
  switch (reason) {
    case net::RejectReason::kBodyTooLarge:
      error = ServiceError(ErrorCode::kRequestTooLarge,
                           "The request body is larger than the limit of " +
                               std::to_string(options_.body_limit) + " bytes");
      break;
    case net::RejectReason::kHeaderTooLarge:
      error = ServiceError(ErrorCode::kHeaderTooLarge, "The request headers are too large");
      break;
    case net::RejectReason::kMalformedHttp:
      error = ServiceError(ErrorCode::kMalformedRequest, "The request is not valid HTTP/1.1");
      break;
    case net::RejectReason::kTooManyConnections:
      error = ServiceError(ErrorCode::kServiceUnavailable,
                           "Too many open connections; retry later");
      break;
  }
  const std::string request_id = RandomUuid();
  Logger(kProtocolLogger)
      ->info("request_id={} op=- account=- region=- status={} error={} latency_ms=0",
             request_id, MapError(error.code()).status, MapError(error.code()).type);
  return MakeError(error, http_version, request_id);
}

}  // namespace sluice::protocol
