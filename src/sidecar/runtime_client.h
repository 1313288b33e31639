// Calls to a serving pod: its engine's OpenAI model list, and its Kthena
// runtime sidecar's LoRA endpoints. The interface is the seam the LoRA
// syncer is unit-tested at; CurlRuntimeClient is the real one.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/lora_plan.h"

namespace mb::sidecar {

// Where one pod answers: the engine (the ModelServer's workload port) and
// the runtime sidecar (the backend's RUNTIME_PORT), both on the pod's IP.
struct PodEndpoint {
  std::string ip;
  int32_t enginePort = 8000;
  int32_t runtimePort = 8100;
};

struct CallError {
  std::string message;  // a sentence naming the URL and what went wrong
  long status = 0;      // the HTTP status, 0 when there was no answer
  bool timedOut = false;
};

class RuntimeClient {
 public:
  virtual ~RuntimeClient() = default;
  // GET http://<ip>:<enginePort>/v1/models: what the engine serves now
  // (what Kthena's router reads too, to send adapter requests).
  virtual Result<std::vector<core::ServedModel>, CallError> listModels(const PodEndpoint& pod) = 0;
  // POST http://<ip>:<runtimePort>/v1/load_lora_adapter {lora_name, source,
  // output_dir, async_download: false}: the sidecar downloads, then has the
  // engine load it, and answers when it is loaded.
  virtual Result<Unit, CallError> load(const PodEndpoint& pod, const core::DesiredAdapter& adapter) = 0;
  // POST http://<ip>:<runtimePort>/v1/unload_lora_adapter {lora_name}.
  virtual Result<Unit, CallError> unload(const PodEndpoint& pod, std::string_view name) = 0;
};

struct RuntimeClientTimeouts {
  std::chrono::milliseconds connect{2000};
  std::chrono::milliseconds list{5000};
  std::chrono::milliseconds unload{30000};
  // A load downloads the adapter first (async_download false), so it may
  // take as long as the download; this bounds it.
  std::chrono::milliseconds load{300000};
};

// libcurl, one easy handle per call (calls are rare: a LoRA change, a pod
// start), plain HTTP on the pod network as the sidecar serves it.
std::unique_ptr<RuntimeClient> makeCurlRuntimeClient(RuntimeClientTimeouts timeouts);

// The request bodies, as the sidecar's API takes them (unit-tested).
std::string loadRequestBody(const core::DesiredAdapter& adapter);
std::string unloadRequestBody(std::string_view name);

}  // namespace mb::sidecar
