// Time as the runtime sees it: steady time that tests can stop and move by
// hand, and waiting that a fake clock can end, so no unit test needs to sleep.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

namespace mb::base {

using Duration = std::chrono::steady_clock::duration;
using TimePoint = std::chrono::steady_clock::time_point;
// Calendar time, for what other machines read (Lease renewTime, Event
// timestamps); never for measuring intervals, which use TimePoint.
using WallTime = std::chrono::system_clock::time_point;

// `from + d`, clamped to the largest time point instead of overflowing, so
// "wait forever" can be spelled as a huge duration.
TimePoint addSaturating(TimePoint from, Duration d);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // The calendar time that goes with now(). A FakeClock moves both together.
  virtual WallTime wallNow() const = 0;

  // Blocks on `cv` (whose mutex `lock` holds) until it is notified or this
  // clock reaches `deadline`. Like a condition wait it may return early and
  // may release and retake the lock, so callers re-check their condition in a
  // loop. TimePoint::max() waits without a deadline.
  virtual void waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, TimePoint deadline) = 0;

  // The loop every caller of the above writes: waits until `done()` (checked
  // under `lock`) or `deadline`, and returns done(). Whoever makes done()
  // true must notify `cv` while holding, or after taking, the lock.
  template <class Done>
  bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, TimePoint deadline, Done done) {
    while (!done()) {
      if (now() >= deadline) return false;
      waitUntil(lock, cv, deadline);
    }
    return true;
  }

  // Blocks until this clock reaches `deadline`.
  virtual void sleepUntil(TimePoint deadline);
  void sleepFor(Duration d) { sleepUntil(addSaturating(now(), d)); }
};

class RealClock final : public Clock {
 public:
  // RealClock has no state; one shared instance serves everybody.
  static RealClock& instance();

  using Clock::waitUntil;
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
  void waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, TimePoint deadline) override;
  void sleepUntil(TimePoint deadline) override;
};

// A clock that moves only when told. advance() wakes every waiter whose
// deadline has come by notifying under the waiter's own mutex, so a wake-up
// can never slip in between a waiter's check and its wait.
class FakeClock final : public Clock {
 public:
  // Starts well after the epoch so that `now() - someDuration` stays valid.
  // The wall clock reads `wallStart` at `start` and moves with it.
  static constexpr WallTime kDefaultWallStart{std::chrono::seconds(1'767'225'600)};  // 2026-01-01T00:00:00Z
  explicit FakeClock(TimePoint start = TimePoint{} + std::chrono::hours(24), WallTime wallStart = kDefaultWallStart);

  using Clock::waitUntil;
  TimePoint now() const override { return TimePoint(Duration(now_.load(std::memory_order_acquire))); }
  WallTime wallNow() const override;
  void waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, TimePoint deadline) override;

  void advance(Duration d);
  void setTime(TimePoint t);

  // Callers currently blocked in waitUntil/sleepUntil on this clock.
  size_t numWaitersForTest() const;
  // Blocks (in real time) until at least `n` callers wait on this clock: lets
  // a test advance time only once the thread it means to wake is asleep.
  void awaitWaitersForTest(size_t n) const;
  // Blocks (in real time) until some caller waits on this clock for exactly
  // `deadline`: lets a test see that a component is parked on the wait it
  // expects (and so has not run past it) without sleeping.
  void awaitWaiterUntilForTest(TimePoint deadline) const;
  // The earliest deadline of those callers (TimePoint::max() when none):
  // what a component asked to wait for, e.g. a backoff's length.
  TimePoint nextDeadlineForTest() const;

 private:
  struct Waiter {
    std::mutex* mutex;
    std::condition_variable* cv;
    TimePoint deadline;
    int pins = 0;  // guarded by mu_; advance() is using this record
  };

  // Lock order: a waiter's mutex, then mu_. advance() never holds mu_ while
  // it takes a waiter's mutex; it pins the records instead, and a waiter
  // leaves only once no advance() pins it.
  // now() is read under other components' locks, so it is atomic.
  std::atomic<Duration::rep> now_;
  const TimePoint start_;
  const WallTime wallStart_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;  // waiters_ or pins changed
  std::vector<Waiter*> waiters_;             // guarded by mu_

  // Pins the waiters due at `t`; mu_ held.
  std::vector<Waiter*> pinDue(TimePoint t);
  // Notifies them under their own mutexes, then unpins them.
  void wake(const std::vector<Waiter*>& due);
};

}  // namespace mb::base
