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

TEST(ClockTest, AWaiterIsFoundByItsDeadline) {
  FakeClock clock;
  TimePoint near = clock.now() + seconds(1);
  TimePoint far = clock.now() + seconds(30);
  std::thread first([&] { clock.sleepUntil(near); });
  std::thread second([&] { clock.sleepUntil(far); });
  clock.awaitWaiterUntilForTest(far);
  clock.awaitWaiterUntilForTest(near);
  clock.advance(seconds(29));
  first.join();
  // The far sleeper was not woken by the move short of its deadline.
  clock.awaitWaiterUntilForTest(far);
  EXPECT_EQ(clock.numWaitersForTest(), 1u);
  clock.advance(seconds(1));
  second.join();
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

TEST(ClockTest, FakeWallClockMovesWithSteadyTime) {
  FakeClock clock;
  EXPECT_EQ(clock.wallNow(), FakeClock::kDefaultWallStart);
  clock.advance(milliseconds(1500));
  EXPECT_EQ(clock.wallNow() - FakeClock::kDefaultWallStart, milliseconds(1500));
  FakeClock other(TimePoint{} + seconds(5), WallTime{} + seconds(7));
  other.setTime(TimePoint{} + seconds(6));
  EXPECT_EQ(other.wallNow(), WallTime{} + seconds(8));
}

TEST(ClockTest, WaitUntilDoneReturnsWhenDoneWithoutTimeMoving) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool result = false;
  std::thread waiter([&] {
    std::unique_lock lock(mu);
    result = clock.waitUntil(lock, cv, clock.now() + seconds(10), [&] { return done; });
  });
  clock.awaitWaitersForTest(1);
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  waiter.join();
  EXPECT_TRUE(result);
}

TEST(ClockTest, WaitUntilDoneGivesUpAtTheDeadline) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  bool result = true;
  TimePoint deadline = clock.now() + seconds(3);
  std::thread waiter([&] {
    std::unique_lock lock(mu);
    result = clock.waitUntil(lock, cv, deadline, [] { return false; });
  });
  clock.awaitWaitersForTest(1);
  EXPECT_EQ(clock.nextDeadlineForTest(), deadline);
  clock.advance(seconds(3));
  waiter.join();
  EXPECT_FALSE(result);
  EXPECT_EQ(clock.nextDeadlineForTest(), TimePoint::max());
}

TEST(ClockTest, NextDeadlineIsTheEarliestWaiter) {
  FakeClock clock;
  TimePoint start = clock.now();
  std::thread late([&] { clock.sleepUntil(start + seconds(9)); });
  std::thread early([&] { clock.sleepUntil(start + seconds(2)); });
  clock.awaitWaitersForTest(2);
  EXPECT_EQ(clock.nextDeadlineForTest(), start + seconds(2));
  clock.advance(seconds(9));
  late.join();
  early.join();
}

TEST(ClockTest, RealClockWallTimeIsSystemTime) {
  WallTime before = std::chrono::system_clock::now();
  WallTime wall = RealClock::instance().wallNow();
  EXPECT_LE(before, wall);
  EXPECT_LE(wall, std::chrono::system_clock::now());
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
