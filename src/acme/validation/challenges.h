#pragma once

// The ACME challenge validators (RFC 8555 §8.3 http-01, §8.4 dns-01; RFC 8737 tls-alpn-01;
// RFC 8738 IP identifiers): each checks, against the real network, that an ACME client
// answered a challenge. They know nothing of accounts, orders or the store: the ACME server
// calls them from a worker thread (off the request path), records the outcome and decides
// whether to retry (IsRetryable).
//
// A failure is a Status whose reason() is the RFC 8555 §6.7 problem type without its
// "urn:ietf:params:acme:error:" prefix, whose message (also set as the public message) is a
// human cause fit for the problem's "detail", and whose code says whether it is worth retrying:
//
//   reason             code                  when
//   connection         kUnavailable          refused, reset, TLS handshake failure, transport
//                      kDeadlineExceeded     timeout (any step, or the validation's deadline)
//   dns                kNotFound             the name to connect to has no A/AAAA record
//                      kUnavailable          SERVFAIL, REFUSED, unreachable DNS server
//                      kDeadlineExceeded     DNS timeout
//   unauthorized       kNotFound             dns-01: no TXT record at _acme-challenge.<domain>
//                      kUnavailable          http-01: HTTP 5xx, 408 or 429
//                      kPermissionDenied     http-01: other HTTP 4xx; redirect not allowed
//                                            (scheme, port, host, more than 10)
//   incorrectResponse  kPermissionDenied     wrong http-01 body, oversized body, no matching
//                                            TXT record, wrong tls-alpn-01 digest
//   tls                kPermissionDenied     tls-alpn-01: wrong ALPN, no/non-critical/malformed
//                                            acmeIdentifier, obsolete OID, wrong SANs
//   malformed          kInvalidArgument      bad identifier or token for this challenge type
//   unsupportedIdentifier kInvalidArgument   identifier type other than "dns" and "ip"
//   serverInternal     kInternal             local failure (or invalid ValidationOptions)

#include <chrono>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace cairn::acme {

// Identifier is an ACME identifier (RFC 8555 §9.7.7): type "dns" (a DNS name, "*." prefixed
// for wildcards) or "ip" (RFC 8738: an IPv4 or IPv6 address in text).
struct Identifier {
  std::string type;
  std::string value;
};

// ValidationOptions configures a ChallengeValidator (step-ca's --resolver, --acme-http-port,
// --acme-tls-port, --acme-strict-fqdn).
struct ValidationOptions {
  // dns_resolver is the DNS server used for every lookup ("ip", "ip:port", "[ipv6]:port");
  // empty means the system's servers (/etc/resolv.conf). /etc/hosts is never used.
  std::string dns_resolver;
  // http01_port is the port http-01 connects to (80 in production).
  int http01_port = 80;
  // tls_alpn01_port is the port tls-alpn-01 connects to (443 in production).
  int tls_alpn01_port = 443;
  // timeout bounds one whole validation (every DNS lookup, connection, redirect and read).
  Duration timeout = std::chrono::seconds(10);
  // strict_fqdn looks up dns-01 TXT records under the absolute name "_acme-challenge.<d>."
  // (our resolver never appends search domains, so this changes only the name in messages).
  bool strict_fqdn = false;
};

// kMaxHttp01Body bounds the http-01 response body read (64 KiB); a larger one fails.
inline constexpr size_t kMaxHttp01Body = 64 << 10;
// kMaxHttp01Redirects bounds the redirects http-01 follows.
inline constexpr int kMaxHttp01Redirects = 10;
// kAcmeTlsAlpnProtocol is the ALPN protocol of tls-alpn-01 (RFC 8737 §6.2).
inline constexpr const char* kAcmeTlsAlpnProtocol = "acme-tls/1";
// kOidAcmeIdentifier is id-pe-acmeIdentifier (RFC 8737 §6.1); kOidAcmeIdentifierV1Obsolete
// is the OID of the draft versions, which is refused.
inline constexpr const char* kOidAcmeIdentifier = "1.3.6.1.5.5.7.1.31";
inline constexpr const char* kOidAcmeIdentifierV1Obsolete = "1.3.6.1.5.5.7.1.30.1";

// KeyAuthorization returns token || '.' || base64url(JWK SHA-256 thumbprint) (RFC 8555 §8.1).
// `jwk_thumbprint_b64url` is the thumbprint already base64url-encoded. Thread-safe.
std::string KeyAuthorization(std::string_view token, std::string_view jwk_thumbprint_b64url);

// Dns01Value returns the TXT record value of dns-01: base64url(SHA-256(key_authorization)),
// unpadded (RFC 8555 §8.4). Thread-safe.
std::string Dns01Value(std::string_view key_authorization);

// IsRetryable reports whether a failed validation may succeed later without the client doing
// anything new (network trouble, DNS not yet propagated, a server error): the ACME server
// retries those a few times and keeps the challenge "processing". A wrong answer is final:
// the challenge becomes "invalid". False for OK. See the table above.
bool IsRetryable(const Status& status);

// ChallengeValidator validates challenges. Every call blocks for at most
// ValidationOptions::timeout. Thread-safe: calls may run concurrently on one instance.
class ChallengeValidator {
 public:
  // ChallengeValidator keeps `options`. Invalid options (a malformed dns_resolver, a port out
  // of 1..65535, a non-positive timeout) make every validation fail with reason
  // "serverInternal"; options_status() reports them up front.
  explicit ChallengeValidator(ValidationOptions options);

  // options_status is OK, or kInvalidArgument describing what is wrong with the options.
  const Status& options_status() const { return options_status_; }
  // options returns the options in force.
  const ValidationOptions& options() const { return options_; }

  // ValidateHttp01 GETs http://<name or IP>:<http01_port>/.well-known/acme-challenge/<token>
  // (IPv6 in brackets). A DNS name is resolved with the configured resolver only, and sent as
  // the Host. Redirects (301, 302, 303, 307, 308) are followed by hand, at most 10, to http or
  // https URLs on ports 80, 443, http01_port or tls_alpn01_port, each host resolved the same
  // way; HTTPS certificates are not verified (as step-ca and Boulder). A 2xx body of at most
  // kMaxHttp01Body bytes, trimmed of ASCII whitespace, must equal `key_authorization`.
  // Wildcard identifiers are malformed here. Fails as the table above says.
  Status ValidateHttp01(const Identifier& identifier, std::string_view token,
                        std::string_view key_authorization) const;

  // ValidateTlsAlpn01 connects to the identifier's addresses (a DNS name resolved with the
  // configured resolver; tried in order until one connects) on tls_alpn01_port and shakes
  // hands offering only ALPN "acme-tls/1", with SNI = the name, or for an IP its reverse-DNS
  // name (RFC 8738 §6). It checks that "acme-tls/1" was selected and that the (unverified) leaf
  // certificate holds exactly one subjectAltName, equal to the identifier (DNS names compared
  // case-insensitively), and a critical id-pe-acmeIdentifier extension holding an OCTET STRING
  // equal to SHA-256(key_authorization) (RFC 8737 §3). Wildcards are malformed here. Fails as
  // the table above says.
  Status ValidateTlsAlpn01(const Identifier& identifier, std::string_view token,
                           std::string_view key_authorization) const;

  // ValidateDns01 looks up the TXT records of "_acme-challenge.<domain>" (a leading "*."
  // removed; a trailing dot with strict_fqdn); one of them must equal
  // Dns01Value(key_authorization). `token` is only checked for form. Only "dns" identifiers.
  // Fails as the table above says.
  Status ValidateDns01(const Identifier& identifier, std::string_view token,
                       std::string_view key_authorization) const;

 private:
  ValidationOptions options_;
  Status options_status_;
};

}  // namespace cairn::acme
