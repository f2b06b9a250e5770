// Pattern: a model "pattern" constraint, matched against a whole string as
// AWS does (Java's String.matches). The common shapes of the model's
// patterns, character classes and literals each repeated a fixed number of
// times but the last ("[A-Za-z0-9.@\-_]+", "[0-9]{12}", and the execution id
// "[0-9a-f]{8}-[0-9a-f]{4}-...-[0-9a-f]{12}"), are matched with 256-entry
// tables, without backtracking, which is exact for such sequences; anything
// else falls back to std::regex. Ids are checked on every request, so this
// keeps std::regex off the hot path.
//
// Immutable after construction: safe to share between threads.
#pragma once

#include <array>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::api {

class Pattern {
 public:
  explicit Pattern(std::string_view pattern);
  bool Matches(std::string_view value) const;

 private:
  struct CharClassRepeat {
    std::array<bool, 256> allowed{};
    std::size_t min = 1;
    std::optional<std::size_t> max;  // nullopt: unbounded
  };
  using Sequence = std::vector<CharClassRepeat>;
  static std::optional<Sequence> ParseSimple(std::string_view pattern);

  std::optional<Sequence> simple_;
  std::optional<std::regex> regex_;
};

}  // namespace sluice::api
