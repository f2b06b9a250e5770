// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for signing requests
// with AWS Signature Version 4. sluice links no crypto library, and these two
// are all SigV4 needs; nothing here is meant for secrets at rest.
//
// Digests are returned as raw bytes in a std::string (32 of them), so that
// SigV4's chain of HMACs can feed one digest in as the next key; HexLower()
// renders them. A Sha256Hasher is not thread-safe; the free functions are.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

inline constexpr std::size_t kSha256DigestBytes = 32;

// Hashes data given in pieces: Update() any number of times, then Finish()
// once. The same digest as Sha256() of the pieces joined.
class Sha256Hasher {
 public:
  Sha256Hasher();

  void Update(std::string_view data);
  // The 32-byte digest. The hasher is spent: call nothing on it afterwards.
  std::string Finish();

 private:
  void Compress(const unsigned char* block);

  std::array<std::uint32_t, 8> state_;
  std::array<unsigned char, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// The 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);

// The 32-byte HMAC-SHA256 of `data` under `key`; a key longer than the
// 64-byte block is hashed first, as RFC 2104 says.
std::string HmacSha256(std::string_view key, std::string_view data);

// `bytes` as lowercase hex, two digits a byte: how SigV4 writes hashes and
// signatures.
std::string HexLower(std::string_view bytes);

// The value of one hex digit (either case), or -1 for any other character.
int HexDigitValue(char c);

}  // namespace sluice
