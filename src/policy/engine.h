#pragma once

// NameEngine: step-ca's name-policy engine (Go package `policy`, NamePolicyEngine), which
// adapts crypto/x509's name-constraint matching to allow ("permitted") and deny ("excluded")
// lists. policy.h builds engines from ca.json; use this header directly only when the lists
// come from somewhere else (e.g. per-provisioner or ACME EAB policies).
//
// Semantics (all from step-ca):
//  - An engine without any constraint allows everything.
//  - Excluded constraints are checked first: a match rejects the name ("deny beats allow").
//  - If any permitted constraint exists (of any type), a name of a type with no constraint at
//    all (neither permitted nor excluded) is rejected; a name of a type with only excluded
//    constraints is allowed unless excluded. Otherwise a name must match one permitted
//    constraint of its type.
//  - DNS: "example.com" matches exactly that name; "*.example.com" matches exactly one more
//    label (not the apex, not deeper). Case-insensitive. Names are converted with
//    IdnaLookupToAscii first (so "Bücher.example.com" is "xn--bcher-kva.example.com"); names
//    that fail conversion, have a trailing dot or an empty label cannot be parsed. A literal
//    wildcard name ("*.example.com") only matches when allow_literal_wildcard_names is set.
//  - IP: addresses or CIDRs; IPv4-mapped IPv6 addresses are IPv4.
//  - Email: "user@host" matches that mailbox (local part byte-exact, but note step lower-cases
//    the whole constraint); "host" or "@host" matches any mailbox at exactly that host (no
//    subdomains; step rejects ".host" and "*.host" email constraints).
//  - URI: the constraint is a DNS-style domain matched against the URI's host (port ignored);
//    URIs without a host, with '*' in the host, or with an IP host cannot be matched.
//  - Principal (SSH): case-insensitive equality; "*" matches any principal.
//  - CN: checked against cn constraints first; if there are none, or they do not allow it, the
//    CN is classified (IP, URI, email, else DNS) and checked as that SAN type, and any
//    rejection is reported with type "cn".
// Deliberately reproduced step-ca quirks: a cn deny rule alone does not reject a CN that the
// SAN-type rules allow (the CN falls through to its SAN type); with only deny rules, literal
// wildcard names are allowed even without allow_literal_wildcard_names.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace cairn::policy {

// NameType is the kind of name a rule or a violation is about.
enum class NameType { kCommonName, kDns, kIp, kEmail, kUri, kPrincipal };

// NameTypeName returns step-ca's name for `type`: "cn", "dns", "ip", "email", "uri",
// "principal".
std::string_view NameTypeName(NameType type);

// NameOptions is one allow or deny list set, as written in configuration (unnormalised).
struct NameOptions {
  std::vector<std::string> common_names;     // "cn": literal, case-insensitive
  std::vector<std::string> dns_domains;      // "dns": "host.example.com" or "*.example.com"
  std::vector<std::string> ip_ranges;        // "ip": "10.0.0.1", "10.0.0.0/8", "2001:db8::/32"
  std::vector<std::string> email_addresses;  // "email": "u@example.com", "@example.com", ...
  std::vector<std::string> uri_domains;      // "uri": "example.com" or "*.example.com"
  std::vector<std::string> principals;       // "principal" (SSH): literal or "*"

  // HasNames reports whether any list is non-empty.
  bool HasNames() const;
};

// EngineOptions configures a NameEngine.
struct EngineOptions {
  NameOptions permitted;                      // "allow"
  NameOptions excluded;                       // "deny"
  bool allow_literal_wildcard_names = false;  // "allowWildcardNames"
  bool verify_subject_common_name = false;    // check X509Names::common_name too
};

// X509Names are the names of a certificate (or request) to check.
struct X509Names {
  std::string common_name;  // subject CN; empty means none (not checked)
  std::vector<std::string> dns;
  std::vector<std::string> ips;  // IP literals (any textual form)
  std::vector<std::string> emails;
  std::vector<std::string> uris;
};

// SshCertType is the type of an SSH certificate.
enum class SshCertType { kUser, kHost };

namespace internal {
struct EngineData;
}  // namespace internal

// NameEngine holds normalised allow/deny constraints and checks names against them.
// Immutable after Create; copies share state; all methods are thread-safe.
//
// Check* failures (first offending name wins; SANs are checked in the order DNS, IP, email,
// URI, principal, then the CN), messages as step-ca's NamePolicyError:
//  - kPermissionDenied: `dns name "x.example.org" not allowed` (also "cn", "ip", "email",
//    "uri", "principal"), public message "The request was forbidden by the certificate
//    authority: <message>" (what step-ca returns with HTTP 403).
//  - kInvalidArgument: the name cannot be evaluated: `cannot parse dns domain "a..b"`,
//    `cannot parse email rfc822Name "x"`, `error matching uri name "urn:x" to constraint`, or
//    (ours) `cannot parse ip name "x"` for text that is not an IP / URI. step-ca turns these
//    into HTTP 500 ("error creating certificate") at authority level.
class NameEngine {
 public:
  // NameEngine() has no constraint and allows everything.
  NameEngine();

  // Create validates and normalises `options`. Fails with kInvalidArgument naming the bad
  // entry with step-ca's wording, e.g. `cannot parse permitted domain constraint "*": ...`,
  // `cannot parse excluded constraint "10.0.0.0/33" as IP nor CIDR`.
  static Result<NameEngine> Create(const EngineOptions& options);

  // empty reports whether there is no constraint at all (everything is allowed).
  bool empty() const;

  // CheckX509 checks the SANs, then (when verify_subject_common_name) the CN; step-ca's
  // IsX509CertificateAllowed.
  Status CheckX509(const X509Names& names) const;

  // CheckSans classifies free-form names (as step's x509util.SplitSANs) and checks them, with
  // no CN; step-ca's AreSANsAllowed (used for ACME identifiers).
  Status CheckSans(const std::vector<std::string>& sans) const;

  // CheckSshPrincipals checks SSH certificate principals; step-ca's IsSSHCertificateAllowed.
  // Host principals are classified as DNS names, IPs or emails (URIs are refused); user
  // principals are emails when they contain '@', else principals (IPs and URIs are refused,
  // kInvalidArgument `IP principals [1.2.3.4] not expected in SSH user certificate `).
  Status CheckSshPrincipals(SshCertType type, const std::vector<std::string>& principals) const;

 private:
  explicit NameEngine(std::shared_ptr<const internal::EngineData> data);
  std::shared_ptr<const internal::EngineData> data_;
};

}  // namespace cairn::policy
