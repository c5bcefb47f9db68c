#include "client/provisioners.h"

#include <array>
#include <utility>

#include "base/strings.h"

namespace cairn::client {
namespace {

// kTypes are step's spellings of the provisioner types; ca.json matches them ignoring case.
constexpr std::array<std::string_view, 11> kTypes = {
    "JWK", "OIDC", "GCP", "AWS", "Azure", "ACME", "X5C", "K8sSA", "SSHPOP", "SCEP", "Nebula"};

std::string StringMember(const nlohmann::json& o, const char* name) {
  auto it = o.find(name);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string ProvisionerInfo::Label() const {
  std::string label = name + " (" + type + ")";
  if (type == "JWK") return label + " [kid: " + kid + "]";
  if (type == "OIDC") return label + " [client: " + client_id + "]";
  if (type == "Azure") return label + " [tenant: " + tenant_id + "]";
  return label;
}

std::vector<ProvisionerInfo> ParseProvisioners(const std::vector<nlohmann::json>& objects) {
  std::vector<ProvisionerInfo> out;
  for (const auto& o : objects) {
    if (!o.is_object()) continue;
    std::string type = StringMember(o, "type");
    ProvisionerInfo p;
    for (std::string_view t : kTypes) {
      if (EqualsIgnoreCase(type, t)) p.type = std::string(t);
    }
    p.name = StringMember(o, "name");
    if (p.type.empty() || p.name.empty()) continue;
    if (p.type == "JWK") {
      auto key = o.find("key");
      if (key == o.end() || !key->is_object()) continue;
      p.key = *key;
      p.kid = StringMember(*key, "kid");
      p.encrypted_key = StringMember(o, "encryptedKey");
    } else if (p.type == "OIDC") {
      p.client_id = StringMember(o, "clientID");
    } else if (p.type == "Azure") {
      p.tenant_id = StringMember(o, "tenantID");
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<ProvisionerInfo>> FilterProvisioners(std::vector<ProvisionerInfo> list,
                                                        std::string_view name, std::string_view kid,
                                                        std::string_view name_flag) {
  if (list.empty()) {
    return NotFoundError(
        "cannot create a new token: the CA does not have any provisioner configured");
  }
  if (!kid.empty()) {
    std::vector<ProvisionerInfo> kept;
    for (auto& p : list) {
      if ((p.type == "JWK" && p.kid == kid) || (p.type == "OIDC" && p.client_id == kid)) {
        kept.push_back(std::move(p));
      }
    }
    if (kept.empty()) {
      return InvalidArgumentError("invalid value '" + std::string(kid) + "' for flag '--kid'");
    }
    list = std::move(kept);
  }
  if (!name.empty()) {
    std::vector<ProvisionerInfo> kept;
    for (auto& p : list) {
      if (p.name == name) kept.push_back(std::move(p));
    }
    if (kept.empty()) {
      return InvalidArgumentError("invalid value '" + std::string(name) + "' for flag '--" +
                                  std::string(name_flag) + "'");
    }
    list = std::move(kept);
  }
  return list;
}

}  // namespace cairn::client
