// An ordered JSON document that keeps numbers exactly as they were written.
// Engine arguments must print numbers as the user wrote them (no 1e+06, no
// float rounding), and output order must be deterministic, which no library
// DOM here gives us; parsing itself is left to Boost.JSON and libyaml.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mb::doc {

// Where a value started in its source text; line 0 means unknown.
struct Mark {
  uint32_t line = 0;
  uint32_t column = 0;
};

class Value;
struct Member;
struct Field;
struct Item;

class Value {
 public:
  enum class Kind : uint8_t { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Value>;
  using Object = std::vector<Member>;

  Value() = default;
  // A string value; the common case when building documents.
  Value(std::string text);       // NOLINT(google-explicit-constructor)
  Value(std::string_view text);  // NOLINT(google-explicit-constructor)
  Value(const char* text);       // NOLINT(google-explicit-constructor)

  static Value null();
  static Value boolean(bool b);
  // `raw` must be a JSON number literal; callers that parse input check it.
  static Value number(std::string raw);
  static Value integer(int64_t n);
  // Builders. Their elements are moved out (see Field/Item), so nesting
  // builders costs no copies.
  static Value array(std::initializer_list<Item> items = {});
  static Value object(std::initializer_list<Field> fields = {});

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::Null; }
  bool isBool() const { return kind_ == Kind::Bool; }
  bool isNumber() const { return kind_ == Kind::Number; }
  bool isString() const { return kind_ == Kind::String; }
  bool isArray() const { return kind_ == Kind::Array; }
  bool isObject() const { return kind_ == Kind::Object; }

  bool asBool() const { return bool_; }
  // The string's text, or a number's literal as written.
  const std::string& text() const { return text_; }
  const Array& items() const { return array_; }
  Array& items() { return array_; }
  const Object& members() const { return object_; }
  Object& members() { return object_; }

  // First member named `key`, or nullptr (also when this is not an object).
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // Appends a member (builders never add a key twice) and returns its value.
  Value& set(std::string key, Value value);
  // Replaces the member named `key` or appends it.
  Value& put(std::string_view key, Value value);
  bool erase(std::string_view key);
  Value& push(Value value);
  bool empty() const;
  // Drops spare capacity (the builders reserve some): readers call it when a
  // container is complete, since parsed documents live long in caches.
  void shrinkToFit();

  Mark mark() const { return mark_; }
  void setMark(Mark mark) { mark_ = mark; }

  static const char* kindName(Kind kind);
  // "a string", "an object", "null": for messages.
  static const char* kindArticle(Kind kind);

 private:
  Kind kind_ = Kind::Null;
  bool bool_ = false;
  Mark mark_;
  std::string text_;
  Array array_;
  Object object_;
};

struct Member {
  std::string key;
  Value value;
};

// Elements of Value::object({...}) and Value::array({...}). An
// initializer_list only hands out const elements; the `mutable` value lets
// the builder move each temporary out instead of deep-copying it.
struct Field {
  std::string_view key;
  mutable Value value;
};

struct Item {
  Item(Value v) : value(std::move(v)) {}        // NOLINT(google-explicit-constructor)
  Item(const char* s) : value(s) {}             // NOLINT(google-explicit-constructor)
  Item(std::string s) : value(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  Item(std::string_view s) : value(s) {}        // NOLINT(google-explicit-constructor)
  mutable Value value;
};

// A stable 64-bit content hash of a value, computed without serialising
// it; used for revision labels, so it must never change between releases.
uint64_t hashValue(const Value& value, uint64_t seed = 14695981039346656037ULL);

// Defined here, where Member is complete (the members' destructors need it).
inline Value::Value(std::string text) : kind_(Kind::String), text_(std::move(text)) {}
inline Value::Value(std::string_view text) : kind_(Kind::String), text_(text) {}
inline Value::Value(const char* text) : kind_(Kind::String), text_(text) {}
inline Value Value::null() { return {}; }

// Semantic equality: object member order does not matter, numbers compare by
// value when both are integers, otherwise by literal.
bool equal(const Value& a, const Value& b);

// True when every member present in `subset` is present and equal in
// `superset` (recursively for objects; arrays must match element-wise).
// This is how desired state is compared with live objects that the API
// server has defaulted.
bool isSubset(const Value& subset, const Value& superset);

}  // namespace mb::doc
