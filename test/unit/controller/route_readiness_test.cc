// Route weights follow readiness: Kthena's router would send a backend with
// no ready serving group its share of the requests, and answer them 404.
#include "controller/route_readiness.h"

#include <gtest/gtest.h>

#include "core/convert.h"
#include "document/parse.h"

namespace mb::controller {
namespace {

constexpr const char* kBooster = R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
  "metadata":{"name":"m","namespace":"n","uid":"u","generation":1},
  "spec":{"backends":[
    {"name":"a","type":"vLLM","modelURI":"hf://org/model","minReplicas":1,"maxReplicas":1,"routeWeight":80,
     "workers":[{"image":"img:1"}]},
    {"name":"b","type":"vLLM","modelURI":"hf://org/model","minReplicas":1,"maxReplicas":1,"routeWeight":20,
     "loraAdapters":[{"name":"sql","artifactURL":"hf://org/sql"}],"workers":[{"image":"img:1"}]}]}})";

document::Value json(std::string_view text) {
  document::Value v;
  document::ParseError e;
  EXPECT_TRUE(document::parseJson(text, v, e)) << e.str();
  return v;
}

class RouteReadinessTest : public ::testing::Test {
 protected:
  std::vector<api::DesiredChild> desired() {
    api::Children c;
    document::Errors errors;
    EXPECT_TRUE(core::convertDocument(json(kBooster), core::ConversionOptions{}, c, errors));
    return std::move(c).desired();
  }
  // The live ModelServing `name` asking for `replicas` with `available` of them ready.
  void live(const std::string& name, int replicas, int available) {
    std::string text = R"({"metadata":{"name":")" + name + R"(","namespace":"n"},"spec":{"replicas":)" +
                       std::to_string(replicas) + R"(},"status":{"availableReplicas":)" + std::to_string(available) +
                       "}}";
    kube::Store::Writer(servings_).apply(std::make_shared<const document::Value>(json(text)));
  }
  // "server=weight" for each target of the route's rule `index`.
  static std::string weights(const std::vector<api::DesiredChild>& d, size_t index = 0) {
    for (const auto& c : d) {
      if (c.kind != api::ChildKind::ModelRoute) continue;
      std::string out;
      for (const auto& t : c.object.find("spec")->find("rules")->items()[index].find("targetModels")->items()) {
        out += (out.empty() ? "" : " ") + t.find("modelServerName")->text() + "=" + t.find("weight")->text();
      }
      return out;
    }
    return "no route";
  }
  kube::Store servings_;
};

TEST_F(RouteReadinessTest, BothReadyKeepTheSpecsWeights) {
  live("m-a", 1, 1);
  live("m-b", 1, 1);
  auto d = desired();
  EXPECT_TRUE(weighRouteByReadiness(d, servings_, "n").empty());
  EXPECT_EQ(weights(d), "m-a=80 m-b=20");
}

TEST_F(RouteReadinessTest, ABackendWithNothingReadyGetsNoShare) {
  live("m-a", 1, 1);
  live("m-b", 1, 0);
  auto d = desired();
  EXPECT_EQ(weighRouteByReadiness(d, servings_, "n"), std::vector<std::string>{"m-b"});
  EXPECT_EQ(weights(d), "m-a=80 m-b=0");
}

TEST_F(RouteReadinessTest, ABackendScaledToZeroGetsNoShare) {
  live("m-a", 2, 2);
  live("m-b", 0, 1);  // the autoscaler just set 0; the last group is still up
  auto d = desired();
  weighRouteByReadiness(d, servings_, "n");
  EXPECT_EQ(weights(d), "m-a=80 m-b=0");
}

TEST_F(RouteReadinessTest, WhenNothingIsReadyTheSpecsWeightsStand) {
  auto none = desired();
  EXPECT_TRUE(weighRouteByReadiness(none, servings_, "n").empty());
  EXPECT_EQ(weights(none), "m-a=80 m-b=20");
  live("m-a", 1, 0);
  live("m-b", 1, 0);
  auto d = desired();
  weighRouteByReadiness(d, servings_, "n");
  EXPECT_EQ(weights(d), "m-a=80 m-b=20");
}

TEST_F(RouteReadinessTest, ARuleWithOneTargetIsLeftAlone) {
  live("m-a", 1, 1);
  live("m-b", 1, 0);
  auto d = desired();
  weighRouteByReadiness(d, servings_, "n");
  EXPECT_EQ(weights(d, 1), "m-b=20") << "the adapter rule: sql is served by b alone";
}

}  // namespace
}  // namespace mb::controller
