// `cairn ca init`: create a PKI (root and intermediate CA, their encrypted keys) and the CA
// configuration (config/ca.json, config/defaults.json, db/) under the Cairn home, laid out
// exactly as `step ca init` lays it out (stepca.md §4), so cairn-ca and step-ca both run from
// it and step clients can bootstrap against it. With --ssh it also makes the SSH host and user
// CA keys, the `ssh` and `templates` blocks of ca.json, an SSHPOP provisioner and the default
// SSH configuration templates under templates/ssh/, as step does.

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/file.h"
#include "base/strings.h"
#include "base/terminal.h"
#include "cli/certificate_util.h"
#include "cli/cli.h"
#include "cli/crypto_util.h"
#include "cli/ui.h"
#include "config/config.h"
#include "config/defaults.h"
#include "config/home.h"
#include "config/ssh_templates.h"
#include "crypto/random.h"
#include "crypto/signer.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "pki/builder.h"
#include "pki/certificate.h"
#include "pki/name.h"
#include "ssh/key.h"

namespace cairn::cli {
namespace {

struct InitOptions {
  std::string root;
  std::string key;
  std::string key_password_file;
  bool pki_only = false;
  std::string deployment_type;
  std::string name;
  std::vector<std::string> dns;
  std::string address;
  std::string provisioner;
  std::string password_file;
  std::string provisioner_password_file;
  std::string with_ca_url;
  bool no_db = false;
  bool acme = false;
  std::string context;
  std::string profile;
  std::string authority;
  // Key flags for the CA keys (a Cairn extension; step always uses EC P-256).
  std::string kty = "EC";
  std::string crv;
  int size = 0;
  bool kty_set = false;
  bool crv_set = false;
  bool size_set = false;
  bool force = false;
  bool ssh = false;
  // Flags of step's that Cairn does not implement; set means "refuse".
  bool helm = false;
  bool remote_management = false;
  std::string ra, kms, kms_root, kms_intermediate, kms_ssh_host, kms_ssh_user, issuer,
      issuer_fingerprint, issuer_provisioner, credentials_file, admin_subject;
};

void Progress(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

// SplitHostPort accepts "host:port", ":port" and "[v6]:port" with a numeric port.
bool ValidAddress(const std::string& address, std::string* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = address.substr(0, colon);
  std::string p = address.substr(colon + 1);
  if (host.find(':') != std::string::npos && !(host.starts_with('[') && host.ends_with(']'))) {
    return false;
  }
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  if (std::stoi(p) > 65535) return false;
  *port = p;
  return true;
}

bool ValidDnsName(const std::string& name) {
  if (!pki::CanonicalIp(name).empty()) return true;
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '*';
    if (!ok) return false;
  }
  return true;
}

// ProcessDnsValue splits the --dns value (or the answer to the prompt) as step does: spaces
// and commas separate names, empty names are skipped, "[::1]" becomes "::1".
Result<std::vector<std::string>> ProcessDnsValue(const std::string& value) {
  std::string v = value;
  for (char& c : v) {
    if (c == ' ') c = ',';
  }
  std::vector<std::string> out;
  for (std::string& part : Split(v, ',')) {
    std::string name(Trim(part));
    if (name.empty()) continue;
    if (name.starts_with('[') && name.ends_with(']')) {
      std::string inner = name.substr(1, name.size() - 2);
      if (!pki::CanonicalIp(inner).empty()) name = pki::CanonicalIp(inner);
    }
    if (!ValidDnsName(name)) {
      return InvalidArgumentError(name + " is not a valid DNS name or IP address");
    }
    out.push_back(name);
  }
  if (out.empty()) return InvalidArgumentError("dns must not be empty");
  return out;
}

// Ask prints `question` and prompts for a value unless `value` is already set.
Result<std::string> Ask(const std::string& value, std::string_view question,
                        std::string_view example) {
  if (!value.empty()) return value;
  Info(question);
  CAIRN_ASSIGN_OR_RETURN(std::string answer, PromptLine(std::string(example) + ": "));
  answer = std::string(Trim(answer));
  if (answer.empty()) return InvalidArgumentError("value cannot be empty");
  return answer;
}

Status CheckUnsupported(const InitOptions& o) {
  if (o.helm) return tools::UnsupportedFlag("helm");
  if (!o.ra.empty()) return tools::UnsupportedFlag("ra");
  if (!o.kms.empty()) return tools::UnsupportedFlag("kms");
  for (const auto* f : {&o.kms_root, &o.kms_intermediate, &o.kms_ssh_host, &o.kms_ssh_user}) {
    if (!f->empty()) return tools::UnsupportedFlag("kms");
  }
  if (!o.issuer.empty() || !o.issuer_fingerprint.empty() || !o.issuer_provisioner.empty()) {
    return tools::UnsupportedFlag("issuer");
  }
  if (!o.credentials_file.empty()) return tools::UnsupportedFlag("credentials-file");
  if (o.remote_management) return tools::UnsupportedFlag("remote-management");
  if (!o.admin_subject.empty()) {
    return InvalidArgumentError(
        "flag '--admin-subject' is only supported when '--remote-management' is enabled");
  }
  return Status();
}

// CaUrl derives defaults.json's ca-url from the first DNS name and the port, as step does:
// the port is left out when it is 443.
std::string CaUrl(const std::string& dns, const std::string& port) {
  std::string host = dns.find(':') != std::string::npos ? "[" + dns + "]" : dns;
  if (port == "443") return "https://" + host;
  return "https://" + host + ":" + port;
}

struct CaMaterial {
  pki::Certificate cert;
  crypto::PrivateKey key;
};

Result<CaMaterial> MakeRoot(const std::string& name, const crypto::KeySpec& spec, Time now) {
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(spec));
  pki::Name subject;
  subject.common_name = name + " Root CA";
  subject.organization = {name};
  pki::CertificateTemplate tmpl = tools::CaTemplate(subject, /*max_path_len=*/1);
  CAIRN_ASSIGN_OR_RETURN(tmpl.serial_decimal, pki::RandomSerial(crypto::OsslRandom::Default()));
  tmpl.not_before = now;
  tmpl.not_after = now + tools::kCaValidity;
  crypto::KeySigner signer(key);
  CAIRN_ASSIGN_OR_RETURN(pki::Certificate cert,
                         pki::SignCertificate(tmpl, key.public_key(), nullptr, signer));
  return CaMaterial{std::move(cert), std::move(key)};
}

Result<CaMaterial> MakeIntermediate(const std::string& name, const crypto::KeySpec& spec,
                                    const pki::Certificate& root,
                                    const crypto::PrivateKey& root_key, Time now) {
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(spec));
  pki::Name subject;
  subject.common_name = name + " Intermediate CA";
  subject.organization = {name};
  pki::CertificateTemplate tmpl = tools::CaTemplate(subject, /*max_path_len=*/0);
  CAIRN_ASSIGN_OR_RETURN(tmpl.serial_decimal, pki::RandomSerial(crypto::OsslRandom::Default()));
  tmpl.not_before = now;
  tmpl.not_after = now + tools::kCaValidity;
  crypto::KeySigner signer(root_key);
  auto cert = pki::SignCertificate(tmpl, key.public_key(), &root, signer);
  if (!cert.ok()) return cert.status().Annotate("error creating the intermediate certificate");
  return CaMaterial{std::move(*cert), std::move(key)};
}

// SshTemplates are step's default SSH configuration templates (config/ssh_templates.h), user
// then host.
const std::vector<config::SshTemplateConfig>& SshUserTemplates() {
  static const auto* const kList =
      new std::vector<config::SshTemplateConfig>(config::DefaultSshUserTemplates());
  return *kList;
}

const std::vector<config::SshTemplateConfig>& SshHostTemplates() {
  static const auto* const kList =
      new std::vector<config::SshTemplateConfig>(config::DefaultSshHostTemplates());
  return *kList;
}

// SshTemplateRelPath is the "template" value of an entry: relative to $STEPPATH, as step
// writes it.
std::string SshTemplateRelPath(const config::SshTemplateConfig& t) {
  return "templates/ssh/" + std::string(t.name);
}

// SshTemplatesJson is the `templates` block step writes with --ssh (templates.Templates with
// an empty, hence omitted, data map).
nlohmann::ordered_json SshTemplatesJson() {
  auto list = [](const std::vector<config::SshTemplateConfig>& templates) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const config::SshTemplateConfig& t : templates) {
      nlohmann::ordered_json e;
      e["name"] = t.name;
      e["type"] = t.type;
      e["template"] = SshTemplateRelPath(t);
      e["path"] = t.path;
      e["comment"] = "#";
      if (!t.requires_keys.empty()) {
        e["requires"] = nlohmann::ordered_json::array();
        for (const std::string& r : t.requires_keys) e["requires"].push_back(r);
      }
      out.push_back(std::move(e));
    }
    return out;
  };
  nlohmann::ordered_json ssh;
  ssh["user"] = list(SshUserTemplates());
  ssh["host"] = list(SshHostTemplates());
  return nlohmann::ordered_json{{"ssh", ssh}};
}

// SshCaKey is a new SSH CA key: the private key and its authorized_keys line.
struct SshCaKey {
  crypto::PrivateKey key;
  std::string authorized_key;
};

// MakeSshCaKey creates an SSH CA key as step's softkms does by default: EC P-256, whatever the
// key flags of the X.509 CA say.
Result<SshCaKey> MakeSshCaKey() {
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                         crypto::PrivateKey::Generate(crypto::KeySpec{crypto::KeyType::kEcP256}));
  auto pub = ssh::PublicKey::FromCrypto(key.public_key());
  if (!pub.ok()) return pub.status().Annotate("error converting public key");
  std::string line = pub->MarshalAuthorizedKey();
  return SshCaKey{std::move(key), std::move(line)};
}

// FirstProvisioner builds the JWK provisioner object of ca.json (type, name, key, encryptedKey).
Result<nlohmann::ordered_json> FirstProvisioner(const std::string& name,
                                                const std::string& password) {
  CAIRN_ASSIGN_OR_RETURN(jose::Jwk jwk, jose::Jwk::Generate("EC", "P-256"));
  CAIRN_ASSIGN_OR_RETURN(std::string encrypted, jose::EncryptJwk(jwk, password));
  nlohmann::ordered_json p;
  p["type"] = "JWK";
  p["name"] = name;
  CAIRN_ASSIGN_OR_RETURN(p["key"], tools::ParseJson(jwk.ToJsonString(false)));
  p["encryptedKey"] = encrypted;
  return p;
}

Status RunInit(const InitOptions& o) {
  CAIRN_RETURN_IF_ERROR(CheckUnsupported(o));
  if (!o.root.empty() && o.key.empty()) return tools::RequiredWithFlag("root", "key");
  if (o.root.empty() && !o.key.empty()) return tools::RequiredWithFlag("key", "root");
  if (o.pki_only && o.no_db) return tools::IncompatibleFlagWithFlag("pki", "no-db");
  if (o.acme && o.no_db) return tools::IncompatibleFlagWithFlag("acme", "no-db");
  std::string deployment = ToLower(o.deployment_type);
  if (!deployment.empty() && deployment != "standalone") {
    if (deployment == "linked" || deployment == "hosted") {
      return UnimplementedError("deployment type '" + deployment +
                                "' is not supported by cairn; use 'standalone'");
    }
    return tools::InvalidFlagValue("deployment-type", o.deployment_type,
                                   "standalone, linked or hosted");
  }
  CAIRN_ASSIGN_OR_RETURN(
      crypto::KeySpec spec,
      tools::KeySpecFromFlags(o.kty, o.kty_set, o.crv, o.crv_set, o.size, o.size_set, false));

  std::string password;
  if (!o.password_file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(password, ReadPasswordFile(o.password_file));
  }
  std::string provisioner_password;
  if (!o.provisioner_password_file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(provisioner_password, ReadPasswordFile(o.provisioner_password_file));
  }

  // An existing root: read it before asking anything.
  std::optional<CaMaterial> existing_root;
  if (!o.root.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadFile(o.root, pki::kMaxCertificateDer));
    auto cert = pki::Certificate::FromPem(pem);
    if (!cert.ok()) cert = pki::Certificate::FromDer(pem);
    if (!cert.ok()) return cert.status().Annotate("error reading " + o.root);
    if (!cert->is_ca()) {
      return InvalidArgumentError("certificate " + o.root + " is not a certificate authority");
    }
    CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                           tools::ReadPrivateKeyFile(o.key, o.key_password_file));
    if (!key.public_key().Equals(cert->public_key())) {
      return InvalidArgumentError("the key " + o.key + " does not match the certificate " + o.root);
    }
    existing_root = CaMaterial{std::move(*cert), std::move(key)};
  }

  // Prompts, in step's order, for whatever the flags did not say.
  CAIRN_ASSIGN_OR_RETURN(std::string name, Ask(o.name, "What would you like to name your new PKI?",
                                               "(e.g. Smallstep)"));
  std::vector<std::string> dns_names;
  std::string address, provisioner, port;
  if (!o.pki_only) {
    CAIRN_ASSIGN_OR_RETURN(
        std::string dns_value,
        Ask(Join(o.dns, ","), "What DNS names or IP addresses will clients use to reach your CA?",
            "(e.g. ca.example.com[,10.1.2.3,etc.])"));
    CAIRN_ASSIGN_OR_RETURN(dns_names, ProcessDnsValue(dns_value));
    CAIRN_ASSIGN_OR_RETURN(
        address,
        Ask(o.address, "What IP and port will your new CA bind to? (:443 will bind to 0.0.0.0:443)",
            "(e.g. :443 or 127.0.0.1:443)"));
    if (!ValidAddress(address, &port)) return tools::InvalidFlagValue("address", address);
    CAIRN_ASSIGN_OR_RETURN(
        provisioner, Ask(o.provisioner, "What would you like to name the CA's first provisioner?",
                         "(e.g. you@smallstep.com)"));
  }
  if (password.empty()) {
    Info(o.pki_only ? "Choose a password for your CA keys."
                    : "Choose a password for your CA keys and first provisioner.");
    CAIRN_ASSIGN_OR_RETURN(password,
                           PromptNewPassword("[leave empty and we'll generate one]: ", true));
  }
  if (provisioner_password.empty()) provisioner_password = password;

  // The layout, with absolute paths as step writes them.
  std::string home = tools::AbsolutePath(config::CairnHome());
  const std::string certs_dir = JoinPath(home, "certs");
  const std::string secrets_dir = JoinPath(home, "secrets");
  const std::string config_dir = JoinPath(home, "config");
  const std::string templates_dir = JoinPath(home, "templates");
  const std::string root_path = JoinPath(certs_dir, "root_ca.crt");
  const std::string root_key_path = JoinPath(secrets_dir, "root_ca_key");
  const std::string intermediate_path = JoinPath(certs_dir, "intermediate_ca.crt");
  const std::string intermediate_key_path = JoinPath(secrets_dir, "intermediate_ca_key");
  const std::string ssh_host_pub_path = JoinPath(certs_dir, "ssh_host_ca_key.pub");
  const std::string ssh_user_pub_path = JoinPath(certs_dir, "ssh_user_ca_key.pub");
  const std::string ssh_host_key_path = JoinPath(secrets_dir, "ssh_host_ca_key");
  const std::string ssh_user_key_path = JoinPath(secrets_dir, "ssh_user_ca_key");
  const std::string ssh_templates_dir = JoinPath(templates_dir, "ssh");
  const std::string ca_config_path = config::CaConfigPath(home);
  const std::string defaults_path = config::DefaultsPath(home);
  const std::string db_path = config::DbDirectory(home);

  // Nothing is written before every existing file has been confirmed for overwriting.
  std::vector<std::string> targets = {root_path, intermediate_path, intermediate_key_path};
  if (!existing_root) targets.push_back(root_key_path);
  if (o.ssh) {
    for (const std::string* t :
         {&ssh_host_pub_path, &ssh_host_key_path, &ssh_user_pub_path, &ssh_user_key_path}) {
      targets.push_back(*t);
    }
  }
  if (!o.pki_only) {
    targets.push_back(ca_config_path);
    targets.push_back(defaults_path);
    if (o.ssh) {
      for (const auto* list : {&SshUserTemplates(), &SshHostTemplates()}) {
        for (const config::SshTemplateConfig& t : *list)
          targets.push_back(JoinPath(home, SshTemplateRelPath(t)));
      }
    }
  }
  for (const std::string& t : targets) CAIRN_RETURN_IF_ERROR(ConfirmOverwrite(t, o.force));

  for (const std::string& dir : {certs_dir, secrets_dir, config_dir, templates_dir}) {
    if (!FileExists(dir)) CAIRN_RETURN_IF_ERROR(MakeDirs(dir, 0700));
  }

  nlohmann::ordered_json first_provisioner;
  if (!o.pki_only) {
    CAIRN_ASSIGN_OR_RETURN(first_provisioner, FirstProvisioner(provisioner, provisioner_password));
  }

  Time now = TruncateToSeconds(SystemClock::Default().Now());
  Info("");
  std::optional<CaMaterial> root;
  if (existing_root) {
    Progress("Copying root certificate... ");
    root = std::move(existing_root);
  } else {
    Progress("Generating root certificate... ");
    auto made = MakeRoot(name, spec, now);
    if (!made.ok()) return made.status().Annotate("error creating the root certificate");
    root = std::move(*made);
  }
  Progress("done!\n");
  Progress("Generating intermediate certificate... ");
  CAIRN_ASSIGN_OR_RETURN(CaMaterial intermediate,
                         MakeIntermediate(name, spec, root->cert, root->key, now));
  Progress("done!\n");
  // step makes the host key first, then the user key, both encrypted with the CA password.
  std::optional<SshCaKey> ssh_host, ssh_user;
  if (o.ssh) {
    Progress("Generating user and host SSH certificate signing keys... ");
    CAIRN_ASSIGN_OR_RETURN(ssh_host, MakeSshCaKey());
    CAIRN_ASSIGN_OR_RETURN(ssh_user, MakeSshCaKey());
    Progress("done!\n");
  }

  // step writes every generated file with mode 0600, certificates included.
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(root_path, root->cert.pem(), 0600));
  if (o.root.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string root_key_pem, root->key.ToPem(password));
    CAIRN_RETURN_IF_ERROR(WriteFileAtomic(root_key_path, root_key_pem, 0600));
  }
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(intermediate_path, intermediate.cert.pem(), 0600));
  CAIRN_ASSIGN_OR_RETURN(std::string intermediate_key_pem, intermediate.key.ToPem(password));
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(intermediate_key_path, intermediate_key_pem, 0600));
  if (o.ssh) {
    // step writes the public keys with the same 0600 as every other generated PKI file.
    CAIRN_RETURN_IF_ERROR(WriteFileAtomic(ssh_host_pub_path, ssh_host->authorized_key, 0600));
    CAIRN_ASSIGN_OR_RETURN(std::string host_pem, ssh_host->key.ToPem(password));
    CAIRN_RETURN_IF_ERROR(WriteFileAtomic(ssh_host_key_path, host_pem, 0600));
    CAIRN_RETURN_IF_ERROR(WriteFileAtomic(ssh_user_pub_path, ssh_user->authorized_key, 0600));
    CAIRN_ASSIGN_OR_RETURN(std::string user_pem, ssh_user->key.ToPem(password));
    CAIRN_RETURN_IF_ERROR(WriteFileAtomic(ssh_user_key_path, user_pem, 0600));
  }

  const std::string fingerprint = root->cert.fingerprint_sha256_hex();
  Info("");
  PrintSelected("Root certificate", root_path);
  PrintSelected("Root private key", o.root.empty() ? root_key_path : tools::AbsolutePath(o.key));
  PrintSelected("Root fingerprint", fingerprint);
  PrintSelected("Intermediate certificate", intermediate_path);
  PrintSelected("Intermediate private key", intermediate_key_path);
  if (o.ssh) {
    PrintSelected("SSH user public key", ssh_user_pub_path);
    PrintSelected("SSH user private key", ssh_user_key_path);
    PrintSelected("SSH host public key", ssh_host_pub_path);
    PrintSelected("SSH host private key", ssh_host_key_path);
  }

  if (!o.pki_only) {
    nlohmann::ordered_json ca = nlohmann::ordered_json::object();
    ca["root"] = root_path;
    ca["federatedRoots"] = nullptr;
    ca["crt"] = intermediate_path;
    ca["key"] = intermediate_key_path;
    ca["address"] = address;
    ca["insecureAddress"] = "";
    ca["dnsNames"] = dns_names;
    if (o.ssh) {
      ca["ssh"] =
          nlohmann::ordered_json{{"hostKey", ssh_host_key_path}, {"userKey", ssh_user_key_path}};
    }
    ca["logger"] = nlohmann::ordered_json{{"format", "text"}};
    if (!o.no_db) {
      nlohmann::ordered_json db;
      db["type"] = "badgerv2";
      db["dataSource"] = db_path;
      db["badgerFileLoadingMode"] = "";
      ca["db"] = db;
    }
    nlohmann::ordered_json provisioners = nlohmann::ordered_json::array();
    const nlohmann::ordered_json ssh_claims{{"enableSSHCA", true}};
    if (o.ssh) first_provisioner["claims"] = ssh_claims;
    provisioners.push_back(first_provisioner);
    if (o.acme) {
      // step renames the ACME provisioner when the first provisioner already took "acme".
      std::string acme_name = provisioner == "acme" ? "acme-1" : "acme";
      provisioners.push_back(nlohmann::ordered_json{{"type", "ACME"}, {"name", acme_name}});
    }
    if (o.ssh) {
      // Likewise "sshpop" becomes "sshpop-1" when the first provisioner took the name.
      std::string sshpop_name = provisioner == "sshpop" ? "sshpop-1" : "sshpop";
      provisioners.push_back(nlohmann::ordered_json{
          {"type", "SSHPOP"}, {"name", sshpop_name}, {"claims", ssh_claims}});
    }
    ca["authority"] = nlohmann::ordered_json{{"provisioners", provisioners}};
    nlohmann::ordered_json tls;
    tls["cipherSuites"] = std::vector<std::string>(std::begin(config::kDefaultCipherSuites),
                                                   std::end(config::kDefaultCipherSuites));
    tls["minVersion"] = 1.2;
    tls["maxVersion"] = 1.3;
    tls["renegotiation"] = false;
    ca["tls"] = tls;
    if (o.ssh) ca["templates"] = SshTemplatesJson();
    CAIRN_ASSIGN_OR_RETURN(config::CaConfig cfg, config::ParseCaConfigJson(ca, ca_config_path));
    CAIRN_RETURN_IF_ERROR(config::SaveCaConfig(cfg, ca_config_path));

    config::Defaults defaults;
    defaults.ca_url = o.with_ca_url.empty() ? CaUrl(dns_names.front(), port) : o.with_ca_url;
    defaults.ca_config = ca_config_path;
    defaults.fingerprint = fingerprint;
    defaults.root = root_path;
    CAIRN_RETURN_IF_ERROR(config::SaveDefaults(defaults, defaults_path));

    if (o.ssh) {
      if (!FileExists(ssh_templates_dir)) CAIRN_RETURN_IF_ERROR(MakeDirs(ssh_templates_dir, 0700));
      for (const auto* list : {&SshUserTemplates(), &SshHostTemplates()}) {
        for (const config::SshTemplateConfig& t : *list) {
          CAIRN_RETURN_IF_ERROR(
              WriteFileAtomic(JoinPath(home, SshTemplateRelPath(t)), t.content, 0644));
        }
      }
    }

    if (!o.no_db) {
      if (!FileExists(db_path)) CAIRN_RETURN_IF_ERROR(MakeDirs(db_path, 0700));
      PrintSelected("Database folder", db_path);
    }
    if (o.ssh) PrintSelected("Templates folder", templates_dir);
    PrintSelected("Default configuration", defaults_path);
    PrintSelected("Certificate Authority configuration", ca_config_path);
    Info("");
    Info(
        "Your PKI is ready to go. To generate certificates for individual services see "
        "'cairn ca --help'.");
  }
  Info("");
  Info("FEEDBACK");
  Info("  The cairn utility is not instrumented for usage statistics. It does not phone");
  Info("  home. Your feedback is valuable: tell the Cairn maintainers how you use it.");
  return Status();
}

}  // namespace

void RegisterCaInitCommand(CLI::App& ca, RunState& state) {
  auto o = std::make_shared<InitOptions>();
  CLI::App* cmd = tools::AddCommand(
      ca,
      {.name = "init",
       .summary = "initialize the CA PKI",
       .usage =
           "cairn ca init [--root=<file>] [--key=<file>] [--key-password-file=<file>] "
           "[--pki] [--deployment-type=standalone] [--name=<name>] [--dns=<dns>] "
           "[--address=<address>] [--provisioner=<name>] [--password-file=<file>] "
           "[--provisioner-password-file=<file>] [--with-ca-url=<url>] [--no-db] [--acme] [--ssh] "
           "[--kty=<type>] [--crv=<curve>] [--size=<bits>] [--force]",
       .description =
           "cairn ca init initializes a public key infrastructure (PKI) to be used by the\n"
           "Certificate Authority: a root and an intermediate CA certificate with their\n"
           "password-encrypted keys, a first JWK provisioner, config/ca.json,\n"
           "config/defaults.json and db/, under $(cairn path), laid out as step ca init lays\n"
           "them out. With --ssh it also creates the SSH host and user CA keys, an SSHPOP\n"
           "provisioner and the SSH configuration templates (templates/ssh/). Values not given\n"
           "as flags are asked for.",
       .examples =
           "Initialize a CA non-interactively:\n"
           "  $ cairn ca init --name Smallstep --dns ca.example.com --address :443 \\\n"
           "      --provisioner admin@example.com --password-file pass.txt\n\n"
           "Use P-384 keys for the CA:\n"
           "  $ cairn ca init --name Example --dns ca.example.com --address :9000 \\\n"
           "      --provisioner admin --password-file pass.txt --kty EC --crv P-384\n\n"
           "Issue the intermediate from an existing root:\n"
           "  $ cairn ca init --root root.crt --key root.key --key-password-file rootpass.txt \\\n"
           "      --name Example --dns ca.example.com --address :443 --provisioner admin \\\n"
           "      --password-file pass.txt\n"});
  cmd->add_option("--root", o->root,
                  "The path of an existing PEM <file> to be used as the root "
                  "certificate authority.");
  cmd->add_option("--key", o->key,
                  "The path of an existing key <file> of the root certificate "
                  "authority.");
  cmd->add_option("--key-password-file", o->key_password_file,
                  "The path to the <file> containing the password to decrypt the existing root "
                  "certificate key.");
  cmd->add_flag("--pki", o->pki_only, "Generate only the PKI without the CA configuration.");
  cmd->add_option("--deployment-type", o->deployment_type,
                  "The <name> of the deployment type to use: standalone (the only one cairn "
                  "supports).");
  cmd->add_option("--name", o->name, "The <name> of the new PKI.");
  cmd->add_option("--dns", o->dns,
                  "The DNS <name> or IP address of the new CA. Use the '--dns' flag multiple "
                  "times (or commas) to configure multiple DNS names.")
      ->allow_extra_args(false);
  cmd->add_option("--address", o->address, "The <address> that the new CA will listen at.");
  cmd->add_option("--provisioner", o->provisioner, "The <name> of the first provisioner.");
  cmd->add_option("--password-file", o->password_file,
                  "The path to the <file> containing the password to encrypt the keys.");
  cmd->add_option("--provisioner-password-file", o->provisioner_password_file,
                  "The path to the <file> containing the password to encrypt the provisioner "
                  "key.");
  cmd->add_option("--with-ca-url", o->with_ca_url,
                  "<URI> of the Certificate Authority to write in defaults.json");
  cmd->add_flag("--no-db", o->no_db,
                "Generate a CA configuration without the DB stanza. No persistence layer.");
  cmd->add_flag("--acme", o->acme, "Create a default ACME provisioner. Defaults to false.");
  cmd->add_option("--context", o->context, "The context <name> (ignored: cairn has no contexts).");
  cmd->add_option("--profile", o->profile, "The profile <name> (ignored: no contexts).");
  cmd->add_option("--authority", o->authority, "The authority <name> (ignored: no contexts).");
  cmd->add_option("--kty", o->kty, "The key type of the CA keys: EC (default), RSA or OKP.")
      ->each([o](const std::string&) { o->kty_set = true; });
  cmd->add_option("--crv,--curve", o->crv,
                  "The curve of EC/OKP CA keys: P-256 (default), P-384, P-521, Ed25519.")
      ->each([o](const std::string&) { o->crv_set = true; });
  cmd->add_option("--size", o->size, "The size in bits of RSA CA keys (default 2048).")
      ->each([o](const std::string&) { o->size_set = true; });
  cmd->add_flag("-f,--force", o->force, "Overwrite existing files without asking.");
  cmd->add_flag("--ssh", o->ssh, "Create keys to sign SSH certificates.");
  // step flags cairn does not implement: accepted so the error names them.
  cmd->add_flag("--helm", o->helm, "Generate a Helm values YAML (not supported).");
  cmd->add_flag("--remote-management", o->remote_management,
                "Enable Remote Management (not supported).");
  cmd->add_option("--ra", o->ra, "The registration authority <type> (not supported).");
  cmd->add_option("--kms", o->kms, "The key manager service <type> (not supported).");
  cmd->add_option("--kms-root", o->kms_root, "")->group("");
  cmd->add_option("--kms-intermediate", o->kms_intermediate, "")->group("");
  cmd->add_option("--kms-ssh-host", o->kms_ssh_host, "")->group("");
  cmd->add_option("--kms-ssh-user", o->kms_ssh_user, "")->group("");
  cmd->add_option("--issuer", o->issuer, "")->group("");
  cmd->add_option("--issuer-fingerprint", o->issuer_fingerprint, "")->group("");
  cmd->add_option("--issuer-provisioner", o->issuer_provisioner, "")->group("");
  cmd->add_option("--credentials-file", o->credentials_file, "")->group("");
  cmd->add_option("--admin-subject,--admin-name", o->admin_subject, "")->group("");
  cmd->callback([&state, o] { tools::Run(state, [&] { return RunInit(*o); }); });
}

}  // namespace cairn::cli
