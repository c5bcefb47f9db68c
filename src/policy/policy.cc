#include "policy/policy.h"

#include <string_view>
#include <utility>

#include "base/strings.h"

namespace cairn::policy {
namespace {

using nlohmann::json;

// Field finds `key` in `obj` like Go's encoding/json: an exact match, else a case-insensitive
// one. Returns nullptr when absent.
const json* Field(const json& obj, std::string_view key) {
  if (auto it = obj.find(std::string(key)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (EqualsIgnoreCase(it.key(), key)) return &it.value();
  }
  return nullptr;
}

Status ReadList(const json& obj, std::string_view key, const std::string& path,
                std::vector<std::string>* out) {
  const json* v = Field(obj, key);
  if (v == nullptr || v->is_null()) return Status();
  const std::string where = path + "." + std::string(key);
  if (!v->is_array()) return InvalidArgumentError(where + " must be an array of strings");
  if (v->size() > kMaxRulesPerList) {
    return InvalidArgumentError(where + " has more than " + std::to_string(kMaxRulesPerList) +
                                " entries");
  }
  for (const json& item : *v) {
    if (!item.is_string()) return InvalidArgumentError(where + " must be an array of strings");
    const auto& s = item.get_ref<const std::string&>();
    if (s.size() > kMaxRuleLength) {
      return InvalidArgumentError(where + " has an entry longer than " +
                                  std::to_string(kMaxRuleLength) + " bytes");
    }
    out->push_back(s);
  }
  return Status();
}

enum class Kind { kX509, kSsh };

// ReadNameOptions reads an "allow" or "deny" object. X.509 lists are cn/dns/ip/email/uri; SSH
// lists are dns/ip/email/principal (other keys are ignored, as Go does).
Status ReadNameOptions(const json* v, const std::string& path, Kind kind, NameOptions* out) {
  if (v == nullptr || v->is_null()) return Status();
  if (!v->is_object()) return InvalidArgumentError(path + " must be an object");
  if (kind == Kind::kX509) {
    CAIRN_RETURN_IF_ERROR(ReadList(*v, "cn", path, &out->common_names));
    CAIRN_RETURN_IF_ERROR(ReadList(*v, "uri", path, &out->uri_domains));
  } else {
    CAIRN_RETURN_IF_ERROR(ReadList(*v, "principal", path, &out->principals));
  }
  CAIRN_RETURN_IF_ERROR(ReadList(*v, "dns", path, &out->dns_domains));
  CAIRN_RETURN_IF_ERROR(ReadList(*v, "ip", path, &out->ip_ranges));
  CAIRN_RETURN_IF_ERROR(ReadList(*v, "email", path, &out->email_addresses));
  return Status();
}

// ReadAllowDeny reads {"allow": {...}, "deny": {...}} at `path`.
Status ReadAllowDeny(const json* v, const std::string& path, Kind kind, NameOptions* allow,
                     NameOptions* deny) {
  if (v == nullptr || v->is_null()) return Status();
  if (!v->is_object()) return InvalidArgumentError(path + " must be an object");
  CAIRN_RETURN_IF_ERROR(ReadNameOptions(Field(*v, "allow"), path + ".allow", kind, allow));
  CAIRN_RETURN_IF_ERROR(ReadNameOptions(Field(*v, "deny"), path + ".deny", kind, deny));
  return Status();
}

// BuildEngine mirrors step's NewX509PolicyEngine / newSSHPolicyEngine: a side without names
// adds nothing; no names at all gives an empty engine.
Result<NameEngine> BuildEngine(const NameOptions& allow, const NameOptions& deny,
                               bool allow_wildcards, bool verify_cn, std::string_view context) {
  EngineOptions options;
  if (allow.HasNames()) options.permitted = allow;
  if (deny.HasNames()) options.excluded = deny;
  if (!allow.HasNames() && !deny.HasNames()) return NameEngine();
  options.allow_literal_wildcard_names = allow_wildcards;
  options.verify_subject_common_name = verify_cn;
  Result<NameEngine> engine = NameEngine::Create(options);
  if (!engine.ok()) return engine.status().Annotate(context);
  return engine;
}

NameOptions X509Only(NameOptions o) {
  o.principals.clear();
  return o;
}

NameOptions SshOnly(NameOptions o) {
  o.common_names.clear();
  o.uri_domains.clear();
  return o;
}

}  // namespace

Result<X509Policy> X509Policy::FromJson(const json& x509) {
  if (x509.is_null()) return X509Policy();
  if (!x509.is_object()) return InvalidArgumentError("x509 policy: must be an object");
  NameOptions allow, deny;
  Status s = ReadAllowDeny(&x509, "x509", Kind::kX509, &allow, &deny);
  if (!s.ok()) return s.Annotate("x509 policy");
  bool wildcards = false;
  if (const json* w = Field(x509, "allowWildcardNames"); w != nullptr && !w->is_null()) {
    if (!w->is_boolean()) {
      return InvalidArgumentError("x509 policy: x509.allowWildcardNames must be a boolean");
    }
    wildcards = w->get<bool>();
  }
  return FromOptions(allow, deny, wildcards);
}

Result<X509Policy> X509Policy::FromOptions(const NameOptions& allow, const NameOptions& deny,
                                           bool allow_wildcard_names) {
  CAIRN_ASSIGN_OR_RETURN(NameEngine engine,
                         BuildEngine(X509Only(allow), X509Only(deny), allow_wildcard_names,
                                     /*verify_cn=*/true, "x509 policy"));
  return X509Policy(std::move(engine));
}

Result<SshPolicy> SshPolicy::FromJson(const json& ssh) {
  if (ssh.is_null()) return SshPolicy();
  if (!ssh.is_object()) return InvalidArgumentError("ssh policy: must be an object");
  NameOptions user_allow, user_deny, host_allow, host_deny;
  Status s = ReadAllowDeny(Field(ssh, "user"), "ssh.user", Kind::kSsh, &user_allow, &user_deny);
  if (!s.ok()) return s.Annotate("ssh user policy");
  s = ReadAllowDeny(Field(ssh, "host"), "ssh.host", Kind::kSsh, &host_allow, &host_deny);
  if (!s.ok()) return s.Annotate("ssh host policy");
  return FromOptions(user_allow, user_deny, host_allow, host_deny);
}

Result<SshPolicy> SshPolicy::FromOptions(const NameOptions& user_allow,
                                         const NameOptions& user_deny,
                                         const NameOptions& host_allow,
                                         const NameOptions& host_deny) {
  SshPolicy p;
  CAIRN_ASSIGN_OR_RETURN(p.user_, BuildEngine(SshOnly(user_allow), SshOnly(user_deny), false, false,
                                              "ssh user policy"));
  CAIRN_ASSIGN_OR_RETURN(p.host_, BuildEngine(SshOnly(host_allow), SshOnly(host_deny), false, false,
                                              "ssh host policy"));
  return p;
}

Status SshPolicy::Check(SshCertType type, const std::vector<std::string>& principals) const {
  if (empty()) return Status();
  // step-ca: with rules for one certificate type only, the other type is not allowed at all.
  if (type == SshCertType::kHost) {
    if (host_.empty()) {
      return PermissionDeniedError(
          "authority not allowed to sign SSH host certificates when SSH user certificate "
          "policy is active");
    }
    return host_.CheckSshPrincipals(type, principals);
  }
  if (user_.empty()) {
    return PermissionDeniedError(
        "authority not allowed to sign SSH user certificates when SSH host certificate policy "
        "is active");
  }
  return user_.CheckSshPrincipals(type, principals);
}

Result<Policies> Policies::FromJson(const json& policy) {
  Policies out;
  if (policy.is_null()) return out;
  if (!policy.is_object()) return InvalidArgumentError("policy: must be an object");
  if (const json* x509 = Field(policy, "x509"); x509 != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(out.x509, X509Policy::FromJson(*x509));
  }
  if (const json* ssh = Field(policy, "ssh"); ssh != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(out.ssh, SshPolicy::FromJson(*ssh));
  }
  return out;
}

}  // namespace cairn::policy
