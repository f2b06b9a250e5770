#include "sluice/domain/registry/json_path.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

namespace sluice::domain {

namespace {

using Json = nlohmann::json;

// One selector inside a segment: ".name", "[2]", "[1:3]", "[*]" or a filter.
struct Selector {
  enum class Kind { kName, kIndex, kSlice, kWildcard, kFilter };
  Kind kind = Kind::kWildcard;        // what "[*]" and ".*" read as
  std::string name;                   // kName
  std::int64_t index = 0;             // kIndex
  std::optional<std::int64_t> start;  // kSlice, each part optional
  std::optional<std::int64_t> end;
  std::optional<std::int64_t> step;
};

// What follows "$": ".name" is a child segment of one selector, "..[a,b]" a
// descendant segment of two.
struct Segment {
  bool descendant = false;
  std::vector<Selector> selectors;
};

// A recursive-descent reader of one JSONPath; each method consumes what it
// accepts and returns false at the first thing it does not. What it accepts
// it also records as segments, so that checking a path and evaluating it
// can never disagree about its syntax.
class JsonPathReader {
 public:
  explicit JsonPathReader(std::string_view text) : text_(text) {}

  bool ReadPath() {
    if (!Take('$')) return false;
    while (!AtEnd()) {
      if (Take('.')) {
        const bool descendant = Take('.');
        if (descendant && Peek() == '[') {
          if (!ReadBracket(descendant)) return false;
        } else if (!ReadDotted(descendant)) {
          return false;
        }
      } else if (Peek() == '[') {
        if (!ReadBracket(false)) return false;
      } else {
        return false;
      }
    }
    return true;
  }

  const std::vector<Segment>& segments() const { return segments_; }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Take(char c) {
    if (Peek() != c || AtEnd()) return false;
    ++pos_;
    return true;
  }
  void SkipSpaces() {
    while (Peek() == ' ') ++pos_;
  }

  static bool IsNameChar(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || c == '_' || c == '-' || c == '$' || c == '@' || u >= 0x80;
  }

  // "*" or a name, after "." or "..".
  bool ReadDotted(bool descendant) {
    Selector selector;
    if (!Take('*')) {
      const std::size_t start = pos_;
      if (!ReadName()) return false;
      selector.kind = Selector::Kind::kName;
      selector.name = std::string(text_.substr(start, pos_ - start));
    }
    segments_.push_back(Segment{descendant, {std::move(selector)}});
    return true;
  }

  bool ReadName() {
    const std::size_t start = pos_;
    while (!AtEnd() && IsNameChar(Peek())) ++pos_;
    return pos_ > start;
  }

  // An optional '-' and digits. The value saturates rather than overflows:
  // past the int64 range every array is too short anyway.
  bool ReadInteger(std::int64_t* value) {
    const bool negative = Take('-');
    const std::size_t start = pos_;
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::int64_t magnitude = 0;
    while (!AtEnd() && std::isdigit(static_cast<unsigned char>(Peek())) != 0) {
      const int digit = Peek() - '0';
      magnitude = magnitude > (kMax - digit) / 10 ? kMax : magnitude * 10 + digit;
      ++pos_;
    }
    *value = negative ? -magnitude : magnitude;
    return pos_ > start;
  }

  // A quoted name; its unescaped text goes to `out` unless that is null.
  bool ReadQuoted(std::string* out) {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') return false;
    ++pos_;
    while (!AtEnd() && Peek() != quote) {
      if (Peek() == '\\') {
        ++pos_;
        if (!AtEnd() && out != nullptr) AppendEscaped(out);
      } else if (out != nullptr) {
        out->push_back(Peek());
      }
      ++pos_;
    }
    return Take(quote);
  }

  // The escape whose letter is at pos_ (the backslash is behind): JSON's
  // one-letter escapes, \uXXXX as UTF-8, and any other character as itself
  // (so \' and \" work in either quote). Leaves pos_ on the escape's last
  // character.
  void AppendEscaped(std::string* out) {
    switch (const char c = Peek()) {
      case 'b': out->push_back('\b'); return;
      case 'f': out->push_back('\f'); return;
      case 'n': out->push_back('\n'); return;
      case 'r': out->push_back('\r'); return;
      case 't': out->push_back('\t'); return;
      case 'u':
        if (AppendUnicodeEscape(out)) return;
        out->push_back(c);
        return;
      default: out->push_back(c); return;
    }
  }

  // Four hex digits after the 'u' at pos_; false (consuming nothing) if
  // they are not there. A high surrogate followed by "\u" and a low one
  // makes one code point; a lone surrogate is written as U+FFFD.
  bool AppendUnicodeEscape(std::string* out) {
    const auto hex4 = [this](std::size_t at) -> std::optional<std::uint32_t> {
      if (at + 4 > text_.size()) return std::nullopt;
      std::uint32_t value = 0;
      for (std::size_t i = at; i < at + 4; ++i) {
        const auto c = static_cast<unsigned char>(text_[i]);
        if (std::isxdigit(c) == 0) return std::nullopt;
        value = value * 16 + static_cast<std::uint32_t>(
                                 std::isdigit(c) != 0 ? c - '0' : std::tolower(c) - 'a' + 10);
      }
      return value;
    };
    const auto unit = hex4(pos_ + 1);
    if (!unit) return false;
    std::uint32_t code_point = *unit;
    pos_ += 4;
    if (code_point >= 0xd800 && code_point <= 0xdbff && text_.substr(pos_ + 1, 2) == "\\u") {
      const auto low = hex4(pos_ + 3);
      if (low && *low >= 0xdc00 && *low <= 0xdfff) {
        code_point = 0x10000 + ((code_point - 0xd800) << 10) + (*low - 0xdc00);
        pos_ += 6;
      }
    }
    if (code_point >= 0xd800 && code_point <= 0xdfff) code_point = 0xfffd;
    AppendUtf8(code_point, out);
    return true;
  }

  static void AppendUtf8(std::uint32_t code_point, std::string* out) {
    const auto byte = [out](std::uint32_t b) { out->push_back(static_cast<char>(b)); };
    if (code_point < 0x80) {
      byte(code_point);
    } else if (code_point < 0x800) {
      byte(0xc0 | code_point >> 6);
      byte(0x80 | (code_point & 0x3f));
    } else if (code_point < 0x10000) {
      byte(0xe0 | code_point >> 12);
      byte(0x80 | (code_point >> 6 & 0x3f));
      byte(0x80 | (code_point & 0x3f));
    } else {
      byte(0xf0 | code_point >> 18);
      byte(0x80 | (code_point >> 12 & 0x3f));
      byte(0x80 | (code_point >> 6 & 0x3f));
      byte(0x80 | (code_point & 0x3f));
    }
  }

  // "?(" then anything with balanced parentheses (outside quotes) to ")".
  bool ReadFilter() {
    if (!Take('?') || !Take('(')) return false;
    int depth = 1;
    while (!AtEnd() && depth > 0) {
      const char c = Peek();
      if (c == '\'' || c == '"') {
        if (!ReadQuoted(nullptr)) return false;
        continue;
      }
      if (c == '(') ++depth;
      if (c == ')') --depth;
      ++pos_;
    }
    return depth == 0;
  }

  // An index, or a slice start:end:step with every part optional.
  bool ReadIndexOrSlice(Selector* selector) {
    std::optional<std::int64_t> parts_read[3];
    int parts = 0;
    bool any = false;
    while (true) {
      SkipSpaces();
      if (Peek() == '-' || std::isdigit(static_cast<unsigned char>(Peek())) != 0) {
        std::int64_t value = 0;
        if (!ReadInteger(&value)) return false;
        parts_read[parts] = value;
        any = true;
      }
      SkipSpaces();
      if (!Take(':')) break;
      if (++parts > 2) return false;
      any = true;
    }
    if (parts == 0) {
      selector->kind = Selector::Kind::kIndex;
      selector->index = parts_read[0].value_or(0);
    } else {
      selector->kind = Selector::Kind::kSlice;
      selector->start = parts_read[0];
      selector->end = parts_read[1];
      selector->step = parts_read[2];
    }
    return any;
  }

  bool ReadBracket(bool descendant) {
    if (!Take('[')) return false;
    SkipSpaces();
    if (Take('*')) {
      SkipSpaces();
      segments_.push_back(Segment{descendant, {Selector{}}});  // the default: a wildcard
      return Take(']');
    }
    if (Peek() == '?') {
      if (!ReadFilter()) return false;
      SkipSpaces();
      Selector filter;
      filter.kind = Selector::Kind::kFilter;
      segments_.push_back(Segment{descendant, {std::move(filter)}});
      return Take(']');
    }
    // A union of quoted names, or of indexes and slices.
    Segment segment{descendant, {}};
    do {
      SkipSpaces();
      Selector selector;
      if (Peek() == '\'' || Peek() == '"') {
        selector.kind = Selector::Kind::kName;
        if (!ReadQuoted(&selector.name)) return false;
      } else if (!ReadIndexOrSlice(&selector)) {
        return false;
      }
      segment.selectors.push_back(std::move(selector));
      SkipSpaces();
    } while (Take(','));
    segments_.push_back(std::move(segment));
    return Take(']');
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::vector<Segment> segments_;
};

// Every node visited or selected costs a step. About a million is far more
// than any sensible path needs on a webhook payload, and small enough that
// a path built to multiply work ("$..*..*..*") gives up quickly.
constexpr std::size_t kMaxSteps = std::size_t{1} << 20;

// Applies selectors to nodes, counting steps; once over budget, every
// method does nothing and the caller returns an empty selection.
class Evaluator {
 public:
  bool OverBudget() const { return steps_ > kMaxSteps; }

  void ApplySegment(const Segment& segment, const Json& node, std::vector<const Json*>* out) {
    if (!segment.descendant) {
      ApplySelectors(segment.selectors, node, out);
      return;
    }
    // The node, then its descendants in document order: an explicit stack,
    // with children pushed last-first, instead of recursion, so that deep
    // documents cannot exhaust the call stack.
    std::vector<const Json*> stack{&node};
    while (!stack.empty() && !OverBudget()) {
      const Json* current = stack.back();
      stack.pop_back();
      ++steps_;
      ApplySelectors(segment.selectors, *current, out);
      if (current->is_structured()) {
        for (auto it = current->rbegin(); it != current->rend(); ++it) stack.push_back(&*it);
      }
    }
  }

 private:
  void Select(const Json& value, std::vector<const Json*>* out) {
    ++steps_;
    out->push_back(&value);
  }

  void ApplySelectors(const std::vector<Selector>& selectors, const Json& node,
                      std::vector<const Json*>* out) {
    for (const Selector& selector : selectors) {
      if (OverBudget()) return;
      switch (selector.kind) {
        case Selector::Kind::kName: SelectName(selector.name, node, out); break;
        case Selector::Kind::kIndex: SelectIndex(selector.index, node, out); break;
        case Selector::Kind::kSlice: SelectSlice(selector, node, out); break;
        case Selector::Kind::kWildcard: SelectChildren(node, out); break;
        case Selector::Kind::kFilter: break;  // no expression language: nothing
      }
    }
  }

  void SelectName(const std::string& name, const Json& node, std::vector<const Json*>* out) {
    if (!node.is_object()) return;
    const auto it = node.find(name);
    if (it != node.end()) Select(*it, out);
  }

  void SelectIndex(std::int64_t index, const Json& node, std::vector<const Json*>* out) {
    if (!node.is_array()) return;
    const auto length = static_cast<std::int64_t>(node.size());
    if (index < 0) {
      if (index < -length) return;
      index += length;
    }
    if (index < length) Select(node[static_cast<std::size_t>(index)], out);
  }

  void SelectChildren(const Json& node, std::vector<const Json*>* out) {
    if (!node.is_structured()) return;
    for (const Json& child : node) {
      if (OverBudget()) return;
      Select(child, out);
    }
  }

  // RFC 9535 section 2.3.4.2: defaults by the step's sign, negative bounds
  // from the end, then clamped to the array.
  void SelectSlice(const Selector& slice, const Json& node, std::vector<const Json*>* out) {
    if (!node.is_array()) return;
    const std::int64_t step = slice.step.value_or(1);
    if (step == 0) return;
    const auto length = static_cast<std::int64_t>(node.size());
    const auto normalize = [length](std::int64_t i) { return i >= 0 ? i : length + i; };
    const auto at = [&node](std::int64_t i) -> const Json& {
      return node[static_cast<std::size_t>(i)];
    };
    if (step > 0) {
      const std::int64_t lower =
          std::clamp<std::int64_t>(normalize(slice.start.value_or(0)), 0, length);
      const std::int64_t upper =
          std::clamp<std::int64_t>(normalize(slice.end.value_or(length)), 0, length);
      for (std::int64_t i = lower; i < upper && !OverBudget();) {
        Select(at(i), out);
        if (step >= upper - i) break;  // i + step would pass the end (or overflow)
        i += step;
      }
    } else {
      const std::int64_t upper =
          std::clamp<std::int64_t>(normalize(slice.start.value_or(length - 1)), -1, length - 1);
      const std::int64_t lower =
          std::clamp<std::int64_t>(normalize(slice.end.value_or(-length - 1)), -1, length - 1);
      // i >= 0 inside the loop, so i + step cannot overflow even at INT64_MIN.
      for (std::int64_t i = upper; lower < i && !OverBudget(); i += step) Select(at(i), out);
    }
  }

  std::size_t steps_ = 0;
};

}  // namespace

bool IsJsonPath(std::string_view path) { return JsonPathReader(path).ReadPath(); }

std::vector<const nlohmann::json*> SelectJsonPath(std::string_view path,
                                                  const nlohmann::json& document) {
  JsonPathReader reader(path);
  if (!reader.ReadPath()) return {};
  Evaluator evaluator;
  std::vector<const Json*> nodes{&document};
  for (const Segment& segment : reader.segments()) {
    std::vector<const Json*> next;
    for (const Json* node : nodes) evaluator.ApplySegment(segment, *node, &next);
    if (evaluator.OverBudget()) return {};
    nodes = std::move(next);
    if (nodes.empty()) break;
  }
  return nodes;
}

}  // namespace sluice::domain
