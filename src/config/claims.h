#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"

namespace cairn::config {

// Claims are the duration and behaviour limits a provisioner (or the whole authority, in
// `authority.claims`) may set in ca.json. Every field is optional: an unset field falls back
// to the authority's value, then to the built-in default (see ResolveClaims). JSON names:
// minTLSCertDuration, maxTLSCertDuration, defaultTLSCertDuration,
// min/max/defaultUserSSHCertDuration, min/max/defaultHostSSHCertDuration, enableSSHCA,
// disableRenewal, allowRenewalAfterExpiry, disableSmallstepExtensions. Durations are Go duration
// strings ("24h", "5m0s") or integers (nanoseconds), as step-ca accepts.
struct Claims {
  std::optional<Duration> min_tls_cert_duration;
  std::optional<Duration> max_tls_cert_duration;
  std::optional<Duration> default_tls_cert_duration;
  std::optional<Duration> min_user_ssh_cert_duration;
  std::optional<Duration> max_user_ssh_cert_duration;
  std::optional<Duration> default_user_ssh_cert_duration;
  std::optional<Duration> min_host_ssh_cert_duration;
  std::optional<Duration> max_host_ssh_cert_duration;
  std::optional<Duration> default_host_ssh_cert_duration;
  std::optional<bool> enable_ssh_ca;
  std::optional<bool> disable_renewal;
  std::optional<bool> allow_renewal_after_expiry;
  std::optional<bool> disable_smallstep_extensions;

  friend bool operator==(const Claims&, const Claims&) = default;
};

// EffectiveClaims are Claims with every field decided.
struct EffectiveClaims {
  Duration min_tls_cert_duration{};
  Duration max_tls_cert_duration{};
  Duration default_tls_cert_duration{};
  Duration min_user_ssh_cert_duration{};
  Duration max_user_ssh_cert_duration{};
  Duration default_user_ssh_cert_duration{};
  Duration min_host_ssh_cert_duration{};
  Duration max_host_ssh_cert_duration{};
  Duration default_host_ssh_cert_duration{};
  bool enable_ssh_ca = false;
  bool disable_renewal = false;
  bool allow_renewal_after_expiry = false;
  bool disable_smallstep_extensions = false;

  friend bool operator==(const EffectiveClaims&, const EffectiveClaims&) = default;
};

// ParseClaims reads a `claims` object. A null `j` (absent claims) gives all-unset Claims.
// Unknown keys are ignored (and kept by the caller's raw JSON). Keys match exactly or, like
// Go's encoding/json, ignoring case. Fails with kInvalidArgument naming `where` and the key
// for a non-object, a bad duration (e.g. "1d": Go has no day unit) or a non-boolean flag.
Result<Claims> ParseClaims(const nlohmann::ordered_json& j, const std::string& where = "claims");

// BuiltinClaims are step-ca's global defaults: TLS 5m/24h/24h, user SSH 5m/24h/16h, host SSH
// 5m/720h/720h (min/max/default), every flag false.
EffectiveClaims BuiltinClaims();

// MergeClaims fills the unset fields of `inner` from `outer`, exactly as step-ca's Claimer
// does: a field set in `inner` wins; an unset min (max) is `outer`'s, except that when `inner`
// sets a default below `outer`'s min (above `outer`'s max) that default becomes the min (max),
// so overriding only the default never produces an inconsistent triple.
EffectiveClaims MergeClaims(const Claims& inner, const EffectiveClaims& outer);

// ResolveClaims applies step-ca's precedence: provisioner claim, then `authority.claims`, then
// the built-in default — MergeClaims(provisioner, MergeClaims(authority, BuiltinClaims())).
// The result may be inconsistent (e.g. min > max); check it with ValidateClaims.
EffectiveClaims ResolveClaims(const Claims& provisioner, const Claims& authority);

// ValidateClaims applies step-ca's checks of resolved TLS claims: min, max and default must
// be > 0 and min <= default <= max. (step-ca does not check the SSH triples at load time;
// neither do we, so configs step-ca accepts keep loading.) Fails with kInvalidArgument.
Status ValidateClaims(const EffectiveClaims& c);

}  // namespace cairn::config
