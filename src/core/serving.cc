// ModelServing: the engine's roles plus what every serving group shares.
#include "core/convert.h"
#include "core/dynamic_lora.h"
#include "core/engines/engines.h"
#include "core/pod.h"

namespace mb::core {

api::ModelServing buildModelServing(const BackendContext& ctx) {
  const api::Backend& b = ctx.backend;
  api::ModelServing ms;
  api::ModelServingSpec& spec = ms.spec;
  const api::StackProfile& profile = ctx.config.profile();
  spec.schedulerName = b.schedulerName;
  // v0.1 requires the field (its webhook accepts only "volcano"); v1.0
  // defaults it to "volcano" itself, so an unset name stays unset there.
  if (spec.schedulerName.empty() && profile.schedulerNameRequired) spec.schedulerName = "volcano";
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
  // On v0.1 this is the ModelServing-level field the spec names (its
  // controller never reads it). v1.0 has no such field (the API server
  // prunes it), so the spread goes into every pod template, where the
  // scheduler does read it: there it is a preference (ScheduleAnyway), since
  // a hard rule counts nodes the pods cannot use (an NPU node for a GPU pod)
  // and would leave pods Pending (docs/deviations.md).
  auto spread = [&](const char* whenUnsatisfiable) {
    return document::Value::array({document::Value::object(
        {{"maxSkew", document::Value::integer(1)},
         {"topologyKey", "kubernetes.io/hostname"},
         {"whenUnsatisfiable", whenUnsatisfiable},
         {"labelSelector", document::Value::object(
                               {{"matchLabels", document::Value::object({{kServingNameLabel, ctx.servingName}})}})}})});
  };
  if (profile.servingLevelTopologySpread) {
    spec.topologySpreadConstraints = spread("DoNotSchedule");
  } else {
    document::Value shared = document::Value::shared(spread("ScheduleAnyway"));
    for (auto& role : spec.templateGroup.roles) {
      role.entryTemplate.spec.put("topologySpreadConstraints", shared);
      if (role.workerTemplate) role.workerTemplate->spec.put("topologySpreadConstraints", shared);
    }
  }

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
  if (loadsLoraAtRuntime(b)) {
    ms.metadata.annotations.push_back({kAnnotationTemplateLoraAdapters, encodeTemplateAdapters(b.loraAdapters)});
  }
  return ms;
}

}  // namespace mb::core
