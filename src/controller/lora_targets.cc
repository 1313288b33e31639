#include "controller/lora_targets.h"

#include <algorithm>

#include "core/dynamic_lora.h"
#include "core/lora_plan.h"
#include "core/pod.h"

namespace mb::controller {
namespace {

const document::Value* path(const document::Value& v, std::initializer_list<std::string_view> keys) {
  const document::Value* at = &v;
  for (auto k : keys) {
    at = at->find(k);
    if (at == nullptr) return nullptr;
  }
  return at;
}

std::string text(const document::Value& v, std::initializer_list<std::string_view> keys) {
  const document::Value* at = path(v, keys);
  return at != nullptr && at->isString() ? at->text() : "";
}

// Ready: every container passed its readiness probe, so the engine answers
// (Running alone means only that the containers started).
bool ready(const document::Value& pod) {
  const document::Value* conditions = path(pod, {"status", "conditions"});
  if (conditions == nullptr) return false;
  for (const auto& c : conditions->items()) {
    if (text(c, {"type"}) == "Ready") return text(c, {"status"}) == "True";
  }
  return false;
}

}  // namespace

bool usesRuntimeLora(const api::ModelBooster& booster) {
  return std::any_of(booster.spec.backends.begin(), booster.spec.backends.end(), core::loadsLoraAtRuntime);
}

std::optional<LoraPodTarget> loraTarget(const document::Value& pod, const sidecar::PodEndpoint& ports) {
  if (path(pod, {"metadata", "deletionTimestamp"}) != nullptr) return std::nullopt;
  if (text(pod, {"metadata", "labels", core::kEntryLabel}) != "true") return std::nullopt;
  if (text(pod, {"status", "phase"}) != "Running" || !ready(pod)) return std::nullopt;
  std::string ip = text(pod, {"status", "podIP"});
  if (ip.empty()) return std::nullopt;
  // An engine that restarted in place has lost what was loaded at run time.
  std::string restarts;
  if (const document::Value* statuses = path(pod, {"status", "containerStatuses"}); statuses != nullptr) {
    for (const auto& c : statuses->items()) {
      const document::Value* n = c.find("restartCount");
      restarts += "/" + text(c, {"name"}) + "=" + (n != nullptr && n->isNumber() ? n->text() : "0");
    }
  }
  LoraPodTarget t;
  t.pod = text(pod, {"metadata", "name"});
  t.identity = text(pod, {"metadata", "uid"}) + "/" + ip + restarts;
  t.endpoint = ports;
  t.endpoint.ip = std::move(ip);
  return t;
}

std::vector<LoraBackendWant> loraWants(const api::ModelBooster& booster, const core::ConversionOptions& config,
                                       const std::function<std::vector<kube::ObjectPtr>(const std::string&)>& podsOf) {
  std::vector<LoraBackendWant> wants;
  for (const auto& backend : booster.spec.backends) {
    if (!core::loadsLoraAtRuntime(backend)) continue;
    core::BackendContext ctx(booster, backend, config);
    LoraBackendWant w;
    w.backend = backend.name;
    w.baseModel = core::servedBaseModel(booster, backend);
    w.adapters = core::desiredAdapters(booster, backend, config);
    sidecar::PodEndpoint ports{"", config.enginePort, ctx.runtimePort};
    for (const auto& pod : podsOf(ctx.servingName)) {
      if (auto t = loraTarget(*pod, ports)) w.pods.push_back(std::move(*t));
    }
    std::sort(w.pods.begin(), w.pods.end(), [](const auto& a, const auto& b) { return a.pod < b.pod; });
    wants.push_back(std::move(w));
  }
  return wants;
}

std::vector<api::LoraPodStatus> loraPodStatuses(const std::vector<LoraPodReport>& reports, const std::string& backend) {
  std::vector<api::LoraPodStatus> out;
  for (const auto& r : reports) {
    if (r.backend != backend) continue;
    std::string error = r.error.size() > 4000 ? r.error.substr(0, 4000) + "..." : r.error;
    out.push_back({r.pod, r.loaded, std::move(error)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return !a.error.empty() && b.error.empty(); });
  if (out.size() > api::kMaxLoraPodStatuses) out.resize(api::kMaxLoraPodStatuses);
  return out;
}

}  // namespace mb::controller
