// Kubeconfig merging, in-cluster config, token rotation and the loadConfig
// precedence, against files in testdata/ and in per-test temp directories.
#include "kube/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>  // also mkdtemp (POSIX)
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace mb::kube {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Code = ConfigError::Code;

const std::string kCaPem = "-----BEGIN CERTIFICATE-----\nfake-ca\n-----END CERTIFICATE-----\n";
const std::string kCertPem = "-----BEGIN CERTIFICATE-----\nfake-client\n-----END CERTIFICATE-----\n";
const std::string kKeyPem = "-----BEGIN PRIVATE KEY-----\nfake-key\n-----END PRIVATE KEY-----\n";
const std::string kCaB64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmZha2UtY2EKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";

// A clock that never moves, for TokenSources whose timing a test ignores.
base::Clock& stoppedClock() {
  static base::FakeClock clock;
  return clock;
}

std::string testdata(const std::string& name) {
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

Env fakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A one-cluster, one-user, one-context kubeconfig with the given bodies.
std::string kubeconfig(const std::string& clusterBody, const std::string& userBody,
                       const std::string& contextExtra = "") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: ctx\n"
         "clusters:\n- name: c1\n  cluster:\n" +
         clusterBody + "users:\n- name: u1\n  user:\n" + userBody +
         "contexts:\n- name: ctx\n  context:\n    cluster: c1\n    user: u1\n" + contextExtra;
}

const std::string kServer = "    server: https://127.0.0.1:6443\n";
const std::string kNoUser = "    {}\n";

ConfigError loadError(const std::vector<std::string>& files, const std::string& context = "") {
  auto r = loadKubeconfig(files, context);
  EXPECT_FALSE(r.ok());
  return r.ok() ? ConfigError{} : r.error();
}

// ---------------------------------------------------------------- base64 --

TEST(Base64, DecodesPaddedUnpaddedAndWrapped) {
  EXPECT_EQ(decodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(decodeBase64("aGVsbG8"), "hello");
  EXPECT_EQ(decodeBase64("aGVs\nbG8h"),
            "hell"
            "o!");
  EXPECT_EQ(decodeBase64(" aG Vs\r\n bA== \n"), "hell");
  EXPECT_EQ(decodeBase64(""), "");
  EXPECT_EQ(decodeBase64("/+8="), std::string("\xff\xef", 2));
  EXPECT_EQ(decodeBase64(kCaB64), kCaPem);
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(decodeBase64("aGVsbG8*"));   // not in the alphabet
  EXPECT_FALSE(decodeBase64("aGVsbG8_"));   // URL-safe alphabet is not kubeconfig's
  EXPECT_FALSE(decodeBase64("aGV=sbG8"));   // data after padding
  EXPECT_FALSE(decodeBase64("aGVsb"));      // 5 symbols: a dangling 6 bits
  EXPECT_FALSE(decodeBase64("aGVsbG8=="));  // padding beyond the quantum
  EXPECT_FALSE(decodeBase64("aGVsbA="));    // padding short of the quantum
  EXPECT_FALSE(decodeBase64("aGVsbA==="));  // three pads
  EXPECT_FALSE(decodeBase64("===="));
}

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

// ------------------------------------------------------------ TokenSource --

TEST(TokenSource, ReReadsOnlyAfterTheInterval) {
  TempDir dir;
  auto path = dir.write("token", "one\n");
  base::FakeClock clock;
  TokenSource source("", path, clock, std::chrono::seconds(10));
  EXPECT_EQ(source.token(), "one");

  dir.write("token", "two-two\n");
  clock.advance(std::chrono::seconds(9));
  EXPECT_EQ(source.token(), "one");  // not checked yet
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(source.token(), "two-two");
  EXPECT_FALSE(source.lastError());
}

TEST(TokenSource, KeepsTheLastGoodTokenWhenTheFileIsEmptyOrGone) {
  TempDir dir;
  auto path = dir.write("token", "good");
  TokenSource source("", path, stoppedClock(), std::chrono::seconds(10));
  EXPECT_EQ(source.token(), "good");

  dir.write("token", "  \n");  // caught mid-rotation
  source.refreshForTest();
  EXPECT_EQ(source.token(), "good");
  EXPECT_THAT(source.lastError().value_or(""), HasSubstr("is empty"));

  fs::remove(path);
  source.refreshForTest();
  EXPECT_EQ(source.token(), "good");
  EXPECT_THAT(source.lastError().value_or(""), AllOf(HasSubstr(path), HasSubstr("No such file")));

  dir.write("token", "back");
  source.refreshForTest();
  EXPECT_EQ(source.token(), "back");
  EXPECT_FALSE(source.lastError());
}

TEST(TokenSource, InitialTokenUntilTheFileCanBeRead) {
  TempDir dir;
  TokenSource source("initial", dir.path("later"), stoppedClock(), std::chrono::seconds(10));
  EXPECT_EQ(source.token(), "initial");
  dir.write("later", "from-file");
  source.refreshForTest();
  EXPECT_EQ(source.token(), "from-file");
}

// ------------------------------------------------------------- in-cluster --

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

// -------------------------------------------------------------- testenv --

// The admin kubeconfig of scripts/testenv.sh, when a control plane is up.
TEST(Testenv, LoadsTheRealAdminKubeconfig) {
  const char* stateDir = std::getenv("MODELBOOSTER_TESTENV_DIR");  // as scripts/testenv.sh reads it
  std::string path =
      (stateDir != nullptr && *stateDir != '\0' ? std::string(stateDir) : std::string(MB_SOURCE_DIR) + "/.testenv") +
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
