// FakeClock: time moves only when told, and moving it wakes due waiters.
#include "base/clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace mb::base {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock;
  TimePoint start = clock.now();
  EXPECT_EQ(clock.now(), start);
  clock.advance(milliseconds(5));
  EXPECT_EQ(clock.now() - start, milliseconds(5));
  clock.setTime(start + seconds(1));
  EXPECT_EQ(clock.now() - start, seconds(1));
}

TEST(ClockTest, AdvanceWakesSleeperOnlyAtItsDeadline) {
  FakeClock clock;
  TimePoint deadline = clock.now() + seconds(10);
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.sleepUntil(deadline);
    woke = true;
  });
  clock.awaitWaitersForTest(1);
  clock.advance(seconds(9));
  // Still registered: the sleeper was not released early.
  EXPECT_EQ(clock.numWaitersForTest(), 1u);
  EXPECT_FALSE(woke);
  clock.advance(seconds(1));
  sleeper.join();
  EXPECT_TRUE(woke);
  EXPECT_EQ(clock.numWaitersForTest(), 0u);
}

TEST(ClockTest, PastDeadlineDoesNotBlock) {
  FakeClock clock;
  clock.sleepUntil(clock.now());
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  clock.waitUntil(lock, cv, clock.now() - seconds(1));
  EXPECT_TRUE(lock.owns_lock());
}

TEST(ClockTest, AddSaturatingClamps) {
  TimePoint t = TimePoint{} + seconds(1);
  EXPECT_EQ(addSaturating(t, Duration::max()), TimePoint::max());
  EXPECT_EQ(addSaturating(t, seconds(1)), TimePoint{} + seconds(2));
}

TEST(ClockTest, RealClockTimedWaitReturns) {
  RealClock& clock = RealClock::instance();
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  TimePoint deadline = clock.now() + milliseconds(1);
  while (clock.now() < deadline) clock.waitUntil(lock, cv, deadline);
  EXPECT_GE(clock.now(), deadline);
}

}  // namespace
}  // namespace mb::base
