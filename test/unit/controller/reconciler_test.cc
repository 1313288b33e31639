// The reconciler's decisions when the API server answers with errors, which
// a real control plane will not produce on demand (a 409 between our read
// and our write, a 500 on one call), when it changes what we write (pruning,
// defaults, webhooks), and when it does not serve a kind the booster needs.
// Happy paths and drift also run against the real API server in test/e2e.
#include "controller/reconciler.h"

#include <gtest/gtest.h>

#include <set>

#include "controller/event_routing.h"
#include "document/parse.h"
#include "fake_client.h"
#include "recording_event_sink.h"

namespace mb::controller {
namespace {

using testing::FakeClient;
using testing::RecordingEventSink;
using Strings = std::vector<std::string>;

constexpr const char* kBooster = R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
  "metadata":{"name":"m","namespace":"n","uid":"u","generation":1,"resourceVersion":"7"},
  "spec":{"backends":[{"name":"a","type":"vLLM","modelURI":"hf://org/model","cacheURI":"hostpath:///mnt/models",
    "minReplicas":1,"maxReplicas":1,"workers":[{"type":"server","image":"vllm/vllm-openai:v0.10.1"}]}]}})";

document::Value json(std::string_view text) {
  document::Value v;
  document::ParseError e;
  EXPECT_TRUE(document::parseJson(text, v, e)) << e.str();
  return v;
}

kube::ApiError apiError(int status) { return kube::errorFromResponse(status, ""); }

std::string conditionOf(const document::Value& status, const std::string& type, const char* field = "status") {
  const document::Value* conditions = status.find("conditions");
  if (conditions == nullptr) return "";
  for (const auto& c : conditions->items()) {
    if (c.find("type")->text() == type) return c.find(field)->text();
  }
  return "";
}

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest()
      : reconciler_(
            client_, caches_, &events_, [] { return core::ConversionOptions{}; }, clock_) {
    setBooster(json(kBooster));
  }

  void setBooster(document::Value booster) {
    kube::Store::Writer(caches_.boosters).apply(std::make_shared<const document::Value>(std::move(booster)));
  }
  // The booster as the cache now holds it (with the status we last wrote).
  document::Value booster() const { return *caches_.boosters.get("n/m"); }
  runtime::Action reconcile() { return reconciler_.reconcile("n/m"); }

  // A hand edit of the cached ModelServing, so that the next pass updates it.
  void editServing() {
    document::Value serving = *caches_.of(api::ChildKind::ModelServing).get("n/m-a");
    serving.find("spec")->find("template")->put("restartGracePeriodSeconds", document::Value::integer(5));
    kube::Store::Writer(caches_.of(api::ChildKind::ModelServing))
        .apply(std::make_shared<const document::Value>(std::move(serving)));
  }

  FakeClient client_;
  Caches caches_;
  RecordingEventSink events_;
  base::FakeClock clock_;  // condition times stay put unless a test moves it
  Reconciler reconciler_;
};

TEST_F(ReconcilerTest, NewBoosterCreatesEveryChildAndWritesStatusOnce) {
  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.callsStartingWith("create ").size(), 3U);  // serving, server, route
  ASSERT_EQ(client_.callsStartingWith("update modelboosters/status").size(), 1U);
  const document::Value& status = client_.statuses.at("n/m");
  EXPECT_EQ(conditionOf(status, "Initialized"), "True");
  EXPECT_EQ(conditionOf(status, "Failed"), "False");

  // What routes to the pods first (api::kWriteOrder): Kthena v0.1.0's router
  // ignores pods Ready before their ModelServer existed.
  EXPECT_EQ(events_.events(),
            (Strings{"Normal Created n/m: created ModelServer n/m-a", "Normal Created n/m: created ModelRoute n/m",
                     "Normal Created n/m: created ModelServing n/m-a"}));

  client_.calls.clear();
  events_.clear();
  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_TRUE(client_.calls.empty()) << "steady state wrote: " << client_.calls.front();
  EXPECT_TRUE(events_.events().empty()) << events_.events().front();
}

TEST(WriteOrder, NamesEveryKindOnce) {
  std::set<api::ChildKind> seen(api::kWriteOrder.begin(), api::kWriteOrder.end());
  EXPECT_EQ(seen.size(), api::kChildKinds.size());
  for (const auto& k : api::kChildKinds) EXPECT_EQ(api::kWriteOrder[api::writeRank(k.kind)], k.kind) << k.name;
}

// What `kubectl describe` shows when a same-named child is someone else's,
// and when the spec is invalid: Warnings saying what to do.
TEST_F(ReconcilerTest, WarningsTellTheUserWhatIsWrong) {
  document::Value foreign = json(R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelRoute",
    "metadata":{"name":"m","namespace":"n","uid":"r1","resourceVersion":"3",
      "ownerReferences":[{"kind":"Deployment","name":"other","uid":"d1","controller":true}]}})");
  kube::Store::Writer(caches_.of(api::ChildKind::ModelRoute)).apply(std::make_shared<const document::Value>(foreign));
  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Error);
  std::vector<std::string> events = events_.events();
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[1],
            "Warning ChildOwnedByOther n/m: ModelRoute n/m exists and belongs to Deployment other; modelbooster does "
            "not touch it. Delete or rename it, or rename the booster.");
  EXPECT_TRUE(client_.callsStartingWith("update modelroutes").empty());

  events_.clear();
  document::Value invalid = json(kBooster);
  invalid.find("spec")->find("backends")->items().front().put("minReplicas", document::Value::integer(5));
  setBooster(std::move(invalid));
  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  events = events_.events();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].rfind("Warning InvalidSpec n/m: the spec is invalid: ", 0), 0U) << events[0];
}

// A 409 on a child means our cache was behind: the pass proved nothing about
// the children, so it must not write a status claiming they are in place
// (it wrote Initialized=True next to Active=False/NotInitialized and
// Failed=False/"the last reconcile succeeded"). Re-read and try again.
TEST_F(ReconcilerTest, ConflictOnAChildRequeuesWithoutWritingStatus) {
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  editServing();
  client_.calls.clear();
  client_.statuses.clear();
  client_.failures["update modelservings n/m-a"] = apiError(409);

  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Requeue);
  EXPECT_EQ(client_.callsStartingWith("update modelservings n/m-a").size(), 1U);
  EXPECT_TRUE(client_.callsStartingWith("update modelboosters/status").empty());
}

// Step 6 failing means the children are not what this generation wants.
TEST_F(ReconcilerTest, FailedDeleteOfAnOrphanIsNotInitialized) {
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  // A second backend's serving, left over from an earlier generation.
  document::Value orphan = *caches_.of(api::ChildKind::ModelServing).get("n/m-a");
  orphan.find("metadata")->put("name", "m-b");
  kube::Store::Writer(caches_.of(api::ChildKind::ModelServing)).apply(std::make_shared<const document::Value>(orphan));
  client_.failures["delete modelservings n/m-b"] = apiError(500);
  setBooster(booster());

  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Error);
  ASSERT_EQ(client_.callsStartingWith("delete modelservings n/m-b").size(), 1U);
  const document::Value& status = client_.statuses.at("n/m");
  EXPECT_EQ(conditionOf(status, "Failed"), "True");
  EXPECT_EQ(conditionOf(status, "Initialized"), "False");
  EXPECT_EQ(conditionOf(status, "Initialized", "reason"), "APIError");
}

// "Do not retry until the spec changes" is about the invalid spec; a status
// write that failed (a 500) must be retried, or the booster shows nothing.
TEST_F(ReconcilerTest, InvalidSpecStatusWriteFailureIsRetried) {
  document::Value invalid = json(kBooster);
  invalid.find("spec")->find("backends")->items()[0].put("type", "MindIEDisaggregated");
  setBooster(std::move(invalid));
  client_.failures["update modelboosters/status n/m"] = apiError(500);
  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Error);

  client_.failures.clear();
  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  const document::Value& status = client_.statuses.at("n/m");
  EXPECT_EQ(conditionOf(status, "Failed"), "True");
  EXPECT_EQ(conditionOf(status, "Failed", "reason"), "InvalidSpec");
  EXPECT_TRUE(client_.callsStartingWith("create ").empty());
}

// Kthena v1.0's shape (spec.backend with replicas) makes the same children
// and the same backendStatuses; a mistake in it is named at spec.backend.
constexpr const char* kSingleBooster = R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
  "metadata":{"name":"m","namespace":"n","uid":"u","generation":1,"resourceVersion":"7"},
  "spec":{"backend":{"name":"a","type":"vLLM","modelURI":"hf://org/model","cacheURI":"hostpath:///mnt/models",
    "replicas":1,"workers":[{"type":"server","image":"vllm/vllm-openai:v0.10.1"}]}}})";

TEST_F(ReconcilerTest, SingleBackendShapeMakesTheSameChildren) {
  setBooster(json(kSingleBooster));
  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.callsStartingWith("create ").size(), 3U);
  ASSERT_NE(caches_.of(api::ChildKind::ModelServing).get("n/m-a"), nullptr);
  const document::Value& status = client_.statuses.at("n/m");
  EXPECT_EQ(conditionOf(status, "Initialized"), "True");
  const document::Value* backends = status.find("backendStatuses");
  ASSERT_NE(backends, nullptr);
  ASSERT_EQ(backends->items().size(), 1U);
  EXPECT_EQ(backends->items()[0].find("name")->text(), "a");
}

TEST_F(ReconcilerTest, SingleBackendShapeErrorsNameSpecBackend) {
  document::Value invalid = json(kSingleBooster);
  invalid.find("spec")->find("backend")->put("type", "MindIE");
  setBooster(std::move(invalid));
  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  const document::Value& status = client_.statuses.at("n/m");
  EXPECT_EQ(conditionOf(status, "Failed"), "True");
  EXPECT_EQ(conditionOf(status, "Failed", "reason"), "InvalidSpec");
  std::string message = conditionOf(status, "Failed", "message");
  EXPECT_NE(message.find("spec.backend.type: MindIE is not supported yet"), std::string::npos) << message;
  EXPECT_EQ(message.find("spec.backends"), std::string::npos) << message;
}

// Someone removed our ownerReference (kubectl edit): the child still carries
// this booster's model-uid label, so it is ours and the reference is put
// back; it is not "owned by someone else", and garbage collection keeps
// working.
TEST_F(ReconcilerTest, LostOwnerReferenceIsRestored) {
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  document::Value serving = *caches_.of(api::ChildKind::ModelServing).get("n/m-a");
  serving.find("metadata")->erase("ownerReferences");
  kube::Store::Writer(caches_.of(api::ChildKind::ModelServing)).apply(std::make_shared<const document::Value>(serving));
  client_.calls.clear();

  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.callsStartingWith("update modelservings n/m-a").size(), 1U);
  const document::Value* owners =
      caches_.of(api::ChildKind::ModelServing).get("n/m-a")->find("metadata")->find("ownerReferences");
  ASSERT_NE(owners, nullptr);
  EXPECT_EQ(owners->items().at(0).find("uid")->text(), "u");
}

// A same-named object without our label and without a controller was made
// by someone else: left alone, and Failed says so.
TEST_F(ReconcilerTest, HandMadeChildWithoutOurLabelIsLeftAlone) {
  document::Value foreign = json(R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelServer",
    "metadata":{"name":"m-a","namespace":"n","uid":"x","resourceVersion":"3"},"spec":{"model":"other"}})");
  kube::Store::Writer(caches_.of(api::ChildKind::ModelServer)).apply(std::make_shared<const document::Value>(foreign));

  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Error);
  EXPECT_TRUE(client_.callsStartingWith("update modelservers").empty());
  const document::Value& status = client_.statuses.at("n/m");
  EXPECT_EQ(conditionOf(status, "Failed", "reason"), "ChildOwnedByOther");
}

// Other tools may add non-controller owner references (a backup operator,
// an app grouping); ours is restored without removing theirs.
TEST_F(ReconcilerTest, OthersOwnerReferencesAreKept) {
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  document::Value serving = *caches_.of(api::ChildKind::ModelServing).get("n/m-a");
  serving.find("metadata")
      ->find("ownerReferences")
      ->push(json(R"({"apiVersion":"v1","kind":"ConfigMap","name":"grouping","uid":"g"})"));
  kube::Store::Writer(caches_.of(api::ChildKind::ModelServing)).apply(std::make_shared<const document::Value>(serving));
  client_.calls.clear();

  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_TRUE(client_.calls.empty()) << "fought another writer: " << client_.calls.front();
}

// 429 with Retry-After: come back when the server asked, not sooner (and
// not with the error backoff, which would start at 5 ms).
TEST_F(ReconcilerTest, TooManyRequestsWaitsAsTheServerAsked) {
  kube::ApiError busy = apiError(429);
  busy.retryAfter = std::chrono::seconds(7);
  client_.failures["create modelservings n/m-a"] = busy;
  runtime::Action a = reconcile();
  EXPECT_EQ(a.kind(), runtime::Action::Kind::RequeueAfter);
  EXPECT_EQ(a.delay(), std::chrono::seconds(7));
  EXPECT_EQ(conditionOf(client_.statuses.at("n/m"), "Failed", "reason"), "APIError");
}

// An immutable field changed: delete and recreate. When the recreate fails
// (the old object still terminating) the booster says so and is retried.
TEST_F(ReconcilerTest, FailedRecreateDuringReplacementIsRetried) {
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  document::Value route = *caches_.of(api::ChildKind::ModelRoute).get("n/m");
  route.find("spec")->put("modelName", "renamed-by-hand");
  kube::Store::Writer(caches_.of(api::ChildKind::ModelRoute)).apply(std::make_shared<const document::Value>(route));
  client_.calls.clear();
  client_.failures["create modelroutes n/m"] = apiError(409);

  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Error);
  EXPECT_EQ(client_.callsStartingWith("delete modelroutes n/m").size(), 1U);
  EXPECT_EQ(client_.callsStartingWith("create modelroutes n/m").size(), 1U);
  const document::Value& status = client_.statuses.at("n/m");
  EXPECT_EQ(conditionOf(status, "Failed", "reason"), "Replacing");
  EXPECT_EQ(conditionOf(status, "Initialized"), "False");

  client_.failures.clear();
  EXPECT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(conditionOf(client_.statuses.at("n/m"), "Failed"), "False");
}

// A booster whose only backend autoscales (so it has an AutoscalingPolicy).
document::Value autoscaledBooster(const std::string& name) {
  document::Value b = json(kBooster);
  b.find("metadata")->put("name", name);
  b.find("metadata")->put("uid", "u-" + name);
  document::Value& backend = b.find("spec")->find("backends")->items()[0];
  backend.put("maxReplicas", document::Value::integer(4));
  backend.put("autoscalingPolicy", json(R"({"metrics":[{"metricName":"kthena:num_requests_waiting",
    "targetValue":5}]})"));
  return b;
}

// Model-level autoscaling without a scale-down window: Kthena's webhook
// makes it 5m, which freezes its cost optimizer. One Warning per generation.
TEST_F(ReconcilerTest, AServingStackCaveatIsOneWarningPerGeneration) {
  document::Value b = json(kBooster);
  b.find("spec")->put("autoscalingPolicy", json(R"({"metrics":[{"metricName":"kthena:num_requests_waiting",
    "targetValue":5}]})"));
  b.find("spec")->find("backends")->items()[0].put("maxReplicas", document::Value::integer(4));
  b.find("spec")->find("backends")->items()[0].put("scalingCost", document::Value::integer(10));
  setBooster(b);
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  auto caveats = [&] {
    std::vector<std::string> out;
    for (const auto& e : events_.events()) {
      if (e.rfind("Warning ServingStackCaveat", 0) == 0) out.push_back(e);
    }
    return out;
  };
  ASSERT_EQ(caveats().size(), 1U);
  EXPECT_EQ(caveats()[0].find("spec.autoscalingPolicy.behavior.scaleDown.stabilizationWindow: not set"),
            std::string("Warning ServingStackCaveat n/m: ").size());
  events_.clear();
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);  // the same generation, status written
  EXPECT_TRUE(caveats().empty());
}

// Kthena v0.1.0's autoscaler never rereads a Binding or its policy (see
// StackProfile::autoscalerKeepsFirstRead): a change of either is a Warning
// saying so. v1.0.0 rebuilds its scaler on a policy change: no Warning.
TEST(ReconcilerStacks, ChangedAutoscalingChildrenAreAWarningOnlyWhereTheAutoscalerKeepsWhatItFirstRead) {
  for (api::ServingStack stack : {api::ServingStack::V0_1, api::ServingStack::V1_0}) {
    FakeClient client;
    Caches caches;
    RecordingEventSink events;
    base::FakeClock clock;
    Reconciler r(
        client, caches, &events,
        [stack] {
          core::ConversionOptions c;
          c.stack = stack;
          return c;
        },
        clock);
    document::Value b = autoscaledBooster("m");
    kube::Store::Writer(caches.boosters).apply(std::make_shared<const document::Value>(b));
    ASSERT_EQ(r.reconcile("n/m").kind(), runtime::Action::Kind::Done);
    b.find("metadata")->put("generation", document::Value::integer(2));
    b.find("spec")->find("backends")->items()[0].put("maxReplicas", document::Value::integer(3));
    kube::Store::Writer(caches.boosters).apply(std::make_shared<const document::Value>(b));
    events.clear();
    ASSERT_EQ(r.reconcile("n/m").kind(), runtime::Action::Kind::Done);
    Strings changed;
    for (const auto& e : events.events()) {
      if (e.find("changed, but") != std::string::npos) changed.push_back(e);
    }
    if (stack == api::ServingStack::V0_1) {
      ASSERT_EQ(changed.size(), 1U) << "the Binding holds the bounds; the policy did not change";
      EXPECT_EQ(changed[0],
                "Warning ServingStackCaveat n/m: AutoscalingPolicyBinding n/m-a changed, but Kthena v0.1.0's "
                "autoscaler keeps scaling with the bounds and metric targets it first read until "
                "kthena-controller-manager restarts; restart it to apply the change (until then modelbooster "
                "clamps each ModelServing it scales outside the booster's bounds back into them)");
    } else {
      EXPECT_TRUE(changed.empty()) << changed.front();
      EXPECT_EQ(client.callsStartingWith("update autoscalingpolicies").size(), 1U) << "v1.0 keeps bounds in the policy";
    }
  }
}

// As a structural schema, defaulting and a mutating webhook do: the server
// drops a field we send, adds defaults, and rewrites a value of ours.
void serverChangesWhatWeSend(FakeClient& client) {
  client.mutate = [](const std::string& plural, document::Value& o) {
    document::Value* spec = o.find("spec");
    if (plural == "modelservings") {
      ASSERT_TRUE(spec->find("template")->erase("restartGracePeriodSeconds")) << "the pruned field must be ours";
      spec->put("recoveryPolicy", "ServingGroupRecreate");
    }
    if (plural == "modelservers") {
      document::Value* retry = spec->find("trafficPolicy")->find("retry");
      ASSERT_NE(retry->find("retryInterval"), nullptr);
      retry->put("retryInterval", "0");  // "0s" normalised
    }
    if (plural == "autoscalingpolicies") {
      spec->put("behavior", json(R"({"scaleUp":{"panicPolicy":{"period":"1s"}},"scaleDown":{}})"));
      ASSERT_NE(spec->find("tolerancePercent"), nullptr);
      spec->put("tolerancePercent", document::Value::integer(15));  // a webhook's rewrite
    }
  };
}

TEST_F(ReconcilerTest, WhatTheServerChangesCostsOneWriteThenNone) {
  serverChangesWhatWeSend(client_);
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.callsStartingWith("create ").size(), 3U);
  EXPECT_EQ(reconciler_.rememberedChildren(), 2U) << "the serving and the server; the route was kept as sent";
  client_.calls.clear();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_TRUE(client_.calls.empty()) << "steady state wrote: " << client_.calls.front();

  // A restart forgets what the server kept: one write per child the server
  // changed, which refills the memory, then none.
  Reconciler restarted(
      client_, caches_, &events_, [] { return core::ConversionOptions{}; }, clock_);
  client_.calls.clear();
  ASSERT_EQ(restarted.reconcile("n/m").kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.calls, (std::vector<std::string>{"update modelservers n/m-a", "update modelservings n/m-a"}));
  client_.calls.clear();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(restarted.reconcile("n/m").kind(), runtime::Action::Kind::Done);
  EXPECT_TRUE(client_.calls.empty()) << "steady state after a restart wrote: " << client_.calls.front();
}

// A webhook rewriting an autoscaling policy (Kthena's adds behavior
// defaults) and an autoscaler moving replicas inside the bounds: no writes.
TEST_F(ReconcilerTest, AutoscaledChildrenTheServerChangesStaySteady) {
  serverChangesWhatWeSend(client_);
  setBooster(autoscaledBooster("m"));
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.callsStartingWith("create autoscalingpolicies ").size(), 1U);
  document::Value serving = *caches_.of(api::ChildKind::ModelServing).get("n/m-a");
  serving.find("spec")->put("replicas", document::Value::integer(3));  // the autoscaler's choice
  kube::Store::Writer(caches_.of(api::ChildKind::ModelServing)).apply(std::make_shared<const document::Value>(serving));
  client_.calls.clear();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_TRUE(client_.calls.empty()) << "wrote: " << client_.calls.front();

  // Without the memory (a restart), the rewritten policy is written once.
  Reconciler restarted(
      client_, caches_, &events_, [] { return core::ConversionOptions{}; }, clock_);
  ASSERT_EQ(restarted.reconcile("n/m").kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.calls, (std::vector<std::string>{"update modelservers n/m-a", "update modelservings n/m-a",
                                                     "update autoscalingpolicies n/m-a"}));
  client_.calls.clear();
  ASSERT_EQ(restarted.reconcile("n/m").kind(), runtime::Action::Kind::Done);
  EXPECT_TRUE(client_.calls.empty()) << "wrote: " << client_.calls.front();

  serving = *caches_.of(api::ChildKind::ModelServing).get("n/m-a");
  serving.find("spec")->put("replicas", document::Value::integer(9));  // out of [1, 4]
  kube::Store::Writer(caches_.of(api::ChildKind::ModelServing)).apply(std::make_shared<const document::Value>(serving));
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  ASSERT_EQ(client_.calls, std::vector<std::string>{"update modelservings n/m-a"});
  EXPECT_EQ(caches_.of(api::ChildKind::ModelServing).get("n/m-a")->find("spec")->find("replicas")->text(), "4");
}

// Drift is still corrected while the server's version is remembered.
TEST_F(ReconcilerTest, ALiveEditIsCorrected) {
  serverChangesWhatWeSend(client_);
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  document::Value serving = *caches_.of(api::ChildKind::ModelServing).get("n/m-a");
  serving.find("spec")->put("replicas", document::Value::integer(9));
  kube::Store::Writer(caches_.of(api::ChildKind::ModelServing)).apply(std::make_shared<const document::Value>(serving));
  document::Value server = *caches_.of(api::ChildKind::ModelServer).get("n/m-a");
  server.find("spec")->find("trafficPolicy")->find("retry")->put("retryInterval", "5s");
  kube::Store::Writer(caches_.of(api::ChildKind::ModelServer)).apply(std::make_shared<const document::Value>(server));
  client_.calls.clear();

  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.calls, (std::vector<std::string>{"update modelservers n/m-a", "update modelservings n/m-a"}));
  EXPECT_EQ(caches_.of(api::ChildKind::ModelServing).get("n/m-a")->find("spec")->find("replicas")->text(), "1");
  EXPECT_EQ(
      document::toJson(*caches_.of(api::ChildKind::ModelServer).get("n/m-a")->find("spec")->find("trafficPolicy")),
      R"({"retry":{"attempts":5,"retryInterval":"0"}})");
  client_.calls.clear();
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_TRUE(client_.calls.empty()) << "wrote: " << client_.calls.front();
}

// The memory holds at most the children that exist: what we delete, and
// what the watch sees deleted, goes.
TEST_F(ReconcilerTest, ChildrenKeptAsSentNeedNoMemory) {
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(reconciler_.rememberedChildren(), 0U);
}

TEST_F(ReconcilerTest, MemoryForgetsDeletedChildren) {
  serverChangesWhatWeSend(client_);  // the route is kept as sent
  setBooster(autoscaledBooster("m"));
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(reconciler_.rememberedChildren(), 3U);
  // The autoscaling policy taken away: the reconciler deletes it.
  document::Value plain = booster();
  plain.find("spec")->find("backends")->items()[0].erase("autoscalingPolicy");
  plain.find("spec")->find("backends")->items()[0].put("maxReplicas", document::Value::integer(1));
  plain.find("metadata")->put("generation", document::Value::integer(2));
  setBooster(std::move(plain));
  ASSERT_EQ(reconcile().kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.callsStartingWith("delete autoscalingpolicies ").size(), 1U);
  EXPECT_EQ(reconciler_.rememberedChildren(), 2U);
  // The booster deleted: the garbage collector removes the children, the
  // watch reports each deletion, and the router tells the memory.
  runtime::WorkQueue queue("test", runtime::WorkQueueOptions{&clock_});
  EventRouter router(queue, caches_.boosters, reconciler_.written());
  auto deleted = [&](api::ChildKind kind, const std::string& name, const std::string& uid) {
    document::Value gone = document::Value::object();
    document::Value meta = document::Value::object();
    meta.put("name", name);
    meta.put("namespace", "n");
    meta.put("uid", uid);
    gone.put("metadata", std::move(meta));
    router.childChanged(kind, kube::Change{kube::Change::Type::Deleted,
                                           std::make_shared<const document::Value>(std::move(gone)), nullptr});
  };
  deleted(api::ChildKind::ModelServer, "m-a", "uid-other");
  EXPECT_EQ(reconciler_.rememberedChildren(), 2U) << "a deletion of another object of that name";
  deleted(api::ChildKind::ModelRoute, "m", "uid-m");
  deleted(api::ChildKind::ModelServer, "m-a", "uid-m-a");
  deleted(api::ChildKind::ModelServing, "m-a", "uid-m-a");
  EXPECT_EQ(reconciler_.rememberedChildren(), 0U);
}

StackCheck withoutPolicies() {
  StackCheck c;
  c.stack = api::ServingStack::V1_0;
  c.source = StackSource::Auto;
  c.served = {api::ChildKind::ModelServing, api::ChildKind::ModelServer, api::ChildKind::ModelRoute};
  c.missing = {api::ChildKind::AutoscalingPolicy};
  return c;
}

// A kind the server does not serve: the boosters that need it fail with a
// message saying what to install, and not one child of theirs is written;
// the others reconcile as usual. Once the kind is served they recover.
TEST_F(ReconcilerTest, AMissingKindFailsOnlyTheBoostersThatNeedItAndWritesNoChildOfThem) {
  ServingStackState stack;
  stack.set(withoutPolicies());
  Reconciler r(
      client_, caches_, &events_, [] { return core::ConversionOptions{}; }, clock_, &stack);
  setBooster(autoscaledBooster("m"));
  // A plain booster next to it.
  document::Value plain = json(kBooster);
  plain.find("metadata")->put("name", "p");
  plain.find("metadata")->put("uid", "u-p");
  setBooster(std::move(plain));

  EXPECT_EQ(r.reconcile("n/m").kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.calls, std::vector<std::string>{"update modelboosters/status n/m"}) << "no child writes at all";
  const document::Value& status = client_.statuses.at("n/m");
  EXPECT_EQ(conditionOf(status, "Failed"), "True");
  EXPECT_EQ(conditionOf(status, "Failed", "reason"), "ServingStackIncomplete");
  EXPECT_EQ(conditionOf(status, "Failed", "message"),
            "serving stack v1.0 (auto) is incomplete: the API server does not serve AutoscalingPolicy "
            "(autoscalingpolicies.workload.serving.volcano.sh/v1alpha1); install the Kthena v1.0.0 CRDs");
  EXPECT_EQ(conditionOf(status, "Initialized"), "False");
  client_.calls.clear();
  EXPECT_EQ(r.reconcile("n/m").kind(), runtime::Action::Kind::Done);
  EXPECT_TRUE(client_.calls.empty()) << "a second pass writes the same status again: " << client_.calls.front();

  EXPECT_EQ(r.reconcile("n/p").kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.callsStartingWith("create ").size(), 3U);
  EXPECT_EQ(conditionOf(client_.statuses.at("n/p"), "Failed"), "False");

  // The kind appears.
  StackCheck complete = withoutPolicies();
  complete.served.push_back(api::ChildKind::AutoscalingPolicy);
  complete.missing.clear();
  stack.set(complete);
  client_.calls.clear();
  EXPECT_EQ(r.reconcile("n/m").kind(), runtime::Action::Kind::Done);
  EXPECT_EQ(client_.callsStartingWith("create ").size(), 4U);
  EXPECT_EQ(conditionOf(client_.statuses.at("n/m"), "Failed"), "False");
}

}  // namespace
}  // namespace mb::controller
