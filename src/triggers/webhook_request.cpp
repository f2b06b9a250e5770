#include "webhook_request.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>

#include "sluice/common/sha1.h"
#include "sluice/common/sha256.h"
#include "sluice/domain/registry/json_path.h"

namespace sluice::triggers {

namespace {

using domain::WebhookAuthentication;
using domain::WebhookDefinition;
using domain::WebhookFilter;
using Json = nlohmann::json;

WebhookCheck Accepted() { return {WebhookVerdict::kAccepted, ""}; }
WebhookCheck Unauthorized(std::string reason) {
  return {WebhookVerdict::kUnauthorized, std::move(reason)};
}
WebhookCheck Mismatch(std::string reason) {
  return {WebhookVerdict::kFilterMismatch, std::move(reason)};
}

// `text` quoted for a reason: at most 80 bytes (cut between UTF-8
// characters), control characters as '?', so a payload cannot stretch or
// break the log line a reason ends up in.
std::string Excerpt(std::string_view text) {
  constexpr std::size_t kMaxBytes = 80;
  std::size_t keep = text.size();
  if (keep > kMaxBytes) {
    keep = kMaxBytes;
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xc0) == 0x80) --keep;
  }
  std::string quoted = "'";
  for (const char c : text.substr(0, keep)) {
    const auto u = static_cast<unsigned char>(c);
    quoted.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  if (keep < text.size()) quoted += "...";
  quoted.push_back('\'');
  return quoted;
}

// --- Signatures ---------------------------------------------------------


// The bytes `hex` spells, or nothing if it is not exactly `bytes` of them.
// Either case: GitHub writes lowercase, but the digest is the same bytes.
std::optional<std::string> DecodeHex(std::string_view hex, std::size_t bytes) {
  if (hex.size() != 2 * bytes) return std::nullopt;
  std::string decoded(bytes, '\0');
  for (std::size_t i = 0; i < bytes; ++i) {
    const int high = HexDigitValue(hex[2 * i]);
    const int low = HexDigitValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    decoded[i] = static_cast<char>(high << 4 | low);
  }
  return decoded;
}

// One signature header, "<scheme>=<hex>", against the digest we computed.
WebhookCheck CheckSignature(std::string_view header_name, std::string_view scheme,
                            std::string_view header, const std::string& expected) {
  std::optional<std::string> given;
  if (header.size() > scheme.size() && header.substr(0, scheme.size()) == scheme &&
      header[scheme.size()] == '=') {
    given = DecodeHex(header.substr(scheme.size() + 1), expected.size());
  }
  if (!given) {
    return Unauthorized(std::string(header_name) + " is not " + std::string(scheme) + "=<" +
                        std::to_string(2 * expected.size()) + " hex digits>");
  }
  if (!ConstantTimeEquals(*given, expected)) {
    return Unauthorized(std::string(header_name) + " does not match");
  }
  return Accepted();
}

WebhookCheck CheckGithubHmac(const WebhookDefinition& webhook, std::string_view body,
                             std::string_view signature_256_header,
                             std::string_view signature_1_header) {
  // PutWebhook refuses GITHUB_HMAC without a SecretToken; a state document
  // could still carry one, and no secret must never mean "anything goes".
  if (!webhook.secret_token) return Unauthorized("the webhook has no SecretToken");
  const std::string& secret = *webhook.secret_token;
  if (!signature_256_header.empty()) {
    return CheckSignature("X-Hub-Signature-256", "sha256", signature_256_header,
                          HmacSha256(secret, body));
  }
  if (!signature_1_header.empty()) {
    return CheckSignature("X-Hub-Signature", "sha1", signature_1_header, HmacSha1(secret, body));
  }
  return Unauthorized("no X-Hub-Signature-256 or X-Hub-Signature header");
}

// --- Addresses ----------------------------------------------------------

// An address as 16 bytes; IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one
// comparison serves both families and mapped peers of a dual-stack socket.
using Address = std::array<unsigned char, 16>;
constexpr int kMappedPrefixBits = 96;

struct Cidr {
  Address network;
  int prefix_bits;  // of the 128
};

// inet_pton reads up to a NUL, so text holding one is refused before it.
std::optional<Address> ParseAddressNoZone(std::string_view text) {
  if (text.empty() || text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string terminated(text);
  Address address{};
  std::array<unsigned char, 4> v4{};
  if (inet_pton(AF_INET, terminated.c_str(), v4.data()) == 1) {
    address[10] = 0xff;
    address[11] = 0xff;
    std::copy(v4.begin(), v4.end(), address.begin() + 12);
    return address;
  }
  if (inet_pton(AF_INET6, terminated.c_str(), address.data()) == 1) return address;
  return std::nullopt;
}

// A peer's address, which for link-local IPv6 may carry a zone ("fe80::1%eth0",
// as Asio writes it); the zone says which interface, not which address.
std::optional<Address> ParseAddress(std::string_view text) {
  const std::size_t percent = text.find('%');
  if (percent == std::string_view::npos) return ParseAddressNoZone(text);
  if (percent + 1 == text.size() || text.substr(0, percent).find(':') == std::string_view::npos) {
    return std::nullopt;
  }
  return ParseAddressNoZone(text.substr(0, percent));
}

// "address/bits", as the registry's IsCidr accepts it: 1 to 3 digits, at
// most 32 for IPv4 and 128 for IPv6.
std::optional<Cidr> ParseCidr(std::string_view range) {
  const std::size_t slash = range.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view digits = range.substr(slash + 1);
  if (digits.empty() || digits.size() > 3 ||
      !std::all_of(digits.begin(), digits.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return std::nullopt;
  }
  int bits = 0;
  for (const char c : digits) bits = bits * 10 + (c - '0');
  const std::string_view address_text = range.substr(0, slash);
  const auto network = ParseAddressNoZone(address_text);
  if (!network) return std::nullopt;
  const bool is_v4 = address_text.find(':') == std::string_view::npos;
  if (bits > (is_v4 ? 32 : 128)) return std::nullopt;
  return Cidr{*network, is_v4 ? kMappedPrefixBits + bits : bits};
}

bool Contains(const Cidr& cidr, const Address& address) {
  const auto whole_bytes = static_cast<std::size_t>(cidr.prefix_bits / 8);
  if (!std::equal(address.begin(), address.begin() + static_cast<std::ptrdiff_t>(whole_bytes),
                  cidr.network.begin())) {
    return false;
  }
  const int rest = cidr.prefix_bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (address[whole_bytes] & mask) == (cidr.network[whole_bytes] & mask);
}

WebhookCheck CheckPeerAddress(const WebhookDefinition& webhook, std::string_view peer_address) {
  if (!webhook.allowed_ip_range) return Unauthorized("the webhook has no AllowedIPRange");
  const auto cidr = ParseCidr(*webhook.allowed_ip_range);
  if (!cidr) {
    return Unauthorized("AllowedIPRange " + Excerpt(*webhook.allowed_ip_range) +
                        " is not a CIDR block");
  }
  const auto address = ParseAddress(peer_address);
  if (!address) {
    return Unauthorized("peer address " + Excerpt(peer_address) + " is not an IP address");
  }
  if (!Contains(*cidr, *address)) {
    return Unauthorized("peer address " + Excerpt(peer_address) + " is not in AllowedIPRange " +
                        Excerpt(*webhook.allowed_ip_range));
  }
  return Accepted();
}

// --- Filters ------------------------------------------------------------

// "{Key}" replaced by the configuration's value for Key, in one pass; a key
// the configuration lacks (or "{}") stays as written.
std::string ExpandPlaceholders(std::string_view text,
                               const std::map<std::string, std::string>& configuration) {
  std::string expanded;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{') {
      const std::size_t close = text.find_first_of("{}", i + 1);
      if (close != std::string_view::npos && text[close] == '}' && close > i + 1) {
        const auto it = configuration.find(std::string(text.substr(i + 1, close - i - 1)));
        if (it != configuration.end()) {
          expanded += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    expanded.push_back(text[i++]);
  }
  return expanded;
}

// The text a selected value compares by, or nothing for an object or array.
// Strings without their quotes; other scalars as JSON writes them (dump()
// is safe there: only strings can hold invalid UTF-8, and scalars have no
// depth to recurse into).
std::optional<std::string> ComparableText(const Json& value) {
  if (value.is_string()) return value.get_ref<const std::string&>();
  if (value.is_structured()) return std::nullopt;
  return value.dump();
}

// How a selected value shows in a reason.
std::string Shown(const Json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  return Excerpt(*ComparableText(value));
}

// Why none of `selected` equals `expected`, listing up to three of them.
std::string Unmatched(const std::vector<const Json*>& selected, const std::string& expected) {
  if (selected.size() == 1) return Shown(*selected[0]) + " is not " + Excerpt(expected);
  constexpr std::size_t kListed = 3;
  std::string listed;
  for (std::size_t i = 0; i < std::min(selected.size(), kListed); ++i) {
    listed += (i > 0 ? ", " : "") + Shown(*selected[i]);
  }
  if (selected.size() > kListed) listed += ", ...";
  return "none of the " + std::to_string(selected.size()) + " selected values (" + listed +
         ") is " + Excerpt(expected);
}

}  // namespace

WebhookCheck Authenticate(const WebhookDefinition& webhook, std::string_view body,
                          std::string_view signature_256_header,
                          std::string_view signature_1_header, std::string_view peer_address) {
  switch (webhook.authentication) {
    case WebhookAuthentication::kGithubHmac:
      return CheckGithubHmac(webhook, body, signature_256_header, signature_1_header);
    case WebhookAuthentication::kIp: return CheckPeerAddress(webhook, peer_address);
    case WebhookAuthentication::kUnauthenticated: return Accepted();
  }
  return Unauthorized("unknown authentication type");
}

WebhookCheck MatchFilters(const std::vector<WebhookFilter>& filters, const nlohmann::json& payload,
                          const std::map<std::string, std::string>& action_configuration) {
  for (std::size_t i = 0; i < filters.size(); ++i) {
    const WebhookFilter& filter = filters[i];
    const std::string label = "filter " + std::to_string(i + 1) + " (" + filter.json_path + "): ";
    const std::vector<const Json*> selected = domain::SelectJsonPath(filter.json_path, payload);
    if (selected.empty()) return Mismatch(label + "selects nothing");
    if (!filter.match_equals) continue;
    const std::string expected = ExpandPlaceholders(*filter.match_equals, action_configuration);
    const bool matched = std::any_of(selected.begin(), selected.end(), [&](const Json* value) {
      return ComparableText(*value) == expected;
    });
    // The reason quotes matchEquals as declared: its {Key}s filled in could
    // show a configuration value (a token, say) to whoever calls the URL.
    if (!matched) return Mismatch(label + Unmatched(selected, *filter.match_equals));
  }
  return Accepted();
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // Every byte is looked at, and differences are only gathered, never
  // branched on, so the time says nothing about where they are.
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

bool AddressInRange(std::string_view address, std::string_view range) {
  const auto cidr = ParseCidr(range);
  const auto parsed = ParseAddress(address);
  return cidr && parsed && Contains(*cidr, *parsed);
}

}  // namespace sluice::triggers
