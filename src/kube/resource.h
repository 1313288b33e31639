// Which API resource a request is about, and the paths it lives at.
#pragma once

#include <string>

namespace mb::kube {

struct Resource {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // /api/v1[/namespaces/NS]/plural[/name[/subresource]], or /apis/group/version/...
  std::string path(const std::string& ns, const std::string& name = "", const std::string& subresource = "") const;
};

// The resources the controller itself needs. The child kinds' resources come
// from the one table of kinds (api::kChildKinds, controller::resourceOf).
namespace resources {
Resource modelBoosters();
Resource configMaps();
Resource namespaces();
Resource leases();
Resource events();
Resource pods();
}  // namespace resources

}  // namespace mb::kube
