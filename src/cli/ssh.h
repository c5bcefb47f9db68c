#pragma once

// The SSH side of the client commands (ssh.cc): the SSH sign token flow shared by
// `cairn ca token --ssh` and `cairn ssh certificate`. Internal to src/cli.

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "cli/ca_client_flow.h"
#include "client/token.h"

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

}  // namespace cairn::cli
