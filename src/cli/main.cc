#include <cstdio>
#include <exception>

#include "cli/cli.h"

namespace cairn::cli {

int Main(int argc, char** argv) {
  RunState state;
  CLI::App app{"cairn: the Cairn toolkit for certificate authorities (step-compatible).", "cairn"};
  app.set_version_flag("--version", std::string("cairn ") + CAIRN_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'cairn COMMAND --help' for the flags and examples of a command.");
  RegisterPathCommand(app, state);
  CLI::App* ca = app.add_subcommand("ca", "initialize and use a certificate authority");
  ca->require_subcommand(1);
  RegisterCaInitCommand(*ca, state);
  RegisterCaClientCommands(*ca, state);
  RegisterCaProvisionerCommands(*ca, state);
  RegisterCaAcmeCommands(*ca, state);
  RegisterCertificateCommands(app, state);
  RegisterCryptoCommands(app, state);
  RegisterInventoryCommands(app, state);
  RegisterSshCommands(app, state);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  if (!state.status.ok()) {
    const std::string& msg = state.status.message();
    std::fprintf(stderr, "%s\n", msg.empty() ? state.status.ToString().c_str() : msg.c_str());
    return 1;
  }
  return 0;
}

}  // namespace cairn::cli
