// Every child we render, under each serving-stack profile, fits the CRDs of
// the Kthena release that profile stands for: Kthena's own CRDs, read from
// its source tree at test time ($MB_KTHENA_SOURCES/<tag>, ../shared/kthena/<tag>,
// or the copy scripts/testenv.sh keeps beside the binaries it built,
// ~/.cache/modelbooster/kthena/<tag>-<commit>/src), never copies of ours. A field their schema does
// not declare is one the API server would prune: the child would not be
// stored as we sent it, and the controller would rewrite it forever.
// The real API server repeats this check with Kthena's webhooks in
// test/integration/render_dry_run.sh.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "api/serving_stack.h"
#include "core/render.h"
#include "document/parse.h"
#include "openapi/schema_check.h"

namespace {

namespace fs = std::filesystem;
using mb::api::ServingStack;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* tagOf(ServingStack stack) { return stack == ServingStack::V1_0 ? "v1.0.0" : "v0.1.0"; }

// The source tree of `tag`, or an empty path.
fs::path kthenaSource(const char* tag) {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("MB_KTHENA_SOURCES"); env != nullptr && *env != '\0') {
    candidates.push_back(fs::path(env) / tag);
  }
  candidates.push_back(fs::path(MB_SOURCE_DIR) / ".." / "shared" / "kthena" / tag);
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  fs::path cache = xdg != nullptr && *xdg != '\0' ? fs::path(xdg)
                   : home != nullptr              ? fs::path(home) / ".cache"
                                                  : fs::path();
  std::error_code ec;
  if (!cache.empty() && fs::is_directory(cache / "modelbooster" / "kthena", ec)) {
    for (const auto& e : fs::directory_iterator(cache / "modelbooster" / "kthena", ec)) {
      if (e.path().filename().string().rfind(std::string(tag) + "-", 0) == 0) candidates.push_back(e.path() / "src");
    }
  }
  for (const auto& c : candidates) {
    if (fs::is_directory(c / "charts", ec)) return c;
  }
  return {};
}

// openAPIV3Schema of v1alpha1 by kind, from the tag's chart CRDs.
std::map<std::string, mb::document::Value> schemasOf(ServingStack stack) {
  std::map<std::string, mb::document::Value> out;
  fs::path source = kthenaSource(tagOf(stack));
  if (source.empty()) return out;
  fs::path charts = source / "charts" / "kthena" / "charts";
  for (const char* sub : {"workload", "networking"}) {
    fs::path dir = charts / sub / "crds";
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::vector<mb::document::Value> docs;
      mb::document::ParseError error;
      if (!mb::document::parseYaml(readFile(entry.path()), docs, error) || docs.empty()) continue;
      const mb::document::Value* spec = docs[0].find("spec");
      const mb::document::Value* names = spec != nullptr ? spec->find("names") : nullptr;
      const mb::document::Value* kind = names != nullptr ? names->find("kind") : nullptr;
      const mb::document::Value* versions = spec != nullptr ? spec->find("versions") : nullptr;
      if (kind == nullptr || versions == nullptr) continue;
      for (const auto& v : versions->items()) {
        const mb::document::Value* name = v.find("name");
        const mb::document::Value* schema = v.find("schema");
        if (name != nullptr && name->text() == "v1alpha1" && schema != nullptr &&
            schema->find("openAPIV3Schema") != nullptr) {
          out.emplace(kind->text(), *schema->find("openAPIV3Schema"));
        }
      }
    }
  }
  return out;
}

std::vector<fs::path> inputs() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(MB_SOURCE_DIR) / "examples")) out.push_back(e.path());
  for (const auto& e : fs::directory_iterator(fs::path(MB_SOURCE_DIR) / "test" / "golden")) {
    if (e.is_directory() && fs::exists(e.path() / "input.yaml")) out.push_back(e.path() / "input.yaml");
  }
  std::sort(out.begin(), out.end());
  return out;
}

class KthenaCrds : public testing::TestWithParam<ServingStack> {};

TEST_P(KthenaCrds, EveryRenderedChildFitsTheReleasesOwnSchema) {
  const auto& profile = mb::api::profileOf(GetParam());
  auto schemas = schemasOf(GetParam());
  if (schemas.empty()) {
    GTEST_SKIP() << "no Kthena " << tagOf(GetParam())
                 << " source tree (set MB_KTHENA_SOURCES to a directory holding <tag>/charts, or run "
                    "scripts/testenv.sh build --stack "
                 << tagOf(GetParam()) << ")";
  }
  // The release serves exactly the kinds the profile writes.
  for (const auto& k : mb::api::kChildKinds) {
    EXPECT_EQ(schemas.contains(std::string(k.name)), profile.writes(k.kind))
        << k.name << " under profile " << profile.name;
  }
  mb::core::ConversionOptions config;
  config.stack = GetParam();
  size_t checked = 0;
  for (const auto& input : inputs()) {
    mb::core::RenderResult result;
    if (!mb::core::render(readFile(input), config, mb::core::OutputFormat::Json, true, result)) continue;
    std::vector<mb::document::Value> docs;
    mb::document::ParseError error;
    ASSERT_TRUE(mb::document::parseDocuments(result.output, docs, error)) << error.str();
    for (const auto& object : docs.at(0).find("items")->items()) {
      std::string kind = object.find("kind")->text();
      auto it = schemas.find(kind);
      ASSERT_NE(it, schemas.end()) << input << " renders a " << kind << ", which " << profile.release
                                   << " does not serve";
      mb::document::Errors errors;
      mb::openapi::checkSchema(it->second, object, errors);
      EXPECT_TRUE(errors.empty()) << input << ": " << kind << " " << object.find("metadata")->find("name")->text()
                                  << " does not fit " << profile.release << "'s CRD:\n"
                                  << errors.str();
      ++checked;
    }
  }
  EXPECT_GT(checked, 100u);
}

INSTANTIATE_TEST_SUITE_P(Profiles, KthenaCrds, testing::Values(ServingStack::V1_0, ServingStack::V0_1),
                         [](const testing::TestParamInfo<ServingStack>& p) {
                           return p.param == ServingStack::V1_0 ? std::string("v1_0") : std::string("v0_1");
                         });

}  // namespace
