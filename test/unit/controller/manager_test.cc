// The whole manager against a fake API server at the client seam, on a fake
// clock: which serving stack it finds, that a kind the server does not serve
// never holds it back, and that a missing kind the stack needs is reported
// and recovered from without a restart. The same against the real API
// server runs in test/e2e. Nothing here sleeps: the test waits on the fake
// client (woken by every call) and on the fake clock's waiters, and moves
// time by hand.
#include "controller/manager.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "document/parse.h"
#include "fake_client.h"

namespace mb::controller {
namespace {

using namespace std::chrono_literals;
using testing::FakeClient;

constexpr const char* kBooster = R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
  "metadata":{"name":"NAME","namespace":"n","uid":"u-NAME","generation":1,"resourceVersion":"7"},
  "spec":{"backends":[{"name":"a","type":"vLLM","modelURI":"hf://org/model","cacheURI":"hostpath:///mnt/models",
    "minReplicas":1,"maxReplicas":MAX,AUTOSCALING"workers":[{"type":"server","image":"vllm/vllm-openai:v0.10.1"}]}]}})";

document::Value booster(const std::string& name, bool autoscaled) {
  std::string t = kBooster;
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at = t.find(from); at != std::string::npos; at = t.find(from, at + to.size())) {
      t.replace(at, from.size(), to);
    }
  };
  replace("NAME", name);
  replace("MAX", autoscaled ? "4" : "1");
  replace("AUTOSCALING",
          autoscaled
              ? R"("autoscalingPolicy":{"metrics":[{"metricName":"kthena:num_requests_waiting","targetValue":5}]},)"
              : "");
  document::Value v;
  document::ParseError e;
  EXPECT_TRUE(document::parseJson(t, v, e)) << e.str();
  return v;
}

std::string condition(const document::Value& status, const std::string& type, const char* field = "status") {
  const document::Value* conditions = status.find("conditions");
  if (conditions == nullptr) return "";
  for (const auto& c : conditions->items()) {
    if (c.find("type")->text() == type) return c.find(field)->text();
  }
  return "";
}

class ManagerTest : public ::testing::Test {
 protected:
  ~ManagerTest() override { stop(); }

  void addBooster(const std::string& name, bool autoscaled) {
    client_.putObject("modelboosters n/" + name, booster(name, autoscaled));
  }
  void start(const std::string& servingStack) {
    options_.metricsAddress = "0";
    options_.healthAddress = "0";
    options_.workers = 1;
    options_.configNamespace = "default";
    options_.servingStack = servingStack;
    manager_ = std::make_unique<Manager>(client_, clock_, options_);
    thread_ = std::thread([this] {
      exit_ = manager_->run(stop_);
      client_.progressed();
    });
  }
  int stop() {
    client_.closeWatches();
    stop_ = true;
    if (manager_) manager_->wake();
    if (thread_.joinable()) thread_.join();
    return exit_;
  }
  // Until `condition` holds: the manager's threads run on their own, and
  // every step they take is a call on the fake client, which wakes this.
  template <class Condition>
  bool eventually(Condition condition) {
    return client_.awaitTrue(condition);
  }
  std::string failedReason(const std::string& key) const {
    auto status = client_.statusOf(key);
    return status ? condition(*status, "Failed", "reason") : "";
  }
  // Writes to child kinds about the booster NAME (its children are NAME-a
  // and NAME).
  std::vector<std::string> childWrites(const std::string& name) const {
    std::vector<std::string> out;
    for (const char* verb : {"create ", "update ", "delete "}) {
      for (const auto& k : api::kChildKinds) {
        for (const auto& c : client_.callsStartingWith(verb + std::string(k.plural) + " n/")) {
          if (c.ends_with(" n/" + name) || c.ends_with(" n/" + name + "-a")) out.push_back(c);
        }
      }
    }
    return out;
  }
  size_t discoveries() const { return client_.callsStartingWith("discover ").size(); }

  FakeClient client_;
  base::FakeClock clock_;
  ManagerOptions options_;
  std::atomic<bool> stop_{false};
  std::unique_ptr<Manager> manager_;
  std::thread thread_;
  std::atomic<int> exit_{-1};
};

// The bug: on a Kthena v1.0 server there is no AutoscalingPolicyBinding;
// the manager watched it anyway, its list answered 404 forever, the caches
// never synced, and no booster was ever reconciled, without a word.
TEST_F(ManagerTest, AV10ServerIsNeverWaitedOnForABindingCache) {
  client_.serveV10();
  addBooster("m", false);
  start("auto");
  EXPECT_TRUE(eventually([&] { return !client_.callsStartingWith("create modelservings n/m-a").empty(); }))
      << "the controller never reconciled";
  EXPECT_TRUE(eventually([&] { return failedReason("n/m") == "Reconciled"; }));
  EXPECT_TRUE(client_.callsStartingWith("list autoscalingpolicybindings").empty()) << "not a v1.0 kind: not watched";
  EXPECT_EQ(stop(), 0);
}

// v0.1 named by the flag on a v1.0 server: the Binding is missing; a booster
// without autoscaling needs none and is reconciled.
TEST_F(ManagerTest, AKindNoBoosterNeedsDoesNotStopTheOthers) {
  client_.serveV10();
  addBooster("p", false);
  addBooster("m", true);
  start("v0.1");
  EXPECT_TRUE(eventually([&] { return failedReason("n/p") == "Reconciled"; }));
  EXPECT_TRUE(eventually([&] { return failedReason("n/m") == "ServingStackIncomplete"; }));
  EXPECT_TRUE(childWrites("m").empty()) << childWrites("m").front();
  auto status = client_.statusOf("n/m");
  ASSERT_TRUE(status);
  EXPECT_NE(condition(*status, "Failed", "message").find("AutoscalingPolicyBinding"), std::string::npos);
  EXPECT_EQ(stop(), 0);
}

// A kind the stack needs is missing: the boosters that need it fail with
// what to install and have no child written; discovery runs again every
// period on the manager's clock; when the kind appears it is watched and,
// once synced, every booster is requeued and recovers.
TEST_F(ManagerTest, AMissingKindIsReportedAndRecoveredFromWithoutARestart) {
  client_.serveV10();
  client_.unserve(api::ChildKind::AutoscalingPolicy);
  addBooster("m", true);
  addBooster("p", false);
  start("v1.0");
  ASSERT_TRUE(eventually([&] { return failedReason("n/m") == "ServingStackIncomplete"; }));
  ASSERT_TRUE(eventually([&] { return failedReason("n/p") == "Reconciled"; }))
      << "a booster without autoscaling needs no AutoscalingPolicy";
  auto status = client_.statusOf("n/m");
  ASSERT_TRUE(status);
  EXPECT_EQ(condition(*status, "Failed", "message"),
            "serving stack v1.0 (flag) is incomplete: the API server does not serve AutoscalingPolicy "
            "(autoscalingpolicies.workload.serving.volcano.sh/v1alpha1); install the Kthena v1.0.0 CRDs");
  EXPECT_TRUE(childWrites("m").empty()) << "half a set was written: " << childWrites("m").front();
  EXPECT_TRUE(client_.callsStartingWith("list autoscalingpolicies").empty()) << "a missing kind is not watched";

  // The discovery loop is parked on its period, 30 s from the start; 29 s
  // later it is still parked on that same deadline, so it has not run.
  const base::TimePoint started = clock_.now();
  clock_.awaitWaiterUntilForTest(started + 30s);
  size_t before = discoveries();
  clock_.advance(29s);
  clock_.awaitWaiterUntilForTest(started + 30s);
  EXPECT_EQ(discoveries(), before) << "discovery again before the period is up";

  client_.serve(api::ChildKind::AutoscalingPolicy);
  clock_.advance(1s);
  EXPECT_TRUE(eventually([&] { return discoveries() > before; }));
  EXPECT_TRUE(eventually([&] { return !client_.callsStartingWith("create autoscalingpolicies n/").empty(); }))
      << "the booster did not recover";
  EXPECT_TRUE(eventually([&] { return failedReason("n/m") == "Reconciled"; }));
  EXPECT_FALSE(client_.callsStartingWith("list autoscalingpolicies").empty());
  // Complete now: the discovery loop has ended, so no more discovery,
  // however much time passes (counted once every thread is joined).
  size_t after = discoveries();
  clock_.advance(120s);
  EXPECT_EQ(stop(), 0);
  EXPECT_EQ(discoveries(), after);
}

// Discovery that fails at start-up (no answer, 5xx) is retried on the
// clock; nothing is watched before the stack is known.
TEST_F(ManagerTest, FailedDiscoveryAtStartUpIsRetried) {
  client_.serveV10();
  client_.failCall("discover networking.serving.volcano.sh/v1alpha1", kube::errorFromResponse(503, ""));
  addBooster("m", false);
  start("auto");
  // Parked on its first retry, 1 s on: the loop has not got past discovery.
  clock_.awaitWaiterUntilForTest(clock_.now() + 1s);
  EXPECT_GE(discoveries(), 2U);
  EXPECT_TRUE(client_.callsStartingWith("list modelservings").empty());
  client_.healCall("discover networking.serving.volcano.sh/v1alpha1");
  clock_.advance(1s);
  EXPECT_TRUE(eventually([&] { return failedReason("n/m") == "Reconciled"; }));
  EXPECT_EQ(stop(), 0);
}

// The manager's whole loop in-process: a booster becomes its children and
// Initialized; a child deleted behind its back is written again.
TEST_F(ManagerTest, ABoosterBecomesItsChildrenAndADeletedChildIsRecreated) {
  client_.serveV10();
  addBooster("m", false);
  start("v1.0");
  ASSERT_TRUE(eventually([&] { return failedReason("n/m") == "Reconciled"; }));
  auto status = client_.statusOf("n/m");
  ASSERT_TRUE(status);
  EXPECT_EQ(condition(*status, "Initialized"), "True");
  for (const char* child : {"modelservings n/m-a", "modelservers n/m-a", "modelroutes n/m"}) {
    auto object = client_.objectAt(child);
    ASSERT_TRUE(object) << child;
    const document::Value* refs = object->find("metadata")->find("ownerReferences");
    ASSERT_NE(refs, nullptr) << child;
    EXPECT_EQ(refs->items().front().find("uid")->text(), "u-m") << child;
  }
  EXPECT_EQ(client_.callsStartingWith("create modelservings n/m-a").size(), 1U);

  client_.deleteAndEmit("modelservings", "n/m-a");
  EXPECT_TRUE(eventually([&] { return client_.callsStartingWith("create modelservings n/m-a").size() == 2; }))
      << "the deleted ModelServing was not recreated";
  EXPECT_TRUE(client_.objectAt("modelservings n/m-a"));
  EXPECT_EQ(stop(), 0);
  EXPECT_FALSE(manager_->mustExitAtOnce());
}

// SIGTERM while a reconcile is writing: run() waits for it (within the
// bound, on the manager's clock) and then returns 0.
TEST_F(ManagerTest, StopDrainsTheReconcileInFlight) {
  client_.serveV10();
  client_.holdCall("create modelservings n/m-a");
  addBooster("m", false);
  start("v1.0");
  ASSERT_TRUE(eventually([&] { return client_.waitingCalls() == 1; })) << "the reconcile never started";
  std::thread stopper([this] { stop(); });
  // run() must not return while the create is held: the shutdown waits on
  // the fake clock for the bound, which does not move.
  clock_.awaitWaiterUntilForTest(clock_.now() + options_.shutdownGrace);
  EXPECT_EQ(exit_, -1);
  client_.releaseCall("create modelservings n/m-a");
  stopper.join();
  EXPECT_EQ(exit_, 0);
  EXPECT_FALSE(manager_->mustExitAtOnce());
  EXPECT_TRUE(client_.objectAt("modelservings n/m-a")) << "the reconcile in flight was cut short";
}

// A leader whose renewals fail steps down at once: run() returns 1 and
// tells its caller to end the process without waiting (runManager: _Exit).
TEST_F(ManagerTest, LosingTheLeaseEndsRunAtOnce) {
  client_.serveV10();
  addBooster("m", false);
  options_.leaderElect = true;
  options_.leaseDuration = 600ms;
  options_.renewDeadline = 400ms;
  options_.retryPeriod = 50ms;
  start("v1.0");
  ASSERT_TRUE(eventually([&] { return failedReason("n/m") == "Reconciled"; })) << "never led";
  client_.failCall("update leases default/modelbooster-controller", kube::errorFromResponse(500, ""));
  // The elector renews on the manager's (fake) clock: past the renew
  // deadline without a renewal, the leader must step down.
  clock_.advance(options_.renewDeadline + options_.retryPeriod);
  ASSERT_TRUE(eventually([&] { return exit_ != -1; })) << "run() did not return after the renewals failed";
  thread_.join();
  EXPECT_EQ(exit_, 1);
  EXPECT_TRUE(manager_->mustExitAtOnce());
}

TEST_F(ManagerTest, StopDuringStartUpDiscoveryExitsCleanly) {
  client_.failCall("discover workload.serving.volcano.sh/v1alpha1", kube::errorFromResponse(500, ""));
  start("auto");
  ASSERT_TRUE(eventually([&] { return discoveries() >= 1; }));
  EXPECT_EQ(stop(), 0);
}

}  // namespace
}  // namespace mb::controller
