#pragma once

#include <memory>
#include <string>
#include <vector>

#include "provisioner/provisioner.h"

namespace cairn::provisioner {

// AcmeChallenge names a challenge type an ACME provisioner may offer.
enum class AcmeChallenge { kHttp01, kDns01, kTlsAlpn01, kDeviceAttest01 };

// AcmeChallengeName is the RFC name: "http-01", "dns-01", "tls-alpn-01", "device-attest-01".
std::string_view AcmeChallengeName(AcmeChallenge c);

// RateLimit is `limit` events per `window`, with bursts of up to `limit`. A zero limit means
// unlimited.
struct RateLimit {
  int limit = 0;
  Duration window{};
  bool enabled() const { return limit > 0 && window > Duration::zero(); }
};

// AcmeRateLimits are Cairn's ACME rate limits (beyond step-ca; all off by default), read from
// the provisioner's "rateLimits" object: {"requestsPerIp": {"limit": 600, "window": "1m"},
// "newAccountsPerIp": {...}, "newOrdersPerAccount": {...}}.
struct AcmeRateLimits {
  RateLimit requests_per_ip;
  RateLimit new_accounts_per_ip;
  RateLimit new_orders_per_account;
};

// AcmeProvisioner is an ACME provisioner of ca.json (stepca.md §3.1, §10): it authorizes
// certificates through the ACME protocol rather than a token. Its fields are step-ca's:
// `forceCN`, `requireEAB`, `challenges` (empty: http-01, dns-01, tls-alpn-01),
// `attestationFormats`, `termsOfService`, `website`, `caaIdentities`, plus the common
// `claims` and `options`. Immutable; thread-safe.
class AcmeProvisioner final : public Provisioner {
 public:
  // Create builds the provisioner from its ca.json object. Fails with kInvalidArgument for a
  // missing name, a challenge type that is not one of the four, or a field of the wrong type.
  static Result<std::unique_ptr<AcmeProvisioner>> Create(const config::ProvisionerConfig& config,
                                                         const config::Claims& authority_claims);

  Type type() const override { return Type::kAcme; }
  const std::string& name() const override { return name_; }
  // id is step-ca's: the explicit id, else "acme/<name>".
  std::string id() const override { return id_.empty() ? token_lookup_id() : id_; }
  std::string token_lookup_id() const override { return "acme/" + name_; }
  const nlohmann::ordered_json& config_json() const override { return config_json_; }
  const config::EffectiveClaims& claims() const override { return claims_; }
  // AuthorizeRenew lets /renew renew ACME certificates under the claims, as step-ca does.
  Status AuthorizeRenew(Time now, const pki::Certificate& cert) const override {
    return ClaimsAuthorizeRenew(claims_, now, cert);
  }

  bool force_cn() const { return force_cn_; }
  bool require_eab() const { return require_eab_; }
  // challenges are the challenge types the provisioner offers (never empty).
  const std::vector<AcmeChallenge>& challenges() const { return challenges_; }
  bool Offers(AcmeChallenge c) const;
  const std::string& terms_of_service() const { return terms_of_service_; }
  const std::string& website() const { return website_; }
  const std::vector<std::string>& caa_identities() const { return caa_identities_; }
  const AcmeRateLimits& rate_limits() const { return rate_limits_; }

  // PlanFor is the SignPlan of an ACME finalize: the certificate may carry exactly the order's
  // `identifiers` (DNS names lower-cased, IP addresses), its common name is the CSR's (or,
  // with forceCN and a CSR without one, the first identifier), within the claims.
  SignPlan PlanFor(const std::vector<std::string>& identifiers, std::string_view csr_cn) const;

 private:
  AcmeProvisioner() = default;

  std::string name_;
  std::string id_;
  bool force_cn_ = false;
  bool require_eab_ = false;
  std::vector<AcmeChallenge> challenges_;
  std::string terms_of_service_;
  std::string website_;
  std::vector<std::string> caa_identities_;
  AcmeRateLimits rate_limits_;
  nlohmann::ordered_json config_json_;
  config::EffectiveClaims claims_;
};

}  // namespace cairn::provisioner
