// Validation rules (docs/conversion.md, and the ranges and patterns of
// docs/crds.md): one test per rule, each naming the exact field path and a key
// phrase of the message. Every test starts from one valid base booster and
// mutates it. Tests for rules src/core/validate.cc gets wrong expect the
// behaviour the spec asks for and are skipped with "BUG: ...".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "api/model_booster.h"
#include "core/defaults.h"
#include "core/rules.h"
#include "core/validate.h"
#include "document/parse.h"

namespace {

using mb::api::AutoscalingPolicySpec;
using mb::api::Backend;
using mb::api::ModelBooster;
using mb::api::Worker;
using mb::document::FieldError;
using testing::HasSubstr;

using Errs = std::vector<mb::document::FieldError>;

constexpr const char* kBase = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata:
  name: base
  namespace: demo
  uid: 7f1c2d3e-0000-4000-8000-000000000100
spec:
  backends:
    - name: gpu
      type: vLLM
      modelURI: hf://Qwen/Qwen2.5-7B-Instruct
      minReplicas: 1
      maxReplicas: 1
      workers:
        - type: server
          image: vllm/vllm-openai:v0.10.1
          resources:
            limits:
              nvidia.com/gpu: "1"
          config:
            max-model-len: 4096
)";

std::string dump(const Errs& errs) {
  std::string out = std::to_string(errs.size()) + " error(s):\n";
  for (const auto& e : errs) out += "  " + e.str() + "\n";
  return out;
}

// Parse, decode, default, validate: what `validate`, `render` and the
// admission webhook do. Decode errors are returned as they are (validation
// only runs on a booster that decoded cleanly).
Errs validateYaml(std::string_view yaml) {
  std::vector<mb::document::Value> docs;
  mb::document::ParseError parseError;
  if (!mb::document::parseYaml(yaml, docs, parseError)) {
    ADD_FAILURE() << "YAML does not parse: " << parseError.str();
    return {};
  }
  if (docs.size() != 1) {
    ADD_FAILURE() << "expected one document, got " << docs.size();
    return {};
  }
  mb::document::Errors errors;
  ModelBooster booster = mb::api::decodeModelBooster(docs[0], errors);
  if (!errors.empty()) return errors.list();
  mb::core::applyDefaults(booster);
  mb::core::validate(booster, mb::api::profileOf(mb::api::kDefaultServingStack), errors);
  return errors.list();
}

// The base booster, mutated before defaults and validation.
Errs validateBase(const std::function<void(ModelBooster&)>& mutate) {
  std::vector<mb::document::Value> docs;
  mb::document::ParseError parseError;
  EXPECT_TRUE(mb::document::parseYaml(kBase, docs, parseError)) << parseError.str();
  mb::document::Errors errors;
  ModelBooster booster = mb::api::decodeModelBooster(docs.at(0), errors);
  EXPECT_TRUE(errors.empty()) << errors.str();
  mutate(booster);
  mb::core::applyDefaults(booster);
  mb::core::validate(booster, mb::api::profileOf(mb::api::kDefaultServingStack), errors);
  return errors.list();
}

mb::document::Value json(std::string_view text) {
  mb::document::Value v;
  mb::document::ParseError error;
  EXPECT_TRUE(mb::document::parseJson(text, v, error)) << error.str() << " in " << text;
  return v;
}

AutoscalingPolicySpec policy() {
  AutoscalingPolicySpec p;
  p.metrics.push_back({"kthena:num_requests_waiting", mb::document::Value::integer(10)});
  return p;
}

Worker worker(std::string type, std::string_view config = "{}") {
  Worker w;
  w.type = std::move(type);
  w.resources = json(R"({"limits": {"nvidia.com/gpu": "1"}})");
  w.config = json(config);
  return w;
}

// Turns a backend into a valid prefill/decode backend.
void makePd(Backend& b, std::string_view prefillConfig = "{}", std::string_view decodeConfig = "{}") {
  b.type = "vLLMDisaggregated";
  b.workers = {worker("prefill", prefillConfig), worker("decode", decodeConfig)};
}

// `yaml` with the first `from` replaced by `to`.
std::string edit(std::string yaml, std::string_view from, std::string_view to) {
  size_t at = yaml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) yaml.replace(at, from.size(), to);
  return yaml;
}

Backend copyOf(const Backend& b, std::string name) {
  Backend c = b;
  c.name = std::move(name);
  return c;
}

// The single error the test expects, with its field path and a key phrase.
#define EXPECT_ONE_ERROR(errs, path, phrase)           \
  do {                                                 \
    ASSERT_EQ((errs).size(), 1u) << dump(errs);        \
    EXPECT_EQ((errs)[0].field, path) << dump(errs);    \
    EXPECT_THAT((errs)[0].message, HasSubstr(phrase)); \
  } while (0)

// Some error at `path` carries `phrase` (for inputs that also break other
// rules by construction).
const mb::document::FieldError* errorAt(const Errs& errs, std::string_view path) {
  for (const auto& e : errs) {
    if (e.field == path) return &e;
  }
  return nullptr;
}

#define EXPECT_ERROR_AT(errs, path, phrase)                                       \
  do {                                                                            \
    const mb::document::FieldError* found_ = errorAt(errs, path);                 \
    ASSERT_NE(found_, nullptr) << "no error at " << (path) << "; " << dump(errs); \
    EXPECT_THAT(found_->message, HasSubstr(phrase));                              \
  } while (0)

// ---------------------------------------------------------------- baseline

TEST(Validate, ValidBaseBoosterHasNoErrors) {
  Errs errs = validateYaml(kBase);
  EXPECT_TRUE(errs.empty()) << dump(errs);
  errs = validateBase([](ModelBooster&) {});
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Validate, ValidPrefillDecodeBoosterHasNoErrors) {
  Errs errs = validateBase([](ModelBooster& mb) {
    makePd(mb.spec.backends[0], R"({"kv-transfer-config": "{\"kv_connector\":\"NixlConnector\"}"})",
           R"({"kv_transfer_config": {"kv_connector": "NixlConnector"}})");
  });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Validate, ShippedExamplesHaveNoErrors) {
  namespace fs = std::filesystem;
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(MB_SOURCE_DIR) / "examples")) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    Errs errs = validateYaml(ss.str());
    EXPECT_TRUE(errs.empty()) << entry.path() << ": " << dump(errs);
    ++seen;
  }
  EXPECT_GT(seen, 0);
}

// ------------------------------------------------------------ metadata/spec

TEST(Validate, MetadataNameMissing) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.metadata.name.clear(); });
  EXPECT_ONE_ERROR(errs, "metadata.name", "is required");
}

TEST(Validate, MetadataNameNotDnsLabel) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.metadata.name = "My_Model"; });
  EXPECT_ONE_ERROR(errs, "metadata.name", "must be a DNS label");
}

TEST(Validate, SpecNameInvalidPattern) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.name = "Llama_3"; });
  EXPECT_ONE_ERROR(errs, "spec.name", "must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  errs = validateBase([](ModelBooster& mb) { mb.spec.name = "-llama"; });
  EXPECT_ONE_ERROR(errs, "spec.name", "must match");
}

TEST(Validate, SpecNameAtMost64Characters) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.name = std::string(64, 'a'); });
  EXPECT_TRUE(errs.empty()) << dump(errs);
  errs = validateBase([](ModelBooster& mb) { mb.spec.name = std::string(65, 'a'); });
  EXPECT_ONE_ERROR(errs, "spec.name", "at most 64");
}

TEST(Validate, BackendsAtLeastOne) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends.clear(); });
  EXPECT_ONE_ERROR(errs, "spec.backends", "at least one backend");
}

TEST(Validate, BackendsAtMost16RouteTargets) {
  Errs errs = validateBase([](ModelBooster& mb) {
    Backend b = mb.spec.backends[0];
    mb.spec.backends.clear();
    for (int i = 0; i < 17; ++i) mb.spec.backends.push_back(copyOf(b, "b" + std::to_string(i)));
  });
  EXPECT_ONE_ERROR(errs, "spec.backends", "at most 16");
}

// ------------------------------------------------------------------ backends

TEST(Validate, DuplicateBackendNames) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends.push_back(mb.spec.backends[0]); });
  EXPECT_ONE_ERROR(errs, "spec.backends[1].name", "duplicate backend name \"gpu\"");
}

TEST(Validate, BackendNameNotDnsLabel) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].name = "GPU.1"; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].name", "must be a DNS label");
}

TEST(Validate, BackendNameRequired) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].name.clear(); });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].name", "is required");
}

TEST(Validate, ServingNameLongerThan63Characters) {
  // 40 + '-' + 20 = 61 is fine (its serving groups "<name>-0" are 63); one
  // more character is too long for the groups, and 64 for the name itself.
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.metadata.name = std::string(40, 'm');
    mb.spec.backends[0].name = std::string(20, 'b');
  });
  EXPECT_TRUE(errs.empty()) << dump(errs);
  errs = validateBase([](ModelBooster& mb) {
    mb.metadata.name = std::string(40, 'm');
    mb.spec.backends[0].name = std::string(23, 'b');
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].name", "must be at most 63");
  EXPECT_THAT(errs[0].message, HasSubstr("is 64 characters"));
}

TEST(Validate, MinReplicasGreaterThanMaxReplicas) {
  // Backend-level autoscaling, so that min != max is otherwise allowed.
  Errs errs = validateBase([](ModelBooster& mb) {
    auto& b = mb.spec.backends[0];
    b.autoscalingPolicy = policy();
    b.minReplicas = 3;
    b.maxReplicas = 2;
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].minReplicas", "less than or equal to maxReplicas");
}

TEST(Validate, MinAndMaxReplicasRequired) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].minReplicas.reset();
    mb.spec.backends[0].maxReplicas.reset();
  });
  ASSERT_EQ(errs.size(), 2u) << dump(errs);
  EXPECT_EQ(errs[0].field, "spec.backends[0].minReplicas");
  EXPECT_THAT(errs[0].message, HasSubstr("is required"));
  EXPECT_EQ(errs[1].field, "spec.backends[0].maxReplicas");
  EXPECT_THAT(errs[1].message, HasSubstr("is required"));
}

TEST(Validate, MinReplicasRange) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].autoscalingPolicy = policy();
    mb.spec.backends[0].minReplicas = -1;
  });
  EXPECT_ERROR_AT(errs, "spec.backends[0].minReplicas", "must be between 0 and 1000000");
}

TEST(Validate, MaxReplicasRange) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].minReplicas = 0;
    mb.spec.backends[0].maxReplicas = 0;
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].maxReplicas", "must be between 1 and 1000000");
  errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].minReplicas = 1000001;
    mb.spec.backends[0].maxReplicas = 1000001;
  });
  EXPECT_ERROR_AT(errs, "spec.backends[0].maxReplicas", "must be between 1 and 1000000");
  EXPECT_ERROR_AT(errs, "spec.backends[0].minReplicas", "must be between 0 and 1000000");
}

TEST(Validate, SumOfMaxReplicasAtMost1000000) {
  auto twoBackends = [](int32_t max) {
    return [max](ModelBooster& mb) {
      auto& b = mb.spec.backends[0];
      b.autoscalingPolicy = policy();
      b.maxReplicas = max;
      mb.spec.backends.push_back(copyOf(b, "gpu2"));
    };
  };
  Errs errs = validateBase(twoBackends(500000));
  EXPECT_TRUE(errs.empty()) << dump(errs);
  errs = validateBase(twoBackends(500001));
  EXPECT_ONE_ERROR(errs, "spec.backends", "sum of maxReplicas");
  EXPECT_THAT(errs[0].message, HasSubstr("1000002"));
}

TEST(Validate, RouteWeightAbove100) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].routeWeight = 101; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].routeWeight", "must be between 0 and 100");
  // Weight 0 on one backend is fine while another carries traffic...
  errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends.push_back(mb.spec.backends[0]);
    mb.spec.backends[1].name = "b";
    mb.spec.backends[0].routeWeight = 0;
  });
  EXPECT_TRUE(errs.empty()) << dump(errs);
  // ...but a route whose weights sum to 0 sends requests nowhere (and v1.0's
  // router webhook refuses it).
  errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].routeWeight = 0; });
  EXPECT_ONE_ERROR(errs, "spec.backends", "routeWeight 0");
}

TEST(Validate, AdapterRouteWithZeroWeightIsRefused) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends.push_back(mb.spec.backends[0]);
    mb.spec.backends[1].name = "b";
    mb.spec.backends[1].routeWeight = 0;
    mb.spec.backends[1].loraAdapters.push_back({"sql", "hf://org/sql-lora"});
  });
  EXPECT_ONE_ERROR(errs, "spec.backends", "LoRA adapter \"sql\"");
}

TEST(Validate, RouteRegexMustCompile) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.modelMatch = json(R"({"headers": {"x-user": {"regex": "(unclosed"}}, "uri": {"regex": "^/v1/.*"}})");
  });
  EXPECT_ONE_ERROR(errs, "spec.modelMatch.headers.x-user.regex", "not a valid regular expression");
}

TEST(Validate, SchedulerNameOnV01MustBeVolcano) {
  auto withScheduler = [](const char* name) {
    return [name](ModelBooster& mb) { mb.spec.backends[0].schedulerName = name; };
  };
  auto underV01 = [](const std::function<void(ModelBooster&)>& mutate) {
    std::vector<mb::document::Value> docs;
    mb::document::ParseError parseError;
    EXPECT_TRUE(mb::document::parseYaml(kBase, docs, parseError)) << parseError.str();
    mb::document::Errors errors;
    ModelBooster booster = mb::api::decodeModelBooster(docs.at(0), errors);
    mutate(booster);
    mb::core::applyDefaults(booster);
    mb::core::validate(booster, mb::api::profileOf(mb::api::ServingStack::V0_1), errors);
    return errors.list();
  };
  EXPECT_TRUE(validateBase(withScheduler("my-scheduler")).empty()) << "v1.0 takes any scheduler";
  Errs errs = underV01(withScheduler("my-scheduler"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].schedulerName", "accepts only \"volcano\"");
  EXPECT_TRUE(underV01(withScheduler("volcano")).empty());
  EXPECT_TRUE(underV01(withScheduler("")).empty());
}

TEST(Validate, ScalingCostNegative) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.autoscalingPolicy = policy();
    mb.spec.backends[0].scalingCost = -1;
  });
  EXPECT_ERROR_AT(errs, "spec.backends[0].scalingCost", "must be 0 or more");
}

TEST(Validate, UnknownBackendType) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].type = "TGI"; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].type", "\"TGI\" is not a backend type");
  EXPECT_THAT(errs[0].message, HasSubstr("allowed: vLLM, vLLMDisaggregated, SGLang"));
}

TEST(Validate, BackendTypeRequired) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].type.clear(); });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].type", "is required");
}

TEST(Validate, MindIERejectedWithReason) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].type = "MindIE"; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].type", "MindIE is not supported yet");
  EXPECT_THAT(errs[0].message, HasSubstr("no MindIE inference engine"));
}

TEST(Validate, MindIEDisaggregatedRejectedWithReason) {
  Errs errs = validateBase([](ModelBooster& mb) {
    auto& b = mb.spec.backends[0];
    b.type = "MindIEDisaggregated";
    b.workers = {worker("prefill"), worker("decode"), worker("controller"), worker("coordinator")};
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].type", "MindIEDisaggregated is not supported yet");
  EXPECT_THAT(errs[0].message, HasSubstr("ModelServer"));
}

TEST(Validate, EnvNamesUnique) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].env = {{"HF_ENDPOINT", "https://a", {}}, {"HF_ENDPOINT", "https://b", {}}};
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].env[1].name", "duplicate env name \"HF_ENDPOINT\"");
}

TEST(Validate, RuntimePortMustBeAPort) {
  for (const char* port : {"0", "65536", "http", "81x"}) {
    Errs errs = validateBase([port](ModelBooster& mb) { mb.spec.backends[0].env = {{"RUNTIME_PORT", port, {}}}; });
    EXPECT_ONE_ERROR(errs, "spec.backends[0].env", "RUNTIME_PORT must be a port number");
  }
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].env = {{"RUNTIME_PORT", "9100", {}}}; });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

// ------------------------------------------------------------------ workers

TEST(Validate, WorkersAtLeastOne) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].workers.clear(); });
  EXPECT_ERROR_AT(errs, "spec.backends[0].workers", "at least one worker");
}

TEST(Validate, VllmWithTwoWorkers) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].workers.push_back(worker("server")); });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers", "exactly one worker of type server, not 2");
}

TEST(Validate, VllmWithPrefillWorker) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].workers[0].type = "prefill"; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].type", "\"prefill\" is not allowed for a vLLM backend");
}

TEST(Validate, SglangWithTwoWorkers) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].type = "SGLang";
    mb.spec.backends[0].workers = {worker("server"), worker("server")};
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers", "a SGLang backend needs exactly one worker of type server");
}

TEST(Validate, PdMissingDecode) {
  Errs errs = validateBase([](ModelBooster& mb) {
    makePd(mb.spec.backends[0]);
    mb.spec.backends[0].workers.pop_back();
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers", "exactly one prefill and one decode worker");
}

TEST(Validate, PdWithTwoPrefills) {
  Errs errs = validateBase([](ModelBooster& mb) {
    makePd(mb.spec.backends[0]);
    mb.spec.backends[0].workers.push_back(worker("prefill"));
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers", "exactly one prefill and one decode worker");
}

TEST(Validate, PdWithServerWorker) {
  Errs errs = validateBase([](ModelBooster& mb) {
    makePd(mb.spec.backends[0]);
    mb.spec.backends[0].workers.push_back(worker("server"));
  });
  ASSERT_EQ(errs.size(), 2u) << dump(errs);
  EXPECT_EQ(errs[0].field, "spec.backends[0].workers[2].type");
  EXPECT_THAT(errs[0].message, HasSubstr("\"server\" is not allowed for a vLLMDisaggregated backend; allowed: "
                                         "prefill, decode"));
  EXPECT_EQ(errs[1].field, "spec.backends[0].workers");
  EXPECT_THAT(errs[1].message, HasSubstr("exactly one prefill and one decode worker"));
}

TEST(Validate, UnknownWorkerType) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].workers[0].type = "master"; });
  EXPECT_ERROR_AT(errs, "spec.backends[0].workers[0].type", "\"master\" is not a worker type");
}

TEST(Validate, ImageWithWhitespace) {
  for (const char* image : {"vllm/vllm-openai: v0.10.1", "vllm/vllm-openai:v0.10.1\n", "a\tb"}) {
    Errs errs = validateBase([image](ModelBooster& mb) { mb.spec.backends[0].workers[0].image = image; });
    EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].image", "must not contain whitespace");
  }
}

TEST(Validate, WorkerReplicasAndPodsRange) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].workers[0].replicas = -1;
    mb.spec.backends[0].workers[0].pods = 1000001;
  });
  ASSERT_EQ(errs.size(), 2u) << dump(errs);
  EXPECT_EQ(errs[0].field, "spec.backends[0].workers[0].replicas");
  EXPECT_THAT(errs[0].message, HasSubstr("must be between 0 and 1000000"));
  EXPECT_EQ(errs[1].field, "spec.backends[0].workers[0].pods");
  EXPECT_THAT(errs[1].message, HasSubstr("must be between 0 and 1000000"));
}

TEST(Validate, PodsZeroMeansOnePod) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].workers[0].pods = 0; });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Validate, DeviceCountsWholeNumbers) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].workers[0].resources = json(R"({"limits": {"nvidia.com/gpu": "500m"}})");
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].resources.limits.nvidia.com/gpu", "whole, non-negative numbers");
  for (const char* bad : {R"("-2")", R"("0.5")", R"("1.5")", R"("lots")", R"("2x")"}) {
    errs = validateBase([bad](ModelBooster& mb) {
      mb.spec.backends[0].workers[0].resources = json(std::string(R"({"limits": {"nvidia.com/gpu": )") + bad + "}}");
    });
    EXPECT_EQ(errs.size(), 1U) << bad << ": " << dump(errs);
  }
}

// The API server takes any quantity with a whole value for a device: "8.0",
// "1000m" and "1k" were refused here.
TEST(Validate, DeviceCountsAreQuantities) {
  for (const char* ok : {"8", "8.0", R"("8.0")", R"("1000m")", R"("1k")", R"("+1")", R"("1e1")", R"("1Ki")"}) {
    Errs errs = validateBase([ok](ModelBooster& mb) {
      mb.spec.backends[0].workers[0].resources = json(std::string(R"({"limits": {"nvidia.com/gpu": )") + ok + "}}");
    });
    EXPECT_TRUE(errs.empty()) << ok << ": " << dump(errs);
  }
  EXPECT_EQ(mb::core::wholeQuantity("1k"), 1000);
  EXPECT_EQ(mb::core::wholeQuantity("1Ki"), 1024);
  EXPECT_EQ(mb::core::wholeQuantity("8.0"), 8);
  EXPECT_EQ(mb::core::wholeQuantity("2000m"), 2);
  EXPECT_EQ(mb::core::wholeQuantity("1e3"), 1000);
  EXPECT_EQ(mb::core::wholeQuantity("1500m"), std::nullopt);
  EXPECT_EQ(mb::core::wholeQuantity("-1"), std::nullopt);
  EXPECT_EQ(mb::core::wholeQuantity("."), std::nullopt);
  EXPECT_EQ(mb::core::wholeQuantity("1.5k"), 1500);
  EXPECT_EQ(mb::core::wholeQuantity("1E"), std::nullopt);  // beyond 10^15
}

// Pod rules the API server applies to what a booster passes through: each
// would make every pod of the backend fail to be created. A device request
// without a limit is not one of them: the limit defaults to the request.
TEST(Validate, DeviceRequestMustEqualItsLimit) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].workers[0].resources =
        json(R"({"requests": {"nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "2"}})");
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].resources.requests.nvidia.com/gpu", "must equal its limit");
  errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].workers[0].resources =
        json(R"({"requests": {"nvidia.com/gpu": "2.0"}, "limits": {"nvidia.com/gpu": 2}})");
  });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Defaults, DeviceRequestWithoutLimitGetsTheRequestAsLimit) {
  ModelBooster mb;
  Backend b;
  Worker w;
  w.resources = json(R"({"requests": {"cpu": "2", "nvidia.com/gpu": "2", "huawei.com/ascend-1980": 1},
                         "limits": {"memory": "8Gi"}})");
  b.workers = {w};
  Worker requestsOnly;
  requestsOnly.resources = json(R"({"requests": {"huawei.com/ascend-910b": "4"}})");
  Worker both;
  both.resources = json(R"({"requests": {"nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "1"}})");
  b.workers.push_back(requestsOnly);
  b.workers.push_back(both);
  mb.spec.backends = {b};
  mb::core::applyDefaults(mb);
  const auto& workers = mb.spec.backends[0].workers;
  EXPECT_EQ(mb::document::toJson(workers[0].resources),
            R"({"requests":{"cpu":"2","nvidia.com/gpu":"2","huawei.com/ascend-1980":1},)"
            R"("limits":{"memory":"8Gi","nvidia.com/gpu":"2","huawei.com/ascend-1980":1}})");
  EXPECT_EQ(mb::document::toJson(workers[1].resources),
            R"({"requests":{"huawei.com/ascend-910b":"4"},"limits":{"huawei.com/ascend-910b":"4"}})");
  EXPECT_EQ(mb::document::toJson(workers[2].resources),
            R"({"requests":{"nvidia.com/gpu":"1"},"limits":{"nvidia.com/gpu":"1"}})");
  // Idempotent, and the devices are counted once.
  ModelBooster again = mb;
  mb::core::applyDefaults(again);
  EXPECT_TRUE(mb::document::equal(again.spec.backends[0].workers[0].resources, workers[0].resources));
  EXPECT_EQ(mb::core::workerDevices(workers[0]).count, 3);
  Errs errs = validateBase([](ModelBooster& m) {
    m.spec.backends[0].workers[0].resources = json(R"({"requests": {"nvidia.com/gpu": "1"}})");
  });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Validate, TolerationRules) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].workers[0].tolerations = json(R"([{"key": "gpu", "operator": "Exists", "value": "x"}])");
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].tolerations[0].value", "must be empty when operator is Exists");
  errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].workers[0].tolerations =
        json(R"([{"key": "gpu", "effect": "NoSchedule", "tolerationSeconds": 30}])");
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].tolerations[0].tolerationSeconds", "NoExecute");
}

TEST(Validate, EnvValueOrValueFromWithOneSource) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].env = {{"A", std::string("x"), json(R"({"fieldRef": {"fieldPath": "metadata.name"}})")}};
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].env[0].value", "together with valueFrom");
  errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].env = {{"A", std::nullopt, json(R"({"fieldRef": {"fieldPath": "metadata.name"},
                                         "secretKeyRef": {"name": "s", "key": "k"}})")}};
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].env[0].valueFrom", "exactly one source");
}

// ------------------------------------------------------------------- config

TEST(Validate, ConfigKeyNotAFlagName) {
  for (const char* key : {"--max-model-len", "max model len", "_x", "a=b"}) {
    Errs errs = validateBase(
        [key](ModelBooster& mb) { mb.spec.backends[0].workers[0].config.put(key, mb::document::Value::integer(1)); });
    EXPECT_ONE_ERROR(errs, std::string("spec.backends[0].workers[0].config.") + key, "is not a flag name");
  }
}

TEST(Validate, ConfigKeyReservedVllm) {
  for (const char* key :
       {"model", "port", "kv-events-config", "enable_lora", "lora-modules", "distributed_executor_backend"}) {
    Errs errs = validateBase(
        [key](ModelBooster& mb) { mb.spec.backends[0].workers[0].config.put(key, mb::document::Value("x")); });
    EXPECT_ONE_ERROR(errs, std::string("spec.backends[0].workers[0].config.") + key, "is set by modelbooster");
  }
}

TEST(Validate, ConfigKeyReservedSglang) {
  for (const char* key : {"model-path", "port", "host", "nnodes", "node_rank", "dist-init-addr", "lora-paths"}) {
    Errs errs = validateBase([key](ModelBooster& mb) {
      mb.spec.backends[0].type = "SGLang";
      mb.spec.backends[0].workers[0].config.put(key, mb::document::Value("x"));
    });
    EXPECT_ONE_ERROR(errs, std::string("spec.backends[0].workers[0].config.") + key, "is set by modelbooster");
  }
}

TEST(Validate, ConfigValueNull) {
  Errs errs = validateYaml(std::string(kBase) + "            trust-remote-code:\n");
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].config.trust-remote-code", "has no value");
}

// ----------------------------------------------------- prefill/decode rules

TEST(Validate, PdKvConnectorMismatch) {
  Errs errs = validateBase([](ModelBooster& mb) {
    makePd(mb.spec.backends[0], R"({"kv-transfer-config": "{\"kv_connector\":\"NixlConnector\"}"})",
           R"({"kv-transfer-config": "{\"kv_connector\":\"MooncakeConnectorV1\"}"})");
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers", "must use the same kv_connector");
}

TEST(Validate, PdKvConnectorOnOneWorkerOnly) {
  Errs errs = validateBase([](ModelBooster& mb) {
    makePd(mb.spec.backends[0], R"({"kv-transfer-config": "{\"kv_connector\":\"LMCacheConnectorV1\"}"})");
  });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Validate, PdUnknownKvConnector) {
  Errs errs = validateBase([](ModelBooster& mb) {
    makePd(mb.spec.backends[0], R"({"kv-transfer-config": "{\"kv_connector\":\"P2pNcclConnector\"}"})",
           R"({"kv-transfer-config": "{\"kv_connector\":\"P2pNcclConnector\"}"})");
  });
  ASSERT_EQ(errs.size(), 2u) << dump(errs);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(errs[i].field, "spec.backends[0].workers[" + std::to_string(i) + "].config.kv-transfer-config");
    EXPECT_THAT(errs[i].message, HasSubstr("kv_connector \"P2pNcclConnector\" is not supported"));
  }
}

TEST(Validate, PdKvTransferConfigNotJson) {
  Errs errs = validateBase(
      [](ModelBooster& mb) { makePd(mb.spec.backends[0], R"({"kv-transfer-config": "{kv_connector: Nixl"})"); });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].config.kv-transfer-config", "must be a JSON object");
}

TEST(Validate, PdMultiNodeRejected) {
  Errs errs = validateBase([](ModelBooster& mb) {
    makePd(mb.spec.backends[0]);
    mb.spec.backends[0].workers[1].pods = 2;
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[1].pods",
                   "multi-node prefill/decode (pods > 1) is not supported yet");
}

// ------------------------------------------------------- autoscaling scopes

TEST(Validate, NoAutoscalingMinMustEqualMax) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].maxReplicas = 3; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].maxReplicas", "without an autoscalingPolicy nothing scales");
}

TEST(Validate, NoAutoscalingScalingCostRejected) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].scalingCost = 5; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].scalingCost", "only applies to model-level autoscaling");
}

TEST(Validate, NoAutoscalingScaleToZeroGracePeriodRejected) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].scaleToZeroGracePeriod = "1m"; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].scaleToZeroGracePeriod", "only applies to model-level autoscaling");
}

TEST(Validate, CostExpansionRateWithoutModelLevelAutoscaling) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.costExpansionRatePercent = 150; });
  EXPECT_ONE_ERROR(errs, "spec.costExpansionRatePercent", "only applies to model-level autoscaling");
}

TEST(Validate, BackendLevelAllowsMinBelowMax) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].autoscalingPolicy = policy();
    mb.spec.backends[0].maxReplicas = 4;
  });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Validate, BackendLevelMinReplicasZero) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].autoscalingPolicy = policy();
    mb.spec.backends[0].minReplicas = 0;
    mb.spec.backends[0].maxReplicas = 4;
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].minReplicas", "must be at least 1 with backend-level autoscaling");
}

TEST(Validate, BackendLevelScalingCostRejected) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].autoscalingPolicy = policy();
    mb.spec.backends[0].scalingCost = 5;
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].scalingCost", "only applies to model-level autoscaling");
}

TEST(Validate, BackendLevelScaleToZeroGracePeriodRejected) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].autoscalingPolicy = policy();
    mb.spec.backends[0].scaleToZeroGracePeriod = "30s";
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].scaleToZeroGracePeriod", "only applies to model-level autoscaling");
}

TEST(Validate, BackendLevelCostExpansionRateRejected) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].autoscalingPolicy = policy();
    mb.spec.costExpansionRatePercent = 100;
  });
  EXPECT_ONE_ERROR(errs, "spec.costExpansionRatePercent", "only applies to model-level autoscaling");
}

TEST(Validate, ModelLevelValidWithDefaults) {
  // scaleToZeroGracePeriod (30s) and costExpansionRatePercent (200) are
  // filled in by the defaults, so leaving them out is fine.
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.autoscalingPolicy = policy();
    mb.spec.backends[0].scalingCost = 10;
    mb.spec.backends[0].minReplicas = 0;
    mb.spec.backends[0].maxReplicas = 4;
    mb.spec.backends.push_back(copyOf(mb.spec.backends[0], "gpu2"));
    mb.spec.backends[1].minReplicas = 1;
  });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Validate, ModelLevelScalingCostMissing) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.autoscalingPolicy = policy(); });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].scalingCost", "must be greater than 0 with model-level autoscaling");
}

TEST(Validate, ModelLevelScalingCostZero) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.autoscalingPolicy = policy();
    mb.spec.backends[0].scalingCost = 0;
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].scalingCost", "must be greater than 0");
}

TEST(Validate, ModelLevelSumOfMinReplicasZero) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.autoscalingPolicy = policy();
    mb.spec.backends[0].scalingCost = 10;
    mb.spec.backends[0].minReplicas = 0;
    mb.spec.backends[0].maxReplicas = 4;
    mb.spec.backends.push_back(copyOf(mb.spec.backends[0], "gpu2"));
  });
  EXPECT_ONE_ERROR(errs, "spec.backends", "the sum of minReplicas must be at least 1");
}

TEST(Validate, ModelLevelCostExpansionRateRange) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.autoscalingPolicy = policy();
    mb.spec.backends[0].scalingCost = 10;
    mb.spec.costExpansionRatePercent = 1001;
  });
  EXPECT_ONE_ERROR(errs, "spec.costExpansionRatePercent", "must be between 0 and 1000");
}

TEST(Validate, BothModelAndBackendLevelRejected) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.autoscalingPolicy = policy();
    mb.spec.backends[0].autoscalingPolicy = policy();
    mb.spec.backends[0].scalingCost = 10;
  });
  EXPECT_ERROR_AT(errs, "spec.autoscalingPolicy", "choose one");
}

TEST(Validate, BothLevelsReportsOnlyTheConflict) {
  // The user wrote neither scaleToZeroGracePeriod nor costExpansionRatePercent.
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.autoscalingPolicy = policy();
    mb.spec.backends[0].autoscalingPolicy = policy();
  });
  EXPECT_ONE_ERROR(errs, "spec.autoscalingPolicy", "choose one");
}

TEST(Validate, ScaleToZeroGracePeriodAtMost30Minutes) {
  auto withPeriod = [](const char* period) {
    return [period](ModelBooster& mb) {
      mb.spec.autoscalingPolicy = policy();
      mb.spec.backends[0].scalingCost = 10;
      mb.spec.backends[0].scaleToZeroGracePeriod = period;
    };
  };
  for (const char* ok : {"0s", "30m", "1800s", "29m59s"}) {
    Errs errs = validateBase(withPeriod(ok));
    EXPECT_TRUE(errs.empty()) << ok << ": " << dump(errs);
  }
  for (const char* tooLong : {"31m", "30m1s", "1h"}) {
    Errs errs = validateBase(withPeriod(tooLong));
    EXPECT_ONE_ERROR(errs, "spec.backends[0].scaleToZeroGracePeriod", "must be between 0s and 30m");
  }
  // Like the CRD's pattern: no sign, no bare 0.
  for (const char* malformed : {"-1s", "0"}) {
    Errs errs = validateBase(withPeriod(malformed));
    EXPECT_ONE_ERROR(errs, "spec.backends[0].scaleToZeroGracePeriod", "must be a duration");
  }
}

TEST(Validate, ScaleToZeroGracePeriodMalformed) {
  for (const char* bad : {"soon", "30", "5 m", "1d", ""}) {
    Errs errs = validateBase([bad](ModelBooster& mb) {
      mb.spec.autoscalingPolicy = policy();
      mb.spec.backends[0].scalingCost = 10;
      mb.spec.backends[0].scaleToZeroGracePeriod = bad;
    });
    EXPECT_ONE_ERROR(errs, "spec.backends[0].scaleToZeroGracePeriod", "must be a duration");
  }
}

// ------------------------------------------------------ autoscaling policy

TEST(Validate, PolicyTolerancePercentRange) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].autoscalingPolicy = policy();
    mb.spec.backends[0].autoscalingPolicy->tolerancePercent = 101;
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].autoscalingPolicy.tolerancePercent", "must be between 0 and 100");
}

TEST(Validate, PolicyNeedsAMetric) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.autoscalingPolicy = AutoscalingPolicySpec{};
    mb.spec.backends[0].scalingCost = 10;
  });
  EXPECT_ONE_ERROR(errs, "spec.autoscalingPolicy.metrics", "needs at least one metric");
}

TEST(Validate, PolicyPanicThresholdPercentRange) {
  Errs errs = validateBase([](ModelBooster& mb) {
    AutoscalingPolicySpec p = policy();
    p.behavior.emplace().scaleUp.emplace().panicPolicy = mb::api::PanicPolicy{{}, "10s", 100, {}};
    mb.spec.backends[0].autoscalingPolicy = p;
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].autoscalingPolicy.behavior.scaleUp.panicPolicy.panicThresholdPercent",
                   "must be between 110 and 1000");
}

TEST(Validate, PolicySelectPolicyEnum) {
  Errs errs = validateBase([](ModelBooster& mb) {
    AutoscalingPolicySpec p = policy();
    p.behavior.emplace().scaleDown = mb::api::StablePolicy{{}, {}, {}, "Xor", {}};
    mb.spec.backends[0].autoscalingPolicy = p;
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].autoscalingPolicy.behavior.scaleDown.selectPolicy", "must be Or or And");
}

// -------------------------------------------------------------------- LoRA

TEST(Validate, DuplicateLoraNamesInBackend) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].loraAdapters = {{"sql", "hf://a/sql"}, {"sql", "hf://a/sql-v2"}};
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].loraAdapters[1].name", "duplicate adapter \"sql\"");
}

TEST(Validate, SameLoraOnTwoBackendsIsFine) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].loraAdapters = {{"sql", "hf://a/sql"}};
    mb.spec.backends.push_back(copyOf(mb.spec.backends[0], "gpu2"));
  });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Validate, LoraNameEqualsModelName) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].loraAdapters = {{"base", "hf://a/b"}}; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].loraAdapters[0].name", "is the model's own name");
  // The model name is spec.name when set.
  errs = validateBase([](ModelBooster& mb) {
    mb.spec.name = "llama";
    mb.spec.backends[0].loraAdapters = {{"llama", "hf://a/b"}};
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].loraAdapters[0].name", "is the model's own name");
}

TEST(Validate, LoraNameNotDnsLabel) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].loraAdapters = {{"SQL_Expert", "hf://a/b"}}; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].loraAdapters[0].name", "must be a DNS label");
}

TEST(Validate, LoraArtifactUrlScheme) {
  for (const char* url : {"ms://a/b", "https://a/b", "hf://", ""}) {
    Errs errs = validateBase([url](ModelBooster& mb) { mb.spec.backends[0].loraAdapters = {{"sql", url}}; });
    EXPECT_ONE_ERROR(errs, "spec.backends[0].loraAdapters[0].artifactURL", "must start with hf://, s3:// or pvc://");
  }
}

TEST(Validate, MoreThanTenDistinctAdapters) {
  auto adapters = [](int n) {
    return [n](ModelBooster& mb) {
      mb.spec.backends.push_back(copyOf(mb.spec.backends[0], "gpu2"));
      // Spread over two backends, with one shared: distinct names count.
      for (int i = 0; i < n; ++i) {
        std::string name = "lora-" + std::to_string(i);
        mb.spec.backends[static_cast<size_t>(i % 2)].loraAdapters.push_back({name, "hf://a/" + name});
      }
      mb.spec.backends[1].loraAdapters.push_back({"lora-0", "hf://a/lora-0"});
    };
  };
  Errs errs = validateBase(adapters(10));
  EXPECT_TRUE(errs.empty()) << dump(errs);
  errs = validateBase(adapters(11));
  EXPECT_ONE_ERROR(errs, "spec.backends", "11 distinct LoRA adapters; a ModelRoute carries at most 10");
}

// --------------------------------------------------------------------- URIs

TEST(Validate, ModelUriRequired) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].modelURI.clear(); });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].modelURI", "is required");
}

TEST(Validate, ModelUriBadScheme) {
  for (const char* uri : {"https://huggingface.co/Qwen/Qwen2.5", "Qwen/Qwen2.5", "hf://", "HF://Qwen/Qwen2.5"}) {
    Errs errs = validateBase([uri](ModelBooster& mb) { mb.spec.backends[0].modelURI = uri; });
    EXPECT_ONE_ERROR(errs, "spec.backends[0].modelURI", "must start with hf://, s3://, pvc:// or ms://");
  }
  for (const char* uri : {"s3://bucket/model", "pvc://claim/model", "ms://Qwen/Qwen2.5"}) {
    Errs errs = validateBase([uri](ModelBooster& mb) { mb.spec.backends[0].modelURI = uri; });
    EXPECT_TRUE(errs.empty()) << uri << ": " << dump(errs);
  }
}

TEST(Validate, PvcPathWithDotDot) {
  for (const char* uri : {"pvc://claim/../other", "pvc://claim/a/..", "pvc://claim/a/../../b"}) {
    Errs errs = validateBase([uri](ModelBooster& mb) { mb.spec.backends[0].modelURI = uri; });
    EXPECT_ONE_ERROR(errs, "spec.backends[0].modelURI", "must not contain \"..\" segments");
    errs = validateBase([uri](ModelBooster& mb) { mb.spec.backends[0].cacheURI = uri; });
    EXPECT_ONE_ERROR(errs, "spec.backends[0].cacheURI", "must not contain \"..\" segments");
    errs = validateBase([uri](ModelBooster& mb) { mb.spec.backends[0].loraAdapters = {{"sql", uri}}; });
    EXPECT_ONE_ERROR(errs, "spec.backends[0].loraAdapters[0].artifactURL", "must not contain \"..\" segments");
  }
  // A name that merely contains dots is not a `..` segment.
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].modelURI = "pvc://claim/a..b/model"; });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Validate, PvcEmptyClaimName) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].modelURI = "pvc:///models/qwen"; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].modelURI", "needs a claim name");
  errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].cacheURI = "pvc:///cache"; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].cacheURI", "needs a claim name");
}

// pvc://claim//abs made the volume subPath "/abs", which the API server
// rejects: the ModelServing would never get pods.
TEST(Validate, PvcPathMustBeRelative) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].cacheURI = "pvc://cache//models/qwen"; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].cacheURI", "must be relative: write pvc://cache/models/qwen");
  errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].modelURI = "pvc://weights//qwen"; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].modelURI", "must be relative: write pvc://weights/qwen");
}

// Prefill and decode serve one name: the router sends both steps of a
// request under the ModelServer's model.
TEST(Validate, WorkersOfABackendServeOneName) {
  Errs errs = validateBase([](ModelBooster& mb) {
    makePd(mb.spec.backends[0], R"({"served-model-name": "bar"})", R"({"served-model-name": "foo"})");
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].config.served-model-name",
                   "is \"bar\" but the backend serves \"foo\"");
  // One of them setting it is fine: the other is given the same name.
  errs = validateBase([](ModelBooster& mb) { makePd(mb.spec.backends[0], "{}", R"({"served-model-name": "foo"})"); });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Validate, ServedModelNameIsOneName) {
  for (const char* value : {R"(["a", "b"])", R"("")", R"({"a": 1})", "true"}) {
    Errs errs = validateBase([value](ModelBooster& mb) {
      mb.spec.backends[0].workers[0].config = json(std::string(R"({"served-model-name": )") + value + "}");
    });
    EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].config.served-model-name", "must be one model name");
  }
  Errs errs = validateBase(
      [](ModelBooster& mb) { mb.spec.backends[0].workers[0].config = json(R"({"served-model-name": 2024})"); });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

// Offline input may carry anything in metadata; the namespace and uid go
// into every child (the uid as a label value).
TEST(Validate, NamespaceAndUidMustFitTheChildren) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.metadata.namespace_ = "Not_Valid"; });
  EXPECT_ONE_ERROR(errs, "metadata.namespace", "must be a DNS label");
  errs = validateBase([](ModelBooster& mb) { mb.metadata.uid = "has spaces"; });
  EXPECT_ONE_ERROR(errs, "metadata.uid", "model-uid label");
  errs = validateBase([](ModelBooster& mb) { mb.metadata.uid.clear(); });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

// One mistake, one error: a maxReplicas out of range is not also compared
// with minReplicas, and a long booster name is reported once, not per
// backend.
TEST(Validate, OneMistakeOneError) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].maxReplicas = 0; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].maxReplicas", "must be between 1 and 1000000");
  errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].minReplicas = 3;
    mb.spec.backends[0].maxReplicas = 2;
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].minReplicas", "less than or equal to maxReplicas");
  errs = validateBase([](ModelBooster& mb) {
    mb.metadata.name = std::string(47, 'a');
    Backend second = mb.spec.backends[0];
    second.name = "gpu2";
    mb.spec.backends.push_back(second);
  });
  EXPECT_ONE_ERROR(errs, "metadata.name", "init container");
}

// The ModelServing controller labels pods with `<ms>-<group index>` and
// names a multi-node group's headless Service
// `<ms>-<group index>-leader-<role index>-0`: both at most 63 characters.
TEST(Validate, ServingGroupNamesFitTheModelServingController) {
  // 5 + 1 + 55 = 61 characters: "-0" fits (63), "-99" of 100 replicas does not.
  auto named = [](int32_t maxReplicas) {
    return [maxReplicas](ModelBooster& mb) {
      mb.metadata.name = "abcde";
      mb.spec.backends[0].name = std::string(55, 'b');
      mb.spec.backends[0].maxReplicas = maxReplicas;
      mb.spec.backends[0].minReplicas = maxReplicas;
    };
  };
  EXPECT_TRUE(validateBase(named(1)).empty()) << dump(validateBase(named(1)));
  Errs errs = validateBase(named(100));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].name", "the serving-group label");
  EXPECT_THAT(errs[0].message, HasSubstr("-99\" would be 64 characters (at most 63)"));
  // Multi-node: "<ms>-0-leader-0-0" must fit too.
  errs = validateBase([](ModelBooster& mb) {
    mb.spec.backends[0].name = std::string(50, 'b');
    mb.spec.backends[0].workers[0].pods = 2;
  });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].name", "headless Service");
}

TEST(Validate, HostPathWithoutTheThirdSlashIsReadAsAbsolute) {
  // hostpath://tmp/x means /tmp/x, as Kthena v1.0 reads it (deviation 28).
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].cacheURI = "hostpath://tmp/x"; });
  EXPECT_TRUE(errs.empty()) << dump(errs);
  errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].cacheURI = "hostpath:///tmp/x"; });
  EXPECT_TRUE(errs.empty()) << dump(errs);
  // The node's root stays refused however it is spelled.
  errs = validateBase([](ModelBooster& mb) { mb.spec.backends[0].cacheURI = "hostpath:///"; });
  EXPECT_ONE_ERROR(errs, "spec.backends[0].cacheURI", "root directory");
}

TEST(Validate, CacheUriBadScheme) {
  for (const char* uri : {"s3://bucket/cache", "/mnt/cache", "hostpath://", "pvc://"}) {
    Errs errs = validateBase([uri](ModelBooster& mb) { mb.spec.backends[0].cacheURI = uri; });
    EXPECT_ONE_ERROR(errs, "spec.backends[0].cacheURI", "must start with hostpath:// or pvc://");
  }
}

// ------------------------------------------------- spec.backend (Kthena v1.0)

constexpr const char* kSingle = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata:
  name: single
  namespace: demo
  uid: 7f1c2d3e-0000-4000-8000-000000000200
spec:
  backend:
    name: gpu
    type: vLLM
    modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
    replicas: 2
    workers:
      - type: server
        resources:
          limits:
            nvidia.com/gpu: "1"
)";

TEST(ValidateSingle, ReplicasIsBothBounds) {
  std::vector<mb::document::Value> docs;
  mb::document::ParseError parseError;
  ASSERT_TRUE(mb::document::parseYaml(kSingle, docs, parseError));
  mb::document::Errors errors;
  ModelBooster b = mb::api::decodeModelBooster(docs[0], errors);
  ASSERT_TRUE(errors.empty()) << errors.str();
  EXPECT_EQ(b.spec.backendShape, mb::api::BackendShape::Single);
  ASSERT_EQ(b.spec.backends.size(), 1u);
  EXPECT_EQ(b.spec.backends[0].replicas, 2);
  EXPECT_FALSE(b.spec.backends[0].minReplicas);
  mb::core::applyDefaults(b);
  EXPECT_EQ(b.spec.backends[0].minReplicas, 2);
  EXPECT_EQ(b.spec.backends[0].maxReplicas, 2);
  mb::core::validate(b, mb::api::profileOf(mb::api::kDefaultServingStack), errors);
  EXPECT_TRUE(errors.empty()) << errors.str();
  // Zero serving groups is a fixed count too (Kthena v1.0 allows 0).
  EXPECT_TRUE(validateYaml(edit(kSingle, "replicas: 2", "replicas: 0")).empty());
}

TEST(ValidateSingle, ReplicasOrBothBoundsIsRequired) {
  Errs errs = validateYaml(edit(kSingle, "    replicas: 2\n", ""));
  EXPECT_ONE_ERROR(errs, "spec.backend.replicas", "is required");
  EXPECT_THAT(errs[0].message, HasSubstr("minReplicas and maxReplicas"));
  // The bounds instead of replicas: a v1.0 booster grown into an autoscaled one.
  errs = validateYaml(edit(kSingle, "    replicas: 2\n", "    minReplicas: 1\n    maxReplicas: 1\n"));
  EXPECT_TRUE(errs.empty()) << dump(errs);
  errs = validateYaml(edit(kSingle, "    replicas: 2\n", "    minReplicas: 1\n"));
  EXPECT_ONE_ERROR(errs, "spec.backend.maxReplicas", "is required");
}

TEST(ValidateSingle, ReplicasWithABoundIsRefused) {
  for (const char* bound :
       {"    minReplicas: 1\n", "    maxReplicas: 2\n", "    minReplicas: 2\n    maxReplicas: 2\n"}) {
    Errs errs = validateYaml(edit(kSingle, "    replicas: 2\n", std::string("    replicas: 2\n") + bound));
    EXPECT_ONE_ERROR(errs, "spec.backend.replicas", "may not be set together with minReplicas/maxReplicas");
    EXPECT_EQ(errs[0].mark.line, 12u);
  }
}

TEST(ValidateSingle, ReplicasIsNotAnItemField) {
  Errs errs = validateYaml(edit(kBase, "      minReplicas: 1\n      maxReplicas: 1\n", "      replicas: 1\n"));
  EXPECT_ONE_ERROR(errs, "spec.backends[0].replicas", "belongs to spec.backend");
}

TEST(ValidateSingle, BothShapesOrNeitherIsRefused) {
  std::string both = std::string(kBase) + "  backend:\n    name: b\n    type: vLLM\n    modelURI: hf://o/m\n" +
                     "    replicas: 1\n    workers: [{type: server}]\n";
  Errs errs = validateYaml(both);
  EXPECT_ONE_ERROR(errs, "spec.backend", "spec.backends and spec.backend are both set");
  EXPECT_THAT(errs[0].message, HasSubstr("set exactly one"));
  // The single backend's own mistakes are reported with it.
  errs = validateYaml(edit(both, "    replicas: 1\n", "    replicas: 1\n    colour: red\n"));
  ASSERT_EQ(errs.size(), 2u) << dump(errs);
  EXPECT_EQ(errs[1].field, "spec.backend.colour");
  errs = validateYaml(
      "apiVersion: workload.serving.volcano.sh/v1alpha1\nkind: ModelBooster\nmetadata: {name: m}\n"
      "spec: {name: m}\n");
  EXPECT_ONE_ERROR(errs, "spec.backends", "set spec.backends (a list of backends) or spec.backend");
}

// Errors name spec.backend.<field>, never spec.backends[0].<field>.
TEST(ValidateSingle, ErrorsNameSpecBackend) {
  Errs errs = validateYaml(edit(kSingle, "type: vLLM", "type: MindIE"));
  EXPECT_ONE_ERROR(errs, "spec.backend.type", "not supported yet");
  errs = validateYaml(edit(kSingle, "      - type: server\n", "      - type: decode\n"));
  EXPECT_ERROR_AT(errs, "spec.backend.workers[0].type", "not allowed for a vLLM backend");
  errs = validateYaml(edit(kSingle, "    replicas: 2\n", "    replicas: 2\n    routeWeight: 0\n"));
  EXPECT_ONE_ERROR(errs, "spec.backend.routeWeight", "send requests nowhere");
  errs = validateYaml(edit(kSingle, "    replicas: 2\n", "    replicas: 1000001\n"));
  EXPECT_ERROR_AT(errs, "spec.backend.replicas", "between 0 and 1000000");
  errs = validateYaml(edit(kSingle, "    replicas: 2\n",
                           "    replicas: 0\n    autoscalingPolicy: {metrics: "
                           "[{metricName: m, targetValue: 1}]}\n"));
  EXPECT_ONE_ERROR(errs, "spec.backend.replicas", "at least 1 with backend-level autoscaling");
  errs = validateYaml(edit(kSingle, "    replicas: 2\n", "    replicas: 2\n    schedulerName: kai\n"));
  EXPECT_TRUE(errs.empty()) << dump(errs);
  for (const auto& e : validateYaml(edit(kSingle, "name: gpu", "name: GPU"))) {
    EXPECT_EQ(e.field.rfind("spec.backend.", 0), 0u) << e.str();
  }
}

TEST(ValidateSingle, ModelLevelAutoscalingNamesTheOneBackend) {
  std::string yaml =
      edit(kSingle, "spec:\n", "spec:\n  autoscalingPolicy: {metrics: [{metricName: m, targetValue: 1}]}\n");
  yaml = edit(yaml, "    replicas: 2\n", "    minReplicas: 0\n    maxReplicas: 2\n    scalingCost: 1\n");
  Errs errs = validateYaml(yaml);
  EXPECT_ONE_ERROR(errs, "spec.backend.minReplicas", "at least 1 with model-level autoscaling");
}

// Every field of a backend is allowed in spec.backend, so that a v1.0
// booster grows into an autoscaled, LoRA-serving one without a rewrite.
TEST(ValidateSingle, TakesEveryBackendField) {
  std::string yaml = edit(kSingle, "    replicas: 2\n", R"(    minReplicas: 1
    maxReplicas: 4
    routeWeight: 100
    runtimeClassName: nvidia
    schedulerName: volcano
    gangScheduling: {enabled: true}
    env: [{name: HF_ENDPOINT, value: "https://hf-mirror.example"}]
    envFrom: [{secretRef: {name: s3}}]
    loraAdapters: [{name: sql, artifactURL: hf://org/sql-lora}]
    autoscalingPolicy: {metrics: [{metricName: kthena:num_requests_waiting, targetValue: 10}]}
)");
  Errs errs = validateYaml(yaml);
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

// --------------------------------------------------------------- modelMatch

TEST(Validate, ModelMatchStringMatchWithTwoOperators) {
  Errs errs = validateBase([](ModelBooster& mb) {
    mb.spec.modelMatch = json(R"({"headers": {"x-tenant": {"exact": "acme", "prefix": "ac"}}})");
  });
  EXPECT_ONE_ERROR(errs, "spec.modelMatch.headers.x-tenant", "must set exactly one of exact, prefix or regex");
  errs = validateBase([](ModelBooster& mb) { mb.spec.modelMatch = json(R"({"uri": {}})"); });
  EXPECT_ONE_ERROR(errs, "spec.modelMatch.uri", "must set exactly one of exact, prefix or regex");
  errs = validateBase([](ModelBooster& mb) {
    mb.spec.modelMatch = json(R"({"uri": {"prefix": "/v1/"}, "headers": {"x-a": {"regex": "^a"}}})");
  });
  EXPECT_TRUE(errs.empty()) << dump(errs);
}

TEST(Validate, ModelMatchUnknownField) {
  Errs errs = validateBase([](ModelBooster& mb) { mb.spec.modelMatch = json(R"({"header": {}})"); });
  EXPECT_ONE_ERROR(errs, "spec.modelMatch.header", "unknown field; allowed: headers, uri, body");
}

// -------------------------------------------------------- all errors at once

TEST(Validate, FiveProblemsFiveErrors) {
  Errs errs = validateBase([](ModelBooster& mb) {
    auto& b = mb.spec.backends[0];
    b.modelURI = "ftp://models/qwen";                 // 1
    b.cacheURI = "hostpath:///..";                    // 2
    b.routeWeight = 101;                              // 3
    b.workers[0].image = "vllm/vllm-openai: latest";  // 4
    b.loraAdapters = {{"base", "hf://a/b"}};          // 5: the model's own name
  });
  ASSERT_EQ(errs.size(), 5u) << dump(errs);
  std::vector<std::string> fields;
  for (const auto& e : errs) fields.push_back(e.field);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"spec.backends[0].cacheURI", "spec.backends[0].loraAdapters[0].name",
                                              "spec.backends[0].modelURI", "spec.backends[0].routeWeight",
                                              "spec.backends[0].workers[0].image"}));
}

TEST(Validate, ErrorsCarryLineNumbersFromTheInput) {
  std::string yaml = kBase;
  yaml = edit(yaml, "maxReplicas: 1", "maxReplicas: 3");
  Errs errs = validateYaml(yaml);
  ASSERT_EQ(errs.size(), 1u) << dump(errs);
  EXPECT_EQ(errs[0].field, "spec.backends[0].maxReplicas");
  EXPECT_NE(errs[0].mark.line, 0u);
  EXPECT_THAT(errs[0].str(), testing::StartsWith("line "));
}

// ------------------------------------------------------------------ decoding

TEST(ValidateDecode, UnknownFieldReportedAtItsPath) {
  std::string yaml = kBase;
  yaml = edit(yaml, "minReplicas: 1", "minReplica: 1");
  Errs errs = validateYaml(yaml);
  EXPECT_ERROR_AT(errs, "spec.backends[0].minReplica", "unknown field");
  const mb::document::FieldError* e = errorAt(errs, "spec.backends[0].minReplica");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->mark.line, 12u);
}

TEST(ValidateDecode, UnknownFieldsAllReported) {
  std::string yaml = kBase;
  yaml = edit(yaml, "workers:", "workres:");
  yaml = edit(yaml, "minReplicas: 1", "minReplica: 1");
  Errs errs = validateYaml(yaml);
  EXPECT_ERROR_AT(errs, "spec.backends[0].minReplica", "unknown field");
  EXPECT_ERROR_AT(errs, "spec.backends[0].workres", "unknown field");
}

TEST(ValidateDecode, StringForIntegerIsNamed) {
  std::string yaml = kBase;
  yaml = edit(yaml, "minReplicas: 1", "minReplicas: \"two\"");
  Errs errs = validateYaml(yaml);
  EXPECT_ONE_ERROR(errs, "spec.backends[0].minReplicas", "must be an integer");
}

TEST(ValidateDecode, FractionForIntegerIsNamed) {
  std::string yaml = kBase;
  yaml = edit(yaml, "maxReplicas: 1", "maxReplicas: 1.5");
  Errs errs = validateYaml(yaml);
  EXPECT_ONE_ERROR(errs, "spec.backends[0].maxReplicas", "must be an integer, not 1.5");
}

TEST(ValidateDecode, ListForObjectIsNamed) {
  std::string yaml = kBase;
  yaml = edit(yaml, "config:\n            max-model-len: 4096", "config: [max-model-len, 4096]");
  Errs errs = validateYaml(yaml);
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].config", "not a list");
}

TEST(ValidateDecode, ListForObjectMessageGrammar) {
  std::string yaml = kBase;
  yaml = edit(yaml, "config:\n            max-model-len: 4096", "config: [max-model-len, 4096]");
  Errs errs = validateYaml(yaml);
  EXPECT_ONE_ERROR(errs, "spec.backends[0].workers[0].config", "must be an object, not a list");
}

}  // namespace

namespace mb::core {
namespace {

// Rules added after review of the first golden cases; each failed before
// its fix (see the commit that added it).
std::vector<mb::document::FieldError> validateText(const std::string& yaml) {
  std::vector<mb::document::Value> docs;
  mb::document::ParseError err;
  EXPECT_TRUE(mb::document::parseYaml(yaml, docs, err)) << err.str();
  mb::document::Errors errors;
  api::ModelBooster b = api::decodeModelBooster(docs.at(0), errors);
  EXPECT_TRUE(errors.empty()) << errors.str();
  applyDefaults(b);
  validate(b, api::profileOf(api::kDefaultServingStack), errors);
  return errors.list();
}

std::string booster(const std::string& backendExtra, const std::string& workerExtra = "",
                    const std::string& specExtra = "") {
  return "apiVersion: workload.serving.volcano.sh/v1alpha1\nkind: ModelBooster\nmetadata: {name: m}\nspec:\n" +
         specExtra +
         "  backends:\n    - name: a\n      type: vLLM\n      modelURI: hf://o/m\n      minReplicas: 1\n"
         "      maxReplicas: 1\n" +
         backendExtra + "      workers:\n        - image: i\n" + workerExtra;
}

TEST(ValidateReview, DerivedPodNamesMustBeDnsLabels) {
  std::string longName(50, 'x');
  std::string yaml = booster("      loraAdapters: [{name: l, artifactURL: hf://o/l}]\n");
  yaml.replace(yaml.find("{name: m}"), 9, "{name: " + longName + "}");
  yaml.replace(yaml.find("- name: a\n"), 10, "- name: b\n");
  auto errs = validateText(yaml);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "metadata.name");
  EXPECT_NE(errs[0].message.find("-lora-downloader-0\" would be 68 characters"), std::string::npos) << errs[0].message;
}

TEST(ValidateReview, RuntimePortMustDifferFromTheEnginePort) {
  auto errs = validateText(booster("      env: [{name: RUNTIME_PORT, value: \"8000\"}]\n"));
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "spec.backends[0].env");
  EXPECT_NE(errs[0].message.find("the engine's port"), std::string::npos);
}

TEST(ValidateReview, PodNameAndNamespaceAreReserved) {
  auto errs = validateText(booster("      env: [{name: POD_NAME, value: x}, {name: NAMESPACE, value: other}]\n"));
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0].field, "spec.backends[0].env[0].name");
  EXPECT_NE(errs[0].message.find("set by modelbooster"), std::string::npos);
  EXPECT_EQ(errs[1].field, "spec.backends[0].env[1].name");
}

TEST(ValidateReview, HostPathRootIsRefused) {
  auto errs = validateText(booster("      cacheURI: hostpath:///\n"));
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_NE(errs[0].message.find("root directory"), std::string::npos);
}

TEST(ValidateReview, AdapterNamedDefaultClashesWithTheDefaultRule) {
  std::string two = booster("      loraAdapters: [{name: default, artifactURL: hf://o/l}]\n");
  two += "    - {name: b, type: vLLM, modelURI: hf://o/m, minReplicas: 1, maxReplicas: 1, workers: [{image: i}]}\n";
  auto errs = validateText(two);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "spec.backends[0].loraAdapters[0].name");
  // One backend has no adapter rules, so the name is fine there.
  EXPECT_TRUE(validateText(booster("      loraAdapters: [{name: default, artifactURL: hf://o/l}]\n")).empty());
}

TEST(ValidateReview, TheSameFlagTwiceIsRefused) {
  auto errs = validateText(booster("", "          config: {max_model_len: 1, max-model-len: 2}\n"));
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "spec.backends[0].workers[0].config.max-model-len");
  EXPECT_NE(errs[0].message.find("second time"), std::string::npos);
}

TEST(ValidateReview, BackendWithoutPolicyCannotScaleUnderBackendLevelAutoscaling) {
  std::string yaml = booster("      autoscalingPolicy: {metrics: [{metricName: m, targetValue: 1}]}\n");
  yaml += "    - {name: b, type: vLLM, modelURI: hf://o/m, minReplicas: 1, maxReplicas: 3, workers: [{image: i}]}\n";
  auto errs = validateText(yaml);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "spec.backends[1].maxReplicas");
}

}  // namespace
}  // namespace mb::core
