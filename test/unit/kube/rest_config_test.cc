// The precedence between --kubeconfig, KUBECONFIG, in-cluster and
// ~/.kube/config, and --master over any of them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "config_test_util.h"
#include "kube/rest_config.h"

namespace mb::kube {
namespace {

namespace fs = std::filesystem;
using namespace test;  // NOLINT(google-build-using-namespace): the shared fixtures
using ::testing::AllOf;
using ::testing::HasSubstr;
using Code = ConfigError::Code;

// ---------------------------------------------------------- loadConfig --

// Every source at once, so each test can take one away.
struct Sources {
  TempDir dir;
  FakePod pod;
  std::string flagFile, envA, envB, homeDir;
  std::map<std::string, std::string> env;

  Sources() {
    auto one = [&](const std::string& name) {
      return "current-context: " + name + "\nclusters:\n- name: c\n  cluster:\n    server: https://" + name +
             ":6443\n    insecure-skip-tls-verify: true\n"
             "contexts:\n- name: " +
             name + "\n  context: {cluster: c}\n- name: other\n  context: {cluster: c, namespace: other-ns}\n";
    };
    flagFile = dir.write("flag.yaml", one("flag"));
    envA = dir.write("env-a.yaml", one("env-a"));
    envB = dir.write("env-b.yaml", one("env-b"));
    homeDir = dir.path("home");
    dir.write("home/.kube/config", one("home"));
    env = {{"KUBECONFIG", envA + ":" + envB},
           {"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
           {"KUBERNETES_SERVICE_PORT", "443"},
           {"HOME", homeDir}};
  }
  ConfigResult<RestConfig> load(const std::string& kubeconfigFlag = "", const std::string& context = "",
                                const std::string& master = "") {
    LoadOptions o;
    o.kubeconfig = kubeconfigFlag;
    o.context = context;
    o.master = master;
    o.env = fakeEnv(env);
    o.inClusterRoot = pod.root.path();
    return loadConfig(o);
  }
};

std::string serverOf(const ConfigResult<RestConfig>& r) { return r.ok() ? r->server : "error: " + r.error().message; }

TEST(LoadConfig, PrecedenceFlagEnvInClusterHome) {
  Sources s;
  EXPECT_EQ(serverOf(s.load(s.flagFile)), "https://flag:6443");
  EXPECT_EQ(serverOf(s.load()), "https://env-a:6443");  // the first KUBECONFIG file's current-context
  s.env.erase("KUBECONFIG");
  EXPECT_EQ(serverOf(s.load()), "https://10.96.0.1:443");
  s.env.erase("KUBERNETES_SERVICE_HOST");
  EXPECT_EQ(serverOf(s.load()), "https://home:6443");
  EXPECT_EQ(s.load()->source, "kubeconfig " + s.homeDir + "/.kube/config");
}

TEST(LoadConfig, KubeconfigEnvSkipsMissingFilesButNotBrokenOnes) {
  Sources s;
  s.env["KUBECONFIG"] = s.dir.path("missing.yaml") + ":" + s.envB;
  EXPECT_EQ(serverOf(s.load()), "https://env-b:6443");

  // All missing: an error, not a silent fall back to in-cluster or $HOME.
  s.env["KUBECONFIG"] = s.dir.path("missing.yaml");
  auto r = s.load();
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message,
              AllOf(HasSubstr("no kubeconfig: set --kubeconfig or KUBECONFIG"),
                    HasSubstr("KUBECONFIG=" + s.dir.path("missing.yaml") + " names no existing file")));

  s.dir.write("broken.yaml", "clusters: [\n");
  s.env["KUBECONFIG"] = s.dir.path("broken.yaml") + ":" + s.envB;
  EXPECT_THAT(serverOf(s.load()), HasSubstr("broken.yaml:"));

  s.env["KUBECONFIG"] = "";  // empty counts as unset, as for kubectl
  EXPECT_EQ(serverOf(s.load()), "https://10.96.0.1:443");
}

TEST(LoadConfig, FlagFileMustExist) {
  Sources s;
  auto r = s.load(s.dir.path("nope.yaml"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, AllOf(HasSubstr(s.dir.path("nope.yaml")), HasSubstr("No such file or directory")));
}

TEST(LoadConfig, ContextOverrideSkipsInCluster) {
  Sources s;
  auto r = s.load("", "other");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->server, "https://env-a:6443");
  EXPECT_EQ(r->defaultNamespace, "other-ns");

  s.env.erase("KUBECONFIG");
  auto home = s.load("", "other");  // in-cluster has no contexts: $HOME's kubeconfig
  ASSERT_TRUE(home.ok()) << home.error().message;
  EXPECT_EQ(home->server, "https://home:6443");
  EXPECT_EQ(home->contextName, "other");

  auto flag = s.load(s.flagFile, "other");
  ASSERT_TRUE(flag.ok()) << flag.error().message;
  EXPECT_EQ(flag->server, "https://flag:6443");
  EXPECT_EQ(flag->defaultNamespace, "other-ns");
}

TEST(LoadConfig, MasterOverridesServer) {
  Sources s;
  EXPECT_EQ(serverOf(s.load(s.flagFile, "", "https://override:8443/")), "https://override:8443");
  s.env.erase("KUBECONFIG");
  auto inCluster = s.load("", "", "10.0.0.9:6443");
  ASSERT_TRUE(inCluster.ok()) << inCluster.error().message;
  EXPECT_EQ(inCluster->server, "https://10.0.0.9:6443");
  EXPECT_EQ(inCluster->bearerToken, "sa-token");  // credentials stay
  EXPECT_THAT(serverOf(s.load("", "", "ftp://x")), HasSubstr("--master \"ftp://x\" has scheme"));
}

TEST(LoadConfig, NothingFound) {
  Sources s;
  s.env = {{"HOME", s.dir.path("empty-home")}};
  auto r = s.load();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::NotFound);
  EXPECT_THAT(r.error().message,
              AllOf(HasSubstr("no kubeconfig: set --kubeconfig or KUBECONFIG, or run inside a cluster"),
                    HasSubstr("not running inside a cluster"),
                    HasSubstr(s.dir.path("empty-home") + "/.kube/config does not exist")));

  // --master alone still gives a usable (anonymous) config.
  auto bare = s.load("", "", "http://127.0.0.1:8001");
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  EXPECT_EQ(bare->server, "http://127.0.0.1:8001");
  EXPECT_EQ(bare->defaultNamespace, "default");
}

TEST(LoadConfig, BrokenInClusterFallsBackToHomeAndIsReported) {
  Sources s;
  s.env.erase("KUBECONFIG");
  fs::remove(s.pod.file("token"));
  EXPECT_EQ(serverOf(s.load()), "https://home:6443");  // as controller-runtime does
  s.env["HOME"] = s.dir.path("empty-home");
  EXPECT_THAT(serverOf(s.load()),
              AllOf(HasSubstr("no kubeconfig"), HasSubstr("cannot read the service account token")));
}

}  // namespace
}  // namespace mb::kube
