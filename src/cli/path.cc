// `cairn path`: print the Cairn home ($STEPPATH, else $CAIRNPATH, else ~/.cairn), as `step
// path` prints the step path. Cairn has no contexts, so --base and --profile print the same
// directory (step does too when no context is configured).

#include <memory>

#include "cli/cli.h"
#include "cli/crypto_util.h"
#include "config/home.h"

namespace cairn::cli {

void RegisterPathCommand(CLI::App& root, RunState& state) {
  struct Options {
    bool base = false;
    bool profile = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = tools::AddCommand(
      root,
      {.name = "path",
       .summary = "print the configured cairn path and exit",
       .usage = "cairn path [--base] [--profile]",
       .description =
           "cairn path prints the directory that holds certs/, secrets/, config/, templates/\n"
           "and db/. It is $STEPPATH when set (so an existing step setup keeps working), else\n"
           "$CAIRNPATH, else $HOME/.cairn.",
       .examples = "Get the path:\n"
                   "  $ cairn path\n"
                   "  /home/max/.cairn\n\n"
                   "Get the path with STEPPATH overriding the default:\n"
                   "  $ export STEPPATH=/tmp/step\n"
                   "  $ cairn path\n"
                   "  /tmp/step\n"});
  cmd->add_flag("--base", o->base, "Return the base of the cairn path.");
  cmd->add_flag("--profile", o->profile,
                "Return the base path of the current profile (the same path: no contexts).");
  cmd->callback([&state, o] {
    tools::Run(state, [&] {
      tools::PrintOut(config::CairnHome() + "\n");
      return Status();
    });
  });
}

}  // namespace cairn::cli
