// The configuration of a pod's service account, for the operator running
// inside the cluster it manages.
#pragma once

#include <string>
#include <string_view>

#include "kube/rest_config.h"

namespace mb::kube {

// The pod's service account: KUBERNETES_SERVICE_HOST/_PORT, and token, CA
// and namespace under /var/run/secrets/kubernetes.io/serviceaccount, with
// `root` prefixed (tests). POD_NAMESPACE overrides the namespace file, as in
// client-go. NotFound when the variables are not set.
ConfigResult<RestConfig> inClusterConfig(const Env& env, const std::string& root = "");

inline constexpr std::string_view kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

}  // namespace mb::kube
