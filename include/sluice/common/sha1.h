// SHA-1 (FIPS 180-4) and HMAC-SHA1 (RFC 2104), for one thing only: checking
// the legacy `X-Hub-Signature: sha1=<hex>` header GitHub still sends with
// webhook deliveries, next to the SHA-256 one. SHA-1 is broken for collision
// resistance; nothing new should be signed with it.
//
// Digests are raw bytes in a std::string (20 of them); HexLower() in
// sha256.h renders them. Both functions are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice {

inline constexpr std::size_t kSha1DigestBytes = 20;

// The 20-byte SHA-1 digest of `data`.
std::string Sha1(std::string_view data);

// The 20-byte HMAC-SHA1 of `data` under `key`; a key longer than the 64-byte
// block is hashed first, as RFC 2104 says.
std::string HmacSha1(std::string_view key, std::string_view data);

}  // namespace sluice
