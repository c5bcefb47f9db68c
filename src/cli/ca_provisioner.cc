// `cairn ca provisioner list|add|remove|update`: step's provisioner management. `list` asks
// the running CA (GET /provisioners), as step does; add/remove/update edit ca.json in place
// (--ca-config), as step does when the CA's admin API is not in use, keeping every field they
// do not touch. JWK, ACME, SSHPOP and X5C provisioners can be added.

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/duration.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"
#include "base/terminal.h"
#include "cli/certificate_util.h"
#include "cli/cli.h"
#include "cli/crypto_util.h"
#include "cli/ui.h"
#include "client/ca_client.h"
#include "config/claims.h"
#include "config/config.h"
#include "config/defaults.h"
#include "config/home.h"
#include "crypto/key.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "pki/certificate.h"
#include "pki/extension.h"

namespace cairn::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kSuccess =
    "Success! Your `cairn-ca` config has been updated. To pick up the new configuration SIGHUP "
    "(kill -1 <pid>) or restart the cairn-ca process.";

// ---------------------------------------------------------------------------------------------
// Field order of step's provisioner JSON (Go struct order), for `list`.

const std::vector<std::string>& ProvisionerOrder(const std::string& type) {
  static const std::map<std::string, std::vector<std::string>> kOrders = {
      {"JWK", {"type", "name", "key", "encryptedKey", "claims", "options"}},
      {"OIDC",
       {"type", "name", "clientID", "clientSecret", "configurationEndpoint", "tenantID", "admins",
        "domains", "groups", "listenAddress", "scopes", "authParams", "claims", "options"}},
      {"GCP",
       {"type", "name", "serviceAccounts", "projectIDs", "organizationID", "disableCustomSANs",
        "disableTrustOnFirstUse", "disableSSHCAUser", "disableSSHCAHost", "instanceAge", "claims",
        "options"}},
      {"AWS",
       {"type", "name", "accounts", "disableCustomSANs", "disableTrustOnFirstUse", "iidRoots",
        "instanceAge", "imdsVersions", "claims", "options"}},
      {"AZURE",
       {"type", "name", "tenantID", "resourceGroups", "subscriptionIDs", "objectIDs", "audience",
        "disableCustomSANs", "disableTrustOnFirstUse", "claims", "options"}},
      {"ACME",
       {"type", "name", "forceCN", "termsOfService", "website", "caaIdentities", "requireEAB",
        "challenges", "attestationFormats", "attestationRoots", "claims", "options"}},
      {"X5C", {"type", "name", "roots", "claims", "options"}},
      {"K8SSA", {"type", "name", "publicKeys", "claims", "options"}},
      {"SSHPOP", {"type", "name", "claims"}},
      {"SCEP",
       {"type", "name", "forceCN", "challenge", "capabilities", "includeRoot",
        "excludeIntermediate", "minimumPublicKeyLength", "decrypterCertificate", "decrypterKeyPEM",
        "decrypterKey", "decrypterKeyPassword", "encryptionAlgorithmIdentifier", "claims",
        "options"}},
      {"NEBULA", {"type", "name", "roots", "claims", "options"}},
  };
  static const std::vector<std::string> kDefault = {"type", "name", "claims", "options"};
  std::string upper;
  for (char c : type)
    upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  auto it = kOrders.find(upper);
  return it == kOrders.end() ? kDefault : it->second;
}

const std::vector<std::string> kJwkOrder = {"use", "kty", "kid", "crv", "alg", "k",  "x",  "y",
                                            "n",   "e",   "d",   "p",   "q",   "dp", "dq", "qi"};
const std::vector<std::string> kClaimsOrder = {"minTLSCertDuration",
                                               "maxTLSCertDuration",
                                               "defaultTLSCertDuration",
                                               "minUserSSHCertDuration",
                                               "maxUserSSHCertDuration",
                                               "defaultUserSSHCertDuration",
                                               "minHostSSHCertDuration",
                                               "maxHostSSHCertDuration",
                                               "defaultHostSSHCertDuration",
                                               "enableSSHCA",
                                               "disableRenewal",
                                               "allowRenewalAfterExpiry",
                                               "disableSmallstepExtensions"};
const std::vector<std::string> kOptionsOrder = {"x509", "ssh", "webhooks", "wire"};
const std::vector<std::string> kTemplateOptionsOrder = {"template", "templateFile", "templateData"};

// Reorder returns `in` (an object) with the `order` keys first, then the others sorted.
Json Reorder(const nlohmann::json& in, const std::vector<std::string>& order) {
  if (!in.is_object()) return Json(in);
  Json out = Json::object();
  for (const std::string& k : order) {
    if (in.contains(k)) out[k] = Json(in[k]);
  }
  for (auto it = in.begin(); it != in.end(); ++it) {
    if (!out.contains(it.key())) out[it.key()] = Json(it.value());
  }
  return out;
}

Json StepOrder(const nlohmann::json& p) {
  std::string type =
      p.contains("type") && p["type"].is_string() ? p["type"].get<std::string>() : std::string();
  Json out = Reorder(p, ProvisionerOrder(type));
  if (out.contains("key") && out["key"].is_object()) out["key"] = Reorder(p["key"], kJwkOrder);
  if (out.contains("claims") && out["claims"].is_object()) {
    out["claims"] = Reorder(p["claims"], kClaimsOrder);
  }
  if (out.contains("options") && out["options"].is_object()) {
    Json opts = Reorder(p["options"], kOptionsOrder);
    for (const char* k : {"x509", "ssh"}) {
      if (opts.contains(k) && opts[k].is_object()) {
        opts[k] = Reorder(p["options"][k], kTemplateOptionsOrder);
      }
    }
    out["options"] = opts;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// list

struct ListOptions {
  std::vector<std::string> args;
  std::string ca_url;
  std::string root;
  std::string context;
};

Status List(const ListOptions& o) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(o.args, 0, 0, "cairn ca provisioner list"));
  std::string home = config::CairnHome();
  std::string ca_url = o.ca_url;
  std::string root = o.root;
  if (ca_url.empty() || root.empty()) {
    auto defaults = config::LoadDefaults(config::DefaultsPath(home));
    if (defaults.ok()) {
      if (ca_url.empty()) ca_url = defaults->ca_url;
      if (root.empty()) root = defaults->root;
    } else if (defaults.status().code() != StatusCode::kNotFound) {
      return defaults.status();
    }
  }
  if (ca_url.empty()) {
    return InvalidArgumentError("'cairn ca provisioner list' requires the '--ca-url' flag");
  }
  if (root.empty()) root = JoinPath(home, "certs/root_ca.crt");
  auto root_pem = ReadFile(root, tools::kMaxInputSize);
  if (!root_pem.ok()) return root_pem.status().Annotate("error getting the provisioners");
  client::CaClientOptions copts;
  copts.ca_url = ca_url;
  copts.root_pem = *root_pem;
  auto ca = client::CaClient::Create(copts);
  if (!ca.ok()) return ca.status().Annotate("error getting the provisioners");
  auto provisioners = (*ca)->Provisioners();
  if (!provisioners.ok()) return provisioners.status().Annotate("error getting the provisioners");
  Json out = Json::array();
  for (const nlohmann::json& p : *provisioners) out.push_back(StepOrder(p));
  tools::PrintOut(out.dump(3) + "\n");
  return Status();
}

// ---------------------------------------------------------------------------------------------
// add / update: flags shared by both

struct ProvisionerFlags {
  std::vector<std::string> args;
  std::string type = "JWK";
  std::string new_name;  // update --name
  std::string public_key;
  std::string private_key;
  bool create = false;
  std::string password_file;
  std::string ca_config;
  std::string x509_template, x509_template_data, ssh_template, ssh_template_data;
  std::string x509_min_dur, x509_max_dur, x509_default_dur;
  std::string ssh_user_min_dur, ssh_user_max_dur, ssh_user_default_dur;
  std::string ssh_host_min_dur, ssh_host_max_dur, ssh_host_default_dur;
  bool disable_renewal = false;
  bool allow_renewal_after_expiry = false;
  bool disable_smallstep_extensions = false;
  bool ssh = true;
  // ACME
  bool force_cn = false;
  bool require_eab = false;
  std::vector<std::string> challenge, remove_challenge;
  std::vector<std::string> attestation_format, remove_attestation_format;
  std::vector<std::string> attestation_roots;
  // X5C
  std::vector<std::string> x5c_roots;
  // remove --kid
  std::string kid;
  // Accepted and ignored: they address the admin API, which cairn does not use here.
  std::string admin_cert, admin_key, admin_subject, admin_provisioner, admin_password_file;
  std::string ca_url, root, context;
  // The options, to tell "given" from "default".
  std::map<std::string, CLI::Option*> opts;

  bool IsSet(const std::string& name) const {
    auto it = opts.find(name);
    return it != opts.end() && it->second->count() > 0;
  }
};

std::string CaConfigPath(const ProvisionerFlags& f) {
  return f.ca_config.empty() ? config::CaConfigPath(config::CairnHome()) : f.ca_config;
}

Result<std::string> NormalizedDuration(const std::string& flag, const std::string& value) {
  auto d = ParseGoDuration(value);
  if (!d.ok()) return tools::InvalidFlagValue(flag, value);
  return FormatGoDuration(*d);
}

// ClaimsPatch returns the claims given by flags. With `all_booleans` (add), the three boolean
// claims and enableSSHCA are always written, as step writes them.
Result<Json> ClaimsPatch(const ProvisionerFlags& f, bool all_booleans) {
  Json c = Json::object();
  static const std::pair<const char*, const char*> kDurations[] = {
      {"x509-min-dur", "minTLSCertDuration"},
      {"x509-max-dur", "maxTLSCertDuration"},
      {"x509-default-dur", "defaultTLSCertDuration"},
      {"ssh-user-min-dur", "minUserSSHCertDuration"},
      {"ssh-user-max-dur", "maxUserSSHCertDuration"},
      {"ssh-user-default-dur", "defaultUserSSHCertDuration"},
      {"ssh-host-min-dur", "minHostSSHCertDuration"},
      {"ssh-host-max-dur", "maxHostSSHCertDuration"},
      {"ssh-host-default-dur", "defaultHostSSHCertDuration"}};
  const std::string* values[] = {&f.x509_min_dur,     &f.x509_max_dur,     &f.x509_default_dur,
                                 &f.ssh_user_min_dur, &f.ssh_user_max_dur, &f.ssh_user_default_dur,
                                 &f.ssh_host_min_dur, &f.ssh_host_max_dur, &f.ssh_host_default_dur};
  for (size_t i = 0; i < std::size(kDurations); ++i) {
    if (!f.IsSet(kDurations[i].first)) continue;
    CAIRN_ASSIGN_OR_RETURN(std::string d, NormalizedDuration(kDurations[i].first, *values[i]));
    c[kDurations[i].second] = d;
  }
  if (all_booleans || f.IsSet("ssh")) c["enableSSHCA"] = f.ssh;
  if (all_booleans || f.IsSet("disable-renewal")) c["disableRenewal"] = f.disable_renewal;
  if (all_booleans || f.IsSet("allow-renewal-after-expiry")) {
    c["allowRenewalAfterExpiry"] = f.allow_renewal_after_expiry;
  }
  if (all_booleans || f.IsSet("disable-smallstep-extensions")) {
    c["disableSmallstepExtensions"] = f.disable_smallstep_extensions;
  }
  return c;
}

// TemplateOptions returns options.{x509,ssh} from the template flags. A flag given with an
// empty value maps to null (removal, for update).
Result<Json> TemplateOptions(const ProvisionerFlags& f, bool with_ssh) {
  Json opts = Json::object();
  auto read = [&](const char* flag, const std::string& file, const char* section, const char* key,
                  bool is_data) -> Status {
    if (!f.IsSet(flag)) return Status();
    if (!opts.contains(section)) opts[section] = Json::object();
    if (file.empty()) {
      opts[section][key] = nullptr;
      return Status();
    }
    CAIRN_ASSIGN_OR_RETURN(std::string content, ReadFile(file, tools::kMaxInputSize));
    if (is_data) {
      auto data = tools::ParseJson(content);
      if (!data.ok()) return data.status().Annotate("error parsing " + file);
      opts[section][key] = *data;
    } else {
      opts[section][key] = content;
    }
    return Status();
  };
  CAIRN_RETURN_IF_ERROR(read("x509-template", f.x509_template, "x509", "template", false));
  CAIRN_RETURN_IF_ERROR(
      read("x509-template-data", f.x509_template_data, "x509", "templateData", true));
  if (with_ssh) {
    CAIRN_RETURN_IF_ERROR(read("ssh-template", f.ssh_template, "ssh", "template", false));
    CAIRN_RETURN_IF_ERROR(
        read("ssh-template-data", f.ssh_template_data, "ssh", "templateData", true));
  }
  return opts;
}

bool LooksLikeCompactJwe(std::string_view s) {
  return s.find('{') == std::string_view::npos && std::count(s.begin(), s.end(), '.') == 4;
}

bool LooksLikeJsonJwe(const Json& j) {
  return j.is_object() && j.contains("ciphertext") &&
         (j.contains("protected") || j.contains("header"));
}

// CompactFromJsonJwe turns a flattened JSON JWE into its compact form (possible only when all
// header parameters are protected and there is no AAD).
Result<std::string> CompactFromJsonJwe(const Json& j) {
  if (j.contains("header") || j.contains("unprotected") || j.contains("aad") ||
      j.contains("recipients")) {
    return InvalidArgumentError("the encrypted key cannot be written in compact form");
  }
  std::string parts[5];
  const char* keys[] = {"protected", "encrypted_key", "iv", "ciphertext", "tag"};
  for (int i = 0; i < 5; ++i) {
    if (!j.contains(keys[i]) || !j[keys[i]].is_string()) {
      return InvalidArgumentError(std::string("malformed JWE: missing ") + keys[i]);
    }
    parts[i] = j[keys[i]].get<std::string>();
  }
  return parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[3] + "." + parts[4];
}

// ReadJwk reads a key file as step's jose.ReadKey does: a JWK (JSON), a JWE holding a JWK
// (decrypted with the password file or a prompt), or a PEM key.
Result<jose::Jwk> ReadJwk(const std::string& path, const std::string& password_file) {
  CAIRN_ASSIGN_OR_RETURN(std::string content, ReadFile(path, tools::kMaxInputSize));
  std::string text(Trim(content));
  bool encrypted = LooksLikeCompactJwe(text);
  if (!encrypted && text.starts_with('{')) {
    CAIRN_ASSIGN_OR_RETURN(Json j, tools::ParseJson(text));
    encrypted = LooksLikeJsonJwe(j);
  }
  if (encrypted) {
    CAIRN_ASSIGN_OR_RETURN(
        std::string password,
        tools::ReadPasswordFromFlag(password_file,
                                    "Please enter the password to decrypt " + path + ": "));
    auto jwk = jose::DecryptJwk(text, password);
    if (!jwk.ok()) return jwk.status().Annotate("error reading " + path);
    return jwk;
  }
  if (text.find("-----BEGIN ") != std::string::npos) {
    if (auto pub = crypto::PublicKey::FromPem(text); pub.ok()) {
      return jose::Jwk::FromPkey(pub->get(), false);
    }
    CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, tools::ReadPrivateKeyFile(path, password_file));
    return jose::Jwk::FromPkey(key.get(), true);
  }
  auto jwk = jose::Jwk::Parse(text);
  if (!jwk.ok()) return jwk.status().Annotate("error reading " + path);
  return jwk;
}

// JwkKeyFields computes "key" and "encryptedKey" from --create / --public-key / --private-key.
// Fields left out of the result are unchanged (update); "encryptedKey": null removes it.
Result<Json> JwkKeyFields(const ProvisionerFlags& f, bool adding) {
  Json out = Json::object();
  std::string password;
  if (!f.password_file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(password, ReadPasswordFile(f.password_file));
  }
  const char* kPrompt =
      "Please enter a password to encrypt the provisioner private key? [leave empty and we'll "
      "generate one]: ";
  if (f.create) {
    if (f.IsSet("public-key")) return tools::IncompatibleFlag("create", "public-key");
    if (f.IsSet("private-key")) return tools::IncompatibleFlag("create", "private-key");
    if (password.empty()) {
      CAIRN_ASSIGN_OR_RETURN(password, PromptNewPassword(kPrompt, true));
    }
    CAIRN_ASSIGN_OR_RETURN(jose::Jwk jwk, jose::Jwk::Generate("EC", "P-256"));
    CAIRN_ASSIGN_OR_RETURN(out["key"], tools::ParseJson(jwk.ToJsonString(false)));
    CAIRN_ASSIGN_OR_RETURN(std::string jwe, jose::EncryptJwk(jwk, password));
    out["encryptedKey"] = jwe;
    return out;
  }
  if (adding && !f.IsSet("public-key")) {
    return tools::RequiredWithFlagValue("create", "false", "public-key");
  }
  std::optional<jose::Jwk> pub;
  if (f.IsSet("public-key")) {
    CAIRN_ASSIGN_OR_RETURN(jose::Jwk jwk, ReadJwk(f.public_key, f.password_file));
    if (jwk.is_symmetric()) {
      return InvalidArgumentError("invalid JWK: a symmetric key cannot be used as a provisioner");
    }
    jose::Jwk p = jwk.PublicKey();
    if (p.kid().empty()) p.set_kid(p.Thumbprint());
    if (p.alg().empty()) p.set_alg(p.DefaultAlg());
    CAIRN_ASSIGN_OR_RETURN(out["key"], tools::ParseJson(p.ToJsonString(false)));
    pub = std::move(p);
  }
  if (f.IsSet("private-key")) {
    if (f.private_key.empty()) {
      if (adding) return tools::InvalidFlagValue("private-key", "");
      out["encryptedKey"] = nullptr;
      return out;
    }
    CAIRN_ASSIGN_OR_RETURN(std::string content, ReadFile(f.private_key, tools::kMaxInputSize));
    std::string text(Trim(content));
    if (LooksLikeCompactJwe(text)) {
      out["encryptedKey"] = text;
      return out;
    }
    if (text.starts_with('{')) {
      CAIRN_ASSIGN_OR_RETURN(Json j, tools::ParseJson(text));
      if (LooksLikeJsonJwe(j)) {
        CAIRN_ASSIGN_OR_RETURN(std::string compact, CompactFromJsonJwe(j));
        out["encryptedKey"] = compact;
        return out;
      }
    }
    // A plain private key: encrypt it as step does.
    std::optional<jose::Jwk> priv;
    if (text.find("-----BEGIN ") != std::string::npos) {
      CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                             tools::ReadPrivateKeyFile(f.private_key, f.password_file));
      CAIRN_ASSIGN_OR_RETURN(priv, jose::Jwk::FromPkey(key.get(), true));
    } else {
      auto parsed = jose::Jwk::Parse(text);
      if (!parsed.ok()) return parsed.status().Annotate("error reading " + f.private_key);
      priv = std::move(*parsed);
    }
    if (!priv->is_private())
      return InvalidArgumentError("invalid jwk: private-key is a public key");
    if (pub && priv->Thumbprint() != pub->Thumbprint()) {
      return InvalidArgumentError("the private key does not match the public key");
    }
    if (pub) {
      if (priv->kid().empty()) priv->set_kid(pub->kid());
      if (priv->alg().empty()) priv->set_alg(pub->alg());
    }
    if (priv->use().empty()) priv->set_use("sig");
    if (password.empty()) {
      CAIRN_ASSIGN_OR_RETURN(password, PromptNewPassword(kPrompt, true));
    }
    CAIRN_ASSIGN_OR_RETURN(std::string jwe, jose::EncryptJwk(*priv, password));
    out["encryptedKey"] = jwe;
  }
  return out;
}

const char* const kChallenges[] = {"http-01",          "dns-01",       "tls-alpn-01",
                                   "device-attest-01", "wire-oidc-01", "wire-dpop-01"};
const char* const kAttestationFormats[] = {"apple", "step", "tpm", "android-key"};

Status CheckValues(const std::string& flag, const std::vector<std::string>& values,
                   std::initializer_list<const char*> allowed_list, const char* options) {
  for (const std::string& v : values) {
    bool ok = false;
    for (const char* a : allowed_list) ok = ok || ToLower(v) == a;
    if (!ok) return tools::InvalidFlagValue(flag, v, options);
  }
  return Status();
}

std::vector<std::string> Lowered(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const std::string& s : in) {
    std::string l = ToLower(s);
    if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  }
  return out;
}

// PemBundleBase64 reads certificate files and returns base64 of their PEMs joined by newlines
// (the []byte form of ca.json's X5C `roots` and ACME `attestationRoots`). With
// `require_cert_sign`, every certificate must have the keyCertSign usage.
Result<std::string> PemBundleBase64(const std::vector<std::string>& files, bool require_cert_sign,
                                    const std::string& what) {
  std::vector<std::string> pems;
  for (const std::string& file : files) {
    CAIRN_ASSIGN_OR_RETURN(std::string data, ReadFile(file, tools::kMaxInputSize));
    auto certs = tools::ParseCertificates(data);
    if (!certs.ok()) return certs.status().Annotate("error loading " + what + " from " + file);
    for (const pki::Certificate& c : *certs) {
      if (require_cert_sign && (c.key_usage() & pki::kCertSign) == 0) {
        return InvalidArgumentError("error: certificate with common name '" + c.subject_cn() +
                                    "' cannot be used as an X5C root certificate.\n\nX5C "
                                    "provisioner root certificates must have the 'Certificate "
                                    "Sign' key usage extension.");
      }
      pems.push_back(c.pem());
    }
  }
  return Base64Encode(Join(pems, "\n"));
}

// CheckClaims verifies that the provisioner's TLS claims, merged with the authority's, make
// sense (min <= default <= max), as step-ca checks when it loads the provisioner.
Status CheckClaims(const config::CaConfig& cfg, const std::string& name) {
  const config::ProvisionerConfig* p = cfg.FindProvisioner(name);
  if (p == nullptr) return Status();
  Status s = config::ValidateClaims(config::ResolveClaims(p->claims, cfg.authority_claims));
  if (!s.ok()) {
    return InvalidArgumentError("error validating configuration for provisioner \"" + name +
                                "\": " + s.message());
  }
  return Status();
}

Result<config::CaConfig> LoadForEdit(const std::string& path) {
  PrintSelected("CA Configuration", path);
  Info("");
  auto cfg = config::LoadCaConfig(path);
  if (!cfg.ok()) return cfg.status().Annotate("error loading configuration");
  return cfg;
}

Status Save(const config::CaConfig& cfg, const std::string& path) {
  CAIRN_RETURN_IF_ERROR(config::SaveCaConfig(cfg, path));
  Info(kSuccess);
  return Status();
}

const char* const kTypes = "JWK, ACME, OIDC, SSHPOP, K8SSA, NEBULA, SCEP, AWS, GCP, AZURE";

Status Add(const ProvisionerFlags& f) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(f.args, 1, 1, "cairn ca provisioner add <name>"));
  const std::string& name = f.args[0];
  std::string type;
  for (char c : f.type)
    type.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  static const char* const kKnown[] = {"JWK",  "ACME", "OIDC", "SSHPOP", "K8SSA", "NEBULA",
                                       "SCEP", "AWS",  "GCP",  "AZURE",  "X5C"};
  if (std::none_of(std::begin(kKnown), std::end(kKnown),
                   [&](const char* k) { return type == k; })) {
    return tools::InvalidFlagValue("type", f.type, kTypes);
  }
  if (type != "ACME" && (!f.challenge.empty() || !f.attestation_format.empty())) {
    return InvalidArgumentError(
        "flag '--challenge' and '--attestation-format' are only "
        "supported with ACME provisioners");
  }
  CAIRN_RETURN_IF_ERROR(CheckValues("challenge", f.challenge,
                                    {"http-01", "dns-01", "tls-alpn-01", "device-attest-01"},
                                    "http-01, dns-01, tls-alpn-01, device-attest-01"));
  CAIRN_RETURN_IF_ERROR(CheckValues("attestation-format", f.attestation_format,
                                    {"apple", "step", "tpm"}, "apple, step, tpm"));

  Json p = Json::object();
  p["type"] = type;
  p["name"] = name;
  CAIRN_ASSIGN_OR_RETURN(Json claims, ClaimsPatch(f, /*all_booleans=*/true));
  CAIRN_ASSIGN_OR_RETURN(Json templates, TemplateOptions(f, /*with_ssh=*/true));
  Json options = Json::object();
  options["x509"] = templates.contains("x509") ? templates["x509"] : Json::object();
  options["ssh"] = templates.contains("ssh") ? templates["ssh"] : Json::object();
  if (type == "JWK") {
    CAIRN_ASSIGN_OR_RETURN(Json keys, JwkKeyFields(f, /*adding=*/true));
    p["key"] = keys["key"];
    if (keys.contains("encryptedKey")) p["encryptedKey"] = keys["encryptedKey"];
    p["claims"] = claims;
    p["options"] = options;
  } else if (type == "ACME") {
    if (f.force_cn) p["forceCN"] = true;
    if (f.require_eab) p["requireEAB"] = true;
    if (!f.challenge.empty()) p["challenges"] = Lowered(f.challenge);
    if (!f.attestation_format.empty()) p["attestationFormats"] = Lowered(f.attestation_format);
    if (!f.attestation_roots.empty()) {
      CAIRN_ASSIGN_OR_RETURN(p["attestationRoots"],
                             PemBundleBase64(f.attestation_roots, false, "attestation roots"));
    }
    p["claims"] = claims;
    p["options"] = options;
  } else if (type == "SSHPOP") {
    p["claims"] = claims;
  } else if (type == "X5C") {
    if (f.x5c_roots.empty()) return tools::RequiredWithFlagValue("type", "x5c", "x5c-roots");
    CAIRN_ASSIGN_OR_RETURN(p["roots"], PemBundleBase64(f.x5c_roots, true, "X5C Root certificates"));
    p["claims"] = claims;
    p["options"] = options;
  } else {
    return UnimplementedError("provisioner type " + type +
                              " cannot be added by cairn yet; add it to ca.json by hand");
  }

  const std::string path = CaConfigPath(f);
  CAIRN_ASSIGN_OR_RETURN(config::CaConfig cfg, LoadForEdit(path));
  if (Status s = cfg.AddProvisioner(p); !s.ok()) {
    if (s.code() == StatusCode::kAlreadyExists) {
      return InvalidArgumentError("error storing provisioner: provisioner with name " + name +
                                  " already exists");
    }
    return s.Annotate("error storing provisioner");
  }
  CAIRN_RETURN_IF_ERROR(CheckClaims(cfg, name));
  if (Status s = config::Validate(cfg); !s.ok() && s.message().find(name) != std::string::npos) {
    return s.Annotate("error storing provisioner");
  }
  return Save(cfg, path);
}

Status Remove(const ProvisionerFlags& f) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(f.args, 1, 1, "cairn ca provisioner remove <name>"));
  const std::string& name = f.args[0];
  const std::string path = CaConfigPath(f);
  CAIRN_ASSIGN_OR_RETURN(config::CaConfig cfg, LoadForEdit(path));
  const config::ProvisionerConfig* p = cfg.FindProvisioner(name);
  bool kid_matches = true;
  if (p != nullptr && !f.kid.empty()) {
    kid_matches = p->raw.contains("key") && p->raw["key"].is_object() &&
                  p->raw["key"].value("kid", "") == f.kid;
  }
  if (p == nullptr || !kid_matches) {
    return NotFoundError("error loading provisioner: provisioner " + name + " not found");
  }
  CAIRN_RETURN_IF_ERROR(cfg.RemoveProvisioner(name));
  return Save(cfg, path);
}

Status Update(const ProvisionerFlags& f) {
  CAIRN_RETURN_IF_ERROR(tools::CheckArgs(f.args, 1, 1, "cairn ca provisioner update <name>"));
  const std::string& name = f.args[0];
  const std::string path = CaConfigPath(f);
  CAIRN_ASSIGN_OR_RETURN(config::CaConfig cfg, LoadForEdit(path));
  const config::ProvisionerConfig* existing = cfg.FindProvisioner(name);
  if (existing == nullptr) {
    return NotFoundError("error loading provisioner: provisioner " + name + " not found");
  }
  std::string type = ToLower(existing->type);
  if (type != "acme" && (!f.challenge.empty() || !f.remove_challenge.empty() ||
                         !f.attestation_format.empty() || !f.remove_attestation_format.empty())) {
    return InvalidArgumentError(
        "flag '--challenge' and '--attestation-format' are only "
        "supported with ACME provisioners");
  }

  Json patch = Json::object();
  if (f.IsSet("name")) patch["name"] = f.new_name;
  CAIRN_ASSIGN_OR_RETURN(Json claims, ClaimsPatch(f, /*all_booleans=*/false));
  if (!claims.empty()) patch["claims"] = claims;
  CAIRN_ASSIGN_OR_RETURN(Json templates, TemplateOptions(f, /*with_ssh=*/type != "acme"));
  if (!templates.empty()) patch["options"] = templates;

  if (type == "jwk") {
    CAIRN_ASSIGN_OR_RETURN(Json keys, JwkKeyFields(f, /*adding=*/false));
    for (auto it = keys.begin(); it != keys.end(); ++it) patch[it.key()] = it.value();
  } else if (f.create || f.IsSet("public-key") || f.IsSet("private-key")) {
    return InvalidArgumentError(
        "flags '--create', '--public-key' and '--private-key' are only "
        "supported with JWK provisioners");
  }
  if (type == "acme") {
    if (f.IsSet("force-cn")) patch["forceCN"] = f.force_cn;
    if (f.IsSet("require-eab")) patch["requireEAB"] = f.require_eab;
    auto update_list = [&](const char* key, const std::vector<std::string>& add,
                           const std::vector<std::string>& remove) {
      if (add.empty() && remove.empty()) return;
      std::vector<std::string> list;
      if (existing->raw.contains(key) && existing->raw[key].is_array()) {
        for (const auto& v : existing->raw[key]) {
          if (v.is_string()) list.push_back(ToLower(v.get<std::string>()));
        }
      }
      for (const std::string& a : Lowered(add)) {
        if (std::find(list.begin(), list.end(), a) == list.end()) list.push_back(a);
      }
      for (const std::string& r : Lowered(remove))
        list.erase(std::remove(list.begin(), list.end(), r), list.end());
      patch[key] = list;
    };
    update_list("challenges", f.challenge, f.remove_challenge);
    update_list("attestationFormats", f.attestation_format, f.remove_attestation_format);
    if (!f.attestation_roots.empty()) {
      CAIRN_ASSIGN_OR_RETURN(patch["attestationRoots"],
                             PemBundleBase64(f.attestation_roots, false, "attestation roots"));
    }
  }
  if (type == "x5c" && !f.x5c_roots.empty()) {
    CAIRN_ASSIGN_OR_RETURN(patch["roots"],
                           PemBundleBase64(f.x5c_roots, true, "X5C Root certificates"));
  }
  if (Status s = cfg.UpdateProvisioner(name, patch); !s.ok()) {
    return s.Annotate("error updating provisioner");
  }
  CAIRN_RETURN_IF_ERROR(CheckClaims(cfg, f.IsSet("name") ? f.new_name : name));
  return Save(cfg, path);
}

// ---------------------------------------------------------------------------------------------
// Registration

// AddCommonFlags adds the flags add and update share; `update` adds update-only ones.
void AddCommonFlags(CLI::App* cmd, const std::shared_ptr<ProvisionerFlags>& f, bool update) {
  auto opt = [&](const std::string& flag, CLI::Option* o) { f->opts[flag] = o; };
  if (update) {
    opt("name", cmd->add_option("--name", f->new_name, "The new <name> for the provisioner."));
  } else {
    opt("type", cmd->add_option("--type", f->type,
                                "The <type> of provisioner to create (default JWK): JWK, ACME, "
                                "SSHPOP or X5C (OIDC, K8SSA, NEBULA, SCEP, AWS, GCP, AZURE are "
                                "not supported yet)."));
  }
  opt("public-key", cmd->add_option("--public-key", f->public_key,
                                    "The <file> containing the JWK public key (JWK or PEM)."));
  // expected(0, 1): `--private-key=""` (an empty value, which removes the key on update)
  // must not swallow the next argument.
  opt("private-key",
      cmd->add_option("--private-key", f->private_key,
                      "The <file> containing the JWK private key (a JWE, a JWK or a PEM key).")
          ->expected(0, 1));
  opt("create",
      cmd->add_flag("--create", f->create, "Create the JWK key pair for the provisioner."));
  opt("password-file",
      cmd->add_option("--password-file", f->password_file,
                      "The path to the <file> containing the password to encrypt or decrypt the "
                      "private key."));
  opt("ca-config", cmd->add_option("--ca-config", f->ca_config,
                                   "The certificate authority configuration <file>. Defaults to "
                                   "$(cairn path)/config/ca.json"));
  opt("x509-template",
      cmd->add_option("--x509-template", f->x509_template, "The x509 certificate template <file>.")
          ->expected(0, 1));
  ;
  opt("x509-template-data",
      cmd->add_option("--x509-template-data", f->x509_template_data,
                      "The x509 certificate template data <file>, a JSON map.")
          ->expected(0, 1));
  ;
  opt("ssh-template",
      cmd->add_option("--ssh-template", f->ssh_template, "The ssh certificate template <file>.")
          ->expected(0, 1));
  ;
  opt("ssh-template-data", cmd->add_option("--ssh-template-data", f->ssh_template_data,
                                           "The ssh certificate template data <file>, a JSON map.")
                               ->expected(0, 1));
  ;
  struct Dur {
    const char* flag;
    std::string ProvisionerFlags::*field;
    const char* help;
  };
  const Dur kDurs[] = {
      {"x509-min-dur", &ProvisionerFlags::x509_min_dur,
       "The minimum <duration> for an x509 certificate."},
      {"x509-max-dur", &ProvisionerFlags::x509_max_dur,
       "The maximum <duration> for an x509 certificate."},
      {"x509-default-dur", &ProvisionerFlags::x509_default_dur,
       "The default <duration> for an x509 certificate."},
      {"ssh-user-min-dur", &ProvisionerFlags::ssh_user_min_dur,
       "The minimum <duration> for an ssh user certificate."},
      {"ssh-user-max-dur", &ProvisionerFlags::ssh_user_max_dur,
       "The maximum <duration> for an ssh user certificate."},
      {"ssh-user-default-dur", &ProvisionerFlags::ssh_user_default_dur,
       "The default <duration> for an ssh user certificate."},
      {"ssh-host-min-dur", &ProvisionerFlags::ssh_host_min_dur,
       "The minimum <duration> for an ssh host certificate."},
      {"ssh-host-max-dur", &ProvisionerFlags::ssh_host_max_dur,
       "The maximum <duration> for an ssh host certificate."},
      {"ssh-host-default-dur", &ProvisionerFlags::ssh_host_default_dur,
       "The default <duration> for an ssh host certificate."},
  };
  for (const Dur& d : kDurs) {
    opt(d.flag, cmd->add_option(std::string("--") + d.flag, (*f).*(d.field), d.help));
  }
  opt("disable-renewal", cmd->add_flag("--disable-renewal", f->disable_renewal,
                                       "Disable renewal for all certificates generated by this "
                                       "provisioner."));
  opt("allow-renewal-after-expiry",
      cmd->add_flag("--allow-renewal-after-expiry", f->allow_renewal_after_expiry,
                    "Allow renewals for expired certificates generated by this provisioner."));
  opt("disable-smallstep-extensions",
      cmd->add_flag("--disable-smallstep-extensions", f->disable_smallstep_extensions,
                    "Disable the Smallstep extension for all certificates generated by this "
                    "provisioner."));
  opt("ssh", cmd->add_flag("--ssh", f->ssh,
                           "Enable provisioning of ssh certificates. The default value is true. "
                           "To disable ssh use '--ssh=false'."));
  opt("force-cn", cmd->add_flag("--force-cn", f->force_cn,
                                "Always set the common name in provisioned certificates."));
  opt("require-eab", cmd->add_flag("--require-eab", f->require_eab,
                                   "Require (and enable) External Account Binding (EAB) for "
                                   "Account creation."));
  opt("challenge", cmd->add_option("--challenge", f->challenge,
                                   "With an ACME provisioner, a <challenge> to enable "
                                   "(http-01, dns-01, tls-alpn-01, device-attest-01).")
                       ->allow_extra_args(false));
  opt("attestation-format",
      cmd->add_option("--attestation-format", f->attestation_format,
                      "An ACME attestation statement <format> to enable (apple, step, tpm).")
          ->allow_extra_args(false));
  opt("attestation-roots",
      cmd->add_option("--attestation-roots", f->attestation_roots,
                      "PEM-encoded root certificate(s) <file> for attestation.")
          ->allow_extra_args(false));
  opt("x5c-roots", cmd->add_option("--x5c-roots,--x5c-root", f->x5c_roots,
                                   "PEM-encoded root certificate(s) <file> of an X5C "
                                   "provisioner.")
                       ->allow_extra_args(false));
  if (update) {
    opt("remove-challenge", cmd->add_option("--remove-challenge", f->remove_challenge,
                                            "Remove an ACME <challenge> from the provisioner.")
                                ->allow_extra_args(false));
    opt("remove-attestation-format",
        cmd->add_option("--remove-attestation-format", f->remove_attestation_format,
                        "Remove an ACME attestation statement <format>.")
            ->allow_extra_args(false));
  }
  cmd->add_option("--admin-cert", f->admin_cert,
                  "Admin certificate (ignored: ca.json is edited "
                  "directly).");
  cmd->add_option("--admin-key", f->admin_key, "Admin key (ignored).");
  cmd->add_option("--admin-subject,--admin-name", f->admin_subject, "Admin subject (ignored).");
  cmd->add_option("--admin-provisioner,--admin-issuer", f->admin_provisioner,
                  "Admin provisioner (ignored).");
  cmd->add_option("--admin-password-file", f->admin_password_file,
                  "Admin password file (ignored).");
  cmd->add_option("--ca-url", f->ca_url, "<URI> of the targeted CA (ignored).");
  cmd->add_option("--root", f->root, "The root certificate <file> (ignored).");
  cmd->add_option("--context", f->context, "The context <name> (ignored).");
}

}  // namespace

void RegisterCaProvisionerCommands(CLI::App& ca, RunState& state) {
  CLI::App* group = tools::AddCommand(
      ca, {.name = "provisioner",
           .summary = "create and manage the certificate authority provisioners",
           .usage = "cairn ca provisioner <subcommand> [arguments] [subcommand-flags]",
           .description =
               "A provisioner is an entity that controls provisioning credentials, used to\n"
               "generate provisioning tokens. JWK provisioners hold a key pair: the public key\n"
               "verifies tokens, the (encrypted) private key signs them."});
  group->require_subcommand(1);

  auto lo = std::make_shared<ListOptions>();
  CLI::App* list = tools::AddCommand(
      *group, {.name = "list",
               .summary = "list provisioners configured in the CA",
               .usage = "cairn ca provisioner list [--ca-url=<uri>] [--root=<file>]",
               .description = "cairn ca provisioner list prints the provisioners the CA serves "
                              "(GET /provisioners) as a JSON list.",
               .examples = "  $ cairn ca provisioner list\n"});
  list->add_option("args", lo->args, "");
  list->add_option("--ca-url", lo->ca_url, "<URI> of the targeted Certificate Authority.");
  list->add_option("--root", lo->root,
                   "The path to the PEM <file> used as the root certificate authority.");
  list->add_option("--context", lo->context, "The context <name> (ignored).");
  list->callback([&state, lo] { tools::Run(state, [&] { return List(*lo); }); });

  auto af = std::make_shared<ProvisionerFlags>();
  CLI::App* add = tools::AddCommand(
      *group,
      {.name = "add",
       .summary = "add a provisioner",
       .usage = "cairn ca provisioner add <name> --type=JWK [--public-key=<file>] "
                "[--private-key=<file>] [--create] [--password-file=<file>] "
                "[--ca-config=<file>] [--x509-template=<file>] [--x509-min-dur=<duration>] ...",
       .description = "cairn ca provisioner add adds a provisioner to the CA configuration.",
       .examples =
           "Create a JWK provisioner with newly generated keys:\n"
           "  $ cairn ca provisioner add cicd --type JWK --create --password-file pass.txt\n\n"
           "Create a JWK provisioner with duration claims:\n"
           "  $ cairn ca provisioner add cicd --create --x509-min-dur 20m --x509-default-dur "
           "48h\n\n"
           "Create a JWK provisioner with existing keys:\n"
           "  $ cairn ca provisioner add jane@doe.com --public-key jwk.pub --private-key "
           "jwk.priv\n\n"
           "Create an ACME provisioner:\n"
           "  $ cairn ca provisioner add acme --type ACME\n"});
  add->add_option("args", af->args, "<name>");
  AddCommonFlags(add, af, /*update=*/false);
  add->callback([&state, af] { tools::Run(state, [&] { return Add(*af); }); });

  auto rf = std::make_shared<ProvisionerFlags>();
  CLI::App* remove = tools::AddCommand(
      *group,
      {.name = "remove",
       .summary = "remove a provisioner from the CA configuration",
       .usage = "cairn ca provisioner remove <name> [--ca-config=<file>]",
       .description = "cairn ca provisioner remove removes a provisioner from the CA "
                      "configuration.",
       .examples = "Remove provisioner by name:\n"
                   "  $ cairn ca provisioner remove acme\n\n"
                   "Remove provisioner from a ca.json that is not in the default location:\n"
                   "  $ cairn ca provisioner remove acme --ca-config /path/to/ca.json\n"});
  remove->add_option("args", rf->args, "<name>");
  rf->opts["ca-config"] = remove->add_option("--ca-config", rf->ca_config,
                                             "The certificate authority configuration <file>.");
  remove->add_option("--kid", rf->kid,
                     "Remove the JWK provisioner only if its key has this <kid>.");
  remove->add_option("--admin-cert", rf->admin_cert, "Admin certificate (ignored).");
  remove->add_option("--admin-key", rf->admin_key, "Admin key (ignored).");
  remove->add_option("--admin-subject,--admin-name", rf->admin_subject, "(ignored)");
  remove->add_option("--admin-provisioner,--admin-issuer", rf->admin_provisioner, "(ignored)");
  remove->add_option("--admin-password-file,--password-file", rf->admin_password_file, "(ignored)");
  remove->add_option("--ca-url", rf->ca_url, "(ignored)");
  remove->add_option("--root", rf->root, "(ignored)");
  remove->add_option("--context", rf->context, "(ignored)");
  remove->callback([&state, rf] { tools::Run(state, [&] { return Remove(*rf); }); });

  auto uf = std::make_shared<ProvisionerFlags>();
  CLI::App* update = tools::AddCommand(
      *group,
      {.name = "update",
       .summary = "update a provisioner",
       .usage = "cairn ca provisioner update <name> [--name=<name>] [--public-key=<file>] "
                "[--private-key=<file>] [--create] [--password-file=<file>] "
                "[--ca-config=<file>] [--x509-min-dur=<duration>] ...",
       .description =
           "cairn ca provisioner update changes the given fields of a provisioner in the CA\n"
           "configuration and keeps every other field.",
       .examples = "Update the duration claims of a provisioner:\n"
                   "  $ cairn ca provisioner update cicd --x509-max-dur 72h\n\n"
                   "Remove the encrypted private key of a JWK provisioner:\n"
                   "  $ cairn ca provisioner update cicd --private-key=\"\"\n"});
  update->add_option("args", uf->args, "<name>");
  AddCommonFlags(update, uf, /*update=*/true);
  update->callback([&state, uf] { tools::Run(state, [&] { return Update(*uf); }); });
}

}  // namespace cairn::cli
