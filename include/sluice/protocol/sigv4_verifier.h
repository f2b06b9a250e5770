// AWS Signature Version 4 verification for --auth strict: a request is let in
// only when its signature is the one its access key's secret makes for it,
// within 15 minutes of wall time. The checks, their order and the error
// types and messages follow what AWS's JSON services answer:
//
//   no Authorization header        MissingAuthenticationTokenException
//   malformed header, no date      IncompleteSignatureException
//   scope, skew, wrong signature   InvalidSignatureException
//   unknown key, bad session token UnrecognizedClientException
//
// Every failure is an HTTP 400. Neither secrets nor signatures are ever
// logged; only the mismatch message shows the canonical request and string
// to sign (which hold no secret), as AWS does.
//
// Thread-safe: Verify is const and may run on every request thread at once.
// Derived signing keys are cached (access key, date, region) so that a
// verified request costs two SHA-256 passes and one HMAC.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "sluice/common/mutex.h"
#include "sluice/common/sha256.h"
#include "sluice/net/request_handler.h"
#include "sluice/protocol/credential_store.h"

namespace sluice::protocol {

// The error types a verification fails with (the AWS JSON __type).
inline constexpr std::string_view kMissingAuthenticationToken =
    "MissingAuthenticationTokenException";
inline constexpr std::string_view kIncompleteSignature = "IncompleteSignatureException";
inline constexpr std::string_view kInvalidSignature = "InvalidSignatureException";
inline constexpr std::string_view kUnrecognizedClient = "UnrecognizedClientException";

// Why a request was refused; always answered with HTTP 400.
struct AuthFailure {
  std::string type;     // one of the k... names above
  std::string message;  // AWS's wording
};

// Who signed a verified request, and where it acts.
struct VerifiedCaller {
  std::string access_key;
  std::string account_id;  // the key's account
  std::string region;      // the credential scope's region
};

class SigV4Verifier {
 public:
  // `store` must outlive the verifier. `service` is the name the credential
  // scope must carry ("codepipeline").
  SigV4Verifier(const CredentialStore& store, std::string service);
  SigV4Verifier(const SigV4Verifier&) = delete;
  SigV4Verifier& operator=(const SigV4Verifier&) = delete;

  // Checks `request`'s signature. `wall_now` is the system clock, never
  // sluice's manual clock: the skew allowance is about real time.
  std::variant<VerifiedCaller, AuthFailure> Verify(
      const net::HttpRequest& request, std::chrono::system_clock::time_point wall_now) const;

  // Signing keys held at most; the cache is emptied when it would grow past.
  static constexpr std::size_t kMaxCachedKeys = 1024;

 private:
  // HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
  // made ready for signing: the one this thread used last, else from the
  // shared cache, else derived.
  HmacSha256Key SigningKey(const Credential& credential, std::string_view date,
                           std::string_view region) const;
  HmacSha256Key CachedSigningKey(const Credential& credential, std::string_view date,
                                 std::string_view region) const;

  const CredentialStore& store_;
  const std::string service_;
  const std::uint64_t id_;  // tells verifiers apart in a thread's memo
  mutable SharedMutex cache_mutex_;
  // "access key\ndate\nregion" -> the signing key.
  mutable std::unordered_map<std::string, HmacSha256Key> signing_keys_ GUARDED_BY(cache_mutex_);
};

}  // namespace sluice::protocol
