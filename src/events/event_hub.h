// EventHub: where the engine's changes become events, and where readers and
// delivery targets find them.
//
// It is the engine's change sink (domain/engine/change_sink.h): each change
// that AWS reports is rendered once (event_renderer.h), numbered, kept in a
// bounded ring (the latest `capacity` events) and offered to every outlet (a
// delivery target's queue). Readers page through the ring by sequence number
// (Read) and wait for what comes next (Watch) without holding anything while
// they wait: a slow or stalled reader costs the engine nothing.
//
// Sequence numbers start at 1 and are never reused in one server's life: a
// reset forgets the events, not the numbering. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "events/event.h"
#include "sluice/common/mutex.h"
#include "sluice/domain/engine/change_sink.h"
#include "sluice/domain/pipeline/pipeline.h"

namespace sluice::events {

// Which events a reader wants; an unset member matches every event.
struct EventFilter {
  std::optional<std::string> pipeline;
  std::optional<std::string> detail_type;
  std::optional<std::string> execution_id;
  std::optional<std::string> state;

  bool Matches(const Event& event) const;
};

// One page of events after a sequence number.
struct EventPage {
  std::vector<EventPtr> events;  // matching, in sequence order
  // Where the next read starts: the last event looked at (matching or not);
  // when there was nothing newer, the `after` asked for, or the last event
  // no longer held if that is later.
  std::uint64_t next_after = 0;
  // The first sequence still held (the next one to come when none is): a
  // reader whose `after` is below oldest_available - 1 has missed events.
  std::uint64_t oldest_available = 1;
};

// The events section of the state document, read and checked, not applied.
struct StagedEvents {
  std::uint64_t next_sequence = 1;
  std::deque<EventPtr> held;
};

class EventHub final : public domain::ChangeSink {
 public:
  explicit EventHub(std::size_t capacity);

  void ExecutionChanged(const domain::ExecutionChange& change) override;
  void StageChanged(const domain::StageChange& change) override;
  void ActionChanged(const domain::ActionChange& change) override;

  // Adds an outlet: called with each new event, in order, on the publishing
  // thread; it must not block. Add outlets before the engine runs.
  void AddOutlet(std::function<void(const EventPtr&)> outlet);

  // Up to `limit` matching events numbered after `after`.
  EventPage Read(std::uint64_t after, const EventFilter& filter, std::size_t limit) const;

  // Calls `wake` once, on the publishing thread (or at once, here, if one is
  // already held), when an event numbered after `after` is held. Returns an
  // id for Unwatch. `wake` must not block.
  std::uint64_t Watch(std::uint64_t after, std::function<void()> wake);
  // Forgets a watch that has not fired; a fired one is gone already.
  void Unwatch(std::uint64_t id);

  // Forgets the held events of the matching scopes (a reset); numbering goes on.
  std::size_t RemoveAll(const domain::ScopeFilter& filter);

  // The state document's "events" section.
  nlohmann::json DumpState() const;
  // Throws std::invalid_argument (naming the member) for a section that does
  // not fit; changes nothing.
  StagedEvents ParseState(const nlohmann::json& section) const;
  void CommitState(StagedEvents staged);

  // For /_sluice/health: what was published and what is held.
  nlohmann::json Health() const;

 private:
  template <typename Change>
  void Publish(const Change& change);

  const std::size_t capacity_;
  mutable Mutex mutex_;
  std::deque<EventPtr> held_ GUARDED_BY(mutex_);  // in sequence order
  std::uint64_t next_sequence_ GUARDED_BY(mutex_) = 1;
  std::uint64_t published_ GUARDED_BY(mutex_) = 0;
  // Each waits for an event after a number below the next one: any new
  // event wakes them all.
  std::map<std::uint64_t, std::function<void()>> watchers_ GUARDED_BY(mutex_);
  std::uint64_t next_watch_ GUARDED_BY(mutex_) = 1;
  std::vector<std::function<void(const EventPtr&)>> outlets_;  // set before publishing
};

// An event from its EventBridge JSON (the state document keeps them so);
// throws std::invalid_argument when a member is missing or mistyped.
EventPtr EventFromJson(std::uint64_t sequence, const nlohmann::json& whole);

}  // namespace sluice::events
