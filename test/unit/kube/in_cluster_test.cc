// The service account configuration of a pod, on a fake pod filesystem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config_test_util.h"
#include "kube/in_cluster.h"
#include "kube/token_source.h"

namespace mb::kube {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the shared fixtures
using ::testing::AllOf;
using ::testing::HasSubstr;
using Code = ConfigError::Code;

// ------------------------------------------------------------- in-cluster --

TEST(InCluster, Ipv4Host) {
  FakePod pod;
  auto r = inClusterConfig(fakeEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}),
                           pod.root.path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->server, "https://10.96.0.1:443");
  EXPECT_EQ(r->bearerToken, "sa-token");
  EXPECT_EQ(r->tokenFile, pod.file("token"));
  EXPECT_EQ(r->caPem, kCaPem);
  EXPECT_EQ(r->caFile, pod.file("ca.crt"));
  EXPECT_EQ(r->defaultNamespace, "ns-from-file");
  EXPECT_EQ(r->contextName, "in-cluster");
}

TEST(InCluster, Ipv6HostGetsBrackets) {
  FakePod pod;
  auto r = inClusterConfig(fakeEnv({{"KUBERNETES_SERVICE_HOST", "fd00:10:96::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}),
                           pod.root.path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->server, "https://[fd00:10:96::1]:6443");
}

TEST(InCluster, NamespaceFromEnvOrDefault) {
  FakePod pod("t", "");
  auto env = std::map<std::string, std::string>{{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "443"}};
  auto r = inClusterConfig(fakeEnv(env), pod.root.path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->defaultNamespace, "default");
  env["POD_NAMESPACE"] = "from-env";
  auto withEnv = inClusterConfig(fakeEnv(env), pod.root.path());
  ASSERT_TRUE(withEnv.ok()) << withEnv.error().message;
  EXPECT_EQ(withEnv->defaultNamespace, "from-env");
}

TEST(InCluster, NotInClusterAndBrokenMounts) {
  FakePod pod;
  auto none = inClusterConfig(fakeEnv({}), pod.root.path());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Code::NotFound);
  EXPECT_THAT(none.error().message, HasSubstr("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set"));
  auto noPort = inClusterConfig(fakeEnv({{"KUBERNETES_SERVICE_HOST", "h"}}), pod.root.path());
  ASSERT_FALSE(noPort.ok());
  EXPECT_THAT(noPort.error().message, HasSubstr("KUBERNETES_SERVICE_PORT is not set"));
  auto badPort = inClusterConfig(fakeEnv({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "https"}}),
                                 pod.root.path());
  ASSERT_FALSE(badPort.ok());
  EXPECT_THAT(badPort.error().message, HasSubstr("\"https\" is not a port"));

  FakePod noToken("");
  auto missing = inClusterConfig(fakeEnv({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "443"}}),
                                 noToken.root.path());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Code::Invalid);
  EXPECT_THAT(missing.error().message, AllOf(HasSubstr(noToken.file("token")), HasSubstr("No such file")));
}

TEST(InCluster, TokenRotation) {
  FakePod pod;
  auto r =
      inClusterConfig(fakeEnv({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "443"}}), pod.root.path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  base::FakeClock clock;
  TokenSource source(*r, clock, std::chrono::seconds(60));
  EXPECT_EQ(source.token(), "sa-token");
  // kubelet writes the new token next to the old one and swaps them.
  pod.root.write(std::string(kServiceAccountDir).substr(1) + "/token", "rotated-token\n");
  EXPECT_EQ(source.token(), "sa-token");
  clock.advance(std::chrono::seconds(60));
  EXPECT_EQ(source.token(), "rotated-token");
}

}  // namespace
}  // namespace mb::kube
