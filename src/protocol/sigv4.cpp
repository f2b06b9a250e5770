#include "sluice/protocol/sigv4.h"

#include <array>

namespace sluice::protocol {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A region as AWS names them (us-east-1, eu-central-2, ...): letters, digits
// and hyphens. The region ends up in ARNs and response bodies, so a scope with
// anything else (bytes that are not UTF-8, say) is not taken as a credential.
bool PlausibleRegion(std::string_view region) {
  constexpr std::size_t kMaxRegionLength = 64;
  if (region.empty() || region.size() > kMaxRegionLength) return false;
  for (const char c : region) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<SigV4Credential> ParseSigV4Authorization(std::string_view header) {
  constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
  header = Trim(header);
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm) return std::nullopt;
  header.remove_prefix(kAlgorithm.size());

  // The parameters are comma separated; only Credential matters here.
  std::string_view credential;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto part = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    constexpr std::string_view kKey = "Credential=";
    if (part.substr(0, kKey.size()) == kKey) credential = part.substr(kKey.size());
  }
  if (credential.empty()) return std::nullopt;

  // AKID/date/region/service/aws4_request
  std::array<std::string_view, 5> fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto slash = credential.find('/');
    if (i + 1 < fields.size()) {
      if (slash == std::string_view::npos) return std::nullopt;
      fields[i] = credential.substr(0, slash);
      credential.remove_prefix(slash + 1);
    } else {
      if (slash != std::string_view::npos) return std::nullopt;
      fields[i] = credential;
    }
  }
  if (fields[0].empty() || !PlausibleRegion(fields[2]) || fields[4] != "aws4_request") {
    return std::nullopt;
  }
  return SigV4Credential{std::string(fields[0]), std::string(fields[1]), std::string(fields[2]),
                         std::string(fields[3])};
}

}  // namespace sluice::protocol
