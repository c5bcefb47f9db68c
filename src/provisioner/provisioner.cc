#include "provisioner/provisioner.h"

#include "base/duration.h"

namespace cairn::provisioner {

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kJwk:
      return "JWK";
    case Type::kOidc:
      return "OIDC";
    case Type::kGcp:
      return "GCP";
    case Type::kAws:
      return "AWS";
    case Type::kAzure:
      return "Azure";
    case Type::kAcme:
      return "ACME";
    case Type::kX5c:
      return "X5C";
    case Type::kK8sSa:
      return "K8sSA";
    case Type::kSshPop:
      return "SSHPOP";
    case Type::kScep:
      return "SCEP";
    case Type::kNebula:
      return "Nebula";
  }
  return "unknown";
}

std::string_view TokenRejectionName(TokenRejection r) {
  switch (r) {
    case TokenRejection::kNone:
      return "none";
    case TokenRejection::kMalformed:
      return "malformed";
    case TokenRejection::kUnknownProvisioner:
      return "unknown_provisioner";
    case TokenRejection::kSignature:
      return "signature";
    case TokenRejection::kClaims:
      return "claims";
    case TokenRejection::kExpired:
      return "expired";
    case TokenRejection::kNotYetValid:
      return "not_yet_valid";
    case TokenRejection::kAudience:
      return "audience";
    case TokenRejection::kIssuedBeforeStart:
      return "issued_before_start";
    case TokenRejection::kReplayed:
      return "replayed";
  }
  return "unknown";
}

TokenRejection RejectionFor(jose::TimeCheck failed) {
  switch (failed) {
    case jose::TimeCheck::kExpired:
      return TokenRejection::kExpired;
    case jose::TimeCheck::kNotYetValid:
    case jose::TimeCheck::kIssuedInFuture:
      return TokenRejection::kNotYetValid;
    case jose::TimeCheck::kMalformed:
      break;
  }
  return TokenRejection::kClaims;
}

Result<SignPlan> Provisioner::AuthorizeSign(const TokenContext&, const jose::ParsedJws&,
                                            const Audiences&) const {
  return UnauthenticatedError("provisioner '" + name() + "' does not support the sign flow");
}

Result<SshSignPlan> Provisioner::AuthorizeSshSign(const TokenContext&, const jose::ParsedJws&,
                                                  const Audiences&) const {
  return UnauthenticatedError("provisioner '" + name() + "' does not support the SSH sign flow");
}

Result<RevokePlan> Provisioner::AuthorizeSshRevoke(const TokenContext&, const jose::ParsedJws&,
                                                   const Audiences&) const {
  return UnauthenticatedError("provisioner '" + name() + "' does not support the SSH revoke flow");
}

Result<SshPopPlan> Provisioner::AuthorizeSshRenew(const TokenContext&, const jose::ParsedJws&,
                                                  const Audiences&) const {
  return UnauthenticatedError("provisioner '" + name() + "' does not support the SSH renew flow");
}

Result<SshPopPlan> Provisioner::AuthorizeSshRekey(const TokenContext&, const jose::ParsedJws&,
                                                  const Audiences&) const {
  return UnauthenticatedError("provisioner '" + name() + "' does not support the SSH rekey flow");
}

Result<RevokePlan> Provisioner::AuthorizeRevoke(const TokenContext&, const jose::ParsedJws&,
                                                const Audiences&) const {
  return UnauthenticatedError("provisioner '" + name() + "' does not support the revoke flow");
}

Status Provisioner::AuthorizeRenew(Time now, const pki::Certificate& cert) const {
  Status s = ClaimsAuthorizeRenew(claims(), now, cert);
  if (!s.ok() && s.message().starts_with("renew is disabled")) {
    return UnauthenticatedError("renew is disabled for provisioner '" + name() + "'");
  }
  return s;
}

pki::ProvisionerExtension Provisioner::Extension() const {
  pki::ProvisionerExtension ext;
  ext.type = static_cast<int>(type());
  ext.name = name();
  ext.credential_id = credential_id();
  return ext;
}

Status ClaimsAuthorizeRenew(const config::EffectiveClaims& claims, Time now,
                            const pki::Certificate& cert) {
  if (claims.disable_renewal) return UnauthenticatedError("renew is disabled");
  now = TruncateToSeconds(now);
  if (now < cert.not_before()) {
    return UnauthenticatedError("certificate is not yet valid " + FormatRfc3339(now) + " vs " +
                                FormatRfc3339(cert.not_before()));
  }
  if (now > cert.not_after() && !claims.allow_renewal_after_expiry) {
    std::string msg =
        "The request lacked necessary authorization to be completed: certificate "
        "expired on " +
        FormatRfc3339(cert.not_after());
    return UnauthenticatedError(msg).WithPublicMessage(msg);
  }
  return Status();
}

std::vector<std::string> StringList(const nlohmann::json& v) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  }
  return out;
}

std::string StringClaim(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_string()) return std::string();
  return it->get<std::string>();
}

}  // namespace cairn::provisioner
