// modelbooster: one binary for the offline tools (render, validate, crds)
// and the controller.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <vector>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/version.h"

namespace {

// `rc`, unless standard output could not be written (a full disk, a closed
// pipe): a truncated file must not look like a successful render.
int outputWritten(int rc) {
  std::cout.flush();
  if (std::cout.fail() || std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    std::cerr << "error: cannot write to standard output: " << std::strerror(errno) << "\n";
    return mb::cli::kExitInternal;
  }
  return rc;
}

int run(int argc, char** argv) {
  CLI::App app{
      "modelbooster turns ModelBooster resources into the ModelServing, ModelServer, ModelRoute and "
      "autoscaling objects that the Kthena serving stack runs on.",
      "modelbooster"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("modelbooster ") + MB_VERSION + " (" + MB_GIT_REVISION + ")");
  std::vector<mb::cli::Action> actions = {mb::cli::addRender(app), mb::cli::addValidate(app), mb::cli::addCrds(app),
                                          mb::cli::addController(app)};
  CLI::App* version = app.add_subcommand("version", "Print the version");
  // CLI11 calls a mistyped command "A subcommand is required": name it.
  bool known = false;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    known = known || sub->check_name(argc > 1 ? argv[1] : "");
  if (argc > 1 && argv[1][0] != '-' && !known) {
    std::cerr << "unknown command \"" << argv[1]
              << "\"; the commands are render, validate, crds, controller and version (see --help)\n";
    return mb::cli::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return outputWritten(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return outputWritten(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return outputWritten(app.exit(e));
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return mb::cli::kExitUsage;
  }
  if (version->parsed()) {
    std::cout << "modelbooster " << MB_VERSION << " (" << MB_GIT_REVISION << ")\n";
    return outputWritten(0);
  }
  try {
    for (const auto& action : actions) {
      int rc = action();
      if (rc >= 0) return outputWritten(rc);
    }
  } catch (const std::exception& e) {
    // Programmer errors only: untrusted input is handled as values above.
    std::cerr << "internal error: " << e.what() << "\n";
    return mb::cli::kExitInternal;
  }
  return mb::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (...) {
    // Setting up the command line itself failed (out of memory): nothing
    // sensible is left to do but say so.
    std::cerr << "internal error while starting\n";
    return 3;
  }
}
