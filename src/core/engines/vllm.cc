// vLLM: one role `leader`; pods > 1 runs a Ray cluster per serving group
// (entry = Ray head running the API server, workers = Ray workers).
#include <algorithm>

#include "core/dynamic_lora.h"
#include "core/engine_args.h"
#include "core/engines/engines.h"
#include "document/parse.h"

namespace mb::core {

void appendServedModelName(const BackendContext& ctx, const api::Worker& worker, std::vector<std::string>& args) {
  if (configValue(worker, "served-model-name") != nullptr) return;
  args.emplace_back("--served-model-name");
  args.push_back(ctx.servedName);
}

namespace {

std::string kvEventsJson(const KvEventsOptions& kv) {
  document::Value v = document::Value::object({{"enable_kv_cache_events", document::Value::boolean(true)},
                                               {"publisher", kv.publisher},
                                               {"topic", kv.topic},
                                               {"endpoint", kv.endpoint}});
  return document::toJson(v);
}

}  // namespace

// The vLLM OpenAI server command; also used by the disaggregated engine.
std::vector<std::string> vllmCommand(const BackendContext& ctx, const api::Worker& worker, const char* python,
                                     bool multiNode, bool kvEvents) {
  std::vector<std::string> cmd = {python, "-m", "vllm.entrypoints.openai.api_server", "--model", ctx.modelPath};
  appendConfigArgs(worker.config, cmd);
  appendServedModelName(ctx, worker, cmd);
  if (multiNode) {
    cmd.emplace_back("--distributed_executor_backend");
    cmd.emplace_back("ray");
  }
  if (kvEvents && ctx.config.kvEvents.enabled) {
    cmd.emplace_back("--kv-events-config");
    cmd.push_back(kvEventsJson(ctx.config.kvEvents));
  }
  // A backend that loads adapters at run time needs LoRA on from the start,
  // with or without adapters in its template (core/dynamic_lora.h).
  if (!ctx.loraPaths.empty() || loadsLoraAtRuntime(ctx.backend)) cmd.emplace_back("--enable-lora");
  if (!ctx.loraPaths.empty()) {
    cmd.emplace_back("--lora-modules");
    appendLoraModules(ctx, cmd);
  }
  return cmd;
}

document::Value toArray(std::vector<std::string> words) {
  document::Value v = document::Value::array();
  v.items().reserve(words.size());
  for (auto& w : words) v.push(document::Value(std::move(w)));
  return v;
}

std::vector<api::Role> vllmRoles(const BackendContext& ctx) {
  const api::Worker& w = ctx.backend.workers.front();
  int32_t pods = std::max(w.pods.value_or(1), 1);
  bool multiNode = pods > 1;
  const int32_t port = ctx.config.enginePort;
  std::vector<std::string> serve = vllmCommand(ctx, w, "python3", multiNode, true);

  document::Value command;
  const std::string script = shellQuote(ctx.config.multiNodeScript);
  if (multiNode) {
    // Everything goes into the one string bash runs: arguments after it
    // would be handed to nobody.
    std::string line = "chmod u+x " + script + " && " + script + " leader --ray_cluster_size=" + std::to_string(pods) +
                       " --num-gpus=" + std::to_string(workerDevices(w).count) + " && " + shellJoin(serve);
    command = document::Value::array({"bash", "-c", document::Value(std::move(line))});
  } else {
    command = toArray(std::move(serve));
  }

  document::Value env = engineEnv(ctx, w);
  document::Value engine =
      document::Value::object({{"name", "engine"}, {"image", engineImage(ctx, w)}, {"command", std::move(command)}});
  engine.set("env", env);
  engine.set("ports", containerPorts("http", port));
  if (!w.resources.isNull()) engine.set("resources", w.resources);
  engine.set("volumeMounts", ctx.engineVolumeMounts);
  engine.set("readinessProbe", httpGetProbe(port, 30, 5, 3));
  engine.set("lifecycle", drainPreStop(port, "vllm:num_requests_running|vllm:num_requests_waiting"));

  api::Role role;
  role.name = "leader";
  role.replicas = w.replicas.value_or(1);
  role.workerReplicas = pods - 1;
  document::Value& spec = role.entryTemplate.spec;
  document::Value init = initContainers(ctx);  // shared by entry and worker pods
  spec.set("initContainers", init);
  spec.set("containers", document::Value::array({runtimeContainer(ctx, env), std::move(engine)}));
  spec.set("volumes", ctx.volumes);
  spec.set("terminationGracePeriodSeconds", document::Value::integer(300));
  applyScheduling(ctx, w, spec);

  if (multiNode) {
    std::string line = "chmod u+x " + script + " && " + script + " worker --ray_address=$(ENTRY_ADDRESS)";
    document::Value worker =
        document::Value::object({{"name", "engine"},
                                 {"image", engineImage(ctx, w)},
                                 {"command", document::Value::array({"bash", "-c", document::Value(std::move(line))})},
                                 {"env", env}});
    if (!w.resources.isNull()) worker.set("resources", w.resources);
    worker.set("volumeMounts", ctx.engineVolumeMounts);
    api::PodTemplate tmpl;
    tmpl.spec.set("initContainers", init);
    tmpl.spec.set("containers", document::Value::array({std::move(worker)}));
    tmpl.spec.set("volumes", ctx.volumes);
    applyScheduling(ctx, w, tmpl.spec);
    role.workerTemplate = std::move(tmpl);
  }
  return {std::move(role)};
}

}  // namespace mb::core
