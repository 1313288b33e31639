// Route weights that follow the backends' readiness. Kthena's router picks a
// ModelRoute target by weight alone (datastore/store.go, selectDestination)
// and answers 404 when the chosen ModelServer has no ready pod, so a
// backend scaled to zero, or not ready yet, would fail its whole share of
// the requests. A target whose ModelServing has no available serving
// group therefore gets weight 0, as long as another target of the same
// rule has one; when none has, the spec's weights stand (an all-zero rule
// is refused by v1.0's webhook and panics v0.1's router). Deviation 23b in
// docs/deviations.md.
#pragma once

#include <string>
#include <vector>

#include "api/children.h"
#include "kube/store.h"

namespace mb::controller {

// Rewrites the weights of the ModelRoute among `desired` from the live
// ModelServings of namespace `ns` (a ModelServer and its ModelServing share
// their name). Returns the names of the servers given weight 0.
std::vector<std::string> weighRouteByReadiness(std::vector<api::DesiredChild>& desired, const kube::Store& servings,
                                               const std::string& ns);

}  // namespace mb::controller
