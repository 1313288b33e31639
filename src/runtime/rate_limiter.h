// How long a failed key waits before its next try: per-key exponential
// backoff, an overall token bucket, and the maximum of several limiters.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/token_bucket.h"

namespace mb::runtime {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // The delay before `key` may be retried; records the try.
  virtual base::Duration when(const std::string& key) = 0;
  // `key` succeeded: forget its failures.
  virtual void forget(const std::string& key) = 0;
  // Tries recorded for `key` since it was last forgotten.
  virtual int numRequeues(const std::string& key) = 0;
};

// base * 2^failures, capped at `max`, per key.
class ItemExponentialRateLimiter final : public RateLimiter {
 public:
  explicit ItemExponentialRateLimiter(base::Duration base = std::chrono::milliseconds(5),
                                      base::Duration max = std::chrono::seconds(1000));
  base::Duration when(const std::string& key) override;
  void forget(const std::string& key) override;
  int numRequeues(const std::string& key) override;

 private:
  const base::Duration base_;
  const base::Duration max_;
  std::mutex mu_;
  std::unordered_map<std::string, int> failures_;  // guarded by mu_
};

// One token bucket for all keys: bounds the overall retry rate however many
// keys fail at once. Keeps no per-key state.
class BucketRateLimiter final : public RateLimiter {
 public:
  explicit BucketRateLimiter(double qps = 10, int burst = 100, base::Clock& clock = base::RealClock::instance());
  base::Duration when(const std::string& key) override;
  void forget(const std::string&) override {}
  int numRequeues(const std::string&) override { return 0; }

 private:
  base::TokenBucket bucket_;
};

// The longest delay of its limiters; every limiter sees every call.
class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);
  base::Duration when(const std::string& key) override;
  void forget(const std::string& key) override;
  int numRequeues(const std::string& key) override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

// max(exponential 5 ms .. 1000 s per key, bucket 10 qps / burst 100).
std::unique_ptr<RateLimiter> defaultControllerRateLimiter(base::Clock& clock = base::RealClock::instance());

}  // namespace mb::runtime
