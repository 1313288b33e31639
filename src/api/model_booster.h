// The ModelBooster custom resource (workload.serving.volcano.sh/v1alpha1) as
// typed C++ values. Fields from core/v1 that we only pass through to pods
// (resources, affinity, tolerations, envFrom, valueFrom) stay documents.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/object_meta.h"
#include "document/field_error.h"
#include "document/value.h"

namespace mb::api {

inline constexpr const char* kWorkloadGroup = "workload.serving.volcano.sh";
inline constexpr const char* kNetworkingGroup = "networking.serving.volcano.sh";
inline constexpr const char* kWorkloadApiVersion = "workload.serving.volcano.sh/v1alpha1";
inline constexpr const char* kNetworkingApiVersion = "networking.serving.volcano.sh/v1alpha1";

struct EnvVar {
  std::string name;
  std::optional<std::string> value;
  document::Value valueFrom;  // core/v1 EnvVarSource, null when absent
};

struct LoraAdapter {
  std::string name;
  std::string artifactURL;
};

struct MetricTarget {
  std::string metricName;
  document::Value targetValue;  // a quantity: string or number
};

struct StablePolicy {
  std::optional<int32_t> instances;
  std::optional<int32_t> percent;
  std::optional<std::string> period;
  std::optional<std::string> selectPolicy;
  std::optional<std::string> stabilizationWindow;
};

struct PanicPolicy {
  std::optional<int32_t> percent;
  std::optional<std::string> period;
  std::optional<int32_t> panicThresholdPercent;
  std::optional<std::string> panicModeHold;
};

struct ScaleUp {
  std::optional<StablePolicy> stablePolicy;
  std::optional<PanicPolicy> panicPolicy;
};

struct Behavior {
  std::optional<ScaleUp> scaleUp;
  std::optional<StablePolicy> scaleDown;
};

struct AutoscalingPolicySpec {
  std::optional<int32_t> tolerancePercent;
  std::vector<MetricTarget> metrics;
  std::optional<Behavior> behavior;
};

struct Worker {
  std::string type;  // "" until defaulted to "server"
  std::string image;
  std::optional<int32_t> replicas;
  std::optional<int32_t> pods;
  document::Value resources;    // core/v1 ResourceRequirements
  document::Value affinity;     // core/v1 Affinity
  document::Value tolerations;  // []core/v1 Toleration
  document::Value nodeSelector;
  std::optional<std::string> runtimeClassName;
  document::Value config;  // engine arguments, free-form object
  document::Mark mark;
};

struct GangScheduling {
  bool enabled = false;
};

struct Backend {
  std::string name;
  std::string type;
  std::string modelURI;
  std::string cacheURI;
  std::vector<EnvVar> env;
  document::Value envFrom;  // []core/v1 EnvFromSource
  std::optional<int32_t> minReplicas;
  std::optional<int32_t> maxReplicas;
  // Kthena v1.0's fixed count, accepted in `spec.backend` only, in place of
  // minReplicas/maxReplicas: defaults set both to it (core/defaults.cc).
  std::optional<int32_t> replicas;
  std::optional<int32_t> scalingCost;
  std::optional<int32_t> routeWeight;
  std::optional<std::string> scaleToZeroGracePeriod;
  std::vector<Worker> workers;
  std::vector<LoraAdapter> loraAdapters;
  std::optional<AutoscalingPolicySpec> autoscalingPolicy;
  std::string schedulerName;
  std::optional<std::string> runtimeClassName;
  std::optional<GangScheduling> gangScheduling;
  document::Mark mark;

  // The value of env var `name`, or nullptr.
  const std::string* envValue(std::string_view key) const;
};

// Which of the two shapes a booster's backends were written in: the seed's
// list `spec.backends[]`, or Kthena v1.0's single `spec.backend`. Either way
// `ModelBoosterSpec::backends` holds them; the shape decides the field paths
// errors name (`spec.backend.type`, not `spec.backends[0].type`) and what
// `encode` writes back.
enum class BackendShape : uint8_t { List, Single };

struct ModelBoosterSpec {
  std::string name;
  std::string owner;
  std::vector<Backend> backends;  // exactly one with BackendShape::Single
  BackendShape backendShape = BackendShape::List;
  std::optional<AutoscalingPolicySpec> autoscalingPolicy;
  std::optional<int32_t> costExpansionRatePercent;
  document::Value modelMatch;  // networking ModelMatch, passed to the route
  document::Mark mark;
};

// Dynamic LoRA (docs/controller.md): what one running entry pod serves.
struct LoraPodStatus {
  std::string name;                 // the pod
  std::vector<std::string> loaded;  // adapters its engine lists, sorted
  std::string error;                // the last failure to load or unload, "" when none
};

struct BackendStatus {
  std::string name;
  int32_t replicas = 0;
  // Only for a backend that loads adapters at run time: its entry pods,
  // those with an error first, at most kMaxLoraPodStatuses.
  std::vector<LoraPodStatus> loraPods;
};
inline constexpr size_t kMaxLoraPodStatuses = 32;

struct ModelBoosterStatus {
  int64_t observedGeneration = 0;
  std::vector<Condition> conditions;
  std::vector<BackendStatus> backendStatuses;
};

struct ModelBooster {
  ObjectMeta metadata;
  ModelBoosterSpec spec;
  ModelBoosterStatus status;

  // spec.name, or metadata.name when empty: the name clients use.
  const std::string& modelName() const { return spec.name.empty() ? metadata.name : spec.name; }
};

// Decodes one document. Type errors and unknown fields go to `errors`; the
// result is usable for validation only when `errors` stayed empty.
ModelBooster decodeModelBooster(const document::Value& value, document::Errors& errors);
AutoscalingPolicySpec decodeAutoscalingPolicySpec(const document::Value& value, const document::Path& path,
                                                  document::Errors& errors);

document::Value encode(const ModelBooster& booster);
document::Value encode(const ModelBoosterSpec& spec);
document::Value encode(const ModelBoosterStatus& status);
document::Value encode(const AutoscalingPolicySpec& spec);

}  // namespace mb::api
