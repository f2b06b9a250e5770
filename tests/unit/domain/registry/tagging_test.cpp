// Tag rules, resource ARNs and the TaggingService over the in-memory pipeline
// repository and the webhook registry, as the server wires them.
#include "sluice/domain/registry/tagging.h"

#include <gtest/gtest.h>

#include "sluice/domain/registry/webhook_registry.h"
#include "sluice/store/in_memory_pipeline_repository.h"
#include "support/pipelines.h"

namespace sluice::domain {
namespace {

std::vector<Tag> ManyTags(int count, const std::string& prefix = "k") {
  std::vector<Tag> tags;
  for (int i = 0; i < count; ++i) tags.push_back({prefix + std::to_string(i), "v"});
  return tags;
}

TEST(TagRulesTest, NewTagsNeedUniqueUserKeysAndAtMostFifty) {
  EXPECT_TRUE(CheckNewTags({}).ok());
  EXPECT_TRUE(CheckNewTags(ManyTags(50)).ok());
  EXPECT_EQ(CheckNewTags(ManyTags(51)).error().code(), ErrorCode::kTooManyTags);
  EXPECT_EQ(CheckNewTags({{"aws:x", "v"}}).error().code(), ErrorCode::kInvalidTags);
  EXPECT_EQ(CheckNewTags({{"a", "1"}, {"a", "2"}}).error().code(), ErrorCode::kInvalidTags);
  // Only the lower-case prefix is reserved.
  EXPECT_TRUE(CheckNewTags({{"AWS:x", "v"}, {"aws", "v"}}).ok());
}

TEST(TagRulesTest, MergeOverwritesAppendsAndCountsTheResult) {
  std::vector<Tag> tags{{"a", "1"}, {"b", "2"}};
  ASSERT_TRUE(MergeTags(tags, {{"b", "3"}, {"c", "4"}}, "arn").ok());
  EXPECT_EQ(tags, (std::vector<Tag>{{"a", "1"}, {"b", "3"}, {"c", "4"}}));

  std::vector<Tag> full = ManyTags(50);
  // Overwriting keeps the count, so a full resource still takes new values.
  ASSERT_TRUE(MergeTags(full, {{"k0", "new"}}, "arn").ok());
  auto over = MergeTags(full, {{"k1", "x"}, {"extra", "v"}}, "arn:x");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kTooManyTags);
  EXPECT_EQ(over.error().message(), "Tag limit exceeded for resource [arn:x].");
  EXPECT_EQ(full[1].value, "v");  // unchanged
}

TEST(TagArnTest, ParsesEachKind) {
  auto pipeline = ParseResourceArn("arn:aws:codepipeline:us-east-1:123456789012:my-pipe");
  ASSERT_TRUE(pipeline.ok());
  EXPECT_EQ(pipeline->kind, ResourceKind::kPipeline);
  EXPECT_EQ(pipeline->id, "my-pipe");
  EXPECT_EQ(pipeline->scope, (Scope{"123456789012", "us-east-1"}));
  EXPECT_EQ(pipeline->partition, "aws");

  auto webhook = ParseResourceArn("arn:aws:codepipeline:eu-west-1:123456789012:webhook:hook");
  ASSERT_TRUE(webhook.ok());
  EXPECT_EQ(webhook->kind, ResourceKind::kWebhook);
  EXPECT_EQ(webhook->id, "hook");

  auto action_type = ParseResourceArn(
      "arn:aws-cn:codepipeline:cn-north-1:123456789012:actiontype:Custom/Build/My-Tool/1");
  ASSERT_TRUE(action_type.ok());
  EXPECT_EQ(action_type->kind, ResourceKind::kActionType);
  EXPECT_EQ(action_type->id, "Custom/Build/My-Tool/1");
  EXPECT_EQ(action_type->partition, "aws-cn");

  EXPECT_EQ(WebhookArn({"123456789012", "eu-west-1"}, "hook"),
            "arn:aws:codepipeline:eu-west-1:123456789012:webhook:hook");
}

TEST(TagArnTest, RefusesMalformedArns) {
  for (const char* arn : {
           "arn:aws:codepipeline:us-east-1:123456789012",           // no resource
           "arn:aws:codepipeline:us-east-1:123456789012:",          // empty resource
           "arn:aws:codepipeline:us-east-1:12345678901:p",          // 11-digit account
           "arn:aws:codepipeline:us-east-1:x:123456789012:p",       // a colon in the region
           "arn:aws:codepipeline:US_EAST:123456789012:p",           // not a region
           "arn:aws:codebuild:us-east-1:123456789012:p",            // another service
           "arn:awsx:codepipeline:us-east-1:123456789012:p",        // not a partition
           "arn:aws-:codepipeline:us-east-1:123456789012:p",        // empty partition word
           "urn:aws:codepipeline:us-east-1:123456789012:p",         // not an ARN
           "arn:aws:codepipeline:us-east-1:123456789012:p/q",       // not a pipeline name
           "arn:aws:codepipeline:us-east-1:123456789012:stage:x",   // unknown kind
           "arn:aws:codepipeline:us-east-1:123456789012:webhook:",  // empty webhook name
           "arn:aws:codepipeline:us-east-1:123456789012:webhook:a:b",
           "arn:aws:codepipeline:us-east-1:123456789012:actiontype:Custom/Build/P",
           "arn:aws:codepipeline:us-east-1:123456789012:actiontype:AWS/Build/P/1",
           "arn:aws:codepipeline:us-east-1:123456789012:actiontype:Custom//P/1",
           "arn:aws:codepipeline:us-east-1:123456789012:actiontype:Custom/Build/P/1/2",
       }) {
    auto parsed = ParseResourceArn(arn);
    ASSERT_FALSE(parsed.ok()) << arn;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArn) << arn;
  }
  const std::string long_name(101, 'a');
  EXPECT_FALSE(ParseResourceArn("arn:aws:codepipeline:us-east-1:123456789012:" + long_name).ok());
}

class TaggingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tagging_.Register(ResourceKind::kPipeline, repository_);
    tagging_.Register(ResourceKind::kWebhook, webhooks_);
    ASSERT_TRUE(CreatePipeline("p", {{"team", "a"}}).ok());
  }

  Result<PipelineSnapshot> CreatePipeline(const std::string& name, std::vector<Tag> tags) {
    NewPipeline pipeline;
    pipeline.summary.name = name;
    pipeline.declaration = sluice::testing::TwoStagePipeline(name).dump();
    pipeline.tags = std::move(tags);
    return repository_.Insert(scope_, std::move(pipeline), 10);
  }

  std::vector<Tag> ListAll(const std::string& arn) {
    auto page = tagging_.List(scope_, arn, std::nullopt, std::nullopt);
    EXPECT_TRUE(page.ok()) << page.error().message();
    return page.ok() ? page->tags : std::vector<Tag>{};
  }

  const Scope scope_{"123456789012", "us-east-1"};
  const std::string pipeline_arn_ = "arn:aws:codepipeline:us-east-1:123456789012:p";
  store::InMemoryPipelineRepository repository_;
  WebhookRegistry webhooks_{repository_};
  TaggingService tagging_{TaggingLimits{2}};
};

TEST_F(TaggingServiceTest, ListsTheTagsGivenAtCreation) {
  EXPECT_EQ(ListAll(pipeline_arn_), (std::vector<Tag>{{"team", "a"}}));
}

TEST_F(TaggingServiceTest, TagMergesAndUntagRemoves) {
  ASSERT_TRUE(tagging_.Tag(scope_, pipeline_arn_, {{"team", "b"}, {"env", "dev"}}).ok());
  EXPECT_EQ(ListAll(pipeline_arn_), (std::vector<Tag>{{"env", "dev"}, {"team", "b"}}));
  // The repository holds the one copy.
  EXPECT_EQ(repository_.Tags(scope_, "p"), (std::vector<Tag>{{"team", "b"}, {"env", "dev"}}));
  ASSERT_TRUE(tagging_.Untag(scope_, pipeline_arn_, {"team", "never-set"}).ok());
  EXPECT_EQ(ListAll(pipeline_arn_), (std::vector<Tag>{{"env", "dev"}}));
}

TEST_F(TaggingServiceTest, PagesInKeyOrder) {
  ASSERT_TRUE(tagging_.Tag(scope_, pipeline_arn_, {{"c", "3"}, {"b", "2"}, {"a", "1"}}).ok());
  auto first = tagging_.List(scope_, pipeline_arn_, std::nullopt, std::nullopt);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->tags, (std::vector<Tag>{{"a", "1"}, {"b", "2"}}));
  ASSERT_TRUE(first->next_token.has_value());
  auto second = tagging_.List(scope_, pipeline_arn_, first->next_token, 3);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->tags, (std::vector<Tag>{{"c", "3"}, {"team", "a"}}));
  EXPECT_FALSE(second->next_token.has_value());
  auto bad = tagging_.List(scope_, pipeline_arn_, std::string("garbage"), std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidNextToken);
}

TEST_F(TaggingServiceTest, RefusesSystemAndDuplicateKeysAndTooManyTags) {
  EXPECT_EQ(tagging_.Tag(scope_, pipeline_arn_, {{"aws:x", "v"}}).error().code(),
            ErrorCode::kInvalidTags);
  EXPECT_EQ(tagging_.Tag(scope_, pipeline_arn_, {{"a", "v"}, {"a", "w"}}).error().code(),
            ErrorCode::kInvalidTags);
  EXPECT_EQ(tagging_.Untag(scope_, pipeline_arn_, {"aws:x"}).error().code(),
            ErrorCode::kInvalidTags);
  ASSERT_TRUE(tagging_.Tag(scope_, pipeline_arn_, ManyTags(49)).ok());
  auto over = tagging_.Tag(scope_, pipeline_arn_, {{"one", "v"}, {"two", "v"}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kTooManyTags);
  EXPECT_EQ(repository_.Tags(scope_, "p")->size(), 50U);
}

TEST_F(TaggingServiceTest, UnknownResourcesAreNotFound) {
  for (const char* arn : {"arn:aws:codepipeline:us-east-1:123456789012:missing",
                          "arn:aws:codepipeline:us-east-1:123456789012:webhook:missing",
                          "arn:aws:codepipeline:us-east-1:999999999999:p",
                          "arn:aws:codepipeline:eu-west-1:123456789012:p",
                          "arn:aws-cn:codepipeline:us-east-1:123456789012:p",
                          "arn:aws:codepipeline:us-east-1:123456789012:actiontype:Custom/Build/X/1"}) {
    EXPECT_EQ(tagging_.List(scope_, arn, std::nullopt, std::nullopt).error().code(),
              ErrorCode::kResourceNotFound)
        << arn;
    EXPECT_EQ(tagging_.Tag(scope_, arn, {{"k", "v"}}).error().code(), ErrorCode::kResourceNotFound)
        << arn;
    EXPECT_EQ(tagging_.Untag(scope_, arn, {"k"}).error().code(), ErrorCode::kResourceNotFound)
        << arn;
  }
  EXPECT_EQ(tagging_.List(scope_, "arn:aws:codepipeline:us-east-1:123456789012:missing",
                          std::nullopt, std::nullopt)
                .error()
                .message(),
            "The account with id '123456789012' does not include a pipeline with the name "
            "'missing'");
  EXPECT_EQ(tagging_.Tag(scope_, "arn:aws:codepipeline:us-east-1:123456789012:a/b", {})
                .error()
                .code(),
            ErrorCode::kInvalidArn);
}

TEST_F(TaggingServiceTest, TagsWebhooks) {
  WebhookDefinition definition;
  definition.name = "hook";
  definition.target_pipeline = "p";
  definition.target_action = "Source";
  ASSERT_TRUE(webhooks_.Put(scope_, definition, {{"w", "1"}}).ok());
  const std::string arn = WebhookArn(scope_, "hook");
  EXPECT_EQ(ListAll(arn), (std::vector<Tag>{{"w", "1"}}));
  ASSERT_TRUE(tagging_.Tag(scope_, arn, {{"x", "2"}}).ok());
  ASSERT_TRUE(tagging_.Untag(scope_, arn, {"w"}).ok());
  EXPECT_EQ(webhooks_.Find(scope_, "hook")->tags, (std::vector<Tag>{{"x", "2"}}));
  webhooks_.Delete(scope_, "hook");
  EXPECT_EQ(tagging_.List(scope_, arn, std::nullopt, std::nullopt).error().code(),
            ErrorCode::kResourceNotFound);
}

TEST_F(TaggingServiceTest, DeletingAPipelineDropsItsTags) {
  ASSERT_TRUE(tagging_.Tag(scope_, pipeline_arn_, {{"x", "1"}}).ok());
  ASSERT_TRUE(repository_.Remove(scope_, "p"));
  EXPECT_EQ(tagging_.List(scope_, pipeline_arn_, std::nullopt, std::nullopt).error().code(),
            ErrorCode::kResourceNotFound);
  ASSERT_TRUE(CreatePipeline("p", {}).ok());
  EXPECT_TRUE(ListAll(pipeline_arn_).empty());
}

// A kind registered later (as custom action types will be) is reached by its ARN.
class FakeActionTypes final : public TaggableResources {
 public:
  std::optional<std::vector<Tag>> Tags(const Scope&, std::string_view id) const override {
    if (id != "Custom/Build/Tool/1") return std::nullopt;
    return tags;
  }
  bool EditTags(const Scope&, std::string_view id, const TagEdit& edit) override {
    if (id != "Custom/Build/Tool/1") return false;
    static_cast<void>(edit(tags));
    return true;
  }
  std::vector<Tag> tags;
};

TEST_F(TaggingServiceTest, ANewKindIsOneRegistration) {
  FakeActionTypes action_types;
  tagging_.Register(ResourceKind::kActionType, action_types);
  const std::string arn = "arn:aws:codepipeline:us-east-1:123456789012:actiontype:Custom/Build/Tool/1";
  ASSERT_TRUE(tagging_.Tag(scope_, arn, {{"k", "v"}}).ok());
  EXPECT_EQ(action_types.tags, (std::vector<Tag>{{"k", "v"}}));
  EXPECT_EQ(tagging_.Tag(scope_, arn + "0", {{"k", "v"}}).error().code(),
            ErrorCode::kResourceNotFound);
}

}  // namespace
}  // namespace sluice::domain
