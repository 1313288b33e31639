// The work queue's Prometheus series (the usual `workqueue_*` names, labelled
// by queue name) and the timestamps they are computed from.
#pragma once

#include <string>
#include <unordered_map>

#include "observe/metrics.h"
#include "runtime/clock.h"

namespace mb::runtime {

// Not thread-safe on its own: the queue calls every method under its mutex.
class QueueMetrics {
 public:
  QueueMetrics(observe::Registry& registry, const std::string& queueName);

  // A key entered the dirty set (first add since it was last handed out).
  void added(const std::string& key, TimePoint now);
  void handedOut(const std::string& key, TimePoint now);
  void done(const std::string& key, TimePoint now);
  void retried() { retries_.inc(); }
  void setDepth(size_t depth) { depth_.set(static_cast<double>(depth)); }
  // Refreshes the ages of in-flight work; run on scrape.
  void collect(TimePoint now);

 private:
  observe::Gauge& depth_;
  observe::Counter& adds_;
  observe::Histogram& queueDuration_;
  observe::Histogram& workDuration_;
  observe::Counter& retries_;
  observe::Gauge& unfinishedWork_;
  observe::Gauge& longestRunning_;
  std::unordered_map<std::string, TimePoint> addedAt_;
  std::unordered_map<std::string, TimePoint> startedAt_;
};

}  // namespace mb::runtime
