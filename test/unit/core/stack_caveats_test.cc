// Where Kthena's autoscaler, as released, will not do what a valid booster
// asks: the warnings render, validate, the webhook and the controller give.
#include "core/stack_caveats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/render.h"
#include "test_util.h"

namespace mb::core {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;

const api::StackProfile& v10() { return api::profileOf(api::ServingStack::V1_0); }
const api::StackProfile& v01() { return api::profileOf(api::ServingStack::V0_1); }

// A booster of two backends; `modelPolicy` and `backendPolicy` are YAML
// bodies (indented 4 spaces) for spec.autoscalingPolicy and the first
// backend's, "" for none.
std::string booster(const std::string& modelPolicy, const std::string& backendPolicy = "") {
  std::string y = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: m, namespace: team}
spec:
)";
  if (!modelPolicy.empty()) y += "  autoscalingPolicy:\n" + modelPolicy;
  y += R"(  backends:
    - name: a
      type: vLLM
      modelURI: hf://org/model
      minReplicas: 1
      maxReplicas: 3
      scalingCost: 10
)";
  if (!backendPolicy.empty()) y += "      autoscalingPolicy:\n" + backendPolicy;
  y += R"(      workers: [{image: img:1}]
)";
  return y;
}

constexpr const char* kMetric = "    metrics: [{metricName: kthena:num_requests_waiting, targetValue: 10}]\n";
std::string indented(const std::string& body, int by) {
  std::string out;
  std::string pad(static_cast<size_t>(by), ' ');
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    out += pad + body.substr(start, end - start + 1);
    start = end + 1;
  }
  return out;
}
std::string windows(const std::string& up, const std::string& down) {
  return std::string(kMetric) + "    behavior:\n      scaleUp: {stablePolicy: {stabilizationWindow: " + up +
         "}}\n      scaleDown: {stabilizationWindow: " + down + "}\n";
}

std::vector<std::string> caveats(const std::string& yaml, const api::StackProfile& profile) {
  document::Errors errors;
  api::ModelBooster b = api::decodeModelBooster(test::parseOne(yaml), errors);
  EXPECT_TRUE(errors.empty()) << errors.list().front().str();
  std::vector<std::string> out;
  for (const auto& c : stackCaveats(b, profile)) out.push_back(c.field + ": " + c.message);
  return out;
}

TEST(StackCaveats, ModelLevelWithoutWindowsIsFineOnV10) {
  EXPECT_THAT(caveats(booster(windows("0s", "0s")), v10()), IsEmpty());
  EXPECT_THAT(caveats(booster(windows("14s", "10s")), v10()), IsEmpty());
}

TEST(StackCaveats, ModelLevelWindowsOfAPeriodFreezeTheCostOptimizer) {
  EXPECT_THAT(caveats(booster(windows("1m", "15s")), v10()),
              ElementsAre(HasSubstr("spec.autoscalingPolicy.behavior.scaleUp.stablePolicy.stabilizationWindow: Kthena "
                                    "v1.0.0's cost optimizer never scales up"),
                          HasSubstr("spec.autoscalingPolicy.behavior.scaleDown.stabilizationWindow: Kthena v1.0.0's "
                                    "cost optimizer never scales down")));
}

TEST(StackCaveats, AMissingScaleDownWindowIsKthenasFiveMinutes) {
  EXPECT_THAT(caveats(booster(kMetric), v10()),
              ElementsAre(HasSubstr("spec.autoscalingPolicy.behavior.scaleDown.stabilizationWindow: not set, so "
                                    "Kthena's webhook sets 5m")));
}

TEST(StackCaveats, BackendLevelFreezesOnlyOnV01) {
  EXPECT_THAT(caveats(booster("", indented(kMetric, 4)), v10()), IsEmpty());
  EXPECT_THAT(caveats(booster("", indented(windows("0s", "0s"), 4)), v01()),
              ElementsAre(HasSubstr("metadata.namespace: Kthena v0.1.0's autoscaler only acts on "
                                    "AutoscalingPolicyBindings in the namespace kthena-controller-manager runs in")));
  EXPECT_THAT(caveats(booster("", indented(kMetric, 4)), v01()),
              ElementsAre(HasSubstr("metadata.namespace"),
                          HasSubstr("spec.backends[0].autoscalingPolicy.behavior.scaleDown.stabilizationWindow: not "
                                    "set, so Kthena's webhook sets 5m: Kthena v0.1.0's autoscaler never scales down")));
}

TEST(StackCaveats, V01NeverScalesAModelLevelPolicy) {
  EXPECT_THAT(caveats(booster(windows("0s", "0s")), v01()),
              ElementsAre(HasSubstr("metadata.namespace"),
                          HasSubstr("spec.autoscalingPolicy: Kthena v0.1.0's autoscaler never scales a model-level "
                                    "policy on its metrics")));
}

TEST(StackCaveats, NoAutoscalingNoCaveat) {
  EXPECT_THAT(caveats(booster(""), v01()), IsEmpty());
  EXPECT_THAT(caveats(booster(""), v10()), IsEmpty());
}

// render and validate keep the output and print the caveat with the line
// of its field.
TEST(StackCaveats, RenderWarnsAndStillRenders) {
  RenderResult r;
  ASSERT_TRUE(render(booster(windows("1m", "0s")), ConversionOptions{}, OutputFormat::Yaml, true, r));
  EXPECT_FALSE(r.output.empty());
  ASSERT_EQ(r.warnings.size(), 1U);
  EXPECT_THAT(r.warnings[0], HasSubstr("document 1 (ModelBooster team/m): line 8: "
                                       "spec.autoscalingPolicy.behavior.scaleUp.stablePolicy.stabilizationWindow"));
  RenderResult invalid;
  EXPECT_FALSE(render(booster(windows("1m", "0s")) + "      bogus: 1\n", ConversionOptions{}, OutputFormat::Yaml, true,
                      invalid));
  EXPECT_THAT(invalid.warnings, IsEmpty());
}

}  // namespace
}  // namespace mb::core
