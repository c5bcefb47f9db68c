#pragma once

#include <memory>
#include <string>
#include <vector>

#include "provisioner/provisioner.h"
#include "ssh/certificate.h"
#include "ssh/key.h"

namespace cairn::provisioner {

// SshCaKeys are the SSH CA public keys an SSHPOP certificate may be signed by: the CA's own
// user and host keys (and, as step-ca has them, non-federated keys of ssh.keys). Either list
// may be empty; then no certificate of that type is accepted.
struct SshCaKeys {
  std::vector<ssh::PublicKey> user_keys;
  std::vector<ssh::PublicKey> host_keys;
};

// kMaxSshPopHeader bounds the `sshpop` header (standard base64 of one certificate).
inline constexpr size_t kMaxSshPopHeader = (ssh::kMaxCertificate / 3 + 1) * 4;

// SshPopProvisioner authorizes SSHPOP tokens (stepca.md §2.9, step-ca's SSHPOP): a JWT whose
// header `sshpop` is the standard base64 of an OpenSSH certificate signed by one of the CA's
// SSH keys (the user keys for user certificates, the host keys for host certificates), signed
// with that certificate's private key; `iss` = the provisioner name, `aud` = an /ssh/renew,
// /ssh/rekey or /ssh/revoke URL with the fragment "#sshpop/<name>", `sub` not empty, and
// exp/nbf/iat within a minute's leeway. As step-ca, the provisioner does not look at the
// enableSSHCA claim; renewals follow disableRenewal and allowRenewalAfterExpiry. Whether the
// certificate was revoked is the authority's check. Immutable; thread-safe.
class SshPopProvisioner final : public Provisioner {
 public:
  // Create builds the provisioner from its ca.json object and the CA's SSH keys. Fails with
  // kInvalidArgument when `name` is missing.
  static Result<std::unique_ptr<SshPopProvisioner>> Create(const config::ProvisionerConfig& config,
                                                           const config::Claims& authority_claims,
                                                           SshCaKeys keys);

  Type type() const override { return Type::kSshPop; }
  const std::string& name() const override { return name_; }
  std::string id() const override { return id_.empty() ? token_lookup_id() : id_; }
  std::string token_lookup_id() const override { return "sshpop/" + name_; }
  const nlohmann::ordered_json& config_json() const override { return config_json_; }
  const config::EffectiveClaims& claims() const override { return claims_; }

  // AuthorizeSshRenew: see Provisioner. The certificate's validity is not checked against the
  // token time; the renewal claims decide (disableRenewal, not yet valid, expired unless
  // allowRenewalAfterExpiry: kUnauthenticated). A user certificate is kInvalidArgument.
  Result<SshPopPlan> AuthorizeSshRenew(const TokenContext& ctx, const jose::ParsedJws& token,
                                       const Audiences& audiences) const override;
  // AuthorizeSshRekey: see Provisioner. The certificate must be valid now.
  Result<SshPopPlan> AuthorizeSshRekey(const TokenContext& ctx, const jose::ParsedJws& token,
                                       const Audiences& audiences) const override;
  // AuthorizeSshRevoke checks an SSHPOP revoke token: the certificate must be valid now and the
  // token's `sub` must be its decimal serial (kPermissionDenied otherwise). The plan's serial
  // is that serial.
  Result<RevokePlan> AuthorizeSshRevoke(const TokenContext& ctx, const jose::ParsedJws& token,
                                        const Audiences& audiences) const override;

 private:
  SshPopProvisioner() = default;
  // AuthorizeToken runs the checks every SSHPOP flow shares and returns the plan.
  Result<SshPopPlan> AuthorizeToken(const TokenContext& ctx, const jose::ParsedJws& token,
                                    const std::vector<std::string>& audiences,
                                    bool check_validity) const;

  std::string name_;
  std::string id_;
  SshCaKeys keys_;
  nlohmann::ordered_json config_json_;
  config::EffectiveClaims claims_;
};

// ExtractSshPopCertificate returns the certificate of a token's `sshpop` header WITHOUT
// checking who signed it or the token (step-ca's ExtractSSHPOPCert). Fails with
// kInvalidArgument when the header is missing, not a string, not standard base64 or not an
// SSH certificate; kResourceExhausted when it is over kMaxSshPopHeader.
Result<ssh::Certificate> ExtractSshPopCertificate(const jose::ParsedJws& token);

}  // namespace cairn::provisioner
