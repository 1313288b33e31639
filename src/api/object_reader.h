// Strict decoding of one JSON/YAML object into typed fields. Each read marks
// its key as known; finish() reports every remaining key as an unknown
// field, the way `kubectl --validate=strict` would, instead of dropping it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "document/field_error.h"
#include "document/value.h"

namespace mb::api {

class ObjectReader {
 public:
  ObjectReader(const document::Value& value, const document::Path& path, document::Errors& errors);
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;
  ~ObjectReader() = default;

  bool ok() const { return ok_; }
  const document::Path& path() const { return path_; }
  document::Errors& errors() { return errors_; }

  // The member named `key` (marking it known), or nullptr.
  const document::Value* take(std::string_view key);

  void string(std::string_view key, std::string& out);
  void string(std::string_view key, std::optional<std::string>& out);
  void int32(std::string_view key, std::optional<int32_t>& out, int64_t min = INT32_MIN, int64_t max = INT32_MAX);
  void int64(std::string_view key, std::optional<int64_t>& out);
  void boolean(std::string_view key, std::optional<bool>& out);
  // Kept as a document (pass-through of core/v1 types and free-form config).
  void raw(std::string_view key, document::Value& out, document::Value::Kind expected);
  void stringMap(std::string_view key, document::Value& out);

  template <class T, class Decode>
  void object(std::string_view key, std::optional<T>& out, Decode decode) {
    if (const document::Value* v = take(key)) {
      if (v->isNull()) return;
      document::Path p = path_.child(key);
      T item{};
      if (decode(*v, p, errors_, item)) out = std::move(item);
    }
  }

  template <class T, class Decode>
  void list(std::string_view key, std::vector<T>& out, Decode decode) {
    const document::Value* v = take(key);
    if (v == nullptr || v->isNull()) return;
    document::Path p = path_.child(key);
    if (!v->isArray()) {
      errors_.add(p, std::string("must be a list, not ") + document::Value::kindArticle(v->kind()), v->mark());
      return;
    }
    out.reserve(v->items().size());
    for (size_t i = 0; i < v->items().size(); ++i) {
      T item{};
      decode(v->items()[i], p.index(i), errors_, item);
      out.push_back(std::move(item));
    }
  }

  void finish();

 private:
  const document::Value& value_;
  const document::Path& path_;
  document::Errors& errors_;
  std::vector<bool> seen_;
  bool ok_ = true;
};

// Scalar conversions shared by the readers; they report into `errors`.
bool readInt(const document::Value& v, const document::Path& path, document::Errors& errors, int64_t min, int64_t max,
             int64_t& out);
bool readString(const document::Value& v, const document::Path& path, document::Errors& errors, std::string& out);

}  // namespace mb::api
