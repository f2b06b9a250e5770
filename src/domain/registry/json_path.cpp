#include "sluice/domain/registry/json_path.h"

#include <cctype>

namespace sluice::domain {

namespace {

// A recursive-descent reader of one JSONPath; each method consumes what it
// accepts and returns false at the first thing it does not.
class JsonPathReader {
 public:
  explicit JsonPathReader(std::string_view text) : text_(text) {}

  bool ReadPath() {
    if (!Take('$')) return false;
    while (!AtEnd()) {
      if (Take('.')) {
        if (Take('.')) {
          if (Peek() == '[') {
            if (!ReadBracket()) return false;
          } else if (!Take('*') && !ReadName()) {
            return false;
          }
        } else if (!Take('*') && !ReadName()) {
          return false;
        }
      } else if (Peek() == '[') {
        if (!ReadBracket()) return false;
      } else {
        return false;
      }
    }
    return true;
  }

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

  bool ReadName() {
    const std::size_t start = pos_;
    while (!AtEnd() && IsNameChar(Peek())) ++pos_;
    return pos_ > start;
  }

  bool ReadInteger() {
    Take('-');
    const std::size_t start = pos_;
    while (!AtEnd() && std::isdigit(static_cast<unsigned char>(Peek())) != 0) ++pos_;
    return pos_ > start;
  }

  bool ReadQuoted() {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') return false;
    ++pos_;
    while (!AtEnd() && Peek() != quote) {
      if (Peek() == '\\') ++pos_;
      ++pos_;
    }
    return Take(quote);
  }

  // "?(" then anything with balanced parentheses (outside quotes) to ")".
  bool ReadFilter() {
    if (!Take('?') || !Take('(')) return false;
    int depth = 1;
    while (!AtEnd() && depth > 0) {
      const char c = Peek();
      if (c == '\'' || c == '"') {
        if (!ReadQuoted()) return false;
        continue;
      }
      if (c == '(') ++depth;
      if (c == ')') --depth;
      ++pos_;
    }
    return depth == 0;
  }

  // An index, or a slice start:end:step with every part optional.
  bool ReadIndexOrSlice() {
    int parts = 0;
    bool any = false;
    while (true) {
      SkipSpaces();
      if (Peek() == '-' || std::isdigit(static_cast<unsigned char>(Peek())) != 0) {
        if (!ReadInteger()) return false;
        any = true;
      }
      SkipSpaces();
      if (!Take(':')) break;
      if (++parts > 2) return false;
      any = true;
    }
    return any;
  }

  bool ReadBracket() {
    if (!Take('[')) return false;
    SkipSpaces();
    if (Take('*')) {
      SkipSpaces();
      return Take(']');
    }
    if (Peek() == '?') {
      if (!ReadFilter()) return false;
      SkipSpaces();
      return Take(']');
    }
    // A union of quoted names, or of indexes and slices.
    do {
      SkipSpaces();
      if (Peek() == '\'' || Peek() == '"') {
        if (!ReadQuoted()) return false;
      } else if (!ReadIndexOrSlice()) {
        return false;
      }
      SkipSpaces();
    } while (Take(','));
    return Take(']');
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

bool IsJsonPath(std::string_view path) { return JsonPathReader(path).ReadPath(); }

}  // namespace sluice::domain
