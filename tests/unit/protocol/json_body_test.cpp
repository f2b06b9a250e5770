// Request-body decoding: what reaches the operations, and what is a
// SerializationException before they run.
#include "protocol/json_body.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::protocol {
namespace {

TEST(JsonBodyTest, AnEmptyBodyIsAnEmptyRequest) {
  const auto parsed = ParseJsonBody("");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, nlohmann::json::object());
}

TEST(JsonBodyTest, AcceptsNestingUpToTheLimit) {
  const std::string nested = "{\"a\":" + std::string(kMaxJsonDepth - 1, '[') +
                             std::string(kMaxJsonDepth - 1, ']') + "}";
  EXPECT_TRUE(ParseJsonBody(nested).ok());
}

TEST(JsonBodyTest, BracketsInsideStringsDoNotCount) {
  const std::string body = "{\"a\":\"" + std::string(200, '[') + "\"}";
  EXPECT_TRUE(ParseJsonBody(body).ok());
}

class JsonBodyRejectTest : public ::testing::TestWithParam<std::string> {};

TEST_P(JsonBodyRejectTest, IsASerializationException) {
  const auto parsed = ParseJsonBody(GetParam());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), ErrorCode::kSerialization);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, JsonBodyRejectTest,
    ::testing::Values("{\"name\": ", "{not json}", "[]", "\"name\"", "5", "null",
                      "{\"a\":" + std::string(kMaxJsonDepth, '[') +
                          std::string(kMaxJsonDepth, ']') + "}",
                      "{\"a\":\"\xff\"}"),
    [](const auto& param_info) { return "Case" + std::to_string(param_info.index); });

}  // namespace
}  // namespace sluice::protocol
