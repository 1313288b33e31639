#include "api/children.h"

#include <type_traits>

namespace mb::api {
namespace {

doc::Value pairs(const StringPairs& kv) {
  doc::Value v = doc::Value::object();
  for (const auto& [k, val] : kv) v.set(k, doc::Value(val));
  return v;
}

// Templates are taken by value: callers that own the spec move it in.
doc::Value encodeTemplate(PodTemplate t) {
  doc::Value meta = doc::Value::object();
  if (!t.labels.empty()) meta.set("labels", pairs(t.labels));
  if (!t.annotations.empty()) meta.set("annotations", pairs(t.annotations));
  return doc::Value::object({{"metadata", std::move(meta)}, {"spec", std::move(t.spec)}});
}

doc::Value encodeTarget(const BindingTarget& t) {
  doc::Value v =
      doc::Value::object({{"targetRef", doc::Value::object({{"kind", "ModelServing"}, {"name", t.modelServingName}})}});
  if (!t.additionalMatchLabels.empty()) v.set("additionalMatchLabels", pairs(t.additionalMatchLabels));
  v.set("metricEndpoint", doc::Value::object({{"uri", t.metricUri}, {"port", doc::Value::integer(t.metricPort)}}));
  return v;
}

// Kthena v1.0's Target: the ModelServing, and for each metric of the policy
// the pods to scrape it from (the autoscaler itself narrows them to the
// ModelServing's entry pods; our labels narrow further).
doc::Value encodeV1Target(const BindingTarget& t, const AutoscalingPolicySpec& policy) {
  doc::Value v =
      doc::Value::object({{"targetRef", doc::Value::object({{"kind", "ModelServing"}, {"name", t.modelServingName}})}});
  doc::Value sources = doc::Value::object();
  for (const auto& m : policy.metrics) {
    doc::Value pod = doc::Value::object({{"uri", t.metricUri}, {"port", doc::Value::integer(t.metricPort)}});
    if (!t.additionalMatchLabels.empty()) {
      pod.set("labelSelector", doc::Value::object({{"matchLabels", pairs(t.additionalMatchLabels)}}));
    }
    sources.set(m.metricName, doc::Value::object({{"pod", std::move(pod)}}));
  }
  v.set("metricSources", std::move(sources));
  return v;
}

doc::Value header(const char* apiVersion, const char* kind, const ObjectMeta& meta) {
  return doc::Value::object({{"apiVersion", apiVersion}, {"kind", kind}, {"metadata", encode(meta)}});
}

}  // namespace

namespace {

// Shared by the copying and the moving encoders: `Spec` is either
// `const ModelServingSpec&` or `ModelServingSpec&&`.
template <class Spec>
doc::Value encodeServingSpec(Spec&& spec) {
  doc::Value v = doc::Value::object();
  v.set("replicas", doc::Value::integer(spec.replicas));
  if (!spec.schedulerName.empty()) v.set("schedulerName", spec.schedulerName);
  doc::Value& group = v.set("template", doc::Value::object());
  const ServingGroup& g = spec.templateGroup;
  if (g.restartGracePeriodSeconds) {
    group.set("restartGracePeriodSeconds", doc::Value::integer(*g.restartGracePeriodSeconds));
  }
  if (g.gangPolicy) {
    doc::Value min = doc::Value::object();
    for (const auto& [role, n] : g.gangPolicy->minRoleReplicas) min.set(role, doc::Value::integer(n));
    group.set("gangPolicy", doc::Value::object({{"minRoleReplicas", std::move(min)}}));
  }
  doc::Value& roles = group.set("roles", doc::Value::array());
  // Move the (large) pod templates out when the spec is an rvalue.
  constexpr bool kMove = std::is_rvalue_reference_v<Spec&&>;
  for (auto& r : spec.templateGroup.roles) {
    doc::Value role = doc::Value::object({{"name", r.name},
                                          {"replicas", doc::Value::integer(r.replicas)},
                                          {"workerReplicas", doc::Value::integer(r.workerReplicas)}});
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

doc::Value encodeSpec(const ModelServingSpec& spec) { return encodeServingSpec(spec); }

namespace {

uint64_t hashPairs(uint64_t h, const StringPairs& kv) {
  h = doc::hashCombine(h, kv.size());
  for (const auto& [k, v] : kv) {
    h = doc::hashCombine(h, doc::hashText(k));
    h = doc::hashCombine(h, doc::hashText(v));
  }
  return h;
}

uint64_t hashInt(uint64_t h, int64_t n) { return doc::hashCombine(h, static_cast<uint64_t>(n)); }

uint64_t hashTemplate(uint64_t h, const PodTemplate& t) {
  h = hashPairs(h, t.labels);
  h = hashPairs(h, t.annotations);
  return doc::hashCombine(h, doc::nodeHash(t.spec));
}

}  // namespace

uint64_t hashSpec(const ModelServingSpec& spec) {
  // Everything encodeSpec writes, hashed field by field in place. Optional
  // fields hash a presence marker first, so absent and zero differ.
  uint64_t h = hashInt(0x6d6f64656c736572ULL, spec.replicas);
  h = doc::hashCombine(h, doc::hashText(spec.schedulerName));
  const ServingGroup& g = spec.templateGroup;
  h = hashInt(h, g.restartGracePeriodSeconds ? 1 : 0);
  if (g.restartGracePeriodSeconds) h = hashInt(h, *g.restartGracePeriodSeconds);
  h = hashInt(h, g.gangPolicy ? 1 : 0);
  if (g.gangPolicy) {
    for (const auto& [role, n] : g.gangPolicy->minRoleReplicas) {
      h = doc::hashCombine(h, doc::hashText(role));
      h = hashInt(h, n);
    }
  }
  h = hashInt(h, static_cast<int64_t>(g.roles.size()));
  for (const auto& r : g.roles) {
    h = doc::hashCombine(h, doc::hashText(r.name));
    h = hashInt(h, r.replicas);
    h = hashInt(h, r.workerReplicas);
    h = hashTemplate(h, r.entryTemplate);
    h = hashInt(h, r.workerTemplate ? 1 : 0);
    if (r.workerTemplate) h = hashTemplate(h, *r.workerTemplate);
  }
  return doc::hashCombine(h, doc::nodeHash(spec.topologySpreadConstraints));
}

doc::Value encodeSpec(const ModelServerSpec& spec) {
  doc::Value v = doc::Value::object({{"model", spec.model}, {"inferenceEngine", spec.inferenceEngine}});
  doc::Value selector = doc::Value::object({{"matchLabels", pairs(spec.workloadSelector.matchLabels)}});
  if (spec.workloadSelector.pdGroup) {
    selector.set("pdGroup", doc::Value::object(
                                {{"groupKey", "modelserving.volcano.sh/group-name"},
                                 {"prefillLabels", doc::Value::object({{"modelserving.volcano.sh/role", "prefill"}})},
                                 {"decodeLabels", doc::Value::object({{"modelserving.volcano.sh/role", "decode"}})}}));
  }
  v.set("workloadSelector", std::move(selector));
  v.set("workloadPort", doc::Value::object({{"port", doc::Value::integer(spec.workloadPort)}, {"protocol", "http"}}));
  v.set("trafficPolicy",
        doc::Value::object({{"retry", doc::Value::object({{"attempts", doc::Value::integer(spec.retryAttempts)},
                                                          {"retryInterval", spec.retryInterval}})}}));
  if (!spec.kvConnector.empty()) v.set("kvConnector", doc::Value::object({{"type", spec.kvConnector}}));
  return v;
}

doc::Value encodeSpec(const ModelRouteSpec& spec) {
  doc::Value v = doc::Value::object({{"modelName", spec.modelName}});
  if (!spec.loraAdapters.empty()) {
    doc::Value& loras = v.set("loraAdapters", doc::Value::array());
    for (const auto& l : spec.loraAdapters) loras.push(l);
  }
  doc::Value& rules = v.set("rules", doc::Value::array());
  for (const auto& r : spec.rules) {
    doc::Value rule = doc::Value::object({{"name", r.name}});
    if (!r.modelMatch.isNull()) rule.set("modelMatch", r.modelMatch);
    doc::Value& targets = rule.set("targetModels", doc::Value::array());
    for (const auto& t : r.targetModels) {
      targets.push(
          doc::Value::object({{"modelServerName", t.modelServerName}, {"weight", doc::Value::integer(t.weight)}}));
    }
    rules.push(std::move(rule));
  }
  return v;
}

doc::Value encodeSpec(const AutoscalingPolicyBindingSpec& spec) {
  doc::Value v = doc::Value::object({{"policyRef", doc::Value::object({{"name", spec.policyRef}})}});
  if (const auto& s = spec.scalingConfiguration) {
    v.set("scalingConfiguration", doc::Value::object({{"target", encodeTarget(s->target)},
                                                      {"minReplicas", doc::Value::integer(s->minReplicas)},
                                                      {"maxReplicas", doc::Value::integer(s->maxReplicas)}}));
  }
  if (const auto& o = spec.optimizerConfiguration) {
    doc::Value params = doc::Value::array();
    for (const auto& p : o->params) {
      params.push(doc::Value::object({{"target", encodeTarget(p.target)},
                                      {"cost", doc::Value::integer(p.cost)},
                                      {"minReplicas", doc::Value::integer(p.minReplicas)},
                                      {"maxReplicas", doc::Value::integer(p.maxReplicas)}}));
    }
    v.set("optimizerConfiguration",
          doc::Value::object({{"params", std::move(params)},
                              {"costExpansionRatePercent", doc::Value::integer(o->costExpansionRatePercent)}}));
  }
  return v;
}

doc::Value encode(const ModelServing& obj) {
  doc::Value v = header(kWorkloadApiVersion, "ModelServing", obj.metadata);
  v.set("spec", encodeSpec(obj.spec));
  return v;
}

doc::Value encode(ModelServing&& obj) {
  doc::Value v = header(kWorkloadApiVersion, "ModelServing", obj.metadata);
  v.set("spec", encodeServingSpec(std::move(obj.spec)));
  return v;
}

doc::Value encode(const ModelServer& obj) {
  doc::Value v = header(kNetworkingApiVersion, "ModelServer", obj.metadata);
  v.set("spec", encodeSpec(obj.spec));
  return v;
}

doc::Value encode(const ModelRoute& obj) {
  doc::Value v = header(kNetworkingApiVersion, "ModelRoute", obj.metadata);
  v.set("spec", encodeSpec(obj.spec));
  return v;
}

doc::Value encodeSpec(const AutoscalingPolicy& policy) {
  doc::Value v = encode(policy.spec);
  if (!policy.targets) return v;
  // v1.0: metrics are {name, targetValue}.
  doc::Value metrics = doc::Value::array();
  for (const auto& m : policy.spec.metrics) {
    metrics.push(doc::Value::object({{"name", m.metricName}, {"targetValue", m.targetValue}}));
  }
  v.put("metrics", std::move(metrics));
  if (const auto& h = policy.targets->homogeneous) {
    v.set("homogeneousTarget", doc::Value::object({{"target", encodeV1Target(h->target, policy.spec)},
                                                   {"minReplicas", doc::Value::integer(h->minReplicas)},
                                                   {"maxReplicas", doc::Value::integer(h->maxReplicas)}}));
  }
  if (const auto& o = policy.targets->heterogeneous) {
    doc::Value params = doc::Value::array();
    for (const auto& p : o->params) {
      params.push(doc::Value::object({{"target", encodeV1Target(p.target, policy.spec)},
                                      {"cost", doc::Value::integer(p.cost)},
                                      {"minReplicas", doc::Value::integer(p.minReplicas)},
                                      {"maxReplicas", doc::Value::integer(p.maxReplicas)}}));
    }
    v.set("heterogeneousTarget",
          doc::Value::object({{"params", std::move(params)},
                              {"costExpansionRatePercent", doc::Value::integer(o->costExpansionRatePercent)}}));
  }
  return v;
}

doc::Value encode(const AutoscalingPolicy& obj) {
  doc::Value v = header(kWorkloadApiVersion, "AutoscalingPolicy", obj.metadata);
  v.set("spec", encodeSpec(obj));
  return v;
}

doc::Value encode(const AutoscalingPolicyBinding& obj) {
  doc::Value v = header(kWorkloadApiVersion, "AutoscalingPolicyBinding", obj.metadata);
  v.set("spec", encodeSpec(obj.spec));
  return v;
}

std::vector<doc::Value> Children::objects() && {
  std::vector<doc::Value> out;
  out.reserve(servings.size() + servers.size() + 1 + policies.size() + bindings.size());
  for (auto& s : servings) out.push_back(encode(std::move(s)));
  for (const auto& s : servers) out.push_back(encode(s));
  out.push_back(encode(route));
  for (const auto& p : policies) out.push_back(encode(p));
  for (const auto& b : bindings) out.push_back(encode(b));
  return out;
}

std::vector<doc::Value> Children::objects() const& {
  std::vector<doc::Value> out;
  out.reserve(servings.size() + servers.size() + 1 + policies.size() + bindings.size());
  for (const auto& s : servings) out.push_back(encode(s));
  for (const auto& s : servers) out.push_back(encode(s));
  out.push_back(encode(route));
  for (const auto& p : policies) out.push_back(encode(p));
  for (const auto& b : bindings) out.push_back(encode(b));
  return out;
}

}  // namespace mb::api
