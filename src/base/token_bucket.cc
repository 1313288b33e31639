// Token accounting in fractional tokens; delays rounded to the nanosecond.
#include "base/token_bucket.h"

#include <algorithm>

namespace mb::base {

TokenBucket::TokenBucket(double qps, int burst, Clock& clock)
    : qps_(qps), burst_(std::max(burst, 1)), clock_(clock), tokens_(burst_), last_(clock.now()) {}

void TokenBucket::refill(TimePoint now) {
  if (now <= last_) return;
  std::chrono::duration<double> elapsed = now - last_;
  tokens_ = std::min(static_cast<double>(burst_), tokens_ + elapsed.count() * qps_);
  last_ = now;
}

Duration TokenBucket::delayFor(double tokens) const {
  if (tokens >= 0) return Duration::zero();
  return std::chrono::round<Duration>(std::chrono::duration<double>(-tokens / qps_));
}

bool TokenBucket::tryAccept() {
  if (qps_ <= 0) return true;
  std::lock_guard guard(mu_);
  refill(clock_.now());
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

Duration TokenBucket::reserve() {
  if (qps_ <= 0) return Duration::zero();
  std::lock_guard guard(mu_);
  refill(clock_.now());
  tokens_ -= 1;
  return delayFor(tokens_);
}

void TokenBucket::wait() { waitUntil(TimePoint::max()); }

bool TokenBucket::waitUntil(TimePoint deadline) {
  if (qps_ <= 0) return true;
  TimePoint readyAt;
  {
    std::lock_guard guard(mu_);
    TimePoint now = clock_.now();
    refill(now);
    readyAt = addSaturating(now, delayFor(tokens_ - 1));
    if (readyAt > deadline) return false;
    tokens_ -= 1;
  }
  clock_.sleepUntil(readyAt);
  return true;
}

}  // namespace mb::base
