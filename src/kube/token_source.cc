#include "kube/token_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <utility>

#include "kube/config_text.h"

namespace mb::kube {

using config_text::errnoText;
using config_text::trim;

TokenSource::TokenSource(const std::string& initial, std::string tokenFile, base::Clock& clock, base::Duration recheck)
    : token_(trim(initial)), tokenFile_(std::move(tokenFile)), recheck_(recheck), clock_(clock) {}

TokenSource::TokenSource(const RestConfig& config, base::Clock& clock, base::Duration recheck)
    : TokenSource(config.bearerToken, config.tokenFile, clock, recheck) {}

std::string TokenSource::token() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!tokenFile_.empty()) {
    const base::TimePoint now = clock_.now();
    if (!checked_ || now - lastCheck_ >= recheck_) checkLocked(now);
  }
  return token_;
}

void TokenSource::refreshForTest() {
  std::lock_guard<std::mutex> lock(mu_);
  checked_ = false;
}

std::optional<std::string> TokenSource::lastError() {
  std::lock_guard<std::mutex> lock(mu_);
  return lastError_;
}

void TokenSource::checkLocked(base::TimePoint now) {
  checked_ = true;
  lastCheck_ = now;
  auto stampOf = [](const struct stat& st) {
    return FileStamp{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                     static_cast<int64_t>(st.st_size),
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  };
  // stat follows the symlink kubelet swaps on rotation, so a new inode shows.
  struct stat st {};
  if (stat(tokenFile_.c_str(), &st) != 0) {
    lastError_ = "cannot read token file " + tokenFile_ + ": " + errnoText(errno);
    return;
  }
  if (stampOf(st) == stamp_) {
    lastError_.reset();
    return;
  }
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(tokenFile_.c_str(), "rb"), std::fclose);
  if (!file || fstat(fileno(file.get()), &st) != 0) {
    lastError_ = "cannot read token file " + tokenFile_ + ": " + errnoText(errno);
    return;
  }
  std::string content;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) content.append(buf, n);
  if (std::ferror(file.get()) != 0) {
    lastError_ = "cannot read token file " + tokenFile_ + ": " + errnoText(errno);
    return;
  }
  std::string fresh = trim(content);
  if (fresh.empty()) {
    // Caught between truncate and write: keep the old token, retry later.
    lastError_ = "token file " + tokenFile_ + " is empty";
    return;
  }
  token_ = std::move(fresh);
  stamp_ = stampOf(st);
  lastError_.reset();
}

std::function<std::string()> TokenSource::provider(const RestConfig& config, base::Clock& clock) {
  if (config.tokenFile.empty()) {
    if (config.bearerToken.empty()) return {};
    return [token = config.bearerToken] { return token; };
  }
  auto source = std::make_shared<TokenSource>(config, clock);
  return [source] { return source->token(); };
}

}  // namespace mb::kube
