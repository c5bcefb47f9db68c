#pragma once

// Name policies as configured in ca.json ("policy" at authority level, and the same "x509" /
// "ssh" objects in provisioner options):
//
//   "policy": {
//     "x509": {"allow": {"cn": [], "dns": [], "ip": [], "email": [], "uri": []},
//              "deny":  {...same keys...},
//              "allowWildcardNames": false},
//     "ssh": {"user": {"allow": {"email": [], "principal": []}, "deny": {...}},
//             "host": {"allow": {"dns": [], "ip": [], "principal": []}, "deny": {...}}}
//   }
//
// Matching semantics are documented in policy/engine.h. JSON is read like Go's encoding/json
// reads step-ca's structs: unknown keys are ignored, keys match case-insensitively (an exact
// match wins), null means absent. The SSH user and host objects accept all four keys (dns, ip,
// email, principal), as step-ca's shared SSHNameOptions struct does.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "policy/engine.h"

namespace cairn::policy {

// Bounds on configuration input.
inline constexpr size_t kMaxRulesPerList = 4096;
inline constexpr size_t kMaxRuleLength = 1024;

// X509Policy is the X.509 name policy. A default-constructed (or all-empty) policy allows
// everything. Immutable; copies are cheap; thread-safe.
class X509Policy {
 public:
  X509Policy() = default;

  // FromJson parses the "x509" object. null yields the empty policy. Fails with
  // kInvalidArgument for wrong JSON types, oversized lists/entries, or a bad entry (bad CIDR,
  // bad domain, a lone "*", "*" inside a label, a leading '.', a scheme or port in a URI
  // domain, ...); the message names the list and quotes the entry, e.g.
  // `x509 policy: cannot parse permitted domain constraint "*": ...`.
  static Result<X509Policy> FromJson(const nlohmann::json& x509);

  // FromOptions builds a policy from lists already in memory (same validation as FromJson).
  // The subject CN is always verified, as step-ca does for configured policies.
  static Result<X509Policy> FromOptions(const NameOptions& allow, const NameOptions& deny,
                                        bool allow_wildcard_names);

  // empty reports whether no rule is configured (everything is allowed).
  bool empty() const { return engine_.empty(); }

  // Check checks a certificate's SANs and then its subject CN (see NameEngine::CheckX509 for
  // the failure codes and messages, e.g. kPermissionDenied `dns name "a.b.c" not allowed`).
  Status Check(const X509Names& names) const { return engine_.CheckX509(names); }

  // CheckSans checks free-form names (ACME identifiers), classified like step's SplitSANs.
  Status CheckSans(const std::vector<std::string>& sans) const { return engine_.CheckSans(sans); }

 private:
  explicit X509Policy(NameEngine engine) : engine_(std::move(engine)) {}
  NameEngine engine_;
};

// SshPolicy is the SSH name policy, with separate user and host rules. When only one of the two
// has rules, certificates of the other type are refused (step-ca's behaviour). Immutable;
// copies are cheap; thread-safe.
class SshPolicy {
 public:
  SshPolicy() = default;

  // FromJson parses the "ssh" object ({"user": {...}, "host": {...}}); null yields the empty
  // policy. Fails with kInvalidArgument like X509Policy::FromJson (prefix "ssh user policy: "
  // or "ssh host policy: ").
  static Result<SshPolicy> FromJson(const nlohmann::json& ssh);

  // FromOptions builds a policy from lists already in memory.
  static Result<SshPolicy> FromOptions(const NameOptions& user_allow, const NameOptions& user_deny,
                                       const NameOptions& host_allow, const NameOptions& host_deny);

  // empty reports whether neither user nor host rules exist.
  bool empty() const { return user_.empty() && host_.empty(); }

  // Check checks the principals of a certificate of `type`. Fails with kPermissionDenied when a
  // principal is not allowed (`principal name "root" not allowed`, `email name "a@b" not
  // allowed`, `dns name "h" not allowed`) or when only the other certificate type has rules
  // ("authority not allowed to sign SSH user certificates when SSH host certificate policy is
  // active"); kInvalidArgument for unusable principals (see NameEngine::CheckSshPrincipals).
  Status Check(SshCertType type, const std::vector<std::string>& principals) const;

  // CheckUser and CheckHost are Check for one certificate type.
  Status CheckUser(const std::vector<std::string>& principals) const {
    return Check(SshCertType::kUser, principals);
  }
  Status CheckHost(const std::vector<std::string>& principals) const {
    return Check(SshCertType::kHost, principals);
  }

 private:
  NameEngine user_;
  NameEngine host_;
};

// Policies is the whole "policy" object.
struct Policies {
  X509Policy x509;
  SshPolicy ssh;

  // FromJson parses {"x509": ..., "ssh": ...}; null yields no policy. Fails with
  // kInvalidArgument (see X509Policy::FromJson and SshPolicy::FromJson).
  static Result<Policies> FromJson(const nlohmann::json& policy);

  // empty reports whether neither X.509 nor SSH rules exist.
  bool empty() const { return x509.empty() && ssh.empty(); }
};

}  // namespace cairn::policy
