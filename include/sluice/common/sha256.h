// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for signing and checking
// requests with AWS Signature Version 4, computed by OpenSSL's libcrypto
// (linked for HTTPS anyway), which uses the CPU's SHA instructions.
//
// Digests are returned as raw bytes in a std::string (32 of them), so that
// SigV4's chain of HMACs can feed one digest in as the next key; HexLower()
// renders them. Everything here is thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace sluice {

inline constexpr std::size_t kSha256DigestBytes = 32;

// A digest as bytes on the stack: for the hot path of a --auth strict check,
// where each heap allocation costs about as much as a block hashed.
using Sha256Bytes = std::array<unsigned char, kSha256DigestBytes>;

// The 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);
Sha256Bytes Sha256Raw(std::string_view data);

// The 32-byte HMAC-SHA256 of `data` under `key`; a key longer than the
// 64-byte block is hashed first, as RFC 2104 says.
std::string HmacSha256(std::string_view key, std::string_view data);

// An HMAC-SHA256 key made ready once: its two padded blocks are hashed when
// it is made, and each Sign() starts from those states. SigV4 signs every
// request of a day with one derived key, so a --auth strict check saves two
// of its five block hashes this way. Copyable; Sign() is const.
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::string_view key);
  // The same 32 bytes as HmacSha256(key, data).
  std::string Sign(std::string_view data) const;
  Sha256Bytes SignRaw(std::string_view data) const;

 private:
  // libcrypto's SHA256_CTX after the inner and the outer padded key block,
  // kept as bytes so that this header needs no OpenSSL header.
  static constexpr std::size_t kStateBytes = 112;
  alignas(8) std::array<unsigned char, kStateBytes> inner_{};
  alignas(8) std::array<unsigned char, kStateBytes> outer_{};
};

// `bytes` as lowercase hex, two digits a byte: how SigV4 writes hashes and
// signatures.
std::string HexLower(std::string_view bytes);
void AppendHexLower(std::string& out, const Sha256Bytes& bytes);

// The value of one hex digit (either case), or -1 for any other character.
int HexDigitValue(char c);

}  // namespace sluice
