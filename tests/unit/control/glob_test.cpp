#include "control/glob.h"

#include <gtest/gtest.h>

namespace sluice::control {
namespace {

TEST(GlobTest, MatchesAsATestWouldExpect) {
  struct Case {
    const char* pattern;
    const char* text;
    bool matches;
  };
  const Case cases[] = {
      {"Build", "Build", true},          {"Build", "build", false},
      {"Build", "Builder", false},       {"*", "", true},
      {"*", "anything", true},           {"Build*", "BuildAndTest", true},
      {"*Deploy", "ProdDeploy", true},   {"*Deploy", "DeployProd", false},
      {"B?ild", "Build", true},          {"B?ild", "Bild", false},
      {"Start*Execution", "StartPipelineExecution", true},
      {"Start*Execution", "StopPipelineExecution", false},
      {"*a*b*c*", "xxaxxbxxcxx", true},  {"*a*b*c*", "xxcxxbxxaxx", false},
      {"", "", true},                    {"", "x", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.text), c.matches) << c.pattern << " ~ " << c.text;
  }
}

TEST(GlobTest, ManyStarsDoNotBlowUp) {
  const std::string text(10'000, 'a');
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*b", text));
  EXPECT_TRUE(GlobMatch("*a*a*a*a*a*a*a*a*", text));
}

}  // namespace
}  // namespace sluice::control
