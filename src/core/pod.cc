#include "core/pod.h"

#include <openssl/evp.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>

#include "core/dynamic_lora.h"
#include "document/parse.h"

namespace mb::core {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Pieces of pod specs that depend only on a few small arguments (ports,
// probe timings): built once per process per distinct key and shared, so a
// render copies a reference instead of rebuilding, rehashing and rewriting
// them. The key sets are tiny (a handful of ports and timings).
template <class Key>
class SharedPieces {
 public:
  template <class Build>
  document::Value get(const Key& key, Build build) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pieces_.find(key);
    if (it == pieces_.end()) it = pieces_.emplace(key, document::Value::shared(build())).first;
    return it->second;
  }

 private:
  std::mutex mu_;
  std::map<Key, document::Value> pieces_;
};

document::Value envValue(std::string name, std::string value) {
  return document::Value::object({{"name", std::move(name)}, {"value", std::move(value)}});
}

document::Value envFieldRef(std::string name, const char* fieldPath) {
  return document::Value::object(
      {{"name", std::move(name)},
       {"valueFrom", document::Value::object({{"fieldRef", document::Value::object({{"fieldPath", fieldPath}})}})}});
}

document::Value envKeyRef(const char* name, document::Text refKind, const char* object) {
  return document::Value::object(
      {{"name", name},
       {"valueFrom",
        document::Value::object(
            {{refKind, document::Value::object(
                           {{"key", name}, {"name", object}, {"optional", document::Value::boolean(true)}})}})}});
}

// Environment entries that never vary, built once.
const document::Value& constantEnv(int which) {
  static const document::Value entries[] = {
      document::Value::shared(envFieldRef("POD_NAME", "metadata.name")),
      document::Value::shared(envFieldRef("NAMESPACE", "metadata.namespace")),
      document::Value::shared(envValue("VLLM_USE_V1", "1")),
      document::Value::shared(envKeyRef("REDIS_HOST", "configMapKeyRef", "redis-config")),
      document::Value::shared(envKeyRef("REDIS_PORT", "configMapKeyRef", "redis-config")),
      document::Value::shared(envKeyRef("REDIS_PASSWORD", "secretKeyRef", "redis-secret")),
      document::Value::shared(envValue("HF_HUB_OFFLINE", "1")),
      document::Value::shared(envFieldRef("HCCL_IF_IP", "status.podIP")),
  };
  return entries[which];
}

// The engines' /dev/shm (BackendContext::volumes), as Kthena v1.0 mounts it.
const document::Value& sharedMemoryVolume() {
  static const document::Value v = document::Value::shared(
      document::Value::object({{"name", "dshm"}, {"emptyDir", document::Value::object({{"medium", "Memory"}})}}));
  return v;
}

const document::Value& sharedMemoryMount() {
  static const document::Value v =
      document::Value::shared(document::Value::object({{"name", "dshm"}, {"mountPath", "/dev/shm"}}));
  return v;
}

enum ConstantEnv { kPodName, kNamespace, kVllmUseV1, kRedisHost, kRedisPort, kRedisPassword, kHfHubOffline, kHcclIfIp };

document::Value encodeEnvVar(const api::EnvVar& e) {
  document::Value v = document::Value::object({{"name", e.name}});
  if (e.value) v.set("value", *e.value);
  if (!e.valueFrom.isNull()) v.set("valueFrom", e.valueFrom);
  return v;
}

}  // namespace

BackendContext::BackendContext(const api::ModelBooster& b, const api::Backend& be, const ConversionOptions& c)
    : booster(b),
      backend(be),
      config(c),
      engine(be.type == "vLLMDisaggregated" ? Engine::VllmDisaggregated
             : be.type == "SGLang"          ? Engine::Sglang
                                            : Engine::Vllm),
      modelName(b.modelName()),
      servedName(servedModelName(be, modelName)),
      servingName(b.metadata.name + "-" + be.name),
      cache(cacheLocation(be, c.defaultCacheMount)),
      runtimeUrl("http://localhost:" + std::to_string(c.enginePort)),
      metricsPath("/metrics") {
  modelPath = cache.mountPath + "/" + md5Hex(be.modelURI);
  for (const auto& w : be.workers) multiNode = multiNode || w.pods.value_or(1) > 1;
  loraPaths.reserve(be.loraAdapters.size());
  for (const auto& l : be.loraAdapters) loraPaths.push_back(cache.mountPath + "/" + md5Hex(l.artifactURL));
  if (const std::string* port = be.envValue("RUNTIME_PORT")) {
    std::from_chars(port->data(), port->data() + port->size(), runtimePort);
  }
  if (const std::string* url = be.envValue("RUNTIME_URL")) runtimeUrl = *url;
  if (const std::string* path = be.envValue("RUNTIME_METRICS_PATH")) metricsPath = *path;
  labels = childLabels(b, be.name, "");
  std::string volumeName = be.name + "-weights";
  document::Value volume = document::Value::object({{"name", volumeName}});
  switch (cache.kind) {
    case CacheLocation::Kind::EmptyDir:
      volume.set("emptyDir", document::Value::object());
      break;
    case CacheLocation::Kind::Pvc:
      volume.set("persistentVolumeClaim", document::Value::object({{"claimName", cache.claimName}}));
      break;
    case CacheLocation::Kind::HostPath:
      volume.set("hostPath", document::Value::object({{"path", cache.hostPath}, {"type", "DirectoryOrCreate"}}));
      break;
  }
  volumes = document::Value::shared(document::Value::array({std::move(volume), sharedMemoryVolume()}));
  document::Value mount = document::Value::object({{"name", std::move(volumeName)}, {"mountPath", cache.mountPath}});
  if (!cache.subPath.empty()) mount.set("subPath", cache.subPath);
  engineVolumeMounts = document::Value::shared(document::Value::array({mount, sharedMemoryMount()}));
  volumeMounts = document::Value::shared(document::Value::array({std::move(mount)}));
}

std::string md5Hex(std::string_view data) {
  // EVP_md5() makes OpenSSL look the algorithm up again on every digest,
  // under a process-wide lock that the controller's workers would contend
  // for: fetch it once, and keep one digest context per thread.
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    Context() = default;
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context context;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (md5 == nullptr || context.ctx == nullptr || EVP_DigestInit_ex2(context.ctx, md5, nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.ctx, digest, &len) != 1) {
    throw std::runtime_error("OpenSSL cannot compute MD5 (is the default provider available?)");
  }
  std::string out(static_cast<size_t>(len) * 2, '0');
  for (size_t i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return out;
}

std::string revisionHash(const document::Value& spec) {
  // FNV-1a over the document: the label only has to change when the spec
  // does; it is not a security boundary, and it is cheap on the hot path.
  return revisionHash(document::hashValue(spec));
}

std::string revisionHash(uint64_t h) {
  std::string out(10, '0');
  for (size_t i = 0; i < out.size(); ++i) out[i] = kHex[(h >> (60 - 4 * i)) & 0xF];
  return out;
}

Labels childLabels(const api::ModelBooster& booster, std::string_view backendName, std::string_view revision) {
  return {{kLabelModelName, booster.metadata.name},
          {kLabelBackendName, std::string(backendName)},
          {kLabelManagedBy, kManagedByValue},
          {kLabelModelUid, booster.metadata.uid},
          {kLabelRevision, std::string(revision)}};
}

api::ObjectMeta childMeta(const api::ModelBooster& booster, std::string name, Labels labels) {
  api::ObjectMeta meta;
  meta.name = std::move(name);
  meta.namespace_ = booster.metadata.namespace_;
  meta.labels = std::move(labels);
  meta.ownerReferences.push_back(api::OwnerReference{api::kWorkloadApiVersion, "ModelBooster", booster.metadata.name,
                                                     booster.metadata.uid, true, true});
  return meta;
}

document::Value initContainers(const BackendContext& ctx) {
  const api::Backend& b = ctx.backend;
  document::Value env = document::Value::array();
  // What the downloader reads from its environment and the backend may set:
  // the object-store endpoint, the Hugging Face mirror, and ModelScope's
  // token and revision for ms:// models (as Kthena v1.0 passes them).
  for (const auto& e : b.env) {
    if (e.name == "ENDPOINT" || e.name == "HF_ENDPOINT" || e.name == "MS_TOKEN" || e.name == "MS_REVISION") {
      env.push(encodeEnvVar(e));
    }
  }
  env = document::Value::shared(std::move(env));  // one per downloader
  auto downloader = [&](std::string name, const std::string& source, std::string outputDir) {
    document::Value c =
        document::Value::object({{"name", std::move(name)},
                                 {"image", ctx.config.downloaderImage},
                                 {"args", document::Value::array({"--source", document::Value(source), "--output-dir",
                                                                  document::Value(std::move(outputDir))})}});
    if (!env.items().empty()) c.set("env", env);
    if (!b.envFrom.isNull()) c.set("envFrom", b.envFrom);
    c.set("volumeMounts", ctx.volumeMounts);
    return c;
  };
  document::Value list = document::Value::array();
  list.push(downloader(ctx.booster.metadata.name + "-model-downloader", b.modelURI, ctx.modelPath));
  for (size_t i = 0; i < b.loraAdapters.size(); ++i) {
    const auto& l = b.loraAdapters[i];
    list.push(downloader(ctx.booster.metadata.name + "-lora-downloader-" + std::to_string(i), l.artifactURL,
                         ctx.loraPaths[i]));
  }
  return document::Value::shared(std::move(list));
}

void appendLoraModules(const BackendContext& ctx, std::vector<std::string>& args) {
  const auto& adapters = ctx.backend.loraAdapters;
  for (size_t i = 0; i < adapters.size(); ++i) args.push_back(adapters[i].name + "=" + ctx.loraPaths[i]);
}

document::Value engineEnv(const BackendContext& ctx, const api::Worker& worker) {
  document::Value env = document::Value::array();
  for (const auto& e : ctx.backend.env) env.push(encodeEnvVar(e));
  // Ours come after the user's and never shadow a name the user set.
  auto add = [&](document::Value var) {
    const std::string& name = var.find("name")->text();
    for (const auto& e : ctx.backend.env) {
      if (e.name == name) return;
    }
    env.push(std::move(var));
  };
  add(constantEnv(kPodName));
  add(constantEnv(kNamespace));
  if (ctx.engine != Engine::Sglang) add(constantEnv(kVllmUseV1));
  add(constantEnv(kRedisHost));
  add(constantEnv(kRedisPort));
  add(constantEnv(kRedisPassword));
  if (ctx.engine == Engine::VllmDisaggregated) add(constantEnv(kHfHubOffline));
  if (workerDevices(worker).ascend) {
    if (worker.type == "prefill") add(constantEnv(kHcclIfIp));
    if (worker.type == "decode") {
      for (const char* name : {"GLOO_SOCKET_IFNAME", "TP_SOCKET_IFNAME", "HCCL_SOCKET_IFNAME"}) {
        add(envValue(name, ctx.config.npuSocketInterface));
      }
    }
  }
  return document::Value::shared(std::move(env));  // the sidecar's and the engine's
}

document::Value runtimeContainer(const BackendContext& ctx, const document::Value& env) {
  std::string engine = ctx.backend.type;
  for (char& c : engine) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string port = std::to_string(ctx.runtimePort);
  document::Value c = document::Value::object(
      {{"name", "runtime"},
       {"image", ctx.config.runtimeImage},
       {"args", document::Value::array({"--port", document::Value(port), "--engine", document::Value(std::move(engine)),
                                        "--engine-base-url", document::Value(ctx.runtimeUrl), "--engine-metrics-path",
                                        document::Value(ctx.metricsPath), "--pod", "$(POD_NAME).$(NAMESPACE)",
                                        "--model", document::Value(ctx.modelName)})},
       {"ports", containerPorts("runtime", ctx.runtimePort)},
       {"env", env}});
  if (!ctx.backend.envFrom.isNull()) c.set("envFrom", ctx.backend.envFrom);
  c.set("readinessProbe", httpGetProbe(ctx.runtimePort, 5, 10, 3));
  // The sidecar downloads an adapter loaded at run time into the cache
  // mount path it then gives the engine: it needs the engine's view of the
  // weights volume, or the engine finds nothing there (the reference's
  // sidecar mounted nothing, so its dynamic loads could not work).
  if (loadsLoraAtRuntime(ctx.backend)) c.set("volumeMounts", ctx.volumeMounts);
  return c;
}

document::Value httpGetProbe(int32_t port, int32_t initialDelaySeconds, int32_t periodSeconds,
                             int32_t failureThreshold) {
  static SharedPieces<std::tuple<int32_t, int32_t, int32_t, int32_t>> probes;
  return probes.get({port, initialDelaySeconds, periodSeconds, failureThreshold}, [&] {
    return document::Value::object(
        {{"httpGet", document::Value::object({{"path", "/health"}, {"port", document::Value::integer(port)}})},
         {"initialDelaySeconds", document::Value::integer(initialDelaySeconds)},
         {"periodSeconds", document::Value::integer(periodSeconds)},
         {"failureThreshold", document::Value::integer(failureThreshold)}});
  });
}

document::Value containerPorts(const char* name, int32_t port) {
  static SharedPieces<std::pair<std::string, int32_t>> ports;
  return ports.get({name, port}, [&] {
    return document::Value::array(
        {document::Value::object({{"name", name}, {"containerPort", document::Value::integer(port)}})});
  });
}

document::Value drainPreStop(int32_t port, std::string_view metricRegex) {
  static SharedPieces<std::pair<int32_t, std::string>> hooks;
  return hooks.get({port, std::string(metricRegex)}, [&] {
    std::string script =
        "# Let in-flight requests finish: wait until the engine reports no running\n"
        "# or waiting requests. Stop waiting as soon as the metrics endpoint does\n"
        "# not answer (the engine is already gone); the pod's grace period bounds it.\n"
        "while true; do\n"
        "  metrics=$(curl -sf --max-time 2 http://localhost:" +
        std::to_string(port) +
        "/metrics) || exit 0\n"
        "  printf '%s\\n' \"$metrics\" | awk '/^(" +
        std::string(metricRegex) +
        ")[{ ]/ {s += $NF} END {exit (s > 0 ? 0 : 1)}' || exit 0\n"
        "  sleep 2\n"
        "done\n";
    return document::Value::object(
        {{"preStop",
          document::Value::object(
              {{"exec",
                document::Value::object(
                    {{"command", document::Value::array({"/bin/sh", "-c", document::Value(std::move(script))})}})}})}});
  });
}

void applyScheduling(const BackendContext& ctx, const api::Worker& worker, document::Value& podSpec) {
  const std::optional<std::string>& rc =
      worker.runtimeClassName ? worker.runtimeClassName : ctx.backend.runtimeClassName;
  if (rc && !rc->empty()) podSpec.set("runtimeClassName", *rc);
  if (!worker.nodeSelector.isNull() && !worker.nodeSelector.members().empty()) {
    podSpec.set("nodeSelector", worker.nodeSelector);
  }
  document::Value affinity = worker.affinity;
  if (workerDevices(worker).ascend) {
    // Pin NPU pods to the chip they were sized for. Node selector terms are
    // ORed, so the requirement joins every existing term (or makes the first).
    document::Value requirement =
        document::Value::object({{"key", "node.kubernetes.io/npu.chip.name"},
                                 {"operator", "In"},
                                 {"values", document::Value::array({document::Value(ctx.config.npuChipName)})}});
    if (!affinity.isObject()) affinity = document::Value::object();
    document::Value* node = affinity.find("nodeAffinity");
    if (node == nullptr || !node->isObject()) node = &affinity.put("nodeAffinity", document::Value::object());
    document::Value* required = node->find("requiredDuringSchedulingIgnoredDuringExecution");
    if (required == nullptr || !required->isObject()) {
      required = &node->put("requiredDuringSchedulingIgnoredDuringExecution", document::Value::object());
    }
    document::Value* terms = required->find("nodeSelectorTerms");
    if (terms == nullptr || !terms->isArray() || terms->items().empty()) {
      terms = &required->put("nodeSelectorTerms", document::Value::array({document::Value::object()}));
    }
    for (auto& term : terms->items()) {
      if (!term.isObject()) continue;
      document::Value* exprs = term.find("matchExpressions");
      if (exprs == nullptr || !exprs->isArray()) exprs = &term.put("matchExpressions", document::Value::array());
      exprs->push(requirement);
    }
  }
  if (affinity.isObject() && !affinity.members().empty()) podSpec.set("affinity", std::move(affinity));
  if (worker.tolerations.isArray() && !worker.tolerations.items().empty()) {
    podSpec.set("tolerations", worker.tolerations);
  }
}

std::string engineImage(const BackendContext& ctx, const api::Worker& worker) {
  if (!worker.image.empty()) return worker.image;
  return ctx.engine == Engine::Sglang ? ctx.config.sglangImage : ctx.config.vllmImage;
}

}  // namespace mb::core
