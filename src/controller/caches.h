// The caches the reconciler reads instead of the API server: one Store per
// kind, filled by watchers (see manager.cc). A steady cluster costs no GETs.
#pragma once

#include <array>
#include <atomic>

#include "api/serving_stack.h"
#include "kube/resource.h"
#include "kube/store.h"

namespace mb::controller {

// The API resource of a child kind, built from the one table of kinds
// (api::kChildKinds: group, version, plural). Every child request goes
// through it.
kube::Resource resourceOf(api::ChildKind kind);

class Caches {
 public:
  kube::Store boosters;
  // Serving pods (ours, by label), watched only with dynamic LoRA on: the
  // LoRA syncer's targets (lora_targets.h).
  kube::Store pods;

  kube::Store& of(api::ChildKind kind) { return children_[index(kind)]; }
  const kube::Store& of(api::ChildKind kind) const { return children_[index(kind)]; }

  // The manager watches only the child kinds the API server serves and
  // marks each one here before its watchers start; the others' stores stay
  // empty and never count against synced().
  void setWatched(api::ChildKind kind) { watched_[index(kind)].store(true); }
  bool watched(api::ChildKind kind) const { return watched_[index(kind)].load(); }
  // The boosters and every watched kind have had their first full list.
  bool synced() const;

 private:
  static size_t index(api::ChildKind kind) { return static_cast<size_t>(kind); }

  std::array<kube::Store, api::kChildKinds.size()> children_;  // indexed by ChildKind
  std::array<std::atomic<bool>, api::kChildKinds.size()> watched_{};
};

}  // namespace mb::controller
