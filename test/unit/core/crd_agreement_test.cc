// The ModelBooster CRD and the C++ decoder/validator must agree: a field the
// decoder accepts but the CRD lacks would be pruned silently by the API
// server; a CRD field the decoder rejects would make valid boosters fail;
// enums, ranges and defaults must match so that `render` refuses what the
// cluster refuses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "api/model_booster.h"
#include "core/defaults.h"
#include "core/rules.h"
#include "test_util.h"

namespace mb {
namespace {

const document::Value& crdSchema() {
  static const document::Value crd =
      test::parseOne(test::readSource("deploy/crds/workload.serving.volcano.sh_modelboosters.yaml"));
  const document::Value& version = crd.find("spec")->find("versions")->items().at(0);
  return *version.find("schema")->find("openAPIV3Schema");
}

const document::Value& at(const document::Value& schema, std::initializer_list<const char*> path) {
  const document::Value* cur = &schema;
  for (const char* p : path) {
    if (std::string(p) == "[]") {
      cur = cur->find("items");
    } else {
      cur = cur->find("properties")->find(p);
    }
    EXPECT_NE(cur, nullptr) << p;
    if (cur == nullptr) return schema;
  }
  return *cur;
}

// Every key of `value` must be declared by `schema` (recursively).
void expectDeclared(const document::Value& value, const document::Value& schema, const std::string& path,
                    std::vector<std::string>& missing) {
  const document::Value* preserve = schema.find("x-kubernetes-preserve-unknown-fields");
  if (preserve != nullptr && preserve->asBool()) return;
  if (value.isObject()) {
    const document::Value* props = schema.find("properties");
    const document::Value* additional = schema.find("additionalProperties");
    for (const auto& m : value.members()) {
      const document::Value* sub = props != nullptr ? props->find(m.key) : nullptr;
      if (sub == nullptr && additional != nullptr) sub = additional;
      if (sub == nullptr) {
        missing.push_back(path + "." + m.key);
        continue;
      }
      expectDeclared(m.value, *sub, path + "." + m.key, missing);
    }
  } else if (value.isArray()) {
    const document::Value* items = schema.find("items");
    for (const auto& item : value.items()) {
      if (items != nullptr) expectDeclared(item, *items, path + "[]", missing);
    }
  }
}

std::vector<std::string> inputs() {
  std::vector<std::string> out;
  namespace fs = std::filesystem;
  for (const auto& e : fs::directory_iterator(std::string(MB_SOURCE_DIR) + "/examples")) out.push_back(e.path());
  for (const auto& e : fs::directory_iterator(std::string(MB_SOURCE_DIR) + "/test/golden")) {
    if (e.path().filename().string().rfind("invalid-", 0) != 0) out.push_back((e.path() / "input.yaml").string());
  }
  return out;
}

TEST(CrdAgreement, EveryFieldWeAcceptIsDeclaredInTheCrd) {
  for (const auto& file : inputs()) {
    std::vector<document::Value> docs;
    document::ParseError err;
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    ASSERT_TRUE(document::parseDocuments(ss.str(), docs, err)) << file;
    for (const auto& d : docs) {
      // Encoding the decoded booster yields exactly the fields the decoder knows.
      document::Errors errors;
      api::ModelBooster b = api::decodeModelBooster(d, errors);
      ASSERT_TRUE(errors.empty()) << file << errors.str();
      core::applyDefaults(b);
      std::vector<std::string> missing;
      document::Value encoded = api::encode(b);
      encoded.erase("metadata");
      expectDeclared(encoded, crdSchema(), "", missing);
      EXPECT_TRUE(missing.empty()) << file << ": not in the CRD (the API server would prune): " << missing.at(0);
    }
  }
}

// Each property the CRD declares for spec, backends and workers is one the
// decoder accepts (no "unknown field").
TEST(CrdAgreement, EveryCrdFieldIsAcceptedByTheDecoder) {
  auto accepts = [](const document::Value& properties, auto makeDoc) {
    for (const auto& p : properties.members()) {
      document::Value d = makeDoc(p.key.str());
      document::Errors errors;
      api::decodeModelBooster(d, errors);
      for (const auto& e : errors.list()) {
        EXPECT_NE(e.message, "unknown field") << "CRD field " << p.key << " is unknown to the decoder: " << e.field;
      }
    }
  };
  auto base = [] {
    return test::parseOne(R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
      "metadata":{"name":"m"},"spec":{"backends":[{"workers":[{}]}]}})");
  };
  accepts(*at(crdSchema(), {"spec"}).find("properties"), [&](const std::string& key) {
    document::Value d = base();
    d.find("spec")->put(key, document::Value());
    return d;
  });
  accepts(*at(crdSchema(), {"spec", "backends", "[]"}).find("properties"), [&](const std::string& key) {
    document::Value d = base();
    d.find("spec")->find("backends")->items()[0].put(key, document::Value());
    return d;
  });
  accepts(*at(crdSchema(), {"spec", "backends", "[]", "workers", "[]"}).find("properties"),
          [&](const std::string& key) {
            document::Value d = base();
            d.find("spec")->find("backends")->items()[0].find("workers")->items()[0].put(key, document::Value());
            return d;
          });
  // Kthena v1.0's shape: spec.backend and its workers.
  auto single = [] {
    return test::parseOne(R"({"apiVersion":"workload.serving.volcano.sh/v1alpha1","kind":"ModelBooster",
      "metadata":{"name":"m"},"spec":{"backend":{"workers":[{}]}}})");
  };
  accepts(*at(crdSchema(), {"spec", "backend"}).find("properties"), [&](const std::string& key) {
    document::Value d = single();
    d.find("spec")->find("backend")->put(key, document::Value());
    return d;
  });
  accepts(*at(crdSchema(), {"spec", "backend", "workers", "[]"}).find("properties"), [&](const std::string& key) {
    document::Value d = single();
    d.find("spec")->find("backend")->find("workers")->items()[0].put(key, document::Value());
    return d;
  });
}

// spec.backend is an item of spec.backends plus `replicas`: the same schema
// (types, patterns, ranges, enums, descriptions) everywhere below it, so the
// two shapes accept the same backends. Only the backend's own description,
// required list and CEL rules differ.
TEST(CrdAgreement, SingleBackendIsAListItemPlusReplicas) {
  document::Value item = at(crdSchema(), {"spec", "backends", "[]"});
  document::Value single = at(crdSchema(), {"spec", "backend"});
  const document::Value* replicas = single.find("properties")->find("replicas");
  ASSERT_NE(replicas, nullptr);
  EXPECT_EQ(replicas->find("minimum")->text(), "0");
  EXPECT_EQ(replicas->find("maximum")->text(), std::to_string(core::kMaxReplicas));
  EXPECT_EQ(replicas->find("format")->text(), "int32");
  single.find("properties")->erase("replicas");
  for (const char* key : {"description", "required", "x-kubernetes-validations"}) {
    item.erase(key);
    single.erase(key);
  }
  EXPECT_TRUE(document::equal(item, single)) << "spec.backend differs from spec.backends[] beyond replicas";
  std::set<std::string> required;
  for (const auto& r : at(crdSchema(), {"spec", "backend"}).find("required")->items()) required.insert(r.text());
  EXPECT_EQ(required, (std::set<std::string>{"name", "type", "modelURI", "workers"}));
  // Exactly one of the two shapes; spec requires neither by itself.
  EXPECT_EQ(at(crdSchema(), {"spec"}).find("required"), nullptr);
  bool exactlyOne = false;
  for (const auto& rule : at(crdSchema(), {"spec"}).find("x-kubernetes-validations")->items()) {
    exactlyOne = exactlyOne || rule.find("rule")->text() == "has(self.backends) != has(self.backend)";
  }
  EXPECT_TRUE(exactlyOne);
}

// Kthena's own ModelBooster CRDs (v0.1.0: spec.backends[]; v1.0.0:
// spec.backend): every field they declare, ours declares at the same path,
// so no manifest written for them loses a field to pruning or meets
// "unknown field". Subtrees we keep as preserve-unknown-fields (affinity
// terms) accept anything below them.
TEST(CrdAgreement, EveryKthenaBoosterFieldIsDeclared) {
  for (const char* tag : {"v0.1.0", "v1.0.0"}) {
    // Where scripts/testenv.sh looks for them too.
    std::string path = std::string(MB_SOURCE_DIR) + "/../shared/kthena/" + tag +
                       "/charts/kthena/charts/workload/crds/workload.serving.volcano.sh_modelboosters.yaml";
    std::ifstream in(path);
    if (!in) GTEST_SKIP() << "no Kthena sources at " << path;
    std::stringstream ss;
    ss << in.rdbuf();
    document::Value crd = test::parseOne(ss.str());
    const document::Value& theirs =
        *crd.find("spec")->find("versions")->items().at(0).find("schema")->find("openAPIV3Schema");
    std::vector<std::string> missing;
    std::function<void(const document::Value&, const document::Value&, const std::string&)> walk =
        [&](const document::Value& t, const document::Value& o, const std::string& where) {
          const document::Value* preserve = o.find("x-kubernetes-preserve-unknown-fields");
          if (preserve != nullptr && preserve->asBool()) return;
          if (const document::Value* props = t.find("properties")) {
            for (const auto& m : props->members()) {
              const document::Value* ours =
                  o.find("properties") != nullptr ? o.find("properties")->find(m.key) : nullptr;
              if (ours == nullptr) {
                missing.push_back(where + "." + m.key.str());
                continue;
              }
              walk(m.value, *ours, where + "." + m.key.str());
            }
          }
          if (const document::Value* items = t.find("items"); items != nullptr && o.find("items") != nullptr) {
            walk(*items, *o.find("items"), where + "[]");
          }
        };
    walk(*theirs.find("properties")->find("spec"), at(crdSchema(), {"spec"}), "spec");
    EXPECT_TRUE(missing.empty()) << tag << ": not in our CRD: " << missing.at(0);
  }
}

std::set<std::string> enumOf(const document::Value& schema) {
  std::set<std::string> out;
  for (const auto& v : schema.find("enum")->items()) out.insert(v.text());
  return out;
}

TEST(CrdAgreement, EnumsRangesAndDefaultsMatchTheValidator) {
  const document::Value& backend = at(crdSchema(), {"spec", "backends", "[]"});
  EXPECT_EQ(at(crdSchema(), {"spec", "backend", "replicas"}).find("maximum")->text(),
            std::to_string(core::kMaxReplicas));
  EXPECT_EQ(enumOf(at(backend, {"type"})),
            (std::set<std::string>{"vLLM", "vLLMDisaggregated", "SGLang", "MindIE", "MindIEDisaggregated"}));
  EXPECT_EQ(enumOf(at(backend, {"workers", "[]", "type"})),
            (std::set<std::string>{"server", "prefill", "decode", "controller", "coordinator"}));
  EXPECT_EQ(at(backend, {"workers", "[]", "type"}).find("default")->text(), "server");
  EXPECT_EQ(at(backend, {"routeWeight"}).find("default")->text(), std::to_string(core::kDefaultRouteWeight));
  EXPECT_EQ(at(backend, {"routeWeight"}).find("maximum")->text(), "100");
  EXPECT_EQ(at(backend, {"minReplicas"}).find("minimum")->text(), "0");
  EXPECT_EQ(at(backend, {"minReplicas"}).find("maximum")->text(), std::to_string(core::kMaxReplicas));
  EXPECT_EQ(at(backend, {"maxReplicas"}).find("minimum")->text(), "1");
  EXPECT_EQ(at(backend, {"maxReplicas"}).find("maximum")->text(), std::to_string(core::kMaxReplicas));
  EXPECT_EQ(at(backend, {"modelURI"}).find("pattern")->text(), "^(hf://|s3://|pvc://|ms://).+");
  EXPECT_EQ(at(backend, {"cacheURI"}).find("pattern")->text(), "^(hostpath://|pvc://).+");
  EXPECT_EQ(at(backend, {"name"}).find("pattern")->text(), "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  EXPECT_EQ(at(crdSchema(), {"spec", "name"}).find("maxLength")->text(), "64");
  EXPECT_EQ(at(crdSchema(), {"spec", "costExpansionRatePercent"}).find("maximum")->text(), "1000");
}

}  // namespace
}  // namespace mb
