#include <gtest/gtest.h>

#include "api/model_booster.h"
#include "test_util.h"

namespace mb::api {
namespace {

TEST(Decode, ExamplesRoundTripThroughTheTypedModel) {
  for (const char* file :
       {"examples/vllm-single-gpu.yaml", "examples/vllm-multi-node.yaml", "examples/vllm-pd-ascend-mooncake.yaml",
        "examples/multi-backend-lora-autoscaling.yaml", "examples/sglang.yaml", "examples/v1-single-backend.yaml"}) {
    mb::document::Value original = test::parseOne(test::readSource(file));
    mb::document::Errors errors;
    ModelBooster b = decodeModelBooster(original, errors);
    EXPECT_TRUE(errors.empty()) << file << ": " << errors.str();
    mb::document::Value encoded = encode(b);
    EXPECT_TRUE(mb::document::equal(original, encoded)) << file << "\n" << mb::document::toYaml(encoded);
  }
}

TEST(Decode, ReportsUnknownFieldsAtTheirPathWithLine) {
  mb::document::Value v = test::parseOne(R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: m, colour: blue}
spec:
  backends:
    - name: a
      type: vLLM
      modelURI: hf://x/y
      minReplica: 1
      workers: [{type: server, imagePullPolicy: Always}]
)");
  mb::document::Errors errors;
  decodeModelBooster(v, errors);
  ASSERT_EQ(errors.size(), 3u) << errors.str();
  EXPECT_EQ(errors.list()[0].field, "metadata.colour");
  EXPECT_EQ(errors.list()[1].field, "spec.backends[0].workers[0].imagePullPolicy");
  EXPECT_EQ(errors.list()[2].field, "spec.backends[0].minReplica");
  EXPECT_EQ(errors.list()[2].message, "unknown field");
  EXPECT_EQ(errors.list()[2].mark.line, 9u);
}

TEST(Decode, NamesWrongTypes) {
  mb::document::Value v = test::parseOne(R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: m}
spec:
  backends:
    - name: 7
      minReplicas: "two"
      maxReplicas: 2.5
      workers: {type: server}
      env: [{name: A, value: 1}]
)");
  mb::document::Errors errors;
  decodeModelBooster(v, errors);
  std::string all = errors.str();
  EXPECT_NE(all.find("spec.backends[0].name: must be a string, not a number"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.backends[0].minReplicas: must be an integer, not a string"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.backends[0].maxReplicas: must be an integer, not 2.5"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.backends[0].workers: must be a list, not an object"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.backends[0].env[0].value: must be a string"), std::string::npos) << all;
}

TEST(Decode, RejectsOtherKindsAndVersions) {
  mb::document::Errors errors;
  decodeModelBooster(test::parseOne("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nspec: {}\n"), errors);
  EXPECT_NE(errors.str().find("apiVersion: must be workload.serving.volcano.sh/v1alpha1"), std::string::npos);
  EXPECT_NE(errors.str().find("kind: must be ModelBooster"), std::string::npos);
}

TEST(Decode, IntegersOutOfRangeAreNamed) {
  mb::document::Value v = test::parseOne(R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
    "metadata":{"name":"m"},"spec":{"backends":[{"minReplicas":99999999999999999999}]}})");
  mb::document::Errors errors;
  decodeModelBooster(v, errors);
  EXPECT_NE(errors.str().find("spec.backends[0].minReplicas: must be between"), std::string::npos) << errors.str();
}

// Found by the fuzzer: a huge float for an integer field was cast to
// int64 before its range was checked (undefined behaviour).
TEST(Decode, HugeAndFractionalNumbersForIntegers) {
  for (const char* n : {"1e69", "-1e300", "99999999999999999999.0"}) {
    mb::document::Value v = test::parseOne(std::string(R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1",
      "kind":"ModelBooster","metadata":{"name":"m"},"spec":{"backends":[{"minReplicas":)") +
                                           n + "}]}}");
    mb::document::Errors errors;
    decodeModelBooster(v, errors);
    EXPECT_NE(errors.str().find("minReplicas: must be between"), std::string::npos) << n << ": " << errors.str();
  }
  mb::document::Value v = test::parseOne(R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
    "metadata":{"name":"m"},"spec":{"backends":[{"minReplicas":2.5, "maxReplicas": 3.0}]}})");
  mb::document::Errors errors;
  ModelBooster b = decodeModelBooster(v, errors);
  ASSERT_EQ(errors.size(), 1u) << errors.str();
  EXPECT_NE(errors.str().find("minReplicas: must be an integer, not 2.5"), std::string::npos);
  EXPECT_EQ(b.spec.backends.at(0).maxReplicas, 3);
}

TEST(Decode, StatusRoundTrips) {
  mb::document::Value v = test::parseOne(R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: m, uid: u1, generation: 3, resourceVersion: "42", creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  backends: []
status:
  observedGeneration: 3
  conditions:
    - {type: Initialized, status: "True", observedGeneration: 3, lastTransitionTime: "2026-01-01T00:00:00Z", reason: Converted, message: ok}
  backendStatuses: [{name: a, replicas: 2}]
)");
  mb::document::Errors errors;
  ModelBooster b = decodeModelBooster(v, errors);
  ASSERT_TRUE(errors.empty()) << errors.str();
  EXPECT_EQ(b.metadata.generation, 3);
  EXPECT_EQ(b.status.conditions.at(0).type, "Initialized");
  EXPECT_EQ(b.status.backendStatuses.at(0).replicas, 2);
  EXPECT_TRUE(mb::document::equal(v, encode(b))) << mb::document::toYaml(encode(b));
}

// Kthena v1.0's shape: one spec.backend, held as a one-item list that
// remembers its shape, so it encodes back as written and errors name
// spec.backend.<field>.
TEST(Decode, SingleBackendShape) {
  mb::document::Value v = test::parseOne(R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: m}
spec:
  backend:
    name: a
    type: vLLM
    modelURI: ms://Qwen/Qwen2.5-0.5B-Instruct
    replicas: 3
    runtimeClassName: nvidia
    workers: [{type: server, tolerations: [{key: k, operator: Exists}]}]
)");
  mb::document::Errors errors;
  ModelBooster b = decodeModelBooster(v, errors);
  ASSERT_TRUE(errors.empty()) << errors.str();
  EXPECT_EQ(b.spec.backendShape, BackendShape::Single);
  ASSERT_EQ(b.spec.backends.size(), 1u);
  EXPECT_EQ(b.spec.backends[0].name, "a");
  EXPECT_EQ(b.spec.backends[0].replicas, 3);
  EXPECT_EQ(b.spec.backends[0].runtimeClassName, "nvidia");
  EXPECT_TRUE(b.spec.backends[0].workers[0].tolerations.isArray());
  EXPECT_TRUE(mb::document::equal(v, encode(b))) << mb::document::toYaml(encode(b));
  // The list shape still encodes as a list, even with one item.
  ModelBooster list = b;
  list.spec.backendShape = BackendShape::List;
  list.spec.backends[0].replicas.reset();
  list.spec.backends[0].minReplicas = list.spec.backends[0].maxReplicas = 3;
  mb::document::Value encoded = encode(list);
  EXPECT_EQ(encoded.find("spec")->find("backend"), nullptr);
  EXPECT_EQ(encoded.find("spec")->find("backends")->items().size(), 1u);
}

TEST(Decode, SingleBackendErrorsNameSpecBackendWithLines) {
  mb::document::Value v = test::parseOne(R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: m}
spec:
  backend:
    name: a
    replicas: two
    workers: [{type: server, imagePullPolicy: Always}]
)");
  mb::document::Errors errors;
  decodeModelBooster(v, errors);
  ASSERT_EQ(errors.size(), 2u) << errors.str();
  EXPECT_EQ(errors.list()[0].field, "spec.backend.replicas");
  EXPECT_EQ(errors.list()[0].message, "must be an integer, not a string");
  EXPECT_EQ(errors.list()[0].mark.line, 7u);
  EXPECT_EQ(errors.list()[1].field, "spec.backend.workers[0].imagePullPolicy");
}

TEST(Decode, ReplicasAndBoundsAreExclusive) {
  mb::document::Value v = test::parseOne(R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: m}
spec:
  backend: {name: a, replicas: 1, maxReplicas: 2, workers: [{}]}
)");
  mb::document::Errors errors;
  decodeModelBooster(v, errors);
  ASSERT_EQ(errors.size(), 1u) << errors.str();
  EXPECT_EQ(errors.list()[0].field, "spec.backend.replicas");
  EXPECT_NE(errors.list()[0].message.find("set either replicas or minReplicas and maxReplicas"), std::string::npos);
}

TEST(Decode, BothShapesAreOneError) {
  mb::document::Value v = test::parseOne(R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: m}
spec:
  backends: [{name: a, minReplicas: 1, maxReplicas: 1, workers: [{}]}]
  backend: {name: b, replicas: 1, workers: [{}]}
)");
  mb::document::Errors errors;
  ModelBooster b = decodeModelBooster(v, errors);
  ASSERT_EQ(errors.size(), 1u) << errors.str();
  EXPECT_EQ(errors.list()[0].field, "spec.backend");
  EXPECT_NE(errors.list()[0].message.find("spec.backends and spec.backend are both set"), std::string::npos);
  EXPECT_EQ(errors.list()[0].mark.line, 6u);
  EXPECT_EQ(b.spec.backends.size(), 1u);
  // backend: null is no backend (the API server drops it).
  v.find("spec")->put("backend", mb::document::Value());
  errors = mb::document::Errors{};
  decodeModelBooster(v, errors);
  EXPECT_TRUE(errors.empty()) << errors.str();
}

// Error paths name fields; reporting looks them up again for their line.
TEST(FindField, FollowsKeysIndicesAndDottedKeys) {
  mb::document::Value v = test::parseOne(
      "spec:\n  backends:\n    - name: a\n    - name: b\n      resources:\n        limits:\n"
      "          nvidia.com/gpu: 2\n          nvidia.com: 1\n");
  const mb::document::Value* name = mb::document::findField(v, "spec.backends[1].name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->text(), "b");
  EXPECT_EQ(name->mark().line, 4U);
  const mb::document::Value* gpu = mb::document::findField(v, "spec.backends[1].resources.limits.nvidia.com/gpu");
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->text(), "2");
  EXPECT_EQ(mb::document::findField(v, "spec.backends[1].resources.limits.nvidia.com")->text(), "1");
  EXPECT_EQ(mb::document::findField(v, "spec.backends[2].name"), nullptr);
  EXPECT_EQ(mb::document::findField(v, "spec.missing"), nullptr);
  EXPECT_EQ(mb::document::findField(v, "spec.backends[x]"), nullptr);
}

}  // namespace
}  // namespace mb::api
