// Checks shared by the issuance paths (step-ca's validators, stepca.md §2.4, §6, §6.5, §7).

#include "authority/internal/sign_util.h"

#include <algorithm>
#include <set>

#include "base/duration.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "store/store.h"
#include "templates/x509_template.h"

namespace cairn::authority::internal {

namespace {
constexpr int kMinRsaBits = 2048;
}  // namespace

Status BadRequest(std::string detail) {
  return InvalidArgumentError(detail).WithPublicMessage(detail);
}
std::string TokenHash(std::string_view token) { return HexEncode(crypto::Sha256(token)); }

Status Forbidden(std::string detail) {
  return PermissionDeniedError(detail).WithPublicMessage(detail);
}

// CheckPublicKey is step-ca's defaultPublicKeyValidator.
Status CheckPublicKey(const crypto::PublicKey& key) {
  switch (key.type()) {
    case crypto::KeyType::kRsa:
      if (key.bits() < kMinRsaBits) {
        return Forbidden("certificate request RSA key must be at least 2048 bits (256 bytes)");
      }
      return Status();
    case crypto::KeyType::kEcP256:
    case crypto::KeyType::kEcP384:
    case crypto::KeyType::kEcP521:
    case crypto::KeyType::kEd25519:
      return Status();
    default:
      break;
  }
  return BadRequest("certificate request key of type '" + key.Describe() + "' is not supported");
}

namespace {
// SameSet compares two name lists as sets.
bool SameSet(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return std::set<std::string>(a.begin(), a.end()) == std::set<std::string>(b.begin(), b.end());
}
}  // namespace

// CheckSans is step-ca's defaultSANsValidator: for each SAN type the CSR lists, the set must
// equal the token's.
Status CheckSans(const pki::CertificateRequest& csr, const pki::SubjectAltNames& want) {
  struct Kind {
    const char* what;
    std::vector<std::string> got;
    const std::vector<std::string>& want;
  };
  Kind kinds[] = {{"DNS names", csr.dns_names(), want.dns},
                  {"email addresses", csr.email_addresses(), want.emails},
                  {"IP addresses", csr.ip_addresses(), want.ips},
                  {"URIs", csr.uris(), want.uris}};
  for (const Kind& k : kinds) {
    if (!k.got.empty() && !SameSet(k.got, k.want)) {
      return Forbidden(std::string("certificate request does not contain the valid ") + k.what +
                       " - got [" + Join(k.got, " ") + "], want [" + Join(k.want, " ") + "]");
    }
  }
  return Status();
}

// CheckNameBounds: the store refuses longer texts after the signature was made; refuse them
// here, before it is.
Status CheckNameBounds(const pki::CertificateTemplate& tmpl) {
  const size_t count = tmpl.sans.size() + tmpl.other_sans.size();
  if (count > templates::kMaxTemplateSans) {
    return BadRequest("the certificate would have " + std::to_string(count) +
                      " subject alternative names, more than " +
                      std::to_string(templates::kMaxTemplateSans));
  }
  auto too_long = [](const std::string& v) { return v.size() > store::kMaxTextField; };
  const std::string limit = std::to_string(store::kMaxTextField) + " bytes";
  for (const auto* list : {&tmpl.sans.dns, &tmpl.sans.emails, &tmpl.sans.uris, &tmpl.sans.ips}) {
    if (std::any_of(list->begin(), list->end(), too_long)) {
      return BadRequest("a subject alternative name is longer than " + limit);
    }
  }
  const pki::Name& n = tmpl.subject;
  bool long_subject = too_long(n.common_name) || too_long(n.serial_number);
  for (const auto* list : {&n.country, &n.organization, &n.organizational_unit, &n.locality,
                           &n.province, &n.street_address, &n.postal_code}) {
    long_subject = long_subject || std::any_of(list->begin(), list->end(), too_long);
  }
  for (const auto& [oid, value] : n.extra_names) long_subject = long_subject || too_long(value);
  if (long_subject) return BadRequest("a subject attribute is longer than " + limit);
  return Status();
}

// ApplyDefaultSubject fills empty subject fields from ca.json's authority.template.
void ApplyDefaultSubject(const nlohmann::json& tmpl, pki::Name& name) {
  if (!tmpl.is_object()) return;
  auto list = [&](const char* key, std::vector<std::string>& out) {
    if (!out.empty()) return;
    auto it = tmpl.find(key);
    if (it == tmpl.end()) return;
    if (it->is_string()) out.push_back(it->get<std::string>());
    if (it->is_array()) {
      for (const auto& v : *it) {
        if (v.is_string()) out.push_back(v.get<std::string>());
      }
    }
  };
  list("country", name.country);
  list("organization", name.organization);
  list("organizationalUnit", name.organizational_unit);
  list("locality", name.locality);
  list("province", name.province);
  list("streetAddress", name.street_address);
  list("postalCode", name.postal_code);
  if (name.serial_number.empty() && tmpl.value("serialNumber", nlohmann::json()).is_string()) {
    name.serial_number = tmpl["serialNumber"].get<std::string>();
  }
  if (name.common_name.empty() && tmpl.value("commonName", nlohmann::json()).is_string()) {
    name.common_name = tmpl["commonName"].get<std::string>();
  }
}

// CheckValidity is step-ca's validityValidator.
Status CheckValidity(Time nb, Time na, Time now, const config::EffectiveClaims& claims,
                     Duration backdate) {
  nb = TruncateToSeconds(nb);
  na = TruncateToSeconds(na);
  now = TruncateToSeconds(now);
  if (na < now) return BadRequest("notAfter cannot be in the past; na=" + FormatRfc3339(na));
  if (na < nb) {
    return BadRequest("notAfter cannot be before notBefore; na=" + FormatRfc3339(na) +
                      ", nb=" + FormatRfc3339(nb));
  }
  Duration d = na - nb;
  if (d < claims.min_tls_cert_duration) {
    return Forbidden("requested duration of " + FormatGoDuration(d) +
                     " is less than the authorized minimum certificate duration of " +
                     FormatGoDuration(claims.min_tls_cert_duration));
  }
  if (d > claims.max_tls_cert_duration + backdate) {
    return Forbidden("requested duration of " + FormatGoDuration(d) +
                     " is more than the authorized maximum certificate duration of " +
                     FormatGoDuration(claims.max_tls_cert_duration + backdate));
  }
  return Status();
}

Status CheckSshDuration(bool user, Duration life, const config::EffectiveClaims& claims,
                        Duration backdate) {
  const Duration min = user ? claims.min_user_ssh_cert_duration : claims.min_host_ssh_cert_duration;
  const Duration max = user ? claims.max_user_ssh_cert_duration : claims.max_host_ssh_cert_duration;
  if (life < min) {
    return Forbidden("requested duration of " + FormatGoDuration(life) +
                     " is less than minimum accepted duration for selected provisioner of " +
                     FormatGoDuration(min));
  }
  if (life > max + backdate) {
    return Forbidden("requested duration of " + FormatGoDuration(life) +
                     " is greater than maximum accepted duration for selected provisioner of " +
                     FormatGoDuration(max + backdate));
  }
  return Status();
}

}  // namespace cairn::authority::internal
