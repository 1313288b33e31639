// The watcher and store against a real kube-apiserver: convergence, relist
// after a forced expiry (etcd compaction), and a restart of kube-apiserver
// in the middle of a watch.
#include <gmock/gmock.h>

#include <array>
#include <cstdio>
#include <set>
#include <thread>

#include "fixture.h"
#include "kube/store.h"
#include "kube/watcher.h"

namespace mb::kube::test {
namespace {

document::Value configMap(const std::string& ns, const std::string& name, const std::string& value = "1") {
  return json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"(","namespace":")" + ns +
              R"("},"data":{"k":")" + value + R"("}})");
}

std::string run(const std::string& command, int* status = nullptr) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int rc = pclose(pipe);
  if (status != nullptr) *status = rc;
  return out;
}

// Restarts the control plane's kube-apiserver; the test fails if it could
// not (ctest runs tests from the build directory, hence the full path).
void restartApiserver() {
  int status = -1;
  std::string out = run(std::string(MB_SOURCE_DIR) + "/scripts/testenv.sh restart-apiserver 2>&1", &status);
  ASSERT_EQ(status, 0) << out;
  ASSERT_NE(out.find("ready again"), std::string::npos) << out;
}

// Compacts etcd's history up to its current revision, so that every older
// resourceVersion is expired (410 Gone) from then on.
bool compactEtcd() {
  const char* etcd = std::getenv("MODELBOOSTER_TESTENV_ETCD");
  if (etcd == nullptr) return false;
  document::Value range = json(run(std::string("curl -s -X POST ") + etcd + "/v3/kv/range -d '{\"key\":\"AA==\"}'"));
  std::string rev = str(range, {"header", "revision"});
  if (rev.empty()) return false;
  std::string out = run(std::string("curl -s -X POST ") + etcd + "/v3/kv/compaction -d '{\"revision\":\"" + rev +
                        "\",\"physical\":true}'");
  return out.find("error") == std::string::npos;
}

std::set<std::string> names(const Store& store) {
  std::set<std::string> out;
  for (const auto& o : store.list()) out.insert(str(*o, {"metadata", "name"}));
  return out;
}

// Runs a watcher on its own thread; stops and joins it however the test
// ends (a failed ASSERT must not leave a joinable thread behind).
class Running {
 public:
  explicit Running(Watcher& w) : watcher_(w), thread_([&w] { w.run(); }) {}
  ~Running() { stop(); }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  void stop() {
    watcher_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  Watcher& watcher_;
  std::thread thread_;
};

class WatcherTest : public KubeTest {
 protected:
  WatcherConfig config() {
    WatcherConfig c;
    c.resource = resources::configMaps();
    c.ns = ns_;
    c.pageSize = 2;  // several pages even for a handful of objects
    c.watchTimeoutSeconds = 20;
    return c;
  }
};

TEST_F(WatcherTest, StoreFollowsTheServer) {
  Resource cm = resources::configMaps();
  for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(client_->create(cm, ns_, configMap(ns_, n)));
  Store store;
  std::mutex mu;
  std::vector<std::string> changes;
  Watcher watcher(*client_, base::RealClock::instance(), config(), store, [&](const Change& c) {
    std::lock_guard<std::mutex> lock(mu);
    changes.push_back((c.type == Change::Type::Applied ? "apply " : "delete ") + str(*c.object, {"metadata", "name"}));
  });
  Running running(watcher);
  ASSERT_TRUE(eventually([&] { return store.synced() && store.size() == 3; }));
  ASSERT_TRUE(client_->create(cm, ns_, configMap(ns_, "d")));
  ASSERT_TRUE(client_->patch(cm, ns_, "a", PatchType::Merge, json(R"({"data":{"k":"2"}})")));
  ASSERT_TRUE(client_->remove(cm, ns_, "b"));
  EXPECT_TRUE(eventually([&] {
    auto a = store.get(ns_ + "/a");
    return names(store) == std::set<std::string>{"a", "c", "d"} && a && str(*a, {"data", "k"}) == "2";
  }));
  running.stop();
  // The API server sets managedFields on every object; the cache drops them.
  for (const auto& o : store.list()) EXPECT_EQ(o->find("metadata")->find("managedFields"), nullptr);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_THAT(changes, testing::IsSupersetOf({"apply d", "apply a", "delete b"}));
}

TEST_F(WatcherTest, ExpiredVersionRelistsAndTheStoreConverges) {
  if (std::getenv("MODELBOOSTER_TESTENV_DIR") == nullptr) GTEST_SKIP() << "needs scripts/testenv.sh";
  Resource cm = resources::configMaps();
  for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(client_->create(cm, ns_, configMap(ns_, n)));
  Store store;
  std::string lastVersion;
  {
    Watcher first(*client_, base::RealClock::instance(), config(), store);
    Running running(first);
    ASSERT_TRUE(eventually([&] { return store.synced() && store.size() == 3; }));
    running.stop();
    lastVersion = first.resourceVersion();
  }
  // Changes while nobody watches, then history before them is compacted.
  // kube-apiserver serves watches from its watch cache, which keeps recent
  // history in memory whatever etcd does; a restart rebuilds that cache at
  // the current version, so the old version is then truly expired (410).
  ASSERT_TRUE(client_->remove(cm, ns_, "a"));
  ASSERT_TRUE(client_->create(cm, ns_, configMap(ns_, "d")));
  ASSERT_TRUE(client_->patch(cm, ns_, "b", PatchType::Merge, json(R"({"data":{"k":"9"}})")));
  ASSERT_TRUE(compactEtcd()) << "could not compact etcd at $MODELBOOSTER_TESTENV_ETCD";
  ASSERT_NO_FATAL_FAILURE(restartApiserver());
  ASSERT_TRUE(eventually([&] { return static_cast<bool>(client_->get(cm, ns_, "b")); }, std::chrono::seconds(60)));

  std::mutex mu;
  std::vector<std::string> deleted;
  Watcher second(*client_, base::RealClock::instance(), config(), store, [&](const Change& c) {
    std::lock_guard<std::mutex> lock(mu);
    if (c.type == Change::Type::Deleted) deleted.push_back(str(*c.object, {"metadata", "name"}));
  });
  second.resumeFrom(lastVersion);
  Running running(second);
  bool converged = eventually([&] {
    auto b = store.get(ns_ + "/b");
    return names(store) == std::set<std::string>{"b", "c", "d"} && b && str(*b, {"data", "k"}) == "9";
  });
  running.stop();
  EXPECT_TRUE(converged) << "store: " << testing::PrintToString(names(store));
  EXPECT_GE(second.relists(), 1u) << "a 410 Gone must lead to a relist";
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(deleted, std::vector<std::string>{"a"}) << "deleted-while-away objects are reported at relist";
}

TEST_F(WatcherTest, ApiserverRestartMidWatchMissesNothing) {
  if (std::getenv("MODELBOOSTER_TESTENV_DIR") == nullptr) GTEST_SKIP() << "needs scripts/testenv.sh";
  Resource cm = resources::configMaps();
  ASSERT_TRUE(client_->create(cm, ns_, configMap(ns_, "before")));
  Store store;
  WatcherConfig c = config();
  c.initialBackoff = std::chrono::milliseconds(100);
  c.maxBackoff = std::chrono::milliseconds(1000);
  Watcher watcher(*client_, base::RealClock::instance(), c, store);
  Running running(watcher);
  ASSERT_TRUE(eventually([&] { return store.synced() && store.size() == 1; }));

  ASSERT_NO_FATAL_FAILURE(restartApiserver());
  ASSERT_TRUE(eventually([&] { return static_cast<bool>(client_->get(cm, ns_, "before")); }, std::chrono::seconds(60)));
  // Written after the restart; the watcher must come back and see them.
  ASSERT_TRUE(client_->create(cm, ns_, configMap(ns_, "after")));
  ASSERT_TRUE(client_->patch(cm, ns_, "before", PatchType::Merge, json(R"({"data":{"k":"2"}})")));
  bool seen = eventually([&] {
    auto before = store.get(ns_ + "/before");
    return store.get(ns_ + "/after") != nullptr && before && str(*before, {"data", "k"}) == "2";
  });
  running.stop();
  EXPECT_TRUE(seen);
  EXPECT_GE(watcher.rewatches(), 1u);
}

}  // namespace
}  // namespace mb::kube::test
