#include "config/claims.h"

#include "base/duration.h"
#include "config/internal/json_util.h"

namespace cairn::config {
namespace {

using internal::FindField;
using internal::JoinWhere;
using internal::OJson;

Status ReadDuration(const OJson& obj, std::string_view key, const std::string& where,
                    std::optional<Duration>* out) {
  const OJson* v = FindField(obj, key);
  if (!v || v->is_null()) return Status();
  const std::string field = JoinWhere(where, key);
  if (v->is_string()) {
    auto d = ParseGoDuration(v->get<std::string>());
    if (!d.ok()) return InvalidArgumentError(field + ": " + d.status().message());
    *out = *d;
    return Status();
  }
  // step-ca's Duration also accepts a JSON integer, in nanoseconds.
  if (v->is_number_integer()) {
    *out = Duration(v->get<int64_t>());
    return Status();
  }
  return InvalidArgumentError(field + " must be a duration string such as \"24h\"");
}

Status ReadOptionalBool(const OJson& obj, std::string_view key, const std::string& where,
                        std::optional<bool>* out) {
  const OJson* v = FindField(obj, key);
  if (!v || v->is_null()) return Status();
  if (!v->is_boolean()) {
    return InvalidArgumentError(JoinWhere(where, key) + " must be true or false");
  }
  *out = v->get<bool>();
  return Status();
}

// Triple merges one min/max/default group (step-ca Claimer.{Min,Max,Default}*CertDuration).
void Triple(const std::optional<Duration>& in_min, const std::optional<Duration>& in_max,
            const std::optional<Duration>& in_def, Duration out_min, Duration out_max,
            Duration out_def, Duration* min, Duration* max, Duration* def) {
  *def = in_def.value_or(out_def);
  if (in_min) {
    *min = *in_min;
  } else if (in_def && *in_def < out_min) {
    *min = *in_def;
  } else {
    *min = out_min;
  }
  if (in_max) {
    *max = *in_max;
  } else if (in_def && *in_def > out_max) {
    *max = *in_def;
  } else {
    *max = out_max;
  }
}

}  // namespace

Result<Claims> ParseClaims(const OJson& j, const std::string& where) {
  Claims c;
  if (j.is_null()) return c;
  if (!j.is_object()) return InvalidArgumentError(where + " must be an object");
  CAIRN_RETURN_IF_ERROR(ReadDuration(j, "minTLSCertDuration", where, &c.min_tls_cert_duration));
  CAIRN_RETURN_IF_ERROR(ReadDuration(j, "maxTLSCertDuration", where, &c.max_tls_cert_duration));
  CAIRN_RETURN_IF_ERROR(
      ReadDuration(j, "defaultTLSCertDuration", where, &c.default_tls_cert_duration));
  CAIRN_RETURN_IF_ERROR(
      ReadDuration(j, "minUserSSHCertDuration", where, &c.min_user_ssh_cert_duration));
  CAIRN_RETURN_IF_ERROR(
      ReadDuration(j, "maxUserSSHCertDuration", where, &c.max_user_ssh_cert_duration));
  CAIRN_RETURN_IF_ERROR(
      ReadDuration(j, "defaultUserSSHCertDuration", where, &c.default_user_ssh_cert_duration));
  CAIRN_RETURN_IF_ERROR(
      ReadDuration(j, "minHostSSHCertDuration", where, &c.min_host_ssh_cert_duration));
  CAIRN_RETURN_IF_ERROR(
      ReadDuration(j, "maxHostSSHCertDuration", where, &c.max_host_ssh_cert_duration));
  CAIRN_RETURN_IF_ERROR(
      ReadDuration(j, "defaultHostSSHCertDuration", where, &c.default_host_ssh_cert_duration));
  CAIRN_RETURN_IF_ERROR(ReadOptionalBool(j, "enableSSHCA", where, &c.enable_ssh_ca));
  CAIRN_RETURN_IF_ERROR(ReadOptionalBool(j, "disableRenewal", where, &c.disable_renewal));
  CAIRN_RETURN_IF_ERROR(
      ReadOptionalBool(j, "allowRenewalAfterExpiry", where, &c.allow_renewal_after_expiry));
  CAIRN_RETURN_IF_ERROR(
      ReadOptionalBool(j, "disableSmallstepExtensions", where, &c.disable_smallstep_extensions));
  return c;
}

EffectiveClaims BuiltinClaims() {
  using std::chrono::hours;
  using std::chrono::minutes;
  EffectiveClaims c;
  c.min_tls_cert_duration = minutes(5);
  c.max_tls_cert_duration = hours(24);
  c.default_tls_cert_duration = hours(24);
  c.min_user_ssh_cert_duration = minutes(5);
  c.max_user_ssh_cert_duration = hours(24);
  c.default_user_ssh_cert_duration = hours(16);
  c.min_host_ssh_cert_duration = minutes(5);
  c.max_host_ssh_cert_duration = hours(30 * 24);
  c.default_host_ssh_cert_duration = hours(30 * 24);
  return c;
}

EffectiveClaims MergeClaims(const Claims& in, const EffectiveClaims& out) {
  EffectiveClaims r;
  Triple(in.min_tls_cert_duration, in.max_tls_cert_duration, in.default_tls_cert_duration,
         out.min_tls_cert_duration, out.max_tls_cert_duration, out.default_tls_cert_duration,
         &r.min_tls_cert_duration, &r.max_tls_cert_duration, &r.default_tls_cert_duration);
  Triple(in.min_user_ssh_cert_duration, in.max_user_ssh_cert_duration,
         in.default_user_ssh_cert_duration, out.min_user_ssh_cert_duration,
         out.max_user_ssh_cert_duration, out.default_user_ssh_cert_duration,
         &r.min_user_ssh_cert_duration, &r.max_user_ssh_cert_duration,
         &r.default_user_ssh_cert_duration);
  Triple(in.min_host_ssh_cert_duration, in.max_host_ssh_cert_duration,
         in.default_host_ssh_cert_duration, out.min_host_ssh_cert_duration,
         out.max_host_ssh_cert_duration, out.default_host_ssh_cert_duration,
         &r.min_host_ssh_cert_duration, &r.max_host_ssh_cert_duration,
         &r.default_host_ssh_cert_duration);
  r.enable_ssh_ca = in.enable_ssh_ca.value_or(out.enable_ssh_ca);
  r.disable_renewal = in.disable_renewal.value_or(out.disable_renewal);
  r.allow_renewal_after_expiry =
      in.allow_renewal_after_expiry.value_or(out.allow_renewal_after_expiry);
  r.disable_smallstep_extensions =
      in.disable_smallstep_extensions.value_or(out.disable_smallstep_extensions);
  return r;
}

EffectiveClaims ResolveClaims(const Claims& provisioner, const Claims& authority) {
  return MergeClaims(provisioner, MergeClaims(authority, BuiltinClaims()));
}

Status ValidateClaims(const EffectiveClaims& c) {
  const Duration min = c.min_tls_cert_duration, max = c.max_tls_cert_duration,
                 def = c.default_tls_cert_duration;
  auto fmt = [](Duration d) { return FormatGoDuration(d); };
  if (min <= Duration::zero()) {
    return InvalidArgumentError("claims: minTLSCertDuration must be greater than 0");
  }
  if (max <= Duration::zero()) {
    return InvalidArgumentError("claims: maxTLSCertDuration must be greater than 0");
  }
  if (def <= Duration::zero()) {
    return InvalidArgumentError("claims: defaultTLSCertDuration must be greater than 0");
  }
  if (max < min) {
    return InvalidArgumentError("claims: maxTLSCertDuration (" + fmt(max) +
                                ") cannot be less than minTLSCertDuration (" + fmt(min) + ")");
  }
  if (def < min) {
    return InvalidArgumentError("claims: defaultTLSCertDuration (" + fmt(def) +
                                ") cannot be less than minTLSCertDuration (" + fmt(min) + ")");
  }
  if (max < def) {
    return InvalidArgumentError("claims: maxTLSCertDuration (" + fmt(max) +
                                ") cannot be less than defaultTLSCertDuration (" + fmt(def) + ")");
  }
  return Status();
}

}  // namespace cairn::config
