// The caches the reconciler reads instead of the API server: one Store per
// kind, filled by watchers (see manager.cc). A steady cluster costs no GETs.
#pragma once

#include <array>
#include <string>

#include "kube/resource.h"
#include "kube/store.h"

namespace mb::controller {

// The five kinds a booster owns, in the order they are created.
enum class ChildKind { ModelServing, ModelServer, ModelRoute, AutoscalingPolicy, AutoscalingPolicyBinding };
inline constexpr std::array<ChildKind, 5> kChildKinds = {ChildKind::ModelServing, ChildKind::ModelServer,
                                                         ChildKind::ModelRoute, ChildKind::AutoscalingPolicy,
                                                         ChildKind::AutoscalingPolicyBinding};

const char* kindName(ChildKind kind);
kube::Resource resourceOf(ChildKind kind);
// The kind named by an object's `kind` field; false for other kinds.
bool childKindOf(const std::string& kind, ChildKind& out);

struct Caches {
  kube::Store boosters;
  std::array<kube::Store, 5> children;  // indexed by ChildKind
  kube::Store& of(ChildKind kind) { return children[static_cast<size_t>(kind)]; }
  const kube::Store& of(ChildKind kind) const { return children[static_cast<size_t>(kind)]; }
  bool synced() const;
};

}  // namespace mb::controller
