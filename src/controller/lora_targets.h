// From the cluster to what the LoRA syncer works on: for each backend of a
// booster that loads adapters at run time, the adapters it wants and its
// running entry pods (Kthena labels them modelserving.volcano.sh/entry=true;
// only they run the engine's API server and the runtime sidecar).
#pragma once

#include <string>
#include <vector>

#include "api/model_booster.h"
#include "controller/lora_syncer.h"
#include "core/conversion_options.h"
#include "kube/store.h"

namespace mb::controller {

// Whether any backend of the booster loads LoRA adapters at run time.
bool usesRuntimeLora(const api::ModelBooster& booster);

// The pod, if it is a Ready entry pod with an IP and not being deleted.
std::optional<LoraPodTarget> loraTarget(const document::Value& pod, const sidecar::PodEndpoint& ports);

// One want per runtime-loading backend; `podsOf(servingName)` gives the
// pods of the backend's ModelServing.
std::vector<LoraBackendWant> loraWants(const api::ModelBooster& booster, const core::ConversionOptions& config,
                                       const std::function<std::vector<kube::ObjectPtr>(const std::string&)>& podsOf);

// The status entries of a backend's pods, those with an error first, at
// most api::kMaxLoraPodStatuses, errors cut to fit the schema.
std::vector<api::LoraPodStatus> loraPodStatuses(const std::vector<LoraPodReport>& reports, const std::string& backend);

}  // namespace mb::controller
