#include "core/defaults.h"

#include <utility>
#include <vector>

namespace mb::core {
namespace {

void defaultStable(api::StablePolicy& p) {
  if (!p.instances) p.instances = 1;
  if (!p.percent) p.percent = 100;
  if (!p.period) p.period = "15s";
  if (!p.selectPolicy) p.selectPolicy = "Or";
}

// A device (extended resource) cannot be overcommitted: the API server
// refuses a pod that requests one without the same limit. Kthena's own
// booster passes such a request through, and every pod of the backend then
// fails to be created; the meaning is plain, so the limit is defaulted to the
// request, as the API server defaults a missing request to the limit. A
// limit that differs from the request stays an error (validate.cc).
void defaultDeviceLimits(api::Worker& worker) {
  const document::Value* requests = worker.resources.find("requests");
  if (requests == nullptr || !requests->isObject()) return;
  const document::Value* limits = worker.resources.find("limits");
  std::vector<std::pair<document::Text, document::Value>> missing;
  for (const auto& m : requests->members()) {
    if (m.key != "nvidia.com/gpu" && !m.key.view().starts_with("huawei.com/ascend-")) continue;
    if (limits != nullptr && limits->isObject() && limits->find(m.key) != nullptr) continue;
    missing.emplace_back(m.key, m.value);
  }
  if (missing.empty()) return;
  // `requests` and `limits` point into resources: added to only from here on.
  document::Value* out = worker.resources.find("limits");
  if (out == nullptr || !out->isObject()) out = &worker.resources.put("limits", document::Value::object());
  for (auto& [key, value] : missing) out->set(std::move(key), std::move(value));
}

}  // namespace

// Mirrors the AutoscalingPolicy CRD: defaults fill objects that are present,
// as the API server's structural defaulting does; none are invented.
void applyDefaults(api::AutoscalingPolicySpec& policy) {
  if (!policy.tolerancePercent) policy.tolerancePercent = 10;
  if (!policy.behavior) return;
  if (auto& up = policy.behavior->scaleUp) {
    if (up->stablePolicy) defaultStable(*up->stablePolicy);
    if (auto& panic = up->panicPolicy) {
      if (!panic->percent) panic->percent = 1000;
      if (!panic->panicThresholdPercent) panic->panicThresholdPercent = 200;
      if (!panic->panicModeHold) panic->panicModeHold = "60s";
    }
  }
  if (auto& down = policy.behavior->scaleDown) defaultStable(*down);
}

void applyDefaults(api::ModelBooster& booster) {
  auto& spec = booster.spec;
  bool modelLevel = spec.autoscalingPolicy.has_value();
  if (modelLevel) {
    applyDefaults(*spec.autoscalingPolicy);
    if (!spec.costExpansionRatePercent) spec.costExpansionRatePercent = kDefaultCostExpansionRatePercent;
  }
  for (auto& backend : spec.backends) {
    // Kthena v1.0's fixed count (spec.backend.replicas): one number for both
    // bounds. Decoding refuses it together with either bound.
    if (backend.replicas && !backend.minReplicas && !backend.maxReplicas) {
      backend.minReplicas = backend.replicas;
      backend.maxReplicas = backend.replicas;
    }
    if (!backend.routeWeight) backend.routeWeight = kDefaultRouteWeight;
    if (modelLevel && !backend.scaleToZeroGracePeriod) backend.scaleToZeroGracePeriod = kDefaultScaleToZeroGracePeriod;
    if (backend.autoscalingPolicy) applyDefaults(*backend.autoscalingPolicy);
    for (auto& worker : backend.workers) {
      if (worker.type.empty()) worker.type = "server";
      // The reference leaves replicas at 0, which creates a role with no pods.
      if (!worker.replicas) worker.replicas = 1;
      if (!worker.pods) worker.pods = 1;
      defaultDeviceLimits(worker);
    }
  }
}

}  // namespace mb::core
