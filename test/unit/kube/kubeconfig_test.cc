// Kubeconfig files read and merged as kubectl does, against files in
// testdata/ and in per-test temp directories, and the errors that name the
// file, line and field at fault.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config_test_util.h"
#include "kube/kubeconfig.h"
#include "kube/token_source.h"

namespace mb::kube {
namespace {

namespace fs = std::filesystem;
using namespace test;  // NOLINT(google-build-using-namespace): the shared fixtures
using ::testing::AllOf;
using ::testing::HasSubstr;
using Code = ConfigError::Code;

TEST(SplitKubeconfigPaths, DropsEmptyEntriesAndRepeats) {
  EXPECT_EQ(splitKubeconfigPaths("/a:/b::/a:"), (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(splitKubeconfigPaths(""), std::vector<std::string>{});
  EXPECT_EQ(splitKubeconfigPaths("only"), std::vector<std::string>{"only"});
}

// ------------------------------------------------------------ kubeconfig --

TEST(Kubeconfig, ReadsEmbeddedDataFields) {
  auto r = loadKubeconfig({testdata("data.yaml")}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->server, "https://10.0.0.1:6443");  // trailing slash dropped
  EXPECT_EQ(r->caPem, kCaPem);                    // wrapped over two lines in the file
  EXPECT_EQ(r->caFile, "");
  EXPECT_EQ(r->clientCertPem, kCertPem);
  EXPECT_EQ(r->clientKeyPem, kKeyPem);
  EXPECT_EQ(r->bearerToken, "");
  EXPECT_FALSE(r->insecureSkipTlsVerify);
  EXPECT_EQ(r->defaultNamespace, "team-a");
  EXPECT_EQ(r->contextName, "dev");
  EXPECT_EQ(r->source, "kubeconfig " + testdata("data.yaml"));
  EXPECT_EQ(r->qps, 20);
  EXPECT_EQ(r->burst, 30);
}

TEST(Kubeconfig, ResolvesPathsRelativeToTheFile) {
  auto r = loadKubeconfig({testdata("relative/kubeconfig")}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->caPem, kCaPem);
  EXPECT_EQ(r->caFile, testdata("relative/pki/ca.crt"));
  EXPECT_EQ(r->clientCertPem, kCertPem);
  EXPECT_EQ(r->clientKeyPem, kKeyPem);
  EXPECT_EQ(r->defaultNamespace, "default");

  auto token = loadKubeconfig({testdata("relative/kubeconfig")}, "rel-token");
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(token->tokenFile, testdata("relative/pki/token"));
  EXPECT_EQ(token->bearerToken, "file-token");
}

TEST(Kubeconfig, RelativeKubeconfigPathResolvesFromItsDirectory) {
  // The kubeconfig named relative to the working directory (no chdir: other
  // tests in this binary may run threads).
  std::string relative = fs::relative(testdata("relative/kubeconfig"), fs::current_path()).string();
  ASSERT_FALSE(fs::path(relative).is_absolute());
  auto r = loadKubeconfig({relative}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->caPem, kCaPem);
  EXPECT_EQ(r->caFile, testdata("relative/pki/ca.crt"));
}

TEST(Kubeconfig, StaticToken) {
  TempDir dir;
  auto file = dir.write("config", kubeconfig(kServer, "    token: \" abc.def \"\n"));
  auto r = loadKubeconfig({file}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->bearerToken, "abc.def");
  EXPECT_EQ(r->tokenFile, "");
  EXPECT_EQ(TokenSource(*r, stoppedClock()).token(), "abc.def");
  EXPECT_EQ(TokenSource::provider(*r, stoppedClock())(), "abc.def");
}

TEST(Kubeconfig, TokenFileIsReadAndReReadAfterItChanges) {
  TempDir dir;
  dir.write("secrets/token", "first-token\n");
  auto file = dir.write("config", kubeconfig(kServer, "    tokenFile: secrets/token\n"));
  auto r = loadKubeconfig({file}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->tokenFile, dir.path("secrets/token"));
  EXPECT_EQ(r->bearerToken, "first-token");

  TokenSource source(*r, stoppedClock());
  EXPECT_EQ(source.token(), "first-token");
  dir.write("secrets/token", "second-token-longer\n");
  source.refreshForTest();
  EXPECT_EQ(source.token(), "second-token-longer");
}

TEST(Kubeconfig, TokenFileTakesOverFromStaticToken) {
  TempDir dir;
  dir.write("token", "from-file");
  auto file = dir.write("config", kubeconfig(kServer, "    token: static\n    tokenFile: token\n"));
  auto r = loadKubeconfig({file}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->bearerToken, "from-file");
  EXPECT_EQ(TokenSource(*r, stoppedClock()).token(), "from-file");
}

TEST(Kubeconfig, InsecureSkipTlsVerify) {
  TempDir dir;
  auto file = dir.write("config", kubeconfig(kServer + "    insecure-skip-tls-verify: true\n", "    token: t\n"));
  auto r = loadKubeconfig({file}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->insecureSkipTlsVerify);
  EXPECT_EQ(r->caPem, "");
}

TEST(Kubeconfig, ServerWithoutSchemeGetsHttps) {
  TempDir dir;
  auto file =
      dir.write("config", kubeconfig("    server: 10.1.2.3:6443\n    insecure-skip-tls-verify: true\n", kNoUser));
  auto r = loadKubeconfig({file}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->server, "https://10.1.2.3:6443");
}

TEST(Kubeconfig, ContextWithoutUserIsAnonymous) {
  TempDir dir;
  auto file = dir.write("config",
                        "clusters:\n- name: proxy\n  cluster:\n    server: http://127.0.0.1:8001\n"
                        "contexts:\n- name: p\n  context:\n    cluster: proxy\ncurrent-context: p\n");
  auto r = loadKubeconfig({file}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->server, "http://127.0.0.1:8001");
  EXPECT_EQ(r->bearerToken, "");
  EXPECT_FALSE(TokenSource::provider(*r, stoppedClock()));
}

TEST(Kubeconfig, JsonKubeconfig) {
  TempDir dir;
  auto file = dir.write("config.json", R"({"kind": "Config", "current-context": "j",
    "clusters": [{"name": "c", "cluster": {"server": "https://json:443", "insecure-skip-tls-verify": true}}],
    "users": [{"name": "u", "user": {"token": "tj"}}],
    "contexts": [{"name": "j", "context": {"cluster": "c", "user": "u", "namespace": "jn"}}]})");
  auto r = loadKubeconfig({file}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->server, "https://json:443");
  EXPECT_EQ(r->bearerToken, "tj");
  EXPECT_EQ(r->defaultNamespace, "jn");
}

TEST(Kubeconfig, MergesFirstFileWinsPerName) {
  auto r = loadKubeconfig({testdata("merge/a.yaml"), testdata("merge/b.yaml"), testdata("merge/c.yaml")}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  // a.yaml sets no current-context; b.yaml is the first that does (c.yaml loses).
  EXPECT_EQ(r->contextName, "only-b");
  EXPECT_EQ(r->server, "https://only-b.example:6443");
  // only-b (from b.yaml) refers to user "shared", which a.yaml defines first.
  EXPECT_EQ(r->bearerToken, "token-from-a");
  EXPECT_EQ(r->defaultNamespace, "default");
  EXPECT_THAT(r->source, AllOf(HasSubstr("a.yaml"), HasSubstr("b.yaml"), HasSubstr("c.yaml")));

  auto shared = loadKubeconfig({testdata("merge/a.yaml"), testdata("merge/b.yaml")}, "shared");
  ASSERT_TRUE(shared.ok()) << shared.error().message;
  EXPECT_EQ(shared->server, "https://a.example:6443");
  EXPECT_TRUE(shared->insecureSkipTlsVerify);  // whole entries win, fields are not mixed
  EXPECT_EQ(shared->defaultNamespace, "from-a");

  // Reversed order: b.yaml's entries win.
  auto reversed = loadKubeconfig({testdata("merge/b.yaml"), testdata("merge/a.yaml")}, "shared");
  ASSERT_TRUE(reversed.ok()) << reversed.error().message;
  EXPECT_EQ(reversed->server, "https://b.example:6443");
  EXPECT_FALSE(reversed->insecureSkipTlsVerify);
  EXPECT_EQ(reversed->bearerToken, "token-from-b");
  EXPECT_EQ(reversed->defaultNamespace, "from-b");
}

TEST(Kubeconfig, ContextOverridesCurrentContext) {
  auto r = loadKubeconfig({testdata("merge/b.yaml")}, "shared");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->contextName, "shared");
  EXPECT_EQ(r->server, "https://b.example:6443");
}

TEST(Kubeconfig, EmptyFileIsAnEmptyConfig) {
  TempDir dir;
  auto empty = dir.write("empty", "");
  auto r = loadKubeconfig({empty, testdata("data.yaml")}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->contextName, "dev");
}

// ---------------------------------------------------------------- errors --

TEST(KubeconfigErrors, MissingFile) {
  TempDir dir;
  auto e = loadError({dir.path("nope.yaml")});
  EXPECT_EQ(e.code, Code::NotFound);
  EXPECT_THAT(e.message, AllOf(HasSubstr(dir.path("nope.yaml")), HasSubstr("No such file or directory")));
  EXPECT_THAT(loadError({}).message, HasSubstr("no kubeconfig file"));
}

TEST(KubeconfigErrors, DirectoryInsteadOfFile) {
  TempDir dir;
  auto e = loadError({dir.path()});
  EXPECT_EQ(e.code, Code::Invalid);
  EXPECT_THAT(e.message, AllOf(HasSubstr(dir.path()), HasSubstr("directory")));
}

TEST(KubeconfigErrors, BrokenYamlNamesFileAndLine) {
  TempDir dir;
  auto file = dir.write("config", "apiVersion: v1\nclusters:\n- name: a\n  cluster: [unclosed\n");
  auto e = loadError({file});
  EXPECT_EQ(e.code, Code::Invalid);
  EXPECT_THAT(e.message, AllOf(HasSubstr(file + ":"), HasSubstr("not valid YAML")));
  EXPECT_THAT(e.message, ::testing::ContainsRegex(":[45] is not valid YAML"));
}

TEST(KubeconfigErrors, WrongShapesNameFileLineAndField) {
  TempDir dir;
  auto list = dir.write("list", "clusters:\n  a: b\n");
  EXPECT_THAT(loadError({list}).message, AllOf(HasSubstr(list + ":2"), HasSubstr("clusters must be a list")));
  auto field = dir.write("field", kubeconfig("    server: [x]\n", kNoUser));
  EXPECT_THAT(loadError({field}).message,
              AllOf(HasSubstr(field + ":7"), HasSubstr("server of cluster \"c1\" must be a string")));
  auto boolean = dir.write("bool", kubeconfig(kServer + "    insecure-skip-tls-verify: \"yes\"\n", kNoUser));
  EXPECT_THAT(loadError({boolean}).message,
              HasSubstr("insecure-skip-tls-verify of cluster \"c1\" must be true or false"));
  auto kind = dir.write("kind", "apiVersion: v1\nkind: Pod\n");
  EXPECT_THAT(loadError({kind}).message, AllOf(HasSubstr(kind + ":2"), HasSubstr("kind is \"Pod\"")));
  auto twice = dir.write("twice", "users:\n- name: u\n  user: {}\n- name: u\n  user: {}\n");
  EXPECT_THAT(loadError({twice}).message, AllOf(HasSubstr(twice + ":4"), HasSubstr("defines \"u\" twice")));
  auto noName = dir.write("noname", "contexts:\n- context: {}\n");
  EXPECT_THAT(loadError({noName}).message, HasSubstr("has no name"));
  auto docs = dir.write("docs", "kind: Config\n---\nkind: Config\n");
  EXPECT_THAT(loadError({docs}).message, HasSubstr("2 YAML documents"));
}

TEST(KubeconfigErrors, UnknownContextListsTheAvailableOnes) {
  auto e = loadError({testdata("merge/a.yaml"), testdata("merge/b.yaml")}, "prod");
  EXPECT_THAT(e.message, AllOf(HasSubstr("context \"prod\" is not defined"), HasSubstr("a.yaml"),
                               HasSubstr("available contexts: only-b, shared")));

  TempDir dir;
  auto file = dir.write("config", "current-context: gone\ncontexts:\n- name: here\n  context: {cluster: x}\n");
  auto current = loadError({file});
  EXPECT_THAT(current.message, AllOf(HasSubstr("current-context \"gone\" (set in " + file + ":1)"),
                                     HasSubstr("available contexts: here")));
}

TEST(KubeconfigErrors, NoContextSelected) {
  auto e = loadError({testdata("merge/a.yaml")});
  EXPECT_THAT(e.message, AllOf(HasSubstr("no current-context"), HasSubstr("available contexts: shared")));
}

TEST(KubeconfigErrors, ContextNamingMissingClusterOrUser) {
  TempDir dir;
  auto noCluster = dir.write("c", kubeconfig(kServer, kNoUser) + "- name: bad\n  context:\n    cluster: ghost\n");
  EXPECT_THAT(loadError({noCluster}, "bad").message,
              AllOf(HasSubstr("context \"bad\" (" + noCluster + ":"), HasSubstr("names cluster \"ghost\""),
                    HasSubstr("clusters: c1")));
  auto noUser =
      dir.write("u", kubeconfig(kServer, kNoUser) + "- name: bad\n  context:\n    cluster: c1\n    user: nobody\n");
  EXPECT_THAT(loadError({noUser}, "bad").message,
              AllOf(HasSubstr("names user \"nobody\""), HasSubstr("not defined in " + noUser), HasSubstr("users: u1")));
  auto empty = dir.write("e", kubeconfig(kServer, kNoUser) + "- name: bad\n  context:\n    user: u1\n");
  EXPECT_THAT(loadError({empty}, "bad").message, HasSubstr("context \"bad\" (" + empty + ":17) names no cluster"));
}

TEST(KubeconfigErrors, BadBase64NamesTheField) {
  TempDir dir;
  auto ca = dir.write("ca", kubeconfig(kServer + "    certificate-authority-data: not*base64\n", kNoUser));
  auto e = loadError({ca});
  EXPECT_THAT(e.message, AllOf(HasSubstr(ca + ":8"), HasSubstr("certificate-authority-data of cluster \"c1\""),
                               HasSubstr("not valid base64")));
  auto key = dir.write("key", kubeconfig(kServer + "    insecure-skip-tls-verify: true\n",
                                         "    client-certificate-data: " + kCaB64 + "\n    client-key-data: abc=d\n"));
  EXPECT_THAT(loadError({key}).message,
              AllOf(HasSubstr("client-key-data of user \"u1\""), HasSubstr("not valid base64")));
}

TEST(KubeconfigErrors, ClusterWithoutServer) {
  TempDir dir;
  auto file = dir.write("config", kubeconfig("    insecure-skip-tls-verify: true\n", kNoUser));
  EXPECT_THAT(loadError({file}).message, HasSubstr("cluster \"c1\" (" + file + ":5) has no server"));
  auto scheme = dir.write("scheme", kubeconfig("    server: ftp://x\n", kNoUser));
  EXPECT_THAT(loadError({scheme}).message, HasSubstr("has scheme \"ftp\""));
}

TEST(KubeconfigErrors, UnreadableReferencedFiles) {
  TempDir dir;
  auto ca = dir.write("ca", kubeconfig(kServer + "    certificate-authority: missing/ca.crt\n", kNoUser));
  EXPECT_THAT(loadError({ca}).message,
              AllOf(HasSubstr("certificate-authority " + dir.path("missing/ca.crt")), HasSubstr("cluster \"c1\""),
                    HasSubstr(ca + ":8"), HasSubstr("No such file or directory")));
  auto token = dir.write("token", kubeconfig(kServer, "    tokenFile: /nonexistent/token\n"));
  EXPECT_THAT(loadError({token}).message,
              AllOf(HasSubstr("tokenFile /nonexistent/token of user \"u1\""), HasSubstr("No such file")));
  dir.write("empty-token", "\n");
  auto empty = dir.write("empty", kubeconfig(kServer, "    tokenFile: empty-token\n"));
  EXPECT_THAT(loadError({empty}).message, HasSubstr("is empty"));
}

TEST(KubeconfigErrors, ConflictingSettings) {
  TempDir dir;
  dir.write("ca.crt", kCaPem);
  auto both = dir.write(
      "both",
      kubeconfig(kServer + "    certificate-authority: ca.crt\n    certificate-authority-data: " + kCaB64 + "\n",
                 kNoUser));
  EXPECT_THAT(loadError({both}).message, HasSubstr("sets both certificate-authority and certificate-authority-data"));
  auto insecure = dir.write(
      "insecure",
      kubeconfig(kServer + "    insecure-skip-tls-verify: true\n    certificate-authority-data: " + kCaB64 + "\n",
                 kNoUser));
  EXPECT_THAT(loadError({insecure}).message,
              HasSubstr("sets insecure-skip-tls-verify and a certificate authority; keep one"));
  auto certOnly = dir.write("cert", kubeconfig(kServer, "    client-certificate-data: " + kCaB64 + "\n"));
  EXPECT_THAT(loadError({certOnly}).message,
              HasSubstr("user \"u1\" (" + certOnly + ":9) has a client certificate without a client key"));
}

TEST(KubeconfigErrors, ExecPluginIsRefusedClearly) {
  TempDir dir;
  auto file = dir.write("config", kubeconfig(kServer,
                                             "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                                             "      command: aws\n      args: [eks, get-token]\n"));
  auto e = loadError({file});
  EXPECT_EQ(e.code, Code::Unsupported);
  EXPECT_THAT(e.message, AllOf(HasSubstr("user \"u1\""), HasSubstr("exec credential plugin (command \"aws\")"),
                               HasSubstr("not supported yet")));
  auto provider = dir.write("provider", kubeconfig(kServer, "    auth-provider:\n      name: gcp\n"));
  EXPECT_THAT(loadError({provider}).message, AllOf(HasSubstr("auth-provider \"gcp\""), HasSubstr("not supported yet")));
  auto basic = dir.write("basic", kubeconfig(kServer, "    username: admin\n    password: secret\n"));
  EXPECT_THAT(loadError({basic}).message, HasSubstr("basic auth"));
}

TEST(KubeconfigErrors, UnsupportedUserElsewhereDoesNotMatter) {
  // Real kubeconfigs mix cloud users (exec) with local ones; only the user
  // in use is checked.
  TempDir dir;
  auto good =
      dir.write("good", "current-context: ctx\nclusters:\n- name: c1\n  cluster:\n" + kServer +
                            "users:\n- name: u1\n  user: {token: t}\n- name: eks\n  user:\n    exec: {command: aws}\n"
                            "contexts:\n- name: ctx\n  context: {cluster: c1, user: u1}\n"
                            "- name: eks\n  context: {cluster: c1, user: eks}\n");
  auto r = loadKubeconfig({good}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->bearerToken, "t");
  EXPECT_EQ(loadError({good}, "eks").code, Code::Unsupported);
}

// -------------------------------------------------------------- testenv --

// The admin kubeconfig of scripts/testenv.sh, when a control plane is up.
TEST(Testenv, LoadsTheRealAdminKubeconfig) {
  const char* stateDir = std::getenv("MODELBOOSTER_TESTENV_DIR");  // as scripts/testenv.sh reads it
  std::string path = (stateDir != nullptr && *stateDir != '\0' ? std::string(stateDir)
                                                               : std::string(MB_SOURCE_DIR) + "/.testenv-state") +
                     "/kubeconfig";
  if (!fs::exists(path)) GTEST_SKIP() << path << " does not exist (scripts/testenv.sh up writes it)";
  auto r = loadKubeconfig({path}, "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_THAT(r->server, ::testing::StartsWith("https://"));
  EXPECT_THAT(r->caPem, HasSubstr("-----BEGIN CERTIFICATE-----"));
  EXPECT_THAT(r->clientCertPem, HasSubstr("-----BEGIN CERTIFICATE-----"));
  EXPECT_THAT(r->clientKeyPem, HasSubstr("PRIVATE KEY-----"));
  EXPECT_EQ(r->contextName, "testenv");
}

}  // namespace
}  // namespace mb::kube
