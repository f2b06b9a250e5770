// Helpers for the delivery tests: events to offer, a log of what a fake
// sender or transport was asked to send, a gate that holds a send until the
// test opens it, and polling for what a target's thread does. Thread-safe,
// as the targets' threads call into them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events/delivery/event_target.h"
#include "events/delivery/http_post.h"
#include "events/event.h"

namespace sluice::events::delivery::testing {

// Event number `sequence`, with enough filled in to be told apart.
inline EventPtr MakeEvent(std::uint64_t sequence, std::string region = "us-east-1") {
  auto event = std::make_shared<Event>();
  event->sequence = sequence;
  event->id = "event-" + std::to_string(sequence);
  event->detail_type = "CodePipeline Pipeline Execution State Change";
  event->source = "aws.codepipeline";
  event->account = "123456789012";
  event->region = std::move(region);
  event->time = "2023-11-14T22:13:20Z";
  event->epoch_seconds = 1'700'000'000 + static_cast<std::int64_t>(sequence);
  event->pipeline = "demo";
  event->resource = "arn:aws:codepipeline:" + event->region + ":123456789012:demo";
  event->execution_id = "exec-1";
  event->detail = R"({"pipeline":"demo","sequence":)" + std::to_string(sequence) + "}";
  event->json = R"({"id":")" + event->id + R"(","detail":)" + event->detail + "}";
  return event;
}

// Polls `done` until it holds or `limit` passes; whether it held.
inline bool WaitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Holds whoever calls Wait() until Open().
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    opened_.wait(lock, [this] { return open_; });
  }
  // How many calls have reached Wait(), open or not.
  int arrived() {
    std::lock_guard lock(mutex_);
    return waiting_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
  int waiting_ = 0;
};

// The sequence numbers of each batch a sender was given, in call order.
class SendLog {
 public:
  void Record(const std::vector<EventPtr>& batch) {
    std::vector<std::uint64_t> sequences;
    for (const EventPtr& event : batch) sequences.push_back(event->sequence);
    std::lock_guard lock(mutex_);
    batches_.push_back(std::move(sequences));
  }
  std::vector<std::vector<std::uint64_t>> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  std::size_t calls() {
    std::lock_guard lock(mutex_);
    return batches_.size();
  }

 private:
  std::mutex mutex_;
  std::vector<std::vector<std::uint64_t>> batches_;
};

// A transport that keeps each request and answers with `answer` (200 and
// an empty body when it has none).
class RecordingTransport {
 public:
  using Answer = std::function<PostResult(const PostRequest&, std::size_t call)>;

  explicit RecordingTransport(Answer answer = {}) : answer_(std::move(answer)) {}

  // For a target to call; shares this recorder.
  static HttpTransport Into(std::shared_ptr<RecordingTransport> recorder) {
    return [recorder = std::move(recorder)](const PostRequest& request) {
      return recorder->Send(request);
    };
  }

  std::vector<PostRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  PostResult Send(const PostRequest& request) {
    std::size_t call = 0;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      call = requests_.size();
    }
    if (answer_) return answer_(request, call);
    PostResult ok;
    ok.status = 200;
    return ok;
  }

  const Answer answer_;
  std::mutex mutex_;
  std::vector<PostRequest> requests_;
};

// An answer from the far end, or (with status 0) the failure to get one.
inline PostResult Answered(int status, std::string body = "") {
  PostResult result;
  result.status = status;
  result.body = std::move(body);
  if (status == 0) result.error = "connecting to target: Connection refused";
  return result;
}

// The value of header `name` (exact spelling), or "<absent>".
inline std::string HeaderOf(const PostRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

// Retries fast enough for tests.
inline TargetOptions QuickOptions(int max_attempts = 8) {
  TargetOptions options;
  options.retry.first_backoff = std::chrono::milliseconds(1);
  options.retry.max_backoff = std::chrono::milliseconds(2);
  options.retry.max_attempts = max_attempts;
  return options;
}

}  // namespace sluice::events::delivery::testing
