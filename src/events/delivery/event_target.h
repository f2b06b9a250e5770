// EventTarget: delivers sluice's events to one outside target, on a thread
// of its own, in the order they were offered. What a send is (one POST per
// event, a PutEvents batch) is the BatchSender the concrete target gives it;
// the queue, the order, the retries and the counts are here.
//
// Offer() never blocks the publishing thread: a full queue drops the event
// and counts it. A failed send is retried with exponential backoff, up to
// RetryPolicy::max_attempts sends per event; then the event is dropped and
// counted and the next one goes, so a dead target costs memory up to the
// queue's capacity and nothing else. Stop() (and the destructor) wakes the
// thread at once and joins it; a send still in flight after
// TargetOptions::stop_grace is left to finish on its own, holding only
// state it shares with no one.
//
// Thread-safe: Offer() and Stats() from any thread, Stop() from any thread,
// any number of times.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "events/event.h"
#include "sluice/common/mutex.h"

namespace sluice::events::delivery {

struct RetryPolicy {
  // The wait after a failed send; it doubles after each further failure, up
  // to max_backoff.
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // Sends of one event, the first included; when the last fails the event
  // is dropped. Less than 1 counts as 1.
  int max_attempts = 8;
};

// The wait after the `failures`-th failed send of the same events (1 for
// the first): first_backoff, doubling, capped at max_backoff.
std::chrono::milliseconds BackoffAfter(int failures, const RetryPolicy& retry);

struct TargetOptions {
  std::size_t queue_capacity = 10'000;  // events waiting to be sent; at least 1
  RetryPolicy retry;
  // Bounds one request to the target (connect, write and read).
  std::chrono::milliseconds send_timeout{5000};
  // How long Stop() waits for a send in flight before leaving it behind.
  std::chrono::milliseconds stop_grace{1000};
};

// A snapshot of what a target has done, for /_sluice/health.
struct TargetStats {
  std::string target;                  // "http://host:port/path", "eventbridge <url> bus <name>"
  std::uint64_t delivered = 0;
  std::uint64_t dropped_queue_full = 0;  // offered while the queue was full
  std::uint64_t dropped_gave_up = 0;     // failed max_attempts sends
  std::uint64_t retries = 0;             // events sent again after a failed send
  std::size_t queued = 0;                // waiting; the batch being sent is not counted
  std::string last_error;                // why the latest failed send failed; empty until one does
};

// What one send of a batch did.
struct SendOutcome {
  // The batch's events that still need sending, in the batch's order; empty
  // when all were delivered.
  std::vector<EventPtr> failed;
  std::string error;  // why they failed
};

// Sends a batch of one or more events; runs on the target's thread only.
using BatchSender = std::function<SendOutcome(const std::vector<EventPtr>& batch)>;

// Which queued events a send may carry together: consecutive ones, up to
// max_events, and (with one_region) only events of the first one's region.
struct Batching {
  std::size_t max_events = 1;  // less than 1 counts as 1
  bool one_region = false;
};

class EventTarget {
 public:
  // `description` names the target in stats and logs. A batch `send`s
  // returns the events that failed; it may throw, which fails the batch.
  EventTarget(std::string description, BatchSender send, Batching batching,
              TargetOptions options);
  // Stops: events still queued are abandoned.
  virtual ~EventTarget();

  EventTarget(const EventTarget&) = delete;
  EventTarget& operator=(const EventTarget&) = delete;

  // Queues `event` to be sent; drops and counts it if the queue is full.
  // Never blocks on the target. Ignored after Stop().
  void Offer(EventPtr event);

  // Ends delivery: wakes the thread (from a backoff too) and joins it, or
  // leaves it behind after stop_grace if a send is still in flight.
  void Stop();

  TargetStats Stats() const;

 private:
  class Worker;

  // Shared with the thread, so that a thread left behind by Stop() still
  // has what it touches when this object is gone.
  const std::shared_ptr<Worker> worker_;
  const std::chrono::milliseconds stop_grace_;
  Mutex stop_mutex_;
  std::thread thread_ GUARDED_BY(stop_mutex_);
};

}  // namespace sluice::events::delivery
