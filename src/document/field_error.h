// Field paths and field errors: every complaint about a booster names the
// field (`spec.backends[1].workers[0].type`) and, when known, the line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "document/value.h"

namespace mb::document {

// A path built on the stack as decoding descends; turned into text only when
// an error is reported, so the happy path costs nothing. Each Path points at
// its parent, so children may only be taken from named (lvalue) paths: a
// child of a temporary would dangle, and does not compile.
class Path {
 public:
  Path() = default;
  Path child(std::string_view key) const& { return Path(this, key, 0, false); }
  Path index(size_t i) const& { return Path(this, {}, i, true); }
  Path child(std::string_view key) const&& = delete;
  Path index(size_t i) const&& = delete;
  std::string str() const;

 private:
  Path(const Path* parent, std::string_view key, size_t index, bool isIndex)
      : parent_(parent), key_(key), index_(index), isIndex_(isIndex) {}
  const Path* parent_ = nullptr;
  std::string_view key_;
  size_t index_ = 0;
  bool isIndex_ = false;
};

struct FieldError {
  std::string field;
  std::string message;
  document::Mark mark;
  // "spec.backends[0].minReplicas: must be ..." with "line N: " in front when known.
  std::string str() const;
};

// The value a FieldError's `field` names in `root` ("spec.backends[0].name"),
// or nullptr. Keys may contain dots ("nvidia.com/gpu"): at each object the
// longest key that fits is taken. Used when reporting, to give an error the
// line of its own field rather than of the block it was checked in.
const document::Value* findField(const document::Value& root, std::string_view field);

class Errors {
 public:
  void add(const Path& path, std::string message, document::Mark mark = {}) {
    list_.push_back(FieldError{path.str(), std::move(message), mark});
  }
  void add(std::string field, std::string message, document::Mark mark = {}) {
    list_.push_back(FieldError{std::move(field), std::move(message), mark});
  }
  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  const std::vector<FieldError>& list() const { return list_; }
  std::string str() const;  // one error per line

 private:
  std::vector<FieldError> list_;
};

}  // namespace mb::document
