// Fuzzes the SigV4 Authorization header parser (protocol/sigv4.h): the input
// is the header's value. Whatever the bytes, the parser must not crash, and a
// credential it accepts must be one the header could only have meant: an
// access key and a region name (letters, digits, hyphens: it ends up in ARNs
// and response bodies), fields free of the separators that delimit them, and
// the same credential again when rebuilt into a canonical header and parsed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "invariants.h"
#include "sluice/protocol/sigv4.h"

namespace {

using sluice::fuzz::Require;

bool IsRegionName(std::string_view region) {
  if (region.empty()) return false;
  for (const char c : region) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-';
    if (!allowed) return false;
  }
  return true;
}

bool FreeOfSeparators(std::string_view field) {
  return field.find('/') == std::string_view::npos && field.find(',') == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  const auto credential = sluice::protocol::ParseSigV4Authorization(header);
  if (!credential) return 0;

  const std::string detail(header);
  Require(!credential->access_key.empty(), "an accepted credential has an access key", detail);
  Require(IsRegionName(credential->region), "an accepted region is a region name", detail);
  Require(FreeOfSeparators(credential->access_key) && FreeOfSeparators(credential->date) &&
              FreeOfSeparators(credential->region) && FreeOfSeparators(credential->service),
          "credential fields hold no '/' or ','", detail);

  const std::string canonical = "AWS4-HMAC-SHA256 Credential=" + credential->access_key + "/" +
                                credential->date + "/" + credential->region + "/" +
                                credential->service + "/aws4_request, SignedHeaders=host, "
                                "Signature=0";
  const auto again = sluice::protocol::ParseSigV4Authorization(canonical);
  Require(again && again->access_key == credential->access_key &&
              again->date == credential->date && again->region == credential->region &&
              again->service == credential->service,
          "a credential rebuilt into a canonical header parses to itself", detail);
  return 0;
}
