#include "sluice/common/iso8601.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace sluice {

namespace {

// `digits` decimal digits at `pos` of `text`, or -1.
int Digits(std::string_view text, std::size_t pos, std::size_t digits) {
  if (pos + digits > text.size()) return -1;
  int value = 0;
  const auto [end, error] = std::from_chars(text.data() + pos, text.data() + pos + digits, value);
  return error == std::errc() && end == text.data() + pos + digits ? value : -1;
}

}  // namespace

std::optional<Clock::TimePoint> ParseIso8601(std::string_view text) {
  // 2026-01-02T03:04:05
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
      text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  const int hour = Digits(text, 11, 2);
  const int minute = Digits(text, 14, 2);
  const int second = Digits(text, 17, 2);
  if (year < 1970 || month < 1 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int millis = 0;
  if (text[pos] == '.') {
    millis = Digits(text, pos + 1, 3);
    if (millis < 0) return std::nullopt;
    pos += 4;
  }
  const std::string_view zone = text.substr(pos);
  if (zone != "Z" && zone != "z" && zone != "+00:00") return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  const auto at = std::chrono::sys_days(date) + std::chrono::hours(hour) +
                  std::chrono::minutes(minute) + std::chrono::seconds(second) +
                  std::chrono::milliseconds(millis);
  return std::chrono::time_point_cast<Clock::Duration>(at);
}

std::string FormatIso8601(Clock::TimePoint when) {
  const auto days = std::chrono::floor<std::chrono::days>(when);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss time{when - days};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return text;
}

}  // namespace sluice
