#include "sluice/protocol/control_token.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "sluice/common/constant_time.h"

namespace sluice::protocol {

namespace http = boost::beast::http;

namespace {

std::string_view FieldText(boost::beast::string_view text) { return {text.data(), text.size()}; }

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or empty.
std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    const std::string_view pair = TrimBlanks(header.substr(0, semicolon));
    header = semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      std::string_view value = pair.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
  }
  return {};
}

}  // namespace

bool CarriesControlToken(const net::HttpRequest& request, std::string_view token) {
  if (token.empty()) return false;
  const boost::beast::string_view header_name(kControlTokenHeader.data(),
                                              kControlTokenHeader.size());
  if (const auto header = request.find(header_name); header != request.end()) {
    return ConstantTimeEquals(TrimBlanks(FieldText(header->value())), token);
  }
  // Several Cookie headers may arrive (HTTP/2 proxies split them).
  const auto cookies = request.equal_range(http::field::cookie);
  for (auto it = cookies.first; it != cookies.second; ++it) {
    const std::string_view value = CookieValue(FieldText(it->value()), kControlTokenCookie);
    if (!value.empty()) return ConstantTimeEquals(value, token);
  }
  return false;
}

bool IsOpenControlPath(const net::HttpRequest& request) {
  if (request.method() != http::verb::get && request.method() != http::verb::head) return false;
  std::string_view path = FieldText(request.target());
  path = path.substr(0, path.find('?'));
  return path == "/_sluice/health" || path == "/_sluice/ui" || path.starts_with("/_sluice/ui/");
}

}  // namespace sluice::protocol
