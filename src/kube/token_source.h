// Bearer tokens that rotate: service account tokens and kubeconfig
// tokenFiles are re-read when the file changes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.h"
#include "kube/rest_config.h"

namespace mb::kube {

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
