#include "api/serving_stack.h"

#include <algorithm>

namespace mb::api {
namespace {

constexpr std::array<ChildKind, 5> kV01Kinds = {ChildKind::ModelServing, ChildKind::ModelServer, ChildKind::ModelRoute,
                                                ChildKind::AutoscalingPolicy, ChildKind::AutoscalingPolicyBinding};
// Kthena v1.0.0 dropped the AutoscalingPolicyBinding kind.
constexpr std::array<ChildKind, 4> kV10Kinds = {ChildKind::ModelServing, ChildKind::ModelServer, ChildKind::ModelRoute,
                                                ChildKind::AutoscalingPolicy};

constexpr std::array<StackProfile, 2> kProfiles = {{
    {.stack = ServingStack::V1_0,
     .name = "v1.0",
     .release = "Kthena v1.0.0",
     .kinds = kV10Kinds,
     .schedulerNameRequired = false,
     .servingLevelTopologySpread = false,
     .autoscalingBindings = false,
     .servingNameWebhook = true,
     .implicitGang = true,
     .optimizerReadsMetrics = true,
     .scalerFeedsBackCorrection = false,
     .autoscalerOwnNamespaceOnly = false,
     .autoscalerKeepsFirstRead = false},
    {.stack = ServingStack::V0_1,
     .name = "v0.1",
     .release = "Kthena v0.1.0",
     .kinds = kV01Kinds,
     .schedulerNameRequired = true,
     .servingLevelTopologySpread = true,
     .autoscalingBindings = true,
     .servingNameWebhook = false,
     .implicitGang = false,
     .optimizerReadsMetrics = false,
     .scalerFeedsBackCorrection = true,
     .autoscalerOwnNamespaceOnly = true,
     .autoscalerKeepsFirstRead = true},
}};

}  // namespace

size_t writeRank(ChildKind kind) {
  return static_cast<size_t>(std::find(kWriteOrder.begin(), kWriteOrder.end(), kind) - kWriteOrder.begin());
}

const KindInfo& kindInfo(ChildKind kind) { return kChildKinds[static_cast<size_t>(kind)]; }

std::optional<ChildKind> childKindNamed(std::string_view name) {
  for (const auto& k : kChildKinds) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

bool StackProfile::writes(ChildKind kind) const { return std::find(kinds.begin(), kinds.end(), kind) != kinds.end(); }

const StackProfile& profileOf(ServingStack stack) {
  for (const auto& p : kProfiles) {
    if (p.stack == stack) return p;
  }
  return kProfiles[0];
}

std::span<const StackProfile> allProfiles() { return kProfiles; }

std::optional<ServingStack> parseServingStack(std::string_view text) {
  if (text == "v1.0" || text == "v1.0.0") return ServingStack::V1_0;
  if (text == "v0.1" || text == "v0.1.0") return ServingStack::V0_1;
  return std::nullopt;
}

}  // namespace mb::api
