#include "sluice/common/ids.h"

#include <cstdint>
#include <random>

namespace sluice {

std::string RandomUuid() {
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32U) ^ device();
  }()};
  std::uint64_t high = generator();
  std::uint64_t low = generator();
  high = (high & ~0xF000ULL) | 0x4000ULL;                   // version 4
  low = (low & ~(0xC0ULL << 56U)) | (0x80ULL << 56U);       // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  std::size_t pos = 0;
  auto put = [&](std::uint64_t value, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = kHex[(value >> (static_cast<unsigned>(i) * 4U)) & 0xFU];
    }
  };
  put(high, 16);
  put(low, 16);
  return out;
}

}  // namespace sluice
