// Reading `-f FILE|-` for the CLI commands, and the exit statuses they share.
#pragma once

#include <cstddef>
#include <string>

namespace mb::cli {

enum class ReadStatus { Ok, Unreadable, TooLarge };

// Reads the whole file, or standard input for "-", but never more than
// `maxBytes` (TooLarge then, without reading on). On failure `error` names
// the file and the reason.
ReadStatus readInput(const std::string& path, size_t maxBytes, std::string& out, std::string& error);

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;   // the input is not a valid booster (or too large)
inline constexpr int kExitUsage = 2;     // wrong flags, unreadable file
inline constexpr int kExitInternal = 3;  // output could not be written, or a bug
inline constexpr const char* kExitStatusHelp =
    "1 invalid input (every error on stderr, nothing on stdout), 2 usage error or unreadable file, "
    "3 output could not be written";

}  // namespace mb::cli
