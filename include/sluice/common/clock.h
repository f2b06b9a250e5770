// Clock: the single source of time, a port so that tests can use FakeClock and
// step time without sleeping. Implementations are thread-safe.
#pragma once

#include <atomic>
#include <chrono>

namespace sluice {

class Clock {
 public:
  using Duration = std::chrono::milliseconds;
  // Wall-clock time since the Unix epoch: what AWS timestamps report.
  using TimePoint = std::chrono::time_point<std::chrono::system_clock, Duration>;

  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

// A clock that moves only when told to: the unit tests' and --clock manual's.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint(Duration(1'700'000'000'000)))
      : now_ms_(start.time_since_epoch().count()) {}

  TimePoint Now() const override { return TimePoint(Duration(now_ms_.load())); }
  void Advance(Duration d) { now_ms_ += d.count(); }
  // Moves to `when`, back too: a loaded state document brings its own time.
  void Reset(TimePoint when) { now_ms_ = when.time_since_epoch().count(); }
  // Moves to `when`; never back, as time does not go back.
  void Set(TimePoint when) {
    auto current = now_ms_.load();
    const auto target = when.time_since_epoch().count();
    while (target > current && !now_ms_.compare_exchange_weak(current, target)) {
    }
  }

 private:
  std::atomic<Duration::rep> now_ms_;
};

// AWS JSON 1.1 timestamps: epoch seconds as a number, with milliseconds.
inline double ToEpochSeconds(Clock::TimePoint t) {
  return static_cast<double>(t.time_since_epoch().count()) / 1000.0;
}

}  // namespace sluice
