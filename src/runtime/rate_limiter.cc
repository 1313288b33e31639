// The queue's retry delays; see rate_limiter.h.
#include "runtime/rate_limiter.h"

#include <algorithm>
#include <climits>

namespace mb::runtime {

ItemExponentialRateLimiter::ItemExponentialRateLimiter(base::Duration base, base::Duration max)
    : base_(base), max_(max) {}

base::Duration ItemExponentialRateLimiter::when(const std::string& key) {
  int exponent;
  {
    std::lock_guard guard(mu_);
    int& failures = failures_[key];
    exponent = failures;
    if (failures < INT_MAX) ++failures;
  }
  // base << exponent, computed only when it cannot pass max_ (and so cannot
  // overflow): a key failing for days must not wrap around to a tiny delay.
  base::Duration::rep base = base_.count();
  if (base <= 0) return base::Duration::zero();
  if (exponent >= 62 || base > (max_.count() >> exponent)) return max_;
  return std::min(max_, base::Duration(base << exponent));
}

void ItemExponentialRateLimiter::forget(const std::string& key) {
  std::lock_guard guard(mu_);
  failures_.erase(key);
}

int ItemExponentialRateLimiter::numRequeues(const std::string& key) {
  std::lock_guard guard(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

BucketRateLimiter::BucketRateLimiter(double qps, int burst, base::Clock& clock) : bucket_(qps, burst, clock) {}

base::Duration BucketRateLimiter::when(const std::string&) { return bucket_.reserve(); }

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
    : limiters_(std::move(limiters)) {}

base::Duration MaxOfRateLimiter::when(const std::string& key) {
  base::Duration longest = base::Duration::zero();
  for (auto& limiter : limiters_) longest = std::max(longest, limiter->when(key));
  return longest;
}

void MaxOfRateLimiter::forget(const std::string& key) {
  for (auto& limiter : limiters_) limiter->forget(key);
}

int MaxOfRateLimiter::numRequeues(const std::string& key) {
  int most = 0;
  for (auto& limiter : limiters_) most = std::max(most, limiter->numRequeues(key));
  return most;
}

std::unique_ptr<RateLimiter> defaultControllerRateLimiter(base::Clock& clock) {
  std::vector<std::unique_ptr<RateLimiter>> limiters;
  limiters.push_back(
      std::make_unique<ItemExponentialRateLimiter>(std::chrono::milliseconds(5), std::chrono::seconds(1000)));
  limiters.push_back(std::make_unique<BucketRateLimiter>(10, 100, clock));
  return std::make_unique<MaxOfRateLimiter>(std::move(limiters));
}

}  // namespace mb::runtime
