#pragma once

// One-time tokens as step makes them (stepca.md §2.4, §2.5, §2.8): JWK provisioner tokens for
// sign and revoke, and the x5cInsecure token that renews a certificate with its own key.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "jose/jwk.h"

namespace cairn::client {

// Token validity bounds of step's token package: a token lives 5 minutes by default, between
// 10 seconds and 1 hour, and may start at most 30 minutes from now.
inline constexpr Duration kDefaultTokenValidity = std::chrono::minutes(5);
inline constexpr Duration kMinTokenValidity = std::chrono::seconds(10);
inline constexpr Duration kMaxTokenValidity = std::chrono::hours(1);
inline constexpr Duration kMaxTokenDelay = std::chrono::minutes(30);

// kRenewTokenIssuer is the issuer of renew tokens.
inline constexpr std::string_view kRenewTokenIssuer = "step-ca-client/1.0";

// TokenType says which API call a token authorizes (its audience).
enum class TokenType { kSign, kRevoke, kRenew };

// TokenAudience returns the audience step puts in a token for `ca_url`:
// "<ca-url>/1.0/sign", "/1.0/revoke" or "/1.0/renew". `ca_url` is normalised first
// (client::NormalizeCaUrl). Fails with kInvalidArgument for a bad URL.
Result<std::string> TokenAudience(std::string_view ca_url, TokenType type);

// TokenTimes are the time claims of a token.
struct TokenTimes {
  Time issued_at;
  Time not_before;
  Time expiry;
};

// ResolveTokenTimes computes iat/nbf/exp as step does. Without either bound the token is valid
// from `now` for kDefaultTokenValidity. With a bound, a missing not_before is `now` and a
// missing not_after is not_before + kDefaultTokenValidity, and then: not_after must not be
// before not_before, not_before at most kMaxTokenDelay after now, and the validity within
// [kMinTokenValidity, kMaxTokenValidity]. iat is always `now`. Fails with kInvalidArgument
// naming the broken bound.
Result<TokenTimes> ResolveTokenTimes(Time now, std::optional<Time> not_before,
                                     std::optional<Time> not_after);

// JwkTokenRequest describes a JWK provisioner token.
struct JwkTokenRequest {
  // subject is the "sub" claim: the certificate's common name, or the serial for revoke.
  std::string subject;
  // sans is the "sans" claim of sign tokens; empty means [subject].
  std::vector<std::string> sans;
  // issuer is the provisioner name ("iss").
  std::string issuer;
  // audience is the "aud" claim (see TokenAudience; offline tokens use "https://<dns>/sign").
  std::string audience;
  // kid is the header "kid": the provisioner key's id. Empty means the key's kid, else its
  // thumbprint.
  std::string kid;
  // root_fingerprint is the "sha" claim (hex SHA-256 of the root); left out when empty.
  std::string root_fingerprint;
  // not_before / not_after bound the token's validity (see ResolveTokenTimes).
  std::optional<Time> not_before;
  std::optional<Time> not_after;
  // confirmation is the "cnf" {"x5rt#S256": …} value (see CsrFingerprint) of sign tokens; left
  // out when empty.
  std::string confirmation;
  // user_data is merged into the "user" claim of sign tokens when it is a non-empty object.
  nlohmann::json user_data;
};

// SignToken makes a token that authorizes POST /sign: header {alg, kid, typ "JWT"}, claims
// iss, sub, aud (a single string), iat, nbf, exp, jti (64 random hex characters), sha, sans,
// and cnf/user when requested. `key` must be private; the algorithm is its "alg" member or the
// default for its type. Fails with kInvalidArgument (empty subject/issuer/audience, bad
// validity, public key) or kInternal (randomness). Thread-safe if `random` is.
Result<std::string> SignToken(const JwkTokenRequest& request, const jose::Jwk& key, Time now,
                              Random& random);

// RevokeToken makes a token that authorizes POST /revoke: as SignToken with `subject` = the
// decimal serial and no sans, cnf or user claims. Fails as SignToken.
Result<std::string> RevokeToken(const JwkTokenRequest& request, const jose::Jwk& key, Time now,
                                Random& random);

// RenewToken makes the x5cInsecure token that renews a certificate (stepca.md §2.8): header
// {alg, kid = thumbprint of the certificate key, typ "JWT", x5cInsecure = [standard base64 of
// each DER certificate, leaf first]}; claims iss "step-ca-client/1.0", sub = `subject` (the
// leaf's common name), aud, iat, nbf = now, exp = now + 5 minutes (no jti: the CA then uses
// the token hash for replay protection). `key` is the leaf's private key. Fails with
// kInvalidArgument for an empty chain or audience, or a public key.
Result<std::string> RenewToken(const std::vector<std::string>& chain_der, std::string_view subject,
                               const jose::Jwk& key, std::string_view audience, Time now);

// kAdminTokenIssuer is the issuer of administration API tokens.
inline constexpr std::string_view kAdminTokenIssuer = "step-admin-client/1.0";

// AdminToken makes the x5c token of step's admin client (stepca.md §12): header {alg, kid =
// thumbprint of the certificate key, typ "JWT", x5c = [standard base64 of each DER
// certificate, leaf first]}; claims iss "step-admin-client/1.0", sub = `subject`, aud =
// `audience` (the request URL without its query), iat, nbf = now, exp = now + 5 minutes, jti
// (64 random hex characters). `key` is the leaf's private key. Fails with kInvalidArgument for
// an empty chain, subject or audience, or a public key.
Result<std::string> AdminToken(const std::vector<std::string>& chain_der, std::string_view subject,
                               const jose::Jwk& key, std::string_view audience, Time now,
                               Random& random);

// CsrFingerprint returns base64url (no padding) of SHA-256 over a CSR's DER: the value of
// cnf "x5rt#S256".
std::string CsrFingerprint(std::string_view csr_der);

// KeyFileIsEncrypted reports whether a --key file's content is a password-encrypted JWE (compact
// or JSON) or an encrypted PEM key.
bool KeyFileIsEncrypted(std::string_view content);

// ParseKeyFile reads a token-signing key in any of the forms step reads for --key: a JWK (JSON),
// a password-encrypted JWK (JWE compact or JSON serialization) or a PEM private key (possibly
// encrypted). The result is private and carries the JWK's kid/alg when it had them. Fails with
// kInvalidArgument (malformed, public-only, wrong password) or kFailedPrecondition when the
// key is encrypted and `password` is empty.
Result<jose::Jwk> ParseKeyFile(std::string_view content, std::string_view password);

// SshTokenClaims are the "step": {"ssh": {...}} claims of an SSH sign token (stepca.md §2.6).
struct SshTokenClaims {
  // cert_type is "user" or "host".
  std::string cert_type = "user";
  // key_id is the certificate's key id (step sets the token subject).
  std::string key_id;
  // principals are the user or host names the certificate may carry.
  std::vector<std::string> principals;
  // valid_after / valid_before are step's TimeDuration strings (RFC 3339 or a Go duration);
  // "" lets the CA choose.
  std::string valid_after;
  std::string valid_before;
};

// SshTokenAudience returns the audience of SSH sign tokens for `ca_url`:
// "<ca-url>/1.0/ssh/sign". Fails with kInvalidArgument for a bad URL.
Result<std::string> SshTokenAudience(std::string_view ca_url);

// SanitizeSshUserPrincipal returns step's user name for an e-mail-like subject: the part before
// the last '@', lower-cased, with '.' dropped and any character other than a-z, 0-9 and '-'
// replaced by '_'. Thread-safe.
std::string SanitizeSshUserPrincipal(std::string_view subject);

// DefaultSshPrincipals returns the principals step requests when none are given: for a host
// certificate the subject; for a user certificate SanitizeSshUserPrincipal(subject) and, when
// it differs, the subject itself. Thread-safe.
std::vector<std::string> DefaultSshPrincipals(std::string_view subject, bool host);

// SshSignToken makes a token that authorizes POST /1.0/ssh/sign: the claims of SignToken
// without sans/cnf/user, plus "step": {"ssh": {"certType", "keyID", "principals",
// "validAfter", "validBefore"}} from `ssh` (validity strings as given, "" included, as step
// sends them). request.audience should be SshTokenAudience. Fails as SignToken, and with
// kInvalidArgument for a certType other than "user"/"host". Thread-safe if `random` is.
Result<std::string> SshSignToken(const JwkTokenRequest& request, const SshTokenClaims& ssh,
                                 const jose::Jwk& key, Time now, Random& random);

// ---- SSHPOP tokens (`cairn ssh renew|rekey|revoke`).

// SshPopTokenType says which SSH call an SSHPOP token authorizes.
enum class SshPopTokenType { kRenew, kRekey, kRevoke };

// SshPopAudience returns the audience step puts in an SSHPOP token:
// "<ca-url>/1.0/ssh/renew#sshpop/<provisioner>" (or /ssh/rekey, /ssh/revoke). `ca_url` is
// normalised first. Fails with kInvalidArgument for a bad URL or an empty provisioner name.
Result<std::string> SshPopAudience(std::string_view ca_url, SshPopTokenType type,
                                   std::string_view provisioner);

// SshPopToken makes the SSHPOP token step's `ssh renew|rekey|revoke` make (stepca.md §2.9):
// header {alg, kid (request.kid, else the key's kid, else its thumbprint), typ "JWT", sshpop =
// standard base64 of `cert_wire`}, and the claims of RevokeToken: iss = request.issuer (the
// SSHPOP provisioner's name), sub = request.subject (step uses the certificate's decimal
// serial), aud = request.audience (see SshPopAudience), iat, nbf, exp, jti, sha. `key` is
// the certificate's private key; the caller checks that it matches the certificate. Fails as
// SignToken, and with kInvalidArgument for an empty certificate. Thread-safe if `random` is.
Result<std::string> SshPopToken(std::string_view cert_wire, const JwkTokenRequest& request,
                                const jose::Jwk& key, Time now, Random& random);

}  // namespace cairn::client
