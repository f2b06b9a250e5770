#include "events/delivery/put_events.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "events/delivery_support.h"

namespace sluice::events::delivery {
namespace {

using nlohmann::json;
using testing::MakeEvent;

TEST(PutEventsBodyTest, CarriesOneEntryPerEventInOrder) {
  auto without_resource = std::make_shared<Event>(*MakeEvent(2, "eu-west-1"));
  without_resource->resource.clear();
  const json body = json::parse(PutEventsBody({MakeEvent(1), without_resource}, "ci-bus"));

  ASSERT_EQ(body.size(), 1u);
  const json& entries = body.at("Entries");
  ASSERT_EQ(entries.size(), 2u);
  const json& first = entries[0];
  EXPECT_EQ(first.size(), 6u);
  EXPECT_EQ(first.at("Source"), "aws.codepipeline");
  EXPECT_EQ(first.at("DetailType"), "CodePipeline Pipeline Execution State Change");
  // Detail is the detail's JSON text, a string, as PutEvents wants it.
  EXPECT_EQ(first.at("Detail"), MakeEvent(1)->detail);
  EXPECT_EQ(first.at("Resources"),
            json::array({"arn:aws:codepipeline:us-east-1:123456789012:demo"}));
  // Epoch seconds, a number: AWS JSON 1.1's timestamp.
  ASSERT_TRUE(first.at("Time").is_number_integer());
  EXPECT_EQ(first.at("Time").get<std::int64_t>(), 1'700'000'001);
  EXPECT_EQ(first.at("EventBusName"), "ci-bus");
  EXPECT_EQ(entries[1].at("Detail"), MakeEvent(2)->detail);
  EXPECT_EQ(entries[1].at("Resources"), json::array());
}

TEST(PutEventsBodyTest, InvalidUtf8DoesNotThrow) {
  auto event = std::make_shared<Event>(*MakeEvent(1));
  event->detail = "{\"pipeline\":\"bad \xff byte\"}";
  EXPECT_TRUE(json::parse(PutEventsBody({event}, "default")).is_object());
}

TEST(ReadPutEventsAnswerTest, SaysWhichEntriesFailed) {
  struct Case {
    const char* name;
    const char* body;
    std::size_t entries;
    std::optional<std::vector<std::size_t>> failed;  // nullopt: unreadable
    const char* error;
  };
  const Case cases[] = {
      {"all delivered", R"({"FailedEntryCount":0,"Entries":[{"EventId":"a"},{"EventId":"b"}]})", 2,
       std::vector<std::size_t>{}, ""},
      {"one refused",
       R"({"FailedEntryCount":1,"Entries":[{"EventId":"a"},)"
       R"({"ErrorCode":"InternalFailure","ErrorMessage":"try again"}]})",
       2, std::vector<std::size_t>{1}, "1 of 2 entries refused, first: InternalFailure: try again"},
      {"two refused, first named",
       R"({"FailedEntryCount":2,"Entries":[{"ErrorCode":"ThrottlingException"},)"
       R"({"EventId":"b"},{"ErrorCode":"InternalFailure","ErrorMessage":"m"}]})",
       3, std::vector<std::size_t>{0, 2}, "2 of 3 entries refused, first: ThrottlingException"},
      {"null error code is no error",
       R"({"FailedEntryCount":0,"Entries":[{"EventId":"a","ErrorCode":null}]})", 1,
       std::vector<std::size_t>{}, ""},
      {"entries trusted over the count",
       R"({"FailedEntryCount":0,"Entries":[{"ErrorCode":"X"},{"EventId":"b"}]})", 2,
       std::vector<std::size_t>{0}, "1 of 2 entries refused, first: X"},
      {"no list and nothing failed", R"({"FailedEntryCount":0})", 4, std::vector<std::size_t>{},
       ""},
      {"failures but no list", R"({"FailedEntryCount":1})", 1, std::nullopt, ""},
      {"list of the wrong length", R"({"FailedEntryCount":1,"Entries":[{"ErrorCode":"X"}]})", 2,
       std::nullopt, ""},
      {"count without a marked entry",
       R"({"FailedEntryCount":1,"Entries":[{"EventId":"a"}]})", 1, std::nullopt, ""},
      {"count not a number", R"({"FailedEntryCount":"1","Entries":[{"EventId":"a"}]})", 1,
       std::nullopt, ""},
      {"entry not an object", R"({"FailedEntryCount":0,"Entries":["a"]})", 1, std::nullopt, ""},
      {"not an object", "[]", 1, std::nullopt, ""},
      {"not JSON", "<html>bad gateway</html>", 1, std::nullopt, ""},
      {"empty", "", 1, std::nullopt, ""},
  };
  for (const Case& c : cases) {
    const auto answer = ReadPutEventsAnswer(c.body, c.entries);
    ASSERT_EQ(answer.has_value(), c.failed.has_value()) << c.name;
    if (!answer) continue;
    EXPECT_EQ(answer->failed, *c.failed) << c.name;
    EXPECT_EQ(answer->error, c.error) << c.name;
  }
}

}  // namespace
}  // namespace sluice::events::delivery
