// The validator's behaviour beyond the generated table: types, maps, scalar
// lists, null members and unknown members.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sluice/api/model.h"
#include "sluice/api/validator.h"

namespace sluice::api {
namespace {

using nlohmann::json;

Status Validate(std::string_view operation, const json& input) {
  return ValidateAgainstModel(model::FindOperation(operation)->input, input);
}

json MinimalPipeline() {
  return json::parse(R"({"name": "p", "roleArn": "arn:aws:iam::123456789012:role/r",
    "artifactStore": {"type": "S3", "location": "bucket"},
    "stages": [{"name": "S", "actions": [{"name": "A", "actionTypeId":
      {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}}]}]})");
}

TEST(ValidatorTest, WrongJsonTypeIsSerializationError) {
  const Status status = Validate("GetPipeline", {{"name", 5}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kSerialization);
  EXPECT_NE(status.error().message().find("'name'"), std::string::npos);
}

TEST(ValidatorTest, NonIntegralNumberForIntegerIsSerializationError) {
  const Status status = Validate("GetPipeline", {{"name", "p"}, {"version", 1.5}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kSerialization);
}

TEST(ValidatorTest, IntegerOutsideInt32IsSerializationError) {
  const Status status = Validate("GetPipeline", {{"name", "p"}, {"version", 4294967296LL}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kSerialization);
}

TEST(ValidatorTest, TypeErrorWinsOverConstraintErrors) {
  const Status status = Validate("ListPipelines", {{"maxResults", 0}, {"nextToken", json::array()}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kSerialization);
}

TEST(ValidatorTest, NullMemberCountsAsAbsent) {
  EXPECT_TRUE(Validate("ListPipelines", {{"nextToken", nullptr}}).ok());
  const Status status = Validate("GetPipeline", {{"name", nullptr}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(),
            "1 validation error detected: Value at 'name' failed to satisfy constraint: Member "
            "must not be null");
}

TEST(ValidatorTest, UnknownMembersAreIgnored) {
  EXPECT_TRUE(Validate("GetPipeline", {{"name", "p"}, {"somethingElse", {1, 2}}}).ok());
}

TEST(ValidatorTest, MapValuesAreReportedOnceAtTheMapWithAllConstraints) {
  json input = {{"pipeline", MinimalPipeline()}};
  auto& configuration = input["pipeline"]["stages"][0]["actions"][0]["configuration"];
  configuration = {{"S3Bucket", ""}, {"S3ObjectKey", std::string(1001, 'k')}};
  const Status status = Validate("CreatePipeline", input);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(),
            "1 validation error detected: Value at "
            "'pipeline.stages.1.member.actions.1.member.configuration' failed to satisfy "
            "constraint: Map value must satisfy constraint: [Member must have length less than "
            "or equal to 1000, Member must have length greater than or equal to 1]");
}

TEST(ValidatorTest, MapKeysAreReportedAtTheMap) {
  json input = {{"pipeline", MinimalPipeline()}};
  input["pipeline"]["stages"][0]["actions"][0]["configuration"] = {{std::string(51, 'k'), "v"}};
  const Status status = Validate("CreatePipeline", input);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("Map keys must satisfy constraint: [Member must have "
                                          "length less than or equal to 50, Member must have "
                                          "length greater than or equal to 1]"),
            std::string::npos)
      << status.error().message();
}

TEST(ValidatorTest, StructureValuedMapEntriesUseKeyAndMember) {
  json input = {{"pipeline", MinimalPipeline()}};
  input["pipeline"].erase("artifactStore");
  input["pipeline"]["artifactStores"] = {{"us-east-1", {{"type", "S3"}}}};
  const Status status = Validate("CreatePipeline", input);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(),
            "1 validation error detected: Value at "
            "'pipeline.artifactStores.us-east-1.member.location' failed to satisfy constraint: "
            "Member must not be null");
}

TEST(ValidatorTest, ScalarListElementsAreReportedAtTheList) {
  const Status status =
      Validate("UntagResource", {{"resourceArn", "arn:aws:codepipeline:us-east-1:123456789012:p"},
                                 {"tagKeys", {"ok", ""}}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(),
            "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: "
            "Member must satisfy constraint: [Member must have length less than or equal to "
            "128, Member must have length greater than or equal to 1]");
}

TEST(ValidatorTest, OperationsWithoutRequiredMembersAcceptEmptyInput) {
  EXPECT_TRUE(Validate("ListPipelines", json::object()).ok());
}

}  // namespace
}  // namespace sluice::api

namespace sluice::api {
namespace {

TEST(ValidatorLengthTest, CountsCharactersNotBytes) {
  // "é" is two bytes in UTF-8 but one character: 100 of them fit a 100 limit.
  std::string name;
  for (int i = 0; i < 100; ++i) name += "\xC3\xA9";
  const auto* op = model::FindOperation("DeletePipeline");
  const Status status = ValidateAgainstModel(op->input, {{"name", name}});
  ASSERT_FALSE(status.ok());  // the pattern refuses non-ASCII names...
  EXPECT_EQ(status.error().message().find("length"), std::string::npos)  // ...but not the length
      << status.error().message();
}

TEST(ValidatorLengthTest, CharactersBeyondTheBmpCountTwice) {
  // U+1F600 is one code point, two UTF-16 code units, as AWS counts it.
  std::string value;
  for (int i = 0; i < 501; ++i) value += "\xF0\x9F\x98\x80";
  const auto* op = model::FindOperation("StartPipelineExecution");
  const Status status = ValidateAgainstModel(
      op->input, {{"name", "p"}, {"variables", {{{"name", "v"}, {"value", value}}}}});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("less than or equal to 1000"), std::string::npos)
      << status.error().message();
}

}  // namespace
}  // namespace sluice::api
