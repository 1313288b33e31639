#include "document/value.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace mb::document {

Value::Value(const Value& other)
    : kind_(other.kind_), bool_(other.bool_), shared_(other.shared_), mark_(other.mark_), raw_{} {
  if (shared_) {
    new (&ref_) std::shared_ptr<const SharedNode>(other.ref_);
    return;
  }
  switch (kind_) {
    case Kind::Number:
    case Kind::String:
      new (&text_) std::string(other.text_);
      break;
    case Kind::Array:
      new (&array_) Array(other.array_);
      break;
    case Kind::Object:
      new (&object_) Object(other.object_);
      break;
    default:
      break;
  }
}

Value& Value::operator=(const Value& other) {
  if (this != &other) {
    Value copy(other);  // may throw; *this is untouched until it succeeds
    *this = std::move(copy);
  }
  return *this;
}

Value Value::shared(Value value) {
  if (value.shared_) return value;
  Value v;
  v.kind_ = value.kind_;
  v.bool_ = value.bool_;
  v.mark_ = value.mark_;
  new (&v.ref_) std::shared_ptr<const SharedNode>(std::make_shared<const SharedNode>(std::move(value)));
  v.shared_ = true;
  return v;
}

void Value::unshare() {
  Value copy(ref_->value);  // the referred value is never itself a reference
  Mark mark = mark_;
  destroy();
  kind_ = Kind::Null;
  *this = std::move(copy);
  mark_ = mark;
}

void Value::becomeString() noexcept {
  destroy();
  kind_ = Kind::String;
  new (&text_) std::string();
}

void Value::becomeArray() noexcept {
  destroy();
  kind_ = Kind::Array;
  new (&array_) Array();
}

void Value::becomeObject() noexcept {
  destroy();
  kind_ = Kind::Object;
  new (&object_) Object();
}

const std::string& Value::emptyText() {
  static const std::string empty;
  return empty;
}

const Value::Array& Value::emptyArray() {
  static const Array empty;
  return empty;
}

Value::Array& Value::scratchArray() {
  thread_local Array scratch;
  scratch.clear();
  return scratch;
}

Value::Object& Value::scratchObject() {
  thread_local Object scratch;
  scratch.clear();
  return scratch;
}

const Value::Object& Value::emptyObject() {
  static const Object empty;
  return empty;
}

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::Bool;
  v.bool_ = b;
  return v;
}

Value Value::number(std::string raw) {
  Value v;
  v.kind_ = Kind::Number;
  new (&v.text_) std::string(std::move(raw));
  return v;
}

Value Value::integer(int64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(std::begin(buf), std::end(buf), n);
  (void)ec;  // 24 bytes always hold an int64
  return number(std::string(buf, end));
}

Value Value::array(std::initializer_list<Item> items) {
  Value v;
  v.becomeArray();
  v.array_.reserve(items.size());
  for (const Item& item : items) v.array_.push_back(std::move(item.value));
  return v;
}

Value Value::object(std::initializer_list<Field> fields) {
  Value v;
  v.becomeObject();
  v.object_.reserve(fields.size());
  for (const Field& f : fields) v.object_.push_back(Member{std::move(f.key), std::move(f.value)});
  return v;
}

const Value* Value::find(std::string_view key) const {
  if (kind_ != Kind::Object) return nullptr;
  for (const auto& m : members()) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

Value* Value::find(std::string_view key) {
  if (shared_) unshare();
  return const_cast<Value*>(std::as_const(*this).find(key));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

Value& Value::set(Text key, Value value) {
  if (shared_) unshare();
  if (kind_ != Kind::Object) becomeObject();
  // Objects built member by member (containers, pod specs) have about a
  // dozen members: one allocation instead of five regrowths.
  if (object_.capacity() == 0) object_.reserve(12);
  object_.push_back(Member{std::move(key), std::move(value)});
  return object_.back().value;
}

Value& Value::put(std::string_view key, Value value) {
  if (Value* existing = find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  return set(Text(key), std::move(value));
}

bool Value::erase(std::string_view key) {
  if (shared_) unshare();
  if (kind_ != Kind::Object) return false;
  auto it = std::find_if(object_.begin(), object_.end(), [&](const Member& m) { return m.key == key; });
  if (it == object_.end()) return false;
  object_.erase(it);
  return true;
}

Value& Value::push(Value value) {
  if (shared_) unshare();
  if (kind_ != Kind::Array) becomeArray();
  if (array_.capacity() == 0) array_.reserve(4);
  array_.push_back(std::move(value));
  return array_.back();
}

void Value::shrinkToFit() {
  if (shared_) return;
  if (kind_ == Kind::Array) array_.shrink_to_fit();
  if (kind_ == Kind::Object) object_.shrink_to_fit();
}

bool Value::empty() const {
  switch (kind_) {
    case Kind::Null:
      return true;
    case Kind::Array:
      return items().empty();
    case Kind::Object:
      return members().empty();
    case Kind::String:
      return text().empty();
    default:
      return false;
  }
}

const char* Value::kindName(Kind kind) {
  switch (kind) {
    case Kind::Null:
      return "null";
    case Kind::Bool:
      return "boolean";
    case Kind::Number:
      return "number";
    case Kind::String:
      return "string";
    case Kind::Array:
      return "list";
    case Kind::Object:
      return "object";
  }
  return "?";
}

const char* Value::kindArticle(Kind kind) {
  switch (kind) {
    case Kind::Null:
      return "null";
    case Kind::Bool:
      return "a boolean";
    case Kind::Number:
      return "a number";
    case Kind::String:
      return "a string";
    case Kind::Array:
      return "a list";
    case Kind::Object:
      return "an object";
  }
  return "?";
}

namespace {

constexpr uint64_t kFnvPrime = 1099511628211ULL;
constexpr uint64_t kFnvBasis = 14695981039346656037ULL;
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

// FNV-style, but eight bytes per step: byte-at-a-time FNV is a serial
// multiply chain and dominated render time. Little-endian loads keep the
// result the same on every machine we build for (x86-64, arm64), which the
// revision labels rely on across upgrades.
uint64_t mixBytes(uint64_t h, std::string_view bytes) {
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, bytes.data() + i, 8);
    h = (h ^ w) * kFnvPrime;
    h ^= h >> 29;
  }
  for (; i < bytes.size(); ++i) {
    h ^= static_cast<uint8_t>(bytes[i]);
    h *= kFnvPrime;
  }
  return h;
}

// Folds a child's hash (or a tag) into its parent's.
uint64_t combine(uint64_t h, uint64_t x) {
  h = (h ^ x) * kGolden;
  return h ^ (h >> 32);
}

// Tag, length and bytes: "ab","c" and "a","bc" differ, as do "1" and 1.
uint64_t textHash(Value::Kind kind, std::string_view text) {
  uint64_t h = combine(kFnvBasis, (static_cast<uint64_t>(text.size()) << 8) | static_cast<uint8_t>(kind));
  return combine(kFnvBasis, mixBytes(h, text));
}

}  // namespace

// Merkle-style: a node's hash depends on its content only, never on where
// it sits, so a shared subtree's hash is computed once and reused.
uint64_t nodeHash(const Value& v) {
  if (const SharedNode* node = v.sharedNode()) {
    uint64_t cached = node->hash.load(std::memory_order_relaxed);
    if (cached == 0) {
      cached = nodeHash(node->value);  // never 0, which means "not yet"
      node->hash.store(cached, std::memory_order_relaxed);
    }
    return cached;
  }
  const auto kind = static_cast<uint64_t>(v.kind());
  switch (v.kind()) {
    case Value::Kind::Null:
      return combine(kFnvBasis, kind) | 1;
    case Value::Kind::Bool:
      return combine(kFnvBasis, kind | (v.asBool() ? 0x100 : 0)) | 1;
    case Value::Kind::Number:
    case Value::Kind::String:
      return textHash(v.kind(), v.text()) | 1;
    case Value::Kind::Array: {
      uint64_t h = combine(kFnvBasis, kind | (static_cast<uint64_t>(v.items().size()) << 8));
      for (const auto& item : v.items()) h = combine(h, nodeHash(item));
      return h | 1;
    }
    case Value::Kind::Object: {
      uint64_t h = combine(kFnvBasis, kind | (static_cast<uint64_t>(v.members().size()) << 8));
      for (const auto& m : v.members()) {
        h = combine(h, textHash(Value::Kind::String, m.key));
        h = combine(h, nodeHash(m.value));
      }
      return h | 1;
    }
  }
  return 0;
}

uint64_t hashValue(const Value& v, uint64_t seed) { return combine(seed, nodeHash(v)); }

uint64_t hashText(std::string_view text) { return textHash(Value::Kind::String, text) | 1; }

uint64_t hashCombine(uint64_t h, uint64_t x) { return combine(h, x); }

namespace {

bool numbersEqual(const std::string& a, const std::string& b) {
  if (a == b) return true;
  int64_t x = 0;
  int64_t y = 0;
  auto ra = std::from_chars(a.data(), a.data() + a.size(), x);
  auto rb = std::from_chars(b.data(), b.data() + b.size(), y);
  bool aInt = ra.ec == std::errc() && ra.ptr == a.data() + a.size();
  bool bInt = rb.ec == std::errc() && rb.ptr == b.data() + b.size();
  if (aInt && bInt) return x == y;
  double dx = 0;
  double dy = 0;
  auto fa = std::from_chars(a.data(), a.data() + a.size(), dx);
  auto fb = std::from_chars(b.data(), b.data() + b.size(), dy);
  return fa.ec == std::errc() && fb.ec == std::errc() && dx == dy;
}

}  // namespace

bool equal(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Null:
      return true;
    case Value::Kind::Bool:
      return a.asBool() == b.asBool();
    case Value::Kind::Number:
      return numbersEqual(a.text(), b.text());
    case Value::Kind::String:
      return a.text() == b.text();
    case Value::Kind::Array: {
      if (a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i) {
        if (!equal(a.items()[i], b.items()[i])) return false;
      }
      return true;
    }
    case Value::Kind::Object: {
      if (a.members().size() != b.members().size()) return false;
      for (const auto& m : a.members()) {
        const Value* other = b.find(m.key);
        if (other == nullptr || !equal(m.value, *other)) return false;
      }
      return true;
    }
  }
  return false;
}

bool isSubset(const Value& subset, const Value& superset) {
  if (subset.isObject() && superset.isObject()) {
    for (const auto& m : subset.members()) {
      const Value* other = superset.find(m.key);
      if (other == nullptr) {
        // An empty desired value and an absent live one mean the same.
        if (m.value.empty() && !m.value.isString()) continue;
        return false;
      }
      if (!isSubset(m.value, *other)) return false;
    }
    return true;
  }
  if (subset.isArray() && superset.isArray()) {
    if (subset.items().size() != superset.items().size()) return false;
    for (size_t i = 0; i < subset.items().size(); ++i) {
      if (!isSubset(subset.items()[i], superset.items()[i])) return false;
    }
    return true;
  }
  return equal(subset, superset);
}

}  // namespace mb::document
