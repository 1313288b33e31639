#include "api/object_reader.h"

#include <charconv>

namespace mb::api {

ObjectReader::ObjectReader(const document::Value& value, const document::Path& path, document::Errors& errors)
    : value_(value), path_(path), errors_(errors) {
  if (!value.isObject()) {
    ok_ = false;
    errors_.add(path, std::string("must be an object, not ") + document::Value::kindArticle(value.kind()),
                value.mark());
    return;
  }
  seen_.assign(value.members().size(), false);
}

const document::Value* ObjectReader::take(std::string_view key) {
  if (!ok_) return nullptr;
  const auto& members = value_.members();
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i].key == key) {
      seen_[i] = true;
      return &members[i].value;
    }
  }
  return nullptr;
}

bool readString(const document::Value& v, const document::Path& path, document::Errors& errors, std::string& out) {
  if (!v.isString()) {
    errors.add(path, std::string("must be a string, not ") + document::Value::kindArticle(v.kind()), v.mark());
    return false;
  }
  out = v.text();
  return true;
}

bool readInt(const document::Value& v, const document::Path& path, document::Errors& errors, int64_t min, int64_t max,
             int64_t& out) {
  if (!v.isNumber()) {
    errors.add(path, std::string("must be an integer, not ") + document::Value::kindArticle(v.kind()), v.mark());
    return false;
  }
  const std::string& t = v.text();
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  bool whole = ec == std::errc() && ptr == t.data() + t.size();
  if (!whole) {
    // 3.0 and 1e3 are integers written as floats; 2.5 is not. Range is
    // checked before any cast: converting an out-of-range double is UB.
    double d = 0;
    auto [dptr, dec] = std::from_chars(t.data(), t.data() + t.size(), d);
    bool parsed = dec == std::errc() && dptr == t.data() + t.size();
    bool inRange = parsed && d >= -9.2e18 && d <= 9.2e18;
    if (ec == std::errc::result_out_of_range || (parsed && !inRange)) {
      errors.add(path, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " + t,
                 v.mark());
      return false;
    }
    if (!inRange || d != static_cast<double>(static_cast<int64_t>(d))) {
      errors.add(path, "must be an integer, not " + t, v.mark());
      return false;
    }
    n = static_cast<int64_t>(d);
  }
  if (n < min || n > max) {
    errors.add(path, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " + t, v.mark());
    return false;
  }
  out = n;
  return true;
}

void ObjectReader::string(std::string_view key, std::string& out) {
  if (const document::Value* v = take(key)) {
    if (!v->isNull()) readString(*v, path_.child(key), errors_, out);
  }
}

void ObjectReader::string(std::string_view key, std::optional<std::string>& out) {
  if (const document::Value* v = take(key)) {
    std::string s;
    if (!v->isNull() && readString(*v, path_.child(key), errors_, s)) out = std::move(s);
  }
}

void ObjectReader::int32(std::string_view key, std::optional<int32_t>& out, int64_t min, int64_t max) {
  if (const document::Value* v = take(key)) {
    int64_t n = 0;
    if (!v->isNull() && readInt(*v, path_.child(key), errors_, min, max, n)) out = static_cast<int32_t>(n);
  }
}

void ObjectReader::int64(std::string_view key, std::optional<int64_t>& out) {
  if (const document::Value* v = take(key)) {
    int64_t n = 0;
    if (!v->isNull() && readInt(*v, path_.child(key), errors_, INT64_MIN, INT64_MAX, n)) out = n;
  }
}

void ObjectReader::boolean(std::string_view key, std::optional<bool>& out) {
  if (const document::Value* v = take(key)) {
    if (v->isNull()) return;
    if (!v->isBool()) {
      errors_.add(path_.child(key),
                  std::string("must be true or false, not ") + document::Value::kindArticle(v->kind()), v->mark());
      return;
    }
    out = v->asBool();
  }
}

void ObjectReader::raw(std::string_view key, document::Value& out, document::Value::Kind expected) {
  if (const document::Value* v = take(key)) {
    if (v->isNull()) return;
    if (v->kind() != expected) {
      errors_.add(path_.child(key),
                  std::string("must be ") + document::Value::kindArticle(expected) + ", not " +
                      document::Value::kindArticle(v->kind()),
                  v->mark());
      return;
    }
    // Shared: these pass into several children (every container of a
    // backend), and sharing makes each of those copies a reference count.
    out = document::Value::shared(*v);
  }
}

void ObjectReader::stringMap(std::string_view key, document::Value& out) {
  if (const document::Value* v = take(key)) {
    if (v->isNull()) return;
    document::Path p = path_.child(key);
    if (!v->isObject()) {
      errors_.add(p, std::string("must be a map of strings, not ") + document::Value::kindArticle(v->kind()),
                  v->mark());
      return;
    }
    bool good = true;
    for (const auto& m : v->members()) {
      if (!m.value.isString()) {
        errors_.add(p.child(m.key),
                    std::string("must be a string, not ") + document::Value::kindArticle(m.value.kind()),
                    m.value.mark());
        good = false;
      }
    }
    if (good) out = document::Value::shared(*v);
  }
}

void ObjectReader::finish() {
  if (!ok_) return;
  const auto& members = value_.members();
  for (size_t i = 0; i < members.size(); ++i) {
    if (!seen_[i]) {
      errors_.add(path_.child(members[i].key), "unknown field", members[i].value.mark());
    }
  }
}

}  // namespace mb::api
