#include "control/fault_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "control/control_json.h"
#include "sluice/common/ids.h"

namespace sluice::control {
namespace {

using nlohmann::json;

TEST(FaultRulesTest, AnAfterFaultWithTimesAnswersTwiceThenLetsCallsThrough) {
  FaultRules faults;
  faults.Add({{"match", {{"operation", "StartPipelineExecution"}}},
              {"times", 2},
              {"phase", "after"},
              {"error", {{"type", "ThrottlingException"}, {"message", "Rate exceeded"}}}});
  for (int i = 0; i < 2; ++i) {
    const auto fault = faults.Draw("StartPipelineExecution", "000000000000", "us-east-1");
    ASSERT_TRUE(fault.has_value());
    EXPECT_TRUE(fault->after);
    ASSERT_TRUE(fault->error.has_value());
    EXPECT_EQ(fault->error->type, "ThrottlingException");
    EXPECT_EQ(fault->error->status, 400U);
    EXPECT_EQ(fault->error->message, "Rate exceeded");
  }
  EXPECT_FALSE(faults.Draw("StartPipelineExecution", "000000000000", "us-east-1").has_value());
}

TEST(FaultRulesTest, MatchesOperationGlobsAccountAndRegion) {
  FaultRules faults;
  faults.Add({{"match", {{"operation", "Get*"}, {"account", "111111111111"}, {"region", "eu-*"}}},
              {"error", {{"type", "ServiceUnavailableException"}}}});
  EXPECT_FALSE(faults.Draw("ListPipelines", "111111111111", "eu-west-1").has_value());
  EXPECT_FALSE(faults.Draw("GetPipeline", "222222222222", "eu-west-1").has_value());
  EXPECT_FALSE(faults.Draw("GetPipeline", "111111111111", "us-east-1").has_value());
  const auto fault = faults.Draw("GetPipelineState", "111111111111", "eu-west-1");
  ASSERT_TRUE(fault.has_value());
  EXPECT_FALSE(fault->after);
  EXPECT_EQ(fault->error->status, 503U);  // what AWS answers with it
  EXPECT_EQ(fault->error->message, "Injected by sluice");
}

TEST(FaultRulesTest, LatencyAloneIsAFault) {
  FaultRules faults;
  faults.Add({{"latencyMs", 250}});
  const auto fault = faults.Draw("ListPipelines", "000000000000", "us-east-1");
  ASSERT_TRUE(fault.has_value());
  EXPECT_FALSE(fault->error.has_value());
  EXPECT_EQ(fault->latency.count(), 250);
}

TEST(FaultRulesTest, ProbabilityIsRepeatableUnderASeed) {
  const auto pattern = [] {
    SeedIds(11);
    FaultRules faults;
    faults.Add({{"probability", 0.5}, {"error", {{"type", "InternalFailure"}}}});
    std::string hits;
    for (int i = 0; i < 64; ++i) {
      hits += faults.Draw("ListPipelines", "000000000000", "us-east-1") ? '1' : '0';
    }
    return hits;
  };
  const std::string first = pattern();
  const std::string second = pattern();
  SeedIds(std::nullopt);
  EXPECT_EQ(first, second);
  EXPECT_NE(first.find('1'), std::string::npos);
  EXPECT_NE(first.find('0'), std::string::npos);
}

TEST(FaultRulesTest, ABadFaultIsRefusedNamingItsField) {
  struct Case {
    json request;
    const char* field;
  };
  const Case cases[] = {
      {json::object(), "error"},  // does nothing
      {{{"match", {{"operation", 3}}}, {"latencyMs", 1}}, "match.operation"},
      {{{"match", {{"stage", "x"}}}, {"latencyMs", 1}}, "match.stage"},
      {{{"phase", "during"}, {"latencyMs", 1}}, "phase"},
      {{{"error", {{"status", 400}}}}, "error.type"},
      {{{"error", {{"type", "Bad Type"}}}}, "error.type"},
      {{{"error", {{"type", "X"}, {"status", 200}}}}, "error.status"},
      {{{"error", {{"type", "X"}, {"code", 1}}}}, "error.code"},
      {{{"latencyMs", 600000}}, "latencyMs"},
      {{{"latencyMs", 1}, {"probability", 2}}, "probability"},
      {{{"latencyMs", 1}, {"times", 0}}, "times"},
  };
  for (const Case& c : cases) {
    FaultRules faults;
    try {
      faults.Add(c.request);
      ADD_FAILURE() << "accepted " << c.request.dump();
    } catch (const ControlError& error) {
      EXPECT_EQ(error.field, c.field) << c.request.dump() << ": " << error.message;
    }
  }
}

}  // namespace
}  // namespace sluice::control
