// The five kinds a ModelBooster becomes, as the Kthena serving stack reads
// them. Pod specs are core/v1 PodSpecs built as documents; everything the
// serving stack interprets is typed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/model_booster.h"
#include "api/object_meta.h"
#include "api/serving_stack.h"
#include "document/value.h"

namespace mb::api {

struct PodTemplate {
  StringPairs labels;
  StringPairs annotations;
  document::Value spec = document::Value::object();  // core/v1 PodSpec
};

struct Role {
  std::string name;
  int32_t replicas = 1;
  int32_t workerReplicas = 0;
  PodTemplate entryTemplate;
  std::optional<PodTemplate> workerTemplate;
};

struct GangPolicy {
  std::vector<std::pair<std::string, int32_t>> minRoleReplicas;
};

struct ServingGroup {
  std::optional<int64_t> restartGracePeriodSeconds;
  std::optional<GangPolicy> gangPolicy;
  std::vector<Role> roles;
};

struct ModelServingSpec {
  int32_t replicas = 1;
  std::string schedulerName;
  ServingGroup templateGroup;  // `template` in JSON
  document::Value topologySpreadConstraints;
};

struct ModelServing {
  ObjectMeta metadata;
  ModelServingSpec spec;
};

struct WorkloadSelector {
  StringPairs matchLabels;
  bool pdGroup = false;  // prefill/decode pairing by serving group
};

struct ModelServerSpec {
  std::string model;
  std::string inferenceEngine;  // vLLM | SGLang
  WorkloadSelector workloadSelector;
  int32_t workloadPort = 8000;
  int32_t retryAttempts = 5;
  std::string retryInterval = "0s";
  std::string kvConnector;  // http | lmcache | nixl | mooncake, or empty
};

struct ModelServer {
  ObjectMeta metadata;
  ModelServerSpec spec;
};

struct TargetModel {
  std::string modelServerName;
  uint32_t weight = 100;
};

struct Rule {
  std::string name;
  document::Value modelMatch;  // networking ModelMatch, null when absent
  std::vector<TargetModel> targetModels;
};

struct ModelRouteSpec {
  std::string modelName;
  std::vector<std::string> loraAdapters;
  std::vector<Rule> rules;
};

struct ModelRoute {
  ObjectMeta metadata;
  ModelRouteSpec spec;
};

struct BindingTarget {
  std::string modelServingName;
  StringPairs additionalMatchLabels;
  std::string metricUri = "/metrics";
  int32_t metricPort = 8100;
};

struct ScalingConfiguration {
  BindingTarget target;
  int32_t minReplicas = 0;
  int32_t maxReplicas = 0;
};

struct OptimizerParam {
  BindingTarget target;
  int32_t cost = 0;
  int32_t minReplicas = 0;
  int32_t maxReplicas = 0;
};

struct OptimizerConfiguration {
  std::vector<OptimizerParam> params;
  int32_t costExpansionRatePercent = 200;
};

struct AutoscalingPolicyBindingSpec {
  std::string policyRef;
  std::optional<ScalingConfiguration> scalingConfiguration;
  std::optional<OptimizerConfiguration> optimizerConfiguration;
};

struct AutoscalingPolicyBinding {
  ObjectMeta metadata;
  AutoscalingPolicyBindingSpec spec;
};

// Where a policy's targets live on stacks without bindings (Kthena v1.0):
// exactly one of the two, as its webhook requires. Encoded as
// `homogeneousTarget` / `heterogeneousTarget`, each target reading every
// metric of the policy from the runtime sidecar (`metricSources`).
struct PolicyTargets {
  std::optional<ScalingConfiguration> homogeneous;
  std::optional<OptimizerConfiguration> heterogeneous;
};

struct AutoscalingPolicy {
  ObjectMeta metadata;
  AutoscalingPolicySpec spec;
  // Set on stacks without bindings; then the policy is written in that
  // stack's shape (metrics[].name instead of metricName, targets inline).
  std::optional<PolicyTargets> targets;
};

// Who owns a ModelServing's spec.replicas once it exists. With autoscaling
// (a model-level policy, which targets every backend, or the backend's own
// policy) the booster's autoscaler does: the controller sets it at creation
// and afterwards only clamps it into [min, max], the bounds the policy
// scales between. Otherwise the booster does (replicas written as desired).
struct ReplicaOwnership {
  bool autoscaled = false;
  int64_t min = 0;
  int64_t max = 0;
};

// One desired child as the controller writes it: the kind and name are
// values, never read back from the document.
struct DesiredChild {
  ChildKind kind = ChildKind::ModelServing;
  std::string name;
  document::Value object;  // apiVersion, kind, metadata, spec
  // ModelServing only: the index of its backend in spec.backends and who
  // owns its replicas.
  size_t backend = 0;
  ReplicaOwnership replicas;
};

// Everything one booster becomes, in a fixed order. `bindings` stays empty
// on stacks without that kind.
struct Children {
  std::vector<ModelServing> servings;
  std::vector<ModelServer> servers;
  ModelRoute route;
  std::vector<AutoscalingPolicy> policies;
  std::vector<AutoscalingPolicyBinding> bindings;
  // One per serving (the same order): set by core::convert.
  std::vector<ReplicaOwnership> servingReplicas;

  // Full objects (apiVersion, kind, metadata, spec) in the order
  // servings, servers, route, policies, bindings. The rvalue overload moves
  // the pod templates out instead of copying them.
  std::vector<document::Value> objects() const&;
  std::vector<document::Value> objects() &&;
  // The same objects in the same order, typed (what the controller writes);
  // moves the pod templates out.
  std::vector<DesiredChild> desired() &&;
};

// Content hash of a ModelServing spec without building its document
// (pod templates are large); equal specs hash equally.
uint64_t hashSpec(const ModelServingSpec& spec);

// Specs alone, as JSON documents: used for revision hashes and comparisons.
document::Value encodeSpec(const ModelServingSpec& spec);
document::Value encodeSpec(const ModelServerSpec& spec);
document::Value encodeSpec(const ModelRouteSpec& spec);
document::Value encodeSpec(const AutoscalingPolicyBindingSpec& spec);
document::Value encodeSpec(const AutoscalingPolicy& policy);  // the spec in the policy's stack shape

document::Value encode(const ModelServing& obj);
document::Value encode(ModelServing&& obj);
document::Value encode(const ModelServer& obj);
document::Value encode(const ModelRoute& obj);
document::Value encode(const AutoscalingPolicy& obj);
document::Value encode(const AutoscalingPolicyBinding& obj);

}  // namespace mb::api
