// `cairn ssh login|logout|list` (step's commands over the running ssh-agent), the agent step of
// `cairn ssh certificate`, and `cairn ssh krl` (the CA's OpenSSH KRL for sshd's RevokedKeys;
// beyond step).

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "authority/authority.h"
#include "base/duration.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/terminal.h"
#include "cli/ca_store.h"
#include "cli/cli.h"
#include "cli/ssh.h"
#include "cli/ui.h"
#include "config/config.h"
#include "config/home.h"
#include "crypto/digest.h"
#include "jose/jws.h"
#include "ssh/agent.h"
#include "ssh/certificate.h"
#include "ssh/key.h"

namespace cairn::cli {
namespace {

void Print(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

uint64_t NowSeconds() {
  return static_cast<uint64_t>(std::max<int64_t>(0, ToUnixSeconds(SystemClock::Default().Now())));
}

// AddCertificate adds a key and its certificate to `agent` as step's sshutil.AddCertificate
// does: the lifetime is what is left of the certificate's validity (none when it is valid
// forever); an expired certificate is refused.
Status AddCertificate(ssh::AgentClient& agent, const crypto::PrivateKey& key,
                      const ssh::Certificate& cert, const std::string& comment) {
  uint64_t lifetime = 0;
  const uint64_t now = NowSeconds();
  if (cert.valid_before() != ssh::kForever) {
    if (cert.valid_before() <= now) {
      return FailedPreconditionError(
          "error adding certificate to ssh agent - certificate is already expired");
    }
    lifetime = std::min<uint64_t>(cert.valid_before() - now, std::numeric_limits<uint32_t>::max());
  }
  Status s = agent.AddIdentity(
      key, &cert, {.comment = comment, .lifetime_seconds = static_cast<uint32_t>(lifetime)});
  if (!s.ok()) return s.Annotate("error adding key to agent");
  return Status();
}

// --- agent identities ------------------------------------------------------------------------

// FingerprintLine formats an identity as `ssh-add -l` and step's `ssh list` do:
// "<bits> SHA256:<fingerprint of the key> <comment> (<TYPE>[-CERT])".
std::string FingerprintLine(const ssh::AgentIdentity& id) {
  const std::string comment = id.comment.empty() ? "no comment" : id.comment;
  if (auto cert = ssh::Certificate::Parse(id.blob); cert.ok()) {
    return std::to_string(cert->key().bits()) + " " + cert->key().FingerprintSha256() + " " +
           comment + " (" + KeyTypeLabel(cert->key().key_type()) + "-CERT)";
  }
  if (auto key = ssh::PublicKey::Parse(id.blob); key.ok()) {
    return std::to_string(key->bits()) + " " + key->FingerprintSha256() + " " + comment + " (" +
           KeyTypeLabel(key->key_type()) + ")";
  }
  // A key type Cairn does not parse (a security key, DSA): its blob's fingerprint and type.
  std::string b64 = Base64Encode(crypto::Sha256(id.blob));
  while (b64.ends_with('=')) b64.pop_back();
  return "? SHA256:" + b64 + " " + comment + " (" + id.KeyType() + ")";
}

// SignedBy reports whether the identity is a certificate signed by one of `ca_keys` (SSH wire
// blobs); with `ca_keys` null, whether it is a certificate at all.
bool SignedBy(const ssh::AgentIdentity& id, const std::vector<std::string>* ca_keys) {
  auto cert = ssh::Certificate::Parse(id.blob);
  if (!cert.ok()) return false;
  if (ca_keys == nullptr) return true;
  for (const auto& k : *ca_keys) {
    if (cert->signature_key().Marshal() == k) return true;
  }
  return false;
}

// Matches reports whether the identity answers to `subject`: its comment, or for a certificate
// its key id.
bool Matches(const ssh::AgentIdentity& id, const std::string& subject) {
  if (id.comment == subject) return true;
  auto cert = ssh::Certificate::Parse(id.blob);
  return cert.ok() && cert->key_id() == subject;
}

// RemoveExpiredCertificates removes certificates that are no longer valid from the agent (step's
// WithRemoveExpiredCerts) and returns the remaining identities.
Result<std::vector<ssh::AgentIdentity>> LiveIdentities(ssh::AgentClient& agent) {
  CAIRN_ASSIGN_OR_RETURN(auto ids, agent.ListIdentities());
  std::vector<ssh::AgentIdentity> live;
  const uint64_t now = NowSeconds();
  for (auto& id : ids) {
    auto cert = ssh::Certificate::Parse(id.blob);
    if (cert.ok() && cert->valid_before() != ssh::kForever && now >= cert->valid_before()) {
      if (agent.RemoveIdentity(id.blob).ok()) continue;
    }
    live.push_back(std::move(id));
  }
  return live;
}

// --- the CA's SSH keys -----------------------------------------------------------------------

struct SshCaKeys {
  std::optional<ssh::PublicKey> user;
  std::optional<ssh::PublicKey> host;
};

// OfflineSshCaKeys reads the SSH CA public keys of the CA configured in `ca_config`: the
// "<name>.pub" step's `ca init` writes into <home>/certs (or beside the key), else the private
// key named by ca.json's ssh block, decrypted with `password_file` or a prompt.
Result<SshCaKeys> OfflineSshCaKeys(const std::string& ca_config, const std::string& password_file) {
  auto cfg = config::LoadCaConfig(ca_config);
  if (!cfg.ok()) return cfg.status().Annotate("error loading configuration " + ca_config);
  if (!cfg->ssh || (cfg->ssh->user_key.empty() && cfg->ssh->host_key.empty())) {
    return FailedPreconditionError("the CA configuration " + ca_config + " has no SSH keys");
  }
  const std::string home = config::HomeForConfig(ca_config);
  auto load = [&](const std::string& key_path) -> Result<std::optional<ssh::PublicKey>> {
    if (key_path.empty()) return std::optional<ssh::PublicKey>();
    const std::string path = key_path.starts_with("/") ? key_path : JoinPath(home, key_path);
    const size_t slash = path.find_last_of('/');
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    for (const std::string& pub : {JoinPath(home, "certs/" + base + ".pub"), path + ".pub"}) {
      if (!FileExists(pub)) continue;
      CAIRN_ASSIGN_OR_RETURN(std::string line, ReadFile(pub, 64 << 10));
      auto key = ssh::PublicKey::ParseAuthorizedKey(line);
      if (!key.ok()) return key.status().Annotate("error reading " + pub);
      return std::optional<ssh::PublicKey>(std::move(key).value());
    }
    if (key_path.find("://") != std::string::npos || key_path.starts_with("pkcs11:")) {
      return FailedPreconditionError("cannot read the SSH CA key " + key_path +
                                     " offline; put its public key in " +
                                     JoinPath(home, "certs/" + base + ".pub"));
    }
    CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey priv, LoadPrivateKeyFile(path, password_file));
    CAIRN_ASSIGN_OR_RETURN(ssh::PublicKey pub, ssh::PublicKey::FromCrypto(priv.public_key()));
    return std::optional<ssh::PublicKey>(std::move(pub));
  };
  SshCaKeys out;
  CAIRN_ASSIGN_OR_RETURN(out.user, load(cfg->ssh->user_key));
  CAIRN_ASSIGN_OR_RETURN(out.host, load(cfg->ssh->host_key));
  return out;
}

bool UseOffline(const ClientFlags& f) {
  return f.offline || (f.ca_config_opt != nullptr && f.ca_config_opt->count() > 0);
}

// UserCaKeys returns the CA's SSH user keys (wire blobs): from ca.json offline, else from
// /ssh/roots. nullopt when the CA does not say (step then falls back to "any certificate").
Result<std::optional<std::vector<std::string>>> UserCaKeys(const ClientFlags& f,
                                                           const std::string& password_file) {
  if (UseOffline(f)) {
    auto keys = OfflineSshCaKeys(f.ca_config, password_file);
    if (!keys.ok() || !keys->user) return std::optional<std::vector<std::string>>();
    return std::optional<std::vector<std::string>>({keys->user->Marshal()});
  }
  CAIRN_ASSIGN_OR_RETURN(auto client, OnlineClient(f));
  auto roots = client->SshRoots();
  if (!roots.ok() || roots->user_keys.empty()) return std::optional<std::vector<std::string>>();
  return std::optional<std::vector<std::string>>(roots->user_keys);
}

// TokenSubject returns the "sub" claim of a token ("" when there is none or it does not parse).
std::string TokenSubject(const std::string& token) {
  auto jws = jose::ParseCompact(token);
  if (!jws.ok()) return "";
  auto claims = nlohmann::json::parse(jws->payload, nullptr, false);
  if (!claims.is_object()) return "";
  auto it = claims.find("sub");
  return it != claims.end() && it->is_string() ? it->get<std::string>() : "";
}

// --- login -----------------------------------------------------------------------------------

struct LoginFlags {
  ClientFlags common;
  std::string identity_arg, identity;
  std::vector<std::string> principals;
  std::string not_before, not_after;
  std::string kty = "EC", crv;
  int size = 0;
  std::string comment;
  bool insecure = false;
};

Status Login(LoginFlags& l) {
  ClientFlags& f = l.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  std::string subject = l.identity_arg.empty() ? l.identity : l.identity_arg;
  std::vector<std::string> principals = l.principals;
  if (!subject.empty() && principals.empty()) principals = {subject};
  const std::string comment = l.comment.empty() ? subject : l.comment;
  CAIRN_RETURN_IF_ERROR(ValidateTimeDurationFlag(l.not_before, "not-before"));
  CAIRN_RETURN_IF_ERROR(ValidateTimeDurationFlag(l.not_after, "not-after"));
  CAIRN_ASSIGN_OR_RETURN(crypto::KeySpec spec, crypto::ParseKeySpec(l.kty, l.crv, l.size));
  if (f.offline) return UnimplementedError("'cairn ssh login --offline' is not supported yet");

  // step ssh login requires an agent.
  CAIRN_ASSIGN_OR_RETURN(ssh::AgentClient agent, ssh::AgentClient::ConnectFromEnv());

  // A valid certificate of this CA under that comment already in the agent is enough.
  if (!f.force) {
    CAIRN_ASSIGN_OR_RETURN(auto ca_keys, UserCaKeys(f, ""));
    CAIRN_ASSIGN_OR_RETURN(auto ids, LiveIdentities(agent));
    for (const auto& id : ids) {
      if (id.comment != comment) continue;
      if (ca_keys && !SignedBy(id, &*ca_keys)) continue;
      Print("The key " + id.MarshalAuthorizedKey() + " is already present in the SSH agent.\n");
      return Status();
    }
  }

  std::string valid_after = l.not_before;
  std::string token = f.token;
  if (token.empty()) {
    if (subject.empty()) {
      return InvalidArgumentError("'cairn ssh login' requires an <identity> or '--token'");
    }
    // As step: a validity that starts a minute ago, so that clocks a little out of step do
    // not make the certificate "not yet valid".
    if (valid_after.empty()) {
      valid_after = FormatRfc3339(SystemClock::Default().Now() - std::chrono::minutes(1));
    }
    SshTokenFlowRequest req;
    req.subject = subject;
    req.ssh = {.cert_type = "user",
               .key_id = subject,
               .principals = principals,
               .valid_after = valid_after,
               .valid_before = l.not_after};
    CAIRN_ASSIGN_OR_RETURN(token, MakeSshToken(f, req, /*offline=*/nullptr));
  } else if (subject.empty()) {
    subject = TokenSubject(token);
  }

  CAIRN_ASSIGN_OR_RETURN(auto ca, ClientForToken(f, token));
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(spec));
  CAIRN_ASSIGN_OR_RETURN(ssh::PublicKey pub, ssh::PublicKey::FromCrypto(key.public_key()));
  client::SshSignRequest sr;
  sr.public_key = pub.Marshal();
  sr.ott = token;
  sr.cert_type = "user";
  sr.key_id = subject;
  sr.principals = principals;
  sr.valid_after = valid_after;
  sr.valid_before = l.not_after;
  CAIRN_ASSIGN_OR_RETURN(std::string wire, ca->SignSsh(sr));
  auto cert = ssh::Certificate::Parse(wire);
  if (!cert.ok()) return cert.status().Annotate("error parsing the CA's SSH certificate");
  if (!cert->key().Equals(pub)) {
    return InternalError("the CA's SSH certificate is not for the requested key");
  }
  CAIRN_RETURN_IF_ERROR(cert->Verify());
  // The key lives only in the agent: nothing is written to disk.
  CAIRN_RETURN_IF_ERROR(AddCertificate(agent, key, *cert, comment.empty() ? subject : comment));
  PrintSelected("SSH Agent", "yes");
  return Status();
}

}  // namespace

Status LoginIfNeeded(const ClientFlags& flags, const std::string& subject) {
  CAIRN_ASSIGN_OR_RETURN(ssh::AgentClient agent, ssh::AgentClient::ConnectFromEnv());
  // A live certificate of this CA in the agent is enough (step's doLoginIfNeeded).
  CAIRN_ASSIGN_OR_RETURN(auto ca_keys, UserCaKeys(flags, ""));
  if (ca_keys) {
    CAIRN_ASSIGN_OR_RETURN(auto ids, LiveIdentities(agent));
    for (const auto& id : ids) {
      if (SignedBy(id, &*ca_keys)) return Status();
    }
  }
  // Else step's login flow for `subject`, with `subject` as the one principal.
  LoginFlags l;
  l.common = flags;
  l.common.force = true;  // the agent was just searched
  l.identity = subject;
  l.principals = {subject};
  return Login(l);
}

namespace {

void RegisterLogin(CLI::App& group, RunState& state) {
  auto l = std::make_shared<LoginFlags>();
  ClientFlags& f = l->common;
  f.command = "ssh login";
  CLI::App* cmd =
      group.add_subcommand("login", "adds a SSH certificate into the authentication agent");
  cmd->add_option("identity", l->identity_arg,
                  "The certificate identity. If no principals are passed the identity is used "
                  "as the principal.");
  cmd->add_option("--identity", l->identity, "The certificate <identity>.");
  cmd->add_option("--token", f.token,
                  "The one-time <token> used to authenticate with the CA in order to create the "
                  "certificate.");
  cmd->add_option("-n,--principal", l->principals,
                  "Add the specified principal (user name) to the certificate request. Use the "
                  "flag multiple times for several principals.")
      ->allow_extra_args(false);
  f.provisioner_opt =
      cmd->add_option("--provisioner,--issuer", f.provisioner, "The provisioner <name> to use.");
  cmd->add_option("--provisioner-password-file,--password-file", f.provisioner_password_file,
                  "The path to the <file> containing the password to decrypt the one-time token "
                  "generating key.");
  cmd->add_option("--not-before", l->not_before,
                  "The <time|duration> when the certificate validity period starts.");
  cmd->add_option("--not-after", l->not_after,
                  "The <time|duration> when the certificate validity period ends.");
  cmd->add_option("--comment", l->comment, "The comment used when adding the certificate.");
  cmd->add_option("--kty", l->kty, "The <kty> of the key to generate: EC (default), OKP, RSA.");
  cmd->add_option("--crv,--curve", l->crv, "The elliptic <curve> (P-256 default; Ed25519).");
  cmd->add_option("--size", l->size, "The RSA key <size> in bits.");
  cmd->add_flag("--insecure", l->insecure, "Allow insecure key sizes.");
  AddOfflineFlags(*cmd, f);
  AddForceFlag(*cmd, f);
  AddCaUrlFlag(*cmd, f);
  AddRootFlag(*cmd, f);
  cmd->footer(R"(EXAMPLES
  Request a new SSH certificate and add it to the agent:
    $ cairn ssh login bob

  Request a new SSH certificate valid only for 1h:
    $ cairn ssh login --not-after 1h alice

  Request a new SSH certificate with multiple principals:
    $ cairn ssh login --principal admin --principal bob bob@smallstep.com)");
  cmd->callback([&state, l] { state.status = Login(*l); });
}

// --- logout ----------------------------------------------------------------------------------

struct LogoutFlags {
  ClientFlags common;
  std::string identity_arg, identity;
  bool all = false;
};

Status Logout(LogoutFlags& l) {
  ClientFlags& f = l.common;
  const std::string subject = l.identity_arg.empty() ? l.identity : l.identity_arg;
  CAIRN_ASSIGN_OR_RETURN(ssh::AgentClient agent, ssh::AgentClient::ConnectFromEnv());
  // As step: --all without a positional identity empties the agent.
  if (l.all && l.identity_arg.empty()) {
    CAIRN_RETURN_IF_ERROR(agent.RemoveAll().Annotate("error removing all keys"));
    Print("All identities removed.\n");
    return Status();
  }
  // Without --all only certificates signed by this CA's user key go (any certificate when the
  // CA does not say which key that is).
  std::optional<std::vector<std::string>> ca_keys;
  if (!l.all) {
    CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
    CAIRN_ASSIGN_OR_RETURN(ca_keys, UserCaKeys(f, ""));
  }
  CAIRN_ASSIGN_OR_RETURN(auto ids, agent.ListIdentities());
  bool found = false;
  for (const auto& id : ids) {
    if (!subject.empty() && !Matches(id, subject)) continue;
    if (!l.all && !SignedBy(id, ca_keys ? &*ca_keys : nullptr)) continue;
    CAIRN_RETURN_IF_ERROR(agent.RemoveIdentity(id.blob).Annotate("error removing key"));
    found = true;
  }
  std::string msg = !found  ? "Identity not found"
                    : l.all ? "All identities removed"
                            : "Identity removed";
  msg += subject.empty() ? ".\n" : ": " + subject + "\n";
  Print(msg);
  return Status();
}

void RegisterLogout(CLI::App& group, RunState& state) {
  auto l = std::make_shared<LogoutFlags>();
  ClientFlags& f = l->common;
  f.command = "ssh logout";
  CLI::App* cmd = group.add_subcommand("logout", "removes a private key from the ssh-agent");
  cmd->add_option("identity", l->identity_arg, "The certificate identity or comment in the key.");
  cmd->add_option("--identity", l->identity, "The certificate <identity>.");
  cmd->add_flag("--all", l->all, "Removes all the keys stored in the SSH agent.");
  AddOfflineFlags(*cmd, f);
  AddCaUrlFlag(*cmd, f);
  AddRootFlag(*cmd, f);
  cmd->footer(R"(EXAMPLES
  Remove all identities signed by your SSH CA:
    $ cairn ssh logout

  Remove the certificate mariano@work from the SSH agent:
    $ cairn ssh logout mariano@work

  Remove all the keys and certificates for mariano@work from the SSH agent:
    $ cairn ssh logout --all mariano@work

  Remove all the keys stored in the SSH agent:
    $ cairn ssh logout --all)");
  cmd->callback([&state, l] { state.status = Logout(*l); });
}

// --- list ------------------------------------------------------------------------------------

Status List(const std::string& subject, bool has_subject, bool raw) {
  CAIRN_ASSIGN_OR_RETURN(ssh::AgentClient agent, ssh::AgentClient::ConnectFromEnv());
  auto ids = agent.ListIdentities();
  if (!ids.ok()) return ids.status().Annotate("error listing identities");
  if (ids->empty()) {
    Print("The agent has no identities.\n");
    return Status();
  }
  for (const auto& id : *ids) {
    if (has_subject && id.comment != subject) continue;
    Print((raw ? id.MarshalAuthorizedKey() : FingerprintLine(id)) + "\n");
  }
  return Status();
}

void RegisterList(CLI::App& group, RunState& state) {
  struct Flags {
    std::string subject;
    bool raw = false;
  };
  auto l = std::make_shared<Flags>();
  CLI::App* cmd = group.add_subcommand("list", "list public keys known to the ssh agent");
  CLI::Option* subject =
      cmd->add_option("subject", l->subject, "Optional subject or comment to filter keys by.");
  cmd->add_flag("--raw", l->raw, "List public keys instead of fingerprints.");
  cmd->footer(R"(EXAMPLES
  List all key fingerprints known to the agent:
    $ cairn ssh list

  List all the keys with the comment joe@work:
    $ cairn ssh list --raw joe@work)");
  cmd->callback(
      [&state, l, subject] { state.status = List(l->subject, subject->count() > 0, l->raw); });
}

// --- krl -------------------------------------------------------------------------------------

struct KrlFlags {
  ClientFlags common;
  std::string out;
  std::string password_file;
};

Status Krl(KrlFlags& k) {
  ClientFlags& f = k.common;
  if (k.out.empty() && ::isatty(STDOUT_FILENO) == 1) {
    return InvalidArgumentError(
        "refusing to write a binary KRL to a terminal; use '--out <file>' or redirect stdout");
  }
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  std::string krl;
  if (UseOffline(f)) {
    // The CA's own database, read directly (SQLite in WAL mode: the CA may be running).
    CAIRN_ASSIGN_OR_RETURN(SshCaKeys keys, OfflineSshCaKeys(f.ca_config, k.password_file));
    CAIRN_RETURN_IF_ERROR(WithStore(f.ca_config, "SSH revocations", [&](store::Store& st) {
      CAIRN_ASSIGN_OR_RETURN(krl, authority::Authority::BuildSshKrl(st, keys.user, keys.host,
                                                                    SystemClock::Default().Now()));
      return Status();
    }));
  } else {
    CAIRN_ASSIGN_OR_RETURN(auto client, OnlineClient(f));
    CAIRN_ASSIGN_OR_RETURN(krl, client->SshKrl());
  }
  if (k.out.empty()) {
    Print(krl);
    return std::fflush(stdout) == 0 ? Status() : InternalError("error writing the KRL to stdout");
  }
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(k.out, krl, /*secret=*/false, f.force));
  PrintSelected("KRL", k.out);
  return Status();
}

void RegisterKrl(CLI::App& group, RunState& state) {
  auto k = std::make_shared<KrlFlags>();
  ClientFlags& f = k->common;
  f.command = "ssh krl";
  CLI::App* cmd = group.add_subcommand(
      "krl", "write an OpenSSH key revocation list of the CA's revoked SSH certificates");
  cmd->add_option("--out,-o", k->out,
                  "The <file> to write the KRL to (default: stdout, which must not be a "
                  "terminal).");
  cmd->add_option("--password-file", k->password_file,
                  "With --offline: the <file> with the password of the SSH CA keys, needed only "
                  "when their public keys are not in $(cairn path)/certs.");
  AddOfflineFlags(*cmd, f);
  AddForceFlag(*cmd, f);
  AddCaUrlFlag(*cmd, f);
  AddRootFlag(*cmd, f);
  cmd->footer(R"(The KRL revokes, under the CA's SSH user and host keys, the serial of every SSH
certificate revoked with 'cairn ssh revoke' (or POST /ssh/revoke). Point sshd at it:
  RevokedKeys /etc/ssh/cairn.krl
and check a certificate with 'ssh-keygen -Q -f <krl> <certificate>'.

EXAMPLES
  Fetch the KRL from the CA (GET /1.0/ssh/krl):
    $ cairn ssh krl --out /etc/ssh/cairn.krl --force

  Build it from the CA's own database, without the server:
    $ cairn ssh krl --ca-config $(cairn path)/config/ca.json --out cairn.krl)");
  cmd->callback([&state, k] { state.status = Krl(*k); });
}

}  // namespace

void AddCertificateToAgent(const crypto::PrivateKey& key, const ssh::Certificate& cert,
                           const std::string& comment) {
  const char* sock = std::getenv("SSH_AUTH_SOCK");
  if (sock == nullptr || *sock == '\0') return;
  auto agent = ssh::AgentClient::ConnectFromEnv();
  Status s = agent.ok() ? AddCertificate(*agent, key, cert, comment) : agent.status();
  if (s.ok()) {
    PrintSelected("SSH Agent", "yes");
  } else {
    Info("\xE2\x9C\x96 SSH Agent: " + s.message());
  }
}

void RegisterSshAgentCommands(CLI::App& group, RunState& state) {
  RegisterLogin(group, state);
  RegisterLogout(group, state);
  RegisterList(group, state);
  RegisterKrl(group, state);
}

}  // namespace cairn::cli
