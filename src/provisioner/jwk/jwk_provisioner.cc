#include "provisioner/jwk/jwk_provisioner.h"

#include "jose/jwt.h"
#include "webhook/webhook.h"

namespace cairn::provisioner {

Result<std::unique_ptr<JwkProvisioner>> JwkProvisioner::Create(
    const config::ProvisionerConfig& config, const config::Claims& authority_claims) {
  if (config.name.empty()) return InvalidArgumentError("provisioner name cannot be empty");
  auto key_it = config.raw.find("key");
  if (key_it == config.raw.end() || !key_it->is_object()) {
    return InvalidArgumentError("provisioner '" + config.name + "': key cannot be empty");
  }
  auto key = jose::Jwk::FromJson(nlohmann::json::parse(key_it->dump()));
  if (!key.ok()) return key.status().Annotate("provisioner '" + config.name + "': key");
  if (key->is_private() || key->is_symmetric()) {
    return InvalidArgumentError("provisioner '" + config.name + "': key must be a public key");
  }
  auto p = std::unique_ptr<JwkProvisioner>(new JwkProvisioner());
  p->name_ = config.name;
  p->key_ = std::move(key).value();
  // step keys carry their thumbprint as kid; when absent, tokens name it by thumbprint too.
  if (p->key_.kid().empty()) p->key_.set_kid(p->key_.Thumbprint());
  if (auto it = config.raw.find("id"); it != config.raw.end() && it->is_string()) {
    p->id_ = it->get<std::string>();
  }
  if (auto it = config.raw.find("encryptedKey"); it != config.raw.end() && it->is_string()) {
    p->encrypted_key_ = it->get<std::string>();
  }
  p->config_json_ = config.raw;
  // /provisioners lists this object: webhook credentials Cairn reads from ca.json stay out.
  if (auto o = p->config_json_.find("options"); o != p->config_json_.end() && o->is_object()) {
    if (auto w = o->find("webhooks"); w != o->end()) webhook::RedactWebhookSecrets(*w);
  }
  p->claims_ = config::ResolveClaims(config.claims, authority_claims);
  return p;
}

std::optional<std::pair<std::string, std::string>> JwkProvisioner::encrypted_key() const {
  if (encrypted_key_.empty()) return std::nullopt;
  return std::make_pair(key_.kid(), encrypted_key_);
}

Result<nlohmann::json> JwkProvisioner::AuthorizeToken(
    const TokenContext& ctx, const jose::ParsedJws& token,
    const std::vector<std::string>& audiences) const {
  static constexpr std::string_view kAlgs[] = {"ES256", "ES384", "ES512", "RS256", "RS384",
                                               "RS512", "PS256", "PS384", "PS512", "EdDSA"};
  auto reject = [&](TokenRejection why, std::string message) -> Status {
    if (ctx.rejection) *ctx.rejection = why;
    return UnauthenticatedError("jwk.authorizeToken; " + message);
  };
  if (Status s = jose::Verify(token, key_, kAlgs); !s.ok()) {
    return reject(TokenRejection::kSignature, "error parsing jwk claims: " + s.message());
  }
  nlohmann::json claims = nlohmann::json::parse(token.payload, nullptr, false);
  if (!claims.is_object()) {
    return reject(TokenRejection::kMalformed, "token payload is not a JSON object");
  }
  if (StringClaim(claims, "iss") != name_) {
    return reject(TokenRejection::kClaims, "invalid jwk claims: invalid issuer");
  }
  jose::TimeCheck failed{};
  if (Status s = jose::ValidateTime(claims, ctx.now, ctx.leeway, &failed); !s.ok()) {
    return reject(RejectionFor(failed), "invalid jwk claims: " + s.message());
  }
  if (!MatchesAudience(StringList(claims.value("aud", nlohmann::json())), audiences)) {
    return reject(TokenRejection::kAudience, "invalid jwk token audience claim (aud)");
  }
  if (StringClaim(claims, "sub").empty()) {
    return reject(TokenRejection::kClaims, "jwk token subject cannot be empty");
  }
  return claims;
}

Result<SignPlan> JwkProvisioner::AuthorizeSign(const TokenContext& ctx,
                                               const jose::ParsedJws& token,
                                               const Audiences& audiences) const {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json claims, AuthorizeToken(ctx, token, audiences.sign));
  SignPlan plan;
  plan.token_id = StringClaim(claims, "jti");
  plan.subject = StringClaim(claims, "sub");
  plan.sans = StringList(claims.value("sans", nlohmann::json()));
  // Older clients put no `sans` and meant the subject (step-ca keeps that compatibility).
  if (plan.sans.empty()) plan.sans.push_back(plan.subject);
  plan.allowed_common_names.push_back(plan.subject);
  plan.allowed_common_names.insert(plan.allowed_common_names.end(), plan.sans.begin(),
                                   plan.sans.end());
  if (auto cnf = claims.find("cnf"); cnf != claims.end() && cnf->is_object()) {
    plan.csr_fingerprint = StringClaim(*cnf, "x5rt#S256");
  }
  plan.claims = claims_;
  plan.extension = Extension();
  plan.token_claims = std::move(claims);
  return plan;
}

Result<SshSignPlan> JwkProvisioner::AuthorizeSshSign(const TokenContext& ctx,
                                                     const jose::ParsedJws& token,
                                                     const Audiences& audiences) const {
  if (!claims_.enable_ssh_ca) {
    std::string msg = "ssh ca is disabled for jwk provisioner '" + name_ + "'";
    return PermissionDeniedError("jwk.AuthorizeSSHSign; " + msg).WithPublicMessage(msg);
  }
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json claims, AuthorizeToken(ctx, token, audiences.ssh_sign));
  const nlohmann::json* ssh = nullptr;
  if (auto step = claims.find("step"); step != claims.end() && step->is_object()) {
    if (auto it = step->find("ssh"); it != step->end() && it->is_object()) ssh = &*it;
  }
  if (ssh == nullptr) {
    if (ctx.rejection) *ctx.rejection = TokenRejection::kClaims;
    return UnauthenticatedError(
        "jwk.AuthorizeSSHSign; authorization token must be an SSH provisioning token");
  }
  SshSignPlan plan;
  plan.token_id = StringClaim(claims, "jti");
  plan.cert_type = StringClaim(*ssh, "certType");
  plan.key_id = StringClaim(*ssh, "keyID");
  plan.principals = StringList(ssh->value("principals", nlohmann::json()));
  plan.valid_after = StringClaim(*ssh, "validAfter");
  plan.valid_before = StringClaim(*ssh, "validBefore");
  if (!plan.cert_type.empty() && plan.cert_type != "user" && plan.cert_type != "host") {
    if (ctx.rejection) *ctx.rejection = TokenRejection::kClaims;
    return UnauthenticatedError("jwk.AuthorizeSSHSign; invalid certType '" + plan.cert_type + "'");
  }
  plan.claims = claims_;
  plan.token_claims = std::move(claims);
  return plan;
}

Result<RevokePlan> JwkProvisioner::AuthorizeSshRevoke(const TokenContext& ctx,
                                                      const jose::ParsedJws& token,
                                                      const Audiences& audiences) const {
  if (!claims_.enable_ssh_ca) {
    std::string msg = "ssh ca is disabled for jwk provisioner '" + name_ + "'";
    return PermissionDeniedError("jwk.AuthorizeSSHRevoke; " + msg).WithPublicMessage(msg);
  }
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json claims, AuthorizeToken(ctx, token, audiences.ssh_revoke));
  RevokePlan plan;
  plan.token_id = StringClaim(claims, "jti");
  plan.serial = StringClaim(claims, "sub");
  return plan;
}

Result<RevokePlan> JwkProvisioner::AuthorizeRevoke(const TokenContext& ctx,
                                                   const jose::ParsedJws& token,
                                                   const Audiences& audiences) const {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json claims, AuthorizeToken(ctx, token, audiences.revoke));
  RevokePlan plan;
  plan.token_id = StringClaim(claims, "jti");
  plan.serial = StringClaim(claims, "sub");
  return plan;
}

}  // namespace cairn::provisioner
