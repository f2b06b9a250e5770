// The control token: the one secret that opens the /_sluice/ surface when it
// is guarded (--auth strict, or --control-token). A client sends it in the
// X-Sluice-Control-Token header; a browser, whose EventSource cannot send
// headers, in the sluice_control_token cookie the console sets.
#pragma once

#include <string_view>

#include "sluice/net/request_handler.h"

namespace sluice::protocol {

inline constexpr std::string_view kControlTokenHeader = "X-Sluice-Control-Token";
inline constexpr std::string_view kControlTokenCookie = "sluice_control_token";

// Whether `request` carries `token` in the header or the cookie, compared
// in constant time (common/constant_time.h).
bool CarriesControlToken(const net::HttpRequest& request, std::string_view token);

// The /_sluice/ paths open to anyone even when guarded: health, and the
// console's static files (they hold no state; the page asks for the token).
bool IsOpenControlPath(const net::HttpRequest& request);

}  // namespace sluice::protocol
