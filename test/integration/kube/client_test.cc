// The REST client against a real kube-apiserver: CRUD on a custom resource,
// error kinds, pagination, watch order, RBAC.
#include <gmock/gmock.h>

#include <mutex>
#include <thread>

#include "fixture.h"

namespace mb::kube::test {
namespace {

using testing::HasSubstr;

document::Value booster(const std::string& ns, const std::string& name,
                        const std::string& modelURI = "hf://org/model") {
  return json(R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
    "metadata":{"name":")" +
              name + R"(","namespace":")" + ns + R"("},
    "spec":{"backends":[{"name":"a","type":"vLLM","modelURI":")" +
              modelURI + R"(",
      "minReplicas":1,"maxReplicas":1,"workers":[{"type":"server","image":"img"}]}]}})");
}

document::Value configMap(const std::string& ns, const std::string& name, const std::string& value = "1") {
  return json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"(","namespace":")" + ns +
              R"(","labels":{"app":"it"}},"data":{"k":")" + value + R"("}})");
}

TEST_F(KubeTest, CustomResourceRoundTrip) {
  Resource mb = resources::modelBoosters();
  auto created = client_->create(mb, ns_, booster(ns_, "rt"));
  ASSERT_TRUE(created) << created.error().str();
  EXPECT_FALSE(str(*created, {"metadata", "uid"}).empty());

  auto got = client_->get(mb, ns_, "rt");
  ASSERT_TRUE(got) << got.error().str();
  EXPECT_EQ(str(*got, {"spec", "backends"}), "");  // an array, not text
  EXPECT_EQ(got->find("spec")->find("backends")->items()[0].find("routeWeight")->text(), "100")
      << "the CRD's default applies";

  // Update with the current resourceVersion.
  document::Value edited = *got;
  edited.find("spec")->put("owner", "team-a");
  auto updated = client_->update(mb, ns_, edited);
  ASSERT_TRUE(updated) << updated.error().str();
  EXPECT_EQ(str(*updated, {"spec", "owner"}), "team-a");
  EXPECT_NE(str(*updated, {"metadata", "resourceVersion"}), str(*got, {"metadata", "resourceVersion"}));

  // The status subresource: spec changes there are ignored, status kept.
  document::Value withStatus = *updated;
  withStatus.put("status", json(R"({"observedGeneration": 2, "conditions": [{"type": "Initialized",
      "status": "True", "reason": "Converted", "message": "ok", "lastTransitionTime": "2026-01-01T00:00:00Z"}]})"));
  auto statusWritten = client_->update(mb, ns_, withStatus, WriteOptions{.subresource = "status"});
  ASSERT_TRUE(statusWritten) << statusWritten.error().str();
  EXPECT_EQ(str(*statusWritten, {"status", "observedGeneration"}), "2");

  // Merge patch and server-side apply.
  auto patched = client_->patch(mb, ns_, "rt", PatchType::Merge, json(R"({"spec":{"owner":"team-b"}})"));
  ASSERT_TRUE(patched) << patched.error().str();
  EXPECT_EQ(str(*patched, {"spec", "owner"}), "team-b");
  document::Value apply = booster(ns_, "rt");
  apply.find("spec")->put("owner", "team-c");
  auto applied =
      client_->patch(mb, ns_, "rt", PatchType::Apply, apply, WriteOptions{.fieldManager = "it", .force = true});
  ASSERT_TRUE(applied) << applied.error().str();
  EXPECT_EQ(str(*applied, {"spec", "owner"}), "team-c");

  auto removed = client_->remove(mb, ns_, "rt", DeleteOptions{.propagationPolicy = "Background"});
  ASSERT_TRUE(removed) << removed.error().str();
  auto gone = client_->get(mb, ns_, "rt");
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().is(ErrorKind::NotFound)) << gone.error().str();
}

TEST_F(KubeTest, ErrorsAreValuesToBranchOn) {
  Resource cm = resources::configMaps();
  ASSERT_TRUE(client_->create(cm, ns_, configMap(ns_, "dup")));
  auto again = client_->create(cm, ns_, configMap(ns_, "dup"));
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(ErrorKind::AlreadyExists)) << again.error().str();
  EXPECT_EQ(again.error().httpStatus, 409);

  // A stale resourceVersion is a Conflict, never a blind overwrite.
  auto first = client_->get(cm, ns_, "dup");
  ASSERT_TRUE(first);
  document::Value a = *first;
  a.find("data")->put("k", "2");
  ASSERT_TRUE(client_->update(cm, ns_, a));
  document::Value stale = *first;
  stale.find("data")->put("k", "3");
  auto conflict = client_->update(cm, ns_, stale);
  ASSERT_FALSE(conflict);
  EXPECT_TRUE(conflict.error().is(ErrorKind::Conflict)) << conflict.error().str();

  // Invalid carries the API's causes with field paths.
  auto invalid = client_->create(resources::modelBoosters(), ns_, booster(ns_, "bad", "ftp://x"));
  ASSERT_FALSE(invalid);
  EXPECT_TRUE(invalid.error().is(ErrorKind::Invalid)) << invalid.error().str();
  ASSERT_FALSE(invalid.error().causes.empty());
  EXPECT_THAT(invalid.error().causes[0].field, HasSubstr("modelURI"));

  auto missing = client_->get(cm, ns_, "nope");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(ErrorKind::NotFound));

  // Preconditions on delete.
  auto wrongUid = client_->remove(cm, ns_, "dup", DeleteOptions{.preconditionUid = "not-the-uid"});
  ASSERT_FALSE(wrongUid);
  EXPECT_TRUE(wrongUid.error().is(ErrorKind::Conflict)) << wrongUid.error().str();
}

TEST_F(KubeTest, PaginationCoversEveryObjectOnce) {
  Resource cm = resources::configMaps();
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(client_->create(cm, ns_, configMap(ns_, "p" + std::to_string(i))));
  ListOptions options;
  options.limit = 10;
  options.labelSelector = "app=it";
  std::set<std::string> names;
  int pages = 0;
  do {
    auto page = client_->list(cm, ns_, options);
    ASSERT_TRUE(page) << page.error().str();
    ++pages;
    for (const auto& item : page->items) EXPECT_TRUE(names.insert(str(item, {"metadata", "name"})).second);
    options.continueToken = page->continueToken;
  } while (!options.continueToken.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names.size(), 25u);
}

TEST_F(KubeTest, WatchSeesCreateUpdateDeleteInOrder) {
  Resource cm = resources::configMaps();
  auto start = client_->list(cm, ns_, {});
  ASSERT_TRUE(start);
  std::mutex mu;
  std::vector<std::string> seen;
  std::atomic<bool> stop{false};
  std::thread watcher([&] {
    WatchOptions o;
    o.resourceVersion = start->resourceVersion;
    o.timeoutSeconds = 30;
    (void)client_->watch(
        cm, ns_, o,
        [&](WatchEvent&& e) {
          if (e.type == WatchEvent::Type::Bookmark) return true;
          std::lock_guard<std::mutex> lock(mu);
          const char* t = e.type == WatchEvent::Type::Added      ? "ADDED"
                          : e.type == WatchEvent::Type::Modified ? "MODIFIED"
                                                                 : "DELETED";
          seen.push_back(std::string(t) + " " + str(e.object, {"metadata", "name"}));
          return seen.size() < 3;
        },
        &stop);
  });
  ASSERT_TRUE(client_->create(cm, ns_, configMap(ns_, "w")));
  ASSERT_TRUE(client_->patch(cm, ns_, "w", PatchType::Merge, json(R"({"data":{"k":"2"}})")));
  ASSERT_TRUE(client_->remove(cm, ns_, "w"));
  bool done = eventually([&] {
    std::lock_guard<std::mutex> lock(mu);
    return seen.size() == 3;
  });
  stop = true;
  watcher.join();
  ASSERT_TRUE(done);
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED w", "MODIFIED w", "DELETED w"}));
}

TEST_F(KubeTest, RbacDenialIsForbiddenWithTheApisMessage) {
  Resource serviceAccounts{"", "v1", "serviceaccounts", true};
  ASSERT_TRUE(client_->create(serviceAccounts, ns_,
                              json(R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"nobody"}})")));
  // TokenRequest: POST .../serviceaccounts/nobody/token.
  auto token =
      client_->create(serviceAccounts, ns_, json(R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest",
                                        "metadata":{"name":"nobody"},"spec":{"expirationSeconds":600}})"),
                      WriteOptions{.fieldManager = "", .subresource = "token"});
  ASSERT_TRUE(token) << token.error().str();
  RestConfig limited;
  limited.server = config_.server;
  limited.caPem = config_.caPem;
  limited.bearerToken = str(*token, {"status", "token"});
  ASSERT_FALSE(limited.bearerToken.empty());
  auto weak = makeClient(limited, base::RealClock::instance());
  auto denied = weak->create(resources::configMaps(), ns_, configMap(ns_, "x"));
  ASSERT_FALSE(denied);
  EXPECT_TRUE(denied.error().is(ErrorKind::Forbidden)) << denied.error().str();
  EXPECT_THAT(denied.error().message, HasSubstr("system:serviceaccount:" + ns_ + ":nobody"));
  EXPECT_THAT(denied.error().message, HasSubstr("cannot create resource \"configmaps\""));
}

TEST_F(KubeTest, ClientSideRateLimitAndRequestMetrics) {
  RestConfig limited = config_;
  limited.qps = 5;
  limited.burst = 1;
  base::Registry registry;
  auto client =
      makeClient(limited, base::RealClock::instance(), standardHooks(limited, &registry, base::RealClock::instance()));
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) (void)client->get(resources::configMaps(), ns_, "missing");
  auto took = std::chrono::steady_clock::now() - start;
  // Burst 1 then 5 per second: the 6th request starts about 1 s in.
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_THAT(registry.text(), HasSubstr("rest_client_requests_total{verb=\"get\",code=\"404\"} 6"));
}

TEST_F(KubeTest, UnreachableServerIsAConnectionError) {
  RestConfig dead = config_;
  dead.server = "https://127.0.0.1:1";
  auto client = makeClient(dead, base::RealClock::instance());
  auto r = client->get(resources::configMaps(), ns_, "x");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ErrorKind::Connection)) << r.error().str();
}

}  // namespace
}  // namespace mb::kube::test
