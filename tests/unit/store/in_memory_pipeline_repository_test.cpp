#include "sluice/store/in_memory_pipeline_repository.h"

#include <gtest/gtest.h>

#include "support/pipelines.h"

#include <thread>
#include <vector>

namespace sluice::store {
namespace {

using domain::NewPipeline;
using domain::Scope;

NewPipeline Pipeline(const std::string& name) {
  NewPipeline pipeline;
  pipeline.summary.name = name;
  pipeline.declaration = R"({"name":")" + name + R"(","version":1})";
  return pipeline;
}

TEST(InMemoryPipelineRepositoryTest, ScopesAreIsolated) {
  InMemoryPipelineRepository repository;
  const Scope a{"111111111111", "us-east-1"};
  const Scope b{"222222222222", "us-east-1"};
  const Scope c{"111111111111", "eu-west-1"};
  ASSERT_TRUE(repository.Insert(a, Pipeline("p"), 10).ok());
  EXPECT_TRUE(repository.Find(a, "p", std::nullopt).ok());
  EXPECT_FALSE(repository.Find(b, "p", std::nullopt).ok());
  EXPECT_FALSE(repository.Find(c, "p", std::nullopt).ok());
  EXPECT_TRUE(repository.Insert(b, Pipeline("p"), 10).ok());
}

TEST(InMemoryPipelineRepositoryTest, ListsInNameOrderAfterACursor) {
  InMemoryPipelineRepository repository;
  const Scope scope{"111111111111", "us-east-1"};
  for (const char* name : {"delta", "alpha", "charlie", "bravo"}) {
    ASSERT_TRUE(repository.Insert(scope, Pipeline(name), 10).ok());
  }
  auto all = repository.ListAfter(scope, "", 10);
  ASSERT_EQ(all.size(), 4U);
  EXPECT_EQ(all[0].name, "alpha");
  EXPECT_EQ(all[3].name, "delta");
  auto after = repository.ListAfter(scope, "bravo", 1);
  ASSERT_EQ(after.size(), 1U);
  EXPECT_EQ(after[0].name, "charlie");
  EXPECT_TRUE(repository.ListAfter({"999999999999", "us-east-1"}, "", 10).empty());
}

TEST(InMemoryPipelineRepositoryTest, ConcurrentUpdatesNumberVersionsWithoutGaps) {
  InMemoryPipelineRepository repository;
  const Scope scope{"111111111111", "us-east-1"};
  ASSERT_TRUE(repository.Insert(scope, Pipeline("p"), 10).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) {
        auto result = repository.AddVersion(
            scope, "p", domain::PipelineType::kV2, domain::ExecutionMode::kSuperseded, {},
            [](int version) { return std::to_string(version); });
        ASSERT_TRUE(result.ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto latest = repository.Find(scope, "p", std::nullopt);
  EXPECT_EQ(latest->summary.version, 1001);
  for (int version = 2; version <= 1001; ++version) {
    ASSERT_EQ(repository.Find(scope, "p", version)->declaration, std::to_string(version));
  }
}

TEST(InMemoryPipelineRepositoryTest, LatestViewIsParsedOncePerVersion) {
  InMemoryPipelineRepository repository;
  const Scope scope{"111111111111", "us-east-1"};
  nlohmann::json declaration = sluice::testing::TwoStagePipeline("p");
  declaration["version"] = 1;
  NewPipeline pipeline = Pipeline("p");
  pipeline.declaration = declaration.dump();
  ASSERT_TRUE(repository.Insert(scope, pipeline, 10).ok());
  const auto first = repository.LatestView(scope, "p");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)->name, "p");
  EXPECT_EQ((*first)->version, 1);
  EXPECT_EQ((*first)->stages.size(), 2U);
  EXPECT_EQ(repository.LatestView(scope, "p").value(), *first);  // the same shared view

  ASSERT_TRUE(repository
                  .AddVersion(scope, "p", domain::PipelineType::kV2,
                              domain::ExecutionMode::kQueued, {},
                              [&declaration](int version) {
                                declaration["version"] = version;
                                return declaration.dump();
                              })
                  .ok());
  const auto second = repository.LatestView(scope, "p");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->version, 2);
  EXPECT_EQ((*first)->version, 1);  // still whole for whoever holds it
  EXPECT_EQ(repository.LatestView(scope, "nope").error().code(), ErrorCode::kPipelineNotFound);
}

TEST(InMemoryPipelineRepositoryTest, RemoveReportsWhetherSomethingWentAway) {
  InMemoryPipelineRepository repository;
  const Scope scope{"111111111111", "us-east-1"};
  ASSERT_TRUE(repository.Insert(scope, Pipeline("p"), 10).ok());
  EXPECT_TRUE(repository.Remove(scope, "p"));
  EXPECT_FALSE(repository.Remove(scope, "p"));
  EXPECT_FALSE(repository.Tags(scope, "p").has_value());
}

TEST(InMemoryPipelineRepositoryTest, TagsLiveWithTheirPipeline) {
  InMemoryPipelineRepository repository;
  const Scope scope{"111111111111", "us-east-1"};
  NewPipeline pipeline = Pipeline("p");
  pipeline.tags = {{"team", "a"}};
  ASSERT_TRUE(repository.Insert(scope, std::move(pipeline), 10).ok());
  EXPECT_EQ(repository.Tags(scope, "p"), (std::vector<domain::Tag>{{"team", "a"}}));

  const bool found = repository.EditTags(scope, "p", [](std::vector<domain::Tag>& tags) {
    tags.push_back({"env", "dev"});
    return Status(Ok{});
  });
  EXPECT_TRUE(found);
  EXPECT_EQ(repository.Tags(scope, "p"),
            (std::vector<domain::Tag>{{"team", "a"}, {"env", "dev"}}));
  // Versions do not touch tags.
  ASSERT_TRUE(repository
                  .AddVersion(scope, "p", domain::PipelineType::kV2,
                              domain::ExecutionMode::kSuperseded, {},
                              [](int) { return std::string("{}"); })
                  .ok());
  EXPECT_EQ(repository.Tags(scope, "p")->size(), 2U);

  bool ran = false;
  EXPECT_FALSE(repository.EditTags(scope, "missing", [&ran](std::vector<domain::Tag>&) {
    ran = true;
    return Status(Ok{});
  }));
  EXPECT_FALSE(repository.EditTags({"222222222222", "us-east-1"}, "p",
                                   [&ran](std::vector<domain::Tag>&) {
                                     ran = true;
                                     return Status(Ok{});
                                   }));
  EXPECT_FALSE(ran);

  // A new pipeline of a deleted one's name starts without its tags.
  ASSERT_TRUE(repository.Remove(scope, "p"));
  ASSERT_TRUE(repository.Insert(scope, Pipeline("p"), 10).ok());
  EXPECT_EQ(repository.Tags(scope, "p"), std::vector<domain::Tag>{});
}

TEST(InMemoryPipelineRepositoryTest, ConcurrentTagEditsAllLand) {
  InMemoryPipelineRepository repository;
  const Scope scope{"111111111111", "us-east-1"};
  ASSERT_TRUE(repository.Insert(scope, Pipeline("p"), 10).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&repository, &scope, t] {
      for (int i = 0; i < 10; ++i) {
        repository.EditTags(scope, "p", [t, i](std::vector<domain::Tag>& tags) {
          tags.push_back({std::to_string(t) + "-" + std::to_string(i), "v"});
          return Status(Ok{});
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(repository.Tags(scope, "p")->size(), 40U);
}

}  // namespace
}  // namespace sluice::store
