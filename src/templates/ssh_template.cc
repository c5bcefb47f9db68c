#include "templates/ssh_template.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/duration.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "templates/x509_asn1.h"
#include "templates/x509_data.h"

namespace cairn::templates {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxRendered = 1 << 20;
constexpr int kMaxDepth = 32;

Status FieldError(const std::string& field, const std::string& message) {
  return InvalidArgumentError(field + ": " + message);
}

Value Strings(const std::vector<std::string>& items) {
  List l;
  l.reserve(items.size());
  for (const auto& s : items) l.push_back(Value::String(s));
  return Value::MakeList(std::move(l));
}

Value StringMap(const std::map<std::string, std::string>& m) {
  Map out;
  for (const auto& [k, v] : m) out[k] = Value::String(v);
  return Value::MakeMap(std::move(out));
}

// SshKeyTypeName returns the Go type x/crypto/ssh parses a key of `algorithm` into.
std::string SshKeyTypeName(const std::string& algorithm) {
  if (algorithm == "ssh-rsa") return "*ssh.rsaPublicKey";
  if (algorithm.rfind("ecdsa-sha2-", 0) == 0) return "*ssh.ecdsaPublicKey";
  if (algorithm == "ssh-ed25519") return "ssh.ed25519PublicKey";
  if (algorithm == "sk-ecdsa-sha2-nistp256@openssh.com") return "*ssh.skECDSAPublicKey";
  if (algorithm == "sk-ssh-ed25519@openssh.com") return "*ssh.skEd25519PublicKey";
  if (algorithm.find("-cert-v01@openssh.com") != std::string::npos) return "*ssh.Certificate";
  return "ssh.PublicKey";
}

// Members returns an object's members by lower-cased key (the last of duplicates wins, as Go
// assigns them in order).
std::map<std::string, const Json*> Members(const Json& obj) {
  std::map<std::string, const Json*> out;
  for (auto it = obj.begin(); it != obj.end(); ++it) out[ToLower(it.key())] = &it.value();
  return out;
}

const Json* Get(const std::map<std::string, const Json*>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() || it->second->is_null() ? nullptr : it->second;
}

Result<std::string> GetString(const Json* v, const char* field) {
  if (v == nullptr) return std::string();
  if (!v->is_string()) return FieldError(field, "must be a string");
  return v->get<std::string>();
}

Result<std::map<std::string, std::string>> GetStringMap(const Json* v, const char* field) {
  std::map<std::string, std::string> out;
  if (v == nullptr) return out;
  if (!v->is_object()) return FieldError(field, "must be an object of strings");
  if (v->size() > kMaxSshListItems) return FieldError(field, "has too many items");
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) {
      return FieldError(std::string(field) + "." + it.key(), "must be a string");
    }
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

Result<std::optional<Time>> GetTime(const Json* v, const char* field) {
  if (v == nullptr) return std::optional<Time>();
  if (!v->is_string()) return FieldError(field, "must be an RFC 3339 time string");
  const std::string text = v->get<std::string>();
  // Go's zero time: sshutil writes 0 (no bound) for it; Cairn treats it as unset.
  if (text.rfind("0001-01-01T00:00:00", 0) == 0) return std::optional<Time>();
  if (text.size() >= 4 &&
      std::all_of(text.begin(), text.begin() + 4, [](char c) { return c >= '0' && c <= '9'; })) {
    const int year = std::stoi(text.substr(0, 4));
    if (year < 1970 || year > 2261) return FieldError(field, "time out of range");
  }
  auto t = ParseRfc3339(text);
  if (!t.ok()) return FieldError(field, t.status().message());
  return std::optional<Time>(*t);
}

Result<std::string> GetBytes(const Json* v, const char* field) {
  if (v == nullptr) return std::string();
  if (!v->is_string()) return FieldError(field, "must be a base64 string");
  auto bytes = Base64Decode(v->get<std::string>());
  if (!bytes.ok()) return FieldError(field, "invalid base64");
  return std::move(bytes).value();
}

}  // namespace

std::string_view SshCertTypeName(SshCertType type) {
  return type == SshCertType::kHost ? "host" : "user";
}

std::map<std::string, std::string> DefaultSshExtensions(SshCertType type) {
  if (type != SshCertType::kUser) return {};
  return {{"permit-X11-forwarding", ""},
          {"permit-agent-forwarding", ""},
          {"permit-port-forwarding", ""},
          {"permit-pty", ""},
          {"permit-user-rc", ""}};
}

Value SshDataValue(const SshTemplateData& data) {
  Map top;
  top["Type"] = Value::String(data.type);
  top["KeyID"] = Value::String(data.key_id);
  top["Principals"] = Strings(data.principals);
  if (data.extensions) top["Extensions"] = StringMap(*data.extensions);
  if (data.critical_options) top["CriticalOptions"] = StringMap(*data.critical_options);
  if (!data.token.is_nil()) top["Token"] = data.token;
  if (data.authorization_crt) top["AuthorizationCrt"] = CertificateValue(*data.authorization_crt);
  if (!data.authorization_chain.empty()) {
    List chain;
    for (const auto& c : data.authorization_chain) chain.push_back(CertificateValue(c));
    top["AuthorizationChain"] = Value::MakeList(std::move(chain));
  }
  for (const auto& [k, v] : data.provisioner_data) top[k] = v;
  if (!data.webhooks.empty()) {
    auto it = top.find("Webhooks");
    if (it != top.end() && it->second.kind() == Value::Kind::kMap) {
      Map merged = it->second.as_map();
      for (const auto& [k, v] : data.webhooks) merged[k] = v;
      it->second = Value::MakeMap(std::move(merged));
    } else {
      top["Webhooks"] = Value::MakeMap(data.webhooks);
    }
  }
  // sshutil.CertificateRequest has no json tags: toJson writes the Go field names.
  const SshRequestData& r = data.request;
  Value key;
  if (!r.key_type.empty()) key = Value::MakeStruct(Struct{SshKeyTypeName(r.key_type), {}});
  Value cr = Value::MakeStruct(
      Struct{"sshutil.CertificateRequest",
             {
                 StructField{"Key", "Key", false, key},
                 StructField{"Type", "Type", false, Value::String(r.type)},
                 StructField{"KeyID", "KeyID", false, Value::String(r.key_id)},
                 StructField{"Principals", "Principals", false, Strings(r.principals)},
             }});
  Map insecure;
  insecure["CR"] = std::move(cr);
  if (!data.user.is_nil()) insecure["User"] = data.user;
  top["Insecure"] = Value::MakeMap(std::move(insecure));
  return Value::MakeMap(std::move(top));
}

Result<SshCertificateSpec> ParseSshCertificateJson(std::string_view rendered) {
  CAIRN_ASSIGN_OR_RETURN(Json root, x509_internal::ParseFirstJsonValue(rendered, "certificate",
                                                                       kMaxRendered, kMaxDepth));
  if (!root.is_object()) {
    return InvalidArgumentError(
        "error unmarshaling certificate: the template must produce a JSON object");
  }
  const auto m = Members(root);
  SshCertificateSpec spec;

  CAIRN_ASSIGN_OR_RETURN(std::string type, GetString(Get(m, "type"), "type"));
  if (EqualsIgnoreCase(type, "user")) {
    spec.type = SshCertType::kUser;
  } else if (EqualsIgnoreCase(type, "host")) {
    spec.type = SshCertType::kHost;
  } else if (type.empty()) {
    return FieldError("type", "the certificate type is required (user or host)");
  } else {
    return FieldError("type", "error unmarshaling '" + type + "' as a certificate type");
  }
  CAIRN_ASSIGN_OR_RETURN(spec.key_id, GetString(Get(m, "keyid"), "keyId"));

  if (const Json* p = Get(m, "principals"); p != nullptr) {
    if (!p->is_array()) return FieldError("principals", "must be an array of strings");
    if (p->size() > kMaxSshListItems) return FieldError("principals", "has too many items");
    for (size_t i = 0; i < p->size(); ++i) {
      if (!(*p)[i].is_string()) {
        return FieldError("principals[" + std::to_string(i) + "]", "must be a string");
      }
      spec.principals.push_back((*p)[i].get<std::string>());
    }
  }
  CAIRN_ASSIGN_OR_RETURN(spec.extensions, GetStringMap(Get(m, "extensions"), "extensions"));
  CAIRN_ASSIGN_OR_RETURN(spec.critical_options,
                         GetStringMap(Get(m, "criticaloptions"), "criticalOptions"));

  if (const Json* s = Get(m, "serial"); s != nullptr) {
    if (!s->is_number_unsigned() && !(s->is_number_integer() && s->get<int64_t>() >= 0)) {
      return FieldError("serial", "must be an unsigned integer");
    }
    const uint64_t v = s->get<uint64_t>();
    if (v != 0) spec.serial = v;  // sshutil makes a random serial for 0
  }
  CAIRN_ASSIGN_OR_RETURN(spec.valid_after, GetTime(Get(m, "validafter"), "validAfter"));
  CAIRN_ASSIGN_OR_RETURN(spec.valid_before, GetTime(Get(m, "validbefore"), "validBefore"));
  CAIRN_ASSIGN_OR_RETURN(spec.nonce, GetBytes(Get(m, "nonce"), "nonce"));
  CAIRN_ASSIGN_OR_RETURN(spec.reserved, GetBytes(Get(m, "reserved"), "reserved"));
  return spec;
}

}  // namespace cairn::templates
