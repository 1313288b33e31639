#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/render.h"
#include "document/parse.h"
#include "test_util.h"

namespace mb::core {
namespace {

using testing::HasSubstr;

std::string example() { return test::readSource("examples/vllm-single-gpu.yaml"); }

TEST(Render, EveryExampleRenders) {
  for (const char* f :
       {"examples/vllm-single-gpu.yaml", "examples/vllm-multi-node.yaml", "examples/vllm-pd-ascend-mooncake.yaml",
        "examples/multi-backend-lora-autoscaling.yaml", "examples/sglang.yaml", "examples/v1-single-backend.yaml"}) {
    RenderResult r;
    EXPECT_TRUE(render(test::readSource(f), ConversionOptions{}, OutputFormat::Yaml, true, r))
        << f << ": " << r.errors.at(0);
  }
}

TEST(Render, JsonIsOneV1List) {
  RenderResult r;
  ASSERT_TRUE(render(example(), ConversionOptions{}, OutputFormat::Json, true, r));
  document::Value v = test::parseOne(r.output);
  EXPECT_EQ(v.find("apiVersion")->text(), "v1");
  EXPECT_EQ(v.find("kind")->text(), "List");
  EXPECT_EQ(v.find("items")->items().size(), 3u);
}

TEST(Render, SeveralDocumentsAndListsAndOtherKinds) {
  std::string input = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\n" + example() + "---\n" +
                      test::readSource("examples/sglang.yaml");
  RenderResult r;
  ASSERT_TRUE(render(input, ConversionOptions{}, OutputFormat::Yaml, true, r)) << r.errors.at(0);
  EXPECT_EQ(r.boosters, 2u);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_THAT(r.notes[0], HasSubstr("skipping document 1 (Secret s): not a ModelBooster"));

  // kubectl get -o json output: a List of boosters.
  RenderResult first;
  ASSERT_TRUE(render(example(), ConversionOptions{}, OutputFormat::Json, false, first));
  std::string list =
      R"({"apiVersion": "v1", "kind": "List", "items": [)" + document::toJson(test::parseOne(example())) + "]}";
  RenderResult fromList;
  ASSERT_TRUE(render(list, ConversionOptions{}, OutputFormat::Yaml, true, fromList));
  EXPECT_EQ(fromList.boosters, 1u);
}

TEST(Render, OneBadBoosterMeansNoOutputAtAll) {
  std::string bad = example();
  bad.replace(bad.find("maxReplicas: 1"), 14, "maxReplicas: 0");
  RenderResult r;
  EXPECT_FALSE(render(test::readSource("examples/sglang.yaml") + "---\n" + bad, ConversionOptions{}, OutputFormat::Yaml,
                      true, r));
  EXPECT_TRUE(r.output.empty());
  ASSERT_FALSE(r.errors.empty());
  EXPECT_THAT(r.errors[0], HasSubstr("document 2 (ModelBooster default/qwen-7b): line"));
  EXPECT_THAT(r.errors[0], HasSubstr("spec.backends[0].maxReplicas"));
}

// Two boosters making the same object: in a cluster one would overwrite
// (or be refused by) the other; in a file it is an error naming both.
TEST(Render, TwoBoostersMakingTheSameChildIsAnError) {
  const char* booster = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: NAME, namespace: demo}
spec:
  backends:
    - {name: BACKEND, type: vLLM, modelURI: hf://a/b, minReplicas: 1, maxReplicas: 1, workers: [{type: server}]}
)";
  auto make = [&](const std::string& name, const std::string& backend) {
    std::string y = booster;
    y.replace(y.find("NAME"), 4, name);
    y.replace(y.find("BACKEND"), 7, backend);
    return y;
  };
  RenderResult r;
  EXPECT_FALSE(render(make("a", "b-c") + "---\n" + make("a-b", "c"), ConversionOptions{}, OutputFormat::Yaml, true, r));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], HasSubstr("document 2 (ModelBooster demo/a-b): makes ModelServing demo/a-b-c, which "
                                     "document 1 (ModelBooster demo/a) makes too"));
  EXPECT_TRUE(r.output.empty());
  RenderResult twice;
  EXPECT_FALSE(render(make("a", "b") + "---\n" + make("a", "b"), ConversionOptions{}, OutputFormat::Yaml, true, twice));
  ASSERT_EQ(twice.errors.size(), 1u);
  EXPECT_THAT(twice.errors[0], HasSubstr("document 2 (ModelBooster demo/a): the same ModelBooster as document 1"));
}

// Rendered output fed back in: the children are skipped like any other
// kind, not decoded as broken boosters (ModelServing shares the group).
TEST(Render, ChildrenInTheInputAreSkipped) {
  RenderResult first;
  ASSERT_TRUE(render(example(), ConversionOptions{}, OutputFormat::Yaml, true, first));
  RenderResult again;
  EXPECT_FALSE(render(first.output, ConversionOptions{}, OutputFormat::Yaml, true, again));
  ASSERT_EQ(again.errors.size(), 1u);
  EXPECT_THAT(again.errors[0], HasSubstr("no ModelBooster found"));
  EXPECT_EQ(again.notes.size(), 3u);
}

TEST(Render, NothingToRenderIsAnError) {
  RenderResult r;
  EXPECT_FALSE(render("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", ConversionOptions{}, OutputFormat::Yaml,
                      true, r));
  EXPECT_THAT(r.errors.at(0), HasSubstr("no ModelBooster found"));
  RenderResult scalar;
  EXPECT_FALSE(render("just a string\n", ConversionOptions{}, OutputFormat::Yaml, true, scalar));
  EXPECT_THAT(scalar.errors.at(0), HasSubstr("must be an object"));
}

TEST(Render, ImagesComeFromConfig) {
  ConversionOptions config;
  config.downloaderImage = "registry.local/downloader:v2";
  config.runtimeImage = "registry.local/runtime:v2";
  RenderResult r;
  ASSERT_TRUE(render(example(), config, OutputFormat::Yaml, true, r));
  EXPECT_THAT(r.output, HasSubstr("image: registry.local/downloader:v2"));
  EXPECT_THAT(r.output, HasSubstr("image: registry.local/runtime:v2"));
}

}  // namespace
}  // namespace mb::core
