#include "controller/lora_syncer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

namespace mb::controller {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

// Engines and sidecars behind pod IPs: what each serves, and the faults a
// test asks for.
class FakeRuntime final : public sidecar::RuntimeClient {
 public:
  struct Pod {
    std::string base = "llama";
    std::map<std::string, std::string> adapters;  // name -> path
    bool listFails = false;
    std::set<std::string> badSources;  // loads of these fail
    bool hang = false;                 // calls wait until release()
  };

  Result<std::vector<core::ServedModel>, sidecar::CallError> listModels(const sidecar::PodEndpoint& e) override {
    std::unique_lock lock(mu_);
    Pod& p = enter(lock, e);
    if (p.listFails) return err(sidecar::CallError{"GET http://" + e.ip + "/v1/models: HTTP 500", 500, false});
    std::vector<core::ServedModel> out = {{p.base, "/models/base", ""}};
    for (const auto& [name, path] : p.adapters) out.push_back({name, path, p.base});
    return out;
  }
  Result<Unit, sidecar::CallError> load(const sidecar::PodEndpoint& e, const core::DesiredAdapter& a) override {
    std::unique_lock lock(mu_);
    Pod& p = enter(lock, e);
    ++loads;
    if (p.badSources.contains(a.source)) return err(sidecar::CallError{"HTTP 500: cannot download", 500, false});
    p.adapters[a.name] = a.outputDir;
    return Unit{};
  }
  Result<Unit, sidecar::CallError> unload(const sidecar::PodEndpoint& e, std::string_view name) override {
    std::unique_lock lock(mu_);
    Pod& p = enter(lock, e);
    ++unloads;
    p.adapters.erase(std::string(name));
    return Unit{};
  }

  // Changes a pod's engine under the lock the calls take.
  template <class Edit>
  void edit(const std::string& ip, Edit e) {
    std::lock_guard lock(mu_);
    e(pods_[ip]);
  }
  void setHang(const std::string& ip, bool hang) {
    {
      std::lock_guard lock(mu_);
      pods_[ip].hang = hang;
    }
    cv_.notify_all();
  }
  void awaitHanging(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return hanging_ >= n; });
  }
  std::map<std::string, std::string> adapters(const std::string& ip) {
    std::lock_guard lock(mu_);
    return pods_[ip].adapters;
  }
  std::atomic<int> loads{0};
  std::atomic<int> unloads{0};

 private:
  Pod& enter(std::unique_lock<std::mutex>& lock, const sidecar::PodEndpoint& e) {
    Pod& p = pods_[e.ip];
    if (p.hang) {
      ++hanging_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !pods_[e.ip].hang; });
      --hanging_;
    }
    return p;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Pod> pods_;
  size_t hanging_ = 0;
};

class LoraSyncerTest : public testing::Test {
 protected:
  LoraSyncerTest()
      : syncer_(runtime_, clock_, LoraSyncer::Options{.threads = 2}, [this](const std::string& key) {
          std::lock_guard lock(mu_);
          ++notified_[key];
          cv_.notify_all();
        }) {
    syncer_.start();
  }

  static LoraPodTarget pod(const std::string& name, const std::string& ip, const std::string& identity = "uid-1") {
    return {name, identity + "/" + ip, {ip, 8000, 8100}};
  }
  static LoraBackendWant backend(std::vector<core::DesiredAdapter> adapters, std::vector<LoraPodTarget> pods) {
    return {"a", "llama", std::move(adapters), std::move(pods)};
  }
  // Waits (in real time, bounded) until nothing is queued or running.
  void settle() {
    std::unique_lock lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(10), [&] { return syncer_.busy() == 0; }));
  }
  int notified(const std::string& key) {
    std::lock_guard lock(mu_);
    return notified_[key];
  }

  const core::DesiredAdapter sql_{"sql", "hf://org/sql", "/models/p-sql"};
  const core::DesiredAdapter chat_{"chat", "hf://org/chat", "/models/p-chat"};
  FakeRuntime runtime_;
  base::FakeClock clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> notified_;
  LoraSyncer syncer_;
};

TEST_F(LoraSyncerTest, LoadsWhatIsWantedOnEveryPodAndReportsIt) {
  EXPECT_FALSE(syncer_.want("ns/m", {backend({sql_, chat_}, {pod("p0", "10.0.0.1"), pod("p1", "10.0.0.2")})}));
  settle();
  for (const char* ip : {"10.0.0.1", "10.0.0.2"}) {
    EXPECT_EQ(runtime_.adapters(ip),
              (std::map<std::string, std::string>{{"chat", "/models/p-chat"}, {"sql", "/models/p-sql"}}));
  }
  std::vector<LoraPodReport> report = syncer_.report("ns/m");
  ASSERT_EQ(report.size(), 2u);
  for (const auto& r : report) {
    EXPECT_TRUE(r.inSync) << r.pod;
    EXPECT_THAT(r.loaded, ElementsAre("chat", "sql"));
    EXPECT_EQ(r.error, "");
  }
  std::vector<LoraOutcome> outcomes = syncer_.takeOutcomes("ns/m");
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes[0].ok);
  EXPECT_THAT(outcomes[0].message, HasSubstr("loaded sql, loaded chat"));
  EXPECT_GE(notified("ns/m"), 1);
  EXPECT_TRUE(syncer_.takeOutcomes("ns/m").empty());
}

TEST_F(LoraSyncerTest, ASecondWantOfTheSameCostsNoCall) {
  (void)syncer_.want("ns/m", {backend({sql_}, {pod("p0", "10.0.0.1")})});
  settle();
  int loads = runtime_.loads.load();
  (void)syncer_.want("ns/m", {backend({sql_}, {pod("p0", "10.0.0.1")})});
  settle();
  EXPECT_EQ(runtime_.loads.load(), loads);
  EXPECT_EQ(syncer_.busy(), 0u);
}

TEST_F(LoraSyncerTest, AnAdapterRemovedIsUnloadedAndARestartedPodSyncedAgain) {
  (void)syncer_.want("ns/m", {backend({sql_, chat_}, {pod("p0", "10.0.0.1")})});
  settle();
  (void)syncer_.want("ns/m", {backend({chat_}, {pod("p0", "10.0.0.1")})});
  settle();
  EXPECT_EQ(runtime_.adapters("10.0.0.1"), (std::map<std::string, std::string>{{"chat", "/models/p-chat"}}));
  // The engine restarted and lost its adapters: a new identity.
  runtime_.edit("10.0.0.1", [](FakeRuntime::Pod& p) { p.adapters.clear(); });
  (void)syncer_.want("ns/m", {backend({chat_}, {pod("p0", "10.0.0.1", "uid-1-restart-1")})});
  settle();
  EXPECT_EQ(runtime_.adapters("10.0.0.1"), (std::map<std::string, std::string>{{"chat", "/models/p-chat"}}));
}

TEST_F(LoraSyncerTest, AFailureIsReportedOnceRetriedAfterABackoffAndDoesNotStopTheOthers) {
  runtime_.edit("10.0.0.1", [](FakeRuntime::Pod& p) { p.badSources.insert("hf://org/sql"); });
  (void)syncer_.want("ns/m", {backend({sql_, chat_}, {pod("p0", "10.0.0.1"), pod("p1", "10.0.0.2")})});
  settle();
  // p0 loaded what it could; p1 everything.
  EXPECT_EQ(runtime_.adapters("10.0.0.1"), (std::map<std::string, std::string>{{"chat", "/models/p-chat"}}));
  EXPECT_EQ(runtime_.adapters("10.0.0.2").size(), 2u);
  std::vector<LoraPodReport> report = syncer_.report("ns/m");
  ASSERT_EQ(report[0].pod, "p0");
  EXPECT_FALSE(report[0].inSync);
  EXPECT_EQ(report[0].failures, 1);
  EXPECT_THAT(report[0].error, HasSubstr("loading sql from hf://org/sql: HTTP 500: cannot download"));
  EXPECT_TRUE(report[1].inSync);
  std::vector<LoraOutcome> outcomes = syncer_.takeOutcomes("ns/m");
  ASSERT_EQ(outcomes.size(), 2u);  // in the order the two threads finished
  for (const auto& o : outcomes) EXPECT_EQ(o.ok, o.pod == "p1") << o.pod << ": " << o.message;

  // Before the backoff (2 s) nothing is tried; the reconciler is told when.
  int loads = runtime_.loads.load();
  std::optional<base::TimePoint> retry =
      syncer_.want("ns/m", {backend({sql_, chat_}, {pod("p0", "10.0.0.1"), pod("p1", "10.0.0.2")})});
  ASSERT_TRUE(retry);
  EXPECT_EQ(*retry - clock_.now(), std::chrono::seconds(2));
  settle();
  EXPECT_EQ(runtime_.loads.load(), loads);

  // The same failure again after the backoff: retried, counted, no second Event;
  // the backoff doubles.
  clock_.advance(std::chrono::seconds(2));
  (void)syncer_.want("ns/m", {backend({sql_, chat_}, {pod("p0", "10.0.0.1"), pod("p1", "10.0.0.2")})});
  settle();
  EXPECT_EQ(syncer_.report("ns/m")[0].failures, 2);
  EXPECT_TRUE(syncer_.takeOutcomes("ns/m").empty());
  retry = syncer_.want("ns/m", {backend({sql_, chat_}, {pod("p0", "10.0.0.1"), pod("p1", "10.0.0.2")})});
  ASSERT_TRUE(retry);
  EXPECT_EQ(*retry - clock_.now(), std::chrono::seconds(4));

  // Fixed: the next attempt succeeds and clears the error.
  runtime_.edit("10.0.0.1", [](FakeRuntime::Pod& p) { p.badSources.clear(); });
  clock_.advance(std::chrono::seconds(4));
  (void)syncer_.want("ns/m", {backend({sql_, chat_}, {pod("p0", "10.0.0.1"), pod("p1", "10.0.0.2")})});
  settle();
  report = syncer_.report("ns/m");
  EXPECT_TRUE(report[0].inSync);
  EXPECT_EQ(report[0].error, "");
  EXPECT_EQ(report[0].failures, 0);
}

TEST_F(LoraSyncerTest, AnEngineThatDoesNotAnswerIsAnError) {
  runtime_.edit("10.0.0.1", [](FakeRuntime::Pod& p) { p.listFails = true; });
  (void)syncer_.want("ns/m", {backend({sql_}, {pod("p0", "10.0.0.1")})});
  settle();
  EXPECT_THAT(syncer_.report("ns/m")[0].error, HasSubstr("/v1/models: HTTP 500"));
  EXPECT_EQ(runtime_.loads.load(), 0);
}

TEST_F(LoraSyncerTest, AHangingSidecarHoldsOneThreadAndNoOtherPod) {
  runtime_.setHang("10.0.0.1", true);
  (void)syncer_.want("ns/m", {backend({sql_}, {pod("p0", "10.0.0.1")})});
  runtime_.awaitHanging(1);
  // Another booster's pod is synced meanwhile, on the second thread.
  (void)syncer_.want("ns/other", {backend({sql_}, {pod("q0", "10.0.0.9")})});
  {
    std::unique_lock lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(10), [&] { return notified_["ns/other"] > 0; }));
  }
  EXPECT_TRUE(syncer_.report("ns/other")[0].inSync);
  EXPECT_EQ(syncer_.busy(), 1u);
  runtime_.setHang("10.0.0.1", false);
  settle();
  EXPECT_TRUE(syncer_.report("ns/m")[0].inSync);
}

TEST_F(LoraSyncerTest, AWantThatChangesWhileAPodSyncsIsSyncedAfter) {
  runtime_.setHang("10.0.0.1", true);
  (void)syncer_.want("ns/m", {backend({sql_}, {pod("p0", "10.0.0.1")})});
  runtime_.awaitHanging(1);
  (void)syncer_.want("ns/m", {backend({chat_}, {pod("p0", "10.0.0.1")})});
  runtime_.setHang("10.0.0.1", false);
  settle();
  EXPECT_EQ(runtime_.adapters("10.0.0.1"), (std::map<std::string, std::string>{{"chat", "/models/p-chat"}}));
}

TEST_F(LoraSyncerTest, ForgottenBoostersAndPodsKeepNothing) {
  (void)syncer_.want("ns/m", {backend({sql_}, {pod("p0", "10.0.0.1"), pod("p1", "10.0.0.2")})});
  settle();
  (void)syncer_.want("ns/m", {backend({sql_}, {pod("p1", "10.0.0.2")})});
  ASSERT_EQ(syncer_.report("ns/m").size(), 1u);
  EXPECT_EQ(syncer_.report("ns/m")[0].pod, "p1");
  syncer_.forget("ns/m");
  EXPECT_TRUE(syncer_.report("ns/m").empty());
}

}  // namespace
}  // namespace mb::controller
