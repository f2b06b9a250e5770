// ISO-8601 UTC timestamps ("2026-01-02T03:04:05Z", optionally with
// milliseconds), for what people type and read: --clock-start and the
// clock control. The AWS wire itself speaks epoch seconds.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sluice/common/clock.h"

namespace sluice {

// "YYYY-MM-DDTHH:MM:SS[.fff]Z" (or "+00:00" for the Z); nullopt otherwise.
std::optional<Clock::TimePoint> ParseIso8601(std::string_view text);
// "YYYY-MM-DDTHH:MM:SS.fffZ".
std::string FormatIso8601(Clock::TimePoint when);

}  // namespace sluice
