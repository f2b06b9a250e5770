// The HTTP side of the test controls' answers: a JSON body with the status,
// and a ControlError as {"error","message","field"}.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "control_json.h"
#include "sluice/net/request_handler.h"

namespace sluice::control {

// The request's target without its query: "/_sluice/events" of
// "/_sluice/events?after=3".
std::string_view PathOf(const net::HttpRequest& request);

// `body` as the answer to `request`; a HEAD answer has the headers only.
net::HttpResponse JsonResponse(unsigned status, const net::HttpRequest& request,
                               const nlohmann::json& body);
net::HttpResponse ErrorResponse(const ControlError& error, const net::HttpRequest& request);

}  // namespace sluice::control
