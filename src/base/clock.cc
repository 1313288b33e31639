// RealClock over std::chrono::steady_clock, and the FakeClock's bookkeeping of
// who is waiting for which deadline.
#include "base/clock.h"

#include <algorithm>
#include <thread>

namespace mb::base {

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

FakeClock::FakeClock(TimePoint start, WallTime wallStart)
    : now_(start.time_since_epoch().count()), start_(start), wallStart_(wallStart) {}

WallTime FakeClock::wallNow() const {
  return wallStart_ + std::chrono::duration_cast<WallTime::duration>(now() - start_);
}

void FakeClock::waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, TimePoint deadline) {
  Waiter self{lock.mutex(), &cv, deadline};
  {
    std::lock_guard guard(mu_);
    // Checked under mu_, which advance() holds while it moves time: either
    // the new time is seen here, or advance() sees this waiter.
    if (now() >= deadline) return;
    waiters_.push_back(&self);
    changed_.notify_all();
  }
  // The caller's lock was held from its own check until here, so neither its
  // notifications nor advance()'s (which takes that lock) can be missed.
  cv.wait(lock);
  // Leave without the caller's lock: a pinning advance() needs it to finish.
  lock.unlock();
  {
    std::unique_lock guard(mu_);
    std::erase(waiters_, &self);
    changed_.notify_all();
    changed_.wait(guard, [&] { return self.pins == 0; });
  }
  lock.lock();
}

void FakeClock::advance(Duration d) {
  std::vector<Waiter*> due;
  {
    std::lock_guard guard(mu_);
    TimePoint t = addSaturating(now(), d);
    now_.store(t.time_since_epoch().count(), std::memory_order_release);
    due = pinDue(t);
  }
  wake(due);
}

void FakeClock::setTime(TimePoint t) {
  std::vector<Waiter*> due;
  {
    std::lock_guard guard(mu_);
    now_.store(t.time_since_epoch().count(), std::memory_order_release);
    due = pinDue(t);
  }
  wake(due);
}

std::vector<FakeClock::Waiter*> FakeClock::pinDue(TimePoint t) {
  std::vector<Waiter*> due;
  for (Waiter* w : waiters_) {
    if (w->deadline > t) continue;
    ++w->pins;
    due.push_back(w);
  }
  return due;
}

void FakeClock::wake(const std::vector<Waiter*>& due) {
  for (Waiter* w : due) {
    std::lock_guard waiterGuard(*w->mutex);
    w->cv->notify_all();
  }
  std::lock_guard guard(mu_);
  for (Waiter* w : due) --w->pins;
  changed_.notify_all();
}

size_t FakeClock::numWaitersForTest() const {
  std::lock_guard guard(mu_);
  return waiters_.size();
}

void FakeClock::awaitWaitersForTest(size_t n) const {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return waiters_.size() >= n; });
}

void FakeClock::awaitWaiterUntilForTest(TimePoint deadline) const {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] {
    return std::any_of(waiters_.begin(), waiters_.end(), [&](const Waiter* w) { return w->deadline == deadline; });
  });
}

TimePoint FakeClock::nextDeadlineForTest() const {
  std::lock_guard guard(mu_);
  TimePoint next = TimePoint::max();
  for (const Waiter* w : waiters_) next = std::min(next, w->deadline);
  return next;
}

}  // namespace mb::base
