#include "core/lora_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/pod.h"
#include "test_util.h"

namespace mb::core {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

std::vector<std::string> names(const std::vector<DesiredAdapter>& adapters) {
  std::vector<std::string> out;
  for (const auto& a : adapters) out.push_back(a.name);
  return out;
}

const std::vector<DesiredAdapter> kWanted = {{"sql", "hf://org/sql", "/models/p-sql"},
                                             {"chat", "hf://org/chat", "/models/p-chat"}};

TEST(LoraPlan, ParsesVllmsModelList) {
  std::string error;
  auto models = parseModelList(R"({"object": "list", "data": [
      {"id": "llama", "object": "model", "root": "/models/base", "parent": null},
      {"id": "sql", "object": "model", "root": "/models/p-sql", "parent": "llama"}]})",
                               error);
  ASSERT_TRUE(models) << error;
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ((*models)[0].parent, "");
  EXPECT_EQ((*models)[1].root, "/models/p-sql");
  EXPECT_EQ((*models)[1].parent, "llama");
}

TEST(LoraPlan, AModelListThatIsNotOneSaysWhy) {
  std::string error;
  EXPECT_FALSE(parseModelList("<html>", error));
  EXPECT_THAT(error, HasSubstr("not JSON"));
  EXPECT_FALSE(parseModelList(R"({"models": []})", error));
  EXPECT_THAT(error, HasSubstr("\"data\""));
  EXPECT_FALSE(parseModelList(R"({"data": [{"root": "x"}]})", error));
  EXPECT_THAT(error, HasSubstr("\"id\""));
}

TEST(LoraPlan, AFreshPodLoadsEveryAdapterInOrder) {
  LoraPlan plan = planLora(kWanted, {{"llama", "/models/base", ""}}, "llama");
  EXPECT_TRUE(plan.unload.empty());
  EXPECT_THAT(names(plan.load), ElementsAre("sql", "chat"));
  EXPECT_EQ(plan.load[0].outputDir, "/models/p-sql");
  EXPECT_EQ(plan.load[0].source, "hf://org/sql");
}

TEST(LoraPlan, APodThatServesWhatIsWantedNeedsNothing) {
  LoraPlan plan = planLora(
      kWanted, {{"llama", "", ""}, {"chat", "/models/p-chat", "llama"}, {"sql", "/models/p-sql", "llama"}}, "llama");
  EXPECT_TRUE(plan.empty());
}

TEST(LoraPlan, UnwantedAdaptersAreUnloadedAndMissingOnesLoaded) {
  LoraPlan plan = planLora(
      kWanted, {{"llama", "", ""}, {"old", "/models/p-old", "llama"}, {"sql", "/models/p-sql", "llama"}}, "llama");
  EXPECT_THAT(plan.unload, ElementsAre("old"));
  EXPECT_THAT(names(plan.load), ElementsAre("chat"));
}

TEST(LoraPlan, AnAdapterLoadedFromAnotherPathIsLoadedAgain) {
  // Its artifactURL changed: the path (md5 of the URL) did too.
  LoraPlan plan =
      planLora(kWanted, {{"sql", "/models/p-sql-old", "llama"}, {"chat", "/models/p-chat", "llama"}}, "llama");
  EXPECT_THAT(plan.unload, ElementsAre("sql"));
  EXPECT_THAT(names(plan.load), ElementsAre("sql"));
}

TEST(LoraPlan, NoAdaptersWantedUnloadsAllButTheBaseModel) {
  LoraPlan plan = planLora({}, {{"llama", "/models/base", ""}, {"sql", "/models/p-sql", "llama"}}, "llama");
  EXPECT_THAT(plan.unload, ElementsAre("sql"));
  EXPECT_TRUE(plan.load.empty());
}

TEST(LoraPlan, WithoutParentsTheBaseModelIsKnownByItsServedName) {
  // An engine that lists no parent: only the served name is the base model.
  LoraPlan plan = planLora(kWanted, {{"llama", "", ""}, {"sql", "", ""}}, "llama");
  EXPECT_TRUE(plan.unload.empty());
  EXPECT_THAT(names(plan.load), ElementsAre("chat"));
}

TEST(LoraPlan, DesiredAdaptersUseTheTemplatesPaths) {
  document::Errors errors;
  api::ModelBooster b = api::decodeModelBooster(test::parseOne(R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: m, namespace: ns}
spec:
  name: llama
  backends:
    - name: a
      type: vLLM
      modelURI: hf://org/model
      loraAdapters: [{name: sql, artifactURL: "hf://org/sql"}]
      workers: [{image: "img:1"}]
)"),
                                                errors);
  ASSERT_TRUE(errors.empty()) << errors.str();
  std::vector<DesiredAdapter> d = desiredAdapters(b, b.spec.backends[0], ConversionOptions{});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].name, "sql");
  EXPECT_EQ(d[0].source, "hf://org/sql");
  EXPECT_THAT(d[0].outputDir, testing::EndsWith("/" + md5Hex("hf://org/sql")));
  EXPECT_EQ(servedBaseModel(b, b.spec.backends[0]), "llama");
}

}  // namespace
}  // namespace mb::core
