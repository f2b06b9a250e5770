// Identifiers, random by default. Thread-safe: each thread has its own
// generator, unless the ids are seeded (--seed), when all threads draw from
// one sequence so that the same requests in the same order get the same ids.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// A UUID as its 128 bits, for ids that are kept by the many (an execution's,
// an action run's): 16 bytes where the canonical text takes 37 and a heap
// block. Rendered in the canonical lower-case form on read.
struct Uuid {
  std::uint64_t high = 0;
  std::uint64_t low = 0;

  // A random (version 4) UUID.
  static Uuid Random();
  // The canonical lower-case form only, as ToString() renders it: ids are
  // compared as text, so an id in any other spelling names nothing.
  static std::optional<Uuid> Parse(std::string_view text);
  std::string ToString() const;
  bool empty() const { return high == 0 && low == 0; }
  friend auto operator<=>(const Uuid&, const Uuid&) = default;
};

struct UuidHash {
  std::size_t operator()(const Uuid& id) const {
    return static_cast<std::size_t>(id.high ^ (id.low * 0x9E3779B97F4A7C15ULL));
  }
};

// A random (version 4) UUID in its canonical lower-case form.
std::string RandomUuid();

// From now on every id (and DrawRandom) follows from `seed`; nullopt goes
// back to random ids.
void SeedIds(std::optional<std::uint64_t> seed);
// 64 random bits from the id source: seeded or not, as ids are.
std::uint64_t DrawRandom();
// A number in [0, 1) from the id source.
double DrawUnit();

// Where the id source is, for the state document: seeded or not, and how
// far along its sequence.
struct IdSourceState {
  std::optional<std::uint64_t> seed;
  std::uint64_t drawn = 0;
};
IdSourceState CurrentIdSource();
void RestoreIdSource(const IdSourceState& state);

}  // namespace sluice
