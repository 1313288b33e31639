#include <gtest/gtest.h>

#include "controller/child_sync.h"
#include "document/parse.h"

namespace mb::controller {
namespace {

document::Value json(std::string_view t) {
  document::Value v;
  document::ParseError e;
  EXPECT_TRUE(document::parseJson(t, v, e)) << e.str();
  return v;
}

const char* kDesired = R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelServing",
  "metadata":{"name":"m-a","namespace":"n","labels":{"workload.serving.volcano.sh/revision":"r1"},
    "ownerReferences":[{"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster","name":"m",
      "uid":"u","controller":true,"blockOwnerDeletion":true}]},
  "spec":{"replicas":2,"template":{"roles":[{"name":"leader","replicas":1}]}}})";

document::Value liveFrom(const char* desired, const char* specReplicas = "2", const char* extraSpec = "") {
  document::Value live = json(desired);
  live.find("metadata")->put("resourceVersion", "42");
  live.find("metadata")->put("uid", "child-uid");
  live.find("metadata")->find("labels")->put("team", "ml");  // someone else's label
  live.find("spec")->put("replicas", document::Value::number(specReplicas));
  live.find("spec")->put("recoveryPolicy", "ServingGroupRecreate");  // a server default
  if (*extraSpec != '\0') live.find("spec")->find("template")->put("gangPolicy", json(extraSpec));
  live.put("status", json(R"({"replicas":2})"));
  return live;
}

TEST(PlanChild, NothingToDoWhenOurFieldsMatch) {
  SyncPlan p = planChild(api::ChildKind::ModelServing, json(kDesired), liveFrom(kDesired), {});
  EXPECT_EQ(p.op, SyncPlan::Op::None);
}

TEST(PlanChild, HandEditIsPutBackKeepingOthersFields) {
  document::Value live = liveFrom(kDesired);
  live.find("spec")->find("template")->find("roles")->items()[0].put("replicas", document::Value::integer(5));
  SyncPlan p = planChild(api::ChildKind::ModelServing, json(kDesired), live, {});
  ASSERT_EQ(p.op, SyncPlan::Op::Update);
  EXPECT_EQ(document::toJson(*p.object.find("spec")->find("template")),
            R"({"roles":[{"name":"leader","replicas":1}]})");
  EXPECT_EQ(p.object.find("metadata")->find("resourceVersion")->text(), "42") << "updates are conditional";
  EXPECT_EQ(p.object.find("metadata")->find("labels")->find("team")->text(), "ml") << "others' labels survive";
  EXPECT_EQ(p.object.find("status"), nullptr);
}

TEST(PlanChild, AutoscalerOwnsReplicasInsideTheBounds) {
  ReplicaBounds bounds{true, 1, 8};
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, json(kDesired), liveFrom(kDesired, "5"), bounds).op,
            SyncPlan::Op::None);
  SyncPlan above = planChild(api::ChildKind::ModelServing, json(kDesired), liveFrom(kDesired, "20"), bounds);
  ASSERT_EQ(above.op, SyncPlan::Op::Update);
  EXPECT_EQ(above.object.find("spec")->find("replicas")->text(), "8");
  SyncPlan below = planChild(api::ChildKind::ModelServing, json(kDesired), liveFrom(kDesired, "0"), bounds);
  ASSERT_EQ(below.op, SyncPlan::Op::Update);
  EXPECT_EQ(below.object.find("spec")->find("replicas")->text(), "1");
  // Without autoscaling, replicas are ours.
  SyncPlan fixed = planChild(api::ChildKind::ModelServing, json(kDesired), liveFrom(kDesired, "5"), {});
  ASSERT_EQ(fixed.op, SyncPlan::Op::Update);
  EXPECT_EQ(fixed.object.find("spec")->find("replicas")->text(), "2");
}

// The annotation recording a template's LoRA adapters is ours like a label:
// a stale value is updated (it was only ever written at create), and others'
// annotations stay.
TEST(PlanChild, OurAnnotationsArePutBackKeepingOthers) {
  document::Value desired = json(kDesired);
  desired.find("metadata")->put("annotations", json(R"({"workload.serving.volcano.sh/lora-adapters":"[]"})"));
  document::Value live = liveFrom(kDesired);
  live.find("metadata")->put("annotations", json(R"({"workload.serving.volcano.sh/lora-adapters":"[1]","note":"x"})"));
  SyncPlan p = planChild(api::ChildKind::ModelServing, desired, live, {});
  ASSERT_EQ(p.op, SyncPlan::Op::Update);
  const document::Value& ann = *p.object.find("metadata")->find("annotations");
  EXPECT_EQ(ann.find("workload.serving.volcano.sh/lora-adapters")->text(), "[]");
  EXPECT_EQ(ann.find("note")->text(), "x");
  // Matching: nothing to do.
  live.find("metadata")->find("annotations")->put("workload.serving.volcano.sh/lora-adapters", "[]");
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, desired, live, {}).op, SyncPlan::Op::None);
}

TEST(PlanChild, ImmutableFieldsMeanReplace) {
  SyncPlan gang = planChild(api::ChildKind::ModelServing, json(kDesired),
                            liveFrom(kDesired, "2", R"({"minRoleReplicas":{"leader":1}})"), {});
  EXPECT_EQ(gang.op, SyncPlan::Op::Replace);
  EXPECT_NE(gang.reason.find("gangPolicy"), std::string::npos);
  document::Value route = json(R"({"kind":"ModelRoute","metadata":{"name":"m"},"spec":{"modelName":"new"}})");
  document::Value liveRoute = json(R"({"kind":"ModelRoute","metadata":{"name":"m"},"spec":{"modelName":"old"}})");
  EXPECT_EQ(planChild(api::ChildKind::ModelRoute, route, liveRoute, {}).op, SyncPlan::Op::Replace);
}

TEST(PlanChild, LostLabelOrOwnerIsRestored) {
  document::Value live = liveFrom(kDesired);
  live.find("metadata")->find("labels")->put("workload.serving.volcano.sh/revision", "old");
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, json(kDesired), live, {}).op, SyncPlan::Op::Update);
  document::Value orphaned = liveFrom(kDesired);
  orphaned.find("metadata")->erase("ownerReferences");
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, json(kDesired), orphaned, {}).op, SyncPlan::Op::Update);
}

// What the server kept of our fields: pruned members left out, defaults
// inside objects we set ignored, rewritten values taken as the server wrote
// them, other people's labels not ours.
TEST(ServerView, IsTheStoredVersionOfOurFieldsOnly) {
  document::Value desired = json(R"({"kind":"ModelServer","metadata":{"name":"m-a","labels":{"ours":"1"}},
    "spec":{"model":"x","retryInterval":"0s","gone":{"a":1},"workloadSelector":{"matchLabels":{"k":"v"}},
      "list":[{"n":1},{"n":2}]}})");
  document::Value stored = json(R"({"kind":"ModelServer","metadata":{"name":"m-a","uid":"u1","resourceVersion":"5",
      "labels":{"ours":"1","theirs":"2"}},
    "spec":{"model":"x","retryInterval":"0","workloadSelector":{"matchLabels":{"k":"v"},"defaulted":true},
      "list":[{"n":1,"d":0},{"n":2,"d":0}],"topLevelDefault":3},
    "status":{"x":1}})");
  document::Value view = serverView(api::ChildKind::ModelServer, desired, stored);
  EXPECT_EQ(document::toJson(view), R"({"metadata":{"labels":{"ours":"1"}},"spec":{"model":"x","retryInterval":"0",)"
                                    R"("workloadSelector":{"matchLabels":{"k":"v"}},"list":[{"n":1},{"n":2}]}})");
}

TEST(ServerView, ImmutableFieldsAreTakenWhole) {
  document::Value desired = json(kDesired);
  document::Value stored = liveFrom(kDesired, "2", R"({"minRoleReplicas":{"leader":1}})");
  document::Value view = serverView(api::ChildKind::ModelServing, desired, stored);
  ASSERT_NE(view.find("spec")->find("template")->find("gangPolicy"), nullptr)
      << "a gangPolicy the server defaulted is not a reason to replace";
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, desired, stored, {}, &view).op, SyncPlan::Op::None);
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, desired, stored, {}).op, SyncPlan::Op::Replace)
      << "without the view the defaulted gangPolicy looks like a change";
}

document::Value prunedAndRewritten() {
  // The server dropped a field we sent and rewrote a value of ours.
  document::Value live = liveFrom(kDesired);
  live.find("spec")->find("template")->find("roles")->items()[0].put("replicas", document::Value::integer(3));
  return live;
}

TEST(PlanChild, ComparesWithTheServersVersionWhenGiven) {
  document::Value desired = json(kDesired);
  desired.find("spec")->put("prunedByTheServer", "x");
  document::Value live = prunedAndRewritten();
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, desired, live, {}).op, SyncPlan::Op::Update)
      << "desired is not a subset of what the server keeps";
  document::Value view = serverView(api::ChildKind::ModelServing, desired, live);
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, desired, live, {}, &view).op, SyncPlan::Op::None);

  // Someone edits a field we own: back to what we want, from `desired`.
  document::Value edited = live;
  edited.find("spec")->put("replicas", document::Value::integer(7));
  SyncPlan p = planChild(api::ChildKind::ModelServing, desired, edited, {}, &view);
  ASSERT_EQ(p.op, SyncPlan::Op::Update);
  EXPECT_EQ(p.object.find("spec")->find("replicas")->text(), "2");
  EXPECT_EQ(p.object.find("spec")->find("prunedByTheServer")->text(), "x") << "what is written is the desired spec";
  // Someone removes our label: restored.
  document::Value unlabelled = live;
  unlabelled.find("metadata")->find("labels")->erase("workload.serving.volcano.sh/revision");
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, desired, unlabelled, {}, &view).op, SyncPlan::Op::Update);
}

TEST(PlanChild, ReplicaClampingWorksWithTheServersVersion) {
  ReplicaBounds bounds{true, 1, 8};
  document::Value desired = json(kDesired);
  document::Value view = serverView(api::ChildKind::ModelServing, desired, liveFrom(kDesired, "2"));
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, desired, liveFrom(kDesired, "5"), bounds, &view).op,
            SyncPlan::Op::None)
      << "the autoscaler's choice inside the bounds is left alone";
  SyncPlan above = planChild(api::ChildKind::ModelServing, desired, liveFrom(kDesired, "20"), bounds, &view);
  ASSERT_EQ(above.op, SyncPlan::Op::Update);
  EXPECT_EQ(above.object.find("spec")->find("replicas")->text(), "8");
}

TEST(WrittenChildren, RemembersPerDesiredHashAndForgetsDeletedObjects) {
  WrittenChildren memory;
  document::Value desired = json(kDesired);
  std::string key = WrittenChildren::keyOf(api::ChildKind::ModelServing, "n", "m-a");
  EXPECT_EQ(key, "ModelServing n/m-a");
  uint64_t hash = WrittenChildren::hashOf(desired);
  memory.remember(key, hash, std::make_shared<const document::Value>(desired), "uid-1");
  EXPECT_NE(memory.expectedFor(key, hash), nullptr);
  desired.find("spec")->put("replicas", document::Value::integer(3));
  EXPECT_EQ(memory.expectedFor(key, WrittenChildren::hashOf(desired)), nullptr) << "a new desired object";
  memory.forget(key, "uid-0");
  EXPECT_EQ(memory.size(), 1U) << "the deletion of an object replaced since is not about this entry";
  memory.forget(key, "uid-1");
  EXPECT_EQ(memory.size(), 0U);
}

// Kthena v1.0's own booster controller always writes gangPolicy with each
// role at its replicas: what v1.0 does anyway without one. Adopting such a
// ModelServing keeps it (immutable) instead of replacing the ModelServing.
TEST(KeepImplicitGangPolicy, KeepsTheLiveOneOnlyWhenItIsTheImplicitGang) {
  document::Value desired =
      json(R"({"spec":{"template":{"roles":[{"name":"prefill","replicas":1},{"name":"decode","replicas":2}]}}})");
  document::Value live =
      json(R"({"spec":{"template":{"gangPolicy":{"minRoleReplicas":{"prefill":1,"decode":2}},"roles":[]}}})");
  document::Value out;
  ASSERT_TRUE(keepImplicitGangPolicy(desired, live, out));
  EXPECT_EQ(document::toJson(*out.find("spec")->find("template")->find("gangPolicy")),
            R"({"minRoleReplicas":{"prefill":1,"decode":2}})");
  auto plan = planChild(api::ChildKind::ModelServing, out, live, ReplicaBounds{});
  EXPECT_NE(plan.op, SyncPlan::Op::Replace);
  // Another minimum is a real gang setting: not kept (the child is replaced).
  document::Value other = json(R"({"spec":{"template":{"gangPolicy":{"minRoleReplicas":{"prefill":1,"decode":1}}}}})");
  EXPECT_FALSE(keepImplicitGangPolicy(desired, other, out));
  // A desired gangPolicy (the booster opted in) is never overridden.
  document::Value opted =
      json(R"({"spec":{"template":{"gangPolicy":{"minRoleReplicas":{"prefill":1,"decode":1}},"roles":[]}}})");
  EXPECT_FALSE(keepImplicitGangPolicy(opted, live, out));
}

}  // namespace
}  // namespace mb::controller
