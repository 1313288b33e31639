// Reading the children's status back into what the booster's status
// reports: which ModelServings are Available, which are at 0 replicas (no
// status at all from Kthena), and each backend's replicas.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/children.h"
#include "api/model_booster.h"
#include "controller/status.h"
#include "document/value.h"
#include "kube/store.h"

namespace mb::controller {

// status.conditions has Available=True.
bool available(const document::Value& serving);
// spec.replicas, or -1 when absent.
int64_t specReplicas(const document::Value& serving);
// status.replicas, or 0.
int32_t statusReplicas(const document::Value& serving);
// status.availableReplicas (serving groups ready), or 0.
int32_t availableReplicas(const document::Value& serving);

// Fills `observed` (servings, notAvailable, scaledToZero, backends) from
// the live ModelServings in `servings` (the cache) for the desired ones.
void observeServings(const kube::Store& servings, const std::string& ns, const api::ModelBooster& booster,
                     const std::vector<api::DesiredChild>& desired, Observed& observed);

}  // namespace mb::controller
