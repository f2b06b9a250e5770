#include "events/delivery/put_events.h"

#include <nlohmann/json.hpp>

namespace sluice::events::delivery {

using nlohmann::json;

std::string PutEventsBody(const std::vector<EventPtr>& batch, std::string_view bus_name) {
  json entries = json::array();
  for (const EventPtr& event : batch) {
    json resources = json::array();
    if (!event->resource.empty()) resources.push_back(event->resource);
    entries.push_back({{"Source", event->source},
                       {"DetailType", event->detail_type},
                       {"Detail", event->detail},
                       {"Resources", std::move(resources)},
                       {"Time", event->epoch_seconds},
                       {"EventBusName", bus_name}});
  }
  // Replace invalid UTF-8 rather than throw: a detail is built by sluice
  // from names a client chose.
  return json{{"Entries", std::move(entries)}}.dump(-1, ' ', false,
                                                    json::error_handler_t::replace);
}

std::optional<PutEventsAnswer> ReadPutEventsAnswer(std::string_view body, std::size_t entries) {
  const json answer = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object()) return std::nullopt;
  const auto count = answer.find("FailedEntryCount");
  if (count != answer.end() && !count->is_number_unsigned()) return std::nullopt;
  const std::size_t failed_count = count == answer.end() ? 0 : count->get<std::size_t>();

  PutEventsAnswer result;
  const auto list = answer.find("Entries");
  const bool listed = list != answer.end() && list->is_array() && list->size() == entries;
  if (!listed) {
    // Nothing failed: which entry got which id is not needed.
    if (failed_count == 0) return result;
    return std::nullopt;
  }
  std::string first_error;
  for (std::size_t i = 0; i < entries; ++i) {
    const json& entry = (*list)[i];
    if (!entry.is_object()) return std::nullopt;
    const auto code = entry.find("ErrorCode");
    if (code == entry.end() || code->is_null()) continue;
    result.failed.push_back(i);
    if (first_error.empty()) {
      first_error = code->is_string() ? code->get<std::string>() : code->dump();
      const auto message = entry.find("ErrorMessage");
      if (message != entry.end() && message->is_string()) {
        first_error += ": " + message->get<std::string>();
      }
    }
  }
  // A count of failures with no entry marked failed leaves no way to tell
  // which to resend: the whole batch goes again.
  if (failed_count > 0 && result.failed.empty()) return std::nullopt;
  if (!result.failed.empty()) {
    result.error = std::to_string(result.failed.size()) + " of " + std::to_string(entries) +
                   " entries refused, first: " + first_error;
  }
  return result;
}

}  // namespace sluice::events::delivery
