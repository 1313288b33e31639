// The serving certificate reloaded from its files: what counts as a change,
// what happens when a change cannot be loaded, the stat and clock seams.
#include "http/certificate_files.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <filesystem>
#include <map>
#include <string>

#include "base/clock.h"
#include "test_pki.h"

namespace mb::http {
namespace {

using test::ServerCert;
using test::TempDir;
using test::TestCa;
using test::writeFile;
using Event = CertificateFiles::Event;

std::string issuerOf(SSL_CTX* ctx) {
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  if (leaf == nullptr) return "";
  char buf[256];
  X509_NAME_oneline(X509_get_issuer_name(leaf), buf, sizeof buf);
  return buf;
}

class CertificateFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(certFile, first.certPem);
    writeFile(keyFile, first.keyPem);
  }

  TempDir dir;
  std::string certFile = dir.file("tls.crt");
  std::string keyFile = dir.file("tls.key");
  TestCa caOne{"ca-one"};
  TestCa caTwo{"ca-two"};
  ServerCert first = caOne.issue();
  ServerCert second = caTwo.issue();
};

TEST_F(CertificateFilesTest, LoadsAMatchingPair) {
  CertificateFiles files(certFile, keyFile);
  EXPECT_EQ(files.current().context, nullptr);  // nothing before load()
  ASSERT_TRUE(files.load().ok());
  auto ctx = files.context();
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ(issuerOf(ctx.get()), "/CN=ca-one");
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx.get()), TLS1_2_VERSION);
  EXPECT_NE(SSL_CTX_get_options(ctx.get()) & SSL_OP_NO_COMPRESSION, 0u);
  EXPECT_NE(SSL_CTX_get_options(ctx.get()) & SSL_OP_NO_RENEGOTIATION, 0u);
  auto current = files.current();
  EXPECT_EQ(current.event, Event::None);
  EXPECT_EQ(current.context, ctx);
}

TEST_F(CertificateFilesTest, InitialLoadErrorsNameTheFileAndTheReason) {
  auto loadError = [](const std::string& cert, const std::string& key) {
    CertificateFiles files(cert, key);
    auto r = files.load();
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error();
  };
  const std::string missing = dir.file("missing.crt");
  std::string e = loadError(missing, keyFile);
  EXPECT_NE(e.find(missing), std::string::npos) << e;
  EXPECT_NE(e.find("No such file or directory"), std::string::npos) << e;

  const std::string garbage = dir.file("garbage.pem");
  writeFile(garbage, "this is not PEM\n");
  e = loadError(garbage, keyFile);
  EXPECT_NE(e.find("certificate chain " + garbage), std::string::npos) << e;
  EXPECT_NE(e.find("no start line"), std::string::npos) << e;

  e = loadError(certFile, garbage);
  EXPECT_NE(e.find("private key " + garbage), std::string::npos) << e;
  EXPECT_EQ(e.find(certFile), std::string::npos) << e;

  const std::string otherKey = dir.file("other.key");
  writeFile(otherKey, second.keyPem);
  e = loadError(certFile, otherKey);
  EXPECT_NE(e.find(otherKey + " does not match the certificate " + certFile), std::string::npos) << e;
  EXPECT_NE(e.find("mismatch"), std::string::npos) << e;

  e = loadError(certFile, dir.file("missing.key"));
  EXPECT_NE(e.find(dir.file("missing.key")), std::string::npos) << e;
}

TEST_F(CertificateFilesTest, ReloadsWhenTheFilesChange) {
  CertificateFiles files(certFile, keyFile);
  ASSERT_TRUE(files.load().ok());
  auto old = files.context();
  writeFile(certFile, second.certPem);
  writeFile(keyFile, second.keyPem);
  auto current = files.current();
  EXPECT_EQ(current.event, Event::Reloaded);
  EXPECT_NE(current.message.find(certFile), std::string::npos) << current.message;
  ASSERT_NE(current.context, nullptr);
  EXPECT_NE(current.context, old);
  EXPECT_EQ(issuerOf(current.context.get()), "/CN=ca-two");
  EXPECT_EQ(files.current().event, Event::None);
  EXPECT_EQ(files.context(), current.context);
}

// A connection in progress keeps the context it started with.
TEST_F(CertificateFilesTest, AHeldContextOutlivesAReload) {
  CertificateFiles files(certFile, keyFile);
  ASSERT_TRUE(files.load().ok());
  auto old = files.context();
  writeFile(certFile, second.certPem);
  writeFile(keyFile, second.keyPem);
  ASSERT_EQ(files.current().event, Event::Reloaded);
  EXPECT_EQ(old.use_count(), 1);
  EXPECT_EQ(issuerOf(old.get()), "/CN=ca-one");
  SSL* ssl = SSL_new(old.get());
  EXPECT_NE(ssl, nullptr);
  SSL_free(ssl);
}

TEST_F(CertificateFilesTest, AKeyThatDoesNotMatchYetKeepsTheOldCertificateAndIsReportedOnce) {
  CertificateFiles files(certFile, keyFile);
  ASSERT_TRUE(files.load().ok());
  auto old = files.context();
  writeFile(certFile, second.certPem);  // the key follows later
  auto failed = files.current();
  EXPECT_EQ(failed.event, Event::ReloadFailed);
  EXPECT_EQ(failed.context, old);
  EXPECT_NE(failed.message.find("does not match"), std::string::npos) << failed.message;
  EXPECT_NE(failed.message.find(keyFile), std::string::npos) << failed.message;
  EXPECT_NE(failed.message.find("still serving the previous one"), std::string::npos) << failed.message;

  auto again = files.current();  // retried, but the same change is not reported twice
  EXPECT_EQ(again.event, Event::None);
  EXPECT_EQ(again.context, old);

  writeFile(keyFile, second.keyPem);
  auto reloaded = files.current();
  EXPECT_EQ(reloaded.event, Event::Reloaded);
  EXPECT_EQ(issuerOf(reloaded.context.get()), "/CN=ca-two");

  // A new bad change after a good one is reported again.
  writeFile(certFile, first.certPem);
  EXPECT_EQ(files.current().event, Event::ReloadFailed);
}

TEST_F(CertificateFilesTest, AMissingFileKeepsTheOldCertificate) {
  CertificateFiles files(certFile, keyFile);
  ASSERT_TRUE(files.load().ok());
  auto old = files.context();
  std::filesystem::remove(keyFile);
  auto failed = files.current();
  EXPECT_EQ(failed.event, Event::ReloadFailed);
  EXPECT_NE(failed.message.find("cannot stat " + keyFile), std::string::npos) << failed.message;
  EXPECT_EQ(failed.context, old);
  EXPECT_EQ(files.current().event, Event::None);
  writeFile(keyFile, first.keyPem);  // back, as a new inode
  auto back = files.current();
  EXPECT_EQ(back.event, Event::Reloaded);
  EXPECT_EQ(issuerOf(back.context.get()), "/CN=ca-one");
}

// Kubernetes Secret volumes: tls.crt -> ..data/tls.crt, and an update swaps
// the ..data symlink to a new directory in one rename.
TEST_F(CertificateFilesTest, FollowsTheSymlinkSwapOfASecretVolume) {
  namespace fs = std::filesystem;
  const fs::path volume = dir.file("volume");
  fs::create_directories(volume / "..2026_01_01_one");
  fs::create_directories(volume / "..2026_01_02_two");
  writeFile((volume / "..2026_01_01_one" / "tls.crt").string(), first.certPem);
  writeFile((volume / "..2026_01_01_one" / "tls.key").string(), first.keyPem);
  writeFile((volume / "..2026_01_02_two" / "tls.crt").string(), second.certPem);
  writeFile((volume / "..2026_01_02_two" / "tls.key").string(), second.keyPem);
  fs::create_directory_symlink("..2026_01_01_one", volume / "..data");
  fs::create_symlink("..data/tls.crt", volume / "tls.crt");
  fs::create_symlink("..data/tls.key", volume / "tls.key");

  CertificateFiles files((volume / "tls.crt").string(), (volume / "tls.key").string());
  ASSERT_TRUE(files.load().ok());
  EXPECT_EQ(issuerOf(files.context().get()), "/CN=ca-one");
  EXPECT_EQ(files.current().event, Event::None);

  fs::create_directory_symlink("..2026_01_02_two", volume / "..data_tmp");
  fs::rename(volume / "..data_tmp", volume / "..data");
  auto swapped = files.current();
  EXPECT_EQ(swapped.event, Event::Reloaded);
  EXPECT_EQ(issuerOf(swapped.context.get()), "/CN=ca-two");
}

// The stat seam: a change is what stat says, and a failed change is tried
// again on the next call even when stat shows nothing new.
class FakeStat {
 public:
  Result<FileStamp, std::string> operator()(const std::string& path) {
    auto it = stamps->find(path);
    if (it == stamps->end()) return err("cannot stat " + path + ": fake");
    return it->second;
  }
  std::shared_ptr<std::map<std::string, FileStamp>> stamps = std::make_shared<std::map<std::string, FileStamp>>();
};

TEST_F(CertificateFilesTest, NoChangeInTheStampsIsNoChange) {
  FakeStat stat;
  (*stat.stamps)[certFile] = FileStamp{1, 1, 100, 5};
  (*stat.stamps)[keyFile] = FileStamp{1, 2, 100, 5};
  CertificateFiles files(certFile, keyFile, CertificateFilesOptions{.stat = stat});
  ASSERT_TRUE(files.load().ok());
  writeFile(certFile, second.certPem);
  writeFile(keyFile, second.keyPem);
  EXPECT_EQ(files.current().event, Event::None);
  EXPECT_EQ(issuerOf(files.context().get()), "/CN=ca-one");
  (*stat.stamps)[keyFile].mtimeNs = 6;
  EXPECT_EQ(files.current().event, Event::Reloaded);
  EXPECT_EQ(issuerOf(files.context().get()), "/CN=ca-two");
}

TEST_F(CertificateFilesTest, AFailedChangeIsTriedAgainOnTheNextCall) {
  FakeStat stat;
  (*stat.stamps)[certFile] = FileStamp{1, 1, 100, 5};
  (*stat.stamps)[keyFile] = FileStamp{1, 2, 100, 5};
  CertificateFiles files(certFile, keyFile, CertificateFilesOptions{.stat = stat});
  ASSERT_TRUE(files.load().ok());
  writeFile(certFile, second.certPem);
  (*stat.stamps)[certFile].inode = 3;
  EXPECT_EQ(files.current().event, Event::ReloadFailed);
  // The key arrives within the same stamps (a coarse clock, say).
  writeFile(keyFile, second.keyPem);
  EXPECT_EQ(files.current().event, Event::Reloaded);
  EXPECT_EQ(issuerOf(files.context().get()), "/CN=ca-two");
}

TEST_F(CertificateFilesTest, WithAClockTheFilesAreCheckedAtMostOncePerInterval) {
  base::FakeClock clock;
  CertificateFiles files(certFile, keyFile,
                         CertificateFilesOptions{.clock = &clock, .minRecheck = std::chrono::seconds(10)});
  ASSERT_TRUE(files.load().ok());
  EXPECT_EQ(files.current().event, Event::None);  // checks now
  writeFile(certFile, second.certPem);
  writeFile(keyFile, second.keyPem);
  clock.advance(std::chrono::seconds(9));
  EXPECT_EQ(files.current().event, Event::None);
  EXPECT_EQ(issuerOf(files.context().get()), "/CN=ca-one");
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(files.current().event, Event::Reloaded);
  EXPECT_EQ(issuerOf(files.context().get()), "/CN=ca-two");
}

}  // namespace
}  // namespace mb::http
