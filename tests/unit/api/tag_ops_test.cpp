// Tagging through the OperationTable: TagResource, UntagResource and
// ListTagsForResource on a pipeline (responses, key order, paging, errors),
// and the shared tag list codec DecodeTags / TagsJson.
#include "sluice/api/tag_ops.h"

#include <gtest/gtest.h>

#include "api/api_fixture.h"
#include "sluice/domain/registry/tagging.h"

namespace sluice::api {
namespace {

constexpr const char* kArn = "arn:aws:codepipeline:us-east-1:123456789012:demo";

json Tags(std::initializer_list<std::pair<const char*, const char*>> tags) {
  json list = json::array();
  for (const auto& [key, value] : tags) list.push_back({{"key", key}, {"value", value}});
  return list;
}

TEST(TagCodecTest, DecodeTagsChecksNewResourceRules) {
  EXPECT_TRUE(DecodeTags(json::object())->empty());
  EXPECT_TRUE(DecodeTags({{"tags", nullptr}})->empty());
  auto tags = DecodeTags({{"tags", Tags({{"b", "2"}, {"a", ""}})}});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(*tags, (std::vector<domain::Tag>{{"b", "2"}, {"a", ""}}));  // order kept
  EXPECT_EQ(TagsJson(*tags), Tags({{"b", "2"}, {"a", ""}}));
  EXPECT_EQ(TagsJson({}), json::array());
  EXPECT_EQ(DecodeTags({{"tags", Tags({{"a", "1"}, {"a", "2"}})}}).error().code(), ErrorCode::kInvalidTags);
  EXPECT_EQ(DecodeTags({{"tags", Tags({{"aws:owner", "x"}})}}).error().code(), ErrorCode::kInvalidTags);
}

class TagOpsTest : public ApiTest {
 protected:
  TagOpsTest() {
    tagging_.Register(domain::ResourceKind::kPipeline, repository_);
    RegisterTagOps(table_, tagging_);
    CallOk("CreatePipeline", {{"pipeline", sluice::testing::TwoStagePipeline()},
                              {"tags", Tags({{"team", "web"}})}});
  }

  domain::TaggingService tagging_;
};

TEST_F(TagOpsTest, TagListAndUntag) {
  EXPECT_EQ(CallOk("ListTagsForResource", {{"resourceArn", kArn}}), (json{{"tags", Tags({{"team", "web"}})}}));
  EXPECT_EQ(CallOk("TagResource", {{"resourceArn", kArn}, {"tags", Tags({{"env", "prod"}, {"team", "api"}})}}),
            json::object());
  EXPECT_EQ(CallOk("ListTagsForResource", {{"resourceArn", kArn}}),
            (json{{"tags", Tags({{"env", "prod"}, {"team", "api"}})}}));  // in key order

  const json first = CallOk("ListTagsForResource", {{"resourceArn", kArn}, {"maxResults", 1}});
  EXPECT_EQ(first["tags"], Tags({{"env", "prod"}}));
  ASSERT_TRUE(first["nextToken"].is_string());
  EXPECT_EQ(CallOk("ListTagsForResource", {{"resourceArn", kArn}, {"nextToken", first["nextToken"]}}),
            (json{{"tags", Tags({{"team", "api"}})}}));

  EXPECT_EQ(CallOk("UntagResource", {{"resourceArn", kArn}, {"tagKeys", json::array({"env", "absent"})}}), json::object());
  EXPECT_EQ(CallOk("ListTagsForResource", {{"resourceArn", kArn}}), (json{{"tags", Tags({{"team", "api"}})}}));
}

TEST_F(TagOpsTest, Errors) {
  struct Case {
    const char* operation;
    json input;
    ErrorCode code;
  };
  const char* other_account = "arn:aws:codepipeline:us-east-1:999999999999:demo";
  const char* missing = "arn:aws:codepipeline:us-east-1:123456789012:missing";
  json many = json::array();
  for (int i = 0; i < 50; ++i) many.push_back({{"key", "k" + std::to_string(i)}, {"value", ""}});
  const Case cases[] = {
      {"TagResource", {{"resourceArn", missing}, {"tags", Tags({{"a", "b"}})}}, ErrorCode::kResourceNotFound},
      {"TagResource", {{"resourceArn", other_account}, {"tags", Tags({{"a", "b"}})}}, ErrorCode::kResourceNotFound},
      {"TagResource", {{"resourceArn", kArn}, {"tags", Tags({{"aws:x", "b"}})}}, ErrorCode::kInvalidTags},
      {"TagResource", {{"resourceArn", kArn}, {"tags", many}}, ErrorCode::kTooManyTags},  // 51 with "team"
      {"TagResource", {{"resourceArn", "not-an-arn"}, {"tags", Tags({{"a", "b"}})}}, ErrorCode::kValidation},
      {"UntagResource", {{"resourceArn", kArn}, {"tagKeys", json::array({"aws:x"})}}, ErrorCode::kInvalidTags},
      {"UntagResource", {{"resourceArn", missing}, {"tagKeys", json::array({"a"})}}, ErrorCode::kResourceNotFound},
      {"ListTagsForResource", {{"resourceArn", missing}}, ErrorCode::kResourceNotFound},
      {"ListTagsForResource", {{"resourceArn", kArn}, {"nextToken", "bogus"}}, ErrorCode::kInvalidNextToken},
  };
  for (const Case& c : cases) EXPECT_EQ(CallError(c.operation, c.input), c.code) << c.input.dump();
  // Nothing changed.
  EXPECT_EQ(CallOk("ListTagsForResource", {{"resourceArn", kArn}}), (json{{"tags", Tags({{"team", "web"}})}}));
}

}  // namespace
}  // namespace sluice::api
