#include <gtest/gtest.h>

#include "controller/child_sync.h"
#include "doc/parse.h"

namespace mb::controller {
namespace {

doc::Value json(std::string_view t) {
  doc::Value v;
  doc::ParseError e;
  EXPECT_TRUE(doc::parseJson(t, v, e)) << e.str();
  return v;
}

const char* kDesired = R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelServing",
  "metadata":{"name":"m-a","namespace":"n","labels":{"workload.serving.volcano.sh/revision":"r1"},
    "ownerReferences":[{"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster","name":"m",
      "uid":"u","controller":true,"blockOwnerDeletion":true}]},
  "spec":{"replicas":2,"template":{"roles":[{"name":"leader","replicas":1}]}}})";

doc::Value liveFrom(const char* desired, const char* specReplicas = "2", const char* extraSpec = "") {
  doc::Value live = json(desired);
  live.find("metadata")->put("resourceVersion", "42");
  live.find("metadata")->put("uid", "child-uid");
  live.find("metadata")->find("labels")->put("team", "ml");  // someone else's label
  live.find("spec")->put("replicas", doc::Value::number(specReplicas));
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
  doc::Value live = liveFrom(kDesired);
  live.find("spec")->find("template")->find("roles")->items()[0].put("replicas", doc::Value::integer(5));
  SyncPlan p = planChild(api::ChildKind::ModelServing, json(kDesired), live, {});
  ASSERT_EQ(p.op, SyncPlan::Op::Update);
  EXPECT_EQ(doc::toJson(*p.object.find("spec")->find("template")), R"({"roles":[{"name":"leader","replicas":1}]})");
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

TEST(PlanChild, ImmutableFieldsMeanReplace) {
  SyncPlan gang = planChild(api::ChildKind::ModelServing, json(kDesired),
                            liveFrom(kDesired, "2", R"({"minRoleReplicas":{"leader":1}})"), {});
  EXPECT_EQ(gang.op, SyncPlan::Op::Replace);
  EXPECT_NE(gang.reason.find("gangPolicy"), std::string::npos);
  doc::Value route = json(R"({"kind":"ModelRoute","metadata":{"name":"m"},"spec":{"modelName":"new"}})");
  doc::Value liveRoute = json(R"({"kind":"ModelRoute","metadata":{"name":"m"},"spec":{"modelName":"old"}})");
  EXPECT_EQ(planChild(api::ChildKind::ModelRoute, route, liveRoute, {}).op, SyncPlan::Op::Replace);
}

TEST(PlanChild, LostLabelOrOwnerIsRestored) {
  doc::Value live = liveFrom(kDesired);
  live.find("metadata")->find("labels")->put("workload.serving.volcano.sh/revision", "old");
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, json(kDesired), live, {}).op, SyncPlan::Op::Update);
  doc::Value orphaned = liveFrom(kDesired);
  orphaned.find("metadata")->erase("ownerReferences");
  EXPECT_EQ(planChild(api::ChildKind::ModelServing, json(kDesired), orphaned, {}).op, SyncPlan::Op::Update);
}

}  // namespace
}  // namespace mb::controller
