#include "cli/input.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace mb::cli {

ReadStatus readInput(const std::string& path, size_t maxBytes, std::string& out, std::string& error) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(nullptr, std::fclose);
  FILE* in = stdin;
  if (path != "-") {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      error = "cannot read " + path + ": it is a directory; pass a file (or - for stdin)";
      return ReadStatus::Unreadable;
    }
    file.reset(std::fopen(path.c_str(), "rb"));
    if (!file) {
      error = "cannot read " + path + ": " + std::strerror(errno);
      return ReadStatus::Unreadable;
    }
    in = file.get();
  }
  // Stop one byte past the limit: a stream that never ends (/dev/zero, a
  // pipe from `yes`) must not be read into memory first.
  char buf[65536];
  while (out.size() <= maxBytes) {
    size_t want = std::min(sizeof buf, maxBytes + 1 - out.size());
    size_t n = std::fread(buf, 1, want, in);
    if (n == 0) break;
    out.append(buf, n);
  }
  if (std::ferror(in) != 0) {
    error = "cannot read " + (path == "-" ? std::string("<stdin>") : path) + ": " + std::strerror(errno);
    return ReadStatus::Unreadable;
  }
  if (out.size() > maxBytes) {
    error = (path == "-" ? std::string("<stdin>") : path) + ": the input is larger than " +
            std::to_string(maxBytes >> 20) + " MiB, the limit for one file";
    return ReadStatus::TooLarge;
  }
  return ReadStatus::Ok;
}

}  // namespace mb::cli
