// The precedence between configuration sources, and --master over them.
#include "kube/rest_config.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "kube/config_text.h"
#include "kube/in_cluster.h"
#include "kube/kubeconfig.h"

namespace mb::kube {

using config_text::error;
using config_text::isMissing;
using config_text::join;
using config_text::normalizeServer;
using config_text::quote;
using Code = ConfigError::Code;

namespace {

std::string homeDir(const Env& env) {
  if (auto home = env("HOME"); home && !home->empty()) return *home;
  // controller-runtime falls back to the user database when HOME is unset.
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr && found->pw_dir != nullptr) {
    return found->pw_dir;
  }
  return {};
}

}  // namespace

Env processEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

ConfigResult<RestConfig> loadConfig(const LoadOptions& options) {
  const Env env = options.env ? options.env : processEnv();
  auto finish = [&](ConfigResult<RestConfig> result) -> ConfigResult<RestConfig> {
    if (!result || options.master.empty()) return result;
    auto server = normalizeServer(options.master);
    if (!server) return err(error(Code::Invalid, "--master " + quote(options.master) + " " + server.error()));
    result->server = std::move(*server);
    return result;
  };

  if (!options.kubeconfig.empty()) return finish(loadKubeconfig({options.kubeconfig}, options.context));

  // Why each source did not apply, for the final message.
  std::vector<std::string> notes;
  std::optional<std::string> kubeconfigEnv = env("KUBECONFIG");
  if (kubeconfigEnv && !kubeconfigEnv->empty()) {
    // kubectl skips KUBECONFIG entries that do not exist; other errors
    // (permissions, bad YAML) are reported by loadKubeconfig.
    std::vector<std::string> existing;
    for (std::string& path : splitKubeconfigPaths(*kubeconfigEnv)) {
      struct stat st {};
      if (stat(path.c_str(), &st) == 0 || !isMissing(errno)) existing.push_back(std::move(path));
    }
    if (!existing.empty()) return finish(loadKubeconfig(existing, options.context));
    notes.push_back("KUBECONFIG=" + *kubeconfigEnv + " names no existing file");
  } else if (options.context.empty()) {
    ConfigResult<RestConfig> inCluster = inClusterConfig(env, options.inClusterRoot);
    if (inCluster) return finish(std::move(inCluster));
    notes.push_back(inCluster.error().message);
  } else {
    notes.push_back("in-cluster config skipped: --context names a kubeconfig context");
  }

  if (!kubeconfigEnv || kubeconfigEnv->empty()) {
    std::string home = homeDir(env);
    if (!home.empty()) {
      std::string path = home + "/.kube/config";
      struct stat st {};
      if (stat(path.c_str(), &st) == 0 || !isMissing(errno)) return finish(loadKubeconfig({path}, options.context));
      notes.push_back(path + " does not exist");
    } else {
      notes.push_back("HOME is not set");
    }
  }

  if (!options.master.empty() && options.context.empty()) {
    // `--master` alone: no credentials, e.g. a `kubectl proxy` endpoint.
    RestConfig bare;
    bare.defaultNamespace = "default";
    bare.source = "--master";
    return finish(std::move(bare));
  }
  return err(error(Code::NotFound, "no kubeconfig: set --kubeconfig or KUBECONFIG, or run inside a cluster (" +
                                       join(notes, "; ") + ")"));
}

}  // namespace mb::kube
