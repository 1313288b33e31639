// A leader whose renewal hangs (a dead connection, an API server that
// stopped answering) must stop counting itself the leader once the renew
// deadline passes, while the call is still hanging: another replica may
// take the lease over when it expires. The happy paths and the handover run
// against the real API server (test/integration/kube/leader_events_test.cc);
// a hang on demand needs a fake at the client seam.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "kube/leader_election.h"

namespace mb::kube {
namespace {

// Holds one Lease in memory; writes block while `hang` is set.
class LeaseServer : public Client {
 public:
  void setHang(bool h) {
    std::lock_guard<std::mutex> lock(mu_);
    hang_ = h;
    cv_.notify_all();
  }

  ApiResult<document::Value> get(const Resource&, const std::string&, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (lease_.isNull()) return err(errorFromResponse(404, ""));
    return lease_;
  }
  ApiResult<ListPage> list(const Resource&, const std::string&, const ListOptions&) override {
    return err(errorFromResponse(501, ""));
  }
  ApiResult<document::Value> create(const Resource&, const std::string&, const document::Value& object,
                                    const WriteOptions&) override {
    return write(object);
  }
  ApiResult<document::Value> update(const Resource&, const std::string&, const document::Value& object,
                                    const WriteOptions&) override {
    return write(object);
  }
  ApiResult<document::Value> patch(const Resource&, const std::string&, const std::string&, PatchType,
                                   const document::Value&, const WriteOptions&) override {
    return err(errorFromResponse(501, ""));
  }
  ApiResult<Unit> remove(const Resource&, const std::string&, const std::string&, const DeleteOptions&) override {
    return err(errorFromResponse(501, ""));
  }
  ApiResult<Unit> watch(const Resource&, const std::string&, const WatchOptions&,
                        const std::function<bool(WatchEvent&&)>&, const std::atomic<bool>*) override {
    return err(errorFromResponse(501, ""));
  }
  ApiResult<std::vector<ApiResource>> serverResources(const std::string&, const std::string&) override {
    return err(errorFromResponse(404, ""));
  }

 private:
  ApiResult<document::Value> write(const document::Value& object) {
    std::unique_lock<std::mutex> lock(mu_);
    // Like a request on a dead connection: no answer until the hang ends.
    cv_.wait(lock, [&] { return !hang_; });
    lease_ = object;
    return lease_;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool hang_ = false;
  document::Value lease_;
};

TEST(LeaderDeadline, AHangingRenewalLosesTheLeaseAtTheDeadline) {
  using namespace std::chrono_literals;
  LeaseServer server;
  LeaderElectionConfig config;
  config.ns = "n";
  config.identity = "me";
  config.leaseDuration = 1500ms;
  config.renewDeadline = 600ms;
  config.retryPeriod = 100ms;
  std::atomic<bool> started{false};
  LeaderElector elector(server, config, LeaderCallbacks{[&] { started = true; }, {}, {}});
  std::thread t([&] { elector.run(); });

  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!elector.holdsLease() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(elector.holdsLease());
  EXPECT_TRUE(started);

  server.setHang(true);
  auto hungAt = std::chrono::steady_clock::now();
  while (elector.holdsLease() && std::chrono::steady_clock::now() < hungAt + 5s) std::this_thread::sleep_for(10ms);
  auto lostAfter = std::chrono::steady_clock::now() - hungAt;
  EXPECT_FALSE(elector.holdsLease());
  // Lost before the lease could expire for anybody else (about the renew
  // deadline after the last renewal); the renewal is still hanging, so
  // isLeader() could not have told.
  EXPECT_LT(lostAfter, config.leaseDuration);
  EXPECT_TRUE(elector.isLeader());

  elector.stop();
  server.setHang(false);
  t.join();
  EXPECT_FALSE(elector.isLeader());
}

}  // namespace
}  // namespace mb::kube
