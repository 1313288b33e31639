// RealClock over std::chrono::steady_clock, and the FakeClock's bookkeeping of
// who is waiting for which deadline.
#include "runtime/clock.h"

#include <algorithm>
#include <thread>

namespace mb::runtime {

TimePoint addSaturating(TimePoint from, Duration d) {
  if (d > Duration::zero() && from > TimePoint::max() - d) return TimePoint::max();
  if (d < Duration::zero() && from < TimePoint::min() - d) return TimePoint::min();
  return from + d;
}

void Clock::sleepUntil(TimePoint deadline) {
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  while (now() < deadline) waitUntil(lock, cv, deadline);
}

RealClock& RealClock::instance() {
  static RealClock clock;
  return clock;
}

void RealClock::waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, TimePoint deadline) {
  // A far deadline would overflow inside the timed wait.
  if (deadline == TimePoint::max()) {
    cv.wait(lock);
  } else {
    cv.wait_until(lock, deadline);
  }
}

void RealClock::sleepUntil(TimePoint deadline) {
  if (deadline == TimePoint::max()) {
    // Nothing ends this sleep; a caller asking for it is stuck by design.
    for (;;) std::this_thread::sleep_for(std::chrono::hours(24));
  }
  std::this_thread::sleep_until(deadline);
}

FakeClock::FakeClock(TimePoint start) : now_(start.time_since_epoch().count()) {}

void FakeClock::waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, TimePoint deadline) {
  if (now() >= deadline) return;
  Waiter self{lock.mutex(), &cv, deadline, false};
  // The caller's lock is released while we take mu_: advance() takes mu_ and
  // then the caller's lock, and the opposite order here would deadlock.
  lock.unlock();
  {
    std::lock_guard guard(mu_);
    if (now() < deadline) {
      waiters_.push_back(&self);
    } else {
      self.fired = true;
    }
    waitersChanged_.notify_all();
  }
  lock.lock();
  // `fired` is set under the caller's mutex, so checking it here and waiting
  // is atomic with respect to advance(): no lost wake-up.
  if (!self.fired) cv.wait(lock);
  lock.unlock();
  {
    std::lock_guard guard(mu_);
    std::erase(waiters_, &self);
    waitersChanged_.notify_all();
  }
  lock.lock();
}

void FakeClock::advance(Duration d) {
  std::lock_guard guard(mu_);
  TimePoint t = addSaturating(now(), d);
  now_.store(t.time_since_epoch().count(), std::memory_order_release);
  wakeDue(t);
}

void FakeClock::setTime(TimePoint t) {
  std::lock_guard guard(mu_);
  now_.store(t.time_since_epoch().count(), std::memory_order_release);
  wakeDue(t);
}

void FakeClock::wakeDue(TimePoint t) {
  for (Waiter* w : waiters_) {
    if (w->deadline > t) continue;
    std::lock_guard waiterGuard(*w->mutex);
    if (w->fired) continue;
    w->fired = true;
    w->cv->notify_all();
  }
}

size_t FakeClock::numWaitersForTest() const {
  std::lock_guard guard(mu_);
  return waiters_.size();
}

void FakeClock::awaitWaitersForTest(size_t n) const {
  std::unique_lock lock(mu_);
  waitersChanged_.wait(lock, [&] { return waiters_.size() >= n; });
}

}  // namespace mb::runtime
