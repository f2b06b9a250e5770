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
    CharClassRepeat any;
    any.allowed.fill(true);
    any.allowed['\n'] = any.allowed['\r'] = false;
    any.min = 0;
    simple_ = Sequence{any};
  }
  if (!simple_) regex_.emplace(std::string(pattern), std::regex::ECMAScript);
}

bool Pattern::Matches(std::string_view value) const {
  if (!simple_) {
    if (value.size() > kMaxRegexInput) return false;
    return std::regex_match(value.begin(), value.end(), *regex_);
  }
  std::size_t at = 0;
  for (std::size_t t = 0; t < simple_->size(); ++t) {
    const CharClassRepeat& token = (*simple_)[t];
    const bool last = t + 1 == simple_->size();
    // Every token but the last repeats a fixed number of times (ParseSimple).
    const std::size_t count = last ? value.size() - at : token.min;
    if (value.size() - at < count || count < token.min) return false;
    if (token.max && count > *token.max) return false;
    for (std::size_t i = 0; i < count; ++i) {
      if (!token.allowed[static_cast<unsigned char>(value[at + i])]) return false;
    }
    at += count;
  }
  return at == value.size();
}

namespace {

// Characters with a meaning of their own outside a class.
bool IsSpecial(char c) {
  return std::string_view(".^$|?*+()[]{}\\").find(c) != std::string_view::npos;
}

bool IsAlphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::optional<std::size_t> ParseNumber(std::string_view digits) {
  if (digits.empty() || digits.size() > 6) return std::nullopt;
  std::size_t n = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

}  // namespace

// Recognises ^?(token quantifier?)+$? where a token is a class ([...] of
// literal characters, ranges and backslash escapes of punctuation) or one
// literal character, and a quantifier is +, *, {n}, {n,} or {n,m}; every
// token but the last must repeat a fixed number of times.
std::optional<Pattern::Sequence> Pattern::ParseSimple(std::string_view p) {
  if (!p.empty() && p.front() == '^') p.remove_prefix(1);
  if (!p.empty() && p.back() == '$' && (p.size() < 2 || p[p.size() - 2] != '\\')) {
    p.remove_suffix(1);
  }
  if (p.empty()) return std::nullopt;
  std::size_t i = 0;
  // One literal character, escaped or not, inside or outside a class.
  auto next_char = [&](char& out) -> bool {
    if (i >= p.size()) return false;
    if (p[i] == '\\') {
      if (i + 1 >= p.size()) return false;
      const char escaped = p[i + 1];
      // Only punctuation escapes are literal; \w, \d and friends are classes.
      if (IsAlphanumeric(escaped)) return false;
      out = escaped;
      i += 2;
      return true;
    }
    out = p[i++];
    return true;
  };
  Sequence sequence;
  while (i < p.size()) {
    CharClassRepeat token;
    if (p[i] == '[') {
      ++i;
      if (i < p.size() && p[i] == '^') return std::nullopt;  // negated classes: use regex
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
          for (int c = static_cast<unsigned char>(first); c <= static_cast<unsigned char>(last);
               ++c) {
            token.allowed[static_cast<std::size_t>(c)] = true;
          }
        } else {
          token.allowed[static_cast<unsigned char>(first)] = true;
        }
      }
      if (!closed) return std::nullopt;
    } else {
      if (p[i] != '\\' && IsSpecial(p[i])) return std::nullopt;
      char literal = 0;
      if (!next_char(literal)) return std::nullopt;
      token.allowed[static_cast<unsigned char>(literal)] = true;
    }
    // The quantifier; none means exactly once.
    token.max = 1;
    if (i < p.size() && (p[i] == '+' || p[i] == '*')) {
      token.min = p[i] == '+' ? 1 : 0;
      token.max.reset();
      ++i;
    } else if (i < p.size() && p[i] == '{') {
      const auto close = p.find('}', i);
      if (close == std::string_view::npos) return std::nullopt;
      const std::string_view inside = p.substr(i + 1, close - i - 1);
      const auto comma = inside.find(',');
      const auto low = ParseNumber(inside.substr(0, comma));
      if (!low) return std::nullopt;
      token.min = *low;
      token.max = low;
      if (comma != std::string_view::npos) {
        token.max.reset();
        if (comma + 1 < inside.size()) {
          token.max = ParseNumber(inside.substr(comma + 1));
          if (!token.max || *token.max < token.min) return std::nullopt;
        }
      }
      i = close + 1;
    }
    if (i < p.size() && (p[i] == '?' || p[i] == '+' || p[i] == '*' || p[i] == '{')) {
      return std::nullopt;  // lazy or possessive quantifiers: use regex
    }
    sequence.push_back(token);
  }
  // Greedy matching without backtracking is exact only when every token but
  // the last has a fixed count.
  for (std::size_t t = 0; t + 1 < sequence.size(); ++t) {
    if (!sequence[t].max || *sequence[t].max != sequence[t].min) return std::nullopt;
  }
  return sequence;
}

}  // namespace sluice::api
