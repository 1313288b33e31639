// From a watch event to the work-queue keys it concerns: plain functions of
// the change, so each rule (a child reaches its controller owner, and its
// previous owner after an edit of the reference) is unit-tested without a
// manager. The manager adds the keys to its queue.
#pragma once

#include <string>
#include <vector>

#include "document/value.h"
#include "kube/store.h"
#include "kube/watcher.h"

namespace mb::controller {

// "namespace/name" of the ModelBooster named by the child's controller
// ownerReference (controller: true, kind ModelBooster), in the child's
// namespace; "" when there is none (never a guess from the first owner).
std::string boosterOwnerKey(const document::Value& child);

// A booster changed (applied or deleted): its own key.
std::vector<std::string> keysForBooster(const kube::Change& change);

// A child changed: its controller owner, and, when an edit removed or
// changed that reference, the booster that owned it before (or the drift
// goes unseen). Nothing for a child no booster controls.
std::vector<std::string> keysForChild(const kube::Change& change);

// The configuration ConfigMap changed, or a missing child kind is served
// now: every booster in `boosters`, since each may render differently.
std::vector<std::string> keysForEveryBooster(const kube::Store& boosters);

}  // namespace mb::controller
