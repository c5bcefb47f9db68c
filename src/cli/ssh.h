#pragma once

// The SSH side of the client commands (ssh.cc): the SSH sign token flow shared by
// `cairn ca token --ssh` and `cairn ssh certificate`. Internal to src/cli.

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "cli/ca_client_flow.h"
#include "client/token.h"
#include "crypto/key.h"
#include "ssh/certificate.h"

namespace cairn::cli {

// SshTokenFlowRequest is what an SSH sign token is for.
struct SshTokenFlowRequest {
  // subject is the token's "sub" (step uses the key id).
  std::string subject;
  // ssh are the step.ssh claims.
  client::SshTokenClaims ssh;
  // not_before / not_after bound the token's own validity (see client::ResolveTokenTimes).
  std::optional<Time> not_before;
  std::optional<Time> not_after;
};

// MakeSshToken runs step's token flow (as MakeToken: provisioner list from the CA or, with
// `offline`, from ca.json, filtered by --provisioner/--kid and chosen interactively when
// several remain; the key from --key or the provisioner's encryptedKey decrypted with
// --provisioner-password-file / --password-file or a prompt) and makes an SSH sign token
// (client::SshSignToken) with audience "<ca-url>/1.0/ssh/sign". Only JWK provisioners are
// supported (kUnimplemented for others, kFailedPrecondition for ACME/SCEP).
Result<std::string> MakeSshToken(const ClientFlags& f, const SshTokenFlowRequest& request,
                                 OfflineCa* offline);

// ---- ssh-agent and KRL commands (ssh_agent_cmds.cc).

// AddCertificateToAgent adds `key` with its certificate to the agent at $SSH_AUTH_SOCK, as step
// does after `ssh certificate`: comment `comment`, lifetime the certificate's remaining
// validity (none for a certificate valid forever). Prints "✔ SSH Agent: yes", or the reason it
// failed on stderr (a failure is not an error of the command); does nothing when SSH_AUTH_SOCK
// is unset.
void AddCertificateToAgent(const crypto::PrivateKey& key, const ssh::Certificate& cert,
                           const std::string& comment);

// RegisterSshAgentCommands adds `ssh login`, `ssh logout`, `ssh list` and `ssh krl`.
void RegisterSshAgentCommands(CLI::App& group, RunState& state);

// KeyTypeLabel is the key type as ssh-keygen and ssh-add print it: ED25519, ECDSA, RSA (UNKNOWN
// for others).
std::string KeyTypeLabel(crypto::KeyType t);

// LoginIfNeeded makes sure the running ssh-agent holds a live user certificate of this CA, as
// `step ssh proxycommand` does: when none is there, it runs `cairn ssh login <subject>` (the
// token flow of `flags`, the subject as the only principal). Fails with kFailedPrecondition
// without an agent, else as the login.
Status LoginIfNeeded(const ClientFlags& flags, const std::string& subject);

// RegisterSshPopCommands adds `ssh renew`, `ssh rekey` and `ssh revoke` (SSHPOP; ssh_pop.cc).
void RegisterSshPopCommands(CLI::App& group, RunState& state);

// RegisterSshConfigCommands adds `ssh config`, `ssh hosts`, `ssh check-host` and
// `ssh proxycommand` (ssh_config.cc).
void RegisterSshConfigCommands(CLI::App& group, RunState& state);

}  // namespace cairn::cli
