#include "kube/resource.h"

namespace mb::kube {

std::string Resource::path(const std::string& ns, const std::string& name, const std::string& subresource) const {
  std::string p = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) p += "/namespaces/" + ns;
  p += "/" + plural;
  if (!name.empty()) p += "/" + name;
  if (!subresource.empty()) p += "/" + subresource;
  return p;
}

namespace resources {
Resource modelBoosters() { return {"workload.serving.volcano.sh", "v1alpha1", "modelboosters", true}; }
Resource configMaps() { return {"", "v1", "configmaps", true}; }
Resource pods() { return {"", "v1", "pods", true}; }
Resource namespaces() { return {"", "v1", "namespaces", false}; }
Resource leases() { return {"coordination.k8s.io", "v1", "leases", true}; }
Resource events() { return {"events.k8s.io", "v1", "events", true}; }
}  // namespace resources

}  // namespace mb::kube
