#include "client/token.h"

#include <algorithm>
#include <utility>

#include "base/duration.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "client/ca_client.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "crypto/pem.h"
#include "jose/jwe.h"
#include "jose/jwt.h"

namespace cairn::client {
namespace {

// kJtiBytes is the size of the random token id (256 bits, 64 hex characters), as step makes.
constexpr size_t kJtiBytes = 32;

std::string Describe(Duration d) {
  return FormatGoDuration(std::chrono::duration_cast<std::chrono::seconds>(d));
}

// BaseClaims are the claims every JWK token carries.
Result<nlohmann::json> BaseClaims(const JwkTokenRequest& r, Time now, Random& random) {
  if (r.subject.empty()) return InvalidArgumentError("subject cannot be empty");
  if (r.issuer.empty()) return InvalidArgumentError("issuer cannot be empty");
  if (r.audience.empty()) return InvalidArgumentError("audience cannot be empty");
  CAIRN_ASSIGN_OR_RETURN(TokenTimes times, ResolveTokenTimes(now, r.not_before, r.not_after));
  CAIRN_ASSIGN_OR_RETURN(std::string jti, random.Hex(kJtiBytes));
  nlohmann::json claims = {
      {"iss", r.issuer},
      {"sub", r.subject},
      {"aud", r.audience},
      {"iat", ToUnixSeconds(times.issued_at)},
      {"nbf", ToUnixSeconds(times.not_before)},
      {"exp", ToUnixSeconds(times.expiry)},
      {"jti", jti},
  };
  if (!r.root_fingerprint.empty()) claims["sha"] = r.root_fingerprint;
  return claims;
}

Result<std::string> Sign(const nlohmann::json& claims, const JwkTokenRequest& r,
                         const jose::Jwk& key) {
  if (!key.is_private() || key.is_symmetric()) {
    return InvalidArgumentError("the token key must be an asymmetric private key");
  }
  std::string kid = r.kid;
  if (kid.empty()) kid = key.kid().empty() ? key.Thumbprint() : key.kid();
  return jose::SignJwt(claims, key, nlohmann::json{{"kid", kid}});
}

bool LooksLikeCompactJwe(std::string_view s) {
  s = Trim(s);
  return !s.empty() && s.front() != '{' && std::count(s.begin(), s.end(), '.') == 4;
}

}  // namespace

Result<std::string> TokenAudience(std::string_view ca_url, TokenType type) {
  CAIRN_ASSIGN_OR_RETURN(std::string base, NormalizeCaUrl(ca_url));
  switch (type) {
    case TokenType::kSign:
      return base + "/1.0/sign";
    case TokenType::kRevoke:
      return base + "/1.0/revoke";
    case TokenType::kRenew:
      return base + "/1.0/renew";
  }
  return InvalidArgumentError("unexpected token type");
}

Result<TokenTimes> ResolveTokenTimes(Time now, std::optional<Time> not_before,
                                     std::optional<Time> not_after) {
  TokenTimes t{now, now, now + kDefaultTokenValidity};
  if (!not_before && !not_after) return t;
  Time nbf = not_before.value_or(now);
  Time exp = not_after.value_or(nbf + kDefaultTokenValidity);
  if (exp < nbf) {
    return InvalidArgumentError("the token's not-after (" + FormatRfc3339(exp) +
                                ") is before its not-before (" + FormatRfc3339(nbf) + ")");
  }
  Duration delay = nbf - now;
  if (delay > kMaxTokenDelay) {
    return InvalidArgumentError(
        "requested validity delay is too long: 'requested validity delay'=" + Describe(delay) +
        ", 'max validity delay'=" + Describe(kMaxTokenDelay));
  }
  Duration validity = exp - nbf;
  if (validity < kMinTokenValidity) {
    return InvalidArgumentError(
        "requested token validity is too short: 'requested token validity'=" + Describe(validity) +
        ", 'minimum token validity'=" + Describe(kMinTokenValidity));
  }
  if (validity > kMaxTokenValidity) {
    return InvalidArgumentError(
        "requested token validity is too long: 'requested token validity'=" + Describe(validity) +
        ", 'maximum token validity'=" + Describe(kMaxTokenValidity));
  }
  t.not_before = nbf;
  t.expiry = exp;
  return t;
}

Result<std::string> SignToken(const JwkTokenRequest& request, const jose::Jwk& key, Time now,
                              Random& random) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json claims, BaseClaims(request, now, random));
  std::vector<std::string> sans = request.sans;
  if (sans.empty()) sans.push_back(request.subject);
  claims["sans"] = sans;
  if (!request.confirmation.empty()) {
    claims["cnf"] = nlohmann::json{{"x5rt#S256", request.confirmation}};
  }
  if (request.user_data.is_object() && !request.user_data.empty()) {
    claims["user"] = request.user_data;
  }
  return Sign(claims, request, key);
}

Result<std::string> RevokeToken(const JwkTokenRequest& request, const jose::Jwk& key, Time now,
                                Random& random) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json claims, BaseClaims(request, now, random));
  return Sign(claims, request, key);
}

Result<std::string> RenewToken(const std::vector<std::string>& chain_der, std::string_view subject,
                               const jose::Jwk& key, std::string_view audience, Time now) {
  if (chain_der.empty()) return InvalidArgumentError("the certificate chain is empty");
  if (audience.empty()) return InvalidArgumentError("audience cannot be empty");
  if (!key.is_private() || key.is_symmetric()) {
    return InvalidArgumentError("the renew token needs the certificate's private key");
  }
  nlohmann::json x5c = nlohmann::json::array();
  for (const auto& der : chain_der) x5c.push_back(Base64Encode(der));
  nlohmann::json claims = {
      {"iss", kRenewTokenIssuer},
      {"aud", std::string(audience)},
      {"iat", ToUnixSeconds(now)},
      {"nbf", ToUnixSeconds(now)},
      {"exp", ToUnixSeconds(now + kDefaultTokenValidity)},
  };
  if (!subject.empty()) claims["sub"] = std::string(subject);
  nlohmann::json header = {{"kid", key.Thumbprint()}, {"x5cInsecure", x5c}};
  return jose::SignJwt(claims, key, std::move(header));
}

Result<std::string> AdminToken(const std::vector<std::string>& chain_der, std::string_view subject,
                               const jose::Jwk& key, std::string_view audience, Time now,
                               Random& random) {
  if (chain_der.empty()) return InvalidArgumentError("the admin certificate chain is empty");
  if (subject.empty()) return InvalidArgumentError("the admin subject cannot be empty");
  if (audience.empty()) return InvalidArgumentError("audience cannot be empty");
  if (!key.is_private() || key.is_symmetric()) {
    return InvalidArgumentError("the admin token needs the certificate's private key");
  }
  nlohmann::json x5c = nlohmann::json::array();
  for (const auto& der : chain_der) x5c.push_back(Base64Encode(der));
  CAIRN_ASSIGN_OR_RETURN(std::string jti, random.Hex(32));
  nlohmann::json claims = {
      {"iss", kAdminTokenIssuer},
      {"sub", std::string(subject)},
      {"aud", std::string(audience)},
      {"iat", ToUnixSeconds(now)},
      {"nbf", ToUnixSeconds(now)},
      {"exp", ToUnixSeconds(now + kDefaultTokenValidity)},
      {"jti", jti},
  };
  nlohmann::json header = {{"kid", key.Thumbprint()}, {"x5c", x5c}};
  return jose::SignJwt(claims, key, std::move(header));
}

std::string CsrFingerprint(std::string_view csr_der) {
  return Base64UrlEncode(crypto::Sha256(csr_der));
}

bool KeyFileIsEncrypted(std::string_view content) {
  std::string_view s = Trim(content);
  if (LooksLikeCompactJwe(s)) return true;
  if (!s.empty() && s.front() == '{') {
    return s.find("\"ciphertext\"") != std::string_view::npos;
  }
  auto blocks = crypto::ParsePemBlocks(s);
  if (!blocks.ok()) return false;
  for (const auto& b : *blocks) {
    if (b.type == "ENCRYPTED PRIVATE KEY") return true;
    if (b.type.ends_with("PRIVATE KEY"))
      return b.Header("Proc-Type").find("ENCRYPTED") != std::string_view::npos;
  }
  return false;
}

Result<jose::Jwk> ParseKeyFile(std::string_view content, std::string_view password) {
  std::string_view s = Trim(content);
  bool encrypted = KeyFileIsEncrypted(s);
  if (encrypted && password.empty()) {
    return FailedPreconditionError("the key is encrypted and no password was given");
  }
  jose::Jwk key;
  if (LooksLikeCompactJwe(s) || (!s.empty() && s.front() == '{' && encrypted)) {
    CAIRN_ASSIGN_OR_RETURN(key, jose::DecryptJwk(s, password));
  } else if (!s.empty() && s.front() == '{') {
    CAIRN_ASSIGN_OR_RETURN(key, jose::Jwk::Parse(s));
  } else {
    CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey pk, crypto::PrivateKey::FromPem(s, password));
    CAIRN_ASSIGN_OR_RETURN(key, jose::Jwk::FromPkey(pk.get(), /*include_private=*/true));
  }
  if (!key.is_private() || key.is_symmetric()) {
    return InvalidArgumentError("the key is not an asymmetric private key");
  }
  return key;
}

Result<std::string> SshTokenAudience(std::string_view ca_url) {
  CAIRN_ASSIGN_OR_RETURN(std::string base, NormalizeCaUrl(ca_url));
  return base + "/1.0/ssh/sign";
}

std::string SanitizeSshUserPrincipal(std::string_view subject) {
  if (size_t at = subject.rfind('@'); at != std::string_view::npos) subject = subject.substr(0, at);
  std::string out;
  for (char ch : ToLower(subject)) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-') {
      out.push_back(ch);
    } else if (ch != '.') {
      out.push_back('_');
    }
  }
  return out;
}

std::vector<std::string> DefaultSshPrincipals(std::string_view subject, bool host) {
  if (host) return {std::string(subject)};
  std::vector<std::string> out{SanitizeSshUserPrincipal(subject)};
  if (out.front() != subject) out.emplace_back(subject);
  return out;
}

Result<std::string> SshSignToken(const JwkTokenRequest& request, const SshTokenClaims& ssh,
                                 const jose::Jwk& key, Time now, Random& random) {
  if (ssh.cert_type != "user" && ssh.cert_type != "host") {
    return InvalidArgumentError("unknown ssh certificate type '" + ssh.cert_type + "'");
  }
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json claims, BaseClaims(request, now, random));
  claims["step"] = {{"ssh",
                     {{"certType", ssh.cert_type},
                      {"keyID", ssh.key_id},
                      {"principals", ssh.principals},
                      {"validAfter", ssh.valid_after},
                      {"validBefore", ssh.valid_before}}}};
  return Sign(claims, request, key);
}

Result<std::string> SshPopAudience(std::string_view ca_url, SshPopTokenType type,
                                   std::string_view provisioner) {
  if (provisioner.empty()) return InvalidArgumentError("the SSHPOP provisioner name is empty");
  CAIRN_ASSIGN_OR_RETURN(std::string base, NormalizeCaUrl(ca_url));
  std::string_view path = "/1.0/ssh/renew";
  if (type == SshPopTokenType::kRekey) path = "/1.0/ssh/rekey";
  if (type == SshPopTokenType::kRevoke) path = "/1.0/ssh/revoke";
  return base + std::string(path) + "#sshpop/" + std::string(provisioner);
}

Result<std::string> SshPopToken(std::string_view cert_wire, const JwkTokenRequest& request,
                                const jose::Jwk& key, Time now, Random& random) {
  if (cert_wire.empty()) return InvalidArgumentError("the sshpop certificate is empty");
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json claims, BaseClaims(request, now, random));
  if (!key.is_private() || key.is_symmetric()) {
    return InvalidArgumentError("the sshpop token needs the certificate's private key");
  }
  std::string kid = request.kid;
  if (kid.empty()) kid = key.kid().empty() ? key.Thumbprint() : key.kid();
  nlohmann::json header = {{"kid", kid}, {"sshpop", Base64Encode(cert_wire)}};
  return jose::SignJwt(claims, key, std::move(header));
}

}  // namespace cairn::client
