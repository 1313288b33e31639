// The project's CustomResourceDefinitions, compiled in from deploy/crds.
#pragma once

#include <string_view>
#include <vector>

namespace mb::crds {

struct File {
  std::string_view name;     // file name under deploy/crds
  std::string_view content;  // one YAML document
};

// Sorted by file name.
const std::vector<File>& all();

}  // namespace mb::crds
