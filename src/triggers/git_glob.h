// GitGlobMatch: the glob language of CodePipeline V2 trigger filters, which
// match branch names, tag names and repository file paths
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/syntax-glob.html).
// The rules there are the ones of Java's PathMatcher "glob:" syntax, whose
// examples the page repeats word for word, so that is the reference for what
// the page leaves open:
//   `*`   any run of characters without `/` ("in directory boundaries")
//   `**`  any run of characters, `/` included ("crossing directory boundaries")
//   `?`   one character other than `/`
//   `[ ]` one character, never `/`, out of a set: `[abc]`, ranges `[a-z]`,
//         negation `[!a-c]`; inside, `*`, `?` and `\` are themselves and `-`
//         is itself when first (or first after `!`)
//   `{a,b}` either subpattern; groups cannot be nested
//   `\`   makes the next character itself
// The whole text must match. Pure functions: thread-safe.
#pragma once

#include <string_view>

namespace sluice::triggers {

// True when all of `text` matches `pattern`. Linear in the text for a given
// pattern, whatever the pattern (no backtracking). A pattern AWS's matcher
// refuses (see IsValidGitGlob) matches nothing.
bool GitGlobMatch(std::string_view pattern, std::string_view text);

// False for a pattern Java's glob compiler refuses: a `\` with nothing after
// it, a `[` without its `]`, an empty `[]`, a `/` inside brackets, a range
// running backwards (`[z-a]`) or without a start (`[a-c-e]`), a `{` inside a
// group or one left open.
bool IsValidGitGlob(std::string_view pattern);

}  // namespace sluice::triggers
