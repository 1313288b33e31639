// Work queue metrics; bucket bounds span 10 ns to 1000 s, as queue waits do.
#include "runtime/queue_metrics.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace mb::runtime {
namespace {

const std::vector<double>& durationBuckets() {
  // Written out rather than multiplied, so the `le` labels print cleanly.
  static const std::vector<double> buckets = {1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000};
  return buckets;
}

double seconds(base::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

QueueMetrics::QueueMetrics(base::Registry& registry, const std::string& queueName)
    : depth_(registry.gauge("workqueue_depth", "Keys waiting in the work queue for a worker", {"name"})
                 .gauge({queueName})),
      adds_(registry
                .counter("workqueue_adds_total",
                         "Keys added to the work queue; adds of a key already waiting are not counted", {"name"})
                .counter({queueName})),
      queueDuration_(registry
                         .histogram("workqueue_queue_duration_seconds",
                                    "Seconds a key waited in the work queue before a worker took it", {"name"},
                                    durationBuckets())
                         .histogram({queueName})),
      workDuration_(registry
                        .histogram("workqueue_work_duration_seconds",
                                   "Seconds a worker spent on a key, from hand-out to done", {"name"},
                                   durationBuckets())
                        .histogram({queueName})),
      retries_(registry.counter("workqueue_retries_total", "Rate-limited re-adds to the work queue", {"name"})
                   .counter({queueName})),
      unfinishedWork_(
          registry
              .gauge("workqueue_unfinished_work_seconds",
                     "Summed age in seconds of the keys being worked on; keeps growing when a worker is stuck",
                     {"name"})
              .gauge({queueName})),
      longestRunning_(registry
                          .gauge("workqueue_longest_running_processor_seconds",
                                 "Age in seconds of the oldest key being worked on", {"name"})
                          .gauge({queueName})) {}

void QueueMetrics::added(const std::string& key, base::TimePoint now) {
  adds_.inc();
  addedAt_.try_emplace(key, now);
}

void QueueMetrics::handedOut(const std::string& key, base::TimePoint now) {
  startedAt_[key] = now;
  if (auto it = addedAt_.find(key); it != addedAt_.end()) {
    queueDuration_.observe(seconds(now - it->second));
    addedAt_.erase(it);
  }
}

void QueueMetrics::done(const std::string& key, base::TimePoint now) {
  if (auto it = startedAt_.find(key); it != startedAt_.end()) {
    workDuration_.observe(seconds(now - it->second));
    startedAt_.erase(it);
  }
}

void QueueMetrics::collect(base::TimePoint now) {
  base::Duration total = base::Duration::zero();
  base::Duration longest = base::Duration::zero();
  for (const auto& [key, start] : startedAt_) {
    total += now - start;
    longest = std::max(longest, now - start);
  }
  unfinishedWork_.set(seconds(total));
  longestRunning_.set(seconds(longest));
}

}  // namespace mb::runtime
