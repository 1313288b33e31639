// The leader elector's timing, on a FakeClock: a leader whose renewal hangs
// (a dead connection, an API server that stopped answering) or fails must
// stop counting itself the leader once the renew deadline passes, before
// another replica may take the lease over; a candidate takes over a lease
// only after it has gone unrenewed for its duration as seen locally. The
// happy paths and the handover run against the real API server
// (test/integration/kube/leader_events_test.cc); hangs and failures on
// demand need a fake at the client seam.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "kube/leader_election.h"
#include "kube/time_format.h"
#include "unimplemented_client.h"

namespace mb::kube {
namespace {

using namespace std::chrono_literals;

// Holds one Lease in memory. Writes block while `hang` is set and fail
// while `fail` is set; every call is counted, so a test can wait (in real
// time, without sleeping) until the elector has made its next one.
class LeaseServer : public test::UnimplementedClient {
 public:
  void setHang(bool h) {
    std::lock_guard<std::mutex> lock(mu_);
    hang_ = h;
    cv_.notify_all();
  }
  void setFail(bool f) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = f;
  }
  void setLease(document::Value lease) {
    std::lock_guard<std::mutex> lock(mu_);
    lease_ = std::move(lease);
  }
  document::Value lease() {
    std::lock_guard<std::mutex> lock(mu_);
    return lease_;
  }
  // Blocks until `n` gets, or `n` writes, have been made in all.
  void awaitGets(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return gets_ >= n; });
  }
  void awaitWrites(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return writes_ >= n; });
  }
  // Blocks until a write is hanging.
  void awaitHanging() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return hanging_; });
  }

  ApiResult<document::Value> get(const Resource&, const std::string&, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++gets_;
    cv_.notify_all();
    if (lease_.isNull()) return err(errorFromResponse(404, ""));
    return lease_;
  }
  ApiResult<document::Value> create(const Resource&, const std::string&, const document::Value& object,
                                    const WriteOptions&) override {
    return write(object);
  }
  ApiResult<document::Value> update(const Resource&, const std::string&, const document::Value& object,
                                    const WriteOptions&) override {
    return write(object);
  }

 private:
  ApiResult<document::Value> write(const document::Value& object) {
    std::unique_lock<std::mutex> lock(mu_);
    // Like a request on a dead connection: no answer until the hang ends.
    hanging_ = hang_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !hang_; });
    hanging_ = false;
    ++writes_;
    cv_.notify_all();
    if (fail_) return err(errorFromResponse(500, ""));
    lease_ = object;
    return lease_;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool hang_ = false;
  bool hanging_ = false;
  bool fail_ = false;
  int gets_ = 0;
  int writes_ = 0;
  document::Value lease_;
};

LeaderElectionConfig fastConfig() {
  LeaderElectionConfig config;
  config.ns = "n";
  config.identity = "me";
  config.leaseDuration = 1500ms;
  config.renewDeadline = 600ms;
  config.retryPeriod = 100ms;
  return config;
}

std::string spec(const document::Value& lease, const char* field) {
  const document::Value* s = lease.find("spec");
  const document::Value* v = s != nullptr ? s->find(field) : nullptr;
  return v != nullptr ? v->text() : std::string();
}

TEST(LeaderElection, AHangingRenewalLosesTheLeaseAtTheDeadline) {
  base::FakeClock clock;
  LeaseServer server;
  LeaderElectionConfig config = fastConfig();
  std::atomic<bool> started{false};
  LeaderElector elector(server, clock, config, LeaderCallbacks{[&] { started = true; }, {}, {}});
  std::thread t([&] { elector.run(); });

  // Acquired, and waiting out the retry period before the first renewal.
  clock.awaitWaitersForTest(1);
  ASSERT_TRUE(elector.holdsLease());
  EXPECT_TRUE(started);
  EXPECT_EQ(spec(server.lease(), "renewTime"), formatMicroTime(clock.wallNow()));

  server.setHang(true);
  const base::TimePoint hungAt = clock.now();
  clock.advance(config.retryPeriod);
  server.awaitHanging();
  while (elector.holdsLease() && clock.now() < hungAt + 5s) clock.advance(10ms);
  const base::Duration lostAfter = clock.now() - hungAt;
  EXPECT_FALSE(elector.holdsLease());
  // Lost exactly at the renew deadline after the last renewal, before the
  // lease could expire for anybody else; the renewal is still hanging, so
  // isLeader() could not have told.
  EXPECT_EQ(lostAfter, config.renewDeadline);
  EXPECT_LT(lostAfter, config.leaseDuration);
  EXPECT_TRUE(elector.isLeader());

  elector.stop();
  server.setHang(false);
  t.join();
  EXPECT_FALSE(elector.isLeader());
}

TEST(LeaderElection, FailingRenewalsStepDownAtTheRenewDeadline) {
  base::FakeClock clock;
  LeaseServer server;
  LeaderElectionConfig config = fastConfig();
  std::atomic<int> stopped{0};
  LeaderElector elector(server, clock, config, LeaderCallbacks{{}, [&] { stopped++; }, {}});
  std::thread t([&] { elector.run(); });
  clock.awaitWaitersForTest(1);
  const base::TimePoint acquiredAt = clock.now();
  ASSERT_TRUE(elector.isLeader());

  server.setFail(true);
  // Renewals at 100..500 ms fail but the deadline has not passed: still leading.
  for (int i = 1; i <= 5; ++i) {
    clock.advance(config.retryPeriod);
    server.awaitWrites(1 + i);
    clock.awaitWaitersForTest(1);
    EXPECT_TRUE(elector.isLeader()) << "after renewal " << i;
    EXPECT_EQ(stopped, 0);
  }
  // The renewal at 600 ms fails with the deadline gone: the elector steps
  // down and returns by itself.
  clock.advance(config.retryPeriod);
  t.join();
  EXPECT_EQ(clock.now() - acquiredAt, config.renewDeadline);
  EXPECT_FALSE(elector.isLeader());
  EXPECT_FALSE(elector.holdsLease());
  EXPECT_EQ(stopped, 1);
}

TEST(LeaderElection, TakesOverOnlyAfterTheLeaseWentUnrenewedForItsDuration) {
  base::FakeClock clock;
  LeaseServer server;
  server.setLease(document::Value::object(
      {{"apiVersion", "coordination.k8s.io/v1"},
       {"kind", "Lease"},
       {"metadata", document::Value::object({{"name", "modelbooster-controller"}, {"namespace", "n"}})},
       {"spec", document::Value::object({{"holderIdentity", "other"},
                                         {"leaseDurationSeconds", document::Value::integer(1)},
                                         {"renewTime", "2020-01-01T00:00:00.000000Z"},
                                         {"leaseTransitions", document::Value::integer(3)}})}}));
  LeaderElectionConfig config = fastConfig();
  config.retryPeriod = 250ms;
  std::atomic<bool> started{false};
  LeaderElector elector(server, clock, config, LeaderCallbacks{[&] { started = true; }, {}, {}});
  std::thread t([&] { elector.run(); });

  // The first look starts the local expiry clock; the holder's own
  // renewTime (long past) is not trusted.
  server.awaitGets(1);
  clock.awaitWaitersForTest(1);
  EXPECT_EQ(elector.observedLeader(), "other");
  const base::TimePoint firstSeen = clock.now();
  // Looks at 250, 500, 750 and 1000 ms: not yet expired (1 s, strictly more).
  for (int i = 2; i <= 5; ++i) {
    clock.advance(config.retryPeriod);
    server.awaitGets(i);
    clock.awaitWaitersForTest(1);
    EXPECT_FALSE(started) << "look " << i;
  }
  clock.advance(config.retryPeriod);
  server.awaitWrites(1);
  clock.awaitWaitersForTest(1);  // leading, waiting to renew
  EXPECT_TRUE(started);
  EXPECT_EQ(clock.now() - firstSeen, 1250ms);
  document::Value lease = server.lease();
  EXPECT_EQ(spec(lease, "holderIdentity"), "me");
  EXPECT_EQ(spec(lease, "leaseTransitions"), "4");
  EXPECT_EQ(spec(lease, "acquireTime"), "2026-01-01T00:00:01.250000Z");
  EXPECT_EQ(spec(lease, "renewTime"), spec(lease, "acquireTime"));

  elector.stop();
  t.join();
  // Handed back on stop: an empty holder lets the next candidate in at once.
  EXPECT_EQ(spec(server.lease(), "holderIdentity"), "");
}

}  // namespace
}  // namespace mb::kube
