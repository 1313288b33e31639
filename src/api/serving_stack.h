// The serving stacks a cluster may run (Kthena v0.1.0 and v1.0.0), and what
// each one reads: the one table of child kinds and shapes that conversion,
// rendering, the controller's watches and its discovery check all follow.
// Adding a stack profile means adding a row to `kProfiles` (serving_stack.cc)
// and teaching the builders that read its flags; docs/architecture.md says
// where. Source of truth: Kthena's own CRDs and webhooks (docs/stacks.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mb::api {

// Every kind a booster can become, in the order `render` prints them.
enum class ChildKind : uint8_t { ModelServing, ModelServer, ModelRoute, AutoscalingPolicy, AutoscalingPolicyBinding };

// The order the controller writes a booster's children in: what routes to
// the pods before what makes them. Kthena v0.1.0's router never routes to
// pods that were Ready before their ModelServer existed (docs/stacks.md), and
// simulated pods are Ready within a second, so the ModelServers and the
// ModelRoute go first. The autoscaling objects name ModelServings, so last.
inline constexpr std::array<ChildKind, 5> kWriteOrder = {ChildKind::ModelServer, ChildKind::ModelRoute,
                                                         ChildKind::ModelServing, ChildKind::AutoscalingPolicy,
                                                         ChildKind::AutoscalingPolicyBinding};
// A kind's place in kWriteOrder.
size_t writeRank(ChildKind kind);

struct KindInfo {
  ChildKind kind;
  std::string_view name;     // `kind` in JSON
  std::string_view group;    // API group
  std::string_view version;  // API version within the group
  std::string_view plural;   // resource name in URLs and discovery
};

inline constexpr std::array<KindInfo, 5> kChildKinds = {{
    {ChildKind::ModelServing, "ModelServing", "workload.serving.volcano.sh", "v1alpha1", "modelservings"},
    {ChildKind::ModelServer, "ModelServer", "networking.serving.volcano.sh", "v1alpha1", "modelservers"},
    {ChildKind::ModelRoute, "ModelRoute", "networking.serving.volcano.sh", "v1alpha1", "modelroutes"},
    {ChildKind::AutoscalingPolicy, "AutoscalingPolicy", "workload.serving.volcano.sh", "v1alpha1",
     "autoscalingpolicies"},
    {ChildKind::AutoscalingPolicyBinding, "AutoscalingPolicyBinding", "workload.serving.volcano.sh", "v1alpha1",
     "autoscalingpolicybindings"},
}};

const KindInfo& kindInfo(ChildKind kind);
// The child kind whose `kind` is `name`, if any.
std::optional<ChildKind> childKindNamed(std::string_view name);

enum class ServingStack : uint8_t { V0_1, V1_0 };

// How each stack wants the children shaped. Each flag names one difference
// between the releases; the builders read the flags, never the stack itself.
struct StackProfile {
  ServingStack stack;
  std::string_view name;     // "v1.0": flag value, log field, metric label
  std::string_view release;  // "Kthena v1.0.0"
  // The child kinds this stack serves and we write (kWriteOrder says in
  // which order).
  std::span<const ChildKind> kinds;
  // ModelServing.spec.schedulerName is required (v0.1's webhook accepts
  // only "volcano"); otherwise it is written only when the booster names one.
  bool schedulerNameRequired;
  // ModelServing.spec.topologySpreadConstraints exists (v0.1); on v1.0 the
  // spread is expressed in each role's pod template instead.
  bool servingLevelTopologySpread;
  // Autoscaling targets live in an AutoscalingPolicyBinding (v0.1) or in the
  // AutoscalingPolicy itself (v1.0: homogeneousTarget/heterogeneousTarget,
  // metrics[].name, metricSources).
  bool autoscalingBindings;
  // The stack's ModelServing webhook is registered (v1.0's chart does it;
  // v0.1's registers none): it refuses a ModelServing unless every
  // `<ms>-<replicas>-<role>-<role replicas>-<worker replicas>` is a DNS-1035
  // label (at most 63 characters, starting with a letter).
  bool servingNameWebhook;
  // Pods that go to Volcano are gang-scheduled with every role at its
  // replicas even without a gangPolicy (v1.0; v0.1 gangs only with one), so
  // such a gangPolicy on a live ModelServing changes nothing.
  bool implicitGang;
  // Kthena's autoscaler as released (docs/stacks.md, "Autoscaling"); these
  // only decide what the user is warned about (core/stack_caveats.h).
  // Its cost optimizer scales on the policy's metrics (v1.0; v0.1's
  // NewOptimizerMeta sets no metric targets, so it only enforces bounds).
  bool optimizerReadsMetrics;
  // Its backend-level scaler feeds its corrected result back as the next
  // recommendation (v0.1), as both releases' cost optimizers do.
  bool scalerFeedsBackCorrection;
  // It acts only on objects in the namespace it runs in (v0.1: it lists
  // AutoscalingPolicyBindings there and nowhere else).
  bool autoscalerOwnNamespaceOnly;
  // The scaler it builds for a Binding keeps what it read the first time
  // (the Binding's bounds, the policy's metric targets and behavior) until
  // the Binding is gone for a whole period or kthena-controller-manager
  // restarts (v0.1: scalers are keyed by Binding name and never rebuilt;
  // v1.0 rebuilds one when its policy's generation changes).
  bool autoscalerKeepsFirstRead;

  bool writes(ChildKind kind) const;
};

const StackProfile& profileOf(ServingStack stack);
// All profiles, newest first.
std::span<const StackProfile> allProfiles();
// "v1.0" or "v0.1" (also the release tags "v1.0.0", "v0.1.0").
std::optional<ServingStack> parseServingStack(std::string_view text);
// The stack used when nothing says otherwise: the current release.
inline constexpr ServingStack kDefaultServingStack = ServingStack::V1_0;

}  // namespace mb::api
