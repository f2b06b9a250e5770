// Fuzzes the SigV4 verifier (protocol/sigv4_verifier.h) behind --auth strict.
//
// The input is a request: its first byte holds flags, the rest splits at NUL
// bytes into method, target, Authorization, X-Amz-Date, Date,
// X-Amz-Security-Token, Host, one more header ("name:value") and the body
// (everything after the eighth NUL). An empty field leaves its header out.
//   flag 1: sign the request with the events signer first (its region is the
//           Authorization field, else us-east-1), so the accepting path runs;
//   flag 2: verify against the key that has a session token.
//
// Whatever the bytes: no crash; a refusal has one of the four types and a
// non-empty UTF-8 message; an acceptance is of a request whose signature is
// the one a separate, plain recomputation here makes for it, within the
// skew, with the right session token, naming the key's account and a region
// name; and a cleanly signed request is accepted.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/delivery/sigv4_signer.h"
#include "invariants.h"
#include "sluice/common/sha256.h"
#include "sluice/protocol/sigv4_verifier.h"

namespace {

namespace http = boost::beast::http;
using sluice::fuzz::Require;
using sluice::protocol::AuthFailure;
using sluice::protocol::Credential;
using sluice::protocol::CredentialStore;
using sluice::protocol::SigV4Verifier;
using sluice::protocol::VerifiedCaller;
using std::chrono::system_clock;

// 2023-11-14T22:13:20Z
const system_clock::time_point kNow = system_clock::time_point(std::chrono::seconds(1'700'000'000));

const Credential kPlain{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", std::nullopt,
                        "111111111111", "default"};
const Credential kTemporary{"ASIAEXAMPLE", "temporary/secret", "SESSIONTOKEN", "222222222222",
                            "temp"};

// --- The plain recomputation ---------------------------------------------------

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view text, std::string_view separators) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find_first_of(separators, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::string Encode(std::string_view text, bool keep_slash) {
  std::string out;
  for (const char c : text) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~' ||
                       (keep_slash && c == '/');
    if (plain) {
      out.push_back(c);
    } else {
      char hex[4];
      const auto byte = static_cast<unsigned>(static_cast<unsigned char>(c));
      std::snprintf(hex, sizeof hex, "%%%02X", byte);
      out += hex;
    }
  }
  return out;
}

std::string Decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && sluice::HexDigitValue(text[i + 1]) >= 0 &&
        sluice::HexDigitValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(sluice::HexDigitValue(text[i + 1]) * 16 +
                                      sluice::HexDigitValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> QueryPairs(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (query.empty()) return pairs;
  for (const std::string_view param : Split(query, "&")) {
    if (param.empty()) continue;
    const std::size_t eq = param.find('=');
    pairs.emplace_back(Decode(param.substr(0, eq)),
                       eq == std::string_view::npos ? "" : Decode(param.substr(eq + 1)));
  }
  return pairs;
}

std::optional<std::string> HeaderText(const sluice::net::HttpRequest& request,
                                      std::string_view name) {
  for (const auto& field : request) {
    if (Lower(std::string_view(field.name_string().data(), field.name_string().size())) == name) {
      return std::string(field.value().data(), field.value().size());
    }
  }
  return std::nullopt;
}

// "Tue, 14 Nov 2023 22:13:20 GMT" or "20231114T221320Z" as the latter.
std::optional<std::string> BasicDate(std::string_view text) {
  if (text.size() == 16) return std::string(text);
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29) return std::nullopt;
  const auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (month == kMonths.end()) return std::nullopt;
  char out[20];
  std::snprintf(out, sizeof out, "%.4s%02d%.2sT%.2s%.2s%.2sZ", text.substr(12, 4).data(),
                static_cast<int>(month - kMonths.begin()) + 1, text.substr(5, 2).data(),
                text.substr(17, 2).data(), text.substr(20, 2).data(), text.substr(23, 2).data());
  return std::string(out);
}

struct Recomputed {
  std::string given_signature;
  std::string expected_signature;
  std::string access_key;
  std::string region;
  std::optional<std::string> token;
};

// What a verifier that accepted `request` must have computed; nullopt when
// the request cannot be one a verifier accepts at all.
std::optional<Recomputed> Recompute(const sluice::net::HttpRequest& request,
                                    const Credential& credential) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

  std::string credential_text;
  std::string signed_headers;
  Recomputed result;
  std::optional<std::string> date_text;
  const std::string authorization(TrimBlanks(HeaderText(request, "authorization").value_or("")));
  const bool presigned = authorization.empty();
  if (!presigned) {
    for (const std::string_view part : Split(authorization, " ,\t")) {
      const std::size_t eq = part.find('=');
      if (eq == std::string_view::npos || eq + 1 == part.size()) continue;
      const std::string_view key = part.substr(0, eq);
      const std::string value(part.substr(eq + 1));
      if (key == "Credential" && credential_text.empty()) credential_text = value;
      if (key == "SignedHeaders" && signed_headers.empty()) signed_headers = value;
      if (key == "Signature" && result.given_signature.empty()) result.given_signature = value;
    }
    date_text = HeaderText(request, "x-amz-date");
    if (!date_text || TrimBlanks(*date_text).empty()) date_text = HeaderText(request, "date");
    result.token = HeaderText(request, "x-amz-security-token");
  } else {
    for (const auto& [name, value] : QueryPairs(query)) {
      if (name == "X-Amz-Credential" && credential_text.empty()) credential_text = value;
      if (name == "X-Amz-SignedHeaders" && signed_headers.empty()) signed_headers = value;
      if (name == "X-Amz-Signature" && result.given_signature.empty()) {
        result.given_signature = value;
      }
      if (name == "X-Amz-Date" && !date_text) date_text = value;
      if (name == "X-Amz-Security-Token" && !result.token) result.token = value;
    }
  }
  if (!date_text) return std::nullopt;
  const auto amz_date = BasicDate(TrimBlanks(*date_text));
  if (!amz_date) return std::nullopt;
  const auto scope = Split(credential_text, "/");
  if (scope.size() != 5) return std::nullopt;
  result.access_key = std::string(scope[0]);
  result.region = std::string(scope[2]);

  std::string canonical(request.method_string().data(), request.method_string().size());
  canonical += "\n";
  canonical += path.empty() ? "/" : Encode(path, true);
  canonical += "\n";
  std::vector<std::pair<std::string, std::string>> params;
  for (auto& [name, value] : QueryPairs(query)) {
    if (presigned && name == "X-Amz-Signature") continue;
    params.emplace_back(Encode(name, false), Encode(value, false));
  }
  std::sort(params.begin(), params.end());
  for (std::size_t i = 0; i < params.size(); ++i) {
    canonical += (i ? "&" : "") + params[i].first + "=" + params[i].second;
  }
  canonical += "\n";
  for (const std::string_view name : Split(signed_headers, ";")) {
    std::vector<std::string> values;
    for (const auto& field : request) {
      const std::string field_name =
          Lower(std::string_view(field.name_string().data(), field.name_string().size()));
      if (name.empty() || field_name != Lower(name)) continue;
      // Trimmed, inner runs of blanks made one space.
      std::string value;
      for (const std::string_view word :
           Split(std::string_view(field.value().data(), field.value().size()), " \t")) {
        if (word.empty()) continue;
        if (!value.empty()) value += " ";
        value += word;
      }
      values.push_back(value);
    }
    if (values.empty()) return std::nullopt;  // signed but not sent
    canonical += std::string(name) + ":";
    for (std::size_t i = 0; i < values.size(); ++i) canonical += (i ? "," : "") + values[i];
    canonical += "\n";
  }
  canonical += "\n" + signed_headers + "\n" + sluice::HexLower(sluice::Sha256(request.body()));

  const std::string date = amz_date->substr(0, 8);
  const std::string string_to_sign = "AWS4-HMAC-SHA256\n" + *amz_date + "\n" + date + "/" +
                                     result.region + "/codepipeline/aws4_request\n" +
                                     sluice::HexLower(sluice::Sha256(canonical));
  std::string key = sluice::HmacSha256("AWS4" + credential.secret_key, date);
  key = sluice::HmacSha256(key, result.region);
  key = sluice::HmacSha256(key, "codepipeline");
  key = sluice::HmacSha256(key, "aws4_request");
  result.expected_signature = sluice::HexLower(sluice::HmacSha256(key, string_to_sign));
  return result;
}

// --- Checks -----------------------------------------------------------------

bool IsRegionName(std::string_view region) {
  // ^[a-z]{2}(-[a-z]+)+-[0-9]+$
  const auto groups = Split(region, "-");
  if (groups.size() < 3 || groups[0].size() != 2) return false;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::string_view group = groups[i];
    if (group.empty()) return false;
    const bool last = i + 1 == groups.size();
    for (const char c : group) {
      if (last ? (c < '0' || c > '9') : (c < 'a' || c > 'z')) return false;
    }
  }
  return true;
}

bool IsUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80 ? 1 : lead >= 0xC2 && lead <= 0xDF ? 2
                                       : lead >= 0xE0 && lead <= 0xEF ? 3
                                       : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                                      : 0;
    if (length == 0 || i + length > text.size()) return false;
    std::uint32_t code = length == 1 ? lead : lead & (0xFFU >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0U) != 0x80U) return false;
      code = (code << 6) | (next & 0x3FU);
    }
    constexpr std::array<std::uint32_t, 5> kLeast = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kLeast[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

bool IsHeaderToken(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool FreeOfLineBreaks(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned flags = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::array<std::string_view, 9> fields;
  std::string_view rest = input;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i + 1 == fields.size()) {
      fields[i] = rest;
      break;
    }
    const std::size_t nul = rest.find('\0');
    fields[i] = rest.substr(0, nul);
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }
  const auto& [method, target, authorization, amz_date, date, token, host, extra, body] = fields;

  const bool sign = (flags & 1U) != 0;
  const Credential& credential = (flags & 2U) != 0 ? kTemporary : kPlain;
  static const CredentialStore plain_store({kPlain});
  static const CredentialStore temporary_store({kTemporary});
  static const SigV4Verifier plain_verifier(plain_store, "codepipeline");
  static const SigV4Verifier temporary_verifier(temporary_store, "codepipeline");
  const SigV4Verifier& verifier = (flags & 2U) != 0 ? temporary_verifier : plain_verifier;

  sluice::net::HttpRequest request;
  const std::string method_text = method.empty() ? "POST" : std::string(method);
  request.method_string(boost::beast::string_view(method_text.data(), method_text.size()));
  request.target(target.empty() ? boost::beast::string_view("/")
                                : boost::beast::string_view(target.data(), target.size()));
  request.version(11);
  if (!host.empty()) {
    request.set(http::field::host, boost::beast::string_view(host.data(), host.size()));
  }
  std::string extra_name;
  std::string extra_value;
  if (const std::size_t colon = extra.find(':'); colon != std::string_view::npos && colon > 0) {
    extra_name = std::string(extra.substr(0, colon));
    extra_value = std::string(extra.substr(colon + 1));
    request.insert(boost::beast::string_view(extra_name.data(), extra_name.size()),
                   boost::beast::string_view(extra_value.data(), extra_value.size()));
  }
  const auto set = [&](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    request.set(boost::beast::string_view(name.data(), name.size()),
                boost::beast::string_view(value.data(), value.size()));
  };
  set("Date", date);
  request.body() = std::string(body);

  std::string region = "us-east-1";
  if (sign) {
    if (!authorization.empty()) region = std::string(authorization);
    const std::string_view path(request.target().data(), request.target().size());
    const std::size_t question = path.find('?');
    sluice::events::delivery::SigV4Request to_sign{
        method_text, std::string(host), std::string(path.substr(0, question)),
        question == std::string_view::npos ? "" : std::string(path.substr(question + 1)), {},
        std::string(body)};
    if (!extra_name.empty()) to_sign.headers.emplace_back(extra_name, extra_value);
    std::optional<std::string> signing_token = credential.session_token;
    if (!token.empty()) signing_token = std::string(token);
    const auto signature = sluice::events::delivery::SignSigV4(
        to_sign, region, "codepipeline",
        {credential.access_key, credential.secret_key, signing_token}, kNow);
    for (const auto& [name, value] : signature.headers) set(name, value);
  } else {
    set("Authorization", authorization);
    set("X-Amz-Date", amz_date);
    set("X-Amz-Security-Token", token);
  }

  const auto outcome = verifier.Verify(request, kNow);
  std::string detail = "flags " + std::to_string(flags) + " target ";
  detail += target;
  if (const auto* failure = std::get_if<AuthFailure>(&outcome)) {
    detail += "\n" + failure->type + ": " + failure->message;
    Require(failure->type == sluice::protocol::kMissingAuthenticationToken ||
                failure->type == sluice::protocol::kIncompleteSignature ||
                failure->type == sluice::protocol::kInvalidSignature ||
                failure->type == sluice::protocol::kUnrecognizedClient,
            "a refusal has one of the four AWS types", detail);
    Require(!failure->message.empty(), "a refusal has a message", detail);
    Require(IsUtf8(failure->message), "a refusal's message is UTF-8", detail);

    // A request the signer signed cleanly, with the key's own token, in a
    // region, is one the verifier must take.
    const std::string lower_extra = Lower(extra_name);
    const bool clean =
        sign && IsRegionName(region) && !host.empty() && FreeOfLineBreaks(host) &&
        FreeOfLineBreaks(target) && FreeOfLineBreaks(extra_value) &&
        (extra_name.empty() ||
         (IsHeaderToken(extra_name) && extra_name.rfind("x-", 0) == 0 &&
          lower_extra != "x-amz-date" && lower_extra != "x-amz-security-token")) &&
        (token.empty() || (credential.session_token && token == *credential.session_token)) &&
        !method.empty() && IsHeaderToken(Lower(method)) &&
        method.find('-') == std::string_view::npos;
    if (clean) {
      Require(false, "a request the signer signed cleanly is accepted", detail);
    }
    return 0;
  }

  const auto& caller = std::get<VerifiedCaller>(outcome);
  Require(caller.access_key == credential.access_key, "an accepted caller is the store's key",
          detail);
  Require(caller.account_id == credential.account_id, "an accepted caller acts in its account",
          detail);
  Require(IsRegionName(caller.region), "an accepted caller's region is a region name", detail);
  const auto recomputed = Recompute(request, credential);
  Require(recomputed.has_value(), "an accepted request is complete and signs only sent headers",
          detail);
  Require(recomputed->access_key == credential.access_key && recomputed->region == caller.region,
          "an accepted request's scope names the caller", detail);
  Require(recomputed->given_signature == recomputed->expected_signature,
          "an accepted request carries the signature its secret makes", detail);
  const bool token_sent = recomputed->token && !recomputed->token->empty();
  Require(credential.session_token ? token_sent && *recomputed->token == *credential.session_token
                                   : !token_sent,
          "an accepted request carries its key's session token, and only then", detail);
  return 0;
}
