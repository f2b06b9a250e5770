// CRC-32C by slicing-by-8 (Intel's "A Systematic Approach to Building High
// Performance Software-based CRC Generators", 2005): eight 256-entry tables
// let each step fold eight input bytes with eight lookups, several times the
// speed of the byte-at-a-time loop. The checksum runs over every record on
// every write and on every start-up, so its speed is the journal's.
// The tables are built at compile time: no static initialisation order to
// think about, and nothing to lock.
#include "persist/crc32c.h"

#include <array>
#include <cstddef>

namespace sluice::persist {

namespace {

// 0x1EDC6F41 bit-reversed: the CRC is computed least significant bit first.
constexpr std::uint32_t kCastagnoliReflected = 0x82F63B78u;

using Crc32cTables = std::array<std::array<std::uint32_t, 256>, 8>;

// tables[0][b]: the CRC of byte b alone; tables[k][b]: the CRC of byte b
// followed by k zero bytes, so one step can fold bytes at eight distances.
constexpr Crc32cTables MakeCrc32cTables() {
  Crc32cTables tables{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1u) != 0 ? (crc >> 1) ^ kCastagnoliReflected : crc >> 1;
    }
    tables[0][byte] = crc;
  }
  for (std::size_t byte = 0; byte < 256; ++byte) {
    for (std::size_t k = 1; k < 8; ++k) {
      const std::uint32_t previous = tables[k - 1][byte];
      tables[k][byte] = (previous >> 8) ^ tables[0][previous & 0xFFu];
    }
  }
  return tables;
}

constexpr Crc32cTables kCrc32cTables = MakeCrc32cTables();

inline std::uint32_t LoadLittleEndian32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

std::uint32_t Crc32c(std::string_view data, std::uint32_t crc) {
  const auto& t = kCrc32cTables;
  // The CRC register starts inverted and is inverted again on the way out
  // (so leading zero bytes count); undoing the final inversion of `crc` is
  // what lets a computation continue from it.
  std::uint32_t state = ~crc;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t left = data.size();
  while (left >= 8) {
    const std::uint32_t low = state ^ LoadLittleEndian32(p);
    const std::uint32_t high = LoadLittleEndian32(p + 4);
    state = t[7][low & 0xFFu] ^ t[6][(low >> 8) & 0xFFu] ^ t[5][(low >> 16) & 0xFFu] ^
            t[4][low >> 24] ^ t[3][high & 0xFFu] ^ t[2][(high >> 8) & 0xFFu] ^
            t[1][(high >> 16) & 0xFFu] ^ t[0][high >> 24];
    p += 8;
    left -= 8;
  }
  for (; left > 0; --left, ++p) {
    state = t[0][(state ^ *p) & 0xFFu] ^ (state >> 8);
  }
  return ~state;
}

}  // namespace sluice::persist
