#include "controller/caches.h"

namespace mb::controller {

kube::Resource resourceOf(api::ChildKind kind) {
  const api::KindInfo& info = api::kindInfo(kind);
  return kube::Resource{std::string(info.group), std::string(info.version), std::string(info.plural), true};
}

bool Caches::synced() const {
  if (!boosters.synced()) return false;
  for (const auto& k : api::kChildKinds) {
    if (watched(k.kind) && !of(k.kind).synced()) return false;
  }
  return true;
}

}  // namespace mb::controller
