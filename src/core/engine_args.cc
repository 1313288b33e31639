#include "core/engine_args.h"

#include <algorithm>

#include "core/rules.h"
#include "document/parse.h"

namespace mb::core {

namespace {

// The kubelet rewrites `$(VAR)` and `$$` in a container's command and args.
// `$$` is its escape for a literal `$`, so doubling every `$` makes the
// engine receive the user's value exactly as written.
std::string kubeLiteral(std::string s) {
  size_t at = s.find('$');
  while (at != std::string::npos) {
    s.insert(at, 1, '$');
    at = s.find('$', at + 2);
  }
  return s;
}

}  // namespace

void appendConfigArgs(const document::Value& config, std::vector<std::string>& args) {
  if (!config.isObject()) return;
  std::vector<const document::Member*> sorted;
  sorted.reserve(config.members().size());
  for (const auto& m : config.members()) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(),
            [](const document::Member* a, const document::Member* b) { return a->key < b->key; });
  for (const document::Member* m : sorted) {
    args.push_back(flagName(m->key));
    const document::Value& v = m->value;
    switch (v.kind()) {
      case document::Value::Kind::String:
        if (!v.text().empty()) args.push_back(kubeLiteral(v.text()));
        break;
      case document::Value::Kind::Bool:
        args.emplace_back(v.asBool() ? "true" : "false");
        break;
      case document::Value::Kind::Number:
        args.push_back(v.text());
        break;
      case document::Value::Kind::Array:
      case document::Value::Kind::Object:
        args.push_back(kubeLiteral(document::toJson(v)));
        break;
      case document::Value::Kind::Null:
        break;  // refused by validation
    }
  }
}

namespace {

bool isSafe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '/' || c == ':' || c == ',' || c == '=' || c == '@' || c == '%' || c == '+';
}

}  // namespace

std::string shellQuote(std::string_view word) {
  if (word.empty()) return "''";
  bool safe = true;
  for (char c : word) safe = safe && isSafe(c);
  if (safe) return std::string(word);
  // Single quotes keep everything literal, `$` included, so bash never runs
  // a user's `$(...)`; a single quote itself is closed, escaped, reopened.
  // The kubelet's $(VAR) substitution is plain text replacement and still
  // happens inside the quotes.
  std::string out;
  out.reserve(word.size() + 8);
  out.push_back('\'');
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
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
