// Deciding what to write for one child: nothing, an update of the fields we
// own, or a replacement (immutable fields changed). Pure functions of the
// desired and live objects, unit-tested without a cluster.
#pragma once

#include <optional>
#include <string>

#include "controller/caches.h"
#include "doc/value.h"

namespace mb::controller {

struct ReplicaBounds {
  // With autoscaling the autoscaler owns ModelServing.spec.replicas: we set
  // it at creation and afterwards only clamp it into [min, max].
  bool autoscaled = false;
  int64_t min = 0;
  int64_t max = 0;
};

struct SyncPlan {
  enum class Op { None, Update, Replace };
  Op op = Op::None;
  doc::Value object;   // for Update: the live object with our fields applied
  std::string reason;  // for Replace: which immutable field changed
};

// `desired` and `live` are whole objects (apiVersion, kind, metadata, spec).
SyncPlan planChild(api::ChildKind kind, const doc::Value& desired, const doc::Value& live,
                   const ReplicaBounds& replicas);

}  // namespace mb::controller
