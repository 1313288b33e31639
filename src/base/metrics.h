// A small thread-safe Prometheus registry: counters, gauges and fixed-bucket
// histograms in labelled families, rendered in text exposition format 0.0.4.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mb::base {

// Series are handed out by reference and live as long as their registry, so
// hot paths look a series up once and then only touch atomics.
class Counter {
 public:
  // Negative amounts are ignored: a counter only goes up.
  void inc(double amount = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void inc() { add(1.0); }
  void dec() { add(-1.0); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `upperBounds` must be strictly increasing; +Inf is implicit.
  explicit Histogram(std::vector<double> upperBounds);
  void observe(double v);
  const std::vector<double>& upperBounds() const { return bounds_; }
  // Per-bucket (not cumulative) counts; the last one is the +Inf overflow.
  std::vector<uint64_t> bucketCounts() const;
  uint64_t count() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0.0};
};

// Buckets used by the controller metrics.
std::vector<double> exponentialBuckets(double start, double factor, size_t count);
std::vector<double> linearBuckets(double start, double width, size_t count);

enum class MetricType { Counter, Gauge, Histogram };

// All series of one metric name; each series is one combination of values
// for the family's label names.
class Family {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> labelNames,
         std::vector<double> buckets);
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& labelNames() const { return labelNames_; }
  const std::vector<double>& buckets() const { return buckets_; }

  // The series for these label values (in labelNames() order), created at
  // zero on first use. Throws std::invalid_argument on a wrong value count.
  Counter& counter(const std::vector<std::string>& labelValues);
  Gauge& gauge(const std::vector<std::string>& labelValues);
  Histogram& histogram(const std::vector<std::string>& labelValues);

  void render(std::string& out) const;

 private:
  struct Series {
    Counter counter;
    Gauge gauge;
    std::unique_ptr<Histogram> histogram;
  };
  Series& series(const std::vector<std::string>& labelValues, MetricType expected);

  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> labelNames_;
  const std::vector<double> buckets_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;  // guarded by mu_; sorted for stable output
};

class Registry;

// Keeps a collect callback registered; unregisters it when destroyed, after
// any render that is running it has finished.
class CollectHook {
 public:
  CollectHook() = default;
  CollectHook(Registry* registry, uint64_t id) : registry_(registry), id_(id) {}
  CollectHook(CollectHook&& other) noexcept;
  CollectHook& operator=(CollectHook&& other) noexcept;
  ~CollectHook();
  void reset();

 private:
  Registry* registry_ = nullptr;
  uint64_t id_ = 0;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Get-or-create. Asking again for a name with another type, label set or
  // buckets is a programmer error (std::invalid_argument), as are names that
  // Prometheus would reject.
  Family& counter(const std::string& name, const std::string& help, std::vector<std::string> labelNames = {});
  Family& gauge(const std::string& name, const std::string& help, std::vector<std::string> labelNames = {});
  Family& histogram(const std::string& name, const std::string& help, std::vector<std::string> labelNames,
                    std::vector<double> buckets);

  // Called at the start of every text(), for values that are cheaper to
  // compute on scrape than to keep current (e.g. the age of in-flight work).
  [[nodiscard]] CollectHook onCollect(std::function<void()> fn);

  // Families sorted by name, series by label values; families without series
  // are left out.
  std::string text() const;

 private:
  friend class CollectHook;
  Family& family(const std::string& name, const std::string& help, MetricType type, std::vector<std::string> labelNames,
                 std::vector<double> buckets);
  void removeHook(uint64_t id);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;  // guarded by mu_

  // Separate from mu_: hooks take other components' locks, and those
  // components create series (taking mu_) while holding them.
  mutable std::mutex hooksMu_;
  std::map<uint64_t, std::function<void()>> hooks_;  // guarded by hooksMu_
  uint64_t nextHookId_ = 1;                          // guarded by hooksMu_
};

// Label value and HELP escaping and number formatting of the text format.
std::string escapeLabelValue(const std::string& value);
std::string escapeHelp(const std::string& help);
std::string formatValue(double v);

}  // namespace mb::base
