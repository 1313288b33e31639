#include "api/model_booster.h"

#include "api/object_reader.h"

namespace mb::api {
namespace {

using Kind = document::Value::Kind;

bool decodeEnvVar(const document::Value& v, const document::Path& p, document::Errors& errors, EnvVar& out) {
  ObjectReader r(v, p, errors);
  r.string("name", out.name);
  r.string("value", out.value);
  r.raw("valueFrom", out.valueFrom, Kind::Object);
  r.finish();
  if (r.ok() && out.name.empty()) errors.add(p.child("name"), "is required", v.mark());
  return r.ok();
}

bool decodeLora(const document::Value& v, const document::Path& p, document::Errors& errors, LoraAdapter& out) {
  ObjectReader r(v, p, errors);
  r.string("name", out.name);
  r.string("artifactURL", out.artifactURL);
  r.finish();
  return r.ok();
}

bool decodeMetric(const document::Value& v, const document::Path& p, document::Errors& errors, MetricTarget& out) {
  ObjectReader r(v, p, errors);
  r.string("metricName", out.metricName);
  if (const document::Value* t = r.take("targetValue")) {
    if (t->isString() || t->isNumber()) {
      out.targetValue = *t;
    } else {
      errors.add(p.child("targetValue"), "must be a quantity such as 100 or \"500m\"", t->mark());
    }
  }
  r.finish();
  return r.ok();
}

bool decodeStable(const document::Value& v, const document::Path& p, document::Errors& errors, StablePolicy& out) {
  ObjectReader r(v, p, errors);
  r.int32("instances", out.instances);
  r.int32("percent", out.percent);
  r.string("period", out.period);
  r.string("selectPolicy", out.selectPolicy);
  r.string("stabilizationWindow", out.stabilizationWindow);
  r.finish();
  return r.ok();
}

bool decodePanic(const document::Value& v, const document::Path& p, document::Errors& errors, PanicPolicy& out) {
  ObjectReader r(v, p, errors);
  r.int32("percent", out.percent);
  r.string("period", out.period);
  r.int32("panicThresholdPercent", out.panicThresholdPercent);
  r.string("panicModeHold", out.panicModeHold);
  r.finish();
  return r.ok();
}

bool decodeScaleUp(const document::Value& v, const document::Path& p, document::Errors& errors, ScaleUp& out) {
  ObjectReader r(v, p, errors);
  r.object("stablePolicy", out.stablePolicy, decodeStable);
  r.object("panicPolicy", out.panicPolicy, decodePanic);
  r.finish();
  return r.ok();
}

bool decodeBehavior(const document::Value& v, const document::Path& p, document::Errors& errors, Behavior& out) {
  ObjectReader r(v, p, errors);
  r.object("scaleUp", out.scaleUp, decodeScaleUp);
  r.object("scaleDown", out.scaleDown, decodeStable);
  r.finish();
  return r.ok();
}

bool decodePolicy(const document::Value& v, const document::Path& p, document::Errors& errors,
                  AutoscalingPolicySpec& out) {
  size_t before = errors.size();
  out = decodeAutoscalingPolicySpec(v, p, errors);
  return errors.size() == before;
}

bool decodeGang(const document::Value& v, const document::Path& p, document::Errors& errors, GangScheduling& out) {
  ObjectReader r(v, p, errors);
  std::optional<bool> enabled;
  r.boolean("enabled", enabled);
  out.enabled = enabled.value_or(false);
  r.finish();
  return r.ok();
}

bool decodeWorker(const document::Value& v, const document::Path& p, document::Errors& errors, Worker& out) {
  ObjectReader r(v, p, errors);
  out.mark = v.mark();
  r.string("type", out.type);
  r.string("image", out.image);
  r.int32("replicas", out.replicas);
  r.int32("pods", out.pods);
  r.raw("resources", out.resources, Kind::Object);
  r.raw("affinity", out.affinity, Kind::Object);
  r.raw("tolerations", out.tolerations, Kind::Array);
  r.stringMap("nodeSelector", out.nodeSelector);
  r.string("runtimeClassName", out.runtimeClassName);
  r.raw("config", out.config, Kind::Object);
  r.finish();
  return r.ok();
}

// One backend, as an item of `spec.backends[]` (`single` false) or as
// Kthena v1.0's `spec.backend` (`single` true), which also takes `replicas`.
bool decodeBackendAs(const document::Value& v, const document::Path& p, document::Errors& errors, Backend& out,
                     bool single) {
  ObjectReader r(v, p, errors);
  out.mark = v.mark();
  r.string("name", out.name);
  r.string("type", out.type);
  r.string("modelURI", out.modelURI);
  r.string("cacheURI", out.cacheURI);
  r.list("env", out.env, decodeEnvVar);
  r.raw("envFrom", out.envFrom, Kind::Array);
  r.int32("minReplicas", out.minReplicas);
  r.int32("maxReplicas", out.maxReplicas);
  if (single) {
    r.int32("replicas", out.replicas);
    // The CRD's CEL rule on spec.backend, for offline input.
    if (out.replicas && (out.minReplicas || out.maxReplicas)) {
      errors.add(p.child("replicas"),
                 "may not be set together with minReplicas/maxReplicas: replicas is a fixed count (minReplicas = "
                 "maxReplicas = replicas); set either replicas or minReplicas and maxReplicas",
                 v.find("replicas") != nullptr ? v.find("replicas")->mark() : v.mark());
    }
  } else if (const document::Value* replicas = r.take("replicas")) {
    errors.add(p.child("replicas"),
               "unknown field: replicas belongs to spec.backend (one backend, Kthena v1.0's shape); an item of "
               "spec.backends[] sets minReplicas and maxReplicas (equal for a fixed count)",
               replicas->mark());
  }
  r.int32("scalingCost", out.scalingCost);
  r.int32("routeWeight", out.routeWeight);
  r.string("scaleToZeroGracePeriod", out.scaleToZeroGracePeriod);
  r.list("workers", out.workers, decodeWorker);
  r.list("loraAdapters", out.loraAdapters, decodeLora);
  r.object("autoscalingPolicy", out.autoscalingPolicy, decodePolicy);
  r.string("schedulerName", out.schedulerName);
  r.string("runtimeClassName", out.runtimeClassName);
  r.object("gangScheduling", out.gangScheduling, decodeGang);
  r.finish();
  return r.ok();
}

bool decodeBackend(const document::Value& v, const document::Path& p, document::Errors& errors, Backend& out) {
  return decodeBackendAs(v, p, errors, out, false);
}

bool decodeSingleBackend(const document::Value& v, const document::Path& p, document::Errors& errors, Backend& out) {
  return decodeBackendAs(v, p, errors, out, true);
}

ModelBoosterSpec decodeSpec(const document::Value& v, const document::Path& p, document::Errors& errors) {
  ModelBoosterSpec spec;
  spec.mark = v.mark();
  ObjectReader r(v, p, errors);
  r.string("name", spec.name);
  r.string("owner", spec.owner);
  // Exactly one of the two shapes (a CEL rule on spec in the CRD). With
  // both, the one error says so; the single backend is still decoded, into
  // nothing, so that its own mistakes are reported at once too.
  const document::Value* list = v.isObject() ? v.find("backends") : nullptr;
  const document::Value* single = v.isObject() ? v.find("backend") : nullptr;
  const bool hasList = list != nullptr && !list->isNull();
  const bool hasSingle = single != nullptr && !single->isNull();
  r.list("backends", spec.backends, decodeBackend);
  if (hasList && hasSingle) {
    errors.add(p.child("backend"),
               "spec.backends and spec.backend are both set; set exactly one: spec.backends (a list of backends) "
               "or spec.backend (one backend, the shape of Kthena v1.0)",
               single->mark());
    std::optional<Backend> ignored;
    r.object("backend", ignored, decodeSingleBackend);
  } else if (hasSingle) {
    std::optional<Backend> one;
    r.object("backend", one, decodeSingleBackend);
    spec.backendShape = BackendShape::Single;
    spec.backends.push_back(one ? std::move(*one) : Backend{});
  } else {
    r.take("backend");  // null: absent
  }
  r.object("autoscalingPolicy", spec.autoscalingPolicy, decodePolicy);
  r.int32("costExpansionRatePercent", spec.costExpansionRatePercent);
  r.raw("modelMatch", spec.modelMatch, Kind::Object);
  r.finish();
  return spec;
}

bool decodeLoraPodStatus(const document::Value& v, const document::Path& p, document::Errors& errors,
                         LoraPodStatus& out) {
  ObjectReader r(v, p, errors);
  r.string("name", out.name);
  document::Value loaded;
  r.raw("loaded", loaded, document::Value::Kind::Array);
  for (const auto& item : loaded.items()) {
    if (item.isString()) out.loaded.push_back(item.text());
  }
  r.string("error", out.error);
  r.finish();
  return r.ok();
}

bool decodeBackendStatus(const document::Value& v, const document::Path& p, document::Errors& errors,
                         BackendStatus& out) {
  ObjectReader r(v, p, errors);
  r.string("name", out.name);
  std::optional<int32_t> replicas;
  r.int32("replicas", replicas);
  out.replicas = replicas.value_or(0);
  r.list("loraPods", out.loraPods, decodeLoraPodStatus);
  r.finish();
  return r.ok();
}

bool decodeConditionItem(const document::Value& v, const document::Path& p, document::Errors& errors, Condition& out) {
  size_t before = errors.size();
  out = decodeCondition(v, p, errors);
  return errors.size() == before;
}

ModelBoosterStatus decodeStatus(const document::Value& v, const document::Path& p, document::Errors& errors) {
  ModelBoosterStatus status;
  ObjectReader r(v, p, errors);
  std::optional<int64_t> gen;
  r.int64("observedGeneration", gen);
  status.observedGeneration = gen.value_or(0);
  r.list("conditions", status.conditions, decodeConditionItem);
  r.list("backendStatuses", status.backendStatuses, decodeBackendStatus);
  r.finish();
  return status;
}

void setIf(document::Value& v, document::Text key, const std::optional<int32_t>& n) {
  if (n) v.set(std::move(key), document::Value::integer(*n));
}
void setIf(document::Value& v, document::Text key, const std::optional<std::string>& s) {
  if (s) v.set(std::move(key), *s);
}
void setIf(document::Value& v, document::Text key, const std::string& s) {
  if (!s.empty()) v.set(std::move(key), s);
}
void setIf(document::Value& v, document::Text key, const document::Value& d) {
  if (!d.isNull()) v.set(std::move(key), d);
}

document::Value encodeStable(const StablePolicy& s) {
  document::Value v = document::Value::object();
  setIf(v, "instances", s.instances);
  setIf(v, "percent", s.percent);
  setIf(v, "period", s.period);
  setIf(v, "selectPolicy", s.selectPolicy);
  setIf(v, "stabilizationWindow", s.stabilizationWindow);
  return v;
}

document::Value encodeWorker(const Worker& w) {
  document::Value v = document::Value::object();
  setIf(v, "type", w.type);
  setIf(v, "image", w.image);
  setIf(v, "replicas", w.replicas);
  setIf(v, "pods", w.pods);
  setIf(v, "resources", w.resources);
  setIf(v, "affinity", w.affinity);
  setIf(v, "tolerations", w.tolerations);
  setIf(v, "nodeSelector", w.nodeSelector);
  setIf(v, "runtimeClassName", w.runtimeClassName);
  setIf(v, "config", w.config);
  return v;
}

document::Value encodeBackend(const Backend& b, bool single) {
  document::Value v = document::Value::object({{"name", b.name}, {"type", b.type}, {"modelURI", b.modelURI}});
  setIf(v, "cacheURI", b.cacheURI);
  if (!b.env.empty()) {
    document::Value& env = v.set("env", document::Value::array());
    for (const auto& e : b.env) {
      document::Value item = document::Value::object({{"name", e.name}});
      setIf(item, "value", e.value);
      setIf(item, "valueFrom", e.valueFrom);
      env.push(std::move(item));
    }
  }
  setIf(v, "envFrom", b.envFrom);
  if (single && b.replicas) {
    // minReplicas and maxReplicas, when set, were derived from it.
    setIf(v, "replicas", b.replicas);
  } else {
    setIf(v, "minReplicas", b.minReplicas);
    setIf(v, "maxReplicas", b.maxReplicas);
  }
  setIf(v, "scalingCost", b.scalingCost);
  setIf(v, "routeWeight", b.routeWeight);
  setIf(v, "scaleToZeroGracePeriod", b.scaleToZeroGracePeriod);
  document::Value& workers = v.set("workers", document::Value::array());
  for (const auto& w : b.workers) workers.push(encodeWorker(w));
  if (!b.loraAdapters.empty()) {
    document::Value& loras = v.set("loraAdapters", document::Value::array());
    for (const auto& l : b.loraAdapters) {
      loras.push(document::Value::object({{"name", l.name}, {"artifactURL", l.artifactURL}}));
    }
  }
  if (b.autoscalingPolicy) v.set("autoscalingPolicy", encode(*b.autoscalingPolicy));
  setIf(v, "schedulerName", b.schedulerName);
  setIf(v, "runtimeClassName", b.runtimeClassName);
  if (b.gangScheduling) {
    v.set("gangScheduling",
          document::Value::object({{"enabled", document::Value::boolean(b.gangScheduling->enabled)}}));
  }
  return v;
}

}  // namespace

const std::string* Backend::envValue(std::string_view key) const {
  for (const auto& e : env) {
    if (e.name == key && e.value) return &*e.value;
  }
  return nullptr;
}

AutoscalingPolicySpec decodeAutoscalingPolicySpec(const document::Value& v, const document::Path& p,
                                                  document::Errors& errors) {
  AutoscalingPolicySpec out;
  ObjectReader r(v, p, errors);
  r.int32("tolerancePercent", out.tolerancePercent);
  r.list("metrics", out.metrics, decodeMetric);
  r.object("behavior", out.behavior, decodeBehavior);
  r.finish();
  return out;
}

ModelBooster decodeModelBooster(const document::Value& value, document::Errors& errors) {
  ModelBooster booster;
  document::Path root;
  ObjectReader r(value, root, errors);
  std::string apiVersion;
  std::string kind;
  r.string("apiVersion", apiVersion);
  r.string("kind", kind);
  if (r.ok() && apiVersion != kWorkloadApiVersion) {
    errors.add(root.child("apiVersion"),
               std::string("must be ") + kWorkloadApiVersion + ", not \"" + apiVersion + "\"");
  }
  if (r.ok() && kind != "ModelBooster") {
    errors.add(root.child("kind"), "must be ModelBooster, not \"" + kind + "\"");
  }
  if (const document::Value* meta = r.take("metadata")) {
    booster.metadata = decodeObjectMeta(*meta, root.child("metadata"), errors);
  } else if (r.ok()) {
    errors.add(root.child("metadata"), "is required");
  }
  if (const document::Value* spec = r.take("spec")) {
    booster.spec = decodeSpec(*spec, root.child("spec"), errors);
  } else if (r.ok()) {
    errors.add(root.child("spec"), "is required");
  }
  if (const document::Value* status = r.take("status")) {
    if (!status->isNull()) booster.status = decodeStatus(*status, root.child("status"), errors);
  }
  r.finish();
  return booster;
}

document::Value encode(const AutoscalingPolicySpec& spec) {
  document::Value v = document::Value::object();
  setIf(v, "tolerancePercent", spec.tolerancePercent);
  document::Value& metrics = v.set("metrics", document::Value::array());
  for (const auto& m : spec.metrics) {
    metrics.push(document::Value::object({{"metricName", m.metricName}, {"targetValue", m.targetValue}}));
  }
  if (spec.behavior) {
    document::Value& behavior = v.set("behavior", document::Value::object());
    if (spec.behavior->scaleUp) {
      document::Value& up = behavior.set("scaleUp", document::Value::object());
      if (spec.behavior->scaleUp->stablePolicy)
        up.set("stablePolicy", encodeStable(*spec.behavior->scaleUp->stablePolicy));
      if (const auto& panic = spec.behavior->scaleUp->panicPolicy) {
        document::Value& pv = up.set("panicPolicy", document::Value::object());
        setIf(pv, "percent", panic->percent);
        setIf(pv, "period", panic->period);
        setIf(pv, "panicThresholdPercent", panic->panicThresholdPercent);
        setIf(pv, "panicModeHold", panic->panicModeHold);
      }
    }
    if (spec.behavior->scaleDown) behavior.set("scaleDown", encodeStable(*spec.behavior->scaleDown));
  }
  return v;
}

document::Value encode(const ModelBoosterSpec& spec) {
  document::Value v = document::Value::object();
  setIf(v, "name", spec.name);
  setIf(v, "owner", spec.owner);
  if (spec.backendShape == BackendShape::Single && spec.backends.size() == 1) {
    v.set("backend", encodeBackend(spec.backends.front(), true));
  } else {
    document::Value& backends = v.set("backends", document::Value::array());
    for (const auto& b : spec.backends) backends.push(encodeBackend(b, false));
  }
  if (spec.autoscalingPolicy) v.set("autoscalingPolicy", encode(*spec.autoscalingPolicy));
  setIf(v, "costExpansionRatePercent", spec.costExpansionRatePercent);
  setIf(v, "modelMatch", spec.modelMatch);
  return v;
}

document::Value encode(const ModelBoosterStatus& status) {
  document::Value v = document::Value::object();
  if (status.observedGeneration != 0) v.set("observedGeneration", document::Value::integer(status.observedGeneration));
  if (!status.conditions.empty()) {
    document::Value& conditions = v.set("conditions", document::Value::array());
    for (const auto& c : status.conditions) conditions.push(encode(c));
  }
  if (!status.backendStatuses.empty()) {
    document::Value& bs = v.set("backendStatuses", document::Value::array());
    for (const auto& b : status.backendStatuses) {
      document::Value& one =
          bs.push(document::Value::object({{"name", b.name}, {"replicas", document::Value::integer(b.replicas)}}));
      if (b.loraPods.empty()) continue;
      document::Value& pods = one.set("loraPods", document::Value::array());
      for (const auto& pod : b.loraPods) {
        document::Value loaded = document::Value::array();
        for (const auto& a : pod.loaded) loaded.push(document::Value(a));
        document::Value& entry =
            pods.push(document::Value::object({{"name", pod.name}, {"loaded", std::move(loaded)}}));
        if (!pod.error.empty()) entry.set("error", pod.error);
      }
    }
  }
  return v;
}

document::Value encode(const ModelBooster& booster) {
  document::Value v = document::Value::object({{"apiVersion", kWorkloadApiVersion}, {"kind", "ModelBooster"}});
  v.set("metadata", encode(booster.metadata));
  v.set("spec", encode(booster.spec));
  document::Value status = encode(booster.status);
  if (!status.members().empty()) v.set("status", std::move(status));
  return v;
}

}  // namespace mb::api
