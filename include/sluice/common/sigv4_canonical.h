// The pieces of AWS Signature Version 4 that signing and checking share
// (docs: "Create a canonical request for Signature Version 4"): the one
// canonical form of a path, a query and a header value, the X-Amz-Date
// format, the string to sign and the derived signing key. The PutEvents
// signer (events/delivery) and the --auth strict verifier (protocol) both
// build on them, so that what one signs the other accepts. Pure functions.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sluice::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";

// SigV4's URI encoding: each byte but the unreserved ones (A-Z a-z 0-9 - _
// . ~, and '/' when `keep_slash`) as %XX with uppercase hex.
void AppendUriEncoded(std::string& out, std::string_view text, bool keep_slash);

// Undoes %XX; anything else, a stray '%' included, stays as it is.
std::string PercentDecode(std::string_view text);

// Calls visit(name, value) for each parameter of a query string, undecoded;
// a parameter without '=' has an empty value, an empty one is skipped.
template <typename Visit>
void ForEachQueryParam(std::string_view query, Visit visit) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (param.empty()) continue;
    const std::size_t eq = param.find('=');
    visit(param.substr(0, eq),
          eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1));
  }
}

// The path as sent, encoded once more: for every service but S3, SigV4
// encodes each segment twice, the first time being the request's own. An
// empty path is "/".
void AppendCanonicalUri(std::string& out, std::string_view path);

// Each name=value decoded, re-encoded the one canonical way and sorted by
// name then value, "name=" for an empty value; the parameter named `skip`
// (decoded) is left out: a presigned request's own signature.
std::string CanonicalQuery(std::string_view query, std::string_view skip = {});

// A header value trimmed, each run of spaces and tabs inside made one space.
void AppendCanonicalValue(std::string& out, std::string_view value);

// "20150830T123600Z": X-Amz-Date's form, and its first eight characters the
// credential scope's date.
std::string FormatAmzDate(std::chrono::system_clock::time_point when);

// "AWS4-HMAC-SHA256\n<amz date>\n<date>/<region>/<service>/aws4_request\n"
// and the hex SHA-256 of the canonical request.
std::string StringToSign(std::string_view amz_date, std::string_view date,
                         std::string_view region, std::string_view service,
                         std::string_view canonical_request);

// HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
// "aws4_request"): raw bytes, the key the string to sign is signed with.
std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);

}  // namespace sluice::sigv4
