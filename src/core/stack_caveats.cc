#include "core/stack_caveats.h"

#include <string>

#include "core/rules.h"

namespace mb::core {
namespace {

// The stabilization windows of a policy whose scaler feeds its corrected
// result back as the next recommendation: a window of a period or more
// always holds the current count, so that direction never moves. Kthena's
// AutoscalingPolicy webhook sets a missing scale-down window to 5m (and a
// missing scale-up window to 0s).
void checkWindows(const api::AutoscalingPolicySpec& policy, const std::string& at, const std::string& who,
                  std::vector<document::FieldError>& out) {
  auto frozen = [&](const char* direction) {
    return who + " never scales " + direction +
           " with a stabilization window of 15 s or more (every 15 s it takes its own last result as a "
           "recommendation); set 0s and limit the rate with period, instances and percent instead";
  };
  auto tooLong = [](const std::optional<std::string>& window) {
    std::optional<double> s = window ? parseDuration(*window) : std::nullopt;
    return s && *s >= kAutoscalerPeriodSeconds;
  };
  const api::Behavior* behavior = policy.behavior ? &*policy.behavior : nullptr;
  if (behavior != nullptr && behavior->scaleUp && behavior->scaleUp->stablePolicy &&
      tooLong(behavior->scaleUp->stablePolicy->stabilizationWindow)) {
    out.push_back({at + ".behavior.scaleUp.stablePolicy.stabilizationWindow", frozen("up"), {}});
  }
  const api::StablePolicy* down = behavior != nullptr && behavior->scaleDown ? &*behavior->scaleDown : nullptr;
  if (down == nullptr || !down->stabilizationWindow) {
    out.push_back({at + ".behavior.scaleDown.stabilizationWindow",
                   "not set, so Kthena's webhook sets 5m: " + frozen("down"),
                   {}});
  } else if (tooLong(down->stabilizationWindow)) {
    out.push_back({at + ".behavior.scaleDown.stabilizationWindow", frozen("down"), {}});
  }
}

std::string backendPath(const api::ModelBoosterSpec& spec, size_t i) {
  return spec.backendShape == api::BackendShape::Single ? "spec.backend" : "spec.backends[" + std::to_string(i) + "]";
}

}  // namespace

std::vector<document::FieldError> stackCaveats(const api::ModelBooster& booster, const api::StackProfile& profile) {
  std::vector<document::FieldError> out;
  const api::ModelBoosterSpec& spec = booster.spec;
  const std::string release(profile.release);
  if (profile.autoscalerOwnNamespaceOnly && autoscalingScope(spec) != Scope::None) {
    out.push_back(
        {"metadata.namespace",
         release + "'s autoscaler only acts on AutoscalingPolicyBindings in the namespace kthena-controller-manager "
                   "runs in: in any other namespace this booster's replicas stay where they are",
         {}});
  }
  if (spec.autoscalingPolicy) {
    if (!profile.optimizerReadsMetrics) {
      out.push_back({"spec.autoscalingPolicy",
                     release +
                         "'s autoscaler never scales a model-level policy on its metrics (its cost optimizer has no "
                         "metric targets): it only keeps the total within the backends' bounds; use backend-level "
                         "autoscaling, or Kthena v1.0.0",
                     {}});
    } else {
      checkWindows(*spec.autoscalingPolicy, "spec.autoscalingPolicy", release + "'s cost optimizer", out);
    }
  }
  if (profile.scalerFeedsBackCorrection) {
    for (size_t i = 0; i < spec.backends.size(); ++i) {
      const api::Backend& b = spec.backends[i];
      if (b.autoscalingPolicy) {
        checkWindows(*b.autoscalingPolicy, backendPath(spec, i) + ".autoscalingPolicy", release + "'s autoscaler", out);
      }
    }
  }
  return out;
}

}  // namespace mb::core
