// From a watch event to the work-queue keys it concerns. The rules are plain
// functions of the change (a child reaches its controller owner, and its
// previous owner after an edit of the reference), unit-tested without a
// manager; EventRouter applies them on the watcher's thread, straight into
// the queue, so an event crosses no other code on its way to a reconcile.
#pragma once

#include <string>
#include <vector>

#include "api/serving_stack.h"
#include "controller/child_sync.h"
#include "document/value.h"
#include "kube/store.h"
#include "kube/watcher.h"
#include "runtime/work_queue.h"

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

// A serving pod changed (started, got an IP, restarted, went): the booster
// its model-name label names, in its namespace, whose LoRA syncer targets
// it may concern. Nothing for a pod without the label.
std::vector<std::string> keysForPod(const kube::Change& change);

// The configuration ConfigMap changed, or a missing child kind is served
// now: every booster in `boosters`, since each may render differently.
std::vector<std::string> keysForEveryBooster(const kube::Store& boosters);

// What the watchers call (kube::Watcher's onChange). A deleted child is also
// forgotten by the reconciler's memory of what the server kept of it
// (`written`), so that memory holds only children that exist.
class EventRouter {
 public:
  EventRouter(runtime::WorkQueue& queue, const kube::Store& boosters, WrittenChildren& written)
      : queue_(queue), boosters_(boosters), written_(written) {}

  void boosterChanged(const kube::Change& change);
  void childChanged(api::ChildKind kind, const kube::Change& change);
  void podChanged(const kube::Change& change);
  // Every booster, e.g. after the configuration changed.
  void everyBooster();

 private:
  void add(const std::vector<std::string>& keys);

  runtime::WorkQueue& queue_;
  const kube::Store& boosters_;
  WrittenChildren& written_;
};

}  // namespace mb::controller
