#include "sluice/common/ids.h"

#include <atomic>
#include <mutex>
#include <random>

namespace sluice {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Where the dashes of the canonical form go.
bool IsDash(std::size_t pos) { return pos == 8 || pos == 13 || pos == 18 || pos == 23; }

// The seeded sequence: splitmix64 over a counter, so that a position in it
// is one number.
struct SeededIds {
  std::mutex mutex;
  std::uint64_t seed = 0;
  std::uint64_t drawn = 0;
};
SeededIds& Seeded() {
  static SeededIds seeded;
  return seeded;
}
std::atomic<bool> g_seeded{false};

std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

}  // namespace

void SeedIds(std::optional<std::uint64_t> seed) {
  SeededIds& seeded = Seeded();
  const std::lock_guard lock(seeded.mutex);
  seeded.seed = seed.value_or(0);
  seeded.drawn = 0;
  g_seeded = seed.has_value();
}

std::uint64_t DrawRandom() {
  if (g_seeded.load(std::memory_order_relaxed)) {
    SeededIds& seeded = Seeded();
    const std::lock_guard lock(seeded.mutex);
    return SplitMix64(seeded.seed ^ SplitMix64(seeded.drawn++));
  }
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32U) ^ device();
  }()};
  return generator();
}

IdSourceState CurrentIdSource() {
  SeededIds& seeded = Seeded();
  const std::lock_guard lock(seeded.mutex);
  if (!g_seeded) return {};
  return {seeded.seed, seeded.drawn};
}

void RestoreIdSource(const IdSourceState& state) {
  SeedIds(state.seed);
  SeededIds& seeded = Seeded();
  const std::lock_guard lock(seeded.mutex);
  seeded.drawn = state.drawn;
}

double DrawUnit() { return static_cast<double>(DrawRandom() >> 11U) * 0x1.0p-53; }

Uuid Uuid::Random() {
  Uuid id{DrawRandom(), DrawRandom()};
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
