// Which boosters a watch event concerns: a child reaches its controller
// owner, and its previous owner when an edit moved or removed the
// reference; a child no booster controls reaches nobody.
#include "controller/event_routing.h"

#include <gtest/gtest.h>

#include <memory>

#include "document/parse.h"

namespace mb::controller {
namespace {

using Strings = std::vector<std::string>;

kube::ObjectPtr object(const std::string& json) {
  document::Value v;
  document::ParseError e;
  EXPECT_TRUE(document::parseJson(json, v, e)) << e.str();
  return std::make_shared<const document::Value>(std::move(v));
}

// A ModelServing in namespace n; `refs` is its ownerReferences array ("" for none).
kube::ObjectPtr child(const std::string& refs, const std::string& labels = R"({"app":"x"})") {
  std::string meta = R"({"name":"m-a","namespace":"n","uid":"c1","labels":)" + labels;
  if (!refs.empty()) meta += R"(,"ownerReferences":)" + refs;
  return object(R"({"kind":"ModelServing","metadata":)" + meta + "}}");
}

std::string controllerRef(const std::string& name, const std::string& kind = "ModelBooster") {
  return R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":")" + kind + R"(","name":")" + name +
         R"(","uid":"u-)" + name + R"(","controller":true})";
}

kube::Change applied(kube::ObjectPtr now, kube::ObjectPtr before = nullptr) {
  return kube::Change{kube::Change::Type::Applied, std::move(now), std::move(before)};
}
kube::Change deleted(kube::ObjectPtr gone) {
  return kube::Change{kube::Change::Type::Deleted, std::move(gone), nullptr};
}

TEST(EventRouting, ABoosterChangeIsItsOwnKey) {
  auto b = object(R"({"kind":"ModelBooster","metadata":{"name":"m","namespace":"n"}})");
  EXPECT_EQ(keysForBooster(applied(b)), Strings{"n/m"});
  EXPECT_EQ(keysForBooster(deleted(b)), Strings{"n/m"});
}

TEST(EventRouting, AnAddedChildReachesItsController) {
  EXPECT_EQ(keysForChild(applied(child("[" + controllerRef("m") + "]"))), Strings{"n/m"});
}

TEST(EventRouting, AModifiedChildWithTheSameOwnerReachesItOnce) {
  auto before = child("[" + controllerRef("m") + "]");
  auto after = child("[" + controllerRef("m") + "]", R"({"app":"y"})");
  EXPECT_EQ(keysForChild(applied(after, before)), Strings{"n/m"});
}

TEST(EventRouting, ADeletedChildReachesItsController) {
  EXPECT_EQ(keysForChild(deleted(child("[" + controllerRef("m") + "]"))), Strings{"n/m"});
}

TEST(EventRouting, AnOwnerChangeReachesBothBoosters) {
  auto before = child("[" + controllerRef("old") + "]");
  auto after = child("[" + controllerRef("new") + "]");
  EXPECT_EQ(keysForChild(applied(after, before)), (Strings{"n/new", "n/old"}));
}

TEST(EventRouting, AReferenceRemovedByHandStillReachesThePreviousOwner) {
  auto before = child("[" + controllerRef("m") + "]");
  auto after = child("");
  EXPECT_EQ(keysForChild(applied(after, before)), Strings{"n/m"});
}

TEST(EventRouting, AChildWithoutLabelsOrReferencesReachesNobody) {
  EXPECT_TRUE(keysForChild(applied(child("", "{}"))).empty());
  EXPECT_TRUE(
      keysForChild(applied(object(R"({"kind":"ModelServing","metadata":{"name":"x","namespace":"n"}})"))).empty());
  EXPECT_TRUE(keysForChild(applied(object(R"({"kind":"ModelServing"})"))).empty());
}

TEST(EventRouting, AForeignControllerReachesNobody) {
  EXPECT_TRUE(keysForChild(applied(child("[" + controllerRef("d", "Deployment") + "]"))).empty());
}

TEST(EventRouting, AnOwnerThatIsNotTheControllerIsNoGuess) {
  std::string ref = R"([{"kind":"ModelBooster","name":"m","uid":"u-m","controller":false},
                        {"kind":"ModelBooster","name":"k","uid":"u-k"}])";
  EXPECT_TRUE(keysForChild(applied(child(ref))).empty());
  // The controller among several references, wherever it is.
  std::string several = R"([{"kind":"ModelBooster","name":"m","uid":"u-m"},)" + controllerRef("k") + "]";
  EXPECT_EQ(keysForChild(applied(child(several))), Strings{"n/k"});
}

TEST(EventRouting, MalformedReferencesReachNobody) {
  EXPECT_TRUE(keysForChild(applied(child(R"({"kind":"ModelBooster"})"))).empty());
  EXPECT_TRUE(keysForChild(applied(child(R"([{"kind":"ModelBooster","name":"m","controller":"true"}])"))).empty());
}

TEST(EventRouting, TheConfigMapReachesEveryBooster) {
  kube::Store boosters;
  kube::Store::Writer w(boosters);
  w.apply(object(R"({"metadata":{"name":"a","namespace":"n"}})"));
  w.apply(object(R"({"metadata":{"name":"b","namespace":"o"}})"));
  EXPECT_EQ(keysForEveryBooster(boosters), (Strings{"n/a", "o/b"}));
  EXPECT_TRUE(keysForEveryBooster(kube::Store()).empty());
}

// A serving pod of booster m in namespace n.
kube::ObjectPtr pod(const std::string& phase, const std::string& ip, int restarts = 0,
                    const std::string& extra = R"("conditions":[])") {
  return object(R"({"kind":"Pod","metadata":{"name":"m-a-0","namespace":"n","uid":"p1","labels":{)"
                R"("workload.serving.volcano.sh/model-name":"m","modelserving.volcano.sh/entry":"true"}},)"
                R"("status":{"phase":")" +
                phase + R"(","podIP":")" + ip + R"(",)" + extra +
                R"(,"containerStatuses":[{"name":"engine","restartCount":)" + std::to_string(restarts) + "}]}}");
}

TEST(EventRouting, AServingPodReachesTheBoosterItsLabelNames) {
  EXPECT_EQ(keysForPod(applied(pod("Running", "10.0.0.1"))), Strings{"n/m"});
  EXPECT_EQ(keysForPod(deleted(pod("Running", "10.0.0.1"))), Strings{"n/m"});
  EXPECT_TRUE(keysForPod(applied(object(R"({"kind":"Pod","metadata":{"name":"x","namespace":"n"}})"))).empty());
}

TEST(EventRouting, OnlyPodChangesTheLoraSyncerLooksAtReachTheBooster) {
  // Running with an IP, a restart: each may need adapters loaded.
  EXPECT_EQ(keysForPod(applied(pod("Running", "10.0.0.1"), pod("Pending", ""))), Strings{"n/m"});
  EXPECT_EQ(keysForPod(applied(pod("Running", "10.0.0.1", 1), pod("Running", "10.0.0.1", 0))), Strings{"n/m"});
  // A condition or probe time changed: nothing for the syncer.
  EXPECT_TRUE(keysForPod(applied(pod("Running", "10.0.0.1", 0, R"("conditions":[{"type":"Ready"}])"),
                                 pod("Running", "10.0.0.1")))
                  .empty());
}

}  // namespace
}  // namespace mb::controller
