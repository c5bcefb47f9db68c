#pragma once

// The client side of the administration API (stepca.md §12), shared by the commands that use
// it (`ca acme eab ...` now, `ca admin ...` and remote provisioner management later): the
// admin flags with step's names, and a session that holds an admin certificate — given with
// --admin-cert/--admin-key, or obtained from the CA through the token flow for --admin-subject
// — and makes a fresh x5c token for every call. Internal to src/cli.

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/ca_client_flow.h"
#include "client/ca_client.h"
#include "jose/jwk.h"

namespace cairn::cli {

// AdminFlags are step's admin credential flags.
struct AdminFlags {
  std::string cert;           // --admin-cert: the admin certificate chain (PEM)
  std::string key;            // --admin-key: its private key
  std::string provisioner;    // --admin-provisioner / --admin-issuer
  std::string subject;        // --admin-subject / --admin-name
  std::string password_file;  // --admin-password-file / --password-file
};

// AddAdminFlags registers --admin-cert, --admin-key, --admin-provisioner (alias
// --admin-issuer), --admin-subject (alias --admin-name) and --admin-password-file (alias
// --password-file), and the online flags --ca-url and --root into `client`.
void AddAdminFlags(CLI::App& cmd, AdminFlags& admin, ClientFlags& client);

// AdminSession talks to one CA's administration API as one admin. Not thread-safe.
class AdminSession {
 public:
  // Open connects to --ca-url trusting --root (defaults from defaults.json) and loads the admin
  // credentials: --admin-cert and --admin-key (both or neither), else, as step does, "No admin
  // credentials found. You must login to execute admin commands." and a short-lived certificate
  // for --admin-subject (asked for when missing) from the CA through the JWK token flow with
  // --admin-provisioner and --admin-password-file. Fails with kInvalidArgument for bad flags,
  // else with the CA's or the token flow's errors.
  static Result<std::unique_ptr<AdminSession>> Open(ClientFlags& client, const AdminFlags& admin);

  // Call performs `method` on `path` ("/admin/...", with its query) with a fresh admin token
  // whose audience is the CA URL and the path without the query; `body` is JSON text or "".
  Result<nlohmann::json> Call(std::string_view method, std::string_view path,
                              std::string_view body = "");

 private:
  AdminSession() = default;
  std::unique_ptr<client::CaClient> client_;
  std::vector<std::string> chain_der_;
  std::string subject_;
  jose::Jwk key_;
};

}  // namespace cairn::cli
