#include "sluice/common/sha1.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "hmac.h"

namespace sluice {

// Named apart from sha256.cpp's helpers: a unity build compiles both files as one.
namespace sha1_internal {

constexpr std::size_t kBlockBytes = 64;

// FIPS 180-4 section 5.3.1.
constexpr std::array<std::uint32_t, 5> kInitialState = {0x67452301, 0xefcdab89, 0x98badcfe,
                                                        0x10325476, 0xc3d2e1f0};

constexpr std::uint32_t RotateLeft(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

std::uint32_t ReadBigEndian32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | static_cast<std::uint32_t>(p[3]);
}

// Hashes data given in pieces, as Sha256Hasher does; only HMAC needs the
// pieces (pad, then message), so the class stays in this file.
class Sha1Hasher {
 public:
  void Update(std::string_view data) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t left = data.size();
    total_bytes_ += left;
    if (buffered_ > 0) {
      const std::size_t take = std::min(left, kBlockBytes - buffered_);
      std::copy(p, p + take, buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_));
      buffered_ += take;
      p += take;
      left -= take;
      if (buffered_ < kBlockBytes) return;
      Compress(buffer_.data());
      buffered_ = 0;
    }
    for (; left >= kBlockBytes; p += kBlockBytes, left -= kBlockBytes) Compress(p);
    std::copy(p, p + left, buffer_.begin());
    buffered_ = left;
  }

  // The 20-byte digest; the hasher is spent afterwards.
  std::string Finish() {
    // Section 5.1.1, the same padding as SHA-256: a 1 bit, zeros to 56 bytes
    // into the last block, the length in bits as a big-endian 64-bit number.
    const std::uint64_t total_bits = total_bytes_ * 8;
    const char one_bit = static_cast<char>(0x80);
    Update(std::string_view(&one_bit, 1));
    const std::array<char, kBlockBytes> zeros{};
    const std::size_t pad = (buffered_ <= 56 ? 56 : 56 + kBlockBytes) - buffered_;
    Update(std::string_view(zeros.data(), pad));
    std::array<char, 8> length;
    for (std::size_t i = 0; i < 8; ++i) {
      length[i] = static_cast<char>(total_bits >> (56 - 8 * i));
    }
    Update(std::string_view(length.data(), length.size()));

    std::string digest(kSha1DigestBytes, '\0');
    for (std::size_t i = 0; i < state_.size(); ++i) {
      for (std::size_t j = 0; j < 4; ++j) {
        digest[4 * i + j] = static_cast<char>(state_[i] >> (24 - 8 * j));
      }
    }
    return digest;
  }

 private:
  // Section 6.1.2: 80 rounds in four groups of 20, each with its own
  // function and constant.
  void Compress(const unsigned char* block) {
    std::array<std::uint32_t, 80> w;
    for (std::size_t t = 0; t < 16; ++t) w[t] = ReadBigEndian32(block + 4 * t);
    for (std::size_t t = 16; t < 80; ++t) {
      w[t] = RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    }
    std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
    for (std::size_t t = 0; t < 80; ++t) {
      std::uint32_t f;
      std::uint32_t k;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const std::uint32_t temp = RotateLeft(a, 5) + f + e + k + w[t];
      e = d;
      d = c;
      c = RotateLeft(b, 30);
      b = a;
      a = temp;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
  }

  std::array<std::uint32_t, 5> state_ = kInitialState;
  std::array<unsigned char, kBlockBytes> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

}  // namespace sha1_internal

std::string Sha1(std::string_view data) {
  return hmac::Digest<sha1_internal::Sha1Hasher>(data);
}

std::string HmacSha1(std::string_view key, std::string_view data) {
  return hmac::Hmac<sha1_internal::Sha1Hasher>(key, data, sha1_internal::kBlockBytes);
}

}  // namespace sluice
