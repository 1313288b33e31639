// worker.config -> engine command-line arguments, and POSIX shell quoting for
// the places where arguments are joined into one `bash -c` string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "document/value.h"

namespace mb::core {

// Keys sorted; `--key` with '_' -> '-'; empty strings make a bare flag;
// numbers verbatim; objects and arrays as compact JSON. `$` is written `$$`
// so that the kubelet's $(VAR) expansion leaves values unchanged.
void appendConfigArgs(const document::Value& config, std::vector<std::string>& args);

// A word the shell reads back unchanged: bare when it holds only safe
// characters, otherwise single-quoted (so `$`, `;` and quotes are inert).
std::string shellQuote(std::string_view word);
// Joins words with spaces, quoting each.
std::string shellJoin(const std::vector<std::string>& words);

}  // namespace mb::core
