#include "controller/lora_targets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "document/parse.h"

namespace mb::controller {
namespace {

using testing::ElementsAre;

kube::ObjectPtr object(const std::string& json) {
  document::Value v;
  document::ParseError e;
  EXPECT_TRUE(document::parseJson(json, v, e)) << e.str();
  return std::make_shared<const document::Value>(std::move(v));
}

kube::ObjectPtr pod(const std::string& name, const std::string& phase, const std::string& ip,
                    const std::string& entry = "true", bool deleting = false) {
  return object(R"({"metadata":{"name":")" + name + R"(","uid":"u-)" + name + R"(",)" +
                (deleting ? R"("deletionTimestamp":"2026-01-01T00:00:00Z",)" : "") +
                R"("labels":{"modelserving.volcano.sh/entry":")" + entry + R"("}},)" + R"("status":{"phase":")" +
                phase + R"(","podIP":")" + ip + R"(","conditions":[{"type":"Ready","status":")" +
                (phase == "Running" ? "True" : "False") +
                R"("}],"containerStatuses":[{"name":"engine","restartCount":2}]}})");
}

TEST(LoraTargets, OnlyRunningEntryPodsWithAnIpThatAreNotGoing) {
  sidecar::PodEndpoint ports{"", 8000, 8100};
  auto t = loraTarget(*pod("p0", "Running", "10.0.0.1"), ports);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->pod, "p0");
  EXPECT_EQ(t->endpoint.ip, "10.0.0.1");
  EXPECT_EQ(t->endpoint.runtimePort, 8100);
  EXPECT_EQ(t->identity, "u-p0/10.0.0.1/engine=2");
  EXPECT_FALSE(loraTarget(*pod("p0", "Pending", "10.0.0.1"), ports));
  // Running but not Ready: the engine may not answer yet.
  EXPECT_FALSE(loraTarget(
      *object(R"({"metadata":{"name":"p","labels":{"modelserving.volcano.sh/entry":"true"}},)"
              R"("status":{"phase":"Running","podIP":"10.0.0.1","conditions":[{"type":"Ready","status":"False"}]}})"),
      ports));
  EXPECT_FALSE(loraTarget(*pod("p0", "Running", ""), ports));
  EXPECT_FALSE(loraTarget(*pod("p0", "Running", "10.0.0.1", "false"), ports));  // a worker pod
  EXPECT_FALSE(loraTarget(*pod("p0", "Running", "10.0.0.1", "true", true), ports));
}

TEST(LoraTargets, WantsForRuntimeLoadingBackendsOnly) {
  api::ModelBooster b;
  b.metadata.name = "m";
  b.spec.name = "llama";
  api::Backend dyn;
  dyn.name = "dyn";
  dyn.type = "vLLM";
  dyn.modelURI = "hf://org/model";
  dyn.env = {{"VLLM_ALLOW_RUNTIME_LORA_UPDATING", std::string("true")}, {"RUNTIME_PORT", std::string("9100")}};
  dyn.loraAdapters = {{"sql", "hf://org/sql"}};
  dyn.workers.emplace_back();
  api::Backend fixed = dyn;
  fixed.name = "fixed";
  fixed.env.clear();
  b.spec.backends = {dyn, fixed};
  std::vector<std::string> asked;
  auto wants = loraWants(b, core::ConversionOptions{}, [&](const std::string& serving) {
    asked.push_back(serving);
    return std::vector<kube::ObjectPtr>{pod("m-dyn-1", "Running", "10.0.0.2"), pod("m-dyn-0", "Running", "10.0.0.1"),
                                        pod("m-dyn-w", "Running", "10.0.0.3", "false")};
  });
  EXPECT_THAT(asked, ElementsAre("m-dyn"));
  ASSERT_EQ(wants.size(), 1u);
  EXPECT_EQ(wants[0].backend, "dyn");
  EXPECT_EQ(wants[0].baseModel, "llama");
  ASSERT_EQ(wants[0].adapters.size(), 1u);
  EXPECT_EQ(wants[0].adapters[0].source, "hf://org/sql");
  ASSERT_EQ(wants[0].pods.size(), 2u);
  EXPECT_EQ(wants[0].pods[0].pod, "m-dyn-0");
  EXPECT_EQ(wants[0].pods[0].endpoint.runtimePort, 9100);
  EXPECT_TRUE(usesRuntimeLora(b));
  b.spec.backends = {fixed};
  EXPECT_FALSE(usesRuntimeLora(b));
}

TEST(LoraTargets, StatusPutsErrorsFirstAndIsBounded) {
  std::vector<LoraPodReport> reports;
  for (int i = 0; i < 40; ++i) reports.push_back({"a", "p" + std::to_string(i), {"sql"}, true, "", 0});
  reports[39].error = std::string(5000, 'x');
  reports.push_back({"other", "q0", {}, true, "", 0});
  std::vector<api::LoraPodStatus> s = loraPodStatuses(reports, "a");
  ASSERT_EQ(s.size(), api::kMaxLoraPodStatuses);
  EXPECT_EQ(s[0].name, "p39");
  EXPECT_LE(s[0].error.size(), 4096u);
  EXPECT_EQ(s[1].name, "p0");
}

}  // namespace
}  // namespace mb::controller
