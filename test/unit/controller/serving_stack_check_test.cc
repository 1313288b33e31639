// The serving stack from discovery: which profile, which of its kinds the
// server serves, what a person is told when one is missing, and that a kind
// nobody watches never holds the caches back.
#include "controller/serving_stack_check.h"

#include <gtest/gtest.h>

#include "base/metrics.h"
#include "controller/caches.h"
#include "fake_client.h"

namespace mb::controller {
namespace {

using api::ChildKind;
using testing::FakeClient;

Discovery discovered(FakeClient& server) { return discover(server); }

TEST(Discover, AsksEachGroupVersionOnceAndReadsNotFoundAsNotServed) {
  FakeClient server;
  server.serveV10();
  Discovery d = discovered(server);
  EXPECT_EQ(server.callsStartingWith("discover ").size(), 2U);  // workload... and networking...
  EXPECT_TRUE(d.complete());
  EXPECT_TRUE(d.serves(api::kindInfo(ChildKind::ModelServing)));
  EXPECT_TRUE(d.serves(api::kindInfo(ChildKind::ModelRoute)));
  EXPECT_FALSE(d.serves(api::kindInfo(ChildKind::AutoscalingPolicyBinding)));
  EXPECT_TRUE(d.serves("workload.serving.volcano.sh", "v1alpha1", "modelboosters"));

  FakeClient empty;
  for (const auto& k : api::kChildKinds) empty.unserve(k.kind);
  empty.unserve("workload.serving.volcano.sh", "v1alpha1", "modelboosters");
  Discovery none = discovered(empty);
  EXPECT_TRUE(none.complete()) << "a 404 is an answer: the group/version is not served";
  EXPECT_FALSE(none.serves(api::kindInfo(ChildKind::ModelServing)));
}

TEST(Discover, AnErrorOtherThanNotFoundIsNotAnAnswer) {
  FakeClient server;
  server.failures["discover networking.serving.volcano.sh/v1alpha1"] = kube::errorFromResponse(503, "");
  Discovery d = discovered(server);
  EXPECT_FALSE(d.complete());
  EXPECT_NE(d.errors().find("networking.serving.volcano.sh/v1alpha1"), std::string::npos);
  EXPECT_FALSE(d.serves(api::kindInfo(ChildKind::ModelRoute)));
}

TEST(ChooseStack, AutoIsV01ExactlyWhenBindingsAreServed) {
  FakeClient v01;
  auto a = chooseStack("auto", discovered(v01));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->stack, api::ServingStack::V0_1);
  EXPECT_EQ(a->source, StackSource::Auto);

  FakeClient v10;
  v10.serveV10();
  auto b = chooseStack("auto", discovered(v10));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->stack, api::ServingStack::V1_0);
  EXPECT_EQ(b->source, StackSource::Auto);
}

TEST(ChooseStack, TheFlagWinsOverDiscovery) {
  FakeClient v10;
  v10.serveV10();
  auto c = chooseStack("v0.1", discovered(v10));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->stack, api::ServingStack::V0_1);
  EXPECT_EQ(c->source, StackSource::Flag);
  EXPECT_FALSE(chooseStack("v2.0", discovered(v10)));
}

TEST(ChooseStack, AutoCannotTellWhenTheBindingsGroupDidNotAnswer) {
  FakeClient server;
  server.failures["discover workload.serving.volcano.sh/v1alpha1"] = kube::errorFromResponse(500, "");
  auto c = chooseStack("auto", discovered(server));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("workload.serving.volcano.sh/v1alpha1"), std::string::npos);
}

TEST(CheckStack, SplitsTheProfilesKindsIntoServedAndMissing) {
  FakeClient server;
  server.serveV10();
  server.unserve(ChildKind::AutoscalingPolicy);
  StackCheck c = checkStack({api::ServingStack::V1_0, StackSource::Auto}, discovered(server));
  EXPECT_EQ(kindList(c.served), "ModelServing,ModelServer,ModelRoute");
  EXPECT_EQ(kindList(c.missing), "AutoscalingPolicy");
  EXPECT_FALSE(c.complete());
  EXPECT_EQ(c.label(), "serving stack v1.0 (auto)");

  // The binding is not a v1.0 kind: not served, and not missing either.
  FakeClient v10;
  v10.serveV10();
  StackCheck full = checkStack({api::ServingStack::V1_0, StackSource::Auto}, discovered(v10));
  EXPECT_TRUE(full.complete());
  EXPECT_EQ(full.served.size(), 4U);
}

TEST(MissingMessage, NamesTheKindItsResourceTheStackAndWhatToInstall) {
  FakeClient v10;
  v10.serveV10();
  StackCheck c = checkStack({api::ServingStack::V0_1, StackSource::Flag}, discovered(v10));
  ASSERT_EQ(kindList(c.missing), "AutoscalingPolicyBinding");
  std::string m = missingMessage(c, c.missing);
  EXPECT_EQ(m,
            "serving stack v0.1 (flag) is incomplete: the API server does not serve AutoscalingPolicyBinding "
            "(autoscalingpolicybindings.workload.serving.volcano.sh/v1alpha1); install the Kthena v0.1.0 CRDs, or "
            "name the installed stack with --serving-stack (auto detects it)");

  // v1.0 named by the flag, a kind every stack needs missing: no hint.
  ChildKind route[] = {ChildKind::ModelRoute};
  StackCheck flag10 = checkStack({api::ServingStack::V1_0, StackSource::Flag}, discovered(v10));
  EXPECT_EQ(missingMessage(flag10, route),
            "serving stack v1.0 (flag) is incomplete: the API server does not serve ModelRoute "
            "(modelroutes.networking.serving.volcano.sh/v1alpha1); install the Kthena v1.0.0 CRDs");

  ChildKind two[] = {ChildKind::ModelServing, ChildKind::AutoscalingPolicy};
  StackCheck auto10 = checkStack({api::ServingStack::V1_0, StackSource::Auto}, discovered(v10));
  EXPECT_EQ(missingMessage(auto10, two),
            "serving stack v1.0 (auto) is incomplete: the API server does not serve ModelServing "
            "(modelservings.workload.serving.volcano.sh/v1alpha1) or AutoscalingPolicy "
            "(autoscalingpolicies.workload.serving.volcano.sh/v1alpha1); install the Kthena v1.0.0 CRDs");
}

TEST(Readiness, SaysWhatItWaitsFor) {
  Readiness discovering = readiness(nullptr, "", false, false);
  EXPECT_EQ(discovering.status, 503);
  EXPECT_EQ(discovering.body, "discovering the serving stack\n");
  EXPECT_EQ(readiness(nullptr, "no route to host", false, false).body,
            "discovering the serving stack: no route to host\n");

  FakeClient server;
  server.serveV10();
  StackCheck ok = checkStack({api::ServingStack::V1_0, StackSource::Auto}, discovered(server));
  EXPECT_EQ(readiness(&ok, "", true, true).status, 200);
  EXPECT_EQ(readiness(&ok, "", true, true).body, "ok: leading; serving stack v1.0 (auto)\n");
  EXPECT_EQ(readiness(&ok, "", true, false).body, "ok: standby; serving stack v1.0 (auto)\n");
  EXPECT_EQ(readiness(&ok, "", false, true).status, 503);
  EXPECT_EQ(readiness(&ok, "", false, true).body, "caches not synced; serving stack v1.0 (auto)\n");

  server.unserve(ChildKind::ModelRoute);
  StackCheck missing = checkStack({api::ServingStack::V1_0, StackSource::Auto}, discovered(server));
  Readiness r = readiness(&missing, "", true, true);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, missingMessage(missing, missing.missing) + "\n");
}

TEST(ServingStackState, BlocksOnlyBoostersThatNeedAMissingKind) {
  ServingStackState state;
  EXPECT_EQ(state.blockingMessage({ChildKind::ModelServing}), "") << "before discovery nothing is known missing";
  FakeClient server;
  server.serveV10();
  server.unserve(ChildKind::AutoscalingPolicy);
  StackCheck c = checkStack({api::ServingStack::V1_0, StackSource::Auto}, discovered(server));
  state.set(c);
  EXPECT_EQ(state.blockingMessage({ChildKind::ModelServing, ChildKind::ModelServer, ChildKind::ModelRoute}), "");
  std::string m = state.blockingMessage({ChildKind::ModelServing, ChildKind::AutoscalingPolicy});
  ChildKind policy[] = {ChildKind::AutoscalingPolicy};
  EXPECT_EQ(m, missingMessage(c, policy));
}

TEST(StackMetrics, InfoAndOneSeriesPerKindOfTheProfile) {
  FakeClient server;
  server.serveV10();
  server.unserve(ChildKind::ModelServer);
  StackCheck c = checkStack({api::ServingStack::V1_0, StackSource::Auto}, discovered(server));
  base::Registry registry;
  exportStackMetrics(registry, c);
  std::string text = registry.text();
  EXPECT_NE(text.find("modelbooster_serving_stack_info{profile=\"v1.0\",source=\"auto\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("modelbooster_serving_stack_kind_served{kind=\"ModelServer\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("modelbooster_serving_stack_kind_served{kind=\"ModelRoute\"} 1"), std::string::npos) << text;
  EXPECT_EQ(text.find("AutoscalingPolicyBinding"), std::string::npos) << "not a v1.0 kind";
}

// The bug this fixes: on a v1.0 server (no AutoscalingPolicyBinding) the
// controller waited forever for a Binding cache that no watcher could fill.
TEST(Caches, SyncedCountsOnlyTheWatchedKinds) {
  Caches caches;
  kube::Store::Writer(caches.boosters).replace({});
  for (ChildKind kind : api::profileOf(api::ServingStack::V1_0).kinds) {
    caches.setWatched(kind);
    EXPECT_FALSE(caches.synced());
    kube::Store::Writer(caches.of(kind)).replace({});
  }
  EXPECT_TRUE(caches.synced()) << "the unwatched Binding store never lists and must not count";
  caches.setWatched(ChildKind::AutoscalingPolicyBinding);
  EXPECT_FALSE(caches.synced());
}

TEST(Caches, ResourcesComeFromTheOneTableOfKinds) {
  for (const auto& k : api::kChildKinds) {
    kube::Resource r = resourceOf(k.kind);
    EXPECT_EQ(r.group, k.group);
    EXPECT_EQ(r.version, k.version);
    EXPECT_EQ(r.plural, k.plural);
    EXPECT_TRUE(r.namespaced);
  }
  EXPECT_EQ(resourceOf(ChildKind::ModelRoute).path("n", "m"),
            "/apis/networking.serving.volcano.sh/v1alpha1/namespaces/n/modelroutes/m");
}

}  // namespace
}  // namespace mb::controller
