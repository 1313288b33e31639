// What the configuration tests share: fake PEMs, a temp directory that
// writes files as kubelet swaps them, a fake environment, a one-context
// kubeconfig, and a fake pod's service account mount.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>  // also mkdtemp (POSIX)
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/clock.h"
#include "kube/in_cluster.h"
#include "kube/kubeconfig.h"
#include "kube/rest_config.h"

namespace mb::kube::test {

namespace fs = std::filesystem;

inline const std::string kCaPem = "-----BEGIN CERTIFICATE-----\nfake-ca\n-----END CERTIFICATE-----\n";
inline const std::string kCertPem = "-----BEGIN CERTIFICATE-----\nfake-client\n-----END CERTIFICATE-----\n";
inline const std::string kKeyPem = "-----BEGIN PRIVATE KEY-----\nfake-key\n-----END PRIVATE KEY-----\n";
inline const std::string kCaB64 =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmZha2UtY2EKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";

// A clock that never moves, for TokenSources whose timing a test ignores.
inline base::Clock& stoppedClock() {
  static base::FakeClock clock;
  return clock;
}

inline std::string testdata(const std::string& name) {
  return std::string(MB_SOURCE_DIR) + "/test/unit/kube/testdata/" + name;
}

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mb-kube-config-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path(const std::string& rel = "") const { return rel.empty() ? path_.string() : (path_ / rel).string(); }

  // Writes through a temporary and a rename, as kubelet swaps files, so
  // readers see the old or the new content and a new inode.
  std::string write(const std::string& rel, const std::string& content) const {
    fs::path p = path_ / rel;
    fs::create_directories(p.parent_path());
    fs::path tmp = p;
    tmp += ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << content;
    }
    fs::rename(tmp, p);
    return p.string();
  }

 private:
  fs::path path_;
};

inline Env fakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A one-cluster, one-user, one-context kubeconfig with the given bodies.
inline std::string kubeconfig(const std::string& clusterBody, const std::string& userBody,
                              const std::string& contextExtra = "") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: ctx\n"
         "clusters:\n- name: c1\n  cluster:\n" +
         clusterBody + "users:\n- name: u1\n  user:\n" + userBody +
         "contexts:\n- name: ctx\n  context:\n    cluster: c1\n    user: u1\n" + contextExtra;
}

inline const std::string kServer = "    server: https://127.0.0.1:6443\n";
inline const std::string kNoUser = "    {}\n";

inline ConfigError loadError(const std::vector<std::string>& files, const std::string& context = "") {
  auto r = loadKubeconfig(files, context);
  EXPECT_FALSE(r.ok());
  return r.ok() ? ConfigError{} : r.error();
}

// A fake pod filesystem: root/var/run/secrets/kubernetes.io/serviceaccount/.
struct FakePod {
  TempDir root;
  FakePod(const std::string& token = "sa-token\n", const std::string& ns = "ns-from-file\n") {
    std::string dir = std::string(kServiceAccountDir).substr(1) + "/";
    if (!token.empty()) root.write(dir + "token", token);
    root.write(dir + "ca.crt", kCaPem);
    if (!ns.empty()) root.write(dir + "namespace", ns);
  }
  std::string file(const std::string& name) const { return root.path() + std::string(kServiceAccountDir) + "/" + name; }
};

}  // namespace mb::kube::test
