// WorkQueue semantics: dedup, one worker per key, delays on a fake clock,
// rate-limited requeues, shutdown and drain, metrics.
#include "runtime/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <thread>
#include <vector>

namespace mb::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class WorkQueueTest : public ::testing::Test {
 protected:
  WorkQueueOptions options() { return WorkQueueOptions{&clock, nullptr, &registry}; }
  base::FakeClock clock;
  base::Registry registry;
};

TEST_F(WorkQueueTest, RepeatedAddsAreProcessedOnce) {
  WorkQueue q("test", options());
  q.add("a");
  q.add("b");
  q.add("a");
  q.add("a");
  EXPECT_EQ(q.len(), 2u);
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.len(), 0u);
  q.done("a");
  q.done("b");
  EXPECT_EQ(q.len(), 0u);
}

TEST_F(WorkQueueTest, KeyReaddedWhileProcessingComesBackOnlyAfterDone) {
  WorkQueue q("test", options());
  q.add("a");
  ASSERT_EQ(q.get(), "a");
  q.add("a");
  q.add("a");
  EXPECT_EQ(q.len(), 0u);  // not handed to a second worker
  q.done("a");
  EXPECT_EQ(q.len(), 1u);
  EXPECT_EQ(q.get(), "a");
  q.done("a");
  EXPECT_EQ(q.len(), 0u);
}

TEST_F(WorkQueueTest, ShutDownUnblocksGet) {
  WorkQueue q("test", options());
  auto getter = std::async(std::launch::async, [&] { return q.get(); });
  clock.awaitWaitersForTest(1);  // the getter is asleep
  q.shutDown();
  EXPECT_EQ(getter.get(), std::nullopt);
  q.add("late");
  EXPECT_EQ(q.len(), 0u);
  EXPECT_EQ(q.get(), std::nullopt);
}

TEST_F(WorkQueueTest, AddAfterFiresOnlyAfterAdvance) {
  WorkQueue q("test", options());
  q.addAfter("a", milliseconds(10));
  EXPECT_EQ(q.len(), 0u);
  EXPECT_EQ(q.numDelayedForTest(), 1u);
  clock.advance(milliseconds(9));
  EXPECT_EQ(q.len(), 0u);
  clock.advance(milliseconds(1));
  EXPECT_EQ(q.len(), 1u);
  EXPECT_EQ(q.get(), "a");
}

TEST_F(WorkQueueTest, BlockedGetWakesWhenDelayIsDue) {
  WorkQueue q("test", options());
  q.addAfter("a", seconds(5));
  auto getter = std::async(std::launch::async, [&] { return q.get(); });
  clock.awaitWaitersForTest(1);
  clock.advance(seconds(5));
  EXPECT_EQ(getter.get(), "a");
}

TEST_F(WorkQueueTest, EarlierAddAfterWinsAndLaterIsIgnored) {
  WorkQueue q("test", options());
  q.addAfter("a", seconds(10));
  q.addAfter("a", seconds(1));
  q.addAfter("a", seconds(20));
  EXPECT_EQ(q.numDelayedForTest(), 1u);
  clock.advance(seconds(1));
  EXPECT_EQ(q.len(), 1u);
  EXPECT_EQ(q.numDelayedForTest(), 0u);
}

TEST_F(WorkQueueTest, EarlierDelayWakesGetterSleepingForLaterOne) {
  WorkQueue q("test", options());
  q.addAfter("late", seconds(100));
  auto getter = std::async(std::launch::async, [&] { return q.get(); });
  clock.awaitWaitersForTest(1);
  q.addAfter("soon", seconds(1));
  clock.advance(seconds(1));
  EXPECT_EQ(getter.get(), "soon");
}

TEST_F(WorkQueueTest, DelayedKeysAreOrderedByReadyTime) {
  WorkQueue q("test", options());
  q.addAfter("c", milliseconds(30));
  q.addAfter("a", milliseconds(10));
  q.addAfter("b", milliseconds(20));
  q.addAfter("now", base::Duration::zero());
  clock.advance(seconds(1));
  EXPECT_EQ(q.get(), "now");
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.get(), "c");
}

TEST_F(WorkQueueTest, RateLimitedAddsBackOffUntilForgotten) {
  WorkQueue q("test", options());
  q.addRateLimited("a");
  EXPECT_EQ(q.numRequeues("a"), 1);
  clock.advance(milliseconds(4));
  EXPECT_EQ(q.len(), 0u);
  clock.advance(milliseconds(1));
  ASSERT_EQ(q.get(), "a");
  q.addRateLimited("a");  // while processing: delayed, then held until done()
  q.done("a");
  clock.advance(milliseconds(9));
  EXPECT_EQ(q.len(), 0u);
  clock.advance(milliseconds(1));
  EXPECT_EQ(q.len(), 1u);
  EXPECT_EQ(q.numRequeues("a"), 2);
  q.forget("a");
  EXPECT_EQ(q.numRequeues("a"), 0);
}

TEST_F(WorkQueueTest, ShutDownDropsDelayedKeys) {
  WorkQueue q("test", options());
  q.addAfter("a", seconds(1));
  q.shutDown();
  clock.advance(seconds(2));
  EXPECT_EQ(q.len(), 0u);
  EXPECT_EQ(q.numDelayedForTest(), 0u);
}

TEST_F(WorkQueueTest, DrainWaitsForInFlightKeys) {
  WorkQueue q("test", options());
  q.add("a");
  q.add("b");
  ASSERT_EQ(q.get(), "a");
  auto drain = std::async(std::launch::async, [&] { return q.shutDownWithDrain(); });
  clock.awaitWaitersForTest(1);  // the drain is waiting
  EXPECT_TRUE(q.shuttingDown());
  EXPECT_EQ(q.get(), std::nullopt);  // "b" is not handed out any more
  q.done("a");
  EXPECT_TRUE(drain.get());
}

TEST_F(WorkQueueTest, DrainGivesUpAtTimeout) {
  WorkQueue q("test", options());
  q.add("a");
  ASSERT_EQ(q.get(), "a");
  auto drain = std::async(std::launch::async, [&] { return q.shutDownWithDrain(seconds(30)); });
  clock.awaitWaitersForTest(1);
  clock.advance(seconds(30));
  EXPECT_FALSE(drain.get());
  EXPECT_EQ(q.numProcessingForTest(), 1u);
  q.done("a");
}

TEST_F(WorkQueueTest, WorkersNeverShareAKey) {
  // Stress: many threads, few keys, keys re-added while being worked on.
  // Run under TSan as well.
  WorkQueue q("stress", WorkQueueOptions{nullptr, nullptr, &registry});
  constexpr int kKeys = 8;
  constexpr int kAddsPerProducer = 2000;
  std::vector<std::atomic<int>> inFlight(kKeys);
  std::atomic<int> overlaps{0};
  std::atomic<int> processed{0};

  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.get()) {
        auto index = static_cast<size_t>(std::stoi(*key));
        if (inFlight[index].fetch_add(1) != 0) overlaps.fetch_add(1);
        std::this_thread::yield();
        inFlight[index].fetch_sub(1);
        processed.fetch_add(1);
        q.done(*key);
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kAddsPerProducer; ++i) q.add(std::to_string((i + p) % kKeys));
    });
  }
  for (auto& t : producers) t.join();
  // Every add is followed by processing of its key; wait until nothing is left.
  // The second len() closes the gap between the first two reads: a key done()
  // and re-queued in between would show up there.
  while (q.len() > 0 || q.numProcessingForTest() > 0 || q.len() > 0) std::this_thread::yield();
  EXPECT_TRUE(q.shutDownWithDrain());
  for (auto& t : workers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GE(processed.load(), kKeys);
  EXPECT_LE(processed.load(), 3 * kAddsPerProducer);
}

TEST_F(WorkQueueTest, ExportsMetricsByQueueName) {
  WorkQueue q("boosters", options());
  q.add("a");
  q.add("a");
  q.add("b");
  clock.advance(seconds(2));
  ASSERT_EQ(q.get(), "a");
  clock.advance(seconds(3));
  q.addRateLimited("c");
  std::string text = registry.text();
  EXPECT_NE(text.find("workqueue_depth{name=\"boosters\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("workqueue_adds_total{name=\"boosters\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("workqueue_retries_total{name=\"boosters\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("workqueue_queue_duration_seconds_sum{name=\"boosters\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("workqueue_unfinished_work_seconds{name=\"boosters\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("workqueue_longest_running_processor_seconds{name=\"boosters\"} 3\n"), std::string::npos) << text;
  q.done("a");
  text = registry.text();
  EXPECT_NE(text.find("workqueue_work_duration_seconds_sum{name=\"boosters\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("workqueue_work_duration_seconds_count{name=\"boosters\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("workqueue_unfinished_work_seconds{name=\"boosters\"} 0\n"), std::string::npos) << text;
}

TEST_F(WorkQueueTest, RealClockDelayIsHonoured) {
  // The one test on real time: a timed wait inside get(). Generous bounds.
  WorkQueue q("real", WorkQueueOptions{nullptr, nullptr, &registry});
  base::TimePoint start = std::chrono::steady_clock::now();
  q.addAfter("a", milliseconds(2));
  EXPECT_EQ(q.get(), "a");
  base::Duration waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, milliseconds(2));
  EXPECT_LT(waited, seconds(5));
}

TEST_F(WorkQueueTest, WorksWithoutRegistry) {
  WorkQueue q("plain", WorkQueueOptions{&clock, nullptr, nullptr});
  q.add("a");
  EXPECT_EQ(q.get(), "a");
  q.done("a");
}

}  // namespace
}  // namespace mb::runtime
