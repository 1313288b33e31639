// A token bucket: `qps` tokens a second, holding at most `burst`. Limits the
// queue's overall retry rate and, as a blocking limiter, the API requests of
// the REST client (--kube-api-qps/--kube-api-burst).
#pragma once

#include <mutex>

#include "base/clock.h"

namespace mb::base {

class TokenBucket {
 public:
  // Starts full. qps <= 0 means unlimited; burst is at least 1.
  TokenBucket(double qps, int burst, Clock& clock = RealClock::instance());

  // Takes a token now if one is there.
  bool tryAccept();
  // Takes a token, possibly one not yet there, and says how long to wait
  // before using it. Reservations queue up: tokens may go negative.
  Duration reserve();
  // Blocks until a token is ours.
  void wait();
  // Like wait(), but gives up at once (reserving nothing) and returns false
  // when no token would be ours by `deadline`.
  bool waitUntil(TimePoint deadline);

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  // Adds the tokens earned since the last call; mu_ held.
  void refill(TimePoint now);
  Duration delayFor(double tokens) const;

  const double qps_;
  const int burst_;
  Clock& clock_;
  std::mutex mu_;
  double tokens_;   // guarded by mu_
  TimePoint last_;  // guarded by mu_
};

}  // namespace mb::base
