// Kubeconfig files, read and merged the way kubectl does it. Messages name
// the file (and line), context, cluster or user at fault, because a wrong
// kubeconfig is the first thing a new user of the operator runs into.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kube/rest_config.h"

namespace mb::kube {

// Merges kubeconfig files as kubectl does: for named clusters, users and
// contexts the first file defining a name wins (whole entries, no field
// merging); current-context comes from the first file that sets it. Uses
// `context` when not empty, else current-context. Every file must be
// readable (loadConfig drops missing KUBECONFIG entries first, as kubectl
// does). Relative paths in a file are relative to that file's directory.
ConfigResult<RestConfig> loadKubeconfig(const std::vector<std::string>& files, const std::string& context);

// KUBECONFIG's ':'-separated list, empty entries and repeats dropped.
std::vector<std::string> splitKubeconfigPaths(std::string_view value);

}  // namespace mb::kube
