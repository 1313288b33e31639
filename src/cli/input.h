// Reading `-f FILE|-` for the CLI commands.
#pragma once

#include <string>

namespace mb::cli {

// Reads the whole file, or standard input for "-". On failure returns false
// with a message naming the file.
bool readInput(const std::string& path, std::string& out, std::string& error);

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;  // the input is not a valid booster
inline constexpr int kExitUsage = 2;    // wrong flags, unreadable file

}  // namespace mb::cli
