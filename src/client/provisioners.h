#pragma once

// Choosing the provisioner a token is made for, as step's token flow does: the provisioner list
// (from GET /provisioners or from a local ca.json), filtered by --kid and --provisioner, each
// entry labelled the way step shows it ("admin (JWK) [kid: …]").

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cairn::client {

// ProvisionerInfo is what the client needs to know of one provisioner.
struct ProvisionerInfo {
  // type is step's spelling of the type: "JWK", "OIDC", "GCP", "AWS", "Azure", "ACME", "X5C",
  // "K8sSA", "SSHPOP", "SCEP" or "Nebula".
  std::string type;
  std::string name;
  // kid is the JWK provisioner's key id ("" for other types).
  std::string kid;
  // client_id (OIDC) and tenant_id (Azure) appear in the label.
  std::string client_id;
  std::string tenant_id;
  // encrypted_key is the JWK provisioner's encryptedKey (compact JWE), "" when absent.
  std::string encrypted_key;
  // key is the JWK provisioner's public key object (null for other types).
  nlohmann::json key;

  // Label returns step's selection label: "name (JWK) [kid: …]", "name (OIDC) [client: …]",
  // "name (Azure) [tenant: …]", else "name (TYPE)".
  std::string Label() const;
};

// ParseProvisioners converts provisioner objects (ca.json or /provisioners entries) into
// ProvisionerInfo, in order. Objects of unknown types or without a name are skipped, as step's
// provisioner list decoding does. Never fails.
std::vector<ProvisionerInfo> ParseProvisioners(const std::vector<nlohmann::json>& objects);

// FilterProvisioners keeps the provisioners a token can be made with, as step does:
//   - every known type (the caller refuses the ones it cannot make tokens for);
//   - with `kid` set, JWK provisioners whose key id is `kid` (or OIDC ones whose client id is);
//   - with `name` set, provisioners named `name`.
// Fails with kNotFound "cannot create a new token: the CA does not have any provisioner
// configured" for an empty list, and kInvalidArgument "invalid value '<v>' for flag '--<f>'"
// when the kid or name filter leaves nothing (`name_flag` is the flag the name came from,
// "provisioner" or "issuer").
Result<std::vector<ProvisionerInfo>> FilterProvisioners(std::vector<ProvisionerInfo> list,
                                                        std::string_view name, std::string_view kid,
                                                        std::string_view name_flag = "provisioner");

}  // namespace cairn::client
