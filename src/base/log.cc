#include "base/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "document/parse.h"

namespace mb::base {
namespace {

struct State {
  LogFormat format = LogFormat::Text;
  int verbosity = 0;
  std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_logger_mt("modelbooster");
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
};

State& state() {
  static State s;
  return s;
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

void jsonString(std::string_view s, std::string& out) { document::writeJsonString(s, out); }

// Text values with spaces or quotes are quoted so a line stays parseable.
void textValue(std::string_view v, std::string& out) {
  bool plain = !v.empty() && v.find_first_of(" \"=\n\t") == std::string_view::npos;
  if (plain) {
    out.append(v);
  } else {
    jsonString(v, out);
  }
}

const char* levelName(LogLevel l, bool upper) {
  switch (l) {
    case LogLevel::Error:
      return upper ? "ERROR" : "error";
    case LogLevel::Warning:
      return upper ? "WARN " : "warning";
    case LogLevel::Info:
      return upper ? "INFO " : "info";
    case LogLevel::Debug:
      return upper ? "DEBUG" : "debug";
  }
  return "?";
}

}  // namespace

void configureLogging(LogFormat format, int verbosity) {
  state().format = format;
  state().verbosity = verbosity;
}

void log(LogLevel level, std::string_view message, std::initializer_list<Field> fields) {
  State& s = state();
  if (level == LogLevel::Debug && s.verbosity < 1) return;
  std::string line;
  line.reserve(128);
  if (s.format == LogFormat::Json) {
    line += "{\"ts\":\"" + timestamp() + "\",\"level\":\"" + levelName(level, false) + "\",\"msg\":";
    jsonString(message, line);
    for (const auto& [k, v] : fields) {
      line.push_back(',');
      jsonString(k, line);
      line.push_back(':');
      jsonString(v, line);
    }
    line.push_back('}');
  } else {
    line += timestamp() + " " + levelName(level, true) + " " + std::string(message);
    for (const auto& [k, v] : fields) {
      line.push_back(' ');
      line.append(k);
      line.push_back('=');
      textValue(v, line);
    }
  }
  s.logger->info(line);
}

}  // namespace mb::base
