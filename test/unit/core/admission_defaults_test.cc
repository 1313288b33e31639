// The mutating webhook's patch says the same as applyDefaults: on every
// example and golden input, the patched booster converts exactly as the
// original does, carries the defaults in the open, and a second patch is
// empty.
#include "core/admission_defaults.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "api/model_booster.h"
#include "core/defaults.h"
#include "document/parse.h"

namespace mb::core {
namespace {

// Applies the "add" operations admissionDefaultsPatch makes (object members
// and array indices that exist), as the API server applies a JSONPatch.
void applyPatch(document::Value& doc, const document::Value& ops) {
  for (const auto& op : ops.items()) {
    ASSERT_EQ(op.find("op")->text(), "add");
    std::string path = op.find("path")->text();
    ASSERT_EQ(path.front(), '/');
    std::vector<std::string> tokens;
    for (size_t at = 1; at <= path.size();) {
      size_t end = path.find('/', at);
      if (end == std::string::npos) end = path.size();
      std::string t = path.substr(at, end - at);
      for (size_t i = t.find("~1"); i != std::string::npos; i = t.find("~1", i + 1)) t.replace(i, 2, "/");
      for (size_t i = t.find("~0"); i != std::string::npos; i = t.find("~0", i + 1)) t.replace(i, 2, "~");
      tokens.push_back(t);
      at = end + 1;
    }
    document::Value* at = &doc;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      at = at->isArray() ? &at->items().at(std::stoul(tokens[i])) : at->find(tokens[i]);
      ASSERT_NE(at, nullptr) << path;
    }
    ASSERT_TRUE(at->isObject()) << path;
    at->put(tokens.back(), *op.find("value"));
  }
}

std::string converted(const document::Value& doc) {
  document::Errors errors;
  api::ModelBooster b = api::decodeModelBooster(doc, errors);
  EXPECT_TRUE(errors.empty()) << errors.str();
  applyDefaults(b);
  std::string out;
  document::writeJson(api::encode(b), out);
  return out;
}

document::Value parse(const std::string& json) {
  document::Value v;
  document::ParseError e;
  EXPECT_TRUE(document::parseJson(json, v, e)) << e.str();
  return v;
}

std::vector<document::Value> validInputs() {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(std::string(MB_SOURCE_DIR) + "/examples")) files.push_back(e.path());
  for (const auto& e : fs::directory_iterator(std::string(MB_SOURCE_DIR) + "/test/golden")) {
    if (e.is_directory() && e.path().filename().string().rfind("invalid-", 0) != 0) {
      files.push_back((e.path() / "input.yaml").string());
    }
  }
  std::vector<document::Value> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    std::vector<document::Value> docs;
    document::ParseError e;
    EXPECT_TRUE(document::parseDocuments(ss.str(), docs, e)) << f << ": " << e.str();
    for (auto& d : docs) {
      const document::Value* kind = d.find("kind");
      if (kind != nullptr && kind->text() == "ModelBooster") out.push_back(std::move(d));
    }
  }
  return out;
}

TEST(AdmissionDefaults, ThePatchedBoosterConvertsAsTheOriginalAndAgainPatchesNothing) {
  auto inputs = validInputs();
  ASSERT_GT(inputs.size(), 30U);
  size_t patched = 0;
  for (auto& doc : inputs) {
    std::string before = converted(doc);
    document::Value ops = admissionDefaultsPatch(doc);
    if (!ops.items().empty()) ++patched;
    applyPatch(doc, ops);
    EXPECT_EQ(converted(doc), before);
    EXPECT_TRUE(admissionDefaultsPatch(doc).items().empty());
  }
  EXPECT_GT(patched, 0U) << "no input left a default out";
}

TEST(AdmissionDefaults, WorkersAndModelLevelAutoscalingGetTheirDefaultsInTheOpen) {
  document::Value doc = parse(R"({"spec":{"autoscalingPolicy":{"metrics":[]},
    "backends":[{"name":"a","workers":[{"image":"x"},{"type":"","replicas":2,"pods":3}]},
                {"name":"b","scaleToZeroGracePeriod":"5m","workers":[{"type":"prefill"}]}]}})");
  std::string ops;
  document::writeJson(admissionDefaultsPatch(doc), ops);
  EXPECT_EQ(ops, R"([{"op":"add","path":"/spec/costExpansionRatePercent","value":200},)"
                 R"({"op":"add","path":"/spec/backends/0/scaleToZeroGracePeriod","value":"30s"},)"
                 R"({"op":"add","path":"/spec/backends/0/workers/0/type","value":"server"},)"
                 R"({"op":"add","path":"/spec/backends/0/workers/0/replicas","value":1},)"
                 R"({"op":"add","path":"/spec/backends/0/workers/0/pods","value":1},)"
                 R"({"op":"add","path":"/spec/backends/0/workers/1/type","value":"server"},)"
                 R"({"op":"add","path":"/spec/backends/1/workers/0/replicas","value":1},)"
                 R"({"op":"add","path":"/spec/backends/1/workers/0/pods","value":1}])");
}

TEST(AdmissionDefaults, TheSingleBackendShapeAndNoModelLevelAutoscaling) {
  document::Value doc = parse(R"({"spec":{"backend":{"name":"a","replicas":2,"workers":[{"type":"server"}]}}})");
  std::string ops;
  document::writeJson(admissionDefaultsPatch(doc), ops);
  EXPECT_EQ(ops, R"([{"op":"add","path":"/spec/backend/workers/0/replicas","value":1},)"
                 R"({"op":"add","path":"/spec/backend/workers/0/pods","value":1}])");
}

TEST(AdmissionDefaults, WhatIsNotShapedLikeABoosterIsLeftToValidation) {
  for (const char* json : {R"({})", R"({"spec":[]})", R"({"spec":{"backends":{}}})", R"({"spec":{"backends":[7]}})",
                           R"({"spec":{"backends":[{"workers":"x"}]}})", R"({"spec":{"backend":[]}})", R"([1,2])"}) {
    EXPECT_TRUE(admissionDefaultsPatch(parse(json)).items().empty()) << json;
  }
}

}  // namespace
}  // namespace mb::core
