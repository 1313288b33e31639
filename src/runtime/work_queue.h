// The controller's queue of keys: each waiting key is there once, a key is
// never worked on by two workers at once, and failed keys come back later.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "base/clock.h"
#include "base/metrics.h"
#include "runtime/queue_metrics.h"
#include "runtime/rate_limiter.h"

namespace mb::runtime {

struct WorkQueueOptions {
  base::Clock* clock = nullptr;              // base::RealClock when null
  std::unique_ptr<RateLimiter> rateLimiter;  // defaultControllerRateLimiter(clock) when null
  base::Registry* registry = nullptr;        // metrics not exported when null
};

// Delayed keys (addAfter) wait in a time-ordered set and move to the queue
// lazily, whenever the queue is used; a get() with nothing ready sleeps on the
// Clock until the earliest one is due. No timer thread, so a FakeClock drives
// it deterministically: after advance(), len() and get() already see the key.
class WorkQueue {
 public:
  explicit WorkQueue(std::string name, WorkQueueOptions options = {});
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  const std::string& name() const { return name_; }

  // Queues `key` unless it is already waiting. A key being worked on is
  // queued again when its worker calls done(). Ignored once shut down.
  void add(const std::string& key);
  // add() after `delay`; a key already waiting for a later time is moved up.
  void addAfter(const std::string& key, base::Duration delay);
  // addAfter() with the rate limiter's delay for `key`; counts a retry.
  void addRateLimited(const std::string& key);
  // `key` succeeded: the rate limiter forgets its failures.
  void forget(const std::string& key);
  int numRequeues(const std::string& key);

  // Blocks until a key is ready and hands it out; the caller owns it until
  // done(key). std::nullopt once the queue is shut down: no new work is taken
  // after that, even if keys remain.
  std::optional<std::string> get();
  void done(const std::string& key);

  // Stops handing out work and wakes every blocked get(); delayed keys are dropped.
  void shutDown();
  // shutDown(), then waits until every handed-out key is done() or `timeout`
  // passes on the queue's clock. True when all of them finished.
  bool shutDownWithDrain(base::Duration timeout = base::Duration::max());
  bool shuttingDown() const;

  // Keys ready to be handed out (not counting delayed ones).
  size_t len();
  // Keys waiting for their addAfter() time.
  size_t numDelayedForTest();
  size_t numProcessingForTest();

 private:
  struct Delayed {
    base::TimePoint readyAt;
    uint64_t seq;  // ties broken by order of arrival
    std::string key;
    bool operator<(const Delayed& o) const { return readyAt != o.readyAt ? readyAt < o.readyAt : seq < o.seq; }
  };
  // All below run with mu_ held.
  void addLocked(const std::string& key, base::TimePoint now);
  void promoteDueLocked(base::TimePoint now);

  const std::string name_;
  base::Clock& clock_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<base::Registry> ownRegistry_;  // when the caller gave none

  mutable std::mutex mu_;
  std::condition_variable ready_;               // a key was queued, a delay changed, or shut down
  std::condition_variable drained_;             // processing_ became empty
  std::deque<std::string> queue_;               // guarded by mu_; keys ready, in order
  std::unordered_set<std::string> dirty_;       // guarded by mu_; keys that need work (queued or re-added)
  std::unordered_set<std::string> processing_;  // guarded by mu_; keys handed out, not yet done
  std::set<Delayed> delayed_;                   // guarded by mu_
  std::unordered_map<std::string, std::set<Delayed>::iterator> delayedByKey_;  // guarded by mu_
  uint64_t nextSeq_ = 0;                                                       // guarded by mu_
  bool shuttingDown_ = false;                                                  // guarded by mu_
  QueueMetrics metrics_;                                                       // guarded by mu_

  // Last member: unregistered first, before the state it reads goes away.
  base::CollectHook collectHook_;
};

}  // namespace mb::runtime
