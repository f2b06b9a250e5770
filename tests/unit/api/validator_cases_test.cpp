// Table-driven: every row of data/validation_cases.json (generated from the
// service model by scripts/gen_model.py, with the expected error computed by
// an independent Python implementation of the same rules) through the
// C++ validator.
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sluice/api/model.h"
#include "sluice/api/validator.h"

namespace sluice::api {
namespace {

struct ValidationCase {
  std::string name;
  std::string operation;
  nlohmann::json input;
  std::string error;    // empty: valid
  std::string message;
};

std::vector<ValidationCase> LoadCases() {
  std::ifstream file(std::string(SLUICE_TEST_DATA_DIR) + "/validation_cases.json");
  const auto rows = nlohmann::json::parse(file);
  std::vector<ValidationCase> cases;
  for (const auto& row : rows) {
    cases.push_back({row["name"], row["operation"], row["input"],
                     row["error"].is_null() ? "" : row["error"].get<std::string>(),
                     row["message"].is_null() ? "" : row["message"].get<std::string>()});
  }
  return cases;
}

class ValidationCaseTest : public ::testing::TestWithParam<ValidationCase> {};

TEST_P(ValidationCaseTest, MatchesExpectedOutcome) {
  const ValidationCase& c = GetParam();
  const model::Operation* op = model::FindOperation(c.operation);
  ASSERT_NE(op, nullptr) << c.operation;
  const Status status = ValidateAgainstModel(op->input, c.input);
  if (c.error.empty()) {
    EXPECT_TRUE(status.ok()) << status.error().message();
  } else {
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), ErrorCode::kValidation);
    EXPECT_EQ(status.error().message(), c.message);
  }
}

std::string CaseName(const ::testing::TestParamInfo<ValidationCase>& info) {
  std::string name = std::to_string(info.index) + "_" + info.param.name;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Model, ValidationCaseTest, ::testing::ValuesIn(LoadCases()), CaseName);

TEST(ValidationCasesTable, CoversEveryOperation) {
  std::set<std::string> covered;
  for (const ValidationCase& c : LoadCases()) covered.insert(c.operation);
  EXPECT_EQ(covered.size(), model::Operations().size());
}

}  // namespace
}  // namespace sluice::api
