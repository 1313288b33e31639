// Defaults that the CRD schema and the mutating webhook apply, so that a
// booster rendered offline converts exactly as it would in the cluster.
#pragma once

#include "api/model_booster.h"

namespace mb::core {

inline constexpr const char* kDefaultScaleToZeroGracePeriod = "30s";
inline constexpr int32_t kDefaultCostExpansionRatePercent = 200;
inline constexpr int32_t kDefaultRouteWeight = 100;

// Idempotent: applying twice changes nothing the second time.
void applyDefaults(api::ModelBooster& booster);
void applyDefaults(api::AutoscalingPolicySpec& policy);

}  // namespace mb::core
