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

namespace resources {
Resource modelBoosters();
Resource modelServings();
Resource modelServers();
Resource modelRoutes();
Resource autoscalingPolicies();
Resource autoscalingPolicyBindings();
Resource configMaps();
Resource namespaces();
Resource leases();
Resource events();
}  // namespace resources

}  // namespace mb::kube
