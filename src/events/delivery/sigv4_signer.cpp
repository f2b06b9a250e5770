#include "events/delivery/sigv4_signer.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include "sluice/common/sha256.h"

namespace sluice::events::delivery {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == '~';
}

// SigV4's URI encoding: every byte but the unreserved ones as %XX with
// uppercase hex (and '/' kept, for a path).
std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
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
  return out;
}

// Undoes %XX; anything else (a stray '%' too) stays as it is.
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

// The path as sent, encoded once more: for every service but S3, SigV4
// encodes each segment twice, the first time being the request's own.
std::string CanonicalUri(std::string_view path) {
  return path.empty() ? "/" : UriEncode(path, /*keep_slash=*/true);
}

// Each name=value decoded, re-encoded the one canonical way, and sorted by
// name then value; a parameter without '=' has an empty value.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (param.empty()) continue;
    const std::size_t eq = param.find('=');
    const std::string_view name = param.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    params.emplace_back(UriEncode(PercentDecode(name), false),
                        UriEncode(PercentDecode(value), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(name).append("=").append(value);
  }
  return out;
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

// A header value trimmed, with each run of spaces inside made one space.
std::string CanonicalValue(std::string_view value) {
  std::string out;
  bool in_space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t') {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

// "20150830T123600Z" and its first eight characters, the scope's date.
std::string AmzDate(std::chrono::system_clock::time_point when) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(when);
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date(days);
  const std::chrono::hh_mm_ss time(seconds - days);
  char text[32];
  std::snprintf(text, sizeof text, "%04d%02u%02uT%02ld%02ld%02lldZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                static_cast<long long>(time.seconds().count()));
  return text;
}

}  // namespace

SigV4Signature SignSigV4(const SigV4Request& request, std::string_view region,
                         std::string_view service, const AwsCredentials& credentials,
                         std::chrono::system_clock::time_point when) {
  const std::string amz_date = AmzDate(when);
  const std::string date = amz_date.substr(0, 8);

  SigV4Signature result;
  result.headers.emplace_back("X-Amz-Date", amz_date);
  if (credentials.session_token) {
    result.headers.emplace_back("X-Amz-Security-Token", *credentials.session_token);
  }

  // Sorted by lowercase name; a name given twice signs its values joined by
  // commas. The signer's own headers replace any the caller passed.
  std::map<std::string, std::string> canonical;
  for (const auto& [name, value] : request.headers) {
    const std::string key = Lowercase(name);
    if (key == "host" || key == "x-amz-date" || key == "x-amz-security-token" ||
        key == "authorization") {
      continue;
    }
    std::string& joined = canonical[key];
    if (!joined.empty()) joined.push_back(',');
    joined += CanonicalValue(value);
  }
  canonical["host"] = CanonicalValue(request.host);
  for (const auto& [name, value] : result.headers) canonical[Lowercase(name)] = value;

  std::string header_lines;
  for (const auto& [name, value] : canonical) {
    header_lines.append(name).append(":").append(value).append("\n");
    if (!result.signed_headers.empty()) result.signed_headers.push_back(';');
    result.signed_headers += name;
  }

  result.canonical_request = request.method + "\n" + CanonicalUri(request.path) + "\n" +
                             CanonicalQuery(request.query) + "\n" + header_lines + "\n" +
                             result.signed_headers + "\n" + HexLower(Sha256(request.payload));

  const std::string scope =
      date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  result.string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" + scope + "\n" +
                          HexLower(Sha256(result.canonical_request));

  std::string key = HmacSha256("AWS4" + credentials.secret_access_key, date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");
  result.signature = HexLower(HmacSha256(key, result.string_to_sign));

  result.headers.emplace_back(
      "Authorization", std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                           scope + ", SignedHeaders=" + result.signed_headers +
                           ", Signature=" + result.signature);
  return result;
}

}  // namespace sluice::events::delivery
