// Deciding what to write for one child: nothing, an update of the fields we
// own, or a replacement (immutable fields changed). Pure functions of the
// desired and live objects, unit-tested without a cluster; and the memory of
// what the server kept of each child we wrote.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/children.h"
#include "api/serving_stack.h"
#include "document/value.h"
#include "kube/store.h"

namespace mb::controller {

// With autoscaling the autoscaler owns ModelServing.spec.replicas: we set
// it at creation and afterwards only clamp it into [min, max]. Decided by
// the core, carried by each desired child (api::DesiredChild::replicas).
using ReplicaBounds = api::ReplicaOwnership;

struct SyncPlan {
  enum class Op { None, Update, Replace };
  Op op = Op::None;
  document::Value object;  // for Update: the live object with our fields applied
  std::string reason;      // for Replace: which immutable field changed
};

// `desired` and `live` are whole objects (apiVersion, kind, metadata, spec).
// `expected`, when given, is what the server made of `desired` the last time
// we wrote it (serverView()): the live object is compared with it instead of
// with `desired`, so that fields the server prunes, defaults inside our
// fields and values a webhook rewrites do not look like drift. What is
// written is always `desired`.
SyncPlan planChild(api::ChildKind kind, const document::Value& desired, const document::Value& live,
                   const ReplicaBounds& replicas, const document::Value* expected = nullptr);

// Kthena v1.0 gang-schedules every ModelServing that goes to Volcano: with
// no gangPolicy, each role's replicas are its minimum (StackProfile::
// implicitGang). So there, no gangPolicy and a gangPolicy with every role at
// its replicas (what Kthena's own booster controller always writes, and our
// gangScheduling opt-in) mean the same, and gangPolicy is immutable: when
// `desired` and `live` differ only that way, `out` becomes `desired` with
// the live gangPolicy (or none), so that the ModelServing is updated in
// place rather than replaced (which deletes every pod). False, and `out`
// untouched, otherwise.
bool keepImplicitGangPolicy(const document::Value& desired, const document::Value& live, document::Value& out);

// The server's version of the fields we own: `stored` (the object a create
// or update returned, i.e. what the server stores) cut down to the shape of
// `desired`'s metadata.labels and spec. A member of `desired` that `stored`
// lacks was pruned and is left out; where both have an object (or arrays of
// the same length) the members of `desired` are followed; anywhere else the
// stored value is taken whole, rewritten or defaulted as it is. The
// immutable fields (ModelRoute spec.modelName, ModelServing
// spec.template.gangPolicy) are taken from `stored` whole, present or not,
// so that a default the server adds there is not a reason to replace.
document::Value serverView(api::ChildKind kind, const document::Value& desired, const document::Value& stored);
// True when `view` (serverView of `desired`) says the server kept our
// labels and spec as we sent them: then comparing with `desired` is the
// same, and nothing needs remembering.
bool keptAsSent(const document::Value& view, const document::Value& desired);

// What the server kept of the children this process wrote: per child whose
// server version differs from what we sent (keptAsSent() false), the hash
// of the desired object last written and serverView() of the server's
// answer. While the desired object hashes the same, planChild compares the
// live child with that view. Empty after a restart: then each such child
// is written once, which refills it. Entries go when the child is deleted
// (by us, or seen deleted by the watch) or written again and kept as sent,
// so the memory holds at most one entry per existing child.
// Thread-safe: workers reconcile different boosters at once.
class WrittenChildren {
 public:
  static std::string keyOf(api::ChildKind kind, const std::string& ns, const std::string& name);
  static uint64_t hashOf(const document::Value& desired) { return document::nodeHash(desired); }

  // The remembered server view for `key` if it was written from a desired
  // object with this hash; else null.
  kube::ObjectPtr expectedFor(const std::string& key, uint64_t desiredHash) const;
  // `uid`: the child's metadata.uid as the server answered.
  void remember(const std::string& key, uint64_t desiredHash, kube::ObjectPtr expected, std::string uid);
  void forget(const std::string& key);
  // For a deletion the watch reports: forgets the entry only if it is about
  // that object, not about the one that replaced it since (same name).
  void forget(const std::string& key, const std::string& uid);
  size_t size() const;

 private:
  struct Entry {
    uint64_t desiredHash = 0;
    kube::ObjectPtr expected;
    std::string uid;
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace mb::controller
