#include "http/certificate_files.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace mb::http {
namespace {

// OpenSSL's error queue of this thread as "library: reason; ...", emptied.
std::string opensslReason() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* lib = ERR_lib_error_string(e);
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    if (lib != nullptr) {
      out += lib;
      out += ": ";
    }
    out += reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(e));
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

}  // namespace

Result<FileStamp, std::string> statFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return err("cannot stat " + path + ": " + std::strerror(errno));
  return FileStamp{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), static_cast<int64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

Result<std::shared_ptr<SSL_CTX>, std::string> loadServerContext(const std::string& certFile,
                                                                const std::string& keyFile) {
  ERR_clear_error();
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return err("cannot create a TLS context: " + opensslReason());
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) {
    return err("cannot require TLS 1.2: " + opensslReason());
  }
  // No compression (CRIME), no renegotiation of either side. A peer closing
  // the TCP connection without close_notify reads as a plain end of stream:
  // HTTP has its own framing, so a truncation shows to the request parser.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  // Idle keep-alive connections give their read and write buffers back.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);

  if (SSL_CTX_use_certificate_chain_file(ctx.get(), certFile.c_str()) != 1) {
    return err("cannot load the TLS certificate chain " + certFile + ": " + opensslReason());
  }
  std::unique_ptr<BIO, BioFree> keyBio(BIO_new_file(keyFile.c_str(), "r"));
  if (!keyBio) return err("cannot open the TLS private key " + keyFile + ": " + opensslReason());
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  if (!key) return err("cannot load the TLS private key " + keyFile + ": " + opensslReason());
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 || SSL_CTX_check_private_key(ctx.get()) != 1) {
    return err("the TLS private key " + keyFile + " does not match the certificate " + certFile + ": " +
               opensslReason());
  }
  return ctx;
}

CertificateFiles::CertificateFiles(std::string certFile, std::string keyFile, CertificateFilesOptions options)
    : certFile_(std::move(certFile)), keyFile_(std::move(keyFile)), options_(std::move(options)) {
  if (!options_.stat) options_.stat = statFile;
}

Result<CertificateFiles::Stamps, std::string> CertificateFiles::stampsLocked() const {
  auto cert = options_.stat(certFile_);
  if (!cert) return err(std::move(cert).error());
  auto key = options_.stat(keyFile_);
  if (!key) return err(std::move(key).error());
  return Stamps{*cert, *key};
}

Result<Unit, std::string> CertificateFiles::load() {
  std::lock_guard<std::mutex> lock(mu_);
  // Stat first: a change while loading then shows as a change next time.
  auto stamps = stampsLocked();
  if (!stamps) return err(std::move(stamps).error());
  auto ctx = loadServerContext(certFile_, keyFile_);
  if (!ctx) return err(std::move(ctx).error());
  context_ = std::move(*ctx);
  loaded_ = *stamps;
  failed_.reset();
  failedStat_.clear();
  return Unit{};
}

CertificateFiles::Current CertificateFiles::current() {
  std::lock_guard<std::mutex> lock(mu_);
  Current out{context_};
  if (!context_) return out;
  if (options_.clock != nullptr && options_.minRecheck > base::Duration::zero()) {
    const base::TimePoint now = options_.clock->now();
    if (checked_ && now - lastCheck_ < options_.minRecheck) return out;
    checked_ = true;
    lastCheck_ = now;
  }
  auto stamps = stampsLocked();
  if (!stamps) {
    // Between the removal and the creation of a file, or a wrong path.
    if (stamps.error() != failedStat_) {
      failedStat_ = stamps.error();
      out.event = Event::ReloadFailed;
      out.message = "cannot reload the TLS certificate: " + failedStat_ + "; still serving the previous one";
    }
    return out;
  }
  failedStat_.clear();
  if (*stamps == loaded_) {
    failed_.reset();
    return out;
  }
  auto fresh = loadServerContext(certFile_, keyFile_);
  if (!fresh) {
    if (failed_ != *stamps) {
      failed_ = *stamps;
      out.event = Event::ReloadFailed;
      out.message = "cannot reload the TLS certificate: " + fresh.error() + "; still serving the previous one";
    }
    return out;
  }
  context_ = std::move(*fresh);
  loaded_ = *stamps;
  failed_.reset();
  out.context = context_;
  out.event = Event::Reloaded;
  out.message = "reloaded the TLS certificate " + certFile_ + " and key " + keyFile_;
  return out;
}

CertificateFiles::Context CertificateFiles::context() const {
  std::lock_guard<std::mutex> lock(mu_);
  return context_;
}

}  // namespace mb::http
