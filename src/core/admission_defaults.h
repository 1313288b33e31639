// The defaults the mutating webhook writes into a stored booster, as RFC
// 6902 JSON Patch operations on the document the API server sent, so that
// `kubectl get` shows what the controller will act on. They are the
// defaults of applyDefaults that the CRD schema cannot express (it has no
// conditional defaults, and does not default a field set to ""):
//   - with model-level autoscaling (spec.autoscalingPolicy):
//     spec.costExpansionRatePercent 200 and, per backend,
//     scaleToZeroGracePeriod "30s";
//   - per worker: type "server" (also in place of ""), replicas 1, pods 1.
// Both shapes (spec.backends[] and Kthena v1.0's spec.backend) are handled.
// Everything else applyDefaults fills in stays implicit: the schema
// defaults it (routeWeight, the policies' fields) or it is derived
// (v1.0's replicas as both bounds, a device limit equal to its request).
#pragma once

#include "document/value.h"

namespace mb::core {

// A JSON array of {"op", "path", "value"} operations; empty when nothing is
// missing, or when `booster` is not shaped like one (validation says why).
// Applying the result twice changes nothing the second time.
document::Value admissionDefaultsPatch(const document::Value& booster);

}  // namespace mb::core
