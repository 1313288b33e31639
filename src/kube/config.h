// Where the operator finds its API server and credentials: kubeconfig files
// merged the way kubectl merges them, the in-cluster service account, and
// the flag/environment precedence controller-runtime uses.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
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

// Merges kubeconfig files as kubectl does: for named clusters, users and
// contexts the first file defining a name wins (whole entries, no field
// merging); current-context comes from the first file that sets it. Uses
// `context` when not empty, else current-context. Every file must be
// readable (loadConfig drops missing KUBECONFIG entries first, as kubectl
// does). Relative paths in a file are relative to that file's directory.
ConfigResult<RestConfig> loadKubeconfig(const std::vector<std::string>& files, const std::string& context);

// The pod's service account: KUBERNETES_SERVICE_HOST/_PORT, and token, CA
// and namespace under /var/run/secrets/kubernetes.io/serviceaccount, with
// `root` prefixed (tests). POD_NAMESPACE overrides the namespace file, as in
// client-go. NotFound when the variables are not set.
ConfigResult<RestConfig> inClusterConfig(const Env& env, const std::string& root = "");

inline constexpr std::string_view kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

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

// KUBECONFIG's ':'-separated list, empty entries and repeats dropped.
std::vector<std::string> splitKubeconfigPaths(std::string_view value);

// Standard base64 (RFC 4648 alphabet); whitespace anywhere is ignored and
// trailing padding is optional. nullopt on any other malformation.
std::optional<std::string> decodeBase64(std::string_view text);

// The bearer token to send now. A static token, or the token file re-read
// when it changes (service account tokens rotate; kubelet swaps the file).
// The file is stat-ed at most once per `recheck`; an unreadable or empty
// file keeps the last good token, so a rotation caught half-written does
// not drop credentials. Thread-safe.
class TokenSource {
 public:
  static constexpr std::chrono::seconds kDefaultRecheck{10};

  // `initial` is used until the file is first read (and when it never can be).
  // The recheck interval runs on `clock`.
  TokenSource(const std::string& initial, std::string tokenFile, base::Clock& clock,
              base::Duration recheck = kDefaultRecheck);
  TokenSource(const RestConfig& config, base::Clock& clock, base::Duration recheck = kDefaultRecheck);
  TokenSource(const TokenSource&) = delete;
  TokenSource& operator=(const TokenSource&) = delete;

  // The current token, trimmed of whitespace; empty when there is none.
  std::string token();
  // The next token() checks the file whatever the interval.
  void refreshForTest();
  // The last failure to read the token file, if the last attempt failed.
  std::optional<std::string> lastError();

  // A thread-safe callable for ClientOptions::bearerToken; empty when the
  // config has no token at all.
  static std::function<std::string()> provider(const RestConfig& config, base::Clock& clock);

 private:
  struct FileStamp {
    uint64_t dev = 0;
    uint64_t ino = 0;
    int64_t size = -1;
    int64_t mtimeNs = 0;
    bool operator==(const FileStamp&) const = default;
  };
  void checkLocked(base::TimePoint now);

  std::mutex mu_;
  std::string token_;
  const std::string tokenFile_;
  const base::Duration recheck_;
  base::Clock& clock_;
  bool checked_ = false;  // false until the first check, or after refreshForTest()
  base::TimePoint lastCheck_;
  FileStamp stamp_;  // of the file as last read successfully
  std::optional<std::string> lastError_;
};

}  // namespace mb::kube
