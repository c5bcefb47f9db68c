#pragma once

#include <memory>
#include <string>

#include "jose/jwk.h"
#include "provisioner/provisioner.h"

namespace cairn::provisioner {

// JwkProvisioner authorizes step's default one-time tokens: JWTs signed by the provisioner's
// key, `iss` = the provisioner name, header `kid` = the key's thumbprint (stepca.md §2.4).
class JwkProvisioner final : public Provisioner {
 public:
  // Create builds the provisioner from its ca.json object. Fails with kInvalidArgument when
  // `name` or `key` is missing or the key is not a public signing key.
  static Result<std::unique_ptr<JwkProvisioner>> Create(const config::ProvisionerConfig& config,
                                                        const config::Claims& authority_claims);

  Type type() const override { return Type::kJwk; }
  const std::string& name() const override { return name_; }
  std::string id() const override { return id_.empty() ? token_lookup_id() : id_; }
  std::string token_lookup_id() const override { return name_ + ":" + key_.kid(); }
  std::string credential_id() const override { return key_.kid(); }
  std::optional<std::pair<std::string, std::string>> encrypted_key() const override;
  const nlohmann::ordered_json& config_json() const override { return config_json_; }
  const config::EffectiveClaims& claims() const override { return claims_; }

  Result<SignPlan> AuthorizeSign(const TokenContext& ctx, const jose::ParsedJws& token,
                                 const Audiences& audiences) const override;
  Result<SshSignPlan> AuthorizeSshSign(const TokenContext& ctx, const jose::ParsedJws& token,
                                       const Audiences& audiences) const override;
  Result<RevokePlan> AuthorizeSshRevoke(const TokenContext& ctx, const jose::ParsedJws& token,
                                        const Audiences& audiences) const override;
  Result<RevokePlan> AuthorizeRevoke(const TokenContext& ctx, const jose::ParsedJws& token,
                                     const Audiences& audiences) const override;

 private:
  JwkProvisioner() = default;
  // AuthorizeToken runs the checks shared by every token flow and returns the claims.
  Result<nlohmann::json> AuthorizeToken(const TokenContext& ctx, const jose::ParsedJws& token,
                                        const std::vector<std::string>& audiences) const;

  std::string name_;
  std::string id_;
  jose::Jwk key_;
  std::string encrypted_key_;
  nlohmann::ordered_json config_json_;
  config::EffectiveClaims claims_;
};

}  // namespace cairn::provisioner
