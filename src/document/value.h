// An ordered JSON document that keeps numbers exactly as they were written.
// Engine arguments must print numbers as the user wrote them (no 1e+06, no
// float rounding), and output order must be deterministic, which no library
// DOM here gives us; parsing itself is left to Boost.JSON and libyaml.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "document/text.h"

namespace mb::document {

// Where a value started in its source text; line 0 means unknown.
struct Mark {
  uint32_t line = 0;
  uint32_t column = 0;
};

class Value;
struct SharedNode;
struct Member;
struct Field;
struct Item;

class Value {
 public:
  enum class Kind : uint8_t { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Value>;
  using Object = std::vector<Member>;

  Value() noexcept : raw_{} {}
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
  // The same value, made immutable and shared: copies of the result cost a
  // reference count instead of a deep copy (a backend's env list goes into
  // several containers). Mutating a copy detaches it first (copy on write).
  static Value shared(Value value);
  // The node behind a shared value, or nullptr. Writers and hashing use it
  // to compute a shared subtree's JSON and hash once, however often it is
  // copied into a document.
  const SharedNode* sharedNode() const { return shared_ ? ref_.get() : nullptr; }

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::Null; }
  bool isBool() const { return kind_ == Kind::Bool; }
  bool isNumber() const { return kind_ == Kind::Number; }
  bool isString() const { return kind_ == Kind::String; }
  bool isArray() const { return kind_ == Kind::Array; }
  bool isObject() const { return kind_ == Kind::Object; }

  bool asBool() const { return bool_; }
  // The string's text, or a number's literal as written.
  const std::string& text() const;
  const Array& items() const;
  // On a value of another kind the mutable accessors return an empty
  // scratch container and leave the value alone (use push/set to build).
  Array& items() {
    if (shared_) unshare();
    return isArray() ? array_ : scratchArray();
  }
  const Object& members() const;
  Object& members() {
    if (shared_) unshare();
    return isObject() ? object_ : scratchObject();
  }

  // First member named `key`, or nullptr (also when this is not an object).
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // Appends a member (builders never add a key twice) and returns its value.
  Value& set(Text key, Value value);
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
  // One payload at a time: a node is 48 bytes instead of the 96 of three
  // side-by-side containers, which halves what building, moving and caching
  // documents touch. Strings and numbers share `text_`.
  void destroy() noexcept;
  // Replaces a shared reference by a private copy of what it refers to.
  void unshare();
  void becomeString() noexcept;
  void becomeArray() noexcept;
  void becomeObject() noexcept;
  static const std::string& emptyText();
  static const Array& emptyArray();
  static const Object& emptyObject();
  static Array& scratchArray();
  static Object& scratchObject();

  Kind kind_ = Kind::Null;  // when shared_, the kind of the referred value
  bool bool_ = false;
  bool shared_ = false;  // the payload is ref_
  Mark mark_;
  // Kinds without a payload (null, bool) leave `raw_` active, zeroed: the
  // compiler's flow analysis cannot follow kind_ and would otherwise warn
  // that moving such a value reads uninitialised memory.
  union {
    std::string text_;
    Array array_;
    Object object_;
    std::shared_ptr<const SharedNode> ref_;
    unsigned char raw_[sizeof(std::string)];
  };

 public:
  Value(const Value& other);
  Value(Value&& other) noexcept;
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value() { destroy(); }
};

struct Member {
  Text key;
  Value value;
};

// What a shared value refers to: the value itself (never itself shared)
// and, filled in on first use by any thread, its compact JSON and hash.
struct SharedNode {
  explicit SharedNode(Value v) : value(std::move(v)) {}
  SharedNode(const SharedNode&) = delete;
  SharedNode& operator=(const SharedNode&) = delete;
  ~SharedNode() { delete json.load(std::memory_order_acquire); }

  Value value;
  mutable std::atomic<const std::string*> json{nullptr};
  mutable std::atomic<uint64_t> hash{0};  // 0: not computed yet
};

inline const std::string& Value::text() const {
  if (shared_) return ref_->value.text();
  return isString() || isNumber() ? text_ : emptyText();
}
inline const Value::Array& Value::items() const {
  if (shared_) return ref_->value.items();
  return isArray() ? array_ : emptyArray();
}
inline const Value::Object& Value::members() const {
  if (shared_) return ref_->value.members();
  return isObject() ? object_ : emptyObject();
}

// Elements of Value::object({...}) and Value::array({...}). An
// initializer_list only hands out const elements; the `mutable` value lets
// the builder move each temporary out instead of deep-copying it.
struct Field {
  mutable Text key;
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
// The same without a seed; never 0. Depends on content only (not on whether
// parts are shared), so shared subtrees cache it.
uint64_t nodeHash(const Value& value);
// The pieces nodeHash is made of, for hashing typed structures the same way
// without building documents: a string's hash, and folding one hash into
// another (order matters).
uint64_t hashText(std::string_view text);
uint64_t hashCombine(uint64_t h, uint64_t x);

// Defined here, where Member is complete (the members' destructors need it).
inline Value::Value(std::string text) : kind_(Kind::String), text_(std::move(text)) {}
inline Value::Value(std::string_view text) : kind_(Kind::String), text_(text) {}
inline Value::Value(const char* text) : kind_(Kind::String), text_(text) {}

inline void Value::destroy() noexcept {
  if (shared_) {
    ref_.~shared_ptr();
    shared_ = false;
    return;
  }
  switch (kind_) {
    case Kind::Number:
    case Kind::String:
      text_.~basic_string();
      break;
    case Kind::Array:
      array_.~vector();
      break;
    case Kind::Object:
      object_.~vector();
      break;
    default:
      break;
  }
}

inline Value::Value(Value&& other) noexcept
    : kind_(other.kind_), bool_(other.bool_), shared_(other.shared_), mark_(other.mark_), raw_{} {
  if (shared_) {
    new (&ref_) std::shared_ptr<const SharedNode>(std::move(other.ref_));
    return;
  }
  switch (kind_) {
    case Kind::Number:
    case Kind::String:
      new (&text_) std::string(std::move(other.text_));
      break;
    case Kind::Array:
      new (&array_) Array(std::move(other.array_));
      break;
    case Kind::Object:
      new (&object_) Object(std::move(other.object_));
      break;
    default:
      break;
  }
}

inline Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    // `other` may live inside this value (v = std::move(v.items()[0])):
    // take it out before the old payload is destroyed.
    Value taken(std::move(other));
    destroy();
    new (this) Value(std::move(taken));
  }
  return *this;
}
inline Value Value::null() { return {}; }

// Semantic equality: object member order does not matter, numbers compare by
// value when both are integers, otherwise by literal.
bool equal(const Value& a, const Value& b);

// True when every member present in `subset` is present and equal in
// `superset` (recursively for objects; arrays must match element-wise).
// This is how desired state is compared with live objects that the API
// server has defaulted.
bool isSubset(const Value& subset, const Value& superset);

}  // namespace mb::document
