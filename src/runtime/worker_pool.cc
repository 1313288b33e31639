// The worker loop and the one place where a reconcile outcome decides the
// key's fate.
#include "runtime/worker_pool.h"

#include <exception>
#include <utility>

namespace mb::runtime {
namespace {

base::Clock& clockOr(base::Clock* clock) { return clock != nullptr ? *clock : base::RealClock::instance(); }

base::Registry& registryOr(base::Registry* given, std::unique_ptr<base::Registry>& own) {
  if (given != nullptr) return *given;
  if (!own) own = std::make_unique<base::Registry>();
  return *own;
}

const std::vector<double>& reconcileBuckets() {
  static const std::vector<double> buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120};
  return buckets;
}

base::Counter& resultCounter(base::Registry& r, const std::string& controller, const char* result) {
  return r
      .counter("controller_runtime_reconcile_total", "Reconciles finished, by controller and outcome",
               {"controller", "result"})
      .counter({controller, result});
}

}  // namespace

WorkerPool::WorkerPool(std::string name, WorkQueue& queue, ReconcileFn reconcile, WorkerPoolOptions options)
    : name_(std::move(name)),
      queue_(queue),
      reconcile_(std::move(reconcile)),
      clock_(clockOr(options.clock)),
      onError_(std::move(options.onError)),
      onReconciled_(std::move(options.onReconciled)),
      // Every series exists from the start, at zero, so rates and alerts work
      // before the first failure.
      success_(resultCounter(registryOr(options.registry, ownRegistry_), name_, "success")),
      errorResult_(resultCounter(registryOr(options.registry, ownRegistry_), name_, "error")),
      requeue_(resultCounter(registryOr(options.registry, ownRegistry_), name_, "requeue")),
      requeueAfter_(resultCounter(registryOr(options.registry, ownRegistry_), name_, "requeue_after")),
      errors_(registryOr(options.registry, ownRegistry_)
                  .counter("controller_runtime_reconcile_errors_total",
                           "Reconciles that failed, by returning an error or throwing", {"controller"})
                  .counter({name_})),
      panics_(registryOr(options.registry, ownRegistry_)
                  .counter("controller_runtime_reconcile_panics_total",
                           "Reconciles that threw an exception (also counted as errors)", {"controller"})
                  .counter({name_})),
      reconcileTime_(registryOr(options.registry, ownRegistry_)
                         .histogram("controller_runtime_reconcile_time_seconds", "Seconds one reconcile took",
                                    {"controller"}, reconcileBuckets())
                         .histogram({name_})),
      activeWorkers_(registryOr(options.registry, ownRegistry_)
                         .gauge("controller_runtime_active_workers", "Workers reconciling right now", {"controller"})
                         .gauge({name_})),
      maxConcurrent_(
          registryOr(options.registry, ownRegistry_)
              .gauge("controller_runtime_max_concurrent_reconciles", "Worker threads of the controller", {"controller"})
              .gauge({name_})) {}

WorkerPool::~WorkerPool() {
  queue_.shutDown();
  std::vector<std::thread> workers;
  {
    std::lock_guard guard(mu_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
}

void WorkerPool::run(int workers) {
  std::lock_guard guard(mu_);
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { workerLoop(); });
  maxConcurrent_.set(static_cast<double>(workers_.size()));
}

bool WorkerPool::stop(base::Duration bound) {
  if (!queue_.shutDownWithDrain(bound)) return false;
  std::vector<std::thread> workers;
  {
    std::lock_guard guard(mu_);
    workers.swap(workers_);
  }
  // Drained: every worker is on its way out of get().
  for (auto& t : workers) t.join();
  return true;
}

void WorkerPool::workerLoop() {
  while (processNext()) {
  }
}

bool WorkerPool::processNextForTest() { return processNext(); }

bool WorkerPool::processNext() {
  std::optional<std::string> key = queue_.get();
  if (!key) return false;
  reconcileKey(*key);
  // After the outcome is applied: a key re-added meanwhile is queued again
  // now, and a draining stop() sees the finished state.
  queue_.done(*key);
  return true;
}

void WorkerPool::reconcileKey(const std::string& key) {
  activeWorkers_.inc();
  base::TimePoint start = clock_.now();
  Action action = Action::done();
  try {
    action = reconcile_(key);
  } catch (const std::exception& e) {
    panics_.inc();
    action = Action::error(std::string("reconcile threw: ") + e.what());
  } catch (...) {
    panics_.inc();
    action = Action::error("reconcile threw a non-standard exception");
  }
  const base::Duration took = clock_.now() - start;
  reconcileTime_.observe(std::chrono::duration<double>(took).count());
  if (onReconciled_) onReconciled_(key, took);

  // The outcome table:
  //   outcome                     queue                         result label
  //   done()                      forget                        success
  //   requeue()                   addRateLimited                requeue
  //   requeueAfter(d)             forget, addAfter(d)           requeue_after
  //   error(msg) or exception     addRateLimited                error (+ errors_total)
  // forget() resets the key's backoff: only consecutive failures grow it.
  switch (action.kind()) {
    case Action::Kind::Done:
      queue_.forget(key);
      success_.inc();
      break;
    case Action::Kind::Requeue:
      queue_.addRateLimited(key);
      requeue_.inc();
      break;
    case Action::Kind::RequeueAfter:
      queue_.forget(key);
      queue_.addAfter(key, action.delay());
      requeueAfter_.inc();
      break;
    case Action::Kind::Error:
      queue_.addRateLimited(key);
      errorResult_.inc();
      errors_.inc();
      if (onError_) onError_(key, action.message());
      break;
  }
  activeWorkers_.dec();
}

}  // namespace mb::runtime
