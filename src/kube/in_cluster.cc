#include "kube/in_cluster.h"

#include <optional>
#include <vector>

#include "kube/config_text.h"

namespace mb::kube {

using config_text::errnoText;
using config_text::error;
using config_text::join;
using config_text::quote;
using config_text::readFile;
using config_text::trim;
using Code = ConfigError::Code;

ConfigResult<RestConfig> inClusterConfig(const Env& env, const std::string& root) {
  std::optional<std::string> host = env("KUBERNETES_SERVICE_HOST");
  std::optional<std::string> port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    std::vector<std::string> unset;
    if (!host || host->empty()) unset.emplace_back("KUBERNETES_SERVICE_HOST");
    if (!port || port->empty()) unset.emplace_back("KUBERNETES_SERVICE_PORT");
    return err(error(Code::NotFound, "not running inside a cluster: " + join(unset, " and ") +
                                         (unset.size() > 1 ? " are" : " is") + " not set"));
  }
  bool portOk = port->size() <= 5 && port->find_first_not_of("0123456789") == std::string::npos;
  if (!portOk || std::stoi(*port) == 0 || std::stoi(*port) > 65535) {
    return err(error(Code::Invalid, "in-cluster config: KUBERNETES_SERVICE_PORT " + quote(*port) + " is not a port"));
  }
  RestConfig out;
  // An IPv6 literal needs brackets in a URL (Go's net.JoinHostPort does this).
  bool v6 = host->find(':') != std::string::npos && host->front() != '[';
  out.server = "https://" + (v6 ? "[" + *host + "]" : *host) + ":" + *port;
  out.contextName = "in-cluster";
  out.source = "in-cluster";

  const std::string dir = root + std::string(kServiceAccountDir);
  out.tokenFile = dir + "/token";
  auto token = readFile(out.tokenFile);
  if (!token) {
    return err(error(Code::Invalid, "in-cluster config: cannot read the service account token " + out.tokenFile + ": " +
                                        errnoText(token.error()) + " (is automountServiceAccountToken off?)"));
  }
  out.bearerToken = trim(*token);
  if (out.bearerToken.empty()) {
    return err(error(Code::Invalid, "in-cluster config: the service account token " + out.tokenFile + " is empty"));
  }
  out.caFile = dir + "/ca.crt";
  auto ca = readFile(out.caFile);
  if (!ca) {
    return err(error(Code::Invalid,
                     "in-cluster config: cannot read the cluster CA " + out.caFile + ": " + errnoText(ca.error())));
  }
  out.caPem = std::move(*ca);
  if (auto ns = env("POD_NAMESPACE"); ns && !trim(*ns).empty()) {
    out.defaultNamespace = trim(*ns);
  } else {
    // No namespace file: "default" below, as in client-go.
    if (auto content = readFile(dir + "/namespace")) out.defaultNamespace = trim(*content);
  }
  if (out.defaultNamespace.empty()) out.defaultNamespace = "default";
  return out;
}

}  // namespace mb::kube
