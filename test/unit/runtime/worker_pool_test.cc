// The controller's outcome table, exception handling, graceful stop, metrics.
#include "runtime/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>

namespace mb::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class WorkerPoolTest : public ::testing::Test {
 protected:
  WorkerPoolTest() : queue("boosters", WorkQueueOptions{&clock, nullptr, &registry}) {}

  WorkerPoolOptions options() {
    WorkerPoolOptions o;
    o.clock = &clock;
    o.registry = &registry;
    o.onError = [this](const std::string& key, const std::string& error) { errors.push_back(key + ": " + error); };
    return o;
  }
  bool hasLine(const std::string& line) { return registry.text().find(line + "\n") != std::string::npos; }
  std::string resultLine(const std::string& result, int n) {
    return "controller_runtime_reconcile_total{controller=\"c\",result=\"" + result + "\"} " + std::to_string(n);
  }

  base::FakeClock clock;
  base::Registry registry;
  WorkQueue queue;
  std::vector<std::string> errors;
};

TEST_F(WorkerPoolTest, AllResultSeriesStartAtZero) {
  WorkerPool c(
      "c", queue, [](const std::string&) { return Action::done(); }, options());
  for (const char* result : {"success", "error", "requeue", "requeue_after"}) {
    EXPECT_TRUE(hasLine(resultLine(result, 0))) << result;
  }
  EXPECT_TRUE(hasLine("controller_runtime_reconcile_errors_total{controller=\"c\"} 0"));
  EXPECT_TRUE(hasLine("controller_runtime_reconcile_panics_total{controller=\"c\"} 0"));
  EXPECT_TRUE(hasLine("controller_runtime_active_workers{controller=\"c\"} 0"));
  EXPECT_TRUE(hasLine("controller_runtime_reconcile_time_seconds_count{controller=\"c\"} 0"));
}

TEST_F(WorkerPoolTest, ErrorIsRequeuedWithGrowingBackoff) {
  WorkerPool c(
      "c", queue, [](const std::string&) { return Action::error("boom"); }, options());
  queue.add("ns/a");
  ASSERT_TRUE(c.processNextForTest());
  EXPECT_EQ(queue.numRequeues("ns/a"), 1);
  EXPECT_EQ(queue.len(), 0u);
  clock.advance(milliseconds(5));
  ASSERT_EQ(queue.len(), 1u);
  ASSERT_TRUE(c.processNextForTest());
  EXPECT_EQ(queue.numRequeues("ns/a"), 2);
  clock.advance(milliseconds(9));
  EXPECT_EQ(queue.len(), 0u);
  clock.advance(milliseconds(1));
  EXPECT_EQ(queue.len(), 1u);
  EXPECT_TRUE(hasLine(resultLine("error", 2)));
  EXPECT_TRUE(hasLine("controller_runtime_reconcile_errors_total{controller=\"c\"} 2"));
  EXPECT_EQ(errors, (std::vector<std::string>{"ns/a: boom", "ns/a: boom"}));
}

TEST_F(WorkerPoolTest, SuccessForgetsFailures) {
  int calls = 0;
  WorkerPool c(
      "c", queue, [&](const std::string&) { return ++calls == 1 ? Action::error("once") : Action::done(); }, options());
  queue.add("ns/a");
  ASSERT_TRUE(c.processNextForTest());
  EXPECT_EQ(queue.numRequeues("ns/a"), 1);
  clock.advance(milliseconds(5));
  ASSERT_TRUE(c.processNextForTest());
  EXPECT_EQ(queue.numRequeues("ns/a"), 0);
  clock.advance(seconds(1000));
  EXPECT_EQ(queue.len(), 0u);  // nothing scheduled
  EXPECT_TRUE(hasLine(resultLine("success", 1)));
}

TEST_F(WorkerPoolTest, RequeueAfterForgetsAndDelaysWithoutBackoff) {
  WorkerPool c(
      "c", queue, [](const std::string&) { return Action::requeueAfter(seconds(30)); }, options());
  queue.addRateLimited("ns/a");  // an earlier failure, to see it forgotten
  clock.advance(milliseconds(5));
  ASSERT_TRUE(c.processNextForTest());
  EXPECT_EQ(queue.numRequeues("ns/a"), 0);
  clock.advance(seconds(29));
  EXPECT_EQ(queue.len(), 0u);
  clock.advance(seconds(1));
  EXPECT_EQ(queue.len(), 1u);
  EXPECT_TRUE(hasLine(resultLine("requeue_after", 1)));
  EXPECT_TRUE(hasLine("controller_runtime_reconcile_errors_total{controller=\"c\"} 0"));
}

TEST_F(WorkerPoolTest, RequeueUsesTheRateLimiter) {
  WorkerPool c(
      "c", queue, [](const std::string&) { return Action::requeue(); }, options());
  queue.add("ns/a");
  ASSERT_TRUE(c.processNextForTest());
  EXPECT_EQ(queue.numRequeues("ns/a"), 1);
  clock.advance(milliseconds(5));
  EXPECT_EQ(queue.len(), 1u);
  EXPECT_TRUE(hasLine(resultLine("requeue", 1)));
  EXPECT_TRUE(errors.empty());
}

TEST_F(WorkerPoolTest, ExceptionIsCaughtCountedAndRequeued) {
  WorkerPool c(
      "c", queue, [](const std::string&) -> Action { throw std::runtime_error("bad state"); }, options());
  queue.add("ns/a");
  ASSERT_TRUE(c.processNextForTest());
  EXPECT_EQ(queue.numRequeues("ns/a"), 1);
  clock.advance(milliseconds(5));
  EXPECT_EQ(queue.len(), 1u);
  EXPECT_TRUE(hasLine("controller_runtime_reconcile_panics_total{controller=\"c\"} 1"));
  EXPECT_TRUE(hasLine("controller_runtime_reconcile_errors_total{controller=\"c\"} 1"));
  EXPECT_TRUE(hasLine(resultLine("error", 1)));
  EXPECT_EQ(errors, (std::vector<std::string>{"ns/a: reconcile threw: bad state"}));
}

TEST_F(WorkerPoolTest, ReconcileTimeIsMeasuredOnTheClock) {
  WorkerPool c(
      "c", queue,
      [&](const std::string&) {
        clock.advance(milliseconds(250));
        return Action::done();
      },
      options());
  queue.add("ns/a");
  ASSERT_TRUE(c.processNextForTest());
  EXPECT_TRUE(hasLine("controller_runtime_reconcile_time_seconds_sum{controller=\"c\"} 0.25"));
  EXPECT_TRUE(hasLine("controller_runtime_reconcile_time_seconds_bucket{controller=\"c\",le=\"0.1\"} 0"));
  EXPECT_TRUE(hasLine("controller_runtime_reconcile_time_seconds_bucket{controller=\"c\",le=\"0.25\"} 1"));
}

TEST_F(WorkerPoolTest, GracefulStopFinishesInFlightReconcile) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> finished{false};
  WorkerPool c(
      "c", queue,
      [&](const std::string&) {
        entered.set_value();
        released.wait();
        finished = true;
        return Action::error("still failing");  // requeue is ignored: the queue is shut down
      },
      options());
  c.run(2);
  queue.add("ns/a");
  entered.get_future().wait();
  EXPECT_TRUE(hasLine("controller_runtime_active_workers{controller=\"c\"} 1"));
  EXPECT_TRUE(hasLine("controller_runtime_max_concurrent_reconciles{controller=\"c\"} 2"));

  auto stopped = std::async(std::launch::async, [&] { return c.stop(seconds(30)); });
  while (!queue.shuttingDown()) std::this_thread::yield();
  queue.add("ns/b");  // no new work after stop
  EXPECT_FALSE(finished);
  release.set_value();
  EXPECT_TRUE(stopped.get());
  EXPECT_TRUE(finished);
  EXPECT_EQ(queue.len(), 0u);
  EXPECT_TRUE(hasLine("controller_runtime_active_workers{controller=\"c\"} 0"));
  EXPECT_TRUE(hasLine(resultLine("error", 1)));
}

TEST_F(WorkerPoolTest, StopGivesUpAtItsBound) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  WorkerPool c(
      "c", queue,
      [&](const std::string&) {
        entered.set_value();
        released.wait();
        return Action::done();
      },
      options());
  c.run(1);
  queue.add("ns/a");
  entered.get_future().wait();
  auto stopped = std::async(std::launch::async, [&] { return c.stop(seconds(10)); });
  // The only clock waiter now is the drain (the worker is inside reconcile).
  clock.awaitWaitersForTest(1);
  clock.advance(seconds(10));
  EXPECT_FALSE(stopped.get());
  release.set_value();  // the destructor joins the worker once it returns
}

TEST_F(WorkerPoolTest, WorkersDrainTheQueue) {
  std::atomic<int> reconciled{0};
  WorkerPool c(
      "c", queue,
      [&](const std::string&) {
        reconciled.fetch_add(1);
        return Action::done();
      },
      options());
  for (int i = 0; i < 50; ++i) queue.add("ns/" + std::to_string(i));
  c.run(4);
  while (reconciled.load() < 50) std::this_thread::yield();
  EXPECT_TRUE(c.stop());
  EXPECT_EQ(reconciled.load(), 50);
  EXPECT_TRUE(hasLine(resultLine("success", 50)));
}

}  // namespace
}  // namespace mb::runtime
