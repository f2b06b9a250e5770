// Pattern: a model "pattern" constraint, matched against a whole string as
// AWS does (Java's String.matches). The common shape of the model's patterns,
// one character class repeated ("[A-Za-z0-9.@\-_]+", "[0-9]{12}"), is
// matched with a 256-entry table; anything else falls back to std::regex.
//
// Immutable after construction: safe to share between threads.
#pragma once

#include <array>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

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
  static std::optional<CharClassRepeat> ParseSimple(std::string_view pattern);

  std::optional<CharClassRepeat> simple_;
  std::optional<std::regex> regex_;
};

}  // namespace sluice::api
