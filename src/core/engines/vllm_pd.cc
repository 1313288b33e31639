// vLLM with prefill/decode disaggregation: roles `prefill` and `decode`,
// one pod each per role instance; the KV connector config passes through.
#include "core/engines/engines.h"

namespace mb::core {

std::vector<api::Role> vllmDisaggregatedRoles(const BackendContext& ctx) {
  const int32_t port = ctx.config.enginePort;
  std::vector<api::Role> roles;
  // Prefill first, then decode, whatever order the user wrote them in.
  for (const char* type : {"prefill", "decode"}) {
    for (const api::Worker& w : ctx.backend.workers) {
      if (w.type != type) continue;
      document::Value env = engineEnv(ctx, w);
      document::Value engine =
          document::Value::object({{"name", "vllm"},
                                   {"image", engineImage(ctx, w)},
                                   {"command", toArray(vllmCommand(ctx, w, "python3", false, false))},
                                   {"env", env}});
      engine.set("ports", containerPorts("http", port));
      if (!w.resources.isNull()) engine.set("resources", w.resources);
      engine.set("volumeMounts", ctx.engineVolumeMounts);
      // Loading weights can take many minutes: the startup probe holds the
      // liveness probe back until the engine first answers.
      document::Value startup = httpGetProbe(port, 10, 10, 180);
      engine.set("startupProbe", std::move(startup));
      engine.set("readinessProbe", httpGetProbe(port, 5, 5, 3));
      engine.set("livenessProbe", httpGetProbe(port, 0, 15, 3));
      engine.set("lifecycle", drainPreStop(port, "vllm:num_requests_running|vllm:num_requests_waiting"));

      api::Role role;
      role.name = type;
      role.replicas = w.replicas.value_or(1);
      role.workerReplicas = 0;
      document::Value& spec = role.entryTemplate.spec;
      spec.set("initContainers", initContainers(ctx));
      spec.set("containers", document::Value::array({runtimeContainer(ctx, env), std::move(engine)}));
      spec.set("volumes", ctx.volumes);
      spec.set("terminationGracePeriodSeconds", document::Value::integer(300));
      applyScheduling(ctx, w, spec);
      roles.push_back(std::move(role));
    }
  }
  return roles;
}

}  // namespace mb::core
