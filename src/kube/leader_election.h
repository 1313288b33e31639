// Leader election on a coordination.k8s.io/v1 Lease, so that of several
// controller replicas exactly one reconciles. A lease is taken over only
// after it has gone unrenewed for its duration as observed locally (no
// trust in other machines' clocks); a leader that cannot renew within the
// renew deadline steps down at once; release() hands the lease back.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "kube/client.h"

namespace mb::kube {

struct LeaderElectionConfig {
  std::string ns;
  std::string name = "modelbooster-controller";
  std::string identity;  // unique per process, e.g. hostname + random suffix
  std::chrono::milliseconds leaseDuration{15000};
  std::chrono::milliseconds renewDeadline{10000};
  std::chrono::milliseconds retryPeriod{2000};
};

struct LeaderCallbacks {
  std::function<void()> onStartedLeading;
  std::function<void()> onStoppedLeading;  // called at once when leadership is lost
  std::function<void(const std::string& identity)> onNewLeader;
};

class LeaderElector {
 public:
  // Lease expiry, the renew deadline and the retry waits run on `clock`;
  // its wall time goes into the Lease's acquireTime and renewTime.
  LeaderElector(Client& client, base::Clock& clock, LeaderElectionConfig config, LeaderCallbacks callbacks);

  // Campaigns, leads, and returns after stop() (releasing the lease if held)
  // or after losing the lease.
  void run();
  void stop();
  // Stops without handing the lease back, as a crashed process would: the
  // others must wait for the lease to expire.
  void abandonForTest();
  bool isLeader() const { return leader_.load(); }
  // Leading, and the lease was renewed within the renew deadline. Unlike
  // isLeader() this turns false while a renewal is still hanging on a dead
  // connection: the caller must stop reconciling then, before another
  // replica may take the lease over (lease duration > renew deadline).
  bool holdsLease() const;
  std::string observedLeader() const;

 private:
  enum class Attempt { Acquired, HeldByOther, Failed };
  Attempt tryAcquireOrRenew();
  void release();
  bool waitOrStop(std::chrono::milliseconds d);  // false when stopped

  Client& client_;
  base::Clock& clock_;
  LeaderElectionConfig config_;
  LeaderCallbacks callbacks_;
  std::atomic<bool> leader_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> releaseOnStop_{true};
  // When the last successful acquire or renew was sent (on clock_): the
  // lease is ours until at least then + lease duration.
  std::atomic<base::Duration::rep> renewedAt_{0};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  // The lease as last seen and when this process saw it change: guarded by mutex_.
  std::string observedHolder_;
  std::string observedRenewTime_;
  base::TimePoint observedAt_{};
  int64_t observedTransitions_ = 0;
};

}  // namespace mb::kube
