// ModelServing: the engine's roles plus what every serving group shares.
#include "core/convert.h"
#include "core/engines/engines.h"
#include "core/pod.h"

namespace mb::core {

api::ModelServing buildModelServing(const BackendContext& ctx) {
  const api::Backend& b = ctx.backend;
  api::ModelServing ms;
  api::ModelServingSpec& spec = ms.spec;
  spec.schedulerName = b.schedulerName;
  spec.templateGroup.restartGracePeriodSeconds = 60;
  switch (ctx.engine) {
    case Engine::Vllm:
      spec.templateGroup.roles = vllmRoles(ctx);
      break;
    case Engine::VllmDisaggregated:
      spec.templateGroup.roles = vllmDisaggregatedRoles(ctx);
      break;
    case Engine::Sglang:
      spec.templateGroup.roles = sglangRoles(ctx);
      break;
  }
  if (b.gangScheduling && b.gangScheduling->enabled) {
    api::GangPolicy gang;
    for (const auto& role : spec.templateGroup.roles) gang.minRoleReplicas.emplace_back(role.name, role.replicas);
    spec.templateGroup.gangPolicy = std::move(gang);
  }
  // Spread serving groups over nodes; pods carry the ModelServing's name.
  spec.topologySpreadConstraints = doc::Value::array({doc::Value::object(
      {{"maxSkew", doc::Value::integer(1)},
       {"topologyKey", "kubernetes.io/hostname"},
       {"whenUnsatisfiable", "DoNotSchedule"},
       {"labelSelector",
        doc::Value::object({{"matchLabels", doc::Value::object({{kServingNameLabel, ctx.servingName}})}})}})});

  // The revision covers everything but replicas, which the autoscaler owns:
  // scaling must not change the pod template and roll every pod.
  spec.replicas = 0;
  std::string revision = revisionHash(api::hashSpec(spec));
  spec.replicas = b.minReplicas.value_or(0);
  Labels labels = childLabels(ctx.booster, b.name, revision);
  for (auto& role : spec.templateGroup.roles) {
    role.entryTemplate.labels = labels;
    if (role.workerTemplate) role.workerTemplate->labels = labels;
  }
  ms.metadata = childMeta(ctx.booster, ctx.servingName, std::move(labels));
  return ms;
}

}  // namespace mb::core
