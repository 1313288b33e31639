#include "cli/conversion_flags.h"

#include <string>

namespace mb::cli {

namespace {

// An image reference has no blanks and is not empty: the API server
// accepts either in a pod, which then never starts.
const CLI::Validator kImage(
    [](const std::string& value) -> std::string {
      if (value.empty()) return "an image must not be empty";
      if (value.find_first_of(" \t\r\n") != std::string::npos) return "an image must not contain whitespace";
      return {};
    },
    "IMAGE");

}  // namespace

void addConversionFlags(CLI::App& cmd, core::ConversionOptions& config, ConversionFlagsFor who,
                        std::string* servingStack) {
  // In the cluster the ConfigMap may override the two images: say so where
  // it applies.
  const bool controller = who == ConversionFlagsFor::Controller;
  const std::string downloaderHelp =
      std::string("Image of the model/LoRA downloader init containers") +
      (controller ? " (the ConfigMap key model_serving_downloader_image overrides it)" : "");
  const std::string runtimeHelp = std::string("Image of the runtime sidecar") +
                                  (controller ? " (the ConfigMap key model_serving_runtime_image overrides it)" : "");
  const char* group = "Conversion";
  const std::string stackHelp =
      "Serving stack that reads the children: v1.0 (Kthena v1.0.0, the current release: no "
      "AutoscalingPolicyBinding, autoscaling targets inside the AutoscalingPolicy) or v0.1 (Kthena v0.1.0)";
  if (controller && servingStack != nullptr) {
    cmd.add_option("--serving-stack", *servingStack,
                   stackHelp + "; auto detects it from the API server's discovery at start-up")
        ->check(CLI::IsMember({"auto", "v1.0", "v0.1"}))
        ->capture_default_str()
        ->group(group);
  } else {
    cmd.add_option_function<std::string>(
           "--serving-stack",
           [&config](const std::string& v) { config.stack = api::parseServingStack(v).value_or(config.stack); },
           stackHelp)
        ->check(CLI::IsMember({"v1.0", "v0.1"}))
        ->default_str(std::string(api::profileOf(config.stack).name))
        ->group(group);
  }
  cmd.add_option("--downloader-image", config.downloaderImage, downloaderHelp)
      ->capture_default_str()
      ->check(kImage)
      ->group(group);
  cmd.add_option("--runtime-image", config.runtimeImage, runtimeHelp)
      ->capture_default_str()
      ->check(kImage)
      ->group(group);
  cmd.add_option("--vllm-image", config.vllmImage, "Engine image for vLLM workers that set no image")
      ->capture_default_str()
      ->check(kImage)
      ->group(group);
  cmd.add_option("--sglang-image", config.sglangImage, "Engine image for SGLang workers that set no image")
      ->capture_default_str()
      ->check(kImage)
      ->group(group);
  cmd.add_option("--npu-chip-name", config.npuChipName,
                 "Value of node label node.kubernetes.io/npu.chip.name required by Ascend NPU pods")
      ->capture_default_str()
      ->group(group);
  cmd.add_option("--npu-socket-ifname", config.npuSocketInterface,
                 "Network interface for HCCL/GLOO on Ascend decode pods")
      ->capture_default_str()
      ->group(group);
  cmd.add_option("--multi-node-script", config.multiNodeScript,
                 "Script in the vLLM image that starts a Ray head or worker for multi-node backends")
      ->capture_default_str()
      ->group(group);
  cmd.add_option("--kv-events", config.kvEvents.enabled,
                 "Pass --kv-events-config to vLLM so the router can see prefix-cache events (true|false)")
      ->default_str(config.kvEvents.enabled ? "true" : "false")
      ->group(group);
  cmd.add_option("--kv-events-endpoint", config.kvEvents.endpoint, "ZMQ endpoint vLLM publishes KV-cache events on")
      ->capture_default_str()
      ->group(group);
}

}  // namespace mb::cli
