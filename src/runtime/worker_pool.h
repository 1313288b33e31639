// Runs a reconcile function over a WorkQueue with N worker threads, and turns
// each outcome into what happens to the key next (see the table in worker_pool.cc).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "runtime/work_queue.h"

namespace mb::runtime {

// What a reconcile asks for next.
class Action {
 public:
  enum class Kind { Done, Requeue, RequeueAfter, Error };

  // Reached the desired state; wait for the next change to the object.
  static Action done() { return Action(Kind::Done, base::Duration::zero(), {}); }
  // Not finished, not failed: try again after the rate limiter's delay.
  static Action requeue() { return Action(Kind::Requeue, base::Duration::zero(), {}); }
  // Look again after `delay` (e.g. to re-check a deadline), with no backoff.
  static Action requeueAfter(base::Duration delay) { return Action(Kind::RequeueAfter, delay, {}); }
  // Failed; retried with per-key exponential backoff.
  static Action error(std::string message) { return Action(Kind::Error, base::Duration::zero(), std::move(message)); }

  Kind kind() const { return kind_; }
  base::Duration delay() const { return delay_; }
  const std::string& message() const { return message_; }

 private:
  Action(Kind kind, base::Duration delay, std::string message)
      : kind_(kind), delay_(delay), message_(std::move(message)) {}
  Kind kind_;
  base::Duration delay_;
  std::string message_;
};

using ReconcileFn = std::function<Action(const std::string& key)>;

struct WorkerPoolOptions {
  base::Clock* clock = nullptr;        // base::RealClock when null; times reconciles and bounds stop()
  base::Registry* registry = nullptr;  // metrics not exported when null
  // Told about every failed reconcile (returned error or exception), e.g. to log it.
  std::function<void(const std::string& key, const std::string& error)> onError;
  // Told after every reconcile how long it took (the same measurement as
  // controller_runtime_reconcile_time_seconds), e.g. for a debug log line.
  std::function<void(const std::string& key, base::Duration took)> onReconciled;
};

class WorkerPool {
 public:
  // `queue` must outlive the controller.
  WorkerPool(std::string name, WorkQueue& queue, ReconcileFn reconcile, WorkerPoolOptions options = {});
  // Shuts the queue down and joins the workers, waiting for any reconcile in flight.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  const std::string& name() const { return name_; }

  // Starts `workers` threads taking keys from the queue; returns at once.
  void run(int workers);
  // Graceful stop: no new keys are taken; reconciles in flight may finish
  // within `bound` (on the controller's clock); then the workers are joined.
  // False when some were still running at the bound: their threads are left
  // to finish and the destructor will wait for them, so a caller that must
  // not wait should exit the process instead.
  bool stop(base::Duration bound = base::Duration::max());

  // One worker iteration on the calling thread: takes a key (blocking),
  // reconciles it and applies the outcome. False once the queue is shut down.
  bool processNextForTest();

 private:
  void workerLoop();
  bool processNext();
  void reconcileKey(const std::string& key);

  const std::string name_;
  WorkQueue& queue_;
  ReconcileFn reconcile_;
  base::Clock& clock_;
  std::unique_ptr<base::Registry> ownRegistry_;  // when the caller gave none
  std::function<void(const std::string&, const std::string&)> onError_;
  std::function<void(const std::string&, base::Duration)> onReconciled_;

  base::Counter& success_;
  base::Counter& errorResult_;
  base::Counter& requeue_;
  base::Counter& requeueAfter_;
  base::Counter& errors_;
  base::Counter& panics_;
  base::Histogram& reconcileTime_;
  base::Gauge& activeWorkers_;
  base::Gauge& maxConcurrent_;

  std::mutex mu_;
  std::vector<std::thread> workers_;  // guarded by mu_
};

}  // namespace mb::runtime
