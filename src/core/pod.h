// Pieces every engine's pods share: cache volume and downloaders, engine
// environment, the runtime sidecar, probes and scheduling (incl. Ascend NPU).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/children.h"
#include "api/model_booster.h"
#include "core/conversion_options.h"
#include "core/rules.h"
#include "document/value.h"

namespace mb::core {

using Labels = api::StringPairs;

inline constexpr char kLabelModelName[] = "workload.serving.volcano.sh/model-name";
inline constexpr char kLabelBackendName[] = "workload.serving.volcano.sh/backend-name";
inline constexpr char kLabelManagedBy[] = "workload.serving.volcano.sh/managed-by";
inline constexpr char kLabelModelUid[] = "workload.serving.volcano.sh/model-uid";
inline constexpr char kLabelRevision[] = "workload.serving.volcano.sh/revision";
inline constexpr char kManagedByValue[] = "workload.serving.volcano.sh";
inline constexpr char kRoleLabel[] = "modelserving.volcano.sh/role";
inline constexpr char kEntryLabel[] = "modelserving.volcano.sh/entry";
inline constexpr char kServingNameLabel[] = "modelserving.volcano.sh/name";

enum class Engine { Vllm, VllmDisaggregated, Sglang };

// Everything derived once per backend and read by every builder.
struct BackendContext {
  const api::ModelBooster& booster;
  const api::Backend& backend;
  const ConversionOptions& config;
  Engine engine;
  std::string modelName;   // what clients ask for
  std::string servedName;  // what the engines serve and the ModelServer names (rules.h)
  // A worker spans several pods: only entry pods serve and run the sidecar.
  bool multiNode = false;
  std::string servingName;  // <booster>-<backend>: ModelServing and ModelServer
  CacheLocation cache;
  std::string modelPath;  // <cache mount>/<md5 of modelURI>
  // <cache mount>/<md5 of artifactURL> per LoRA adapter, in the backend's
  // order: the downloaders write there and the engine loads from there.
  std::vector<std::string> loraPaths;
  int32_t runtimePort = 8100;
  std::string runtimeUrl;
  std::string metricsPath;
  Labels labels;  // the five child labels, revision last (filled in late)
  // `volumes: [<weights volume>, dshm]`, `volumeMounts: [<weights mount>]`
  // (the downloaders') and `engineVolumeMounts: [<weights mount>, /dev/shm]`
  // (the engines'), shared (document::Value::shared): every pod template and
  // container of the backend refers to the same ones. `dshm` is a
  // memory-backed emptyDir at /dev/shm: the container runtime's default is
  // 64 MiB, too small for NCCL and the engines' worker processes.
  document::Value volumes;
  document::Value volumeMounts;
  document::Value engineVolumeMounts;

  BackendContext(const api::ModelBooster& b, const api::Backend& be, const ConversionOptions& c);
};

std::string md5Hex(std::string_view data);
// A short, stable hash of a child's desired spec for the revision label.
std::string revisionHash(const document::Value& spec);
std::string revisionHash(uint64_t hash);

// The five labels; `revision` may be empty while the spec is being built.
Labels childLabels(const api::ModelBooster& booster, std::string_view backendName, std::string_view revision);
api::ObjectMeta childMeta(const api::ModelBooster& booster, std::string name, Labels labels);

// Both return shared values (document::Value::shared): copying them into several
// pod templates and containers costs a reference count each.
document::Value initContainers(const BackendContext& ctx);
document::Value engineEnv(const BackendContext& ctx, const api::Worker& worker);
document::Value runtimeContainer(const BackendContext& ctx, const document::Value& env);
// Probes and the preStop hook depend only on their arguments: each distinct
// one is built once per process and shared.
document::Value httpGetProbe(int32_t port, int32_t initialDelaySeconds, int32_t periodSeconds,
                             int32_t failureThreshold);
// preStop hook that waits until the named request gauges reach zero and
// gives up at once when the metrics endpoint does not answer.
document::Value drainPreStop(int32_t port, std::string_view metricRegex);
// `ports: [{name, containerPort}]`, shared like the probes.
document::Value containerPorts(const char* name, int32_t port);
// `name=path` per LoRA adapter (vLLM's `--lora-modules`, SGLang's `--lora-paths`).
void appendLoraModules(const BackendContext& ctx, std::vector<std::string>& args);
// Sets runtimeClassName, nodeSelector, affinity (plus the Ascend chip
// requirement for NPU workers) and tolerations on a pod spec.
void applyScheduling(const BackendContext& ctx, const api::Worker& worker, document::Value& podSpec);
std::string engineImage(const BackendContext& ctx, const api::Worker& worker);

}  // namespace mb::core
