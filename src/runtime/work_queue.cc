// Dirty/processing bookkeeping of the work queue, its delayed keys and drain.
#include "runtime/work_queue.h"

#include <utility>

namespace mb::runtime {
namespace {

base::Clock& clockOr(base::Clock* clock) { return clock != nullptr ? *clock : base::RealClock::instance(); }

}  // namespace

WorkQueue::WorkQueue(std::string name, WorkQueueOptions options)
    : name_(std::move(name)),
      clock_(clockOr(options.clock)),
      limiter_(options.rateLimiter ? std::move(options.rateLimiter) : defaultControllerRateLimiter(clock_)),
      ownRegistry_(options.registry != nullptr ? nullptr : std::make_unique<base::Registry>()),
      metrics_(options.registry != nullptr ? *options.registry : *ownRegistry_, name_) {
  base::Registry& registry = options.registry != nullptr ? *options.registry : *ownRegistry_;
  collectHook_ = registry.onCollect([this] {
    std::lock_guard guard(mu_);
    metrics_.collect(clock_.now());
  });
}

WorkQueue::~WorkQueue() {
  collectHook_.reset();
  shutDown();
}

void WorkQueue::addLocked(const std::string& key, base::TimePoint now) {
  if (shuttingDown_ || dirty_.contains(key)) return;
  dirty_.insert(key);
  metrics_.added(key, now);
  metrics_.setDepth(dirty_.size());
  // A key being worked on stays only in dirty_; done() queues it.
  if (processing_.contains(key)) return;
  queue_.push_back(key);
  ready_.notify_one();
}

void WorkQueue::promoteDueLocked(base::TimePoint now) {
  while (!delayed_.empty() && delayed_.begin()->readyAt <= now) {
    auto node = delayed_.extract(delayed_.begin());
    delayedByKey_.erase(node.value().key);
    addLocked(node.value().key, now);
  }
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard guard(mu_);
  base::TimePoint now = clock_.now();
  promoteDueLocked(now);
  addLocked(key, now);
}

void WorkQueue::addAfter(const std::string& key, base::Duration delay) {
  std::lock_guard guard(mu_);
  if (shuttingDown_) return;
  base::TimePoint now = clock_.now();
  promoteDueLocked(now);
  if (delay <= base::Duration::zero()) {
    addLocked(key, now);
    return;
  }
  base::TimePoint readyAt = base::addSaturating(now, delay);
  if (auto it = delayedByKey_.find(key); it != delayedByKey_.end()) {
    if (it->second->readyAt <= readyAt) return;
    delayed_.erase(it->second);
    delayedByKey_.erase(it);
  }
  auto [pos, inserted] = delayed_.insert(Delayed{readyAt, nextSeq_++, key});
  delayedByKey_.emplace(key, pos);
  // A sleeping get() may be waiting for a later deadline than this one.
  if (pos == delayed_.begin()) ready_.notify_all();
}

void WorkQueue::addRateLimited(const std::string& key) {
  {
    std::lock_guard guard(mu_);
    if (shuttingDown_) return;
    metrics_.retried();
  }
  // The limiter has its own lock; not calling it under mu_ keeps the lock
  // order trivial.
  addAfter(key, limiter_->when(key));
}

void WorkQueue::forget(const std::string& key) { limiter_->forget(key); }

int WorkQueue::numRequeues(const std::string& key) { return limiter_->numRequeues(key); }

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (shuttingDown_) return std::nullopt;
    promoteDueLocked(clock_.now());
    if (!queue_.empty()) break;
    base::TimePoint wakeAt = delayed_.empty() ? base::TimePoint::max() : delayed_.begin()->readyAt;
    clock_.waitUntil(lock, ready_, wakeAt);
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  metrics_.handedOut(key, clock_.now());
  metrics_.setDepth(dirty_.size());
  // Promotion may have readied several keys while only this getter was woken.
  if (!queue_.empty()) ready_.notify_one();
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard guard(mu_);
  if (processing_.erase(key) == 0) return;
  metrics_.done(key, clock_.now());
  if (dirty_.contains(key) && !shuttingDown_) {
    queue_.push_back(key);
    ready_.notify_one();
  }
  if (processing_.empty()) drained_.notify_all();
}

void WorkQueue::shutDown() {
  std::lock_guard guard(mu_);
  shuttingDown_ = true;
  delayed_.clear();
  delayedByKey_.clear();
  ready_.notify_all();
}

bool WorkQueue::shutDownWithDrain(base::Duration timeout) {
  shutDown();
  std::unique_lock lock(mu_);
  base::TimePoint deadline = base::addSaturating(clock_.now(), timeout);
  while (!processing_.empty()) {
    if (clock_.now() >= deadline) return false;
    clock_.waitUntil(lock, drained_, deadline);
  }
  return true;
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard guard(mu_);
  return shuttingDown_;
}

size_t WorkQueue::len() {
  std::lock_guard guard(mu_);
  promoteDueLocked(clock_.now());
  return queue_.size();
}

size_t WorkQueue::numDelayedForTest() {
  std::lock_guard guard(mu_);
  promoteDueLocked(clock_.now());
  return delayed_.size();
}

size_t WorkQueue::numProcessingForTest() {
  std::lock_guard guard(mu_);
  return processing_.size();
}

}  // namespace mb::runtime
