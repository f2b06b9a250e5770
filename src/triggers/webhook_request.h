// What a webhook delivery must pass before it starts its pipeline: the
// authentication PutWebhook's definition names (GITHUB_HMAC, IP or
// UNAUTHENTICATED), then every filter rule against the JSON payload. Pure
// functions of their arguments, with no I/O; the HTTP side reads the
// headers, the peer address and the target action's configuration and
// passes them in. Thread-safe.
//
// Reasons quote the payload's values and matchEquals as declared (its {Key}
// placeholders unfilled, so that no configuration value reaches the caller);
// they are meant for logs and the developer who sent the delivery, and never
// include the SecretToken.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/domain/registry/webhook_registry.h"

namespace sluice::triggers {

// Why a webhook call was refused, or that it passes.
enum class WebhookVerdict { kAccepted, kUnauthorized, kFilterMismatch };

struct WebhookCheck {
  WebhookVerdict verdict;
  // Human-readable, e.g. "filter 1 ($.ref): 'refs/heads/dev' is not
  // 'refs/heads/main'" or "X-Hub-Signature-256 does not match"; empty when
  // accepted.
  std::string reason;
};

// Authentication, as the webhook's definition says:
// - GITHUB_HMAC: GitHub signs the raw body with the SecretToken and sends
//   "X-Hub-Signature-256: sha256=<hex HMAC-SHA256>" and, for older
//   receivers, "X-Hub-Signature: sha1=<hex HMAC-SHA1>". The SHA-256 header
//   is checked when present (a bad one is not rescued by a good SHA-1
//   header), else the SHA-1 one; the hex may be either case; digests are
//   compared in constant time. A missing or malformed header is
//   unauthorized. An empty header value counts as missing.
// - IP: `peer_address` (textual IPv4 or IPv6, IPv4-mapped IPv6 such as
//   "::ffff:10.0.0.1" included, an IPv6 zone such as "%eth0" ignored) must
//   lie in the CIDR AllowedIPRange; see AddressInRange().
// - UNAUTHENTICATED: always passes.
WebhookCheck Authenticate(const sluice::domain::WebhookDefinition& webhook, std::string_view body,
                          std::string_view signature_256_header,
                          std::string_view signature_1_header, std::string_view peer_address);

// Every filter must match, checked in order; the first that does not is
// named in the reason (1-based). A filter matches when its jsonPath selects
// something (null included; see SelectJsonPath() for the syntax, filter
// expressions select nothing) and, if it has matchEquals, some selected
// value equals it. Before comparing, each "{Key}" in matchEquals becomes
// the target action's configuration value for Key (case-sensitive, one
// pass: values are not expanded again); a placeholder naming no key stays
// as written, so such a filter only matches that literal text. A selected
// string compares by its text without quotes; a number, true, false or null
// by its JSON text (42, 1.5, true, null); an object or array never equals
// matchEquals. No filters: accepted.
WebhookCheck MatchFilters(const std::vector<sluice::domain::WebhookFilter>& filters,
                          const nlohmann::json& payload,
                          const std::map<std::string, std::string>& action_configuration);

// Whether `a` and `b` hold the same bytes, taking the same time wherever
// they differ (though not whatever their lengths: a digest's is public).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Whether textual address `address` lies in CIDR `range` (IPv4 or IPv6;
// host bits in the range are ignored, "/0" takes everything of its family).
// IPv4 is compared as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so
// "::ffff:10.0.0.1" is in "10.0.0.0/8", "10.0.0.1" is in "::ffff:0:0/96",
// and "::/0" also takes every IPv4 address. False for anything that does
// not parse.
bool AddressInRange(std::string_view address, std::string_view range);

}  // namespace sluice::triggers
