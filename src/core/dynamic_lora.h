// LoRA adapters changed at run time (docs/controller.md, "Dynamic LoRA").
//
// A ModelServing's pod template is what Kthena's ModelServing controller
// rolls out: changing it restarts every pod. For a backend whose engine can
// load and unload adapters while it runs, a change of `loraAdapters` alone
// must therefore leave the template as it is; the controller asks each
// running entry pod's runtime sidecar to load and unload adapters instead
// (controller/lora_syncer.h). The template records the adapters it was
// built with in an annotation, so that the next reconcile (or another
// controller after a restart) can rebuild exactly that template and tell a
// LoRA-only change from any other one. Any other change to the backend
// rebuilds the template with the adapters of the spec, which the pods then
// start with.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/children.h"
#include "api/model_booster.h"
#include "core/conversion_options.h"

namespace mb::core {

// On a ModelServing: the adapters its pod template was built with, as JSON
// [{"name": ..., "artifactURL": ...}], in the backend's order.
inline constexpr char kAnnotationTemplateLoraAdapters[] = "workload.serving.volcano.sh/lora-adapters";
// The engine variable vLLM needs before it serves /v1/load_lora_adapter and
// /v1/unload_lora_adapter; set in a backend's env it opts the backend in.
inline constexpr char kRuntimeLoraEnv[] = "VLLM_ALLOW_RUNTIME_LORA_UPDATING";

// The backend takes adapter changes at run time: a vLLM backend (one
// engine per serving group; not prefill/decode, whose adapters must agree
// across two roles, nor SGLang, whose adapter API the runtime sidecar does
// not call) with VLLM_ALLOW_RUNTIME_LORA_UPDATING true in its env.
bool loadsLoraAtRuntime(const api::Backend& backend);

std::string encodeTemplateAdapters(const std::vector<api::LoraAdapter>& adapters);
// Nullopt when `text` is not what encodeTemplateAdapters writes.
std::optional<std::vector<api::LoraAdapter>> decodeTemplateAdapters(std::string_view text);

// What the cluster holds of a ModelServing, as far as pinning needs it.
struct ExistingServing {
  std::string revision;          // its revision label
  std::string templateAdapters;  // its kAnnotationTemplateLoraAdapters ("" if none)
};
using ExistingServingLookup = std::function<std::optional<ExistingServing>(std::string_view name)>;

// For each backend that loads LoRA at run time and whose existing
// ModelServing was built with other adapters than the spec's: if rebuilding
// it with those adapters gives the revision it has, the spec changed only
// in its adapters, and that rebuilt ModelServing replaces the desired one
// in `children` (so the template, and the pods, stay). `booster` and
// `config` are what `children` was converted from. Returns the indexes of
// the backends pinned.
std::vector<size_t> pinLoraTemplates(const api::ModelBooster& booster, const ConversionOptions& config,
                                     const ExistingServingLookup& existing, api::Children& children);

}  // namespace mb::core
