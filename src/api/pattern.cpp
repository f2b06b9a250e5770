#include "pattern.h"

namespace sluice::api {

namespace {

// The longest value handed to std::regex: libstdc++'s matcher recurses per
// character and would exhaust the stack on very long input. Model patterns
// without a simple form all sit on shapes with far smaller length limits.
constexpr std::size_t kMaxRegexInput = 16 * 1024;

}  // namespace

Pattern::Pattern(std::string_view pattern) : simple_(ParseSimple(pattern)) {
  if (pattern == ".*") {
    // Any string without a line terminator: '.' excludes them, in Java too.
    // (Assigned, not emplace()d: clang 14 does not yet count the nested
    // struct, with its member initializers, as default-constructible here.)
    simple_ = CharClassRepeat{};
    simple_->allowed.fill(true);
    simple_->allowed['\n'] = simple_->allowed['\r'] = false;
    simple_->min = 0;
  }
  if (!simple_) regex_.emplace(std::string(pattern), std::regex::ECMAScript);
}

bool Pattern::Matches(std::string_view value) const {
  if (simple_) {
    if (value.size() < simple_->min) return false;
    if (simple_->max && value.size() > *simple_->max) return false;
    for (const char c : value) {
      if (!simple_->allowed[static_cast<unsigned char>(c)]) return false;
    }
    return true;
  }
  if (value.size() > kMaxRegexInput) return false;
  return std::regex_match(value.begin(), value.end(), *regex_);
}

// Recognises ^?[class](+|*|{n}|{n,m})$? where class holds literal characters,
// ranges and backslash escapes of punctuation.
std::optional<Pattern::CharClassRepeat> Pattern::ParseSimple(std::string_view p) {
  if (!p.empty() && p.front() == '^') p.remove_prefix(1);
  if (!p.empty() && p.back() == '$' && (p.size() < 2 || p[p.size() - 2] != '\\')) {
    p.remove_suffix(1);
  }
  if (p.empty() || p.front() != '[') return std::nullopt;
  CharClassRepeat result;
  std::size_t i = 1;
  if (i < p.size() && p[i] == '^') return std::nullopt;  // negated classes: use regex
  auto next_char = [&](char& out) -> bool {
    if (i >= p.size()) return false;
    if (p[i] == '\\') {
      if (i + 1 >= p.size()) return false;
      const char escaped = p[i + 1];
      // Only punctuation escapes are literal; \w, \d and friends are classes.
      if ((escaped >= 'a' && escaped <= 'z') || (escaped >= 'A' && escaped <= 'Z') ||
          (escaped >= '0' && escaped <= '9')) {
        return false;
      }
      out = escaped;
      i += 2;
      return true;
    }
    out = p[i++];
    return true;
  };
  bool closed = false;
  while (i < p.size()) {
    if (p[i] == ']') {
      ++i;
      closed = true;
      break;
    }
    char first = 0;
    if (!next_char(first)) return std::nullopt;
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      ++i;
      char last = 0;
      if (!next_char(last) || last < first) return std::nullopt;
      for (int c = static_cast<unsigned char>(first); c <= static_cast<unsigned char>(last); ++c) {
        result.allowed[static_cast<std::size_t>(c)] = true;
      }
    } else {
      result.allowed[static_cast<unsigned char>(first)] = true;
    }
  }
  if (!closed) return std::nullopt;
  const std::string_view quantifier = p.substr(i);
  if (quantifier == "+") return result;
  if (quantifier == "*") {
    result.min = 0;
    return result;
  }
  if (quantifier.size() >= 3 && quantifier.front() == '{' && quantifier.back() == '}') {
    const std::string_view inside = quantifier.substr(1, quantifier.size() - 2);
    auto parse_number = [](std::string_view digits) -> std::optional<std::size_t> {
      if (digits.empty() || digits.size() > 6) return std::nullopt;
      std::size_t n = 0;
      for (const char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::size_t>(c - '0');
      }
      return n;
    };
    const auto comma = inside.find(',');
    const auto low = parse_number(inside.substr(0, comma));
    if (!low) return std::nullopt;
    result.min = *low;
    if (comma == std::string_view::npos) {
      result.max = *low;
    } else if (comma + 1 < inside.size()) {
      result.max = parse_number(inside.substr(comma + 1));
      if (!result.max) return std::nullopt;
    }
    return result;
  }
  return std::nullopt;
}

}  // namespace sluice::api
