// modelbooster_boosters{condition,status}: every series from the start, and
// each booster counted once per condition it has.
#include "controller/booster_gauge.h"

#include <gtest/gtest.h>

#include "document/parse.h"

namespace mb::controller {
namespace {

kube::ObjectPtr booster(const std::string& name, const std::string& conditions) {
  document::Value v;
  document::ParseError e;
  std::string text = R"({"metadata":{"name":")" + name + R"(","namespace":"n"})" +
                     (conditions.empty() ? "" : R"(,"status":{"conditions":)" + conditions + "}") + "}";
  EXPECT_TRUE(document::parseJson(text, v, e)) << e.str();
  return std::make_shared<const document::Value>(std::move(v));
}

TEST(BoosterGauge, EverySeriesStartsAtZero) {
  auto counts = countByCondition({});
  EXPECT_EQ(counts.size(), 6U);
  for (const auto& [key, n] : counts) EXPECT_EQ(n, 0) << key.first << "=" << key.second;
}

TEST(BoosterGauge, CountsEachConditionOfEachBooster) {
  auto counts =
      countByCondition({booster("a", R"([{"type":"Initialized","status":"True"},{"type":"Active","status":"False"}])"),
                        booster("b", R"([{"type":"Initialized","status":"True"},{"type":"Active","status":"True"}])"),
                        booster("c", "")});
  EXPECT_EQ((counts[{"Initialized", "True"}]), 2);
  EXPECT_EQ((counts[{"Active", "True"}]), 1);
  EXPECT_EQ((counts[{"Active", "False"}]), 1);
  EXPECT_EQ((counts[{"Failed", "True"}]), 0);
}

TEST(BoosterGauge, ExportsAtScrapeTime) {
  base::Registry registry;
  kube::Store boosters;
  BoosterGauge gauge(registry, boosters);
  kube::Store::Writer(boosters).apply(booster("a", R"([{"type":"Failed","status":"True"}])"));
  std::string text = registry.text();
  EXPECT_NE(text.find(R"(modelbooster_boosters{condition="Failed",status="True"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(modelbooster_boosters{condition="Active",status="True"} 0)"), std::string::npos) << text;
}

}  // namespace
}  // namespace mb::controller
