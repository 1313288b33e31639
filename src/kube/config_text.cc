#include "kube/config_text.h"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>
#include <utility>

namespace mb::kube::config_text {

ConfigError error(ConfigError::Code code, std::string message) { return ConfigError{code, std::move(message)}; }

std::string errnoText(int e) { return std::error_code(e, std::generic_category()).message(); }

bool isMissing(int e) { return e == ENOENT || e == ENOTDIR; }

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string trim(std::string_view s) {
  const char* blanks = " \t\r\n\v\f";
  size_t b = s.find_first_not_of(blanks);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(blanks);
  return std::string(s.substr(b, e - b + 1));
}

Result<std::string, int> readFile(const std::string& path) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) return err(errno);
  char buf[16384];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) out.append(buf, n);
  // A directory opens fine on Linux and fails on the first read (EISDIR).
  if (std::ferror(file.get()) != 0) return err(errno != 0 ? errno : EIO);
  return out;
}

Result<std::string, std::string> normalizeServer(std::string_view raw) {
  std::string s = trim(raw);
  if (s.empty()) return err(std::string("is empty"));
  size_t sep = s.find("://");
  if (sep == std::string::npos) {
    s = "https://" + s;
    sep = 5;
  }
  std::string scheme = s.substr(0, sep);
  for (char& c : scheme) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (scheme != "https" && scheme != "http") return err("has scheme " + quote(scheme) + "; use https:// (or http://)");
  s = scheme + s.substr(sep);
  while (!s.empty() && s.back() == '/') s.pop_back();
  if (s.size() <= scheme.size() + 3) return err(std::string("has no host"));
  return s;
}

}  // namespace mb::kube::config_text
