#include "provisioner/acme/acme_provisioner.h"

#include <algorithm>

#include "base/duration.h"
#include "base/strings.h"
#include "webhook/webhook.h"

namespace cairn::provisioner {
namespace {

Result<bool> BoolField(const nlohmann::ordered_json& raw, const char* key,
                       const std::string& name) {
  auto it = raw.find(key);
  if (it == raw.end() || it->is_null()) return false;
  if (!it->is_boolean()) {
    return InvalidArgumentError("provisioner '" + name + "': " + key + " must be a boolean");
  }
  return it->get<bool>();
}

Result<std::string> StringField(const nlohmann::ordered_json& raw, const char* key,
                                const std::string& name) {
  auto it = raw.find(key);
  if (it == raw.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return InvalidArgumentError("provisioner '" + name + "': " + key + " must be a string");
  }
  return it->get<std::string>();
}

Result<std::vector<std::string>> StringListField(const nlohmann::ordered_json& raw, const char* key,
                                                 const std::string& name) {
  std::vector<std::string> out;
  auto it = raw.find(key);
  if (it == raw.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return InvalidArgumentError("provisioner '" + name + "': " + key +
                                " must be a list of strings");
  }
  for (const auto& v : *it) {
    if (!v.is_string()) {
      return InvalidArgumentError("provisioner '" + name + "': " + key +
                                  " must be a list of strings");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<RateLimit> ParseRateLimit(const nlohmann::ordered_json& j, const std::string& where) {
  RateLimit out;
  if (j.is_null()) return out;
  if (!j.is_object()) {
    return InvalidArgumentError(where + " must be {\"limit\": n, \"window\": \"1h\"}");
  }
  auto limit = j.find("limit");
  auto window = j.find("window");
  if (limit == j.end() || !limit->is_number_integer() || limit->get<int64_t>() < 0 ||
      limit->get<int64_t>() > 1000000000) {
    return InvalidArgumentError(where + ".limit must be a non-negative integer");
  }
  if (window == j.end() || !window->is_string()) {
    return InvalidArgumentError(where + ".window must be a duration such as \"1h\"");
  }
  auto d = ParseGoDuration(window->get<std::string>());
  if (!d.ok() || *d <= Duration::zero()) {
    return InvalidArgumentError(where + ".window must be a positive duration such as \"1h\"");
  }
  out.limit = static_cast<int>(limit->get<int64_t>());
  out.window = *d;
  return out;
}

Result<AcmeRateLimits> ParseRateLimits(const nlohmann::ordered_json& raw, const std::string& name) {
  AcmeRateLimits out;
  auto it = raw.find("rateLimits");
  if (it == raw.end() || it->is_null()) return out;
  const std::string where = "provisioner '" + name + "': rateLimits";
  if (!it->is_object()) return InvalidArgumentError(where + " must be an object");
  for (const auto& [key, value] : it->items()) {
    RateLimit* target = key == "requestsPerIp"         ? &out.requests_per_ip
                        : key == "newAccountsPerIp"    ? &out.new_accounts_per_ip
                        : key == "newOrdersPerAccount" ? &out.new_orders_per_account
                                                       : nullptr;
    if (target == nullptr) {
      return InvalidArgumentError(where + ": unknown limit \"" + key +
                                  "\" (use requestsPerIp, newAccountsPerIp, "
                                  "newOrdersPerAccount)");
    }
    CAIRN_ASSIGN_OR_RETURN(*target, ParseRateLimit(value, where + "." + key));
  }
  return out;
}

}  // namespace

std::string_view AcmeChallengeName(AcmeChallenge c) {
  switch (c) {
    case AcmeChallenge::kHttp01:
      return "http-01";
    case AcmeChallenge::kDns01:
      return "dns-01";
    case AcmeChallenge::kTlsAlpn01:
      return "tls-alpn-01";
    case AcmeChallenge::kDeviceAttest01:
      return "device-attest-01";
  }
  return "";
}

Result<std::unique_ptr<AcmeProvisioner>> AcmeProvisioner::Create(
    const config::ProvisionerConfig& config, const config::Claims& authority_claims) {
  const std::string& name = config.name;
  if (name.empty()) return InvalidArgumentError("provisioner name cannot be empty");
  auto p = std::unique_ptr<AcmeProvisioner>(new AcmeProvisioner());
  p->name_ = name;
  const auto& raw = config.raw;
  CAIRN_ASSIGN_OR_RETURN(p->id_, StringField(raw, "id", name));
  CAIRN_ASSIGN_OR_RETURN(p->force_cn_, BoolField(raw, "forceCN", name));
  CAIRN_ASSIGN_OR_RETURN(p->require_eab_, BoolField(raw, "requireEAB", name));
  CAIRN_ASSIGN_OR_RETURN(p->terms_of_service_, StringField(raw, "termsOfService", name));
  CAIRN_ASSIGN_OR_RETURN(p->website_, StringField(raw, "website", name));
  CAIRN_ASSIGN_OR_RETURN(p->caa_identities_, StringListField(raw, "caaIdentities", name));
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> challenges,
                         StringListField(raw, "challenges", name));
  for (const std::string& c : challenges) {
    AcmeChallenge parsed;
    if (EqualsIgnoreCase(c, "http-01")) {
      parsed = AcmeChallenge::kHttp01;
    } else if (EqualsIgnoreCase(c, "dns-01")) {
      parsed = AcmeChallenge::kDns01;
    } else if (EqualsIgnoreCase(c, "tls-alpn-01")) {
      parsed = AcmeChallenge::kTlsAlpn01;
    } else if (EqualsIgnoreCase(c, "device-attest-01")) {
      parsed = AcmeChallenge::kDeviceAttest01;
    } else {
      return InvalidArgumentError("provisioner '" + name + "': unsupported challenge type \"" + c +
                                  "\"");
    }
    if (std::find(p->challenges_.begin(), p->challenges_.end(), parsed) == p->challenges_.end()) {
      p->challenges_.push_back(parsed);
    }
  }
  CAIRN_ASSIGN_OR_RETURN(p->rate_limits_, ParseRateLimits(raw, name));
  if (p->challenges_.empty()) {
    p->challenges_ = {AcmeChallenge::kHttp01, AcmeChallenge::kDns01, AcmeChallenge::kTlsAlpn01};
  }
  p->config_json_ = raw;
  if (auto o = p->config_json_.find("options"); o != p->config_json_.end() && o->is_object()) {
    if (auto w = o->find("webhooks"); w != o->end()) webhook::RedactWebhookSecrets(*w);
  }
  p->claims_ = config::ResolveClaims(config.claims, authority_claims);
  return p;
}

bool AcmeProvisioner::Offers(AcmeChallenge c) const {
  return std::find(challenges_.begin(), challenges_.end(), c) != challenges_.end();
}

SignPlan AcmeProvisioner::PlanFor(const std::vector<std::string>& identifiers,
                                  std::string_view csr_cn) const {
  SignPlan plan;
  plan.sans = identifiers;
  plan.subject = std::string(csr_cn);
  if (plan.subject.empty() && force_cn_ && !identifiers.empty()) plan.subject = identifiers[0];
  plan.allowed_common_names = identifiers;
  plan.claims = claims_;
  plan.extension = Extension();
  plan.token_claims = nlohmann::json::object();
  return plan;
}

}  // namespace cairn::provisioner
