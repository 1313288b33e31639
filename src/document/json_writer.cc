// Value -> JSON text. Hand-written because it is on the render hot path and
// must print number literals verbatim; escaping follows RFC 8259.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "document/parse.h"

namespace mb::document {
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

// Appends to a std::string through a raw cursor: each token reserves its
// worst case once, then writes without per-character capacity checks
// (std::string::push_back's check and size update dominated the writer).
class Sink {
 public:
  explicit Sink(std::string& out) : out_(out), used_(out.size()) {
    // Not up to capacity: resize zero-fills, and callers often reserve big.
    out_.resize(used_ + 1024);
    cur_ = out_.data() + used_;
    end_ = out_.data() + out_.size();
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  ~Sink() { out_.resize(static_cast<size_t>(cur_ - out_.data())); }

  // Room for `n` more bytes; returns the cursor to write them at.
  char* reserve(size_t n) {
    if (static_cast<size_t>(end_ - cur_) < n) grow(n);
    return cur_;
  }
  void advance(char* to) { cur_ = to; }
  void put(char c) { *reserve(1) = c, ++cur_; }
  void append(std::string_view s) {
    char* p = reserve(s.size());
    std::memcpy(p, s.data(), s.size());
    cur_ = p + s.size();
  }

 private:
  void grow(size_t n) {
    size_t used = static_cast<size_t>(cur_ - out_.data());
    out_.resize(std::max(out_.size() * 2, used + n + 1024));
    cur_ = out_.data() + used;
    end_ = out_.data() + out_.size();
  }

  std::string& out_;
  size_t used_;
  char* cur_;
  char* end_;
};

void writeString(std::string_view s, Sink& sink) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Worst case: every byte becomes \u00XX, plus the quotes.
  char* p = sink.reserve(s.size() * 6 + 2);
  *p++ = '"';
  size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      uint64_t w = 0;
      std::memcpy(&w, s.data() + i, 8);
      if (!needsEscape(w)) {
        std::memcpy(p, &w, 8);
        p += 8;
        i += 8;
        continue;
      }
    }
    auto c = static_cast<unsigned char>(s[i++]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      *p++ = static_cast<char>(c);
      continue;
    }
    *p++ = '\\';
    switch (c) {
      case '"':
      case '\\':
        *p++ = static_cast<char>(c);
        break;
      case '\n':
        *p++ = 'n';
        break;
      case '\t':
        *p++ = 't';
        break;
      case '\r':
        *p++ = 'r';
        break;
      case '\b':
        *p++ = 'b';
        break;
      case '\f':
        *p++ = 'f';
        break;
      default:
        *p++ = 'u';
        *p++ = '0';
        *p++ = '0';
        *p++ = kHex[c >> 4];
        *p++ = kHex[c & 0xF];
    }
  }
  *p++ = '"';
  sink.advance(p);
}

// `"key":`; most keys are literals already known to need no escaping.
void writeKey(const Text& key, Sink& sink, int indent) {
  if (key.isPlainLiteral()) {
    const size_t n = key.size();
    char* p = sink.reserve(n + 4);
    *p++ = '"';
    std::memcpy(p, key.data(), n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    if (indent != 0) *p++ = ' ';
    sink.advance(p);
    return;
  }
  writeString(key, sink);
  sink.append(indent == 0 ? std::string_view(":") : std::string_view(": "));
}

void newline(Sink& sink, int indent, int level) {
  if (indent == 0) return;
  size_t n = static_cast<size_t>(indent) * static_cast<size_t>(level);
  char* p = sink.reserve(n + 1);
  *p++ = '\n';
  std::memset(p, ' ', n);
  sink.advance(p + n);
}

const std::string& compactJson(const SharedNode& node);

void write(const Value& v, Sink& sink, int indent, int level) {
  if (indent == 0) {
    if (const SharedNode* node = v.sharedNode()) {
      sink.append(compactJson(*node));
      return;
    }
  }
  switch (v.kind()) {
    case Value::Kind::Null:
      sink.append("null");
      break;
    case Value::Kind::Bool:
      sink.append(v.asBool() ? std::string_view("true") : std::string_view("false"));
      break;
    case Value::Kind::Number:
      sink.append(v.text());
      break;
    case Value::Kind::String:
      writeString(v.text(), sink);
      break;
    case Value::Kind::Array: {
      if (v.items().empty()) {
        sink.append("[]");
        break;
      }
      sink.put('[');
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) sink.put(',');
        first = false;
        newline(sink, indent, level + 1);
        write(item, sink, indent, level + 1);
      }
      newline(sink, indent, level);
      sink.put(']');
      break;
    }
    case Value::Kind::Object: {
      if (v.members().empty()) {
        sink.append("{}");
        break;
      }
      sink.put('{');
      bool first = true;
      for (const auto& m : v.members()) {
        if (!first) sink.put(',');
        first = false;
        newline(sink, indent, level + 1);
        writeKey(m.key, sink, indent);
        write(m.value, sink, indent, level + 1);
      }
      newline(sink, indent, level);
      sink.put('}');
      break;
    }
  }
}

// A shared subtree is written once; every later copy is a memcpy. Threads
// may race to fill the cache: the first one's text wins, the same either way.
const std::string& compactJson(const SharedNode& node) {
  const std::string* json = node.json.load(std::memory_order_acquire);
  if (json != nullptr) return *json;
  auto text = std::make_unique<std::string>();
  {
    Sink sink(*text);
    write(node.value, sink, 0, 0);
  }
  const std::string* expected = nullptr;
  if (node.json.compare_exchange_strong(expected, text.get(), std::memory_order_acq_rel)) return *text.release();
  return *expected;
}

}  // namespace

void writeJson(const Value& value, std::string& out, int indent) {
  Sink sink(out);
  write(value, sink, indent, 0);
}

void writeJsonString(std::string_view text, std::string& out) {
  Sink sink(out);
  writeString(text, sink);
}

std::string toJson(const Value& value, int indent) {
  std::string out;
  writeJson(value, out, indent);
  return out;
}

}  // namespace mb::document
