#include "core/defaults.h"

namespace mb::core {
namespace {

void defaultStable(api::StablePolicy& p) {
  if (!p.instances) p.instances = 1;
  if (!p.percent) p.percent = 100;
  if (!p.period) p.period = "15s";
  if (!p.selectPolicy) p.selectPolicy = "Or";
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
    if (!backend.routeWeight) backend.routeWeight = kDefaultRouteWeight;
    if (modelLevel && !backend.scaleToZeroGracePeriod) backend.scaleToZeroGracePeriod = kDefaultScaleToZeroGracePeriod;
    if (backend.autoscalingPolicy) applyDefaults(*backend.autoscalingPolicy);
    for (auto& worker : backend.workers) {
      if (worker.type.empty()) worker.type = "server";
      // The reference leaves replicas at 0, which creates a role with no pods.
      if (!worker.replicas) worker.replicas = 1;
      if (!worker.pods) worker.pods = 1;
    }
  }
}

}  // namespace mb::core
