// What to load and unload on one pod, from the adapters the booster wants
// on its backend and the ones the pod's engine lists (OpenAI /v1/models,
// which vLLM answers with the base model and every loaded adapter). Pure:
// the controller's LoRA syncer fetches the list and makes the calls.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/model_booster.h"
#include "core/conversion_options.h"

namespace mb::core {

// One entry of /v1/models: for an adapter vLLM gives its name as `id`, the
// path it was loaded from as `root`, and the base model as `parent`.
struct ServedModel {
  std::string id;
  std::string root;
  std::string parent;
};
// Nullopt, and `error` saying why, when `body` is not an OpenAI model list.
std::optional<std::vector<ServedModel>> parseModelList(std::string_view body, std::string& error);

// An adapter as the runtime sidecar's /v1/load_lora_adapter takes it: it
// downloads `source` into `outputDir` and has the engine load it from there.
struct DesiredAdapter {
  std::string name;
  std::string source;     // the adapter's artifactURL
  std::string outputDir;  // <cache mount>/<md5 of artifactURL>, as the template's downloaders use
};
// The backend's adapters, in its order, with the paths its pods use.
std::vector<DesiredAdapter> desiredAdapters(const api::ModelBooster& booster, const api::Backend& backend,
                                            const ConversionOptions& config);
// The name the backend's engines serve the base model as (never an adapter).
std::string servedBaseModel(const api::ModelBooster& booster, const api::Backend& backend);

struct LoraPlan {
  // Unloads first: they free the engine's adapter slots (--max-loras) that
  // the loads may need.
  std::vector<std::string> unload;
  std::vector<DesiredAdapter> load;
  bool empty() const { return unload.empty() && load.empty(); }
};

// Unload what the pod serves and the booster no longer wants; load what it
// wants and the pod lacks. An adapter loaded from another path (its
// artifactURL changed) is unloaded and loaded again.
LoraPlan planLora(const std::vector<DesiredAdapter>& desired, const std::vector<ServedModel>& served,
                  std::string_view baseModel);

}  // namespace mb::core
