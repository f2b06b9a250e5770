// One row per rule of "Working with glob patterns in syntax"
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/syntax-glob.html),
// each quoting the sentence it checks, plus the patterns of the trigger
// example in "Trigger filtering in the pipeline JSON (CLI)". Where the page
// is silent, the rows follow Java's PathMatcher glob, whose text it repeats.
#include "triggers/git_glob.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::triggers {
namespace {

struct GlobRow {
  const char* name;  // the test's name
  const char* rule;  // the documentation this row checks
  const char* pattern;
  const char* text;
  bool matches;
};

std::ostream& operator<<(std::ostream& out, const GlobRow& row) {
  return out << "'" << row.pattern << "' ~ '" << row.text << "' (" << row.rule << ")";
}

const GlobRow kGlobRows[] = {
    // The page's examples.
    {"JavaExample", "*.java Specifies a path that represents a file name ending in .java", "*.java",
     "Main.java", true},
    {"JavaExampleOtherEnding", "*.java Specifies a path that represents a file name ending in .java",
     "*.java", "Main.class", false},
    {"DotExample", "*.* Specifies file names containing a dot", "*.*", "notes.txt", true},
    {"DotExampleWithoutDot", "*.* Specifies file names containing a dot", "*.*", "Makefile", false},
    {"BraceExampleJava", "*.{java,class} Specifies file names ending with .java or .class", "*.{java,class}",
     "Main.java", true},
    {"BraceExampleClass", "*.{java,class} Specifies file names ending with .java or .class",
     "*.{java,class}", "Main.class", true},
    {"BraceExampleJar", "*.{java,class} Specifies file names ending with .java or .class", "*.{java,class}",
     "Main.jar", false},
    {"QuestionExample", "foo.? Specifies file names starting with foo. and a single character extension",
     "foo.?", "foo.c", true},
    {"QuestionExampleTwoCharacters",
     "foo.? Specifies file names starting with foo. and a single character extension", "foo.?", "foo.cc",
     false},
    {"QuestionExampleNoCharacter",
     "foo.? Specifies file names starting with foo. and a single character extension", "foo.?", "foo.",
     false},

    // `*` stays inside one name component; `**` crosses `/`.
    {"StarWithinComponent",
     "To specify zero or more characters of a name component in directory boundaries, use *.", "feature/*",
     "feature/login", true},
    {"StarStopsAtSlash",
     "To specify zero or more characters of a name component in directory boundaries, use *.", "feature/*",
     "feature/login/ui", false},
    {"StarMatchesNothing",
     "To specify zero or more characters of a name component in directory boundaries, use *.", "v1*", "v1",
     true},
    {"StarDoesNotCrossForFiles",
     "To specify zero or more characters of a name component in directory boundaries, use *.", "*.java",
     "src/Main.java", false},
    {"DoubleStarCrossesSlash",
     "To specify zero or more characters of a name component crossing directory boundaries, use **.",
     "feature/**", "feature/login/ui", true},
    {"DoubleStarMatchesNothing",
     "To specify zero or more characters of a name component crossing directory boundaries, use **.",
     "release**", "release", true},
    // `**/README.md` is `.*/README\.md` in Java: the `/` is part of the
    // pattern, so a README.md at the root is not matched.
    {"DoubleStarSlashNeedsASlash",
     "To specify zero or more characters of a name component crossing directory boundaries, use **.",
     "**/README.md", "README.md", false},

    // `?`
    {"QuestionOneCharacter", "To specify one character of a name component, use ?.", "v?.0", "v2.0", true},
    {"QuestionNotSlash", "To specify one character of a name component, use ?.", "a?b", "a/b", false},
    {"QuestionOneCodePoint", "To specify one character of a name component, use ?.", "caf?", "café", true},

    // `\`
    {"EscapedStar",
     "To escape characters that would otherwise be interpreted as special characters, use the backslash "
     "character (\\).",
     "release\\*", "release*", true},
    {"EscapedStarIsNotAWildcard",
     "To escape characters that would otherwise be interpreted as special characters, use the backslash "
     "character (\\).",
     "release\\*", "release-1", false},
    {"EscapedBraces",
     "To escape characters that would otherwise be interpreted as special characters, use the backslash "
     "character (\\).",
     "\\{a,b\\}", "{a,b}", true},

    // `[ ]`
    {"BracketSet", "To specify a single character out of a set of characters, use [ ].", "v[123]", "v2", true},
    {"BracketSetMiss", "To specify a single character out of a set of characters, use [ ].", "v[123]", "v4",
     false},
    {"BracketRange", "To specify a single character out of a set of characters, use [ ].", "v[0-9].x", "v7.x",
     true},
    {"BracketMixed", "To specify a single character out of a set of characters, use [ ].", "[abce-g]", "f",
     true},
    {"BracketMixedMiss", "To specify a single character out of a set of characters, use [ ].", "[abce-g]",
     "d", false},
    {"BracketNegation", "The (-) character matches itself if ... the first character after the ! if negating.",
     "[!a-c]x", "dx", true},
    {"BracketNegationMiss",
     "The (-) character matches itself if ... the first character after the ! if negating.", "[!a-c]x", "bx",
     false},
    {"BracketNeverSlash", "To specify a single character out of a set of characters, use [ ].", "a[!b]c",
     "a/c", false},
    {"BracketStarItself", "Within a bracket expression the *, ? and \\ characters match themselves.",
     "[*?\\]", "*", true},
    {"BracketQuestionItself", "Within a bracket expression the *, ? and \\ characters match themselves.",
     "[*?\\]", "?", true},
    {"BracketBackslashItself", "Within a bracket expression the *, ? and \\ characters match themselves.",
     "[*?\\]", "\\", true},
    {"BracketStarNotWildcard", "Within a bracket expression the *, ? and \\ characters match themselves.",
     "[*]", "a", false},
    {"HyphenFirst", "The (-) character matches itself if it is the first character within the brackets",
     "v[-.]1", "v-1", true},
    {"HyphenFirstAfterBang",
     "The (-) character matches itself if ... the first character after the ! if negating.", "[!-a]", "-",
     false},
    {"HyphenFirstAfterBangOthers",
     "The (-) character matches itself if ... the first character after the ! if negating.", "[!-a]", "b",
     true},

    // `{ }`
    {"GroupAnySubpattern",
     "The { } characters are a group of subpatterns, where the group matches if any subpattern in the group "
     "matches. The \",\" character is used to separate the subpatterns.",
     "{main,release/*}", "release/1.2", true},
    {"GroupNoSubpattern",
     "The { } characters are a group of subpatterns, where the group matches if any subpattern in the group "
     "matches.",
     "{main,release/*}", "develop", false},
    {"GroupEmptySubpattern", "The \",\" character is used to separate the subpatterns.", "v1{,-beta}",
     "v1", true},
    {"GroupsCannotNest", "Groups cannot be nested.", "{a,{b,c}}", "b", false},
    {"CommaOutsideGroup", "The \",\" character is used to separate the subpatterns.", "a,b", "a,b", true},

    // Plain names and the folder forms.
    {"RootFile",
     "To specify a single file that is in the root of your build location or source repository location, "
     "use my-file.jar.",
     "my-file.jar", "my-file.jar", true},
    {"RootFileNotInSubdirectory",
     "To specify a single file that is in the root of your build location or source repository location, "
     "use my-file.jar.",
     "my-file.jar", "lib/my-file.jar", false},
    {"SubdirectoryFile",
     "To specify a single file in a subdirectory, use directory/my-file.jar or "
     "directory/subdirectory/my-file.jar.",
     "directory/subdirectory/my-file.jar", "directory/subdirectory/my-file.jar", true},
    {"AllFiles", "To specify all files, use \"**\".", "**", "a/b/c.txt", true},
    // The newer page says "**/*" instead, which under the same rules needs a
    // `/`, so it leaves out files at the root.
    {"AllFilesNewerForm", "To specify all files, use \"**/*\".", "**/*", "a/b/c.txt", true},
    {"AllFilesNewerFormRoot", "To specify all files, use \"**/*\".", "**/*", "c.txt", false},
    {"DirectoryDeep", "To specify all files and directories in a directory named directory, use \"directory/**\".",
     "directory/**", "directory/a/b.txt", true},
    {"DirectoryDeepOtherDirectory",
     "To specify all files and directories in a directory named directory, use \"directory/**\".",
     "directory/**", "other/a.txt", false},
    {"DirectoryShallow",
     "To specify all files in a directory named directory, but not any of its subdirectories, use "
     "\"directory/*\".",
     "directory/*", "directory/a.txt", true},
    {"DirectoryShallowNotSubdirectory",
     "To specify all files in a directory named directory, but not any of its subdirectories, use "
     "\"directory/*\".",
     "directory/*", "directory/sub/a.txt", false},

    // The patterns of the pipelines-filter-cli.html example.
    {"CliExampleFeatureBranch", "\"branches\": { \"includes\": [ \"feature/**\", \"release/**\" ] }",
     "feature/**", "feature/login/ui", true},
    {"CliExampleProjectA", "\"filePaths\": { \"includes\": [ \"projectA/**\", \"common/**/*.js\" ] }",
     "projectA/**", "projectA/src/app.ts", true},
    {"CliExampleCommonJs", "\"filePaths\": { \"includes\": [ \"projectA/**\", \"common/**/*.js\" ] }",
     "common/**/*.js", "common/lib/util.js", true},
    {"CliExampleCommonJsNeedsSubdirectory",
     "\"filePaths\": { \"includes\": [ \"projectA/**\", \"common/**/*.js\" ] }", "common/**/*.js",
     "common/util.js", false},
    {"CliExampleReadme", "\"excludes\": [ \"**/README.md\", \"**/LICENSE\", \"**/CONTRIBUTING.md\" ]",
     "**/README.md", "projectA/docs/README.md", true},
    {"CliExampleMainline", "\"excludes\": [ \"mainline\" ]", "mainline", "mainline", true},

    // What the page leaves to the matcher.
    {"WholeTextOnly", "a pattern matches the whole name, not part of it", "main", "mainline", false},
    {"CaseSensitive", "names are compared as they are written", "Main", "main", false},
    {"LeadingDotIsOrdinary", "Java: leading period/dot characters in file name are treated as regular characters",
     "*", ".gitignore", true},
    {"EmptyPatternEmptyText", "a pattern matches the whole name", "", "", true},
    {"EmptyPatternText", "a pattern matches the whole name", "", "x", false},
};

class GitGlobRuleTest : public ::testing::TestWithParam<GlobRow> {};

TEST_P(GitGlobRuleTest, MatchesAsAwsDocuments) {
  const GlobRow& row = GetParam();
  EXPECT_EQ(GitGlobMatch(row.pattern, row.text), row.matches) << row;
}

INSTANTIATE_TEST_SUITE_P(SyntaxGlob, GitGlobRuleTest, ::testing::ValuesIn(kGlobRows),
                         [](const ::testing::TestParamInfo<GlobRow>& row) { return std::string(row.param.name); });

// Patterns Java's glob compiler refuses match nothing, not even themselves.
struct BadPatternRow {
  const char* name;
  const char* pattern;
};

const BadPatternRow kBadPatterns[] = {
    {"TrailingBackslash", "release\\"},  // "No character to escape"
    {"UnclosedBracket", "v[0-9"},        // "Missing ']'"
    {"UnclosedRange", "v[0-"},
    {"EmptyBracket", "v[]"},
    {"SlashInBracket", "a[/]b"},          // "Explicit 'name separator' in class"
    {"BackwardsRange", "v[9-0]"},         // "Invalid range"
    {"RangeWithoutStart", "v[a-c-e]"},
    {"NestedGroup", "{a,{b,c}}"},         // "Cannot nest groups"
    {"UnclosedGroup", "{main,release"},   // "Missing '}'"
};

class BadGitGlobTest : public ::testing::TestWithParam<BadPatternRow> {};

TEST_P(BadGitGlobTest, IsRefusedAndMatchesNothing) {
  const std::string pattern = GetParam().pattern;
  EXPECT_FALSE(IsValidGitGlob(pattern));
  EXPECT_FALSE(GitGlobMatch(pattern, pattern));
  EXPECT_FALSE(GitGlobMatch(pattern, ""));
}

INSTANTIATE_TEST_SUITE_P(JavaRefuses, BadGitGlobTest, ::testing::ValuesIn(kBadPatterns),
                         [](const ::testing::TestParamInfo<BadPatternRow>& row) {
                           return std::string(row.param.name);
                         });

TEST(GitGlobTest, AcceptsWhatJavaAccepts) {
  for (const char* pattern : {"", "*", "**", "feature/**", "[a-]", "[^a]", "{,x}", "a}b", "\\a", "[!-a]"}) {
    EXPECT_TRUE(IsValidGitGlob(pattern)) << pattern;
  }
  // `[a-]`: a `-` just before `]` is itself; `[^a]` is `^` or `a`, not a negation.
  EXPECT_TRUE(GitGlobMatch("[a-]", "-"));
  EXPECT_TRUE(GitGlobMatch("[^a]", "^"));
  EXPECT_FALSE(GitGlobMatch("[^a]", "b"));
}

TEST(GitGlobTest, StarsAndGroupsDoNotBlowUp) {
  // A backtracking matcher takes exponential time on these; the automaton
  // takes |text| x |pattern| steps.
  const std::string text(20'000, 'a');
  EXPECT_FALSE(GitGlobMatch("**a**a**a**a**a**a**a**a**a**a**b", text));
  EXPECT_TRUE(GitGlobMatch("**a**a**a**a**a**a**a**a**a**a**", text));
  EXPECT_FALSE(GitGlobMatch("*a*a*a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_TRUE(GitGlobMatch("{*a,**a}{*a,**a}{*a,**a}{*a,**a}{*a,**a}{*a,**a}", text));
  std::string deep;
  for (int i = 0; i < 2'000; ++i) deep += "d/";
  EXPECT_TRUE(GitGlobMatch("**/*/**/*/**/x.txt", deep + "x.txt"));
  EXPECT_FALSE(GitGlobMatch("**/*/**/*/**/x.txt", deep + "y.txt"));
}

}  // namespace
}  // namespace sluice::triggers
