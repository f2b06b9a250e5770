// OperationTable: registration by model operation name (unknown names
// refused), validation of the input before any handler runs, and
// NotImplementedException for operations without a handler.
#include "sluice/api/operation_table.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace sluice::api {
namespace {

using nlohmann::json;

class OperationTableTest : public ::testing::Test {
 protected:
  Result<std::string> Invoke(std::string_view operation, const json& input) {
    const model::Operation* op = model::FindOperation(operation);
    EXPECT_NE(op, nullptr);
    return table_.Invoke(context_, *op, input);
  }

  // A handler that counts its calls and echoes who called and with what.
  OperationHandler Echo() {
    return [this](const CallContext& context, const json& input) -> Result<std::string> {
      ++calls_;
      return json{{"account", context.account_id}, {"region", context.region}, {"input", input}}
          .dump();
    };
  }

  OperationTable table_;
  CallContext context_{"req-9", "111122223333", "eu-west-1", "AKIDEXAMPLE", ""};
  int calls_ = 0;
};

TEST_F(OperationTableTest, UnknownOperationNamesAreRefused) {
  EXPECT_EQ(model::FindOperation("LaunchRocket"), nullptr);
  EXPECT_THROW(table_.Register("LaunchRocket", Echo()), std::logic_error);
  EXPECT_THROW(table_.Register("getpipeline", Echo()), std::logic_error);  // names are exact
  EXPECT_FALSE(table_.IsImplemented("LaunchRocket"));
}

TEST_F(OperationTableTest, UnregisteredOperationsAnswerNotImplemented) {
  EXPECT_FALSE(table_.IsImplemented("GetPipeline"));
  auto result = Invoke("GetPipeline", {{"name", "p"}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kNotImplemented);
  EXPECT_EQ(result.error().message(),
            "sluice does not implement the CodePipeline operation GetPipeline yet");
}

TEST_F(OperationTableTest, RegisteredHandlersGetTheContextAndInput) {
  table_.Register("GetPipeline", Echo());
  EXPECT_TRUE(table_.IsImplemented("GetPipeline"));
  EXPECT_FALSE(table_.IsImplemented("ListPipelines"));
  auto result = Invoke("GetPipeline", {{"name", "p"}, {"version", 2}});
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(json::parse(*result), (json{{"account", "111122223333"},
                                        {"region", "eu-west-1"},
                                        {"input", {{"name", "p"}, {"version", 2}}}}));
  EXPECT_EQ(calls_, 1);
}

TEST_F(OperationTableTest, RegisteringAgainReplacesTheHandler) {
  table_.Register("DeletePipeline", Echo());
  table_.Register("DeletePipeline",
                  [](const CallContext&, const json&) -> Result<std::string> { return std::string("{}"); });
  auto result = Invoke("DeletePipeline", {{"name", "p"}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, "{}");
  EXPECT_EQ(calls_, 0);
}

TEST_F(OperationTableTest, InvalidInputNeverReachesTheHandler) {
  table_.Register("GetPipeline", Echo());
  struct Case {
    json input;
    ErrorCode code;
  };
  const Case cases[] = {
      {json::object(), ErrorCode::kValidation},                    // name missing
      {{{"name", ""}}, ErrorCode::kValidation},                    // too short
      {{{"name", "p"}, {"version", 0}}, ErrorCode::kValidation},   // below the minimum
      {{{"name", 7}}, ErrorCode::kSerialization},                  // wrong JSON type
  };
  for (const Case& c : cases) {
    auto result = Invoke("GetPipeline", c.input);
    ASSERT_FALSE(result.ok()) << c.input.dump();
    EXPECT_EQ(result.error().code(), c.code) << c.input.dump();
  }
  EXPECT_EQ(calls_, 0);
  // Validation comes first even without a handler.
  EXPECT_EQ(Invoke("ListPipelines", {{"maxResults", 0}}).error().code(), ErrorCode::kValidation);
}

TEST_F(OperationTableTest, HandlerErrorsPassThrough) {
  table_.Register("GetPipeline", [](const CallContext&, const json&) -> Result<std::string> {
    return ServiceError(ErrorCode::kPipelineNotFound, "none here");
  });
  auto result = Invoke("GetPipeline", {{"name", "p"}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kPipelineNotFound);
  EXPECT_EQ(result.error().message(), "none here");
}

}  // namespace
}  // namespace sluice::api
