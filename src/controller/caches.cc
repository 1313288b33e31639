#include "controller/caches.h"

namespace mb::controller {

const char* kindName(ChildKind kind) {
  switch (kind) {
    case ChildKind::ModelServing:
      return "ModelServing";
    case ChildKind::ModelServer:
      return "ModelServer";
    case ChildKind::ModelRoute:
      return "ModelRoute";
    case ChildKind::AutoscalingPolicy:
      return "AutoscalingPolicy";
    case ChildKind::AutoscalingPolicyBinding:
      return "AutoscalingPolicyBinding";
  }
  return "?";
}

kube::Resource resourceOf(ChildKind kind) {
  switch (kind) {
    case ChildKind::ModelServing:
      return kube::resources::modelServings();
    case ChildKind::ModelServer:
      return kube::resources::modelServers();
    case ChildKind::ModelRoute:
      return kube::resources::modelRoutes();
    case ChildKind::AutoscalingPolicy:
      return kube::resources::autoscalingPolicies();
    case ChildKind::AutoscalingPolicyBinding:
      return kube::resources::autoscalingPolicyBindings();
  }
  return {};
}

bool childKindOf(const std::string& kind, ChildKind& out) {
  for (ChildKind k : kChildKinds) {
    if (kind == kindName(k)) {
      out = k;
      return true;
    }
  }
  return false;
}

bool Caches::synced() const {
  if (!boosters.synced()) return false;
  for (const auto& s : children) {
    if (!s.synced()) return false;
  }
  return true;
}

}  // namespace mb::controller
