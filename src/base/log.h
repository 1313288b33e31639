// One line per event, as text or JSON (--log-format), with -v verbosity:
//   2026-11-26T23:50:01.123Z INFO  reconciled booster=default/llama generation=3 ms=4
//   {"ts":"2026-11-26T23:50:01.123Z","level":"info","msg":"reconciled","booster":"default/llama",...}
// spdlog does the thread-safe, buffered writing; we only format the line.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace mb::base {

enum class LogLevel { Error = 0, Warning = 1, Info = 2, Debug = 3 };
enum class LogFormat { Text, Json };

void configureLogging(LogFormat format, int verbosity);  // verbosity: 0 info, 1 debug

using Field = std::pair<std::string_view, std::string>;
void log(LogLevel level, std::string_view message, std::initializer_list<Field> fields = {});

inline void logInfo(std::string_view m, std::initializer_list<Field> f = {}) { log(LogLevel::Info, m, f); }
inline void logWarning(std::string_view m, std::initializer_list<Field> f = {}) { log(LogLevel::Warning, m, f); }
inline void logError(std::string_view m, std::initializer_list<Field> f = {}) { log(LogLevel::Error, m, f); }
inline void logDebug(std::string_view m, std::initializer_list<Field> f = {}) { log(LogLevel::Debug, m, f); }

}  // namespace mb::base
