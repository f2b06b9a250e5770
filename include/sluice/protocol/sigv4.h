// SigV4 Authorization header parsing: sluice reads only the credential scope
// (access key, date, region, service) to decide the caller's account and
// region. Signatures are not verified, and never logged.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::protocol {

struct SigV4Credential {
  std::string access_key;
  std::string date;     // yyyymmdd
  std::string region;
  std::string service;
};

// Parses "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/codepipeline/aws4_request,
// SignedHeaders=..., Signature=...". nullopt when the header is not of that form,
// or when its region is not a region name (letters, digits and hyphens).
std::optional<SigV4Credential> ParseSigV4Authorization(std::string_view header);

}  // namespace sluice::protocol
