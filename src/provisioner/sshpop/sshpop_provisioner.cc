#include "provisioner/sshpop/sshpop_provisioner.h"

#include <limits>

#include "base/encoding.h"
#include "jose/jws.h"
#include "jose/jwt.h"

namespace cairn::provisioner {
namespace {

// The token algorithms accepted; jose binds each to its key type (no none, no HMAC).
constexpr std::string_view kAlgs[] = {"ES256", "ES384", "ES512", "RS256", "RS384",
                                      "RS512", "PS256", "PS384", "PS512", "EdDSA"};

constexpr uint64_t kMaxInt64 = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

}  // namespace

Result<ssh::Certificate> ExtractSshPopCertificate(const jose::ParsedJws& token) {
  auto it = token.header.find("sshpop");
  if (it == token.header.end()) {
    return InvalidArgumentError("extractSSHPOPCert; token missing sshpop header");
  }
  if (!it->is_string()) {
    return InvalidArgumentError(
        "extractSSHPOPCert; error unexpected type for sshpop header: want 'string'");
  }
  const std::string& encoded = it->get_ref<const std::string&>();
  if (encoded.size() > kMaxSshPopHeader) {
    return ResourceExhaustedError("extractSSHPOPCert; sshpop header is too large");
  }
  auto wire = Base64Decode(encoded);
  if (!wire.ok() || wire->empty()) {
    return InvalidArgumentError("extractSSHPOPCert; error base64 decoding sshpop header");
  }
  auto cert = ssh::Certificate::Parse(*wire);
  if (!cert.ok()) {
    return InvalidArgumentError("extractSSHPOPCert; error parsing ssh certificate: " +
                                cert.status().message());
  }
  return cert;
}

Result<std::unique_ptr<SshPopProvisioner>> SshPopProvisioner::Create(
    const config::ProvisionerConfig& config, const config::Claims& authority_claims,
    SshCaKeys keys) {
  if (config.name.empty()) return InvalidArgumentError("provisioner name cannot be empty");
  auto p = std::unique_ptr<SshPopProvisioner>(new SshPopProvisioner());
  p->name_ = config.name;
  if (auto it = config.raw.find("id"); it != config.raw.end() && it->is_string()) {
    p->id_ = it->get<std::string>();
  }
  p->keys_ = std::move(keys);
  p->config_json_ = config.raw;
  p->claims_ = config::ResolveClaims(config.claims, authority_claims);
  return p;
}

Result<SshPopPlan> SshPopProvisioner::AuthorizeToken(const TokenContext& ctx,
                                                     const jose::ParsedJws& token,
                                                     const std::vector<std::string>& audiences,
                                                     bool check_validity) const {
  auto reject = [&](TokenRejection why, std::string message) -> Status {
    if (ctx.rejection) *ctx.rejection = why;
    return UnauthenticatedError("sshpop.authorizeToken; " + std::move(message));
  };
  auto cert = ExtractSshPopCertificate(token);
  if (!cert.ok()) {
    return reject(TokenRejection::kMalformed,
                  "error extracting sshpop header from token: " + cert.status().message());
  }

  // Only when asked: renewals leave the validity to the renewal claims.
  if (check_validity) {
    const int64_t now = ToUnixSeconds(ctx.now);
    if (cert->valid_after() > kMaxInt64 || now < static_cast<int64_t>(cert->valid_after())) {
      return reject(TokenRejection::kNotYetValid, "sshpop certificate validAfter is in the future");
    }
    if (cert->valid_before() != ssh::kForever &&
        (cert->valid_before() > kMaxInt64 || now >= static_cast<int64_t>(cert->valid_before()))) {
      return reject(TokenRejection::kExpired, "sshpop certificate validBefore is in the past");
    }
  }

  // Signed by one of the CA's keys for its type.
  const std::vector<ssh::PublicKey>& keys =
      cert->type() == ssh::CertType::kUser ? keys_.user_keys : keys_.host_keys;
  bool found = false;
  for (const ssh::PublicKey& k : keys) {
    if (k.Equals(cert->signature_key()) && cert->Verify().ok()) {
      found = true;
      break;
    }
  }
  if (!found) {
    return reject(TokenRejection::kSignature,
                  "could not find valid ca signer to verify sshpop certificate");
  }

  // The certificate's key signed the token: proof of possession, and untampered claims.
  if (Status s = jose::VerifyWithPkey(token, cert->key().crypto_key().get(), kAlgs); !s.ok()) {
    return reject(TokenRejection::kSignature,
                  "error parsing sshpop token claims: " + std::string(s.message()));
  }
  nlohmann::json claims = nlohmann::json::parse(token.payload, nullptr, false);
  if (!claims.is_object()) {
    return reject(TokenRejection::kMalformed, "token payload is not a JSON object");
  }
  if (StringClaim(claims, "iss") != name_) {
    return reject(TokenRejection::kClaims, "invalid sshpop token: invalid issuer");
  }
  jose::TimeCheck failed{};
  if (Status s = jose::ValidateTime(claims, ctx.now, ctx.leeway, &failed); !s.ok()) {
    return reject(RejectionFor(failed), "invalid sshpop token: " + std::string(s.message()));
  }
  if (!MatchesAudience(StringList(claims.value("aud", nlohmann::json())), audiences)) {
    return reject(TokenRejection::kAudience, "sshpop token has invalid audience claim (aud)");
  }
  if (StringClaim(claims, "sub").empty()) {
    return reject(TokenRejection::kClaims, "sshpop token subject cannot be empty");
  }
  SshPopPlan plan;
  plan.token_id = StringClaim(claims, "jti");
  plan.token_claims = std::move(claims);
  plan.cert = std::move(cert).value();
  plan.claims = claims_;
  return plan;
}

Result<SshPopPlan> SshPopProvisioner::AuthorizeSshRenew(const TokenContext& ctx,
                                                        const jose::ParsedJws& token,
                                                        const Audiences& audiences) const {
  CAIRN_ASSIGN_OR_RETURN(
      SshPopPlan plan,
      AuthorizeToken(ctx, token, audiences.WithFragment(token_lookup_id()).ssh_renew, false));
  const ssh::Certificate& cert = *plan.cert;
  if (cert.type() != ssh::CertType::kHost) {
    std::string msg = "sshpop certificate must be a host ssh certificate";
    return InvalidArgumentError(msg).WithPublicMessage(msg);
  }
  // step-ca's DefaultAuthorizeSSHRenew.
  if (claims_.disable_renewal) {
    return UnauthenticatedError("renew is disabled for provisioner '" + name_ + "'");
  }
  const int64_t now = ToUnixSeconds(ctx.now);
  if (cert.valid_after() > kMaxInt64 || now < static_cast<int64_t>(cert.valid_after())) {
    return UnauthenticatedError("certificate is not yet valid");
  }
  if (cert.valid_before() != ssh::kForever &&
      (cert.valid_before() > kMaxInt64 || now >= static_cast<int64_t>(cert.valid_before())) &&
      !claims_.allow_renewal_after_expiry) {
    std::string msg =
        "The request lacked necessary authorization to be completed: certificate has expired";
    return UnauthenticatedError("certificate has expired").WithExactPublicMessage(msg);
  }
  return plan;
}

Result<SshPopPlan> SshPopProvisioner::AuthorizeSshRekey(const TokenContext& ctx,
                                                        const jose::ParsedJws& token,
                                                        const Audiences& audiences) const {
  CAIRN_ASSIGN_OR_RETURN(
      SshPopPlan plan,
      AuthorizeToken(ctx, token, audiences.WithFragment(token_lookup_id()).ssh_rekey, true));
  if (plan.cert->type() != ssh::CertType::kHost) {
    std::string msg = "sshpop certificate must be a host ssh certificate";
    return InvalidArgumentError(msg).WithPublicMessage(msg);
  }
  return plan;
}

Result<RevokePlan> SshPopProvisioner::AuthorizeSshRevoke(const TokenContext& ctx,
                                                         const jose::ParsedJws& token,
                                                         const Audiences& audiences) const {
  CAIRN_ASSIGN_OR_RETURN(
      SshPopPlan plan,
      AuthorizeToken(ctx, token, audiences.WithFragment(token_lookup_id()).ssh_revoke, true));
  const std::string serial = std::to_string(plan.cert->serial());
  const std::string subject = StringClaim(plan.token_claims, "sub");
  if (subject != serial) {
    std::string msg = "token subject \"" + subject + "\" and sshpop certificate serial number \"" +
                      serial + "\" do not match";
    return PermissionDeniedError(msg).WithPublicMessage(msg);
  }
  RevokePlan out;
  out.token_id = std::move(plan.token_id);
  out.serial = serial;
  return out;
}

}  // namespace cairn::provisioner
