// The web console's files at /_sluice/ui/ (README "Web console"): GET or
// HEAD of /_sluice/ui/ answers index.html, /_sluice/ui/<name> the asset of
// that name; /_sluice/ui is sent on to /_sluice/ui/ so that the page's
// relative links resolve. The page itself calls the AWS API and the
// controls like any client: nothing here reads state.
#pragma once

#include <string_view>

#include "sluice/net/request_handler.h"

namespace sluice::control {

inline constexpr std::string_view kConsolePath = "/_sluice/ui/";

// Whether `path` (the target without its query) is the console's.
bool IsConsolePath(std::string_view path);

// Answers a request for a console path: 200 with the file, 301 to the
// folder, 404 for a name that is no asset, 405 for a method other than GET
// or HEAD.
net::HttpResponse ServeConsole(const net::HttpRequest& request);

}  // namespace sluice::control
