#include "webhook_endpoint.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "control_http.h"
#include "control_json.h"

namespace sluice::control {

namespace {

namespace http = boost::beast::http;

std::string_view Std(boost::beast::string_view text) { return {text.data(), text.size()}; }

std::string Header(const net::HttpRequest& request, std::string_view name) {
  const auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  return it == request.end() ? std::string() : std::string(Std(it->value()));
}

// The value of `key` in a query string ("t=abc&v=1"), or empty.
std::string QueryValue(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const std::size_t end = query.find('&');
    const std::string_view pair = query.substr(0, end);
    if (pair.size() > key.size() && pair.substr(0, key.size()) == key && pair[key.size()] == '=') {
      return std::string(pair.substr(key.size() + 1));
    }
    if (end == std::string_view::npos) break;
    query.remove_prefix(end + 1);
  }
  return {};
}

// "/webhooks/<region>/<account>/<name>?query": the three parts, or none.
bool ParseWebhookPath(std::string_view target, triggers::WebhookCall& call) {
  const std::size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  path.remove_prefix(std::string_view("/webhooks/").size());
  std::vector<std::string> parts;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    parts.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (parts.size() != 3) return false;
  for (const std::string& part : parts) {
    if (part.empty()) return false;
  }
  call.scope = {parts[1], parts[0]};
  call.name = parts[2];
  call.token = QueryValue(query, "t");
  return true;
}

}  // namespace

net::HttpResponse HandleWebhookCall(triggers::SourceTriggers& sources,
                                    const net::HttpRequest& request) {
  using Kind = triggers::WebhookOutcome::Kind;
  if (request.method() != http::verb::post) {
    return ErrorResponse({405, "MethodNotAllowed", "a webhook takes POST", ""}, request);
  }
  triggers::WebhookCall call;
  if (!ParseWebhookPath(Std(request.target()), call)) {
    return ErrorResponse(
        {404, "NotFound", "webhook URLs are /webhooks/<region>/<account>/<name>?t=<token>&v=1", ""},
        request);
  }
  call.body = request.body();
  call.signature_256 = Header(request, "X-Hub-Signature-256");
  call.signature_1 = Header(request, "X-Hub-Signature");
  call.peer_address = Header(request, net::kPeerAddressHeader);

  const triggers::WebhookOutcome outcome = sources.Webhook(call);
  switch (outcome.kind) {
    case Kind::kStarted:
      return JsonResponse(200, request,
                          {{"started", true}, {"pipelineExecutionId", outcome.execution_id}});
    case Kind::kIgnored:
      return JsonResponse(200, request, {{"started", false}, {"ignored", outcome.message}});
    case Kind::kBadPayload: return ErrorResponse({400, "BadRequest", outcome.message, ""}, request);
    case Kind::kUnauthorized:
      return ErrorResponse({401, "Unauthorized", outcome.message, ""}, request);
    case Kind::kNotFound: return ErrorResponse({404, "NotFound", outcome.message, ""}, request);
    case Kind::kNotStarted: return ErrorResponse({409, "Conflict", outcome.message, ""}, request);
  }
  return ErrorResponse({409, "Conflict", outcome.message, ""}, request);
}

}  // namespace sluice::control
