#include "core/engine_args.h"

#include <algorithm>

#include "core/rules.h"
#include "doc/parse.h"

namespace mb::core {

void appendConfigArgs(const doc::Value& config, std::vector<std::string>& args) {
  if (!config.isObject()) return;
  std::vector<const doc::Member*> sorted;
  sorted.reserve(config.members().size());
  for (const auto& m : config.members()) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(), [](const doc::Member* a, const doc::Member* b) { return a->key < b->key; });
  for (const doc::Member* m : sorted) {
    args.push_back(flagName(m->key));
    const doc::Value& v = m->value;
    switch (v.kind()) {
      case doc::Value::Kind::String:
        if (!v.text().empty()) args.push_back(v.text());
        break;
      case doc::Value::Kind::Bool: args.emplace_back(v.asBool() ? "true" : "false"); break;
      case doc::Value::Kind::Number: args.push_back(v.text()); break;
      case doc::Value::Kind::Array:
      case doc::Value::Kind::Object: args.push_back(doc::toJson(v)); break;
      case doc::Value::Kind::Null: break;  // refused by validation
    }
  }
}

namespace {

bool isSafe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '/' || c == ':' || c == ',' || c == '=' || c == '@' || c == '%' || c == '+';
}

// "$(NAME)" with NAME an env var: Kubernetes substitutes it in command and
// args before the container starts, so it must reach the shell unquoted.
bool isKubeRef(std::string_view s, size_t i, size_t& end) {
  if (s.substr(i, 2) != "$(") return false;
  size_t close = s.find(')', i + 2);
  if (close == std::string_view::npos || close == i + 2) return false;
  for (size_t k = i + 2; k < close; ++k) {
    char c = s[k];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  end = close + 1;
  return true;
}

}  // namespace

std::string shellQuote(std::string_view word) {
  if (word.empty()) return "''";
  bool safe = true;
  for (size_t i = 0; i < word.size() && safe; ++i) {
    size_t end = 0;
    if (isKubeRef(word, i, end)) {
      i = end - 1;
      continue;
    }
    safe = isSafe(word[i]);
  }
  if (safe) return std::string(word);
  // Single quotes keep everything literal; a single quote itself is closed,
  // escaped and reopened. A $(VAR) reference is spliced in double quotes:
  // the kubelet replaces it before bash runs, and the value stays one word.
  std::string out;
  out.reserve(word.size() + 8);
  out.push_back('\'');
  for (size_t i = 0; i < word.size(); ++i) {
    size_t end = 0;
    if (isKubeRef(word, i, end)) {
      out += "'\"";
      out.append(word.substr(i, end - i));
      out += "\"'";
      i = end - 1;
    } else if (word[i] == '\'') {
      out += "'\\''";
    } else {
      out.push_back(word[i]);
    }
  }
  out.push_back('\'');
  return out;
}

std::string shellJoin(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out.push_back(' ');
    out += shellQuote(w);
  }
  return out;
}

}  // namespace mb::core
