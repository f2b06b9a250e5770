// IsJsonPath: which webhook filter paths are well-formed JSONPath.
#include "sluice/domain/registry/json_path.h"

#include <gtest/gtest.h>

namespace sluice::domain {
namespace {

struct JsonPathCase {
  const char* path;
  bool valid;
};

class JsonPathTest : public ::testing::TestWithParam<JsonPathCase> {};

TEST_P(JsonPathTest, Recognises) {
  EXPECT_EQ(IsJsonPath(GetParam().path), GetParam().valid) << GetParam().path;
}

INSTANTIATE_TEST_SUITE_P(
    WebhookFilters, JsonPathTest,
    ::testing::Values(JsonPathCase{"$", true}, JsonPathCase{"$.ref", true},
                      JsonPathCase{"$.repository.full_name", true},
                      JsonPathCase{"$..name", true}, JsonPathCase{"$.*", true},
                      JsonPathCase{"$.commits[0].id", true}, JsonPathCase{"$.a[-1]", true},
                      JsonPathCase{"$.a[1:3]", true}, JsonPathCase{"$.a[::2]", true},
                      JsonPathCase{"$.a[0,2]", true}, JsonPathCase{"$['ref']", true},
                      JsonPathCase{"$[\"a b\", 'c']", true}, JsonPathCase{"$.a[*]", true},
                      JsonPathCase{"$.a[?(@.b == 'x)')]", true}, JsonPathCase{"$..[0]", true},
                      JsonPathCase{"", false}, JsonPathCase{"ref", false},
                      JsonPathCase{".ref", false}, JsonPathCase{"$.", false},
                      JsonPathCase{"$..", false}, JsonPathCase{"$.a[", false},
                      JsonPathCase{"$.a[]", false}, JsonPathCase{"$.a]", false},
                      JsonPathCase{"$['ref]", false}, JsonPathCase{"$.a[1:2:3:4]", false},
                      JsonPathCase{"$.a[?(@.b]", false}, JsonPathCase{"$ .a", false},
                      JsonPathCase{"$.a b", false}, JsonPathCase{"$.a[x]", false}));

}  // namespace
}  // namespace sluice::domain
