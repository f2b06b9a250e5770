#include "sluice/common/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

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

TEST(SeededIdsTest, TheSameSeedGivesTheSameIdsAndAnotherSeedOthers) {
  const auto draw = [](std::optional<std::uint64_t> seed) {
    SeedIds(seed);
    std::vector<std::string> ids;
    for (int i = 0; i < 100; ++i) ids.push_back(RandomUuid());
    return ids;
  };
  const auto first = draw(7);
  const auto again = draw(7);
  const auto other = draw(8);
  const auto random = draw(std::nullopt);  // back to random for the tests after
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  EXPECT_NE(first, random);
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()).size(), first.size());
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (const auto& id : first) EXPECT_TRUE(std::regex_match(id, v4)) << id;
}

TEST(SeededIdsTest, UnitDrawsStayInTheUnitInterval) {
  SeedIds(3);
  for (int i = 0; i < 1000; ++i) {
    const double unit = DrawUnit();
    ASSERT_GE(unit, 0.0);
    ASSERT_LT(unit, 1.0);
  }
  SeedIds(std::nullopt);
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
