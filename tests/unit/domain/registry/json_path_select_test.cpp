// SelectJsonPath: what a webhook filter's jsonPath picks out of a payload.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "sluice/domain/registry/json_path.h"

namespace sluice::domain {
namespace {

using nlohmann::json;

// A GitHub push payload, trimmed, plus members for the edge cases. Object
// members come back in key order: nlohmann::json keeps objects sorted.
const json& Payload() {
  static const json payload = json::parse(R"({
    "ref": "refs/heads/main",
    "after": "abc123",
    "created": false,
    "size": 3,
    "ratio": 1.5,
    "nothing": null,
    "repository": {"name": "app", "full_name": "acme/app", "owner": {"name": "acme"}},
    "commits": [
      {"id": "c1", "message": "one", "author": {"name": "ann"}},
      {"id": "c2", "message": "two", "author": {"name": "bob"}},
      {"id": "c3", "message": "three", "author": {"name": "cat"}}
    ],
    "n": [0, 1, 2, 3, 4, 5],
    "a b": "spaced",
    "quote'd": "q",
    "\u00e9": "accent"
  })");
  return payload;
}

// The selection as a JSON array of copies, to compare in one go.
json Selected(const std::string& path, const json& document) {
  json values = json::array();
  for (const json* value : SelectJsonPath(path, document)) values.push_back(*value);
  return values;
}

struct SelectCase {
  const char* path;
  const char* expected;  // a JSON array of the selected values, in order
};

class JsonPathSelectTest : public ::testing::TestWithParam<SelectCase> {};

TEST_P(JsonPathSelectTest, SelectsFromAPushPayload) {
  EXPECT_EQ(Selected(GetParam().path, Payload()), json::parse(GetParam().expected))
      << GetParam().path;
}

INSTANTIATE_TEST_SUITE_P(
    Members, JsonPathSelectTest,
    ::testing::Values(SelectCase{"$.ref", R"(["refs/heads/main"])"},
                      SelectCase{"$['ref']", R"(["refs/heads/main"])"},
                      SelectCase{R"($["ref"])", R"(["refs/heads/main"])"},
                      SelectCase{"$.repository.owner.name", R"(["acme"])"},
                      SelectCase{"$['repository']['full_name']", R"(["acme/app"])"},
                      SelectCase{"$['a b']", R"(["spaced"])"},
                      SelectCase{R"($['quote\'d'])", R"(["q"])"},
                      SelectCase{R"($["quote'd"])", R"(["q"])"},
                      SelectCase{R"($["\u00e9"])", R"(["accent"])"},
                      SelectCase{"$.\xc3\xa9", R"(["accent"])"},
                      SelectCase{"$.created", "[false]"}, SelectCase{"$.nothing", "[null]"},
                      SelectCase{"$.size", "[3]"}, SelectCase{"$.ratio", "[1.5]"},
                      SelectCase{"$.repository.*", R"(["acme/app", "app", {"name": "acme"}])"}));

INSTANTIATE_TEST_SUITE_P(
    Indexes, JsonPathSelectTest,
    ::testing::Values(SelectCase{"$.commits[0].id", R"(["c1"])"},
                      SelectCase{"$.commits[2].id", R"(["c3"])"},
                      SelectCase{"$.commits[-1].id", R"(["c3"])"},
                      SelectCase{"$.commits[-3].id", R"(["c1"])"},
                      SelectCase{"$.commits[-4].id", "[]"}, SelectCase{"$.commits[3]", "[]"},
                      SelectCase{"$.n[99999999999999999999999]", "[]"},
                      SelectCase{"$.n[-99999999999999999999999]", "[]"},
                      SelectCase{"$.commits[*].id", R"(["c1", "c2", "c3"])"},
                      SelectCase{"$.commits.*.author.name", R"(["ann", "bob", "cat"])"},
                      SelectCase{"$.n[ 1 ]", "[1]"}));

// RFC 9535 section 2.3.4: defaults by the step's sign, negative bounds from
// the end, clamped to the array; a zero step selects nothing.
INSTANTIATE_TEST_SUITE_P(
    Slices, JsonPathSelectTest,
    ::testing::Values(SelectCase{"$.n[1:3]", "[1, 2]"}, SelectCase{"$.n[:2]", "[0, 1]"},
                      SelectCase{"$.n[4:]", "[4, 5]"}, SelectCase{"$.n[:]", "[0, 1, 2, 3, 4, 5]"},
                      SelectCase{"$.n[-2:]", "[4, 5]"}, SelectCase{"$.n[1:-3]", "[1, 2]"},
                      SelectCase{"$.n[-4:3]", "[2]"}, SelectCase{"$.n[::2]", "[0, 2, 4]"},
                      SelectCase{"$.n[1::2]", "[1, 3, 5]"},
                      SelectCase{"$.n[::-1]", "[5, 4, 3, 2, 1, 0]"},
                      SelectCase{"$.n[3:0:-2]", "[3, 1]"}, SelectCase{"$.n[0:3:-1]", "[]"},
                      SelectCase{"$.n[1:3:0]", "[]"}, SelectCase{"$.n[3:1]", "[]"},
                      SelectCase{"$.n[10:20]", "[]"}, SelectCase{"$.n[-99:2]", "[0, 1]"},
                      SelectCase{"$.n[0:99999999999999999999999]", "[0, 1, 2, 3, 4, 5]"},
                      SelectCase{"$.n[::99999999999999999999999]", "[0]"},
                      SelectCase{"$.n[::-99999999999999999999999]", "[5]"},
                      SelectCase{"$.n[ 1 : 3 ]", "[1, 2]"},
                      SelectCase{"$.commits[1:].id", R"(["c2", "c3"])"},
                      SelectCase{"$.ref[0:2]", "[]"}));

INSTANTIATE_TEST_SUITE_P(
    Unions, JsonPathSelectTest,
    ::testing::Values(SelectCase{"$.n[0,2]", "[0, 2]"},
                      SelectCase{"$.n[5,0,5]", "[5, 0, 5]"},  // duplicates kept, in order
                      SelectCase{"$.n[0,4:]", "[0, 4, 5]"},
                      SelectCase{"$['ref','after']", R"(["refs/heads/main", "abc123"])"},
                      SelectCase{"$[ 'after' , 'ref' ]", R"(["abc123", "refs/heads/main"])"},
                      SelectCase{"$['ref',0]", R"(["refs/heads/main"])"},
                      SelectCase{"$['missing','size']", "[3]"}));

// Pre-order: a node, then its descendants, arrays in order, objects in key
// order ("commits" < "repository").
INSTANTIATE_TEST_SUITE_P(
    Descendants, JsonPathSelectTest,
    ::testing::Values(SelectCase{"$..name", R"(["ann", "bob", "cat", "app", "acme"])"},
                      SelectCase{"$..author.name", R"(["ann", "bob", "cat"])"},
                      SelectCase{"$..id", R"(["c1", "c2", "c3"])"},
                      SelectCase{"$.repository..*",
                                 R"(["acme/app", "app", {"name": "acme"}, "acme"])"},
                      SelectCase{"$.repository..['name','full_name']",
                                 R"(["app", "acme/app", "acme"])"},
                      SelectCase{"$..[0]", R"([{"author": {"name": "ann"}, "id": "c1",
                                               "message": "one"}, 0])"},
                      SelectCase{"$..[-1].id", R"(["c3"])"},
                      SelectCase{"$.ref..x", "[]"}));

// What fits nothing, filters, and texts IsJsonPath refuses: no values.
INSTANTIATE_TEST_SUITE_P(
    Nothing, JsonPathSelectTest,
    ::testing::Values(SelectCase{"$.missing", "[]"}, SelectCase{"$.ref.x", "[]"},
                      SelectCase{"$.commits.id", "[]"}, SelectCase{"$.n[0].x", "[]"},
                      SelectCase{"$[0]", "[]"}, SelectCase{"$.size[*]", "[]"},
                      SelectCase{"$.commits[?(@.id == 'c1')]", "[]"},
                      SelectCase{"$..[?(@.name)]", "[]"}, SelectCase{"", "[]"},
                      SelectCase{"ref", "[]"}, SelectCase{"$.", "[]"}, SelectCase{"$..", "[]"},
                      SelectCase{"$.commits[", "[]"}, SelectCase{"$['ref]", "[]"},
                      SelectCase{"$.ref ", "[]"}, SelectCase{"$.n[x]", "[]"},
                      SelectCase{"$.n[1:2:3:4]", "[]"}, SelectCase{"$.n[*,0]", "[]"}));

TEST(JsonPathSelectTest, RootIsTheWholeDocument) {
  const auto selected = SelectJsonPath("$", Payload());
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0], &Payload());
}

TEST(JsonPathSelectTest, PointsIntoTheDocument) {
  const auto selected = SelectJsonPath("$.commits[1]", Payload());
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0], &Payload()["commits"][1]);
}

// Whatever IsJsonPath accepts parses for selection too, and nothing else does:
// a path that IsJsonPath refuses selects nothing even from "$"-like input.
TEST(JsonPathSelectTest, AgreesWithIsJsonPath) {
  const json document = json::parse(R"({"a": {"b": [1, 2]}})");
  const char* accepted[] = {"$", "$.a", "$..b", "$.a.b[0]", "$.a.b[-1:]", "$['a'].b[0,1]"};
  for (const char* path : accepted) {
    EXPECT_TRUE(IsJsonPath(path)) << path;
    EXPECT_FALSE(SelectJsonPath(path, document).empty()) << path;
  }
  const char* refused[] = {"$.a b", "$ .a", "$.a]", "$.a[]", "$.a[?(@.b]", "$.a[*?(@)]"};
  for (const char* path : refused) {
    EXPECT_FALSE(IsJsonPath(path)) << path;
    EXPECT_TRUE(SelectJsonPath(path, document).empty()) << path;
  }
}

// Nesting far deeper than any call stack could recurse: the walk keeps its
// own stack.
TEST(JsonPathSelectTest, WalksDeepDocumentsWithoutRecursing) {
  constexpr int kDepth = 100'000;
  json document = json::array();
  for (int i = 0; i < kDepth; ++i) {
    json outer = json::array();
    outer.push_back(std::move(document));
    document = std::move(outer);
  }
  // Every array but the innermost (empty) one has an element 0.
  EXPECT_EQ(SelectJsonPath("$..[0]", document).size(), static_cast<std::size_t>(kDepth));
  EXPECT_TRUE(SelectJsonPath("$..missing", document).empty());
}

// "..*" twice over a chain 2,000 deep visits about two million nodes: past the
// step budget, so the path selects nothing instead of running on.
TEST(JsonPathSelectTest, GivesUpOnPathsThatMultiplyWork) {
  json document = json::array();
  for (int i = 0; i < 2'000; ++i) {
    json outer = json::array();
    outer.push_back(std::move(document));
    document = std::move(outer);
  }
  EXPECT_EQ(SelectJsonPath("$..*", document).size(), 2'000u);
  EXPECT_TRUE(SelectJsonPath("$..*..*", document).empty());
  EXPECT_TRUE(SelectJsonPath("$..*..*..*..*..*..*..*..*", document).empty());
}

}  // namespace
}  // namespace sluice::domain
