#include "document/yaml_scalar.h"

#include <array>
#include <charconv>
#include <cstdint>

namespace mb::document {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool inList(std::string_view s, std::initializer_list<std::string_view> words) {
  for (auto w : words) {
    if (s == w) return true;
  }
  return false;
}

// Integers as kubectl reads them (sigs.k8s.io/yaml drops every `_`, then
// parses with Go's base prefixes): decimal, 0x hex, 0o or 0-prefixed octal,
// 0b binary. Produces a decimal JSON literal.
bool resolveInteger(std::string_view s, std::string& out) {
  std::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty()) return false;
  int base = 10;
  char prefix = body.size() > 2 && body[0] == '0' ? static_cast<char>(body[1] | 0x20) : '\0';  // lower case
  if (prefix == 'x' || prefix == 'o' || prefix == 'b') {
    base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : 2;
    body.remove_prefix(2);
  } else if (body.size() > 1 && body[0] == '0') {
    base = 8;
    body.remove_prefix(1);
  }
  std::string digits;
  digits.reserve(body.size());
  for (char c : body) {
    if (c == '_') continue;
    bool ok = base == 16 ? (isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
                         : (c >= '0' && c < static_cast<char>('0' + base));
    if (!ok) return false;
    digits.push_back(c);
  }
  if (digits.empty()) return false;
  if (base == 10) {
    out = negative ? "-" + digits : digits;
    return true;
  }
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return false;
  out = (negative && value != 0 ? "-" : "") + std::to_string(value);
  return true;
}

// Floats: [-+]?(digits)?(.digits*)?([eE][-+]?digits)? with at least one digit
// before the exponent; written back as a valid JSON literal.
bool resolveFloat(std::string_view s, std::string& out) {
  size_t i = 0;
  std::string sign;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    if (s[i] == '-') sign = "-";
    ++i;
  }
  size_t intStart = i;
  while (i < s.size() && isDigit(s[i])) ++i;
  std::string_view intPart = s.substr(intStart, i - intStart);
  std::string_view fracPart;
  if (i < s.size() && s[i] == '.') {
    size_t fracStart = ++i;
    while (i < s.size() && isDigit(s[i])) ++i;
    fracPart = s.substr(fracStart, i - fracStart);
  }
  if (intPart.empty() && fracPart.empty()) return false;
  std::string exponent;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    exponent.push_back('e');
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) exponent.push_back(s[i++]);
    size_t expStart = i;
    while (i < s.size() && isDigit(s[i])) ++i;
    if (i == expStart) return false;
    exponent.append(s.substr(expStart, i - expStart));
  }
  if (i != s.size()) return false;
  // Digits alone reach here only when they are not an integer (`08`, `09`:
  // no octal): kubectl's float pattern takes them, and so do we.
  // JSON forbids leading zeros: strip them from the integer part.
  while (intPart.size() > 1 && intPart[0] == '0') intPart.remove_prefix(1);
  out = sign + (intPart.empty() ? std::string("0") : std::string(intPart));
  if (!fracPart.empty()) out += "." + std::string(fracPart);
  out += exponent;
  return true;
}

}  // namespace

ResolvedScalar resolvePlainScalar(std::string_view s) {
  ResolvedScalar r;
  if (s.empty() || inList(s, {"~", "null", "Null", "NULL"})) {
    r.kind = ScalarKind::Null;
    return r;
  }
  if (inList(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    r.kind = ScalarKind::Bool;
    r.boolean = true;
    return r;
  }
  if (inList(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    r.kind = ScalarKind::Bool;
    return r;
  }
  char c = s[0];
  if (!(isDigit(c) || c == '-' || c == '+' || c == '.')) return r;
  if (inList(s,
             {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"})) {
    r.kind = ScalarKind::Unrepresentable;
    return r;
  }
  // kubectl drops every `_` before reading a number (`1_000`, `16_384.5`,
  // `1e_3`), once the first character has made it a candidate.
  std::string plain;
  if (s.find('_') != std::string_view::npos) {
    plain.reserve(s.size());
    for (char ch : s) {
      if (ch != '_') plain.push_back(ch);
    }
    s = plain;
  }
  if (!s.empty() && (resolveInteger(s, r.number) || resolveFloat(s, r.number))) {
    r.kind = ScalarKind::Number;
  }
  return r;
}

}  // namespace mb::document
