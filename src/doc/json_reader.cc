// JSON text -> Value, through Boost.JSON's SAX parser (iterative, validates
// UTF-8) so that number literals survive as written.
#include <boost/json/basic_parser_impl.hpp>
#include <string>
#include <vector>

#include "doc/duplicate_keys.h"
#include "doc/parse.h"

namespace mb::doc {
namespace {

namespace json = boost::json;

class Builder {
 public:
  explicit Builder(const Limits& limits) : limits_(limits) {}

  Value& root() { return root_; }
  const std::string& failure() const { return failure_; }

  bool openContainer(Value container, json::error_code& ec) {
    if (!count(ec)) return false;
    open_.push_back(std::move(container));
    keys_.emplace_back();
    return true;
  }

  bool closeContainer(json::error_code& ec) {
    Value done = std::move(open_.back());
    open_.pop_back();
    keys_.pop_back();
    done.shrinkToFit();
    if (done.isObject()) {
      if (auto dup = findDuplicateKey(done.members())) {
        failure_ = "duplicate key \"" + *dup + "\"";
        ec = json::error::syntax;
        return false;
      }
    }
    return attach(std::move(done), ec);
  }

  bool scalar(Value v, json::error_code& ec) { return count(ec) && attach(std::move(v), ec); }

  std::string& pending() { return pending_; }
  void setKey(std::string key) { keys_.back() = std::move(key); }

 private:
  bool count(json::error_code& ec) {
    if (++nodes_ > limits_.maxNodes) {
      failure_ = "document has more than " + std::to_string(limits_.maxNodes) + " values";
      ec = json::error::object_too_large;
      return false;
    }
    return true;
  }

  bool attach(Value v, json::error_code& /*ec*/) {
    if (open_.empty()) {
      root_ = std::move(v);
    } else if (open_.back().isObject()) {
      open_.back().set(std::move(keys_.back()), std::move(v));
    } else {
      open_.back().push(std::move(v));
    }
    return true;
  }

  const Limits& limits_;
  Value root_;
  std::vector<Value> open_;
  std::vector<std::string> keys_;
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
  bool on_array_begin(json::error_code& ec) { return b.openContainer(Value::array(), ec); }
  bool on_array_end(std::size_t, json::error_code& ec) { return b.closeContainer(ec); }
  bool on_object_begin(json::error_code& ec) { return b.openContainer(Value::object(), ec); }
  bool on_object_end(std::size_t, json::error_code& ec) { return b.closeContainer(ec); }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    b.pending().append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    b.pending().append(s.data(), s.size());
    Value v(std::move(b.pending()));
    b.pending().clear();
    return b.scalar(std::move(v), ec);
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    b.pending().append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    b.pending().append(s.data(), s.size());
    b.setKey(std::move(b.pending()));
    b.pending().clear();
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    b.pending().append(s.data(), s.size());
    return true;
  }
  bool number(json::string_view s, json::error_code& ec) {
    b.pending().append(s.data(), s.size());
    Value v = Value::number(std::move(b.pending()));
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

}  // namespace

bool parseJson(std::string_view text, Value& out, ParseError& error, const Limits& limits) {
  if (text.size() > limits.maxBytes) {
    error = {"input is " + std::to_string(text.size()) + " bytes; the limit is " + std::to_string(limits.maxBytes), {}};
    return false;
  }
  json::parse_options options;
  options.max_depth = limits.maxDepth;
  json::basic_parser<Handler> parser(options, limits);
  json::error_code ec;
  size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec) {
    std::string what = parser.handler().b.failure();
    if (what.empty()) {
      what = ec == json::error::too_deep ? "nesting deeper than " + std::to_string(limits.maxDepth) + " levels"
                                         : "invalid JSON: " + ec.message();
    }
    error = {what, markAt(text, used)};
    return false;
  }
  out = std::move(parser.handler().b.root());
  return true;
}

}  // namespace mb::doc
