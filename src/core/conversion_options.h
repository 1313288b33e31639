// Operator-level knobs that shape conversion. In a cluster they come from
// flags or the `model-booster-controller-config` ConfigMap; `render` takes
// the same flags, so both produce the same objects.
#pragma once

#include <cstdint>
#include <string>

#include "api/serving_stack.h"

namespace mb::core {

struct KvEventsOptions {
  bool enabled = true;
  std::string publisher = "zmq";
  std::string topic = "kv-events";
  std::string endpoint = "tcp://*:5557";
};

struct ConversionOptions {
  // Which serving stack reads the children: decides the kinds written and
  // their shapes (api/serving_stack.h). The controller detects it; `render`
  // defaults to the current release.
  api::ServingStack stack = api::kDefaultServingStack;
  std::string downloaderImage = "kthena/downloader:latest";
  std::string runtimeImage = "kthena/runtime:latest";
  // Engine images for workers that name none.
  std::string vllmImage = "vllm/vllm-openai:latest";
  std::string sglangImage = "lmsysorg/sglang:latest";
  int32_t enginePort = 8000;
  // Port SGLang's nodes rendezvous on (--dist-init-addr) in multi-node groups.
  int32_t sglangDistInitPort = 5000;
  // Mount path of the model cache when a backend has no cacheURI.
  std::string defaultCacheMount = "/models";
  // Node label value that Ascend NPU workers are pinned to.
  std::string npuChipName = "Ascend910";
  // Network interface handed to HCCL/GLOO on Ascend decode pods.
  std::string npuSocketInterface = "eth0";
  std::string multiNodeScript = "/vllm-workspace/vllm/examples/online_serving/multi-node-serving.sh";
  KvEventsOptions kvEvents;

  const api::StackProfile& profile() const { return api::profileOf(stack); }
};

}  // namespace mb::core
