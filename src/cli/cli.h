#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "base/status.h"

namespace cairn::cli {

// RunState carries the outcome of the command that ran: each command's callback stores its
// Status here and Main prints it. It also carries the flags every command shares.
struct RunState {
  Status status;
};

// Each Register* adds a group of commands (with step's names, flags and --help text with
// examples) to `parent`.

// `cairn path`.
void RegisterPathCommand(CLI::App& root, RunState& state);
// `cairn ca bootstrap|root|roots|health|token|certificate|sign|renew|revoke`.
void RegisterCaClientCommands(CLI::App& ca, RunState& state);
// `cairn ca init`.
void RegisterCaInitCommand(CLI::App& ca, RunState& state);
// `cairn ca provisioner list|add|remove|update`.
void RegisterCaProvisionerCommands(CLI::App& ca, RunState& state);
// `cairn ca acme eab add|list|remove`.
void RegisterCaAcmeCommands(CLI::App& ca, RunState& state);
// `cairn certificate inspect|fingerprint|create|sign|verify|install|uninstall`.
void RegisterCertificateCommands(CLI::App& root, RunState& state);
// `cairn crypto jwt inspect`, `cairn crypto jwe encrypt|decrypt`, `cairn crypto jwk create`.
void RegisterCryptoCommands(CLI::App& root, RunState& state);

// `cairn inventory add|remove|list|import|export`, on the CA's own database (ca.json's `db`).
void RegisterInventoryCommands(CLI::App& root, RunState& state);
// RegisterSshCommands adds `ssh certificate|inspect|fingerprint` (ssh.cc).
void RegisterSshCommands(CLI::App& root, RunState& state);

// Main runs the `cairn` command line and returns the process exit code: 0 on success, 1 on any
// failure (one clear line on stderr, never a stack trace).
int Main(int argc, char** argv);

}  // namespace cairn::cli
