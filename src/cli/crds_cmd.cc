#include <iostream>

#include "cli/commands.h"
#include "crds/crds.h"

namespace mb::cli {

Action addCrds(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("crds",
                                     "Print the ModelBooster CustomResourceDefinition as YAML, for kubectl apply -f - "
                                     "(the child kinds' CRDs belong to the serving stack: Kthena installs them)");
  return [cmd]() -> int {
    if (!cmd->parsed()) return -1;
    bool first = true;
    for (const auto& f : crds::all()) {
      if (!first) std::cout << "---\n";
      first = false;
      std::cout << f.content;
      if (!f.content.empty() && f.content.back() != '\n') std::cout << "\n";
    }
    return 0;
  };
}

}  // namespace mb::cli
