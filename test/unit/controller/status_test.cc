#include <gtest/gtest.h>

#include "controller/status.h"

namespace mb::controller {
namespace {

const api::Condition& cond(const api::ModelBoosterStatus& s, const std::string& type) {
  for (const auto& c : s.conditions) {
    if (c.type == type) return c;
  }
  static api::Condition none;
  ADD_FAILURE() << "no condition " << type;
  return none;
}

TEST(Status, ActiveWaitsForEveryModelServing) {
  Observed o;
  o.generation = 3;
  o.childrenWritten = true;
  o.notAvailable = {"m-a", "m-b"};
  api::ModelBoosterStatus s = nextStatus({}, o, "T1");
  EXPECT_EQ(s.observedGeneration, 3);
  EXPECT_EQ(cond(s, "Initialized").status, "True");
  EXPECT_EQ(cond(s, "Active").status, "False");
  EXPECT_EQ(cond(s, "Active").message, "ModelServings not yet available: m-a, m-b");
  EXPECT_EQ(cond(s, "Failed").status, "False");
  EXPECT_EQ(cond(s, "Active").observedGeneration, 3);
}

// Kthena writes no status for a ModelServing at 0 replicas: a backend at
// minReplicas 0 (or scaled to zero) must not keep the booster from Active.
TEST(Status, ABackendAtZeroReplicasDoesNotHoldActiveBack) {
  Observed o;
  o.generation = 1;
  o.childrenWritten = true;
  o.servings = 2;
  o.scaledToZero = {"m-h100"};
  api::ModelBoosterStatus s = nextStatus({}, o, "T1");
  EXPECT_EQ(cond(s, "Active").status, "True");
  EXPECT_EQ(cond(s, "Active").message, "every ModelServing is available, but m-h100 at 0 replicas");
  // Every backend at zero: nothing serves.
  o.scaledToZero = {"m-h100", "m-l4"};
  s = nextStatus({}, o, "T1");
  EXPECT_EQ(cond(s, "Active").status, "False");
  EXPECT_EQ(cond(s, "Active").reason, "ScaledToZero");
}

TEST(Status, TransitionTimeMovesOnlyWhenStatusChanges) {
  Observed o;
  o.generation = 1;
  o.childrenWritten = true;
  o.notAvailable = {"m-a"};
  api::ModelBoosterStatus first = nextStatus({}, o, "T1");
  o.notAvailable = {"m-b"};  // message changes, status does not
  api::ModelBoosterStatus second = nextStatus(first, o, "T2");
  EXPECT_EQ(cond(second, "Active").lastTransitionTime, "T1");
  o.notAvailable.clear();
  api::ModelBoosterStatus third = nextStatus(second, o, "T3");
  EXPECT_EQ(cond(third, "Active").status, "True");
  EXPECT_EQ(cond(third, "Active").lastTransitionTime, "T3");
  EXPECT_EQ(cond(third, "Initialized").lastTransitionTime, "T1");
}

TEST(Status, SameInputsMeanNoWrite) {
  Observed o;
  o.generation = 2;
  o.childrenWritten = true;
  o.backends = {{"a", 2}};
  api::ModelBoosterStatus first = nextStatus({}, o, "T1");
  EXPECT_TRUE(sameStatus(first, nextStatus(first, o, "T9"))) << "a steady booster costs no status write";
}

TEST(Status, FailedIsSetAndClearedAgain) {
  Observed bad;
  bad.generation = 1;
  bad.failedReason = "InvalidSpec";
  bad.failedMessage = "spec.backends[0].minReplicas: must be ...";
  api::ModelBoosterStatus failed = nextStatus({}, bad, "T1");
  EXPECT_EQ(cond(failed, "Failed").status, "True");
  EXPECT_EQ(cond(failed, "Initialized").status, "False");
  EXPECT_EQ(cond(failed, "Active").status, "False");
  Observed good;
  good.generation = 2;
  good.childrenWritten = true;
  api::ModelBoosterStatus fixed = nextStatus(failed, good, "T2");
  EXPECT_EQ(cond(fixed, "Failed").status, "False") << "Failed clears after a good reconcile";
  EXPECT_EQ(cond(fixed, "Failed").lastTransitionTime, "T2");
  EXPECT_EQ(cond(fixed, "Initialized").status, "True");
}

}  // namespace
}  // namespace mb::controller
