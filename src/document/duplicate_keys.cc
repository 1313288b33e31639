#include "document/duplicate_keys.h"

#include <algorithm>
#include <string_view>
#include <vector>

namespace mb::document {

std::optional<std::string> findDuplicateKey(const Value::Object& members) {
  constexpr size_t kLinearLimit = 16;
  if (members.size() <= kLinearLimit) {
    for (size_t i = 0; i < members.size(); ++i) {
      for (size_t j = i + 1; j < members.size(); ++j) {
        if (members[i].key == members[j].key) return members[i].key.str();
      }
    }
    return std::nullopt;
  }
  std::vector<std::string_view> keys;
  keys.reserve(members.size());
  for (const auto& m : members) keys.emplace_back(m.key);
  std::sort(keys.begin(), keys.end());
  auto it = std::adjacent_find(keys.begin(), keys.end());
  if (it != keys.end()) return std::string(*it);
  return std::nullopt;
}

}  // namespace mb::document
