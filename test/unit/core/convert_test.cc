#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/convert.h"
#include "document/parse.h"
#include "test_util.h"

namespace mb::core {
namespace {

using testing::HasSubstr;

const char* kBase = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: m, namespace: ns, uid: uid-1}
spec:
  backends:
    - name: a
      type: vLLM
      modelURI: hf://org/model
      minReplicas: 2
      maxReplicas: 2
      workers:
        - image: img:1
          resources: {limits: {nvidia.com/gpu: "2"}}
          config: {max-model-len: 4096}
)";

api::Children convertText(const std::string& yaml, document::Errors* errorsOut = nullptr) {
  document::Errors errors;
  api::Children out;
  bool ok = convertDocument(test::parseOne(yaml), ConversionOptions{}, out, errors);
  if (errorsOut != nullptr) {
    *errorsOut = errors;
  } else {
    EXPECT_TRUE(ok) << errors.str();
  }
  return out;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

const std::string* label(const api::ObjectMeta& m, const char* key) { return m.label(key); }

TEST(Convert, NamesLabelsAndOwnersOfEveryChild) {
  api::Children c = convertText(kBase);
  ASSERT_EQ(c.servings.size(), 1u);
  EXPECT_EQ(c.servings[0].metadata.name, "m-a");
  EXPECT_EQ(c.servers[0].metadata.name, "m-a");
  EXPECT_EQ(c.route.metadata.name, "m");
  EXPECT_TRUE(c.policies.empty());
  for (const document::Value& o : c.objects()) {
    const document::Value& meta = *o.find("metadata");
    EXPECT_EQ(meta.find("namespace")->text(), "ns");
    const document::Value& labels = *meta.find("labels");
    EXPECT_EQ(labels.find("workload.serving.volcano.sh/model-name")->text(), "m");
    EXPECT_EQ(labels.find("workload.serving.volcano.sh/managed-by")->text(), "workload.serving.volcano.sh");
    EXPECT_EQ(labels.find("workload.serving.volcano.sh/model-uid")->text(), "uid-1");
    EXPECT_EQ(labels.find("workload.serving.volcano.sh/revision")->text().size(), 10u);
    ASSERT_NE(labels.find("workload.serving.volcano.sh/backend-name"), nullptr);
    const document::Value& owner = meta.find("ownerReferences")->items().at(0);
    EXPECT_EQ(owner.find("kind")->text(), "ModelBooster");
    EXPECT_EQ(owner.find("uid")->text(), "uid-1");
    EXPECT_TRUE(owner.find("controller")->asBool());
    EXPECT_TRUE(owner.find("blockOwnerDeletion")->asBool());
  }
  EXPECT_EQ(*label(c.route.metadata, "workload.serving.volcano.sh/backend-name"), "");
}

// The typed children the controller writes: the same objects, in the same
// order, with the kind and name as values (never read back from the
// document), and who owns each ModelServing's replicas.
TEST(Convert, DesiredChildrenAreTheObjectsTyped) {
  const std::string two =
      replace(kBase, "      workers:", R"(      autoscalingPolicy: {metrics: [{metricName: m, targetValue: 1}]}
      workers:)") +
      R"(    - name: b
      type: vLLM
      modelURI: hf://org/model
      minReplicas: 1
      maxReplicas: 1
      workers:
        - image: img:1
)";
  api::Children c = convertText(two);
  std::vector<document::Value> objects = c.objects();
  std::vector<api::DesiredChild> desired = api::Children(c).desired();
  ASSERT_EQ(desired.size(), objects.size());
  for (size_t i = 0; i < desired.size(); ++i) {
    EXPECT_EQ(document::toJson(desired[i].object), document::toJson(objects[i]));
    EXPECT_EQ(api::kindInfo(desired[i].kind).name, objects[i].find("kind")->text());
    EXPECT_EQ(desired[i].name, objects[i].find("metadata")->find("name")->text());
  }
  ASSERT_EQ(desired[0].kind, api::ChildKind::ModelServing);
  EXPECT_EQ(desired[0].backend, 0u);
  EXPECT_TRUE(desired[0].replicas.autoscaled) << "backend a has its own policy";
  EXPECT_EQ(desired[0].replicas.min, 2);
  EXPECT_EQ(desired[0].replicas.max, 2);
  ASSERT_EQ(desired[1].kind, api::ChildKind::ModelServing);
  EXPECT_EQ(desired[1].backend, 1u);
  EXPECT_FALSE(desired[1].replicas.autoscaled) << "backend b has none: the booster owns its replicas";

  // A model-level policy owns every backend's replicas.
  std::string modelLevel = replace(two, "      autoscalingPolicy: {metrics: [{metricName: m, targetValue: 1}]}\n", "");
  modelLevel =
      replace(modelLevel, "spec:\n", "spec:\n  autoscalingPolicy: {metrics: [{metricName: m, targetValue: 1}]}\n");
  modelLevel = replace(modelLevel, "      workers:", "      scalingCost: 1\n      workers:");
  modelLevel = replace(
      modelLevel, "      maxReplicas: 1\n      workers:", "      maxReplicas: 1\n      scalingCost: 1\n      workers:");
  for (const auto& d : api::Children(convertText(modelLevel)).desired()) {
    if (d.kind != api::ChildKind::ModelServing) continue;
    EXPECT_TRUE(d.replicas.autoscaled) << d.name;
  }
  for (const auto& d : api::Children(convertText(kBase)).desired()) EXPECT_FALSE(d.replicas.autoscaled) << d.name;
}

TEST(Convert, IsDeterministic) {
  std::string a = document::toJson(document::Value::array({}));
  for (int i = 0; i < 2; ++i) {
    api::Children c = convertText(test::readSource("examples/multi-backend-lora-autoscaling.yaml"));
    std::string text;
    for (const auto& o : c.objects()) text += document::toJson(o);
    if (i == 0)
      a = text;
    else
      EXPECT_EQ(a, text);
  }
}

TEST(Convert, RevisionIgnoresReplicasSoScalingDoesNotRollPods) {
  api::Children base = convertText(kBase);
  std::string scaled = replace(replace(kBase, "minReplicas: 2", "minReplicas: 3"), "maxReplicas: 2", "maxReplicas: 3");
  api::Children more = convertText(scaled);
  EXPECT_EQ(more.servings[0].spec.replicas, 3);
  EXPECT_EQ(*label(base.servings[0].metadata, "workload.serving.volcano.sh/revision"),
            *label(more.servings[0].metadata, "workload.serving.volcano.sh/revision"));
  api::Children newImage = convertText(replace(kBase, "img:1", "img:2"));
  EXPECT_NE(*label(base.servings[0].metadata, "workload.serving.volcano.sh/revision"),
            *label(newImage.servings[0].metadata, "workload.serving.volcano.sh/revision"));
}

TEST(Convert, InvalidBoosterYieldsNoChildrenAtAll) {
  document::Errors errors;
  api::Children c = convertText(replace(kBase, "maxReplicas: 2", "maxReplicas: 1"), &errors);
  EXPECT_FALSE(errors.empty());
  EXPECT_TRUE(c.servings.empty());
  EXPECT_TRUE(c.servers.empty());
  EXPECT_TRUE(c.route.metadata.name.empty());
}

TEST(Convert, PodsZeroMeansTheEntryPodAlone) {
  api::Children c = convertText(replace(kBase, "- image: img:1", "- image: img:1\n          pods: 0"));
  EXPECT_EQ(c.servings[0].spec.templateGroup.roles[0].workerReplicas, 0);
  EXPECT_FALSE(c.servings[0].spec.templateGroup.roles[0].workerTemplate.has_value());
}

TEST(Convert, MultiNodePutsEveryEngineFlagInsideTheBashString) {
  std::string yaml = replace(kBase, "- image: img:1", "- image: img:1\n          pods: 3");
  yaml =
      replace(yaml, "      workers:", "      loraAdapters: [{name: sql, artifactURL: 'hf://o/sql'}]\n      workers:");
  api::Children c = convertText(yaml);
  const api::Role& role = c.servings[0].spec.templateGroup.roles[0];
  EXPECT_EQ(role.workerReplicas, 2);
  const document::Value& engine = role.entryTemplate.spec.find("containers")->items()[1];
  const auto& cmd = engine.find("command")->items();
  ASSERT_EQ(cmd.size(), 3u);
  EXPECT_EQ(cmd[0].text(), "bash");
  const std::string& line = cmd[2].text();
  EXPECT_THAT(line,
              HasSubstr("leader --ray_cluster_size=3 --num-gpus=2 && python3 -m vllm.entrypoints.openai.api_server"));
  EXPECT_THAT(line, HasSubstr("--distributed_executor_backend ray"));
  EXPECT_THAT(line, HasSubstr("--kv-events-config '{\"enable_kv_cache_events\":true"));
  EXPECT_THAT(line, HasSubstr("--enable-lora --lora-modules sql=/models/"));
  ASSERT_TRUE(role.workerTemplate.has_value());
  const document::Value& worker = role.workerTemplate->spec.find("containers")->items()[0];
  EXPECT_THAT(worker.find("command")->items()[2].text(), HasSubstr("worker --ray_address=$(ENTRY_ADDRESS)"));
  // Only entry pods serve the API.
  bool entryOnly = false;
  for (const auto& [k, v] : c.servers[0].spec.workloadSelector.matchLabels) {
    entryOnly = entryOnly || (k == "modelserving.volcano.sh/entry" && v == "true");
  }
  EXPECT_TRUE(entryOnly);
}

TEST(Convert, AscendSettingsOnlyForNpuWorkers) {
  std::string pd = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: pd, uid: u}
spec:
  backends:
    - name: b
      type: vLLMDisaggregated
      modelURI: hf://o/m
      minReplicas: 1
      maxReplicas: 1
      workers:
        - {type: prefill, image: i, resources: {limits: {huawei.com/ascend-1980: "2"}}}
        - {type: decode, image: i, resources: {limits: {nvidia.com/gpu: "1"}}}
)";
  api::Children c = convertText(pd);
  const auto& roles = c.servings[0].spec.templateGroup.roles;
  ASSERT_EQ(roles.size(), 2u);
  std::string prefill = document::toJson(roles[0].entryTemplate.spec);
  std::string decode = document::toJson(roles[1].entryTemplate.spec);
  EXPECT_THAT(prefill, HasSubstr("node.kubernetes.io/npu.chip.name"));
  EXPECT_THAT(prefill, HasSubstr("HCCL_IF_IP"));
  EXPECT_THAT(decode, testing::Not(HasSubstr("npu.chip.name")));
  EXPECT_THAT(decode, testing::Not(HasSubstr("HCCL_SOCKET_IFNAME")));
}

TEST(Convert, ServersSelectTheirOwnBackendOnly) {
  api::Children c = convertText(test::readSource("examples/multi-backend-lora-autoscaling.yaml"));
  ASSERT_EQ(c.servers.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto& ml = c.servers[i].spec.workloadSelector.matchLabels;
    ASSERT_EQ(ml.size(), 2u);
    EXPECT_EQ(ml[1].key, "workload.serving.volcano.sh/backend-name");
    EXPECT_EQ(ml[1].value, i == 0 ? "l4" : "h100");
  }
}

TEST(Convert, TopologySpreadSelectsTheModelServingsPods) {
  // v1.0: in every pod template (the ModelServing-level field is gone), as a
  // preference.
  api::Children c = convertText(kBase);
  EXPECT_TRUE(c.servings[0].spec.topologySpreadConstraints.isNull());
  const document::Value* pod =
      c.servings[0].spec.templateGroup.roles[0].entryTemplate.spec.find("topologySpreadConstraints");
  ASSERT_NE(pod, nullptr);
  EXPECT_THAT(document::toJson(*pod), HasSubstr(R"("modelserving.volcano.sh/name":"m-a")"));
  EXPECT_THAT(document::toJson(*pod), HasSubstr(R"("whenUnsatisfiable":"ScheduleAnyway")"));
  // v0.1: the ModelServing-level field, as docs/stacks.md states it.
  ConversionOptions v01;
  v01.stack = api::ServingStack::V0_1;
  document::Errors errors;
  ASSERT_TRUE(convertDocument(test::parseOne(kBase), v01, c, errors)) << errors.str();
  std::string tsc = document::toJson(c.servings[0].spec.topologySpreadConstraints);
  EXPECT_THAT(tsc, HasSubstr(R"("modelserving.volcano.sh/name":"m-a")"));
  EXPECT_THAT(tsc, HasSubstr(R"("whenUnsatisfiable":"DoNotSchedule")"));
  EXPECT_EQ(c.servings[0].spec.templateGroup.roles[0].entryTemplate.spec.find("topologySpreadConstraints"), nullptr);
}

TEST(Convert, SchedulerNameFollowsTheStack) {
  api::Children c = convertText(kBase);
  EXPECT_EQ(c.servings[0].spec.schedulerName, "") << "v1.0 defaults it to volcano itself";
  ConversionOptions v01;
  v01.stack = api::ServingStack::V0_1;
  document::Errors errors;
  ASSERT_TRUE(convertDocument(test::parseOne(kBase), v01, c, errors)) << errors.str();
  EXPECT_EQ(c.servings[0].spec.schedulerName, "volcano") << "required on v0.1";
}

TEST(Convert, GangPolicyOnlyWhenOptedIn) {
  EXPECT_FALSE(convertText(kBase).servings[0].spec.templateGroup.gangPolicy.has_value());
  api::Children c =
      convertText(replace(kBase, "      workers:", "      gangScheduling: {enabled: true}\n      workers:"));
  ASSERT_TRUE(c.servings[0].spec.templateGroup.gangPolicy.has_value());
  EXPECT_EQ(c.servings[0].spec.templateGroup.gangPolicy->minRoleReplicas.at(0).first, "leader");
}

// Kthena v1.0 gives vLLM pods a memory-backed /dev/shm; we give it to every
// engine container (vLLM, PD, SGLang, multi-node workers), and to nothing
// else: downloaders and the runtime sidecar keep the cache mount only.
TEST(Convert, EveryEngineContainerMountsSharedMemory) {
  std::string pd = replace(kBase, "      type: vLLM\n", "      type: vLLMDisaggregated\n");
  pd = replace(pd, "        - image: img:1\n", "        - type: prefill\n          image: img:1\n");
  pd += "        - {type: decode, image: img:1}\n";
  std::string multiNode = replace(kBase, "        - image: img:1\n", "        - image: img:1\n          pods: 2\n");
  std::string sglang = replace(multiNode, "      type: vLLM\n", "      type: SGLang\n");
  for (const std::string& yaml : {std::string(kBase), pd, multiNode, sglang}) {
    api::Children c = convertText(yaml);
    ASSERT_EQ(c.servings.size(), 1u);
    size_t engines = 0;
    for (const auto& role : c.servings[0].spec.templateGroup.roles) {
      std::vector<const api::PodTemplate*> templates = {&role.entryTemplate};
      if (role.workerTemplate) templates.push_back(&*role.workerTemplate);
      for (const api::PodTemplate* t : templates) {
        std::string volumes = document::toJson(*t->spec.find("volumes"));
        EXPECT_THAT(volumes, HasSubstr(R"({"name":"dshm","emptyDir":{"medium":"Memory"}})"));
        for (const char* list : {"initContainers", "containers"}) {
          for (const auto& container : t->spec.find(list)->items()) {
            const document::Value* mountList = container.find("volumeMounts");
            std::string mounts = mountList != nullptr ? document::toJson(*mountList) : "";
            bool engine = std::string(list) == "containers" && container.find("name")->text() != "runtime";
            EXPECT_EQ(mounts.find("/dev/shm") != std::string::npos, engine)
                << container.find("name")->text() << " in " << yaml;
            engines += engine ? 1 : 0;
          }
        }
      }
    }
    EXPECT_GE(engines, 1u) << yaml;
  }
}

// Kthena v1.0 passes ModelScope's token and revision to the downloader.
TEST(Convert, DownloaderGetsModelScopeSettings) {
  std::string yaml = replace(kBase, "      modelURI: hf://org/model\n",
                             "      modelURI: ms://org/model\n      env:\n"
                             "        - {name: MS_TOKEN, valueFrom: {secretKeyRef: {name: ms, key: token}}}\n"
                             "        - {name: MS_REVISION, value: v1}\n        - {name: OTHER, value: x}\n");
  api::Children c = convertText(yaml);
  const document::Value& init =
      c.servings[0].spec.templateGroup.roles[0].entryTemplate.spec.find("initContainers")->items()[0];
  EXPECT_EQ(document::toJson(*init.find("env")),
            R"([{"name":"MS_TOKEN","valueFrom":{"secretKeyRef":{"name":"ms","key":"token"}}},)"
            R"({"name":"MS_REVISION","value":"v1"}])");
  EXPECT_EQ(init.find("args")->items()[1].text(), "ms://org/model");
}

}  // namespace
TEST(Convert, ServingNamesPassTheV10ModelServingWebhook) {
  // <ms>-<maxReplicas>-<role>-<roleReplicas>-<workerReplicas> must be a
  // DNS-1035 label: a booster name starting with a digit passes our name
  // rules but not Kthena v1.0's webhook.
  std::string digit = replace(kBase, "{name: m,", "{name: 7b,");
  document::Errors errors;
  api::Children c;
  EXPECT_FALSE(convertDocument(test::parseOne(digit), ConversionOptions{}, c, errors));
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.list()[0].field, "spec.backends[0].name");
  EXPECT_THAT(errors.list()[0].message, HasSubstr("does not start with a letter"));
  // v0.1's chart registers no ModelServing webhook: the same booster converts.
  ConversionOptions v01;
  v01.stack = api::ServingStack::V0_1;
  document::Errors none;
  EXPECT_TRUE(convertDocument(test::parseOne(digit), v01, c, none)) << none.str();
}

}  // namespace mb::core
