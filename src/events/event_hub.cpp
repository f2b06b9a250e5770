#include "events/event_hub.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "events/event_renderer.h"
#include "sluice/common/iso8601.h"

namespace sluice::events {

bool EventFilter::Matches(const Event& event) const {
  return (!pipeline || *pipeline == event.pipeline) &&
         (!detail_type || *detail_type == event.detail_type) &&
         (!execution_id || *execution_id == event.execution_id) &&
         (!state || *state == event.state);
}

EventHub::EventHub(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

void EventHub::ExecutionChanged(const domain::ExecutionChange& change) { Publish(change); }
void EventHub::StageChanged(const domain::StageChange& change) { Publish(change); }
void EventHub::ActionChanged(const domain::ActionChange& change) { Publish(change); }

void EventHub::AddOutlet(std::function<void(const EventPtr&)> outlet) {
  outlets_.push_back(std::move(outlet));
}

template <typename Change>
void EventHub::Publish(const Change& change) {
  EventPtr event;
  std::vector<std::function<void()>> woken;
  {
    MutexLock lock(mutex_);
    auto rendered = RenderEvent(change, next_sequence_);
    if (!rendered) return;
    ++next_sequence_;
    ++published_;
    event = std::make_shared<const Event>(std::move(*rendered));
    held_.push_back(event);
    if (held_.size() > capacity_) held_.pop_front();
    for (auto& [id, wake] : watchers_) woken.push_back(std::move(wake));
    watchers_.clear();
  }
  // Outside the lock: a reader woken here may read at once.
  for (auto& wake : woken) wake();
  for (const auto& outlet : outlets_) outlet(event);
}

EventPage EventHub::Read(std::uint64_t after, const EventFilter& filter, std::size_t limit) const {
  // Events looked at per read, matching or not: a filter that matches
  // nothing in a large ring must not hold the lock the publisher takes.
  constexpr std::size_t kMaxScanned = 100'000;
  MutexLock lock(mutex_);
  EventPage page;
  // A number this server never gave (a reader of an earlier run of it)
  // reads from the start: this server's events are all new to it.
  if (after >= next_sequence_) after = 0;
  page.oldest_available = held_.empty() ? next_sequence_ : held_.front()->sequence;
  // What is gone is skipped (the reader sees so in oldest_available).
  page.next_after = std::max(after, page.oldest_available - 1);
  if (held_.empty() || held_.back()->sequence <= after) return page;
  // Held in increasing order, not always consecutive (a scoped reset takes
  // some out): search.
  const auto first = std::upper_bound(
      held_.begin(), held_.end(), after,
      [](std::uint64_t number, const EventPtr& event) { return number < event->sequence; });
  std::size_t scanned = 0;
  for (auto it = first; it != held_.end() && page.events.size() < limit && scanned < kMaxScanned;
       ++it, ++scanned) {
    page.next_after = (*it)->sequence;
    if (filter.Matches(**it)) page.events.push_back(*it);
  }
  return page;
}

std::uint64_t EventHub::Watch(std::uint64_t after, std::function<void()> wake) {
  {
    MutexLock lock(mutex_);
    if (held_.empty() || held_.back()->sequence <= after) {
      const std::uint64_t id = next_watch_++;
      watchers_.emplace(id, std::move(wake));
      return id;
    }
  }
  wake();  // already there
  return 0;
}

void EventHub::Unwatch(std::uint64_t id) {
  MutexLock lock(mutex_);
  watchers_.erase(id);
}

std::size_t EventHub::RemoveAll(const domain::ScopeFilter& filter) {
  MutexLock lock(mutex_);
  const auto before = held_.size();
  std::erase_if(held_, [&](const EventPtr& event) {
    return filter.Matches(domain::Scope{event->account, event->region});
  });
  return before - held_.size();
}

nlohmann::json EventHub::DumpState() const {
  MutexLock lock(mutex_);
  nlohmann::json held = nlohmann::json::array();
  for (const EventPtr& event : held_) {
    held.push_back({{"sequence", event->sequence}, {"event", nlohmann::json::parse(event->json)}});
  }
  return {{"nextSequence", next_sequence_}, {"held", std::move(held)}};
}

StagedEvents EventHub::ParseState(const nlohmann::json& section) const {
  if (!section.is_object()) throw std::invalid_argument("events: is not an object");
  StagedEvents staged;
  const auto next = section.find("nextSequence");
  if (next == section.end() || !next->is_number_unsigned() || next->get<std::uint64_t>() == 0) {
    throw std::invalid_argument("events.nextSequence: is not a positive integer");
  }
  staged.next_sequence = next->get<std::uint64_t>();
  const auto held = section.find("held");
  if (held == section.end() || !held->is_array()) {
    throw std::invalid_argument("events.held: is not an array");
  }
  for (std::size_t i = 0; i < held->size(); ++i) {
    const std::string where = "events.held[" + std::to_string(i) + "]";
    const nlohmann::json& entry = (*held)[i];
    if (!entry.is_object() || !entry.contains("sequence") || !entry["sequence"].is_number_unsigned()) {
      throw std::invalid_argument(where + ".sequence: is not a sequence number");
    }
    const auto sequence = entry["sequence"].get<std::uint64_t>();
    // Increasing, and below the next number.
    if ((!staged.held.empty() && sequence <= staged.held.back()->sequence) ||
        sequence >= staged.next_sequence) {
      throw std::invalid_argument(where + ".sequence: " + std::to_string(sequence) +
                                  " is not above the one before it, or not below nextSequence");
    }
    try {
      staged.held.push_back(EventFromJson(sequence, entry.at("event")));
    } catch (const std::exception& error) {
      throw std::invalid_argument(where + ".event: " + error.what());
    }
  }
  while (staged.held.size() > capacity_) staged.held.pop_front();
  return staged;
}

void EventHub::CommitState(StagedEvents staged) {
  std::vector<std::function<void()>> woken;
  {
    MutexLock lock(mutex_);
    // Numbers are never reused within a server's life, so that a reader's
    // `after` never comes to name a different event: loaded events whose
    // numbers this server has given out already move up past them.
    const std::uint64_t lowest =
        staged.held.empty() ? staged.next_sequence : staged.held.front()->sequence;
    const std::uint64_t shift = lowest < next_sequence_ ? next_sequence_ - lowest : 0;
    next_sequence_ = std::max(next_sequence_, staged.next_sequence + shift);
    held_.clear();
    for (EventPtr& event : staged.held) {
      if (shift == 0) {
        held_.push_back(std::move(event));
      } else {
        auto moved = std::make_shared<Event>(*event);
        moved->sequence += shift;
        held_.push_back(std::move(moved));
      }
    }
    // Readers waiting for what comes next look again.
    for (auto& [id, wake] : watchers_) woken.push_back(std::move(wake));
    watchers_.clear();
  }
  for (auto& wake : woken) wake();
}

nlohmann::json EventHub::Health() const {
  MutexLock lock(mutex_);
  return {{"published", published_},
          {"held", held_.size()},
          {"capacity", capacity_},
          {"nextSequence", next_sequence_},
          {"oldestAvailable", held_.empty() ? next_sequence_ : held_.front()->sequence}};
}

EventPtr EventFromJson(std::uint64_t sequence, const nlohmann::json& whole) {
  const auto text = [&](const nlohmann::json& object, const char* key) -> std::string {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) {
      throw std::invalid_argument(std::string(key) + ": is not a string");
    }
    return it->get<std::string>();
  };
  if (!whole.is_object()) throw std::invalid_argument("is not an object");
  auto event = std::make_shared<Event>();
  event->sequence = sequence;
  event->id = text(whole, "id");
  event->detail_type = text(whole, "detail-type");
  event->source = text(whole, "source");
  event->account = text(whole, "account");
  event->region = text(whole, "region");
  event->time = text(whole, "time");
  const auto when = ParseIso8601(event->time);
  if (!when) throw std::invalid_argument("time: is not an ISO-8601 time");
  event->epoch_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(when->time_since_epoch()).count();
  const auto resources = whole.find("resources");
  if (resources == whole.end() || !resources->is_array() || resources->size() != 1 ||
      !(*resources)[0].is_string()) {
    throw std::invalid_argument("resources: is not one ARN");
  }
  event->resource = (*resources)[0].get<std::string>();
  const auto detail = whole.find("detail");
  if (detail == whole.end() || !detail->is_object()) {
    throw std::invalid_argument("detail: is not an object");
  }
  event->pipeline = text(*detail, "pipeline");
  event->execution_id = text(*detail, "execution-id");
  event->state = text(*detail, "state");
  event->detail = detail->dump();
  event->json = whole.dump();
  return event;
}

}  // namespace sluice::events
