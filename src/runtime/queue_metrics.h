// The work queue's Prometheus series (the usual `workqueue_*` names, labelled
// by queue name) and the timestamps they are computed from.
#pragma once

#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/metrics.h"

namespace mb::runtime {

// Not thread-safe on its own: the queue calls every method under its mutex.
class QueueMetrics {
 public:
  QueueMetrics(base::Registry& registry, const std::string& queueName);

  // A key entered the dirty set (first add since it was last handed out).
  void added(const std::string& key, base::TimePoint now);
  void handedOut(const std::string& key, base::TimePoint now);
  void done(const std::string& key, base::TimePoint now);
  void retried() { retries_.inc(); }
  void setDepth(size_t depth) { depth_.set(static_cast<double>(depth)); }
  // Refreshes the ages of in-flight work; run on scrape.
  void collect(base::TimePoint now);

 private:
  base::Gauge& depth_;
  base::Counter& adds_;
  base::Histogram& queueDuration_;
  base::Histogram& workDuration_;
  base::Counter& retries_;
  base::Gauge& unfinishedWork_;
  base::Gauge& longestRunning_;
  std::unordered_map<std::string, base::TimePoint> addedAt_;
  std::unordered_map<std::string, base::TimePoint> startedAt_;
};

}  // namespace mb::runtime
