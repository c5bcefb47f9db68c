#include "config/config.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

#include "base/duration.h"
#include "base/file.h"
#include "base/strings.h"
#include "config/internal/json_util.h"

namespace cairn::config {
namespace {

using internal::FindField;
using internal::JoinWhere;
using internal::OJson;
using internal::ReadBool;
using internal::ReadString;
using internal::ReadStringList;

constexpr const char* kKnownCipherSuites[] = {
    // TLS 1.0 - 1.2 (Go crypto/tls names).
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    // TLS 1.3.
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    // Legacy aliases.
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
};

// SplitHostPort follows Go's net.SplitHostPort, which step-ca uses to check `address`:
// "host:port", "[v6]:port" and ":port" are fine; the port may even be empty ("host:").
Status SplitHostPort(std::string_view hp) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("invalid address \"" + std::string(hp) + "\": " + std::string(why));
  };
  size_t i = hp.rfind(':');
  if (i == std::string_view::npos) return bad("missing port in address");
  size_t j = 0, k = 0;
  if (!hp.empty() && hp[0] == '[') {
    size_t end = hp.find(']');
    if (end == std::string_view::npos) return bad("missing ']' in address");
    if (end + 1 == hp.size()) return bad("missing port in address");
    if (end + 1 != i) {
      return hp[end + 1] == ':' ? bad("too many colons in address")
                                : bad("missing port in address");
    }
    j = 1;
    k = end + 1;
  } else if (hp.substr(0, i).find(':') != std::string_view::npos) {
    return bad("too many colons in address");
  }
  if (hp.substr(j).find('[') != std::string_view::npos) return bad("unexpected '[' in address");
  if (hp.substr(k).find(']') != std::string_view::npos) return bad("unexpected ']' in address");
  return Status();
}

bool IsKnownTlsVersion(double v) { return v == 1.0 || v == 1.1 || v == 1.2 || v == 1.3; }

// FormatVersion renders a TLS version number for messages ("1.2").
std::string FormatVersion(double v) {
  std::string s = nlohmann::json(v).dump();
  return s;
}

Status ReadDurationField(const OJson& obj, std::string_view key, const std::string& where,
                         Duration* out) {
  const OJson* v = FindField(obj, key);
  if (!v || v->is_null()) return Status();
  if (v->is_string()) {
    auto d = ParseGoDuration(v->get<std::string>());
    if (!d.ok()) return InvalidArgumentError(JoinWhere(where, key) + ": " + d.status().message());
    *out = *d;
    return Status();
  }
  if (v->is_number_integer()) {
    *out = Duration(v->get<int64_t>());
    return Status();
  }
  return InvalidArgumentError(JoinWhere(where, key) + " must be a duration string such as \"1m\"");
}

Status ReadVersion(const OJson& obj, std::string_view key, const std::string& where, double* out) {
  const OJson* v = FindField(obj, key);
  if (!v || v->is_null()) return Status();
  if (!v->is_number()) {
    return InvalidArgumentError(JoinWhere(where, key) + " must be a number such as 1.2");
  }
  *out = v->get<double>();
  return Status();
}

// ObjectOrNull fetches obj[key] and checks that it is an object (or absent/null: nullptr).
Result<const OJson*> ObjectOrNull(const OJson& obj, std::string_view key,
                                  const std::string& where) {
  const OJson* v = FindField(obj, key);
  if (!v || v->is_null()) return static_cast<const OJson*>(nullptr);
  if (!v->is_object()) return InvalidArgumentError(JoinWhere(where, key) + " must be an object");
  return v;
}

std::string ProvisionerWhere(size_t i, const std::string& name) {
  std::string w = "authority.provisioners[" + std::to_string(i) + "]";
  if (!name.empty()) w += " (\"" + name + "\")";
  return w;
}

Result<ProvisionerConfig> ParseProvisioner(const OJson& obj, size_t index) {
  std::string where = ProvisionerWhere(index, "");
  if (!obj.is_object()) return InvalidArgumentError(where + " must be an object");
  ProvisionerConfig p;
  CAIRN_RETURN_IF_ERROR(ReadString(obj, "name", where, &p.name));
  where = ProvisionerWhere(index, p.name);
  CAIRN_RETURN_IF_ERROR(ReadString(obj, "type", where, &p.type));
  const OJson* claims = FindField(obj, "claims");
  CAIRN_ASSIGN_OR_RETURN(p.claims,
                         ParseClaims(claims ? *claims : OJson(), JoinWhere(where, "claims")));
  p.raw = obj;
  return p;
}

// ParseCairnBlock reads Cairn's own `cairn` block (step-ca ignores it). Unknown members of
// cairn.http are refused, so a misspelt limit does not silently keep its default.
Status ParseCairnBlock(const OJson& raw, CaConfig* c) {
  CAIRN_ASSIGN_OR_RETURN(const OJson* cairn, ObjectOrNull(raw, "cairn", ""));
  if (!cairn) return Status();
  CAIRN_ASSIGN_OR_RETURN(const OJson* http, ObjectOrNull(*cairn, "http", "cairn"));
  if (!http) return Status();
  static constexpr std::string_view kKnown[] = {"readTimeout", "writeTimeout", "idleTimeout",
                                                "maxConnections"};
  for (const auto& [key, value] : http->items()) {
    bool known = false;
    for (std::string_view k : kKnown) known = known || EqualsIgnoreCase(key, k);
    if (!known) {
      return InvalidArgumentError("cairn.http: unknown field \"" + key +
                                  "\" (known: readTimeout, writeTimeout, idleTimeout, "
                                  "maxConnections)");
    }
  }
  HttpLimitsConfig& h = c->http_limits;
  CAIRN_RETURN_IF_ERROR(ReadDurationField(*http, "readTimeout", "cairn.http", &h.read_timeout));
  CAIRN_RETURN_IF_ERROR(ReadDurationField(*http, "writeTimeout", "cairn.http", &h.write_timeout));
  CAIRN_RETURN_IF_ERROR(ReadDurationField(*http, "idleTimeout", "cairn.http", &h.idle_timeout));
  if (const OJson* n = FindField(*http, "maxConnections"); n && !n->is_null()) {
    if (!n->is_number_integer()) {
      return InvalidArgumentError("cairn.http.maxConnections must be an integer");
    }
    int64_t v = n->get<int64_t>();
    // Out-of-range values are Validate's to report; clamp so the int cannot overflow.
    h.max_connections =
        static_cast<int>(std::clamp<int64_t>(v, -1, int64_t{kMaxHttpConnections} + 1));
  }
  return Status();
}

Status ParseInto(const OJson& raw, CaConfig* c) {
  if (!raw.is_object()) return InvalidArgumentError("the document must be a JSON object");

  if (const OJson* r = FindField(raw, "root"); r && !r->is_null()) {
    if (r->is_string()) {
      c->roots = {r->get<std::string>()};
    } else if (!ReadStringList(raw, "root", "", &c->roots).ok()) {
      return InvalidArgumentError("root must be a string or an array of strings");
    }
  }
  CAIRN_RETURN_IF_ERROR(ReadStringList(raw, "federatedRoots", "", &c->federated_roots));
  CAIRN_RETURN_IF_ERROR(ReadString(raw, "crt", "", &c->crt));
  CAIRN_RETURN_IF_ERROR(ReadString(raw, "key", "", &c->key));
  CAIRN_RETURN_IF_ERROR(ReadString(raw, "address", "", &c->address));
  CAIRN_RETURN_IF_ERROR(ReadString(raw, "insecureAddress", "", &c->insecure_address));
  CAIRN_RETURN_IF_ERROR(ReadString(raw, "metricsAddress", "", &c->metrics_address));
  CAIRN_RETURN_IF_ERROR(ReadString(raw, "commonName", "", &c->common_name));
  if (c->common_name.empty()) c->common_name = "Step Online CA";
  CAIRN_RETURN_IF_ERROR(ReadString(raw, "password", "", &c->password));

  if (const OJson* d = FindField(raw, "dnsNames"); d && !d->is_null()) {
    CAIRN_RETURN_IF_ERROR(ReadStringList(raw, "dnsNames", "", &c->dns_names));
  } else {
    c->dns_names = {"localhost", "127.0.0.1", "::1"};
  }

  CAIRN_ASSIGN_OR_RETURN(const OJson* db, ObjectOrNull(raw, "db", ""));
  if (db) {
    DbConfig d;
    CAIRN_RETURN_IF_ERROR(ReadString(*db, "type", "db", &d.type));
    CAIRN_RETURN_IF_ERROR(ReadString(*db, "dataSource", "db", &d.data_source));
    CAIRN_RETURN_IF_ERROR(ReadString(*db, "database", "db", &d.database));
    c->db = std::move(d);
  }

  CAIRN_ASSIGN_OR_RETURN(const OJson* logger, ObjectOrNull(raw, "logger", ""));
  if (logger) {
    LoggerConfig l;
    CAIRN_RETURN_IF_ERROR(ReadString(*logger, "format", "logger", &l.format));
    CAIRN_RETURN_IF_ERROR(ReadString(*logger, "traceHeader", "logger", &l.trace_header));
    if (l.trace_header.empty()) l.trace_header = "X-Smallstep-Id";
    c->logger = std::move(l);
  }

  CAIRN_ASSIGN_OR_RETURN(const OJson* ssh, ObjectOrNull(raw, "ssh", ""));
  if (ssh) {
    SshConfig sc;
    CAIRN_RETURN_IF_ERROR(ReadString(*ssh, "hostKey", "ssh", &sc.host_key));
    CAIRN_RETURN_IF_ERROR(ReadString(*ssh, "userKey", "ssh", &sc.user_key));
    CAIRN_RETURN_IF_ERROR(ReadString(*ssh, "addUserPrincipal", "ssh", &sc.add_user_principal));
    if (sc.add_user_principal.empty()) sc.add_user_principal = "provisioner";
    CAIRN_RETURN_IF_ERROR(ReadString(*ssh, "addUserCommand", "ssh", &sc.add_user_command));
    if (sc.add_user_command.empty()) {
      sc.add_user_command = "sudo useradd -m <principal>; nc -q0 localhost 22";
    }
    if (const OJson* keys = FindField(*ssh, "keys"); keys && !keys->is_null()) {
      if (!keys->is_array()) return InvalidArgumentError("ssh.keys must be an array");
      for (const OJson& k : *keys) {
        if (!k.is_object()) return InvalidArgumentError("ssh.keys entries must be objects");
        SshKeyConfig kc;
        CAIRN_RETURN_IF_ERROR(ReadString(k, "type", "ssh.keys", &kc.type));
        CAIRN_RETURN_IF_ERROR(ReadBool(k, "federated", "ssh.keys", &kc.federated));
        if (const OJson* jwk = FindField(k, "key"); jwk && jwk->is_object()) {
          kc.key = nlohmann::json(*jwk);
        }
        sc.keys.push_back(std::move(kc));
      }
    }
    CAIRN_ASSIGN_OR_RETURN(const OJson* bastion, ObjectOrNull(*ssh, "bastion", "ssh"));
    if (bastion) sc.bastion = nlohmann::json(*bastion);
    c->ssh = std::move(sc);
  }
  CAIRN_ASSIGN_OR_RETURN(const OJson* templates, ObjectOrNull(raw, "templates", ""));
  if (templates) {
    CAIRN_ASSIGN_OR_RETURN(const OJson* tssh, ObjectOrNull(*templates, "ssh", "templates"));
    auto read_list = [&](const char* kind, std::vector<SshTemplateConfig>* out) -> Status {
      if (!tssh) return Status();
      const OJson* list = FindField(*tssh, kind);
      if (!list || list->is_null()) return Status();
      const std::string where = std::string("templates.ssh.") + kind;
      if (!list->is_array()) return InvalidArgumentError(where + " must be an array");
      for (const OJson& t : *list) {
        if (!t.is_object()) return InvalidArgumentError(where + " entries must be objects");
        SshTemplateConfig tc;
        CAIRN_RETURN_IF_ERROR(ReadString(t, "name", where, &tc.name));
        CAIRN_RETURN_IF_ERROR(ReadString(t, "type", where, &tc.type));
        CAIRN_RETURN_IF_ERROR(ReadString(t, "template", where, &tc.template_path));
        CAIRN_RETURN_IF_ERROR(ReadString(t, "path", where, &tc.path));
        CAIRN_RETURN_IF_ERROR(ReadString(t, "comment", where, &tc.comment));
        CAIRN_RETURN_IF_ERROR(ReadString(t, "content", where, &tc.content));
        CAIRN_RETURN_IF_ERROR(ReadStringList(t, "requires", where, &tc.requires_keys));
        out->push_back(std::move(tc));
      }
      return Status();
    };
    CAIRN_RETURN_IF_ERROR(read_list("user", &c->templates.ssh_user));
    CAIRN_RETURN_IF_ERROR(read_list("host", &c->templates.ssh_host));
    CAIRN_ASSIGN_OR_RETURN(const OJson* data, ObjectOrNull(*templates, "data", "templates"));
    if (data) c->templates.data = nlohmann::json(*data);
  }
  CAIRN_ASSIGN_OR_RETURN(const OJson* crl, ObjectOrNull(raw, "crl", ""));
  if (crl) {
    CAIRN_RETURN_IF_ERROR(ReadBool(*crl, "enabled", "crl", &c->crl.enabled));
    CAIRN_RETURN_IF_ERROR(ReadBool(*crl, "generateOnRevoke", "crl", &c->crl.generate_on_revoke));
    CAIRN_RETURN_IF_ERROR(ReadDurationField(*crl, "cacheDuration", "crl", &c->crl.cache_duration));
    CAIRN_RETURN_IF_ERROR(ReadDurationField(*crl, "renewPeriod", "crl", &c->crl.renew_period));
    CAIRN_RETURN_IF_ERROR(ReadString(*crl, "idpURL", "crl", &c->crl.idp_url));
    CAIRN_RETURN_IF_ERROR(ReadBool(*crl, "delta", "crl", &c->crl.delta));
  }
  CAIRN_ASSIGN_OR_RETURN(const OJson* ocsp, ObjectOrNull(raw, "ocsp", ""));
  if (ocsp) {
    CAIRN_RETURN_IF_ERROR(ReadBool(*ocsp, "enabled", "ocsp", &c->ocsp.enabled));
    CAIRN_RETURN_IF_ERROR(ReadString(*ocsp, "path", "ocsp", &c->ocsp.path));
    if (c->ocsp.path.empty()) c->ocsp.path = "/ocsp";
    CAIRN_RETURN_IF_ERROR(ReadDurationField(*ocsp, "lifetime", "ocsp", &c->ocsp.lifetime));
    CAIRN_RETURN_IF_ERROR(ReadBool(*ocsp, "delegated", "ocsp", &c->ocsp.delegated));
    CAIRN_RETURN_IF_ERROR(
        ReadDurationField(*ocsp, "responderLifetime", "ocsp", &c->ocsp.responder_lifetime));
    if (const OJson* n = FindField(*ocsp, "cacheSize"); n && !n->is_null()) {
      if (!n->is_number_integer() || n->get<int64_t>() < 0 || n->get<int64_t>() > 10000000) {
        return InvalidArgumentError("ocsp.cacheSize must be an integer between 0 and 10000000");
      }
      c->ocsp.cache_size = static_cast<int>(n->get<int64_t>());
    }
    CAIRN_RETURN_IF_ERROR(ReadString(*ocsp, "url", "ocsp", &c->ocsp.url));
  }

  CAIRN_ASSIGN_OR_RETURN(const OJson* tls, ObjectOrNull(raw, "tls", ""));
  if (tls) {
    double min = 0, max = 0;
    CAIRN_RETURN_IF_ERROR(ReadStringList(*tls, "cipherSuites", "tls", &c->tls.cipher_suites));
    CAIRN_RETURN_IF_ERROR(ReadVersion(*tls, "minVersion", "tls", &min));
    CAIRN_RETURN_IF_ERROR(ReadVersion(*tls, "maxVersion", "tls", &max));
    CAIRN_RETURN_IF_ERROR(ReadBool(*tls, "renegotiation", "tls", &c->tls.renegotiation));
    // 0 (or absent) means "the default", as in step-ca's Config.Validate.
    if (max != 0) c->tls.max_version = max;
    if (min != 0) c->tls.min_version = min;
  }
  if (c->tls.cipher_suites.empty()) {
    c->tls.cipher_suites.assign(std::begin(kDefaultCipherSuites), std::end(kDefaultCipherSuites));
  }

  CAIRN_ASSIGN_OR_RETURN(const OJson* auth, ObjectOrNull(raw, "authority", ""));
  if (auth) {
    const std::string w = "authority";
    CAIRN_RETURN_IF_ERROR(ReadString(*auth, "type", w, &c->authority_type));
    const OJson* claims = FindField(*auth, "claims");
    CAIRN_ASSIGN_OR_RETURN(c->authority_claims,
                           ParseClaims(claims ? *claims : OJson(), "authority.claims"));
    CAIRN_RETURN_IF_ERROR(ReadDurationField(*auth, "backdate", w, &c->backdate));
    CAIRN_RETURN_IF_ERROR(ReadBool(*auth, "disableIssuedAtCheck", w, &c->disable_issued_at_check));
    CAIRN_RETURN_IF_ERROR(ReadBool(*auth, "disableGetSSHHosts", w, &c->disable_get_ssh_hosts));
    CAIRN_RETURN_IF_ERROR(ReadBool(*auth, "enableAdmin", w, &c->enable_admin));
    CAIRN_ASSIGN_OR_RETURN(const OJson* tmpl, ObjectOrNull(*auth, "template", w));
    if (tmpl) c->authority_template = nlohmann::json(*tmpl);
    if (const OJson* list = FindField(*auth, "provisioners"); list && !list->is_null()) {
      if (!list->is_array()) {
        return InvalidArgumentError("authority.provisioners must be an array");
      }
      for (size_t i = 0; i < list->size(); ++i) {
        CAIRN_ASSIGN_OR_RETURN(ProvisionerConfig p, ParseProvisioner((*list)[i], i));
        c->provisioners.push_back(std::move(p));
      }
    }
  }
  return ParseCairnBlock(raw, c);
}

// TokenId returns the id under which step-ca indexes a provisioner's tokens when it is not
// derived from the (unique) name: JWK "name:kid", OIDC clientID, Azure tenantID.
std::string TokenId(const ProvisionerConfig& p) {
  std::string out;
  if (EqualsIgnoreCase(p.type, "JWK")) {
    std::string kid;
    if (const OJson* key = FindField(p.raw, "key"); key && key->is_object()) {
      ReadString(*key, "kid", "", &kid).IgnoreError();
    }
    return p.name + ":" + kid;
  }
  if (EqualsIgnoreCase(p.type, "OIDC")) {
    ReadString(p.raw, "clientID", "", &out).IgnoreError();
    return out;
  }
  if (EqualsIgnoreCase(p.type, "Azure")) {
    ReadString(p.raw, "tenantID", "", &out).IgnoreError();
    return out;
  }
  return ToLower(p.type) + "/" + p.name;
}

// ProvisionerList finds authority.provisioners in `raw`, creating `authority` and the array
// when `create` is set. Null when absent (and not created) or not an array.
OJson* ProvisionerList(OJson& raw, bool create) {
  if (!raw.is_object()) return nullptr;
  OJson* auth = FindField(raw, "authority");
  if (!auth || auth->is_null()) {
    if (!create) return nullptr;
    raw["authority"] = OJson::object();
    auth = &raw["authority"];
  }
  if (!auth->is_object()) return nullptr;
  OJson* list = FindField(*auth, "provisioners");
  if (!list || list->is_null()) {
    if (!create) return nullptr;
    if (list) {
      *list = OJson::array();
    } else {
      (*auth)["provisioners"] = OJson::array();
      list = &(*auth)["provisioners"];
    }
  }
  return list->is_array() ? list : nullptr;
}

// NameOf returns the provisioner object's name, or "" when it has none.
std::string NameOf(const OJson& p) {
  std::string name;
  if (p.is_object()) ReadString(p, "name", "", &name).IgnoreError();
  return name;
}

// IndexOf returns the position of the provisioner called `name` in `list`, or -1.
int64_t IndexOf(const OJson& list, std::string_view name) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].is_object() && NameOf(list[i]) == name) return static_cast<int64_t>(i);
  }
  return -1;
}

Status CheckNewProvisioner(const OJson& p) {
  if (!p.is_object()) return InvalidArgumentError("a provisioner must be a JSON object");
  const OJson* type = FindField(p, "type");
  if (!type || !type->is_string() || type->get<std::string>().empty()) {
    return InvalidArgumentError("a provisioner needs a non-empty string \"type\"");
  }
  const OJson* name = FindField(p, "name");
  if (!name || !name->is_string() || name->get<std::string>().empty()) {
    return InvalidArgumentError("a provisioner needs a non-empty string \"name\"");
  }
  return Status();
}

bool LooksLikeUri(std::string_view p) {
  size_t colon = p.find(':');
  if (colon == std::string_view::npos || colon < 2) return false;  // "C:" is not a scheme
  if (!std::isalpha(static_cast<unsigned char>(p[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    char ch = p[i];
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '+' && ch != '-' && ch != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsKnownProvisionerType(std::string_view type) {
  for (const char* t : kKnownProvisionerTypes) {
    if (EqualsIgnoreCase(type, t)) return true;
  }
  return false;
}

bool IsKnownCipherSuite(std::string_view name) {
  for (const char* s : kKnownCipherSuites) {
    if (name == s) return true;
  }
  return false;
}

bool CaConfig::IsRegistrationAuthority() const {
  return !authority_type.empty() && !EqualsIgnoreCase(authority_type, "softcas");
}

const ProvisionerConfig* CaConfig::FindProvisioner(std::string_view name) const {
  for (const auto& p : provisioners) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Status CaConfig::AddProvisioner(OJson provisioner) {
  CAIRN_RETURN_IF_ERROR(CheckNewProvisioner(provisioner));
  OJson copy = raw;
  OJson* list = ProvisionerList(copy, /*create=*/true);
  if (!list) return InvalidArgumentError("authority.provisioners is not an array");
  const std::string name = NameOf(provisioner);
  if (IndexOf(*list, name) >= 0) {
    return AlreadyExistsError("a provisioner named \"" + name + "\" already exists");
  }
  list->push_back(std::move(provisioner));
  CAIRN_ASSIGN_OR_RETURN(CaConfig updated, ParseCaConfigJson(std::move(copy), path));
  *this = std::move(updated);
  return Status();
}

Status CaConfig::RemoveProvisioner(std::string_view name) {
  OJson copy = raw;
  OJson* list = ProvisionerList(copy, /*create=*/false);
  int64_t index = list ? IndexOf(*list, name) : -1;
  if (index < 0) return NotFoundError("no provisioner named \"" + std::string(name) + "\"");
  list->erase(static_cast<size_t>(index));
  CAIRN_ASSIGN_OR_RETURN(CaConfig updated, ParseCaConfigJson(std::move(copy), path));
  *this = std::move(updated);
  return Status();
}

Status CaConfig::UpdateProvisioner(std::string_view name, const OJson& patch) {
  if (!patch.is_object()) return InvalidArgumentError("a provisioner patch must be an object");
  OJson copy = raw;
  OJson* list = ProvisionerList(copy, /*create=*/false);
  int64_t index = list ? IndexOf(*list, name) : -1;
  if (index < 0) return NotFoundError("no provisioner named \"" + std::string(name) + "\"");
  OJson& target = (*list)[static_cast<size_t>(index)];
  target.merge_patch(patch);
  CAIRN_RETURN_IF_ERROR(CheckNewProvisioner(target));
  const std::string new_name = NameOf(target);
  if (new_name != name) {
    for (size_t i = 0; i < list->size(); ++i) {
      if (static_cast<int64_t>(i) != index && NameOf((*list)[i]) == new_name) {
        return AlreadyExistsError("a provisioner named \"" + new_name + "\" already exists");
      }
    }
  }
  CAIRN_ASSIGN_OR_RETURN(CaConfig updated, ParseCaConfigJson(std::move(copy), path));
  *this = std::move(updated);
  return Status();
}

Result<CaConfig> ParseCaConfigJson(OJson raw, std::string path_for_messages) {
  CaConfig c;
  Status s = ParseInto(raw, &c);
  if (!s.ok()) {
    const std::string where = path_for_messages.empty() ? "ca.json" : path_for_messages;
    return Status(s.code(), where + ": " + s.message());
  }
  c.path = std::move(path_for_messages);
  c.raw = std::move(raw);
  return c;
}

Result<CaConfig> ParseCaConfig(std::string_view json_text, std::string path_for_messages) {
  CAIRN_ASSIGN_OR_RETURN(OJson raw,
                         internal::ParseJsonText(
                             json_text, path_for_messages.empty() ? "ca.json" : path_for_messages));
  return ParseCaConfigJson(std::move(raw), std::move(path_for_messages));
}

Result<CaConfig> LoadCaConfig(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::string text, ReadFile(path, internal::kMaxConfigFileSize));
  return ParseCaConfig(text, path);
}

Status Validate(const CaConfig& c) {
  const std::string where = c.path.empty() ? "ca.json" : c.path;
  auto fail = [&](const std::string& msg) { return InvalidArgumentError(where + ": " + msg); };

  if (c.address.empty()) return fail("address cannot be empty");
  if (c.dns_names.empty()) return fail("dnsNames cannot be empty");
  if (!c.IsRegistrationAuthority()) {
    bool empty_root = c.roots.empty();
    for (const auto& r : c.roots) empty_root = empty_root || r.empty();
    if (empty_root) return fail("root cannot be empty");
    if (c.crt.empty()) return fail("crt cannot be empty");
    if (c.key.empty()) return fail("key cannot be empty");
  }
  if (Status s = SplitHostPort(c.address); !s.ok()) return fail(s.message());
  if (!c.insecure_address.empty()) {
    if (Status s = SplitHostPort(c.insecure_address); !s.ok()) {
      return fail("insecureAddress: " + s.message());
    }
  }
  if (c.ssh) {
    for (const auto& k : c.ssh->keys) {
      if (k.type != "user" && k.type != "host") {
        return fail("ssh.keys: type must be \"user\" or \"host\"");
      }
      if (!k.key.is_object()) return fail("ssh.keys: key must be a JWK object");
    }
  }
  for (const auto* list : {&c.templates.ssh_user, &c.templates.ssh_host}) {
    for (const auto& t : *list) {
      if (t.type != "snippet" && t.type != "file" && t.type != "directory" &&
          t.type != "prepend-line") {
        return fail("templates.ssh: " + t.name +
                    ": type must be snippet, file, directory or prepend-line");
      }
      if (t.name.empty()) return fail("templates.ssh: a template needs a name");
    }
  }
  if (c.crl.enabled) {
    if (c.crl.cache_duration < std::chrono::minutes(1)) {
      return fail("crl.cacheDuration must be at least 1m");
    }
    if (c.crl.renew_period < Duration::zero() || c.crl.renew_period > c.crl.cache_duration) {
      return fail("crl.renewPeriod must be between 0 and crl.cacheDuration");
    }
    if (!c.crl.idp_url.empty() && !c.crl.idp_url.starts_with("http://") &&
        !c.crl.idp_url.starts_with("https://")) {
      return fail("crl.idpURL must be an http:// or https:// URL");
    }
  }
  if (c.ocsp.enabled) {
    if (c.ocsp.path.front() != '/' || c.ocsp.path.size() > 256 ||
        c.ocsp.path.find_first_of("{}?#") != std::string::npos) {
      return fail("ocsp.path must be an absolute path such as \"/ocsp\"");
    }
    if (c.ocsp.lifetime < std::chrono::minutes(1)) return fail("ocsp.lifetime must be at least 1m");
    if (c.ocsp.delegated && c.ocsp.responder_lifetime < std::chrono::hours(1)) {
      return fail("ocsp.responderLifetime must be at least 1h");
    }
    if (!c.ocsp.url.empty() && !c.ocsp.url.starts_with("http://") &&
        !c.ocsp.url.starts_with("https://")) {
      return fail("ocsp.url must be an http:// or https:// URL");
    }
  }

  if (!IsKnownTlsVersion(c.tls.min_version)) {
    return fail("tls.minVersion " + FormatVersion(c.tls.min_version) +
                " is not a TLS version (1.0, 1.1, 1.2 or 1.3)");
  }
  if (!IsKnownTlsVersion(c.tls.max_version)) {
    return fail("tls.maxVersion " + FormatVersion(c.tls.max_version) +
                " is not a TLS version (1.0, 1.1, 1.2 or 1.3)");
  }
  if (c.tls.min_version > c.tls.max_version) {
    return fail("tls minVersion (" + FormatVersion(c.tls.min_version) +
                ") cannot exceed tls maxVersion (" + FormatVersion(c.tls.max_version) + ")");
  }
  for (const auto& suite : c.tls.cipher_suites) {
    if (!IsKnownCipherSuite(suite)) return fail("tls.cipherSuites: unknown cipher suite " + suite);
  }

  const HttpLimitsConfig& h = c.http_limits;
  for (auto [name, value] : {std::pair<const char*, Duration>{"readTimeout", h.read_timeout},
                             {"writeTimeout", h.write_timeout},
                             {"idleTimeout", h.idle_timeout}}) {
    if (value < kMinHttpTimeout || value > kMaxHttpTimeout) {
      return fail(std::string("cairn.http.") + name + " must be between " +
                  FormatGoDuration(kMinHttpTimeout) + " and " + FormatGoDuration(kMaxHttpTimeout) +
                  ", got " + FormatGoDuration(value));
    }
  }
  if (h.max_connections < 1 || h.max_connections > kMaxHttpConnections) {
    return fail("cairn.http.maxConnections must be between 1 and " +
                std::to_string(kMaxHttpConnections));
  }

  if (c.backdate < Duration::zero()) return fail("authority.backdate cannot be less than 0");
  if (Status s = ValidateClaims(MergeClaims(c.authority_claims, BuiltinClaims())); !s.ok()) {
    return fail("authority." + s.message());
  }

  std::set<std::string, std::less<>> names, token_ids;
  int k8s = 0;
  for (size_t i = 0; i < c.provisioners.size(); ++i) {
    const ProvisionerConfig& p = c.provisioners[i];
    const std::string pw = ProvisionerWhere(i, p.name);
    if (p.type.empty()) return fail(pw + " has no type");
    if (p.name.empty()) return fail(pw + " has no name");
    if (!names.insert(p.name).second) {
      return fail(pw + ": cannot add multiple provisioners with the same name");
    }
    if (!token_ids.insert(TokenId(p)).second) {
      return fail(pw + ": cannot add multiple provisioners with the same token identifier");
    }
    if (EqualsIgnoreCase(p.type, "K8sSA") && ++k8s > 1) {
      return fail("cannot have more than one kubernetes service account provisioner");
    }
    if (Status s = ValidateClaims(ResolveClaims(p.claims, c.authority_claims)); !s.ok()) {
      return fail(pw + ": " + s.message());
    }
  }
  return Status();
}

std::string SerializeCaConfig(const CaConfig& config) { return internal::DumpIndented(config.raw); }

Status SaveCaConfig(const CaConfig& config, const std::string& path) {
  int mode = 0644;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) mode = static_cast<int>(st.st_mode & 0777);
  std::string password;
  if (config.raw.is_object()) ReadString(config.raw, "password", "", &password).IgnoreError();
  if (!password.empty()) mode &= 0600;
  return WriteFileAtomic(path, SerializeCaConfig(config), mode);
}

std::string ResolvePath(const std::string& home, const std::string& p) {
  if (p.empty() || p.front() == '/' || LooksLikeUri(p)) return p;
  return JoinPath(home, p);
}

}  // namespace cairn::config
