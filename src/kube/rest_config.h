// Where the operator finds its API server and credentials: what the REST
// client needs (RestConfig), and the precedence between the sources that
// controller-runtime uses (--kubeconfig, KUBECONFIG, in-cluster,
// ~/.kube/config, and --master over any of them).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace mb::kube {

// What the REST client needs to talk to one API server.
struct RestConfig {
  std::string server;  // https://host:port (no trailing slash)
  std::string caPem;   // CA bundle PEM (from certificate-authority-data, or the file's contents)
  std::string caFile;  // path, when given as a file (kept for reloading)
  bool insecureSkipTlsVerify = false;
  std::string clientCertPem;
  std::string clientKeyPem;
  std::string bearerToken;       // static token; with tokenFile, the token read at load time
  std::string tokenFile;         // re-read when it changes (see TokenSource)
  std::string defaultNamespace;  // context namespace, or in-cluster namespace file, else "default"
  std::string contextName;       // for messages; "in-cluster" for the service account
  std::string source;            // "kubeconfig /path[, /path]", "in-cluster" or "--master": for logs
  double qps = 20;
  int burst = 30;
  std::string userAgent = "modelbooster";
};

struct ConfigError {
  enum class Code : uint8_t {
    NotFound,     // no such file, or not inside a cluster: a later source may apply
    Invalid,      // found but broken: stop and tell the user
    Unsupported,  // valid, but asks for something we do not implement yet
  };
  Code code = Code::Invalid;
  std::string message;
};

template <class T>
using ConfigResult = Result<T, ConfigError>;

// Environment lookup, injectable so tests never touch the real environment.
// Returns nullopt for unset variables.
using Env = std::function<std::optional<std::string>(std::string_view)>;
Env processEnv();

struct LoadOptions {
  std::string kubeconfig;     // --kubeconfig
  std::string context;        // --context
  std::string master;         // --master: overrides the server of whatever source is used
  Env env;                    // empty: the process environment
  std::string inClusterRoot;  // prefix for the service account paths (tests)
};

// Precedence as in controller-runtime: --kubeconfig, else the KUBECONFIG
// files, else (when KUBECONFIG is unset and no --context is given) the
// in-cluster service account, else $HOME/.kube/config.
ConfigResult<RestConfig> loadConfig(const LoadOptions& options);

}  // namespace mb::kube
