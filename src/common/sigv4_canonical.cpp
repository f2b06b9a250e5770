#include "sluice/common/sigv4_canonical.h"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include "sluice/common/sha256.h"

namespace sluice::sigv4 {

namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == '~';
}

std::string UriEncoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendUriEncoded(out, text, /*keep_slash=*/false);
  return out;
}

}  // namespace

void AppendUriEncoded(std::string& out, std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (const char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kDigits[byte >> 4]);
      out.push_back(kDigits[byte & 0x0f]);
    }
  }
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = HexDigitValue(text[i + 1]);
      const int low = HexDigitValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

void AppendCanonicalUri(std::string& out, std::string_view path) {
  if (path.empty()) {
    out.push_back('/');
  } else {
    AppendUriEncoded(out, path, /*keep_slash=*/true);
  }
}

std::string CanonicalQuery(std::string_view query, std::string_view skip) {
  if (query.empty()) return {};
  std::vector<std::pair<std::string, std::string>> params;
  ForEachQueryParam(query, [&](std::string_view name, std::string_view value) {
    std::string decoded_name = PercentDecode(name);
    if (!skip.empty() && decoded_name == skip) return;
    params.emplace_back(UriEncoded(decoded_name), UriEncoded(PercentDecode(value)));
  });
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(name).append("=").append(value);
  }
  return out;
}

void AppendCanonicalValue(std::string& out, std::string_view value) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!value.empty() && blank(value.front())) value.remove_prefix(1);
  while (!value.empty() && blank(value.back())) value.remove_suffix(1);
  // Word by word, each run of blanks between two words written as one
  // space: most values have no blank at all and go in one append.
  while (!value.empty()) {
    std::size_t end = 0;
    while (end < value.size() && !blank(value[end])) ++end;
    out.append(value.substr(0, end));
    value.remove_prefix(end);
    if (value.empty()) break;
    out.push_back(' ');
    while (blank(value.front())) value.remove_prefix(1);  // the value ends in a word
  }
}

std::string FormatAmzDate(std::chrono::system_clock::time_point when) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(when);
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date(days);
  const std::chrono::hh_mm_ss time(seconds - days);
  char text[40];
  std::snprintf(text, sizeof text, "%04d%02u%02uT%02ld%02ld%02lldZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                static_cast<long long>(time.seconds().count()));
  return text;
}

std::string StringToSign(std::string_view amz_date, std::string_view date,
                         std::string_view region, std::string_view service,
                         std::string_view canonical_request) {
  std::string out;
  out.reserve(160);
  out.append(kAlgorithm).append("\n").append(amz_date).append("\n");
  out.append(date).append("/").append(region).append("/").append(service);
  out.append("/").append(kTerminator).append("\n");
  AppendHexLower(out, Sha256Raw(canonical_request));
  return out;
}

std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  std::string key = HmacSha256("AWS4" + std::string(secret), date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  return HmacSha256(key, kTerminator);
}

}  // namespace sluice::sigv4
