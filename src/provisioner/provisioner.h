#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"
#include "jose/jws.h"
#include "jose/jwt.h"
#include "pki/certificate.h"
#include "pki/provisioner_extension.h"
#include "provisioner/audiences.h"
#include "provisioner/options.h"
#include "ssh/certificate.h"

namespace cairn::provisioner {

// Type numbers are those of step-ca's provisioner extension (stepca.md §7).
enum class Type {
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

// TypeName returns the name ca.json uses ("JWK", "OIDC", ...).
std::string_view TypeName(Type type);

// TokenRejection says why a token was refused, for the token-rejection metric. Every
// provisioner maps its failures onto these.
enum class TokenRejection {
  kNone,
  kMalformed,           // not a JWS, or claims that are not a JSON object
  kUnknownProvisioner,  // no provisioner for its kid/iss, or a wrong audience for every one
  kSignature,           // the signature (or the certificate chain behind it) does not verify
  kClaims,              // iss, sub or another required claim is wrong or missing
  kExpired,             // exp has passed (beyond the leeway)
  kNotYetValid,         // nbf or iat in the future
  kAudience,            // aud names another endpoint
  kIssuedBeforeStart,   // iat before the CA started
  kReplayed,            // its jti (or hash) was already used
};

// TokenRejectionName is the metric label of `r`: "malformed", "expired", ...
std::string_view TokenRejectionName(TokenRejection r);

// RejectionFor maps a failed time check of a token onto its rejection reason.
TokenRejection RejectionFor(jose::TimeCheck failed);

// TokenContext is what a provisioner needs to check a token besides the token itself.
struct TokenContext {
  Time now;
  Duration leeway = std::chrono::minutes(1);
  // rejection, when set, receives why a token was refused (left alone on success).
  TokenRejection* rejection = nullptr;
};

// SignPlan is what a provisioner decides about an X.509 sign request: which names the
// certificate may carry, its lifetime limits, and what identifies the token for replay. The
// authority applies it (stepca.md §2.4); a provisioner never signs or stores anything.
struct SignPlan {
  // token_id is the replay key (jti); empty means "hash of the whole token".
  std::string token_id;
  // token_claims are all claims of the authorizing token (templates see them as .Token).
  nlohmann::json token_claims;
  // subject is the token's `sub`; it becomes the certificate's common name.
  std::string subject;
  // sans are the names the token authorizes (the token's `sans`, or [sub]).
  std::vector<std::string> sans;
  // allowed_common_names: a CSR common name must be empty or one of these.
  std::vector<std::string> allowed_common_names;
  // csr_fingerprint, when set, is base64url(SHA-256(CSR DER)) from the token's `cnf`.
  std::string csr_fingerprint;
  // claims are the resolved durations and flags of the provisioner.
  config::EffectiveClaims claims;
  // extension is the provisioner extension to put into the certificate.
  pki::ProvisionerExtension extension;
};

// SshSignPlan is what a provisioner decides about an SSH sign request (stepca.md §2.6): what
// the token fixes of the certificate (empty: the request decides) and the SSH claims.
struct SshSignPlan {
  std::string token_id;
  nlohmann::json token_claims;
  // cert_type is "user", "host" or "" (either).
  std::string cert_type;
  std::string key_id;
  // principals, when not empty, bound the request's principals (and are the default).
  std::vector<std::string> principals;
  // valid_after / valid_before are step's TimeDuration strings from the token ("" = unset).
  std::string valid_after;
  std::string valid_before;
  config::EffectiveClaims claims;
};

// SshPopPlan is what an SSHPOP provisioner decides about an SSH renew or rekey token
// (stepca.md §2.9): the certificate whose possession the token proved, and the SSH claims.
struct SshPopPlan {
  // token_id is the replay key (jti); empty means "hash of the whole token".
  std::string token_id;
  nlohmann::json token_claims;
  // cert is the certificate of the token's `sshpop` header; its signature by one of the CA's
  // SSH keys was checked. Always set in a returned plan.
  std::optional<ssh::Certificate> cert;
  config::EffectiveClaims claims;
};

// RevokePlan is what a provisioner decides about a revoke token.
struct RevokePlan {
  std::string token_id;
  // serial is the token's `sub`: the serial (decimal) the token may revoke.
  std::string serial;
};

// Provisioner turns a credential into a plan. Implementations are immutable after creation
// and thread-safe. Each Authorize* defaults to kUnauthenticated "not supported", like
// step-ca's `base`.
class Provisioner {
 public:
  virtual ~Provisioner() = default;

  virtual Type type() const = 0;
  virtual const std::string& name() const = 0;
  // id is step-ca's GetID(): the explicit id, else the token id (JWK: "name:kid").
  virtual std::string id() const = 0;
  // token_lookup_id is step-ca's GetIDForToken() (JWK: "name:kid"; X5C: "x5c/name").
  virtual std::string token_lookup_id() const = 0;
  // credential_id is what the provisioner extension carries as credential (JWK: the kid).
  virtual std::string credential_id() const { return std::string(); }
  // encrypted_key returns (kid, compact JWE) for JWK provisioners that carry one.
  virtual std::optional<std::pair<std::string, std::string>> encrypted_key() const {
    return std::nullopt;
  }
  // config_json is the provisioner as ca.json has it; /provisioners lists it.
  virtual const nlohmann::ordered_json& config_json() const = 0;
  virtual const config::EffectiveClaims& claims() const = 0;

  // AuthorizeSign checks a sign token (signature, issuer, audience, times, subject).
  // Fails with kUnauthenticated.
  virtual Result<SignPlan> AuthorizeSign(const TokenContext& ctx, const jose::ParsedJws& token,
                                         const Audiences& audiences) const;
  // AuthorizeSshSign checks an SSH sign token (the step.ssh claims; the provisioner must have
  // enableSSHCA). Fails with kUnauthenticated, kPermissionDenied when SSH is disabled.
  virtual Result<SshSignPlan> AuthorizeSshSign(const TokenContext& ctx,
                                               const jose::ParsedJws& token,
                                               const Audiences& audiences) const;
  // AuthorizeSshRevoke checks an SSH revoke token (audience /ssh/revoke, subject = the serial).
  // Fails with kUnauthenticated, kPermissionDenied when SSH is disabled.
  virtual Result<RevokePlan> AuthorizeSshRevoke(const TokenContext& ctx,
                                                const jose::ParsedJws& token,
                                                const Audiences& audiences) const;
  // AuthorizeSshRenew checks an SSHPOP renew token (audience /ssh/renew): the certificate of
  // its header must be a host certificate; its validity is left to the renewal claims (an
  // expired one passes when allowRenewalAfterExpiry). Fails with kUnauthenticated,
  // kInvalidArgument for a user certificate.
  virtual Result<SshPopPlan> AuthorizeSshRenew(const TokenContext& ctx,
                                               const jose::ParsedJws& token,
                                               const Audiences& audiences) const;
  // AuthorizeSshRekey checks an SSHPOP rekey token (audience /ssh/rekey): the certificate of
  // its header must be a currently valid host certificate. Fails with kUnauthenticated,
  // kInvalidArgument for a user certificate.
  virtual Result<SshPopPlan> AuthorizeSshRekey(const TokenContext& ctx,
                                               const jose::ParsedJws& token,
                                               const Audiences& audiences) const;
  // AuthorizeRevoke checks a revoke token. Fails with kUnauthenticated.
  virtual Result<RevokePlan> AuthorizeRevoke(const TokenContext& ctx, const jose::ParsedJws& token,
                                             const Audiences& audiences) const;
  // AuthorizeRenew decides whether `cert`, issued by this provisioner, may be renewed at
  // `now`: renewal not disabled, the certificate already valid, and not expired unless
  // allowRenewalAfterExpiry. Fails with kUnauthenticated.
  virtual Status AuthorizeRenew(Time now, const pki::Certificate& cert) const;

  // ExtensionFor returns the provisioner extension certificates of this provisioner carry.
  pki::ProvisionerExtension Extension() const;

  // options are the provisioner's templates, webhooks, inventory lookups and policy.
  const Options& options() const { return *options_; }
  // set_options is called once, by Collection::Build, before the provisioner is shared.
  void set_options(std::shared_ptr<const Options> options) { options_ = std::move(options); }

 private:
  std::shared_ptr<const Options> options_ = EmptyOptions();
};

// StringList reads a claim that is a string or an array of strings (such as `aud`) as a list;
// other values, and array elements that are not strings, are skipped.
std::vector<std::string> StringList(const nlohmann::json& v);

// StringClaim returns claims[name] when it is a string, else "".
std::string StringClaim(const nlohmann::json& claims, const char* name);

// ClaimsAuthorizeRenew is the shared renewal rule (step-ca's Controller.AuthorizeRenew).
Status ClaimsAuthorizeRenew(const config::EffectiveClaims& claims, Time now,
                            const pki::Certificate& cert);

}  // namespace cairn::provisioner
