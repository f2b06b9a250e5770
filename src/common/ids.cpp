#include "sluice/common/ids.h"

#include <random>

namespace sluice {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Where the dashes of the canonical form go.
bool IsDash(std::size_t pos) { return pos == 8 || pos == 13 || pos == 18 || pos == 23; }

}  // namespace

Uuid Uuid::Random() {
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32U) ^ device();
  }()};
  Uuid id{generator(), generator()};
  id.high = (id.high & ~0xF000ULL) | 0x4000ULL;                      // version 4
  id.low = (id.low & ~(0xC0ULL << 56U)) | (0x80ULL << 56U);          // RFC 4122 variant
  return id;
}

std::optional<Uuid> Uuid::Parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  Uuid id;
  std::size_t nibbles = 0;
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (IsDash(pos)) {
      if (c != '-') return std::nullopt;
      continue;
    }
    std::uint64_t value = 0;
    if (c >= '0' && c <= '9') {
      value = static_cast<std::uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      value = static_cast<std::uint64_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    std::uint64_t& half = nibbles < 16 ? id.high : id.low;
    half = (half << 4U) | value;
    ++nibbles;
  }
  return id;
}

std::string Uuid::ToString() const {
  std::string out(36, '-');
  std::size_t pos = 0;
  auto put = [&](std::uint64_t value) {
    for (int i = 15; i >= 0; --i) {
      if (IsDash(pos)) ++pos;
      out[pos++] = kHex[(value >> (static_cast<unsigned>(i) * 4U)) & 0xFU];
    }
  };
  put(high);
  put(low);
  return out;
}

std::string RandomUuid() { return Uuid::Random().ToString(); }

}  // namespace sluice
