#include "doc/value.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace mb::doc {

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::Bool;
  v.bool_ = b;
  return v;
}

Value Value::number(std::string raw) {
  Value v;
  v.kind_ = Kind::Number;
  v.text_ = std::move(raw);
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
  v.kind_ = Kind::Array;
  v.array_.reserve(items.size());
  for (const Item& item : items) v.array_.push_back(std::move(item.value));
  return v;
}

Value Value::object(std::initializer_list<Field> fields) {
  Value v;
  v.kind_ = Kind::Object;
  v.object_.reserve(fields.size());
  for (const Field& f : fields) v.object_.push_back(Member{std::string(f.key), std::move(f.value)});
  return v;
}

const Value* Value::find(std::string_view key) const {
  if (kind_ != Kind::Object) return nullptr;
  for (const auto& m : object_) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(std::as_const(*this).find(key));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

Value& Value::set(std::string key, Value value) {
  kind_ = Kind::Object;
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
  return set(std::string(key), std::move(value));
}

bool Value::erase(std::string_view key) {
  auto it = std::find_if(object_.begin(), object_.end(), [&](const Member& m) { return m.key == key; });
  if (it == object_.end()) return false;
  object_.erase(it);
  return true;
}

Value& Value::push(Value value) {
  kind_ = Kind::Array;
  if (array_.capacity() == 0) array_.reserve(4);
  array_.push_back(std::move(value));
  return array_.back();
}

void Value::shrinkToFit() {
  array_.shrink_to_fit();
  object_.shrink_to_fit();
}

bool Value::empty() const {
  switch (kind_) {
    case Kind::Null:
      return true;
    case Kind::Array:
      return array_.empty();
    case Kind::Object:
      return object_.empty();
    case Kind::String:
      return text_.empty();
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

// FNV-style, but eight bytes per step: byte-at-a-time FNV is a serial
// multiply chain and dominated render time. Little-endian loads keep the
// result the same on every machine we build for (x86-64, arm64), which the
// revision labels rely on across upgrades.
uint64_t mix(uint64_t h, std::string_view bytes) {
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

uint64_t mixByte(uint64_t h, uint8_t b) {
  h ^= b;
  return h * kFnvPrime;
}

}  // namespace

uint64_t hashValue(const Value& v, uint64_t h) {
  // Kind tags and lengths keep different documents from hashing alike
  // ("ab","c" vs "a","bc").
  h = mixByte(h, static_cast<uint8_t>(v.kind()));
  switch (v.kind()) {
    case Value::Kind::Null:
      break;
    case Value::Kind::Bool:
      h = mixByte(h, v.asBool() ? 1 : 0);
      break;
    case Value::Kind::Number:
    case Value::Kind::String:
      h = mix(h, v.text());
      h = mixByte(h, 0);
      break;
    case Value::Kind::Array:
      for (const auto& item : v.items()) h = hashValue(item, h);
      h = mixByte(h, 0xFE);
      break;
    case Value::Kind::Object:
      for (const auto& m : v.members()) {
        h = mix(h, m.key);
        h = mixByte(h, 0);
        h = hashValue(m.value, h);
      }
      h = mixByte(h, 0xFF);
      break;
  }
  return h;
}

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

}  // namespace mb::doc
