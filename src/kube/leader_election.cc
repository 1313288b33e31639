#include "kube/leader_election.h"

#include <charconv>

#include "kube/time_format.h"

namespace mb::kube {
namespace {

std::string text(const document::Value& lease, const char* field) {
  const document::Value* spec = lease.find("spec");
  const document::Value* v = spec != nullptr ? spec->find(field) : nullptr;
  return v != nullptr && (v->isString() || v->isNumber()) ? v->text() : std::string();
}

int64_t number(const document::Value& lease, const char* field) {
  std::string t = text(lease, field);
  int64_t n = 0;
  std::from_chars(t.data(), t.data() + t.size(), n);
  return n;
}

}  // namespace

LeaderElector::LeaderElector(Client& client, base::Clock& clock, LeaderElectionConfig config, LeaderCallbacks callbacks)
    : client_(client), clock_(clock), config_(std::move(config)), callbacks_(std::move(callbacks)) {}

std::string LeaderElector::observedLeader() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return observedHolder_;
}

void LeaderElector::abandonForTest() {
  releaseOnStop_ = false;
  stop();
}

void LeaderElector::stop() {
  stop_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  wake_.notify_all();
}

bool LeaderElector::waitOrStop(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mutex_);
  // stop() notifies wake_ under mutex_, so it ends the wait at once.
  return !clock_.waitUntil(lock, wake_, base::addSaturating(clock_.now(), d), [&] { return stop_.load(); });
}

LeaderElector::Attempt LeaderElector::tryAcquireOrRenew() {
  const Resource leases = resources::leases();
  const base::TimePoint steadyNow = clock_.now();
  std::string nowText = formatMicroTime(clock_.wallNow());
  int64_t durationSeconds = std::chrono::duration_cast<std::chrono::seconds>(config_.leaseDuration).count();

  auto current = client_.get(leases, config_.ns, config_.name);
  if (!current) {
    if (!current.error().is(ErrorKind::NotFound)) return Attempt::Failed;
    document::Value lease = document::Value::object(
        {{"apiVersion", "coordination.k8s.io/v1"},
         {"kind", "Lease"},
         {"metadata", document::Value::object({{"name", config_.name}, {"namespace", config_.ns}})},
         {"spec", document::Value::object({{"holderIdentity", config_.identity},
                                           {"leaseDurationSeconds", document::Value::integer(durationSeconds)},
                                           {"acquireTime", nowText},
                                           {"renewTime", nowText},
                                           {"leaseTransitions", document::Value::integer(0)}})}});
    auto created = client_.create(leases, config_.ns, lease);
    if (!created) return Attempt::Failed;
    std::lock_guard<std::mutex> lock(mutex_);
    observedHolder_ = config_.identity;
    observedRenewTime_ = nowText;
    observedAt_ = steadyNow;
    return Attempt::Acquired;
  }

  std::string holder = text(*current, "holderIdentity");
  std::string renewTime = text(*current, "renewTime");
  int64_t transitions = number(*current, "leaseTransitions");
  int64_t heldFor = number(*current, "leaseDurationSeconds");
  bool expired = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (holder != observedHolder_ || renewTime != observedRenewTime_) {
      // The record changed: restart our local expiry clock from now.
      observedHolder_ = holder;
      observedRenewTime_ = renewTime;
      observedAt_ = steadyNow;
      observedTransitions_ = transitions;
    }
    auto validFor = std::chrono::seconds(heldFor > 0 ? heldFor : durationSeconds);
    expired = holder.empty() || steadyNow > observedAt_ + validFor;
  }
  if (holder != config_.identity && !expired) {
    if (callbacks_.onNewLeader) callbacks_.onNewLeader(holder);
    return Attempt::HeldByOther;
  }

  document::Value lease = *current;
  document::Value* spec = lease.find("spec");
  if (spec == nullptr) spec = &lease.put("spec", document::Value::object());
  if (holder != config_.identity) {
    spec->put("acquireTime", nowText);
    spec->put("leaseTransitions", document::Value::integer(transitions + 1));
  }
  spec->put("holderIdentity", config_.identity);
  spec->put("leaseDurationSeconds", document::Value::integer(durationSeconds));
  spec->put("renewTime", nowText);
  // Conditional on the resourceVersion we read: of two candidates racing
  // for an expired lease, exactly one update succeeds.
  auto updated = client_.update(leases, config_.ns, lease);
  if (!updated) return Attempt::Failed;
  std::lock_guard<std::mutex> lock(mutex_);
  observedHolder_ = config_.identity;
  observedRenewTime_ = nowText;
  observedAt_ = steadyNow;
  return Attempt::Acquired;
}

void LeaderElector::release() {
  auto current = client_.get(resources::leases(), config_.ns, config_.name);
  if (!current || text(*current, "holderIdentity") != config_.identity) return;
  document::Value lease = *current;
  document::Value* spec = lease.find("spec");
  // An empty holder lets the next candidate take over at once instead of
  // waiting out the lease.
  spec->put("holderIdentity", "");
  spec->put("leaseDurationSeconds", document::Value::integer(1));
  spec->put("renewTime", formatMicroTime(clock_.wallNow()));
  (void)client_.update(resources::leases(), config_.ns, lease);
}

bool LeaderElector::holdsLease() const {
  if (!leader_) return false;
  auto renewed = base::TimePoint(base::Duration(renewedAt_.load()));
  return clock_.now() - renewed < config_.renewDeadline;
}

void LeaderElector::run() {
  // An attempt counts from when it started, not when its answer came back:
  // others time the lease from the moment they see our write.
  auto attempt = [&] {
    const base::TimePoint started = clock_.now();
    Attempt a = tryAcquireOrRenew();
    if (a == Attempt::Acquired) renewedAt_ = started.time_since_epoch().count();
    return a;
  };
  // Campaign.
  while (!stop_) {
    if (attempt() == Attempt::Acquired) break;
    if (!waitOrStop(config_.retryPeriod)) return;
  }
  if (stop_) return;
  leader_ = true;
  if (callbacks_.onNewLeader) callbacks_.onNewLeader(config_.identity);
  if (callbacks_.onStartedLeading) callbacks_.onStartedLeading();

  // Lead: renew every retry period; give up as soon as the renew deadline
  // passes without a successful renewal (holdsLease() already says so while
  // an attempt is still hanging).
  while (!stop_) {
    if (!waitOrStop(config_.retryPeriod)) break;
    Attempt a = attempt();
    if (a == Attempt::HeldByOther || !holdsLease()) break;
  }
  leader_ = false;
  if (callbacks_.onStoppedLeading) callbacks_.onStoppedLeading();
  if (stop_ && releaseOnStop_) release();
}

}  // namespace mb::kube
