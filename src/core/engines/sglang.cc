// SGLang: one role `leader` like vLLM; multi-node groups use SGLang's own
// torch.distributed rendezvous (--nnodes/--node-rank/--dist-init-addr), so
// every pod runs the same server command and no shell is involved.
#include <algorithm>

#include "core/engine_args.h"
#include "core/engines/engines.h"

namespace mb::core {
namespace {

std::vector<std::string> sglangCommand(const BackendContext& ctx, const api::Worker& w, int32_t pods) {
  std::vector<std::string> cmd = {"python3",         "-m",          "sglang.launch_server",
                                  "--model-path",    ctx.modelPath, "--host",
                                  "0.0.0.0",         "--port",      std::to_string(ctx.config.enginePort),
                                  "--enable-metrics"};
  appendConfigArgs(w.config, cmd);
  appendServedModelName(ctx, w, cmd);
  if (pods > 1) {
    for (const std::string& s :
         {std::string("--nnodes"), std::to_string(pods), std::string("--node-rank"), std::string("$(WORKER_INDEX)"),
          std::string("--dist-init-addr"), "$(ENTRY_ADDRESS):" + std::to_string(ctx.config.sglangDistInitPort)}) {
      cmd.push_back(s);
    }
  }
  if (!ctx.loraPaths.empty()) {
    cmd.emplace_back("--enable-lora");
    cmd.emplace_back("--lora-paths");
    appendLoraModules(ctx, cmd);
  }
  return cmd;
}

}  // namespace

std::vector<api::Role> sglangRoles(const BackendContext& ctx) {
  const api::Worker& w = ctx.backend.workers.front();
  int32_t pods = std::max(w.pods.value_or(1), 1);
  const int32_t port = ctx.config.enginePort;
  document::Value env = engineEnv(ctx, w);
  // Shared: entry and worker pods run the same command.
  document::Value command = document::Value::shared(toArray(sglangCommand(ctx, w, pods)));

  auto engineContainer = [&](bool entry) {
    document::Value c =
        document::Value::object({{"name", "engine"}, {"image", engineImage(ctx, w)}, {"command", command}});
    c.set("env", env);
    if (entry) {
      c.set("ports", containerPorts("http", port));
    }
    if (!w.resources.isNull()) c.set("resources", w.resources);
    c.set("volumeMounts", ctx.engineVolumeMounts);
    if (entry) {
      c.set("readinessProbe", httpGetProbe(port, 30, 5, 3));
      c.set("lifecycle", drainPreStop(port, "sglang:num_running_reqs|sglang:num_queue_reqs"));
    }
    return c;
  };

  api::Role role;
  role.name = "leader";
  role.replicas = w.replicas.value_or(1);
  role.workerReplicas = pods - 1;
  document::Value& spec = role.entryTemplate.spec;
  document::Value init = initContainers(ctx);  // shared by entry and worker pods
  spec.set("initContainers", init);
  spec.set("containers", document::Value::array({runtimeContainer(ctx, env), engineContainer(true)}));
  spec.set("volumes", ctx.volumes);
  spec.set("terminationGracePeriodSeconds", document::Value::integer(300));
  applyScheduling(ctx, w, spec);
  if (pods > 1) {
    api::PodTemplate tmpl;
    tmpl.spec.set("initContainers", init);
    tmpl.spec.set("containers", document::Value::array({engineContainer(false)}));
    tmpl.spec.set("volumes", ctx.volumes);
    applyScheduling(ctx, w, tmpl.spec);
    role.workerTemplate = std::move(tmpl);
  }
  return {std::move(role)};
}

}  // namespace mb::core
