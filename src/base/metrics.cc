// Series storage and the text exposition format (0.0.4) rendering.
#include "base/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace mb::base {
namespace {

bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9'); }

bool validMetricName(const std::string& name) {
  if (name.empty() || !(isNameStart(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return isNameChar(c) || c == ':'; });
}

bool validLabelName(const std::string& name) {
  if (name.empty() || !isNameStart(name[0]) || name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(), isNameChar);
}

const char* typeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

// `{a="x",b="y"}` with an optional extra label (the histogram's `le`) last.
void appendLabels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                  const char* extraName = nullptr, const std::string& extraValue = {}) {
  if (names.empty() && extraName == nullptr) return;
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += escapeLabelValue(values[i]);
    out += '"';
  }
  if (extraName != nullptr) {
    if (!names.empty()) out += ',';
    out += extraName;
    out += "=\"";
    out += extraValue;
    out += '"';
  }
  out += '}';
}

void appendSample(std::string& out, const std::string& name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, const std::string& value, const char* extraName = nullptr,
                  const std::string& extraValue = {}) {
  out += name;
  appendLabels(out, names, values, extraName, extraValue);
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

void Counter::inc(double amount) {
  if (!(amount >= 0.0)) return;
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upperBounds)
    : bounds_(std::move(upperBounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  // First bucket whose upper bound is >= v: buckets are "less or equal".
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  auto index = static_cast<size_t>(it - bounds_.begin());
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucketCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

uint64_t Histogram::count() const {
  uint64_t total = 0;
  for (uint64_t c : bucketCounts()) total += c;
  return total;
}

std::vector<double> exponentialBuckets(double start, double factor, size_t count) {
  std::vector<double> out;
  double v = start;
  for (size_t i = 0; i < count; ++i, v *= factor) out.push_back(v);
  return out;
}

std::vector<double> linearBuckets(double start, double width, size_t count) {
  std::vector<double> out;
  for (size_t i = 0; i < count; ++i) out.push_back(start + width * static_cast<double>(i));
  return out;
}

Family::Family(std::string name, std::string help, MetricType type, std::vector<std::string> labelNames,
               std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      labelNames_(std::move(labelNames)),
      buckets_(std::move(buckets)) {}

Family::Series& Family::series(const std::vector<std::string>& labelValues, MetricType expected) {
  if (expected != type_) throw std::invalid_argument("metric " + name_ + " is a " + typeName(type_));
  if (labelValues.size() != labelNames_.size()) {
    throw std::invalid_argument("metric " + name_ + " takes " + std::to_string(labelNames_.size()) + " label values");
  }
  std::lock_guard guard(mu_);
  auto& slot = series_[labelValues];
  if (!slot) {
    slot = std::make_unique<Series>();
    if (type_ == MetricType::Histogram) slot->histogram = std::make_unique<Histogram>(buckets_);
  }
  return *slot;
}

Counter& Family::counter(const std::vector<std::string>& labelValues) {
  return series(labelValues, MetricType::Counter).counter;
}
Gauge& Family::gauge(const std::vector<std::string>& labelValues) {
  return series(labelValues, MetricType::Gauge).gauge;
}
Histogram& Family::histogram(const std::vector<std::string>& labelValues) {
  return *series(labelValues, MetricType::Histogram).histogram;
}

void Family::render(std::string& out) const {
  std::lock_guard guard(mu_);
  if (series_.empty()) return;
  out += "# HELP " + name_ + " " + escapeHelp(help_) + "\n";
  out += "# TYPE " + name_ + " " + typeName(type_) + "\n";
  for (const auto& [values, s] : series_) {
    switch (type_) {
      case MetricType::Counter:
        appendSample(out, name_, labelNames_, values, formatValue(s->counter.value()));
        break;
      case MetricType::Gauge:
        appendSample(out, name_, labelNames_, values, formatValue(s->gauge.value()));
        break;
      case MetricType::Histogram: {
        // One snapshot of the counts, so _count always equals the +Inf bucket.
        std::vector<uint64_t> counts = s->histogram->bucketCounts();
        uint64_t cumulative = 0;
        for (size_t i = 0; i < counts.size(); ++i) {
          cumulative += counts[i];
          std::string le = i < buckets_.size() ? formatValue(buckets_[i]) : "+Inf";
          appendSample(out, name_ + "_bucket", labelNames_, values, std::to_string(cumulative), "le", le);
        }
        appendSample(out, name_ + "_sum", labelNames_, values, formatValue(s->histogram->sum()));
        appendSample(out, name_ + "_count", labelNames_, values, std::to_string(cumulative));
        break;
      }
    }
  }
}

CollectHook::CollectHook(CollectHook&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}

CollectHook& CollectHook::operator=(CollectHook&& other) noexcept {
  if (this != &other) {
    reset();
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

CollectHook::~CollectHook() { reset(); }

void CollectHook::reset() {
  if (registry_ != nullptr) registry_->removeHook(id_);
  registry_ = nullptr;
}

Family& Registry::counter(const std::string& name, const std::string& help, std::vector<std::string> labelNames) {
  return family(name, help, MetricType::Counter, std::move(labelNames), {});
}

Family& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labelNames) {
  return family(name, help, MetricType::Gauge, std::move(labelNames), {});
}

Family& Registry::histogram(const std::string& name, const std::string& help, std::vector<std::string> labelNames,
                            std::vector<double> buckets) {
  if (buckets.empty() || std::adjacent_find(buckets.begin(), buckets.end(), std::greater_equal<>()) != buckets.end()) {
    throw std::invalid_argument("histogram " + name + " needs strictly increasing buckets");
  }
  if (std::isinf(buckets.back()) && buckets.back() > 0) buckets.pop_back();  // +Inf is implicit
  return family(name, help, MetricType::Histogram, std::move(labelNames), std::move(buckets));
}

Family& Registry::family(const std::string& name, const std::string& help, MetricType type,
                         std::vector<std::string> labelNames, std::vector<double> buckets) {
  if (!validMetricName(name)) throw std::invalid_argument("invalid metric name: " + name);
  for (const auto& label : labelNames) {
    if (!validLabelName(label) || (type == MetricType::Histogram && label == "le")) {
      throw std::invalid_argument(std::string("invalid label name for ").append(name).append(": ").append(label));
    }
  }
  std::lock_guard guard(mu_);
  auto& slot = families_[name];
  if (!slot) {
    slot = std::make_unique<Family>(name, help, type, std::move(labelNames), std::move(buckets));
  } else if (slot->type() != type || slot->labelNames() != labelNames || slot->buckets() != buckets) {
    throw std::invalid_argument("metric " + name + " already registered with another shape");
  }
  return *slot;
}

CollectHook Registry::onCollect(std::function<void()> fn) {
  std::lock_guard guard(hooksMu_);
  uint64_t id = nextHookId_++;
  hooks_.emplace(id, std::move(fn));
  return CollectHook(this, id);
}

void Registry::removeHook(uint64_t id) {
  std::lock_guard guard(hooksMu_);
  hooks_.erase(id);
}

std::string Registry::text() const {
  {
    std::lock_guard guard(hooksMu_);
    for (const auto& [id, fn] : hooks_) fn();
  }
  std::string out;
  std::lock_guard guard(mu_);
  for (const auto& [name, family] : families_) family->render(out);
  return out;
}

std::string escapeLabelValue(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escapeHelp(const std::string& help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string formatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Whole numbers (the common case: counts) print without an exponent.
  if (v == std::trunc(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back the same
  return std::string(buf, res.ptr);
}

}  // namespace mb::base
