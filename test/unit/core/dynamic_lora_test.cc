#include "core/dynamic_lora.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "core/convert.h"
#include "core/pod.h"
#include "document/parse.h"
#include "document/value.h"
#include "test_util.h"

namespace mb::core {
namespace {

using testing::Contains;
using testing::ElementsAre;
using testing::Not;

// One vLLM backend that loads adapters at run time, and a second one that
// does not; {ADAPTERS} is the first one's loraAdapters.
const char* kBooster = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: m, namespace: ns, uid: uid-1}
spec:
  backends:
    - name: dyn
      type: vLLM
      modelURI: hf://org/model
      minReplicas: 1
      maxReplicas: 1
      env: [{name: VLLM_ALLOW_RUNTIME_LORA_UPDATING, value: "True"}]
      loraAdapters: {ADAPTERS}
      workers: [{image: "img:1", resources: {limits: {nvidia.com/gpu: "1"}}}]
    - name: fixed
      type: vLLM
      modelURI: hf://org/model
      minReplicas: 1
      maxReplicas: 1
      loraAdapters: [{name: a, artifactURL: "hf://org/a"}]
      workers: [{image: "img:1", resources: {limits: {nvidia.com/gpu: "1"}}}]
)";

std::string boosterWith(const std::string& adapters, const std::string& image = "img:1") {
  std::string s = kBooster;
  s.replace(s.find("{ADAPTERS}"), 10, adapters);
  if (image != "img:1") s.replace(s.find("img:1"), 5, image);
  return s;
}

api::ModelBooster decode(const std::string& yaml) {
  document::Errors errors;
  api::ModelBooster b = api::decodeModelBooster(test::parseOne(yaml), errors);
  EXPECT_TRUE(errors.empty()) << errors.str();
  return b;
}

api::Children convertBooster(const api::ModelBooster& b) {
  api::Children out;
  document::Errors errors;
  EXPECT_TRUE(convert(b, ConversionOptions{}, out, errors)) << errors.str();
  return out;
}

const std::string* annotation(const api::ObjectMeta& m, std::string_view key) {
  for (const auto& [k, v] : m.annotations) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::vector<std::string> engineCommand(const api::ModelServing& ms) {
  std::vector<std::string> words;
  const document::Value& containers = *ms.spec.templateGroup.roles.at(0).entryTemplate.spec.find("containers");
  for (const auto& c : containers.items()) {
    if (c.find("name")->text() != "engine") continue;
    for (const auto& w : c.find("command")->items()) words.push_back(w.text());
  }
  return words;
}

// The cluster as the first conversion left it: each ModelServing's revision
// and annotation, looked up by name.
ExistingServingLookup clusterOf(const api::Children& written) {
  std::map<std::string, ExistingServing, std::less<>> byName;
  for (const auto& ms : written.servings) {
    const std::string* rev = ms.metadata.label(kLabelRevision);
    const std::string* ann = annotation(ms.metadata, kAnnotationTemplateLoraAdapters);
    byName[ms.metadata.name] = {rev != nullptr ? *rev : "", ann != nullptr ? *ann : ""};
  }
  return [byName](std::string_view name) -> std::optional<ExistingServing> {
    auto it = byName.find(name);
    if (it == byName.end()) return std::nullopt;
    return it->second;
  };
}

TEST(DynamicLora, OnlyVllmWithTheEngineVariableTrue) {
  api::Backend b;
  b.type = "vLLM";
  EXPECT_FALSE(loadsLoraAtRuntime(b));
  for (const char* v : {"true", "True", "TRUE", "1"}) {
    b.env = {{kRuntimeLoraEnv, std::string(v)}};
    EXPECT_TRUE(loadsLoraAtRuntime(b)) << v;
  }
  for (const char* v : {"false", "0", "", "yes"}) {
    b.env = {{kRuntimeLoraEnv, std::string(v)}};
    EXPECT_FALSE(loadsLoraAtRuntime(b)) << v;
  }
  b.env = {{kRuntimeLoraEnv, std::string("true")}};
  for (const char* type : {"SGLang", "vLLMDisaggregated"}) {
    b.type = type;
    EXPECT_FALSE(loadsLoraAtRuntime(b)) << type;
  }
}

TEST(DynamicLora, TemplateAdaptersRoundTripAndBadTextIsRefused) {
  std::vector<api::LoraAdapter> adapters = {{"a", "hf://org/a"}, {"b", "pvc://x/b"}};
  std::optional<std::vector<api::LoraAdapter>> back = decodeTemplateAdapters(encodeTemplateAdapters(adapters));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].name, "b");
  EXPECT_EQ((*back)[1].artifactURL, "pvc://x/b");
  EXPECT_TRUE(decodeTemplateAdapters("[]"));
  for (const char* bad : {"", "{}", "[1]", R"([{"name": "a"}])", "not json"}) {
    EXPECT_FALSE(decodeTemplateAdapters(bad)) << bad;
  }
}

TEST(DynamicLora, TheTemplateRecordsItsAdaptersAndLoraIsOnWithoutAny) {
  api::Children c = convertBooster(decode(boosterWith("[]")));
  ASSERT_EQ(c.servings.size(), 2u);
  const std::string* ann = annotation(c.servings[0].metadata, kAnnotationTemplateLoraAdapters);
  ASSERT_NE(ann, nullptr);
  EXPECT_EQ(*ann, "[]");
  EXPECT_THAT(engineCommand(c.servings[0]), Contains("--enable-lora"));
  EXPECT_THAT(engineCommand(c.servings[0]), Not(Contains("--lora-modules")));
  // The backend without the variable is converted as before: no annotation.
  EXPECT_EQ(annotation(c.servings[1].metadata, kAnnotationTemplateLoraAdapters), nullptr);
}

// The runtime sidecar downloads a run-time adapter into the cache mount
// path, which the engine reads: it must see the same volume there.
TEST(DynamicLora, TheSidecarMountsTheWeightsVolumeWhereTheEngineReadsIt) {
  api::Children c = convertBooster(decode(boosterWith("[]")));
  auto mountOf = [](const api::ModelServing& ms, const char* container) -> std::string {
    const document::Value& containers = *ms.spec.templateGroup.roles.at(0).entryTemplate.spec.find("containers");
    for (const auto& ct : containers.items()) {
      if (ct.find("name")->text() != container) continue;
      const document::Value* mounts = ct.find("volumeMounts");
      if (mounts == nullptr || mounts->items().empty()) return "";
      const document::Value& m = mounts->items().front();
      return m.find("name")->text() + "@" + m.find("mountPath")->text();
    }
    return "no container";
  };
  EXPECT_NE(mountOf(c.servings[0], "runtime"), "");
  EXPECT_EQ(mountOf(c.servings[0], "runtime"), mountOf(c.servings[0], "engine"));
  // Without run-time loading the sidecar stays as the reference has it.
  EXPECT_EQ(mountOf(c.servings[1], "runtime"), "");
}

TEST(DynamicLora, AnAdapterOnlyChangeKeepsTheTemplate) {
  api::Children before = convertBooster(decode(boosterWith(R"([{name: a, artifactURL: "hf://org/a"}])")));
  api::ModelBooster changed = decode(boosterWith(R"([{name: b, artifactURL: "hf://org/b"}])"));
  api::Children after = convertBooster(changed);
  ASSERT_NE(*after.servings[0].metadata.label(kLabelRevision), *before.servings[0].metadata.label(kLabelRevision));

  std::vector<size_t> pinned = pinLoraTemplates(changed, ConversionOptions{}, clusterOf(before), after);
  EXPECT_THAT(pinned, ElementsAre(0u));
  EXPECT_EQ(document::toJson(api::encode(after.servings[0])), document::toJson(api::encode(before.servings[0])));
  // The route and the other children follow the spec.
  EXPECT_EQ(after.route.spec.loraAdapters, std::vector<std::string>({"a", "b"}));
}

TEST(DynamicLora, AnyOtherChangeRebuildsTheTemplateWithTheSpecsAdapters) {
  api::Children before = convertBooster(decode(boosterWith(R"([{name: a, artifactURL: "hf://org/a"}])")));
  api::ModelBooster changed = decode(boosterWith(R"([{name: b, artifactURL: "hf://org/b"}])", "img:2"));
  api::Children after = convertBooster(changed);
  api::Children expected = after;
  EXPECT_TRUE(pinLoraTemplates(changed, ConversionOptions{}, clusterOf(before), after).empty());
  EXPECT_EQ(document::toJson(api::encode(after.servings[0])), document::toJson(api::encode(expected.servings[0])));
  EXPECT_EQ(*annotation(after.servings[0].metadata, kAnnotationTemplateLoraAdapters),
            R"([{"name":"b","artifactURL":"hf://org/b"}])");
}

TEST(DynamicLora, NothingToPinWithoutAnExistingServingOrItsAnnotation) {
  api::ModelBooster b = decode(boosterWith(R"([{name: b, artifactURL: "hf://org/b"}])"));
  api::Children c = convertBooster(b);
  auto none = [](std::string_view) -> std::optional<ExistingServing> { return std::nullopt; };
  EXPECT_TRUE(pinLoraTemplates(b, ConversionOptions{}, none, c).empty());
  auto noAnnotation = [](std::string_view) -> std::optional<ExistingServing> { return ExistingServing{"abc", ""}; };
  EXPECT_TRUE(pinLoraTemplates(b, ConversionOptions{}, noAnnotation, c).empty());
  auto garbage = [](std::string_view) -> std::optional<ExistingServing> { return ExistingServing{"abc", "{"}; };
  EXPECT_TRUE(pinLoraTemplates(b, ConversionOptions{}, garbage, c).empty());
}

}  // namespace
}  // namespace mb::core
