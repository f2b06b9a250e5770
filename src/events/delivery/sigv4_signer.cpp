#include "events/delivery/sigv4_signer.h"

#include <algorithm>
#include <map>

#include "sluice/common/sha256.h"
#include "sluice/common/sigv4_canonical.h"

namespace sluice::events::delivery {

namespace {

std::string Lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

std::string CanonicalValue(std::string_view value) {
  std::string out;
  sigv4::AppendCanonicalValue(out, value);
  return out;
}

}  // namespace

SigV4Signature SignSigV4(const SigV4Request& request, std::string_view region,
                         std::string_view service, const AwsCredentials& credentials,
                         std::chrono::system_clock::time_point when) {
  const std::string amz_date = sigv4::FormatAmzDate(when);
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

  std::string& canonical_request = result.canonical_request;
  canonical_request = request.method + "\n";
  sigv4::AppendCanonicalUri(canonical_request, request.path);
  canonical_request += "\n" + sigv4::CanonicalQuery(request.query) + "\n" + header_lines + "\n" +
                       result.signed_headers + "\n" + HexLower(Sha256(request.payload));

  result.string_to_sign =
      sigv4::StringToSign(amz_date, date, region, service, result.canonical_request);
  const std::string key =
      sigv4::SigningKey(credentials.secret_access_key, date, region, service);
  result.signature = HexLower(HmacSha256(key, result.string_to_sign));

  const std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/" +
                            std::string(sigv4::kTerminator);
  result.headers.emplace_back("Authorization",
                              std::string(sigv4::kAlgorithm) + " Credential=" +
                                  credentials.access_key_id + "/" + scope +
                                  ", SignedHeaders=" + result.signed_headers +
                                  ", Signature=" + result.signature);
  return result;
}

}  // namespace sluice::events::delivery
