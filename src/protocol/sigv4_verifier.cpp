#include "sluice/protocol/sigv4_verifier.h"

#include <algorithm>
#include <atomic>
#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "sluice/common/constant_time.h"
#include "sluice/common/sha256.h"
#include "sluice/common/sigv4_canonical.h"

namespace sluice::protocol {

// Named, so that a unity build, which joins this file with the protocol
// library's others, keeps these helpers apart from theirs.
namespace sigv4_verifier_detail {
namespace {

namespace http = boost::beast::http;
using std::chrono::system_clock;

constexpr auto kAllowedSkew = std::chrono::minutes(15);

// ---------------------------------------------------------------------------
// Text helpers

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view View(boost::beast::string_view s) { return {s.data(), s.size()}; }
boost::beast::string_view BeastView(std::string_view s) { return {s.data(), s.size()}; }

// The first value of header `name` (any case), or nullopt when absent.
std::optional<std::string_view> Header(const net::HttpRequest& request, std::string_view name) {
  const auto it = request.find(BeastView(name));
  if (it == request.end()) return std::nullopt;
  return View(it->value());
}

// The decoded value of query parameter `name`, or nullopt.
std::optional<std::string> QueryParam(std::string_view query, std::string_view name) {
  std::optional<std::string> found;
  sigv4::ForEachQueryParam(query, [&](std::string_view key, std::string_view value) {
    if (!found && sigv4::PercentDecode(key) == name) found = sigv4::PercentDecode(value);
  });
  return found;
}

// A region as AWS names them: us-east-1, us-gov-west-1, eu-isoe-west-1.
bool IsRegionName(std::string_view region) {
  constexpr std::size_t kMaxRegionLength = 64;
  if (region.size() < 6 || region.size() > kMaxRegionLength) return false;
  const auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  // ^[a-z]{2}(-[a-z]+)+-[0-9]+$
  if (!lower(region[0]) || !lower(region[1]) || region[2] != '-') return false;
  const std::size_t last_dash = region.rfind('-');
  if (last_dash + 1 >= region.size()) return false;
  for (std::size_t i = last_dash + 1; i < region.size(); ++i) {
    if (!digit(region[i])) return false;
  }
  // Between the prefix and the number: one or more "-letters" groups.
  const std::string_view middle = region.substr(2, last_dash - 2);  // "-east" or "-gov-west"
  if (middle.empty()) return false;
  bool after_dash = false;
  for (const char c : middle) {
    if (c == '-') {
      if (after_dash) return false;
      after_dash = true;
    } else if (lower(c)) {
      after_dash = false;
    } else {
      return false;
    }
  }
  return !after_dash;
}

// ---------------------------------------------------------------------------
// Time

std::optional<int> Digits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<system_clock::time_point> MakeTime(int year, int month, int day, int hour,
                                                  int minute, int second) {
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

// "20150830T123600Z", SigV4's ISO-8601 basic format.
std::optional<system_clock::time_point> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  const auto year = Digits(text.substr(0, 4));
  const auto month = Digits(text.substr(4, 2));
  const auto day = Digits(text.substr(6, 2));
  const auto hour = Digits(text.substr(9, 2));
  const auto minute = Digits(text.substr(11, 2));
  const auto second = Digits(text.substr(13, 2));
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  return MakeTime(*year, *month, *day, *hour, *minute, *second);
}

// "Fri, 24 May 2013 00:00:00 GMT", HTTP's date (RFC 7231 IMF-fixdate).
std::optional<system_clock::time_point> ParseHttpDate(std::string_view text) {
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' ||
      text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':' ||
      text.substr(25) != " GMT") {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto month_it = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (month_it == kMonths.end()) return std::nullopt;
  const int month = static_cast<int>(month_it - kMonths.begin()) + 1;
  const auto day = Digits(text.substr(5, 2));
  const auto year = Digits(text.substr(12, 4));
  const auto hour = Digits(text.substr(17, 2));
  const auto minute = Digits(text.substr(20, 2));
  const auto second = Digits(text.substr(23, 2));
  if (!year || !day || !hour || !minute || !second) return std::nullopt;
  return MakeTime(*year, month, *day, *hour, *minute, *second);
}

// Whether `hex` (64 lowercase hex digits) spells `mac`, judged in the same
// time wherever they differ.
bool SignatureEquals(std::string_view hex, const Sha256Bytes& mac) {
  static constexpr char kDigits[] = "0123456789abcdef";
  if (hex.size() != 2 * mac.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < mac.size(); ++i) {
    diff |= static_cast<unsigned>(hex[2 * i] ^ kDigits[mac[i] >> 4]);
    diff |= static_cast<unsigned>(hex[2 * i + 1] ^ kDigits[mac[i] & 0x0f]);
  }
  return diff == 0;
}

// ---------------------------------------------------------------------------
// What a request says about its signature, from the Authorization header or
// (a presigned request) from the query string.

struct SignatureParams {
  std::string credential;
  std::string signed_headers;
  std::string signature;
  std::optional<std::string> date_text;  // X-Amz-Date, else Date
  std::optional<std::string> session_token;
  bool presigned = false;
};

// The length of the well-formed UTF-8 sequence at the start of `text`, or 0.
std::size_t Utf8SequenceLength(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned low = 0x80;  // the second byte's range, narrowed against overlongs
  unsigned high = 0xBF;  // and surrogates / code points past U+10FFFF
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// Messages quote what the client sent, which need not be UTF-8; a JSON
// error body must be. Each stray byte becomes U+FFFD.
std::string ValidUtf8(std::string text) {
  std::size_t i = 0;
  while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) ++i;
  if (i == text.size()) return text;  // ASCII, the usual case
  std::string out = text.substr(0, i);
  while (i < text.size()) {
    const std::size_t length = Utf8SequenceLength(std::string_view(text).substr(i));
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text, i, length);
      i += length;
    }
  }
  return out;
}

AuthFailure Failure(std::string_view type, std::string message) {
  return AuthFailure{std::string(type), ValidUtf8(std::move(message))};
}

std::optional<std::string> NonEmptyHeader(const net::HttpRequest& request,
                                          std::string_view name) {
  const auto value = Header(request, name);
  if (!value || Trim(*value).empty()) return std::nullopt;
  return std::string(Trim(*value));
}

// Where the first space or tab (or comma, with `comma`) of `text` is, or npos.
// A loop of its own: find_first_of calls memchr once per character, which
// made it the most expensive step of a check.
std::size_t FindSeparator(std::string_view text, bool comma) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || (comma && c == ',')) return i;
  }
  return std::string_view::npos;
}

// The parameters of "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...", or AWS's answer to a header that is not of that form.
std::variant<SignatureParams, AuthFailure> ReadAuthorizationHeader(
    const net::HttpRequest& request, std::string_view header) {
  const std::size_t space = FindSeparator(header, /*comma=*/false);
  const std::string_view algorithm = header.substr(0, space);
  if (algorithm != sigv4::kAlgorithm) {
    return Failure(kIncompleteSignature,
                   "Unsupported AWS 'algorithm': '" + std::string(algorithm) + "'.");
  }
  std::string_view rest =
      space == std::string_view::npos ? std::string_view() : header.substr(space + 1);

  std::optional<std::string_view> credential;
  std::optional<std::string_view> signed_headers;
  std::optional<std::string_view> signature;
  // Parts are separated by commas, spaces or both, as AWS reads them: a
  // stray space inside a credential makes its tail a part of its own.
  while (!rest.empty()) {
    const std::size_t separator = FindSeparator(rest, /*comma=*/true);
    const std::string_view part = rest.substr(0, separator);
    rest = separator == std::string_view::npos ? std::string_view() : rest.substr(separator + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return Failure(kIncompleteSignature,
                     "'" + std::string(part) +
                         "' not a valid key=value pair (missing equal-sign) in Authorization "
                         "header: '" +
                         std::string(header) + "'.");
    }
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = part.substr(eq + 1);
    if (value.empty()) continue;  // "Signature=" is as good as no signature
    if (key == "Credential" && !credential) credential = value;
    if (key == "SignedHeaders" && !signed_headers) signed_headers = value;
    if (key == "Signature" && !signature) signature = value;
  }

  SignatureParams params;
  params.date_text = NonEmptyHeader(request, "X-Amz-Date");
  if (!params.date_text) params.date_text = NonEmptyHeader(request, "Date");

  // AWS names every missing part at once, in this order.
  std::string missing;
  if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!params.date_text) {
    missing +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) {
    return Failure(kIncompleteSignature, missing + "Authorization=" + std::string(header));
  }
  params.credential = std::string(*credential);
  params.signed_headers = std::string(*signed_headers);
  params.signature = std::string(*signature);
  if (const auto token = Header(request, "X-Amz-Security-Token")) {
    params.session_token = std::string(*token);
  }
  return params;
}

// A presigned request: X-Amz-Algorithm, X-Amz-Credential, ... in the query.
std::variant<SignatureParams, AuthFailure> ReadQueryParams(std::string_view query) {
  const std::string algorithm = QueryParam(query, "X-Amz-Algorithm").value_or("");
  if (algorithm != sigv4::kAlgorithm) {
    return Failure(kIncompleteSignature, "Unsupported AWS 'algorithm': '" + algorithm + "'.");
  }
  SignatureParams params;
  params.presigned = true;
  const auto credential = QueryParam(query, "X-Amz-Credential");
  const auto signed_headers = QueryParam(query, "X-Amz-SignedHeaders");
  const auto signature = QueryParam(query, "X-Amz-Signature");
  params.date_text = QueryParam(query, "X-Amz-Date");
  if (params.date_text && params.date_text->empty()) params.date_text.reset();
  std::string missing;
  const auto require = [&](const std::optional<std::string>& value, std::string_view name) {
    if (!value || value->empty()) {
      missing += "AWS query-string parameters must include '" + std::string(name) + "'. ";
    }
  };
  require(credential, "X-Amz-Credential");
  require(signature, "X-Amz-Signature");
  require(signed_headers, "X-Amz-SignedHeaders");
  require(params.date_text, "X-Amz-Date");
  if (!missing.empty()) {
    return Failure(kIncompleteSignature, missing + "Re-examine the query-string parameters.");
  }
  params.credential = *credential;
  params.signed_headers = *signed_headers;
  params.signature = *signature;
  params.session_token = QueryParam(query, "X-Amz-Security-Token");
  return params;
}

bool QueryHasParam(std::string_view query, std::string_view name) {
  return QueryParam(query, name).has_value();
}

// "AKID/20150830/us-east-1/codepipeline/aws4_request", split; nullopt unless
// exactly five parts.
std::optional<std::array<std::string_view, 5>> SplitScope(std::string_view credential) {
  std::array<std::string_view, 5> parts;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t slash = credential.find('/');
    if (i + 1 < parts.size()) {
      if (slash == std::string_view::npos) return std::nullopt;
      parts[i] = credential.substr(0, slash);
      credential.remove_prefix(slash + 1);
    } else {
      if (slash != std::string_view::npos) return std::nullopt;
      parts[i] = credential;
    }
  }
  return parts;
}

AuthFailure UnrecognizedClient() {
  return Failure(kUnrecognizedClient, "The security token included in the request is invalid.");
}

// The checks in AWS's order; `signing_key(credential, date, region)` gives
// the derived key.
template <typename SigningKeyFn>
std::variant<VerifiedCaller, AuthFailure> VerifyRequest(const CredentialStore& store,
                                                        const std::string& service,
                                                        const net::HttpRequest& request,
                                                        system_clock::time_point wall_now,
                                                        const SigningKeyFn& signing_key) {
  const std::string_view target = View(request.target());
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

  // 1. Where the signature is, and whether all its parts are there.
  const std::string_view authorization = Trim(Header(request, "Authorization").value_or(""));
  std::variant<SignatureParams, AuthFailure> read;
  if (!authorization.empty()) {
    read = ReadAuthorizationHeader(request, authorization);
  } else if (QueryHasParam(query, "X-Amz-Algorithm")) {
    read = ReadQueryParams(query);
  } else {
    return Failure(kMissingAuthenticationToken, "Request is missing Authentication Token");
  }
  if (auto* failure = std::get_if<AuthFailure>(&read)) return std::move(*failure);
  const SignatureParams& params = std::get<SignatureParams>(read);

  const auto scope = SplitScope(params.credential);
  if (!scope) {
    return Failure(kIncompleteSignature,
                   "Credential must have exactly 5 slash-delimited elements, e.g. "
                   "keyid/date/region/service/term, got '" +
                       params.credential + "'");
  }
  const auto& [access_key, scope_date, region, scope_service, terminator] = *scope;

  // X-Amz-Date as SDKs send it is already the string to sign's form; only
  // an HTTP Date header needs rewriting into it.
  std::string amz_date;
  auto request_time = ParseAmzDate(*params.date_text);
  if (request_time) {
    amz_date = *params.date_text;
  } else if ((request_time = ParseHttpDate(*params.date_text))) {
    amz_date = sigv4::FormatAmzDate(*request_time);
  } else {
    return Failure(kIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '" +
                                             *params.date_text +
                                             "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  const std::string_view date = std::string_view(amz_date).substr(0, 8);

  // 2. The credential scope: AWS names every fault at once, in this order.
  std::string scope_faults;
  if (!IsRegionName(region)) {
    scope_faults +=
        "Credential should be scoped to a valid region, not '" + std::string(region) + "'. ";
  }
  if (scope_service != service) {
    scope_faults += "Credential should be scoped to correct service: '" + service + "'. ";
  }
  if (terminator != sigv4::kTerminator) {
    scope_faults += "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                    std::string(terminator) + "'. ";
  }
  if (scope_date != date) {
    scope_faults +=
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '" +
        std::string(scope_date) + "' != '" + std::string(date) + "', from '" + amz_date + "'.";
  }
  if (!scope_faults.empty()) return Failure(kInvalidSignature, std::move(scope_faults));

  // 3. Time: 15 minutes either way of the wall clock.
  const auto now = std::chrono::floor<std::chrono::seconds>(wall_now);
  if (*request_time < now - kAllowedSkew) {
    return Failure(kInvalidSignature, "Signature expired: " + amz_date + " is now earlier than " +
                                          sigv4::FormatAmzDate(now - kAllowedSkew) + " (" +
                                          sigv4::FormatAmzDate(now) + " - 15 min.)");
  }
  if (*request_time > now + kAllowedSkew) {
    return Failure(kInvalidSignature, "Signature not yet current: " + amz_date +
                                          " is still later than " +
                                          sigv4::FormatAmzDate(now + kAllowedSkew) + " (" +
                                          sigv4::FormatAmzDate(now) + " + 15 min.)");
  }

  // 4. The key, and the session token that goes with it.
  const Credential* credential = store.Find(access_key);
  if (credential == nullptr) return UnrecognizedClient();
  const bool token_sent = params.session_token && !params.session_token->empty();
  if (credential->session_token) {
    if (!token_sent || !ConstantTimeEquals(*params.session_token, *credential->session_token)) {
      return UnrecognizedClient();
    }
  } else if (token_sent) {
    return UnrecognizedClient();
  }

  // 5. The signature itself.
  std::string canonical;
  canonical.reserve(256 + target.size() + params.signed_headers.size() * 4);
  canonical.append(View(request.method_string())).push_back('\n');
  sigv4::AppendCanonicalUri(canonical, path);
  canonical.push_back('\n');
  // A presigned request's own signature cannot sign itself.
  canonical.append(sigv4::CanonicalQuery(query, params.presigned ? "X-Amz-Signature" : ""))
      .push_back('\n');
  // The headers in the order the client listed them; one it signed but did
  // not send cannot match.
  bool all_headers_present = true;
  std::string_view names = params.signed_headers;
  while (true) {
    const std::size_t semicolon = names.find(';');
    const std::string_view name = names.substr(0, semicolon);
    canonical.append(name).push_back(':');
    bool first = true;
    if (!name.empty()) {
      for (auto [it, end] = request.equal_range(BeastView(name)); it != end; ++it) {
        if (!first) canonical.push_back(',');
        sigv4::AppendCanonicalValue(canonical, View(it->value()));
        first = false;
      }
    }
    if (first) all_headers_present = false;
    canonical.push_back('\n');
    if (semicolon == std::string_view::npos) break;
    names.remove_prefix(semicolon + 1);
  }
  canonical.push_back('\n');
  canonical.append(params.signed_headers).push_back('\n');
  AppendHexLower(canonical, Sha256Raw(request.body()));

  const std::string string_to_sign =
      sigv4::StringToSign(amz_date, date, region, service, canonical);

  // Compared as bytes: the signature sent, read from its hex, against the
  // MAC computed, with no hex string made on the way (AWS's hex is lower
  // case; a signature in upper case is another string, and does not match).
  const Sha256Bytes expected = signing_key(*credential, date, region).SignRaw(string_to_sign);
  const bool signature_matches = SignatureEquals(params.signature, expected);
  if (!signature_matches || !all_headers_present) {
    return Failure(kInvalidSignature,
                   "The request signature we calculated does not match the signature you "
                   "provided. Check your AWS Secret Access Key and signing method. Consult the "
                   "service documentation for details.\n\nThe Canonical String for this request "
                   "should have been\n'" +
                       canonical + "'\n\nThe String-to-Sign should have been\n'" +
                       string_to_sign + "'\n");
  }
  return VerifiedCaller{credential->access_key, credential->account_id, std::string(region)};
}

}  // namespace
}  // namespace sigv4_verifier_detail

namespace {

// Each verifier's own number, so that a thread's memo (below) never answers
// for a verifier that took the place of another at the same address.
std::uint64_t NextVerifierId() {
  static std::atomic<std::uint64_t> next{0};
  return ++next;
}

}  // namespace

SigV4Verifier::SigV4Verifier(const CredentialStore& store, std::string service)
    : store_(store), service_(std::move(service)), id_(NextVerifierId()) {}

HmacSha256Key SigV4Verifier::SigningKey(const Credential& credential, std::string_view date,
                                        std::string_view region) const {
  // The key a thread used last: a test suite signs with one key, so the
  // shared cache's lock and lookup are seldom needed. The strings keep
  // their capacity, so a hit or a miss allocates nothing here.
  struct Memo {
    std::uint64_t verifier = 0;
    std::string access_key;
    std::string date;
    std::string region;
    std::optional<HmacSha256Key> key;
  };
  thread_local Memo memo;
  if (memo.verifier == id_ && memo.key && memo.access_key == credential.access_key &&
      memo.date == date && memo.region == region) {
    return *memo.key;
  }
  const HmacSha256Key key = CachedSigningKey(credential, date, region);
  memo.verifier = id_;
  memo.access_key.assign(credential.access_key);
  memo.date.assign(date);
  memo.region.assign(region);
  memo.key = key;
  return key;
}

HmacSha256Key SigV4Verifier::CachedSigningKey(const Credential& credential, std::string_view date,
                                              std::string_view region) const {
  std::string cache_key;
  cache_key.reserve(credential.access_key.size() + date.size() + region.size() + 2);
  cache_key.append(credential.access_key).append("\n").append(date).append("\n").append(region);
  {
    ReaderLock lock(cache_mutex_);
    const auto it = signing_keys_.find(cache_key);
    if (it != signing_keys_.end()) return it->second;
  }
  const HmacSha256Key key(sigv4::SigningKey(credential.secret_key, date, region, service_));
  WriterLock lock(cache_mutex_);
  // Keys change daily: a full cache is mostly yesterday's, so start afresh.
  if (signing_keys_.size() >= kMaxCachedKeys) signing_keys_.clear();
  signing_keys_.emplace(std::move(cache_key), key);
  return key;
}

std::variant<VerifiedCaller, AuthFailure> SigV4Verifier::Verify(
    const net::HttpRequest& request, std::chrono::system_clock::time_point wall_now) const {
  return sigv4_verifier_detail::VerifyRequest(
      store_, service_, request, wall_now,
      [this](const Credential& credential, std::string_view date, std::string_view region) {
        return SigningKey(credential, date, region);
      });
}

}  // namespace sluice::protocol
