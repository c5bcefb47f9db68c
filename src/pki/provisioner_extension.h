#pragma once

// step-ca's provisioner extension (OID 1.3.6.1.4.1.37476.9000.64.1): which provisioner
// authorized a certificate. step-ca reads it back on renew and revoke.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pki/extension.h"

namespace cairn::pki {

// kProvisionerExtensionOid is the extension's OID; it is always non-critical.
inline constexpr const char* kProvisionerExtensionOid = "1.3.6.1.4.1.37476.9000.64.1";

// ProvisionerType numbers are step-ca's provisioner.Type values.
enum class ProvisionerType : int {
  kJwk = 1,
  kOidc = 2,
  kGcp = 3,
  kAws = 4,
  kAzure = 5,
  kAcme = 6,
  kX5c = 7,
  kK8sSa = 8,
  kSshPop = 9,
  kScep = 10,
  kNebula = 11,
};

// ProvisionerTypeName returns step-ca's name of a type number ("JWK", "OIDC", "GCP", "AWS",
// "Azure", "ACME", "X5C", "K8sSA", "SSHPOP", "SCEP", "Nebula"), or "" when unknown.
std::string_view ProvisionerTypeName(int type);
// ParseProvisionerType maps a ca.json "type" (case-insensitive) to its number. Fails with
// kInvalidArgument when unknown.
Result<ProvisionerType> ParseProvisionerType(std::string_view name);

// ProvisionerExtension is the decoded extension value:
//   SEQUENCE { INTEGER type, OCTET STRING name, OCTET STRING credentialID,
//              SEQUENCE OF (PrintableString | UTF8String) keyValuePairs OPTIONAL }
struct ProvisionerExtension {
  int type = 0;
  std::string name;
  std::string credential_id;  // JWK kid, OIDC client id, AWS account, ...; may be empty
  std::vector<std::string> key_value_pairs;  // e.g. {"InstanceID", "i-123"}; omitted if empty

  // Encode returns the DER extension value as Go's encoding/asn1 writes it (each key/value
  // string is a PrintableString when all its characters allow it, else a UTF8String). Fails
  // with kInvalidArgument when a key/value string is not valid UTF-8.
  Result<std::string> Encode() const;
  // ToExtension returns the non-critical certificate extension carrying Encode().
  Result<Extension> ToExtension() const;
  // Decode parses a DER extension value. Accepts PrintableString, UTF8String and IA5String
  // key/value strings and ignores further trailing elements inside the SEQUENCE (as Go does).
  // Fails with kInvalidArgument on malformed input or data after the SEQUENCE.
  static Result<ProvisionerExtension> Decode(std::string_view der);

  bool operator==(const ProvisionerExtension&) const = default;
};

}  // namespace cairn::pki
