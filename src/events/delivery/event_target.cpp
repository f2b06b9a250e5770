#include "events/delivery/event_target.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <utility>

#include "sluice/common/logging.h"

namespace sluice::events::delivery {

std::chrono::milliseconds BackoffAfter(int failures, const RetryPolicy& retry) {
  // Doubling from first_backoff; compared before it is doubled, so that a
  // long run of failures cannot overflow it.
  std::chrono::milliseconds backoff = retry.first_backoff;
  for (int i = 1; i < failures && backoff < retry.max_backoff; ++i) backoff *= 2;
  return std::min(backoff, retry.max_backoff);
}

// The queue, the counts and the delivery loop. Owned jointly by the
// EventTarget and its thread (see EventTarget::worker_).
class EventTarget::Worker {
 public:
  Worker(std::string description, BatchSender send, Batching batching, TargetOptions options)
      : description_(std::move(description)),
        send_(std::move(send)),
        batching_(batching),
        capacity_(std::max<std::size_t>(options.queue_capacity, 1)),
        retry_(options.retry) {}

  void Offer(EventPtr event) EXCLUDES(mutex_) {
    bool was_empty = false;
    bool first_drop = false;
    {
      MutexLock lock(mutex_);
      if (stopping_) return;
      if (queue_.size() >= capacity_) {
        ++dropped_queue_full_;
        first_drop = !overflowing_;
        overflowing_ = true;
      } else {
        was_empty = queue_.empty();
        queue_.push_back(std::move(event));
      }
    }
    // The thread waits for events only when it has none; while it sends, a
    // wake-up would cost the publishing thread a system call for nothing.
    if (was_empty) wake_.notify_one();
    if (first_drop) {
      Logger(kEventsLogger)
          ->warn("{}: queue full ({} events), dropping events until it drains", description_,
                 capacity_);
    }
  }

  // The delivery loop, on the target's thread.
  void Run() EXCLUDES(mutex_) {
    for (auto batch = NextBatch(); !batch.empty(); batch = NextBatch()) Deliver(std::move(batch));
    {
      MutexLock lock(mutex_);
      finished_ = true;
    }
    finished_wake_.notify_all();
  }

  void RequestStop() EXCLUDES(mutex_) {
    {
      MutexLock lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
  }

  // Whether Run() returned within `grace`.
  bool WaitFinished(std::chrono::milliseconds grace) EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    return finished_wake_.wait_for(lock, grace, [this]() REQUIRES(mutex_) { return finished_; });
  }

  TargetStats Stats() const EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    TargetStats stats;
    stats.target = description_;
    stats.delivered = delivered_;
    stats.dropped_queue_full = dropped_queue_full_;
    stats.dropped_gave_up = dropped_gave_up_;
    stats.retries = retries_;
    stats.queued = queue_.size();
    stats.last_error = last_error_;
    return stats;
  }

  const std::string& description() const { return description_; }

 private:
  // Waits for events and takes the next batch from the front of the queue;
  // empty when stopping.
  std::vector<EventPtr> NextBatch() EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    wake_.wait(lock, [this]() REQUIRES(mutex_) { return stopping_ || !queue_.empty(); });
    std::vector<EventPtr> batch;
    if (stopping_) return batch;
    do {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    } while (!queue_.empty() && batch.size() < batching_.max_events &&
             (!batching_.one_region || queue_.front()->region == batch.front()->region));
    overflowing_ = false;
    return batch;
  }

  // Sends `batch` until every event is delivered or has had its attempts.
  // Failed events are resent before anything queued after them, which keeps
  // the order.
  void Deliver(std::vector<EventPtr> batch) EXCLUDES(mutex_) {
    const int max_attempts = std::max(retry_.max_attempts, 1);
    for (int attempt = 1;; ++attempt) {
      SendOutcome outcome = SendOnce(batch);
      if (outcome.failed.size() > batch.size()) outcome.failed.resize(batch.size());
      const std::size_t failed = outcome.failed.size();
      const bool give_up = failed > 0 && attempt >= max_attempts;
      bool stopping = false;
      {
        MutexLock lock(mutex_);
        delivered_ += batch.size() - failed;
        if (failed > 0) last_error_ = outcome.error.empty() ? "send failed" : outcome.error;
        if (give_up) dropped_gave_up_ += failed;
        stopping = stopping_;
      }
      if (failed == 0) return;
      // Once stopping, the process may be exiting: stay quiet.
      if (stopping) return;
      if (give_up) {
        Logger(kEventsLogger)
            ->warn("{}: dropped {} event(s) after {} failed attempts; last error: {}",
                   description_, failed, attempt, outcome.error);
        return;
      }
      const std::chrono::milliseconds backoff = BackoffAfter(attempt, retry_);
      Logger(kEventsLogger)
          ->debug("{}: attempt {} failed for {} event(s), retrying in {} ms: {}", description_,
                  attempt, failed, backoff.count(), outcome.error);
      if (!PauseUnlessStopped(backoff)) return;
      {
        MutexLock lock(mutex_);
        retries_ += failed;
      }
      batch = std::move(outcome.failed);
    }
  }

  // A sender that throws fails its whole batch; the thread lives on.
  SendOutcome SendOnce(const std::vector<EventPtr>& batch) {
    try {
      return send_(batch);
    } catch (const std::exception& e) {
      return {batch, std::string("send failed: ") + e.what()};
    } catch (...) {
      return {batch, "send failed: unknown exception"};
    }
  }

  // Sleeps for `pause` unless Stop() comes first; false when it did.
  bool PauseUnlessStopped(std::chrono::milliseconds pause) EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    return !wake_.wait_for(lock, pause, [this]() REQUIRES(mutex_) { return stopping_; });
  }

  const std::string description_;
  const BatchSender send_;
  const Batching batching_;
  const std::size_t capacity_;
  const RetryPolicy retry_;

  mutable Mutex mutex_;
  // Wakes the thread: events arrived, or stop. condition_variable_any, as
  // MutexLock is not a std::unique_lock.
  std::condition_variable_any wake_;
  // Wakes Stop(): the thread is done.
  std::condition_variable_any finished_wake_;
  std::deque<EventPtr> queue_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  bool finished_ GUARDED_BY(mutex_) = false;
  // Set by the first drop of a full queue, so that each overflow is logged
  // once, not once per dropped event.
  bool overflowing_ GUARDED_BY(mutex_) = false;
  std::uint64_t delivered_ GUARDED_BY(mutex_) = 0;
  std::uint64_t dropped_queue_full_ GUARDED_BY(mutex_) = 0;
  std::uint64_t dropped_gave_up_ GUARDED_BY(mutex_) = 0;
  std::uint64_t retries_ GUARDED_BY(mutex_) = 0;
  std::string last_error_ GUARDED_BY(mutex_);
};

EventTarget::EventTarget(std::string description, BatchSender send, Batching batching,
                         TargetOptions options)
    : worker_(std::make_shared<Worker>(std::move(description), std::move(send), batching,
                                       options)),
      stop_grace_(options.stop_grace) {
  MutexLock lock(stop_mutex_);
  thread_ = std::thread([worker = worker_] { worker->Run(); });
}

EventTarget::~EventTarget() { Stop(); }

void EventTarget::Offer(EventPtr event) {
  if (event) worker_->Offer(std::move(event));
}

void EventTarget::Stop() {
  MutexLock lock(stop_mutex_);
  if (!thread_.joinable()) return;
  worker_->RequestStop();
  if (worker_->WaitFinished(stop_grace_)) {
    thread_.join();
    return;
  }
  // A send outlived its own timeout (name resolution is not bounded, nor is
  // an injected transport). The thread owns a share of the worker, so it
  // may finish after this object is gone.
  Logger(kEventsLogger)
      ->warn("{}: a send is still in flight after {} ms; not waiting for it",
             worker_->description(), stop_grace_.count());
  thread_.detach();
}

TargetStats EventTarget::Stats() const { return worker_->Stats(); }

}  // namespace sluice::events::delivery
