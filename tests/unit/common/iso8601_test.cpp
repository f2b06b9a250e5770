#include "sluice/common/iso8601.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

TEST(Iso8601Test, ParsesUtcTimesWithAndWithoutMilliseconds) {
  struct Case {
    std::string text;
    long long epoch_ms;
  };
  const Case cases[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"2030-01-01T00:00:00Z", 1'893'456'000'000},
      {"2030-01-01T00:00:00.250Z", 1'893'456'000'250},
      {"2024-02-29T23:59:59+00:00", 1'709'251'199'000},
  };
  for (const Case& c : cases) {
    const auto parsed = ParseIso8601(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed->time_since_epoch().count(), c.epoch_ms) << c.text;
  }
}

TEST(Iso8601Test, RefusesWhatIsNotAUtcTime) {
  for (const char* text : {"", "2030-01-01", "2030-01-01 00:00:00Z", "2030-13-01T00:00:00Z",
                           "2023-02-29T00:00:00Z", "2030-01-01T24:00:00Z", "2030-01-01T00:00:00",
                           "2030-01-01T00:00:00+01:00", "2030-01-01T00:00:00.5Z",
                           "1969-12-31T23:59:59Z", "2030-01-01T00:00:00Zjunk"}) {
    EXPECT_FALSE(ParseIso8601(text).has_value()) << text;
  }
}

TEST(Iso8601Test, FormatsWhatItParses) {
  const auto when = ParseIso8601("2030-06-15T12:34:56.789Z");
  ASSERT_TRUE(when.has_value());
  EXPECT_EQ(FormatIso8601(*when), "2030-06-15T12:34:56.789Z");
}

}  // namespace
}  // namespace sluice
