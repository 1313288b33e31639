// The serving certificate of a TLS server, from a PEM chain file and a PEM
// key file (--tls-cert-file, --tls-private-key-file), reloaded when either
// file changes: cert-manager and Secret volumes rotate them in place
// (kubelet swaps a `..data` symlink, so the paths are stat-ed through
// symlinks and a new device/inode shows the swap).
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "base/clock.h"
#include "base/result.h"

namespace mb::http {

// What tells one version of a file from the next.
struct FileStamp {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t mtimeNs = 0;
  bool operator==(const FileStamp&) const = default;
};

// stat(2), following symlinks. The error names the path and errno's text.
Result<FileStamp, std::string> statFile(const std::string& path);

// A TLS server context from the two files: TLS 1.2 or newer, no compression,
// no renegotiation (session tickets on). The error names the file at fault
// and OpenSSL's reason (a key that does not match the certificate names
// both files).
Result<std::shared_ptr<SSL_CTX>, std::string> loadServerContext(const std::string& certFile,
                                                                const std::string& keyFile);

struct CertificateFilesOptions {
  // The seam for tests; statFile when empty.
  std::function<Result<FileStamp, std::string>(const std::string& path)> stat;
  // With a clock and a positive interval, the files are stat-ed at most once
  // per interval on it; without, on every current().
  base::Clock* clock = nullptr;
  base::Duration minRecheck{0};
};

// Thread-safe. A context handed out stays valid for as long as its holder
// keeps the shared_ptr (connections in progress keep theirs across a reload).
class CertificateFiles {
 public:
  using Context = std::shared_ptr<SSL_CTX>;

  enum class Event {
    None,          // serving what was served before
    Reloaded,      // a changed pair of files was loaded
    ReloadFailed,  // a change could not be loaded; still serving the previous context
  };
  struct Current {
    Context context;
    Event event = Event::None;
    // For Reloaded and ReloadFailed: what to log. A failure is reported once
    // per distinct change of the files, though it is retried every time.
    std::string message;
  };

  CertificateFiles(std::string certFile, std::string keyFile, CertificateFilesOptions options = {});
  CertificateFiles(const CertificateFiles&) = delete;
  CertificateFiles& operator=(const CertificateFiles&) = delete;

  // The first load. Its failure is the caller's to report (the server does
  // not start); current() before a successful load() has no context.
  Result<Unit, std::string> load();

  // The context for a new connection: stats both files and, when either
  // changed since the context was loaded, builds a new context from them. A
  // pair that fails to load (a key that does not match the certificate
  // because only one file has been rewritten yet, a half-written file) keeps
  // the previous context, and is tried again on the next call.
  Current current();

  // The context being served, without looking at the files.
  Context context() const;

  const std::string& certFile() const { return certFile_; }
  const std::string& keyFile() const { return keyFile_; }

 private:
  using Stamps = std::pair<FileStamp, FileStamp>;  // cert, key
  Result<Stamps, std::string> stampsLocked() const;

  const std::string certFile_;
  const std::string keyFile_;
  CertificateFilesOptions options_;
  mutable std::mutex mu_;
  Context context_;               // guarded by mu_
  Stamps loaded_;                 // guarded by mu_: of the files context_ came from
  std::optional<Stamps> failed_;  // guarded by mu_: the change last reported as failed
  std::string failedStat_;        // guarded by mu_: the stat error last reported
  bool checked_ = false;          // guarded by mu_: lastCheck_ is set
  base::TimePoint lastCheck_;     // guarded by mu_
};

}  // namespace mb::http
