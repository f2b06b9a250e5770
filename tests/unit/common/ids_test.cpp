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

TEST(UuidTest, ParsesWhatItRenders) {
  for (int i = 0; i < 1000; ++i) {
    const Uuid id = Uuid::Random();
    const auto parsed = Uuid::Parse(id.ToString());
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, id);
  }
}

TEST(UuidTest, ParsesOnlyTheCanonicalForm) {
  const std::string id = RandomUuid();
  EXPECT_TRUE(Uuid::Parse(id).has_value());
  std::string upper = "ABCDEF00-0000-4000-8000-000000000000";
  EXPECT_FALSE(Uuid::Parse(upper).has_value());  // ids compare as text: case matters
  EXPECT_FALSE(Uuid::Parse(id.substr(1)).has_value());
  EXPECT_FALSE(Uuid::Parse(id + "0").has_value());
  std::string no_dash = id;
  no_dash[8] = '0';
  EXPECT_FALSE(Uuid::Parse(no_dash).has_value());
  EXPECT_FALSE(Uuid::Parse("").has_value());
}

}  // namespace
}  // namespace sluice
