// Certificates made in the test with the OpenSSL API (EC P-256): a
// self-signed CA per test and server certificates it issues, written as PEM
// into a temporary directory, plus small TLS and TCP clients.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mb::http::test {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using CertPtr = std::unique_ptr<X509, X509Free>;

inline void check(bool ok, const char* what) {
  if (!ok) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    throw std::runtime_error(std::string(what) + ": " + buf);
  }
}

inline KeyPtr newKey() {
  std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr),
                                                             EVP_PKEY_CTX_free);
  check(ctx != nullptr, "EVP_PKEY_CTX_new_from_name");
  check(EVP_PKEY_keygen_init(ctx.get()) == 1, "EVP_PKEY_keygen_init");
  check(EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") == 1, "EVP_PKEY_CTX_set_group_name");
  EVP_PKEY* key = nullptr;
  check(EVP_PKEY_generate(ctx.get(), &key) == 1, "EVP_PKEY_generate");
  return KeyPtr(key);
}

inline void addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX v3{};
  X509V3_set_ctx(&v3, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &v3, nid, value);
  check(ext != nullptr, "X509V3_EXT_nconf_nid");
  check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `commonName`, signed by `issuerKey` as
// `issuer` (itself when null).
inline CertPtr newCert(EVP_PKEY* key, const std::string& commonName, X509* issuer, EVP_PKEY* issuerKey, bool ca,
                       const std::string& subjectAltName) {
  static std::atomic<long> serial{1};  // NOLINT(google-runtime-int): ASN1_INTEGER_set takes a long
  CertPtr cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName.c_str()),
                                   -1, -1, 0) == 1,
        "X509_NAME_add_entry_by_txt");
  X509* signer = issuer != nullptr ? issuer : cert.get();
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1, "X509_set_issuer_name");
  if (ca) {
    addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    addExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    addExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    addExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    addExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    addExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  }
  if (!subjectAltName.empty()) addExtension(cert.get(), signer, NID_subject_alt_name, subjectAltName.c_str());
  check(X509_sign(cert.get(), issuerKey != nullptr ? issuerKey : key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

inline std::string bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);  // NOLINT(google-runtime-int)
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

inline std::string certPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  check(PEM_write_bio_X509(bio, cert) == 1, "PEM_write_bio_X509");
  return bioText(bio);
}

inline std::string keyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  check(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "PEM_write_bio_PrivateKey");
  return bioText(bio);
}

struct ServerCert {
  std::string certPem;  // the leaf
  std::string keyPem;
};

class TestCa {
 public:
  explicit TestCa(const std::string& name)
      : key_(newKey()), cert_(newCert(key_.get(), name, nullptr, nullptr, true, "")) {}

  std::string pem() const { return certPem(cert_.get()); }

  ServerCert issue(const std::string& subjectAltName = "IP:127.0.0.1,DNS:localhost") const {
    KeyPtr key = newKey();
    CertPtr cert = newCert(key.get(), "modelbooster-webhook", cert_.get(), key_.get(), false, subjectAltName);
    return ServerCert{certPem(cert.get()), keyPem(key.get())};
  }

 private:
  KeyPtr key_;
  CertPtr cert_;
};

// A fresh directory under TMPDIR, removed with its files.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mb-http-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Written beside and renamed over, as an atomic update (and a new inode).
inline void writeFile(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

// A blocking TCP connection to 127.0.0.1:port; reads give up after 10 s so a
// broken server fails the test instead of hanging it.
inline int connectTcp(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {  // NOLINT
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
  return fd;
}

// Everything the peer sends until it closes (or 10 s pass).
inline std::string readToEnd(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// The test's own TLS client writes with write(2), which raises SIGPIPE on a
// socket the server has closed; it blocks SIGPIPE on its thread around its
// calls and drops what was raised, so that the process keeps the default
// disposition and a SIGPIPE from the server would still end the test.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocked() {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
};

// A TLS client over a blocking socket, verifying the server against a CA
// file and 127.0.0.1. `maxVersion` 0 is OpenSSL's newest.
class TlsClient {
 public:
  TlsClient(int port, const std::string& caFile, int maxVersion = 0) : fd_(connectTcp(port)) {
    SigpipeBlocked blocked;
    ctx_ = SSL_CTX_new(TLS_client_method());
    check(ctx_ != nullptr, "SSL_CTX_new");
    if (maxVersion != 0) {
      SSL_CTX_set_max_proto_version(ctx_, maxVersion);
      if (maxVersion < TLS1_2_VERSION) {
        SSL_CTX_set_min_proto_version(ctx_, maxVersion);
        SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
      }
    }
    check(SSL_CTX_load_verify_locations(ctx_, caFile.c_str(), nullptr) == 1, "SSL_CTX_load_verify_locations");
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    check(ssl_ != nullptr, "SSL_new");
    SSL_set1_host(ssl_, "127.0.0.1");
    SSL_set_fd(ssl_, fd_);
    connected_ = SSL_connect(ssl_) == 1;
    ERR_clear_error();
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool connected() const { return connected_; }
  // Ends the TCP stream towards the server (no close_notify).
  void shutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  bool send(std::string_view data) {
    SigpipeBlocked blocked;
    size_t written = 0;
    bool ok = SSL_write_ex(ssl_, data.data(), data.size(), &written) == 1 && written == data.size();
    ERR_clear_error();
    return ok;
  }

  // What arrives until the server closes, fails or 10 s pass.
  std::string readToEnd() {
    SigpipeBlocked blocked;
    std::string out = std::move(buffered_);
    buffered_.clear();
    char buf[4096];
    size_t n = 0;
    while (SSL_read_ex(ssl_, buf, sizeof buf, &n) == 1) out.append(buf, n);
    ERR_clear_error();
    return out;
  }

  // One response: head and Content-Length body (empty string when the
  // connection ends first). Bytes after it stay for the next call.
  std::string readResponse() {
    SigpipeBlocked blocked;
    char buf[4096];
    while (true) {
      size_t headEnd = buffered_.find("\r\n\r\n");
      if (headEnd != std::string::npos) {
        std::string head = buffered_.substr(0, headEnd);
        size_t length = 0;
        size_t at = head.find("Content-Length: ");
        if (at != std::string::npos) length = std::stoul(head.substr(at + 16));
        size_t total = headEnd + 4 + length;
        if (buffered_.size() >= total) {
          std::string out = buffered_.substr(0, total);
          buffered_.erase(0, total);
          return out;
        }
      }
      size_t n = 0;
      if (SSL_read_ex(ssl_, buf, sizeof buf, &n) != 1) {
        ERR_clear_error();
        return {};
      }
      buffered_.append(buf, n);
    }
  }

 private:
  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
  std::string buffered_;
};

}  // namespace mb::http::test
