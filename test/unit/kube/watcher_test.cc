// The watcher's backoff on a FakeClock: it grows from the initial step,
// doubles up to the cap, is jittered within [0.5, 1.5) of the step, comes
// out the same for the same seed, and stop() ends it without time moving.
// Listing and watching themselves run against the real API server
// (test/integration/kube/watcher_test.cc).
#include "kube/watcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "unimplemented_client.h"

namespace mb::kube {
namespace {

using namespace std::chrono_literals;

// Every list fails, as with an API server that is down; counts the calls so
// that a test can wait (in real time, without sleeping) for the next one.
class DownServer : public test::UnimplementedClient {
 public:
  ApiResult<ListPage> list(const Resource&, const std::string&, const ListOptions&) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++lists_;
    cv_.notify_all();
    return err(errorFromResponse(503, ""));
  }
  void awaitLists(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return lists_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int lists_ = 0;
};

WatcherConfig backoffConfig(uint64_t seed) {
  WatcherConfig config;
  config.resource = resources::configMaps();
  config.initialBackoff = 100ms;
  config.maxBackoff = 800ms;
  config.jitterSeed = seed;
  return config;
}

// The first `n` backoff waits of a watcher whose lists all fail.
std::vector<base::Duration> backoffWaits(uint64_t seed, int n) {
  base::FakeClock clock;
  DownServer server;
  Store store;
  Watcher watcher(server, clock, backoffConfig(seed), store);
  std::thread t([&] { watcher.run(); });
  std::vector<base::Duration> waits;
  for (int i = 0; i < n; ++i) {
    server.awaitLists(i + 1);
    clock.awaitWaitersForTest(1);
    EXPECT_EQ(watcher.state(), Watcher::State::Backoff);
    base::Duration wait = clock.nextDeadlineForTest() - clock.now();
    waits.push_back(wait);
    clock.advance(wait);
  }
  server.awaitLists(n + 1);
  clock.awaitWaitersForTest(1);
  watcher.stop();
  t.join();
  EXPECT_EQ(watcher.state(), Watcher::State::Stopped);
  return waits;
}

TEST(WatcherBackoff, GrowsDoublingAndIsCapped) {
  std::vector<base::Duration> waits = backoffWaits(7, 8);
  ASSERT_EQ(waits.size(), 8u);
  base::Duration step = 100ms;
  for (size_t i = 0; i < waits.size(); ++i) {
    EXPECT_GE(waits[i], step / 2) << "wait " << i;
    EXPECT_LT(waits[i], step * 3 / 2) << "wait " << i;
    step = std::min<base::Duration>(step * 2, 800ms);
  }
  // From the fourth wait on the step is the cap.
  for (size_t i = 3; i < waits.size(); ++i) EXPECT_LT(waits[i], 1200ms) << "wait " << i;
}

TEST(WatcherBackoff, TheSameSeedGivesTheSameWaits) { EXPECT_EQ(backoffWaits(42, 6), backoffWaits(42, 6)); }

TEST(WatcherBackoff, StopEndsTheWaitWithoutTimeMoving) {
  base::FakeClock clock;
  DownServer server;
  Store store;
  Watcher watcher(server, clock, backoffConfig(1), store);
  std::thread t([&] { watcher.run(); });
  server.awaitLists(1);
  clock.awaitWaitersForTest(1);
  const base::TimePoint before = clock.now();
  watcher.stop();
  t.join();
  EXPECT_EQ(clock.now(), before);
  EXPECT_EQ(watcher.state(), Watcher::State::Stopped);
}

}  // namespace
}  // namespace mb::kube
