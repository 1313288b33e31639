#include "api/field_error.h"

#include <vector>

namespace mb::api {

std::string Path::str() const {
  std::vector<const Path*> chain;
  for (const Path* p = this; p != nullptr && (p->parent_ != nullptr); p = p->parent_) chain.push_back(p);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Path* p = *it;
    if (p->isIndex_) {
      out += "[" + std::to_string(p->index_) + "]";
    } else {
      if (!out.empty()) out += ".";
      out += p->key_;
    }
  }
  return out;
}

std::string FieldError::str() const {
  std::string out;
  if (mark.line != 0) out += "line " + std::to_string(mark.line) + ": ";
  if (!field.empty()) out += field + ": ";
  out += message;
  return out;
}

std::string Errors::str() const {
  std::string out;
  for (const auto& e : list_) out += e.str() + "\n";
  return out;
}

}  // namespace mb::api
