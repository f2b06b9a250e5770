#include "triggers/git_glob.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::triggers {

namespace {

// The pattern is compiled to a small nondeterministic automaton and the text
// run through it one character at a time with the set of live states (Thompson's
// construction). Each state is visited at most once per character, so
// `**a**a**a**b` against a long text costs |text| x |pattern|, not the
// exponential time of a backtracking matcher, and braces need no expansion.

// How many bytes a UTF-8 sequence with this lead byte has; 0: not a lead.
std::size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 0;
}

// UTF-8 as code points, so `?` and a bracket take "é" as one character, as
// AWS's (Java) matcher does. A byte that does not decode stands for itself.
std::u32string Decode(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    const std::size_t length = SequenceLength(lead);
    bool decoded = length != 0 && i + length <= utf8.size();
    // The lead's payload bits: 7 for ASCII, then 5, 4, 3.
    char32_t code = length <= 1 ? lead : lead & (0xFFu >> (length + 1));
    for (std::size_t k = 1; decoded && k < length; ++k) {
      const auto next = static_cast<unsigned char>(utf8[i + k]);
      decoded = (next >> 6) == 0x2;
      code = (code << 6) | (next & 0x3F);
    }
    if (decoded) {
      out.push_back(code);
      i += length;
    } else {
      out.push_back(lead);
      ++i;
    }
  }
  return out;
}

// A bracket expression. It never matches `/`: Java compiles `[...]` to
// `[[^/]&&[...]]`.
struct CharClass {
  bool negated = false;
  std::vector<std::pair<char32_t, char32_t>> ranges;  // inclusive; one character: (c, c)

  void Add(char32_t c) { ranges.emplace_back(c, c); }
  bool Contains(char32_t c) const {
    if (c == U'/') return false;
    bool listed = false;
    for (const auto& [low, high] : ranges) listed = listed || (low <= c && c <= high);
    return listed != negated;
  }
};

enum class Op {
  kLiteral,     // one given character
  kOneButSlash, // `?`
  kClass,       // `[...]`
  kStar,        // `*`: loops on any character but `/`, or moves on without one
  kDoubleStar,  // `**`: loops on any character, or moves on
  kFork,        // `{`: moves on into each alternative, consuming nothing
  kJump,        // the end of one alternative: to the end of its group
  kMatch,
};

struct State {
  Op op = Op::kMatch;
  char32_t literal = 0;
  std::size_t target = 0;             // kClass: the class; kJump: the state after the group
  std::vector<std::size_t> branches;  // kFork: the first state of each alternative
};

struct Automaton {
  std::vector<State> states;
  std::vector<CharClass> classes;

  std::size_t Add(Op op, char32_t literal = 0, std::size_t target = 0) {
    states.push_back(State{op, literal, target, {}});
    return states.size() - 1;
  }
};

constexpr char32_t kEnd = 0xFFFFFFFF;

// Reads a bracket expression whose `[` is just before `at`, exactly as Java's
// Globs.toRegexPattern does; nullopt for one it refuses. `at` ends after `]`.
std::optional<CharClass> ReadClass(std::u32string_view pattern, std::size_t& at) {
  const auto peek = [&] { return at < pattern.size() ? pattern[at] : kEnd; };
  CharClass set;
  if (peek() == U'^') {  // Java escapes `^`: a character, not a negation
    set.Add(U'^');
    ++at;
  } else {
    if (peek() == U'!') {
      set.negated = true;
      ++at;
    }
    if (peek() == U'-') {  // "matches itself if it is the first character"
      set.Add(U'-');
      ++at;
    }
  }
  bool has_range_start = false;
  char32_t last = 0;
  while (at < pattern.size()) {
    const char32_t c = pattern[at++];
    if (c == U']') {
      // `[]` and `[!]`: Java leaves a bracket without members to its regex
      // engine, where it does not mean a set; refuse rather than guess.
      if (set.ranges.empty()) return std::nullopt;
      return set;
    }
    if (c == U'/') return std::nullopt;  // "Explicit 'name separator' in class"
    if (c != U'-') {
      set.Add(c);
      has_range_start = true;
      last = c;
      continue;
    }
    if (!has_range_start || at >= pattern.size()) return std::nullopt;  // "Invalid range", "Missing ']'"
    const char32_t high = pattern[at++];
    if (high == U']') {  // `[a-]`: the `-` before `]` is itself
      set.Add(U'-');
      return set;
    }
    if (high < last) return std::nullopt;
    set.ranges.back().second = high;
    has_range_start = false;
  }
  return std::nullopt;  // "Missing ']'"
}

// Nullopt for a pattern Java's glob compiler refuses.
std::optional<Automaton> Compile(std::u32string_view pattern) {
  Automaton automaton;
  std::optional<std::size_t> group;  // the kFork of the open `{`
  std::vector<std::size_t> jumps;    // the open group's kJumps, to aim at its end
  std::size_t at = 0;
  while (at < pattern.size()) {
    const char32_t c = pattern[at++];
    switch (c) {
      case U'\\':
        if (at == pattern.size()) return std::nullopt;  // "No character to escape"
        automaton.Add(Op::kLiteral, pattern[at++]);
        break;
      case U'*':
        if (at < pattern.size() && pattern[at] == U'*') {
          ++at;
          automaton.Add(Op::kDoubleStar);
        } else {
          automaton.Add(Op::kStar);
        }
        break;
      case U'?':
        automaton.Add(Op::kOneButSlash);
        break;
      case U'[': {
        std::optional<CharClass> set = ReadClass(pattern, at);
        if (!set) return std::nullopt;
        automaton.classes.push_back(std::move(*set));
        automaton.Add(Op::kClass, 0, automaton.classes.size() - 1);
        break;
      }
      case U'{':
        if (group) return std::nullopt;  // "Groups cannot be nested"
        group = automaton.Add(Op::kFork);
        automaton.states[*group].branches.push_back(*group + 1);
        break;
      case U',':
        if (!group) {
          automaton.Add(Op::kLiteral, c);
          break;
        }
        jumps.push_back(automaton.Add(Op::kJump));
        automaton.states[*group].branches.push_back(automaton.states.size());
        break;
      case U'}':
        if (!group) {
          automaton.Add(Op::kLiteral, c);
          break;
        }
        for (const std::size_t jump : jumps) automaton.states[jump].target = automaton.states.size();
        jumps.clear();
        group.reset();
        break;
      default:
        automaton.Add(Op::kLiteral, c);
        break;
    }
  }
  if (group) return std::nullopt;  // "Missing '}'"
  automaton.Add(Op::kMatch);
  return automaton;
}

// The live states, with each state in it once.
class StateSet {
 public:
  explicit StateSet(std::size_t size) : member_(size, false) {}

  // Adds `start` and every state it reaches without consuming a character.
  void Enter(const Automaton& automaton, std::size_t start) {
    pending_.push_back(start);
    while (!pending_.empty()) {
      const std::size_t at = pending_.back();
      pending_.pop_back();
      if (member_[at]) continue;
      member_[at] = true;
      entered_.push_back(at);
      const State& state = automaton.states[at];
      switch (state.op) {
        case Op::kFork:
          pending_.insert(pending_.end(), state.branches.begin(), state.branches.end());
          break;
        case Op::kJump:
          pending_.push_back(state.target);
          break;
        case Op::kStar:
        case Op::kDoubleStar:
          live_.push_back(at);
          pending_.push_back(at + 1);  // the run may be empty
          break;
        default:
          live_.push_back(at);
          break;
      }
    }
  }

  const std::vector<std::size_t>& Live() const { return live_; }
  bool Has(std::size_t state) const { return member_[state]; }

  void Clear() {
    for (const std::size_t at : entered_) member_[at] = false;
    entered_.clear();
    live_.clear();
  }

 private:
  std::vector<bool> member_;
  std::vector<std::size_t> entered_;  // the members, to clear only those
  std::vector<std::size_t> live_;     // the members that consume a character (or match)
  std::vector<std::size_t> pending_;
};

bool Run(const Automaton& automaton, std::u32string_view text) {
  StateSet now(automaton.states.size());
  StateSet next(automaton.states.size());
  now.Enter(automaton, 0);
  for (const char32_t c : text) {
    for (const std::size_t at : now.Live()) {
      const State& state = automaton.states[at];
      switch (state.op) {
        case Op::kLiteral:
          if (c == state.literal) next.Enter(automaton, at + 1);
          break;
        case Op::kOneButSlash:
          if (c != U'/') next.Enter(automaton, at + 1);
          break;
        case Op::kClass:
          if (automaton.classes[state.target].Contains(c)) next.Enter(automaton, at + 1);
          break;
        case Op::kStar:
          if (c != U'/') next.Enter(automaton, at);
          break;
        case Op::kDoubleStar:
          next.Enter(automaton, at);
          break;
        default:
          break;  // kMatch consumes nothing; kFork and kJump are never live
      }
    }
    if (next.Live().empty()) return false;
    std::swap(now, next);
    next.Clear();
  }
  return now.Has(automaton.states.size() - 1);
}

}  // namespace

bool GitGlobMatch(std::string_view pattern, std::string_view text) {
  const std::optional<Automaton> automaton = Compile(Decode(pattern));
  return automaton && Run(*automaton, Decode(text));
}

bool IsValidGitGlob(std::string_view pattern) { return Compile(Decode(pattern)).has_value(); }

}  // namespace sluice::triggers
