#include "cli/ca_client_flow.h"

#include <sys/stat.h>

#include <cstdlib>
#include <utility>

#include "authority/open_store.h"
#include "base/duration.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"
#include "base/terminal.h"
#include "cli/ui.h"
#include "config/defaults.h"
#include "config/home.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "pki/certificate.h"

namespace cairn::cli {
namespace {

constexpr int kPasswordTries = 3;
constexpr size_t kMaxTextFile = 1 << 20;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

bool Given(const CLI::Option* opt) { return opt != nullptr && opt->count() > 0; }

// Fill sets `value` from the environment, then from defaults.json, when the flag was not
// given on the command line.
void Fill(std::string& value, const CLI::Option* opt, const char* env, const std::string& dflt) {
  if (Given(opt) || !value.empty()) return;
  std::string e = Env(env);
  value = e.empty() ? dflt : e;
}

// PasswordFile is --provisioner-password-file, else --password-file (step's order).
const std::string& ProvisionerPasswordFile(const ClientFlags& f) {
  return f.provisioner_password_file.empty() ? f.password_file : f.provisioner_password_file;
}

// Decrypt runs `attempt` with the password from `file`, or with up to three prompted
// passwords.
template <typename T, typename Fn>
Result<T> WithPassword(const std::string& file, const std::string& prompt, Fn attempt) {
  if (!file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string pw, ReadPasswordFile(file));
    return attempt(pw);
  }
  Status last;
  for (int i = 0; i < kPasswordTries; ++i) {
    CAIRN_ASSIGN_OR_RETURN(std::string pw, PromptPassword(prompt));
    auto r = attempt(pw);
    if (r.ok()) return r;
    last = r.status();
  }
  return last;
}

std::string Hostname(const std::string& dns) {
  if (dns.find(':') != std::string::npos && dns.front() != '[') return "[" + dns + "]";
  return dns;
}

}  // namespace

Result<client::ProvisionerInfo> ChooseProvisioner(const ClientFlags& f,
                                                  std::vector<client::ProvisionerInfo> list) {
  std::string name_flag = "provisioner";
  CAIRN_ASSIGN_OR_RETURN(
      list, client::FilterProvisioners(std::move(list), f.provisioner, f.kid, name_flag));
  size_t i = 0;
  if (list.size() > 1) {
    std::vector<std::string> labels;
    for (const auto& p : list) labels.push_back(p.Label());
    auto chosen = Select("What provisioner key do you want to use?", labels);
    if (!chosen.ok()) {
      return InvalidArgumentError(
          "several provisioners are configured; choose one with --provisioner (or --kid)");
    }
    i = *chosen;
  }
  PrintSelected("Provisioner", list[i].Label());
  return list[i];
}

Result<int> ReasonCodeToNum(const std::string& rc) {
  if (rc.empty()) return 0;
  char* end = nullptr;
  long n = std::strtol(rc.c_str(), &end, 10);
  if (end != nullptr && *end == '\0') {
    if (n < 0 || n > 10) {
      return InvalidArgumentError("reasonCode out of bounds. Got " + std::to_string(n) +
                                  ", but want value between 0 and 10");
    }
    return static_cast<int>(n);
  }
  static const std::pair<const char*, int> kCodes[] = {
      {"unspecified", 0},        {"keycompromise", 1}, {"cacompromise", 2},
      {"affiliationchanged", 3}, {"superseded", 4},    {"cessationofoperation", 5},
      {"certificatehold", 6},    {"removefromcrl", 8}, {"privilegewithdrawn", 9},
      {"aacompromise", 10}};
  std::string key;
  for (char c : rc) {
    if (c != ' ') key.push_back(c);
  }
  key = ToLower(key);
  for (const auto& [name, code] : kCodes) {
    if (key == name) return code;
  }
  return InvalidArgumentError("unrecognized revocation reason code '" + rc + "'");
}

void AddCaUrlFlag(CLI::App& cmd, ClientFlags& f) {
  f.ca_url_opt =
      cmd.add_option("--ca-url", f.ca_url, "<URI> of the targeted Step Certificate Authority.");
}

void AddRootFlag(CLI::App& cmd, ClientFlags& f) {
  f.root_opt = cmd.add_option("--root", f.root,
                              "The path to the PEM <file> used as the root certificate authority.");
}

void AddFingerprintFlag(CLI::App& cmd, ClientFlags& f) {
  f.fingerprint_opt = cmd.add_option("--fingerprint", f.fingerprint,
                                     "The <fingerprint> of the targeted root certificate.");
}

void AddForceFlag(CLI::App& cmd, ClientFlags& f) {
  cmd.add_flag("-f,--force", f.force, "Force the overwrite of files without asking.");
}

void AddOfflineFlags(CLI::App& cmd, ClientFlags& f) {
  cmd.add_flag("--offline", f.offline,
               "Creates a certificate without contacting the certificate authority. Offline "
               "mode uses the configuration, certificates, and keys created with 'cairn ca "
               "init', but can accept a different configuration file using --ca-config.");
  f.ca_config_opt = cmd.add_option("--ca-config", f.ca_config,
                                   "The certificate authority configuration <file>. Defaults to "
                                   "$(cairn path)/config/ca.json");
}

void AddProvisionerFlags(CLI::App& cmd, ClientFlags& f, bool with_kid) {
  f.provisioner_opt =
      cmd.add_option("--provisioner,--issuer", f.provisioner, "The provisioner <name> to use.");
  if (with_kid) cmd.add_option("--kid", f.kid, "The provisioner <kid> to use.");
  cmd.add_option("--provisioner-password-file", f.provisioner_password_file,
                 "The path to the <file> containing the password to decrypt the one-time token "
                 "generating key.");
  cmd.add_option("--password-file", f.password_file,
                 "The path to the <file> containing the password to decrypt the key (the "
                 "provisioner key, or with --offline the CA's intermediate key).");
}

void AddTemplateDataFlags(CLI::App& cmd, ClientFlags& f) {
  cmd.add_option("--set", f.set,
                 "The <key=value> pair with template data variables. Use the --set flag "
                 "multiple times to add multiple variables.")
      ->allow_extra_args(false);
  cmd.add_option("--set-file", f.set_file, "The JSON <file> with the template data variables.");
}

Status ApplyDefaults(ClientFlags& f) {
  std::string home = config::CairnHome();
  config::Defaults d;
  auto loaded = config::LoadDefaults(config::DefaultsPath(home));
  if (loaded.ok()) {
    d = std::move(loaded).value();
  } else if (loaded.status().code() != StatusCode::kNotFound) {
    return loaded.status();
  }
  std::string dflt_provisioner;
  if (auto it = d.raw.find("provisioner"); it != d.raw.end() && it->is_string()) {
    dflt_provisioner = it->get<std::string>();
  }
  Fill(f.ca_url, f.ca_url_opt, "STEP_CA_URL", d.ca_url);
  Fill(f.root, f.root_opt, "STEP_ROOT", d.root);
  Fill(f.fingerprint, f.fingerprint_opt, "STEP_FINGERPRINT", d.fingerprint);
  Fill(f.ca_config, f.ca_config_opt, "STEP_CA_CONFIG", d.ca_config);
  if (f.provisioner_opt != nullptr) {
    Fill(f.provisioner, f.provisioner_opt, "STEP_PROVISIONER", dflt_provisioner);
  }
  if (f.ca_config.empty()) f.ca_config = config::CaConfigPath(home);
  f.root = ExpandHome(f.root);
  f.ca_config = ExpandHome(f.ca_config);
  return Status();
}

Status RequiredFlagError(const ClientFlags& f, std::string_view flag) {
  return InvalidArgumentError("'cairn " + f.command + "' requires the '--" + std::string(flag) +
                              "' flag");
}

Result<std::string> RootPath(const ClientFlags& f) {
  if (!f.root.empty()) return f.root;
  std::string path = JoinPath(config::CairnHome(), "certs/root_ca.crt");
  if (FileExists(path)) return path;
  return RequiredFlagError(f, "root");
}

Result<std::string> RequireCaUrl(const ClientFlags& f) {
  if (f.ca_url.empty()) return RequiredFlagError(f, "ca-url");
  return client::NormalizeCaUrl(f.ca_url);
}

std::string WrapText(std::string_view text, size_t width) {
  std::string out;
  size_t line_len = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\n') {
      out.push_back('\n');
      line_len = 0;
      ++i;
      continue;
    }
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = text.find_first_of(" \n", i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(i, end - i);
    if (line_len > 0 && line_len + 1 + word.size() > width) {
      out.push_back('\n');
      line_len = 0;
    } else if (line_len > 0) {
      out.push_back(' ');
      ++line_len;
    }
    out.append(word);
    line_len += word.size();
    i = end;
  }
  return out;
}

Result<std::string> ReadTextFile(const std::string& path) {
  auto r = ReadFile(path, kMaxTextFile);
  if (!r.ok() && r.status().code() == StatusCode::kNotFound) {
    return NotFoundError("open " + path + ": no such file or directory");
  }
  return r;
}

Result<std::unique_ptr<client::CaClient>> OnlineClient(const ClientFlags& f) {
  CAIRN_ASSIGN_OR_RETURN(std::string ca_url, RequireCaUrl(f));
  CAIRN_ASSIGN_OR_RETURN(std::string root, RootPath(f));
  CAIRN_ASSIGN_OR_RETURN(std::string root_pem, ReadTextFile(root));
  client::CaClientOptions o;
  o.ca_url = ca_url;
  o.root_pem = std::move(root_pem);
  return client::CaClient::Create(std::move(o));
}

Result<std::unique_ptr<client::CaClient>> ClientForToken(const ClientFlags& f,
                                                         const std::string& token) {
  auto decoded = jose::DecodeUnverified(token);
  if (!decoded.ok()) return decoded.status().Annotate("error parsing flag '--token'");
  const nlohmann::json& claims = decoded->second;
  std::string sha, aud;
  if (auto it = claims.find("sha"); it != claims.end() && it->is_string()) sha = *it;
  if (auto it = claims.find("aud"); it != claims.end()) {
    if (it->is_string()) aud = *it;
    if (it->is_array() && !it->empty() && (*it)[0].is_string()) aud = (*it)[0];
  }
  if (!sha.empty() && ToLower(aud).starts_with("http")) {
    std::string ca_url = f.ca_url.empty() ? aud : f.ca_url;
    CAIRN_ASSIGN_OR_RETURN(ca_url, client::NormalizeCaUrl(ca_url));
    client::CaClientOptions bootstrap;
    bootstrap.ca_url = ca_url;
    bootstrap.insecure = true;
    CAIRN_ASSIGN_OR_RETURN(auto pinned, client::CaClient::Create(std::move(bootstrap)));
    CAIRN_ASSIGN_OR_RETURN(std::string root_pem, pinned->Root(sha));
    client::CaClientOptions o;
    o.ca_url = ca_url;
    o.root_pem = std::move(root_pem);
    PrintSelected("CA", ca_url);
    return client::CaClient::Create(std::move(o));
  }
  CAIRN_ASSIGN_OR_RETURN(auto c, OnlineClient(f));
  PrintSelected("CA", c->ca_url());
  return c;
}

Result<nlohmann::json> TemplateData(const ClientFlags& f) {
  if (f.set.empty() && f.set_file.empty()) return nlohmann::json();
  nlohmann::json data = nlohmann::json::object();
  if (!f.set_file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string text, ReadTextFile(f.set_file));
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return InvalidArgumentError("error unmarshaling " + f.set_file + ": not a JSON object");
    }
    data = std::move(parsed);
  }
  for (const std::string& kv : f.set) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      return InvalidArgumentError("invalid value '" + kv + "' for flag '--set'");
    }
    std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
    nlohmann::json v = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    data[key] = v.is_discarded() ? nlohmann::json(value) : v;
  }
  return data;
}

Result<std::optional<Time>> ParseTimeFlag(std::string_view value, std::string_view name, Time now) {
  if (value.empty()) return std::optional<Time>();
  auto t = TimeOrDuration::Parse(value);
  if (!t.ok() || !t->is_set()) {
    return InvalidArgumentError("invalid value '" + std::string(value) + "' for flag '--" +
                                std::string(name) + "'");
  }
  return std::optional<Time>(t->Resolve(now));
}

Status ValidateTimeDurationFlag(std::string_view value, std::string_view name) {
  if (value.empty()) return Status();
  auto t = TimeOrDuration::Parse(value);
  if (!t.ok()) {
    return InvalidArgumentError("invalid value '" + std::string(value) + "' for flag '--" +
                                std::string(name) + "'");
  }
  return Status();
}

// --- OfflineCa ---------------------------------------------------------------------------

OfflineCa::~OfflineCa() {
  authority_.reset();  // the authority refers to the store
  store_.reset();
}

Result<std::unique_ptr<OfflineCa>> OfflineCa::Load(const ClientFlags& f) {
  if (f.ca_config.empty()) {
    return InvalidArgumentError("missing value for flag '--ca-config'");
  }
  std::unique_ptr<OfflineCa> ca(new OfflineCa());
  ca->flags_ = f;
  ca->home_ = config::CairnHome();
  auto cfg = config::LoadCaConfig(f.ca_config);
  if (!cfg.ok()) {
    if (cfg.status().code() == StatusCode::kNotFound) {
      return NotFoundError("open " + f.ca_config + ": no such file or directory");
    }
    return cfg.status();
  }
  ca->config_ = std::move(cfg).value();
  if (ca->config_.provisioners.empty()) {
    return InvalidArgumentError("error parsing " + f.ca_config + ": no provisioners found");
  }
  if (ca->config_.dns_names.empty()) {
    return InvalidArgumentError("error parsing " + f.ca_config + ": no dnsNames");
  }
  return ca;
}

std::string OfflineCa::ca_url() const { return "https://" + Hostname(config_.dns_names.front()); }

std::string OfflineCa::Audience(client::TokenType type) const {
  switch (type) {
    case client::TokenType::kRevoke:
      return ca_url() + "/revoke";
    case client::TokenType::kRenew:
      return ca_url() + "/renew";
    case client::TokenType::kSign:
      break;
  }
  return ca_url() + "/sign";
}

Result<std::string> OfflineCa::RootFingerprint() const {
  if (config_.roots.empty()) return InvalidArgumentError("ca.json: `root` cannot be empty");
  std::string path = config::ResolvePath(home_, config_.roots.front());
  CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(path));
  CAIRN_ASSIGN_OR_RETURN(auto certs, pki::Certificate::ParsePemBundle(pem));
  return certs.front().fingerprint_sha256_hex();
}

std::vector<client::ProvisionerInfo> OfflineCa::provisioners() const {
  std::vector<nlohmann::json> objects;
  for (const auto& p : config_.provisioners) {
    objects.push_back(nlohmann::json::parse(p.raw.dump()));
  }
  return client::ParseProvisioners(objects);
}

Result<authority::Authority*> OfflineCa::Authority() {
  if (authority_) return authority_.get();
  std::string password;
  if (!flags_.password_file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(password, ReadPasswordFile(flags_.password_file));
  } else if (config_.password.empty()) {
    // Ask only when the key file is an encrypted PEM (a KMS URI or a plain key needs nothing).
    std::string key_path = config::ResolvePath(home_, config_.key);
    auto key_pem = ReadFile(key_path, kMaxTextFile);
    if (key_pem.ok() && client::KeyFileIsEncrypted(*key_pem)) {
      CAIRN_ASSIGN_OR_RETURN(
          password, PromptPassword("Please enter the password to decrypt " + key_path + ": "));
    }
  }
  CAIRN_ASSIGN_OR_RETURN(store_, authority::OpenStoreFor(config_, home_));
  authority::AuthorityOptions options;
  options.home = home_;
  options.password = password;
  // Tokens carry whole seconds; one minted in this second must pass the iat check.
  options.start_time = TruncateToSeconds(SystemClock::Default().Now());
  authority::Env env{SystemClock::Default(), crypto::OsslRandom::Default(), *store_, log_};
  CAIRN_ASSIGN_OR_RETURN(authority_, authority::Authority::Create(config_, options, env));
  return authority_.get();
}

// --- tokens --------------------------------------------------------------------------------

Result<TokenSigner> PrepareTokenSigner(const ClientFlags& f, OfflineCa* offline, bool allow_acme) {
  TokenSigner out;
  std::vector<client::ProvisionerInfo> provisioners;
  std::unique_ptr<client::CaClient> online;
  if (offline != nullptr) {
    out.ca_url = offline->ca_url();
    CAIRN_ASSIGN_OR_RETURN(out.root_fingerprint, offline->RootFingerprint());
    provisioners = offline->provisioners();
  } else {
    CAIRN_ASSIGN_OR_RETURN(out.ca_url, RequireCaUrl(f));
    CAIRN_ASSIGN_OR_RETURN(std::string root, RootPath(f));
    CAIRN_ASSIGN_OR_RETURN(std::string root_pem, ReadTextFile(root));
    CAIRN_ASSIGN_OR_RETURN(auto roots, pki::Certificate::ParsePemBundle(root_pem));
    out.root_fingerprint = roots.front().fingerprint_sha256_hex();
    client::CaClientOptions o;
    o.ca_url = out.ca_url;
    o.root_pem = root_pem;
    CAIRN_ASSIGN_OR_RETURN(online, client::CaClient::Create(std::move(o)));
    CAIRN_ASSIGN_OR_RETURN(auto objects, online->Provisioners());
    provisioners = client::ParseProvisioners(objects);
  }

  CAIRN_ASSIGN_OR_RETURN(out.provisioner, ChooseProvisioner(f, std::move(provisioners)));
  const client::ProvisionerInfo& p = out.provisioner;
  if (p.type == "ACME" && allow_acme) return out;
  if (p.type == "ACME" || p.type == "SCEP") {
    return FailedPreconditionError(p.type + " provisioners do not support token auth flows");
  }
  if (p.type != "JWK") {
    return UnimplementedError("cairn cannot make tokens for " + p.type +
                              " provisioners yet; choose a JWK provisioner");
  }

  const std::string& password_file = ProvisionerPasswordFile(f);
  if (!f.key_file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string content, ReadTextFile(f.key_file));
    if (client::KeyFileIsEncrypted(content)) {
      CAIRN_ASSIGN_OR_RETURN(
          out.key, WithPassword<jose::Jwk>(
                       password_file, "Please enter the password to decrypt " + f.key_file + ": ",
                       [&](const std::string& pw) { return client::ParseKeyFile(content, pw); }));
    } else {
      CAIRN_ASSIGN_OR_RETURN(out.key, client::ParseKeyFile(content, ""));
    }
  } else {
    std::string encrypted;
    if (offline != nullptr) {
      encrypted = p.encrypted_key;
      if (encrypted.empty()) {
        return FailedPreconditionError("provisioner '" + p.kid +
                                       "' does not have an 'encryptedKey' property");
      }
    } else {
      CAIRN_ASSIGN_OR_RETURN(encrypted, online->EncryptedKey(p.kid));
    }
    CAIRN_ASSIGN_OR_RETURN(
        out.key, WithPassword<jose::Jwk>(
                     password_file, "Please enter the password to decrypt the provisioner key: ",
                     [&](const std::string& pw) { return jose::DecryptJwk(encrypted, pw); }));
  }
  return out;
}

Result<std::string> MakeToken(const ClientFlags& f, const TokenFlowRequest& request,
                              OfflineCa* offline, std::string* acme_provisioner) {
  CAIRN_ASSIGN_OR_RETURN(TokenSigner signer,
                         PrepareTokenSigner(f, offline, acme_provisioner != nullptr));
  const client::ProvisionerInfo& p = signer.provisioner;
  if (p.type == "ACME") {
    *acme_provisioner = p.name;
    return std::string();
  }
  std::string audience;
  if (offline != nullptr) {
    audience = offline->Audience(request.type);
  } else {
    CAIRN_ASSIGN_OR_RETURN(audience, client::TokenAudience(signer.ca_url, request.type));
  }
  const jose::Jwk& key = signer.key;
  const std::string& root_fingerprint = signer.root_fingerprint;

  client::JwkTokenRequest t;
  t.subject = request.subject;
  t.sans = request.sans;
  t.issuer = p.name;
  t.audience = audience;
  t.kid = p.kid;
  t.root_fingerprint = root_fingerprint;
  t.not_before = request.not_before;
  t.not_after = request.not_after;
  t.confirmation = request.confirmation;
  t.user_data = request.user_data;
  Time now = SystemClock::Default().Now();
  switch (request.type) {
    case client::TokenType::kSign:
      return client::SignToken(t, key, now, crypto::OsslRandom::Default());
    case client::TokenType::kRevoke:
      return client::RevokeToken(t, key, now, crypto::OsslRandom::Default());
    case client::TokenType::kRenew:
      break;
  }
  return InvalidArgumentError("renew tokens are made from a certificate, not a provisioner");
}

Result<crypto::PrivateKey> LoadPrivateKeyFile(const std::string& path,
                                              const std::string& password_file) {
  CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(path));
  if (!client::KeyFileIsEncrypted(pem)) return crypto::PrivateKey::FromPem(pem);
  return WithPassword<crypto::PrivateKey>(
      password_file, "Please enter the password to decrypt " + path + ": ",
      [&](const std::string& pw) { return crypto::PrivateKey::FromPem(pem, pw); });
}

Result<std::string> MakeRenewToken(const std::string& cert_file, const std::string& key_file,
                                   const std::string& password_file, std::string_view subject,
                                   const std::string& audience) {
  CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(cert_file));
  CAIRN_ASSIGN_OR_RETURN(auto chain, pki::Certificate::ParsePemBundle(pem));
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, LoadPrivateKeyFile(key_file, password_file));
  if (!key.public_key().Equals(chain.front().public_key())) {
    return InvalidArgumentError("the key in " + key_file + " does not match the certificate in " +
                                cert_file);
  }
  std::string cn = chain.front().subject_cn();
  if (!subject.empty() && subject != cn) {
    return InvalidArgumentError(
        "positional argument <subject> must match the certificate common name");
  }
  std::vector<std::string> der;
  for (const auto& c : chain) der.push_back(c.der());
  CAIRN_ASSIGN_OR_RETURN(jose::Jwk jwk, jose::Jwk::FromPkey(key.get(), /*include_private=*/true));
  return client::RenewToken(der, cn, jwk, audience, SystemClock::Default().Now());
}

Status WriteChainFile(const std::string& path, std::string_view pem, bool force) {
  CAIRN_RETURN_IF_ERROR(ConfirmOverwrite(path, force));
  int mode = 0600;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) mode = static_cast<int>(st.st_mode & 07777);
  return WriteFileAtomic(path, pem, mode);
}

}  // namespace cairn::cli
