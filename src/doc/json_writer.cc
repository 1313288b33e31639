// Value -> JSON text. Hand-written because it is on the render hot path and
// must print number literals verbatim; escaping follows RFC 8259.
#include <cstdint>
#include <cstring>
#include <string>

#include "doc/parse.h"

namespace mb::doc {
namespace {

// True when any of the eight bytes in `w` is < 0x20, '"' or '\\': the only
// bytes JSON strings must escape. Classic SWAR "has byte" tests, so clean
// text (nearly all of it) is scanned eight bytes per step.
bool needsEscape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto hasZero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  uint64_t control = (w - kOnes * 0x20) & ~w & kHigh;
  return (control | hasZero(w ^ (kOnes * '"')) | hasZero(w ^ (kOnes * '\\'))) != 0;
}

void writeString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t start = 0;
  size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      uint64_t w = 0;
      std::memcpy(&w, s.data() + i, 8);
      if (!needsEscape(w)) {
        i += 8;
        continue;
      }
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s.data() + start, i - start);
    start = ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('"');
}

void newline(std::string& out, int indent, int level) {
  if (indent == 0) return;
  out.push_back('\n');
  out.append(static_cast<size_t>(indent) * static_cast<size_t>(level), ' ');
}

void write(const Value& v, std::string& out, int indent, int level) {
  switch (v.kind()) {
    case Value::Kind::Null:
      out += "null";
      break;
    case Value::Kind::Bool:
      out += v.asBool() ? "true" : "false";
      break;
    case Value::Kind::Number:
      out += v.text();
      break;
    case Value::Kind::String:
      writeString(v.text(), out);
      break;
    case Value::Kind::Array: {
      if (v.items().empty()) {
        out += "[]";
        break;
      }
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        newline(out, indent, level + 1);
        write(item, out, indent, level + 1);
      }
      newline(out, indent, level);
      out.push_back(']');
      break;
    }
    case Value::Kind::Object: {
      if (v.members().empty()) {
        out += "{}";
        break;
      }
      out.push_back('{');
      bool first = true;
      for (const auto& m : v.members()) {
        if (!first) out.push_back(',');
        first = false;
        newline(out, indent, level + 1);
        writeString(m.key, out);
        out += indent == 0 ? ":" : ": ";
        write(m.value, out, indent, level + 1);
      }
      newline(out, indent, level);
      out.push_back('}');
      break;
    }
  }
}

}  // namespace

void writeJson(const Value& value, std::string& out, int indent) { write(value, out, indent, 0); }

void writeJsonString(std::string_view text, std::string& out) { writeString(text, out); }

std::string toJson(const Value& value, int indent) {
  std::string out;
  writeJson(value, out, indent);
  return out;
}

}  // namespace mb::doc
