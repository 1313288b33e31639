#include "api/children.h"

#include <type_traits>

namespace mb::api {
namespace {

document::Value pairs(const StringPairs& kv) {
  document::Value v = document::Value::object();
  for (const auto& [k, val] : kv) v.set(k, document::Value(val));
  return v;
}

// Templates are taken by value: callers that own the spec move it in.
document::Value encodeTemplate(PodTemplate t) {
  document::Value meta = document::Value::object();
  if (!t.labels.empty()) meta.set("labels", pairs(t.labels));
  if (!t.annotations.empty()) meta.set("annotations", pairs(t.annotations));
  return document::Value::object({{"metadata", std::move(meta)}, {"spec", std::move(t.spec)}});
}

document::Value encodeTarget(const BindingTarget& t) {
  document::Value v = document::Value::object(
      {{"targetRef", document::Value::object({{"kind", "ModelServing"}, {"name", t.modelServingName}})}});
  if (!t.additionalMatchLabels.empty()) v.set("additionalMatchLabels", pairs(t.additionalMatchLabels));
  v.set("metricEndpoint",
        document::Value::object({{"uri", t.metricUri}, {"port", document::Value::integer(t.metricPort)}}));
  return v;
}

// Kthena v1.0's Target: the ModelServing, and for each metric of the policy
// the pods to scrape it from (the autoscaler itself narrows them to the
// ModelServing's entry pods; our labels narrow further).
document::Value encodeV1Target(const BindingTarget& t, const AutoscalingPolicySpec& policy) {
  document::Value v = document::Value::object(
      {{"targetRef", document::Value::object({{"kind", "ModelServing"}, {"name", t.modelServingName}})}});
  document::Value sources = document::Value::object();
  for (const auto& m : policy.metrics) {
    document::Value pod =
        document::Value::object({{"uri", t.metricUri}, {"port", document::Value::integer(t.metricPort)}});
    if (!t.additionalMatchLabels.empty()) {
      pod.set("labelSelector", document::Value::object({{"matchLabels", pairs(t.additionalMatchLabels)}}));
    }
    sources.set(m.metricName, document::Value::object({{"pod", std::move(pod)}}));
  }
  v.set("metricSources", std::move(sources));
  return v;
}

document::Value header(const char* apiVersion, const char* kind, const ObjectMeta& meta) {
  return document::Value::object({{"apiVersion", apiVersion}, {"kind", kind}, {"metadata", encode(meta)}});
}

}  // namespace

namespace {

// Shared by the copying and the moving encoders: `Spec` is either
// `const ModelServingSpec&` or `ModelServingSpec&&`.
template <class Spec>
document::Value encodeServingSpec(Spec&& spec) {
  document::Value v = document::Value::object();
  v.set("replicas", document::Value::integer(spec.replicas));
  if (!spec.schedulerName.empty()) v.set("schedulerName", spec.schedulerName);
  document::Value& group = v.set("template", document::Value::object());
  const ServingGroup& g = spec.templateGroup;
  if (g.restartGracePeriodSeconds) {
    group.set("restartGracePeriodSeconds", document::Value::integer(*g.restartGracePeriodSeconds));
  }
  if (g.gangPolicy) {
    document::Value min = document::Value::object();
    for (const auto& [role, n] : g.gangPolicy->minRoleReplicas) min.set(role, document::Value::integer(n));
    group.set("gangPolicy", document::Value::object({{"minRoleReplicas", std::move(min)}}));
  }
  document::Value& roles = group.set("roles", document::Value::array());
  // Move the (large) pod templates out when the spec is an rvalue.
  constexpr bool kMove = std::is_rvalue_reference_v<Spec&&>;
  for (auto& r : spec.templateGroup.roles) {
    document::Value role = document::Value::object({{"name", r.name},
                                                    {"replicas", document::Value::integer(r.replicas)},
                                                    {"workerReplicas", document::Value::integer(r.workerReplicas)}});
    if constexpr (kMove) {
      role.set("entryTemplate", encodeTemplate(std::move(r.entryTemplate)));
      if (r.workerTemplate) role.set("workerTemplate", encodeTemplate(std::move(*r.workerTemplate)));
    } else {
      role.set("entryTemplate", encodeTemplate(r.entryTemplate));
      if (r.workerTemplate) role.set("workerTemplate", encodeTemplate(*r.workerTemplate));
    }
    roles.push(std::move(role));
  }
  if (!spec.topologySpreadConstraints.isNull()) {
    if constexpr (kMove) {
      v.set("topologySpreadConstraints", std::move(spec.topologySpreadConstraints));
    } else {
      v.set("topologySpreadConstraints", spec.topologySpreadConstraints);
    }
  }
  return v;
}

}  // namespace

document::Value encodeSpec(const ModelServingSpec& spec) { return encodeServingSpec(spec); }

namespace {

uint64_t hashPairs(uint64_t h, const StringPairs& kv) {
  h = document::hashCombine(h, kv.size());
  for (const auto& [k, v] : kv) {
    h = document::hashCombine(h, document::hashText(k));
    h = document::hashCombine(h, document::hashText(v));
  }
  return h;
}

uint64_t hashInt(uint64_t h, int64_t n) { return document::hashCombine(h, static_cast<uint64_t>(n)); }

uint64_t hashTemplate(uint64_t h, const PodTemplate& t) {
  h = hashPairs(h, t.labels);
  h = hashPairs(h, t.annotations);
  return document::hashCombine(h, document::nodeHash(t.spec));
}

}  // namespace

uint64_t hashSpec(const ModelServingSpec& spec) {
  // Everything encodeSpec writes, hashed field by field in place. Optional
  // fields hash a presence marker first, so absent and zero differ.
  uint64_t h = hashInt(0x6d6f64656c736572ULL, spec.replicas);
  h = document::hashCombine(h, document::hashText(spec.schedulerName));
  const ServingGroup& g = spec.templateGroup;
  h = hashInt(h, g.restartGracePeriodSeconds ? 1 : 0);
  if (g.restartGracePeriodSeconds) h = hashInt(h, *g.restartGracePeriodSeconds);
  h = hashInt(h, g.gangPolicy ? 1 : 0);
  if (g.gangPolicy) {
    for (const auto& [role, n] : g.gangPolicy->minRoleReplicas) {
      h = document::hashCombine(h, document::hashText(role));
      h = hashInt(h, n);
    }
  }
  h = hashInt(h, static_cast<int64_t>(g.roles.size()));
  for (const auto& r : g.roles) {
    h = document::hashCombine(h, document::hashText(r.name));
    h = hashInt(h, r.replicas);
    h = hashInt(h, r.workerReplicas);
    h = hashTemplate(h, r.entryTemplate);
    h = hashInt(h, r.workerTemplate ? 1 : 0);
    if (r.workerTemplate) h = hashTemplate(h, *r.workerTemplate);
  }
  return document::hashCombine(h, document::nodeHash(spec.topologySpreadConstraints));
}

document::Value encodeSpec(const ModelServerSpec& spec) {
  document::Value v = document::Value::object({{"model", spec.model}, {"inferenceEngine", spec.inferenceEngine}});
  document::Value selector = document::Value::object({{"matchLabels", pairs(spec.workloadSelector.matchLabels)}});
  if (spec.workloadSelector.pdGroup) {
    selector.set("pdGroup",
                 document::Value::object(
                     {{"groupKey", "modelserving.volcano.sh/group-name"},
                      {"prefillLabels", document::Value::object({{"modelserving.volcano.sh/role", "prefill"}})},
                      {"decodeLabels", document::Value::object({{"modelserving.volcano.sh/role", "decode"}})}}));
  }
  v.set("workloadSelector", std::move(selector));
  v.set("workloadPort",
        document::Value::object({{"port", document::Value::integer(spec.workloadPort)}, {"protocol", "http"}}));
  v.set("trafficPolicy",
        document::Value::object(
            {{"retry", document::Value::object({{"attempts", document::Value::integer(spec.retryAttempts)},
                                                {"retryInterval", spec.retryInterval}})}}));
  if (!spec.kvConnector.empty()) v.set("kvConnector", document::Value::object({{"type", spec.kvConnector}}));
  return v;
}

document::Value encodeSpec(const ModelRouteSpec& spec) {
  document::Value v = document::Value::object({{"modelName", spec.modelName}});
  if (!spec.loraAdapters.empty()) {
    document::Value& loras = v.set("loraAdapters", document::Value::array());
    for (const auto& l : spec.loraAdapters) loras.push(l);
  }
  document::Value& rules = v.set("rules", document::Value::array());
  for (const auto& r : spec.rules) {
    document::Value rule = document::Value::object({{"name", r.name}});
    if (!r.modelMatch.isNull()) rule.set("modelMatch", r.modelMatch);
    document::Value& targets = rule.set("targetModels", document::Value::array());
    for (const auto& t : r.targetModels) {
      targets.push(document::Value::object(
          {{"modelServerName", t.modelServerName}, {"weight", document::Value::integer(t.weight)}}));
    }
    rules.push(std::move(rule));
  }
  return v;
}

document::Value encodeSpec(const AutoscalingPolicyBindingSpec& spec) {
  document::Value v = document::Value::object({{"policyRef", document::Value::object({{"name", spec.policyRef}})}});
  if (const auto& s = spec.scalingConfiguration) {
    v.set("scalingConfiguration", document::Value::object({{"target", encodeTarget(s->target)},
                                                           {"minReplicas", document::Value::integer(s->minReplicas)},
                                                           {"maxReplicas", document::Value::integer(s->maxReplicas)}}));
  }
  if (const auto& o = spec.optimizerConfiguration) {
    document::Value params = document::Value::array();
    for (const auto& p : o->params) {
      params.push(document::Value::object({{"target", encodeTarget(p.target)},
                                           {"cost", document::Value::integer(p.cost)},
                                           {"minReplicas", document::Value::integer(p.minReplicas)},
                                           {"maxReplicas", document::Value::integer(p.maxReplicas)}}));
    }
    v.set(
        "optimizerConfiguration",
        document::Value::object({{"params", std::move(params)},
                                 {"costExpansionRatePercent", document::Value::integer(o->costExpansionRatePercent)}}));
  }
  return v;
}

document::Value encode(const ModelServing& obj) {
  document::Value v = header(kWorkloadApiVersion, "ModelServing", obj.metadata);
  v.set("spec", encodeSpec(obj.spec));
  return v;
}

document::Value encode(ModelServing&& obj) {
  document::Value v = header(kWorkloadApiVersion, "ModelServing", obj.metadata);
  v.set("spec", encodeServingSpec(std::move(obj.spec)));
  return v;
}

document::Value encode(const ModelServer& obj) {
  document::Value v = header(kNetworkingApiVersion, "ModelServer", obj.metadata);
  v.set("spec", encodeSpec(obj.spec));
  return v;
}

document::Value encode(const ModelRoute& obj) {
  document::Value v = header(kNetworkingApiVersion, "ModelRoute", obj.metadata);
  v.set("spec", encodeSpec(obj.spec));
  return v;
}

document::Value encodeSpec(const AutoscalingPolicy& policy) {
  document::Value v = encode(policy.spec);
  if (!policy.targets) return v;
  // v1.0: metrics are {name, targetValue}.
  document::Value metrics = document::Value::array();
  for (const auto& m : policy.spec.metrics) {
    metrics.push(document::Value::object({{"name", m.metricName}, {"targetValue", m.targetValue}}));
  }
  v.put("metrics", std::move(metrics));
  if (const auto& h = policy.targets->homogeneous) {
    v.set("homogeneousTarget", document::Value::object({{"target", encodeV1Target(h->target, policy.spec)},
                                                        {"minReplicas", document::Value::integer(h->minReplicas)},
                                                        {"maxReplicas", document::Value::integer(h->maxReplicas)}}));
  }
  if (const auto& o = policy.targets->heterogeneous) {
    document::Value params = document::Value::array();
    for (const auto& p : o->params) {
      params.push(document::Value::object({{"target", encodeV1Target(p.target, policy.spec)},
                                           {"cost", document::Value::integer(p.cost)},
                                           {"minReplicas", document::Value::integer(p.minReplicas)},
                                           {"maxReplicas", document::Value::integer(p.maxReplicas)}}));
    }
    v.set(
        "heterogeneousTarget",
        document::Value::object({{"params", std::move(params)},
                                 {"costExpansionRatePercent", document::Value::integer(o->costExpansionRatePercent)}}));
  }
  return v;
}

document::Value encode(const AutoscalingPolicy& obj) {
  document::Value v = header(kWorkloadApiVersion, "AutoscalingPolicy", obj.metadata);
  v.set("spec", encodeSpec(obj));
  return v;
}

document::Value encode(const AutoscalingPolicyBinding& obj) {
  document::Value v = header(kWorkloadApiVersion, "AutoscalingPolicyBinding", obj.metadata);
  v.set("spec", encodeSpec(obj.spec));
  return v;
}

std::vector<document::Value> Children::objects() && {
  std::vector<document::Value> out;
  out.reserve(servings.size() + servers.size() + 1 + policies.size() + bindings.size());
  for (auto& s : servings) out.push_back(encode(std::move(s)));
  for (const auto& s : servers) out.push_back(encode(s));
  out.push_back(encode(route));
  for (const auto& p : policies) out.push_back(encode(p));
  for (const auto& b : bindings) out.push_back(encode(b));
  return out;
}

std::vector<document::Value> Children::objects() const& {
  std::vector<document::Value> out;
  out.reserve(servings.size() + servers.size() + 1 + policies.size() + bindings.size());
  for (const auto& s : servings) out.push_back(encode(s));
  for (const auto& s : servers) out.push_back(encode(s));
  out.push_back(encode(route));
  for (const auto& p : policies) out.push_back(encode(p));
  for (const auto& b : bindings) out.push_back(encode(b));
  return out;
}

std::vector<DesiredChild> Children::desired() && {
  std::vector<DesiredChild> out;
  out.reserve(servings.size() + servers.size() + 1 + policies.size() + bindings.size());
  auto add = [&out](ChildKind kind, const ObjectMeta& meta, document::Value object) {
    out.push_back(DesiredChild{kind, meta.name, std::move(object), 0, {}});
  };
  for (size_t i = 0; i < servings.size(); ++i) {
    std::string name = servings[i].metadata.name;
    out.push_back(DesiredChild{ChildKind::ModelServing, std::move(name), encode(std::move(servings[i])), i,
                               i < servingReplicas.size() ? servingReplicas[i] : ReplicaOwnership{}});
  }
  for (const auto& s : servers) add(ChildKind::ModelServer, s.metadata, encode(s));
  add(ChildKind::ModelRoute, route.metadata, encode(route));
  for (const auto& p : policies) add(ChildKind::AutoscalingPolicy, p.metadata, encode(p));
  for (const auto& b : bindings) add(ChildKind::AutoscalingPolicyBinding, b.metadata, encode(b));
  return out;
}

}  // namespace mb::api
