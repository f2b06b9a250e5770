#include "sluice/common/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace sluice {
namespace {

TEST(RandomUuidTest, IsCanonicalVersion4) {
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 1000; ++i) {
    const std::string id = RandomUuid();
    ASSERT_TRUE(std::regex_match(id, v4)) << id;
  }
}

TEST(RandomUuidTest, DoesNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(seen.insert(RandomUuid()).second);
}

}  // namespace
}  // namespace sluice
