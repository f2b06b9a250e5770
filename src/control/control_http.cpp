#include "control_http.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

namespace sluice::control {

namespace http = boost::beast::http;

std::string_view PathOf(const net::HttpRequest& request) {
  const std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

net::HttpResponse JsonResponse(unsigned status, const net::HttpRequest& request,
                               const nlohmann::json& body) {
  net::HttpResponse response{static_cast<http::status>(status), request.version()};
  response.set(http::field::server, "sluice");
  response.set(http::field::content_type, "application/json");
  // A HEAD response has headers only (RFC 9110 9.3.2). Messages may quote
  // a request's own bytes, which need not be UTF-8.
  if (request.method() != http::verb::head) {
    response.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return response;
}

net::HttpResponse ErrorResponse(const ControlError& error, const net::HttpRequest& request) {
  nlohmann::json body = {{"error", error.kind}, {"message", error.message}};
  body["field"] = error.field.empty() ? nlohmann::json(nullptr) : nlohmann::json(error.field);
  return JsonResponse(error.status, request, body);
}

}  // namespace sluice::control
