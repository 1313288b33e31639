// AutoscalingPolicy and AutoscalingPolicyBinding, at model or backend level.
// On stacks without bindings (v1.0) the policy carries the same target
// itself: homogeneousTarget for a backend, heterogeneousTarget (with costs)
// for the model.
#include "core/convert.h"
#include "core/pod.h"

namespace mb::core {
namespace {

api::BindingTarget bindingTarget(const BackendContext& ctx) {
  api::BindingTarget t;
  t.modelServingName = ctx.servingName;
  // Metrics come from the runtime sidecar, which runs in entry pods only.
  // vLLM/SGLang have one role `leader`; a PD backend's load is carried by the
  // entry pods of both roles, so select entry pods rather than a role.
  if (ctx.engine == Engine::VllmDisaggregated) {
    t.additionalMatchLabels.push_back({kEntryLabel, "true"});
  } else {
    t.additionalMatchLabels.push_back({kRoleLabel, "leader"});
    // Worker pods of a multi-node group are in role `leader` too but run no
    // sidecar: scraping them fails and skews the average.
    if (ctx.multiNode) t.additionalMatchLabels.push_back({kEntryLabel, "true"});
  }
  t.metricUri = "/metrics";
  t.metricPort = ctx.runtimePort;
  return t;
}

// Adds the policy `name` and, on stacks that have them, its binding; the
// targets are given as both shapes describe the same thing.
void add(const api::ModelBooster& booster, const api::StackProfile& profile, std::string name,
         std::string_view backendName, const api::AutoscalingPolicySpec& policySpec,
         api::AutoscalingPolicyBindingSpec bindingSpec, api::Children& out) {
  api::AutoscalingPolicy policy;
  policy.spec = policySpec;
  if (!profile.autoscalingBindings) {
    policy.targets =
        api::PolicyTargets{std::move(bindingSpec.scalingConfiguration), std::move(bindingSpec.optimizerConfiguration)};
    policy.metadata =
        childMeta(booster, std::move(name), childLabels(booster, backendName, revisionHash(api::encodeSpec(policy))));
    out.policies.push_back(std::move(policy));
    return;
  }
  policy.metadata = childMeta(booster, name, childLabels(booster, backendName, revisionHash(api::encode(policySpec))));
  bindingSpec.policyRef = name;
  api::AutoscalingPolicyBinding binding;
  std::string bindingRevision = revisionHash(api::encodeSpec(bindingSpec));
  binding.spec = std::move(bindingSpec);
  binding.metadata = childMeta(booster, std::move(name), childLabels(booster, backendName, bindingRevision));
  out.policies.push_back(std::move(policy));
  out.bindings.push_back(std::move(binding));
}

}  // namespace

void buildAutoscaling(const api::ModelBooster& booster, const std::vector<BackendContext>& backends,
                      api::Children& out) {
  const auto& spec = booster.spec;
  if (backends.empty()) return;
  const api::StackProfile& profile = backends.front().config.profile();
  if (spec.autoscalingPolicy) {
    api::OptimizerConfiguration opt;
    for (const auto& ctx : backends) {
      const api::Backend& b = ctx.backend;
      opt.params.push_back(api::OptimizerParam{bindingTarget(ctx), b.scalingCost.value_or(0), b.minReplicas.value_or(0),
                                               b.maxReplicas.value_or(0)});
    }
    opt.costExpansionRatePercent = spec.costExpansionRatePercent.value_or(200);
    api::AutoscalingPolicyBindingSpec binding;
    binding.optimizerConfiguration = std::move(opt);
    add(booster, profile, booster.metadata.name, "", *spec.autoscalingPolicy, std::move(binding), out);
    return;
  }
  for (const auto& ctx : backends) {
    const api::Backend& b = ctx.backend;
    if (!b.autoscalingPolicy) continue;
    api::AutoscalingPolicyBindingSpec binding;
    binding.scalingConfiguration =
        api::ScalingConfiguration{bindingTarget(ctx), b.minReplicas.value_or(0), b.maxReplicas.value_or(0)};
    add(booster, profile, booster.metadata.name + "-" + b.name, b.name, *b.autoscalingPolicy, std::move(binding), out);
  }
}

}  // namespace mb::core
