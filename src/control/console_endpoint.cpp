#include "console_endpoint.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <string>

#include "console/console_assets.h"
#include "control_http.h"

namespace sluice::control {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view kFolderWithoutSlash = kConsolePath.substr(0, kConsolePath.size() - 1);

net::HttpResponse Plain(http::status status, const net::HttpRequest& request) {
  net::HttpResponse response{status, request.version()};
  response.set(http::field::server, "sluice");
  return response;
}

}  // namespace

bool IsConsolePath(std::string_view path) {
  return path == kFolderWithoutSlash || path.starts_with(kConsolePath);
}

net::HttpResponse ServeConsole(const net::HttpRequest& request) {
  const std::string_view path = PathOf(request);
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    net::HttpResponse response = ErrorResponse(
        {405, "MethodNotAllowed",
         std::string(path) + " takes GET or HEAD, not " + std::string(request.method_string()), ""},
        request);
    response.set(http::field::allow, "GET, HEAD");
    return response;
  }
  if (path == kFolderWithoutSlash) {
    net::HttpResponse response = Plain(http::status::moved_permanently, request);
    response.set(http::field::location, std::string(kConsolePath));
    return response;
  }
  std::string_view name = path.substr(kConsolePath.size());
  if (name.empty()) name = "index.html";
  const console::ConsoleAsset* asset = console::FindConsoleAsset(name);
  if (asset == nullptr) {
    return ErrorResponse({404, "NotFound",
                          "the console has no file " + std::string(path) + "; it starts at " +
                              std::string(kConsolePath),
                          ""},
                         request);
  }
  net::HttpResponse response = Plain(http::status::ok, request);
  response.set(http::field::content_type, std::string(asset->content_type));
  // The files change only with the binary; revalidating is cheap on
  // localhost and never shows a page of an older sluice.
  response.set(http::field::cache_control, "no-cache");
  response.set("X-Content-Type-Options", "nosniff");
  // Everything the page loads or calls is this server's own.
  response.set("Content-Security-Policy",
               "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "frame-ancestors 'none'");
  // A HEAD answer has the headers only (RFC 9110 9.3.2).
  if (request.method() != http::verb::head) response.body().assign(asset->bytes.data(), asset->bytes.size());
  return response;
}

}  // namespace sluice::control
