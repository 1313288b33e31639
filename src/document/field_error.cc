#include "document/field_error.h"

#include <vector>

namespace mb::document {

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

const document::Value* findField(const document::Value& root, std::string_view field) {
  const document::Value* cur = &root;
  size_t i = 0;
  while (i < field.size()) {
    if (field[i] == '[') {
      size_t close = field.find(']', i);
      if (close == std::string_view::npos || !cur->isArray()) return nullptr;
      size_t index = 0;
      for (size_t k = i + 1; k < close; ++k) {
        if (field[k] < '0' || field[k] > '9') return nullptr;
        index = index * 10 + static_cast<size_t>(field[k] - '0');
      }
      if (index >= cur->items().size()) return nullptr;
      cur = &cur->items()[index];
      i = close + 1;
      continue;
    }
    if (field[i] == '.') ++i;
    if (!cur->isObject()) return nullptr;
    std::string_view rest = field.substr(i);
    const document::Value* next = nullptr;
    size_t taken = 0;
    for (const auto& m : cur->members()) {
      std::string_view key = m.key.view();
      bool fits = rest.substr(0, key.size()) == key &&
                  (rest.size() == key.size() || rest[key.size()] == '.' || rest[key.size()] == '[');
      if (fits && (next == nullptr || key.size() > taken)) {
        next = &m.value;
        taken = key.size();
      }
    }
    if (next == nullptr) return nullptr;
    cur = next;
    i += taken;
  }
  return cur;
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

}  // namespace mb::document
