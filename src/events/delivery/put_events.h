// PutEvents on the wire (AWS JSON 1.1; EventBridge API reference,
// "PutEvents"): the request body that carries a batch of sluice's events,
// and what the answer says about each entry. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"

namespace sluice::events::delivery {

// EventBridge takes at most ten entries per call.
inline constexpr std::size_t kPutEventsMaxEntries = 10;

// {"Entries":[{"Source","DetailType","Detail","Resources","Time",
// "EventBusName"}, …]}, one entry per event in order. Time is epoch seconds,
// as AWS JSON 1.1 writes timestamps; Detail is the detail's JSON text.
std::string PutEventsBody(const std::vector<EventPtr>& batch, std::string_view bus_name);

struct PutEventsAnswer {
  // The entries EventBridge refused, by position in the request, ascending.
  std::vector<std::size_t> failed;
  std::string error;  // "2 of 10 entries refused, first: ErrorCode: ErrorMessage"
};

// Reads a 200 answer to a request of `entries` entries: {"FailedEntryCount":
// N,"Entries":[{"EventId"} or {"ErrorCode","ErrorMessage"}, …]}, the
// entries in request order. nullopt when the answer does not say which
// entries failed (not JSON, or failures without a matching Entries list).
std::optional<PutEventsAnswer> ReadPutEventsAnswer(std::string_view body, std::size_t entries);

}  // namespace sluice::events::delivery
