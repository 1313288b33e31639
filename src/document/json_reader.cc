// JSON text -> Value, through Boost.JSON's SAX parser (iterative, validates
// UTF-8) so that number literals survive as written.
#include <boost/json/basic_parser_impl.hpp>
#include <string>
#include <vector>

#include "document/duplicate_keys.h"
#include "document/parse.h"

namespace mb::document {
namespace {

namespace json = boost::json;

// Children of every open container wait on one flat stack and move into
// their container, sized exactly, when it closes: one allocation per
// container and no spare capacity kept in documents that live in caches.
class Builder {
 public:
  explicit Builder(const Limits& limits) : limits_(limits) {}

  Value& root() { return root_; }
  const std::string& failure() const { return failure_; }

  bool openContainer(bool object, json::error_code& ec) {
    if (!count(ec)) return false;
    frames_.push_back(Frame{object, values_.size(), keys_.size()});
    return true;
  }

  bool closeContainer(json::error_code& ec) {
    Frame f = frames_.back();
    frames_.pop_back();
    Value done = f.object ? Value::object() : Value::array();
    const size_t n = values_.size() - f.values;
    if (f.object) {
      Value::Object& members = done.members();
      members.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        members.push_back(Member{std::move(keys_[f.keys + i]), std::move(values_[f.values + i])});
      }
      keys_.resize(f.keys);
      if (auto dup = findDuplicateKey(members)) {
        failure_ = "duplicate key \"" + *dup + "\"";
        ec = json::error::syntax;
        return false;
      }
    } else {
      Value::Array& items = done.items();
      items.reserve(n);
      for (size_t i = 0; i < n; ++i) items.push_back(std::move(values_[f.values + i]));
    }
    values_.resize(f.values);
    attach(std::move(done));
    return true;
  }

  bool scalar(Value v, json::error_code& ec) {
    if (!count(ec)) return false;
    attach(std::move(v));
    return true;
  }

  std::string& pending() { return pending_; }
  void setKey(std::string_view key) { keys_.emplace_back(key); }

 private:
  struct Frame {
    bool object;
    size_t values;  // where this container's children start in values_
    size_t keys;    // and its keys in keys_
  };

  bool count(json::error_code& ec) {
    if (++nodes_ > limits_.maxNodes) {
      failure_ = "document has more than " + std::to_string(limits_.maxNodes) + " values";
      ec = json::error::object_too_large;
      return false;
    }
    return true;
  }

  void attach(Value v) {
    if (frames_.empty()) {
      root_ = std::move(v);
    } else {
      values_.push_back(std::move(v));
    }
  }

  const Limits& limits_;
  Value root_;
  std::vector<Frame> frames_;
  std::vector<Value> values_;
  std::vector<Text> keys_;
  std::string pending_;  // a string, key or number arriving in parts
  std::string failure_;
  size_t nodes_ = 0;
};

// NOLINTBEGIN(readability-identifier-naming): Boost.JSON's handler interface names these.
struct Handler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit Handler(const Limits& limits) : b(limits) {}
  Builder b;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code& ec) { return b.openContainer(false, ec); }
  bool on_array_end(std::size_t, json::error_code& ec) { return b.closeContainer(ec); }
  bool on_object_begin(json::error_code& ec) { return b.openContainer(true, ec); }
  bool on_object_end(std::size_t, json::error_code& ec) { return b.closeContainer(ec); }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    b.pending().append(s.data(), s.size());
    return true;
  }
  // Whole strings (the usual case) go straight from the input; only
  // those that arrive in parts go through `pending`.
  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    if (b.pending().empty()) return b.scalar(Value(std::string_view(s.data(), s.size())), ec);
    b.pending().append(s.data(), s.size());
    Value v(std::string_view(b.pending()));
    b.pending().clear();
    return b.scalar(std::move(v), ec);
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    b.pending().append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    if (b.pending().empty()) {
      b.setKey(std::string_view(s.data(), s.size()));
      return true;
    }
    b.pending().append(s.data(), s.size());
    b.setKey(b.pending());
    b.pending().clear();
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    b.pending().append(s.data(), s.size());
    return true;
  }
  bool number(json::string_view s, json::error_code& ec) {
    if (b.pending().empty()) return b.scalar(Value::number(std::string(s.data(), s.size())), ec);
    b.pending().append(s.data(), s.size());
    Value v = Value::number(b.pending());
    b.pending().clear();
    return b.scalar(std::move(v), ec);
  }
  bool on_int64(std::int64_t, json::string_view s, json::error_code& ec) { return number(s, ec); }
  bool on_uint64(std::uint64_t, json::string_view s, json::error_code& ec) { return number(s, ec); }
  bool on_double(double, json::string_view s, json::error_code& ec) { return number(s, ec); }
  bool on_bool(bool v, json::error_code& ec) { return b.scalar(Value::boolean(v), ec); }
  bool on_null(json::error_code& ec) { return b.scalar(Value::null(), ec); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};
// NOLINTEND(readability-identifier-naming)

}  // namespace

Mark markAt(std::string_view text, size_t offset) {
  Mark m{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++m.line;
      m.column = 1;
    } else {
      ++m.column;
    }
  }
  return m;
}

namespace {

size_t skipBlanks(std::string_view text, size_t from) {
  while (from < text.size() && (text[from] == ' ' || text[from] == '\t' || text[from] == '\r' || text[from] == '\n')) {
    ++from;
  }
  return from;
}

// One JSON value starting at `offset` of `text`; `offset` moves past it.
// Positions in errors count from the start of `text`.
bool parseValueAt(std::string_view text, size_t& offset, Value& out, ParseError& error, const Limits& limits) {
  json::parse_options options;
  options.max_depth = limits.maxDepth;
  json::basic_parser<Handler> parser(options, limits);
  json::error_code ec;
  // Stops after one complete value; what follows is the caller's.
  size_t used = parser.write_some(false, text.data() + offset, text.size() - offset, ec);
  if (ec) {
    std::string what = parser.handler().b.failure();
    if (what.empty()) {
      what = ec == json::error::too_deep ? "nesting deeper than " + std::to_string(limits.maxDepth) + " levels"
                                         : "invalid JSON: " + ec.message();
    }
    error = {what, markAt(text, offset + used)};
    return false;
  }
  out = std::move(parser.handler().b.root());
  offset += used;
  return true;
}

bool withinSize(std::string_view text, ParseError& error, const Limits& limits) {
  if (text.size() <= limits.maxBytes) return true;
  error = {"input is " + std::to_string(text.size()) + " bytes; the limit is " + std::to_string(limits.maxBytes), {}};
  return false;
}

}  // namespace

bool parseJson(std::string_view text, Value& out, ParseError& error, const Limits& limits) {
  if (!withinSize(text, error, limits)) return false;
  size_t offset = 0;
  if (!parseValueAt(text, offset, out, error, limits)) return false;
  offset = skipBlanks(text, offset);
  if (offset != text.size()) {
    error = {"unexpected content after the JSON value (one JSON text expected)", markAt(text, offset)};
    return false;
  }
  return true;
}

bool parseJsonStream(std::string_view text, std::vector<Value>& out, ParseError& error, const Limits& limits) {
  if (!withinSize(text, error, limits)) return false;
  size_t offset = skipBlanks(text, 0);
  while (offset < text.size()) {
    Value v;
    if (!parseValueAt(text, offset, v, error, limits)) return false;
    out.push_back(std::move(v));
    offset = skipBlanks(text, offset);
  }
  return true;
}

}  // namespace mb::document
