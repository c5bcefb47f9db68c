// `cairn ssh certificate|inspect|fingerprint`: step's SSH commands, and the SSH sign token flow
// of `cairn ca token --ssh`.

#include "cli/ssh.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "authority/authority.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"
#include "base/terminal.h"
#include "cli/cli.h"
#include "cli/ui.h"
#include "client/ca_client.h"
#include "client/provisioners.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "jose/jwe.h"
#include "jose/jwt.h"
#include "pki/certificate.h"
#include "ssh/certificate.h"
#include "ssh/key.h"
#include "ssh/private_key.h"
#include "ssh/wire.h"

namespace cairn::cli {
namespace {

constexpr size_t kMaxSshFile = 256 << 10;

void Print(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

// --- certificate ---------------------------------------------------------------------------

struct SshCertFlags {
  ClientFlags common;
  std::string key_id, key_file;
  bool host = false;
  std::vector<std::string> principals;
  std::string not_before, not_after;
  std::string kty = "EC", crv;
  int size = 0;
  bool no_password = false, insecure = false, no_agent = false, add_user = false;
  std::string comment;
};

Status SshCertificate(SshCertFlags& c) {
  ClientFlags& f = c.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  if (c.no_password && !c.insecure) {
    return InvalidArgumentError("flag '--no-password' requires the '--insecure' flag");
  }
  if (f.offline && !f.token.empty()) {
    return InvalidArgumentError("flag '--offline' is incompatible with '--token'");
  }
  CAIRN_RETURN_IF_ERROR(ValidateTimeDurationFlag(c.not_before, "not-before"));
  CAIRN_RETURN_IF_ERROR(ValidateTimeDurationFlag(c.not_after, "not-after"));
  CAIRN_ASSIGN_OR_RETURN(crypto::KeySpec spec, crypto::ParseKeySpec(c.kty, c.crv, c.size));
  const std::string pub_file = c.key_file + ".pub";
  const std::string cert_file = c.key_file + "-cert.pub";
  for (const std::string& p : {c.key_file, pub_file, cert_file}) {
    CAIRN_RETURN_IF_ERROR(ConfirmOverwrite(p, f.force));
  }
  std::vector<std::string> principals = c.principals;
  if (principals.empty()) principals = client::DefaultSshPrincipals(c.key_id, c.host);
  if (c.add_user && c.host) {
    return InvalidArgumentError("flag '--host' is incompatible with '--add-user'");
  }
  if (c.add_user && principals.size() > 1) {
    return InvalidArgumentError("flag '--add-user' is incompatible with more than one principal");
  }
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json template_data, TemplateData(f));
  // step's add-user files: <key-file>-provisioner, .pub and -cert.pub.
  const std::string au_file = c.key_file + "-provisioner";
  if (c.add_user) {
    for (const std::string& p : {au_file, au_file + ".pub", au_file + "-cert.pub"}) {
      CAIRN_RETURN_IF_ERROR(ConfirmOverwrite(p, f.force));
    }
  }
  const std::string cert_type = c.host ? "host" : "user";

  // --offline: the token is made from ca.json's provisioner and signed by an in-process
  // authority over the CA's own keys and database (as step does with --offline).
  std::unique_ptr<OfflineCa> offline;
  if (f.offline) {
    // --password-file encrypts the new key; with --no-password it unlocks the CA's keys.
    ClientFlags of = f;
    if (!c.no_password) of.password_file.clear();
    CAIRN_ASSIGN_OR_RETURN(offline, OfflineCa::Load(of));
  }
  std::string token = f.token;
  if (token.empty()) {
    SshTokenFlowRequest req;
    req.subject = c.key_id;
    req.ssh = {.cert_type = cert_type,
               .key_id = c.key_id,
               .principals = principals,
               .valid_after = c.not_before,
               .valid_before = c.not_after};
    ClientFlags tf = f;
    tf.password_file.clear();  // --password-file encrypts the new key here
    CAIRN_ASSIGN_OR_RETURN(token, MakeSshToken(tf, req, offline.get()));
  }

  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(spec));
  CAIRN_ASSIGN_OR_RETURN(ssh::PublicKey pub, ssh::PublicKey::FromCrypto(key.public_key()));
  client::SshSignRequest sr;
  sr.public_key = pub.Marshal();
  sr.ott = token;
  sr.cert_type = cert_type;
  sr.key_id = c.key_id;
  sr.principals = principals;
  sr.valid_after = c.not_before;
  sr.valid_before = c.not_after;
  sr.template_data = std::move(template_data);
  std::optional<crypto::PrivateKey> au_key;
  std::optional<ssh::PublicKey> au_pub;
  if (c.add_user) {
    CAIRN_ASSIGN_OR_RETURN(au_key, crypto::PrivateKey::Generate(spec));
    CAIRN_ASSIGN_OR_RETURN(au_pub, ssh::PublicKey::FromCrypto(au_key->public_key()));
    sr.add_user_public_key = au_pub->Marshal();
  }
  std::string au_wire, wire;
  if (offline != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(authority::Authority * a, offline->Authority());
    authority::SshSignRequest req{
        .public_key = Base64Encode(sr.public_key),
        .ott = sr.ott,
        .cert_type = sr.cert_type,
        .key_id = sr.key_id,
        .principals = sr.principals,
        .valid_after = sr.valid_after,
        .valid_before = sr.valid_before,
        .template_data = sr.template_data,
        .add_user_public_key =
            sr.add_user_public_key.empty() ? std::string() : Base64Encode(sr.add_user_public_key)};
    CAIRN_ASSIGN_OR_RETURN(authority::SshIssued issued, a->SignSsh(req));
    wire = issued.cert.Marshal();
    if (issued.add_user_cert) au_wire = issued.add_user_cert->Marshal();
  } else {
    CAIRN_ASSIGN_OR_RETURN(auto ca, ClientForToken(f, token));
    CAIRN_ASSIGN_OR_RETURN(wire, ca->SignSsh(sr, &au_wire));
  }
  auto cert = ssh::Certificate::Parse(wire);
  if (!cert.ok()) return cert.status().Annotate("error parsing the CA's SSH certificate");
  if (!cert->key().Equals(pub)) {
    return InternalError("the CA's SSH certificate is not for the requested key");
  }
  CAIRN_RETURN_IF_ERROR(cert->Verify());

  const std::string comment = c.comment.empty() ? c.key_id : c.comment;
  std::string key_pem;
  if (c.no_password) {
    CAIRN_ASSIGN_OR_RETURN(
        key_pem, ssh::MarshalOpenSshPrivateKey(key, comment, crypto::OsslRandom::Default()));
  } else {
    std::string pw;
    if (!c.common.password_file.empty()) {
      CAIRN_ASSIGN_OR_RETURN(pw, ReadPasswordFile(c.common.password_file));
    } else {
      CAIRN_ASSIGN_OR_RETURN(
          pw, PromptNewPassword("Please enter the password to encrypt the private key",
                                /*allow_generate=*/true));
    }
    // OpenSSH reads password-encrypted PKCS#8 PEM (its bcrypt-based format needs a KDF OpenSSL
    // does not have).
    CAIRN_ASSIGN_OR_RETURN(key_pem, key.ToPkcs8Pem(pw));
  }
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(c.key_file, key_pem, 0600));
  PrintSelected("Private Key", c.key_file);
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(pub_file, pub.MarshalAuthorizedKey(comment), 0644));
  PrintSelected("Public Key", pub_file);
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(cert_file, cert->MarshalAuthorizedKey(comment), 0644));
  PrintSelected("Certificate", cert_file);
  // As step: a user certificate and its key go to the running agent unless --no-agent.
  if (!c.no_agent && !c.host) AddCertificateToAgent(key, *cert, comment);
  if (c.add_user && !au_wire.empty()) {
    auto au_cert = ssh::Certificate::Parse(au_wire);
    if (!au_cert.ok()) return au_cert.status().Annotate("error parsing the add-user certificate");
    if (!au_cert->key().Equals(*au_pub)) {
      return InternalError("the CA's add-user certificate is not for the requested key");
    }
    const std::string id = client::SanitizeSshUserPrincipal(c.key_id) + "-provisioner";
    CAIRN_ASSIGN_OR_RETURN(std::string au_pem, ssh::MarshalOpenSshPrivateKey(
                                                   *au_key, id, crypto::OsslRandom::Default()));
    CAIRN_RETURN_IF_ERROR(WriteFileAtomic(au_file, au_pem, 0600));
    CAIRN_RETURN_IF_ERROR(
        WriteFileAtomic(au_file + ".pub", au_pub->MarshalAuthorizedKey(id), 0644));
    CAIRN_RETURN_IF_ERROR(
        WriteFileAtomic(au_file + "-cert.pub", au_cert->MarshalAuthorizedKey(id), 0644));
    PrintSelected("Add User Private Key", au_file);
    PrintSelected("Add User Public Key", au_file + ".pub");
    PrintSelected("Add User Certificate", au_file + "-cert.pub");
  }
  return Status();
}

void RegisterCertificate(CLI::App& group, RunState& state) {
  auto c = std::make_shared<SshCertFlags>();
  ClientFlags& f = c->common;
  f.command = "ssh certificate";
  CLI::App* cmd = group.add_subcommand("certificate", "sign a SSH certificate using the SSH CA");
  cmd->add_option("key-id", c->key_id, "The certificate identity (the token subject).")->required();
  cmd->add_option("key-file", c->key_file,
                  "The private key file name; the public key and certificate are written to "
                  "<key-file>.pub and <key-file>-cert.pub.")
      ->required();
  cmd->add_flag("--host", c->host, "Create a host certificate instead of a user certificate.");
  cmd->add_option("-n,--principal", c->principals,
                  "Add the specified principal (user or host names) to the certificate request. "
                  "Use the flag multiple times for several principals.")
      ->allow_extra_args(false);
  f.provisioner_opt =
      cmd->add_option("--provisioner,--issuer", f.provisioner, "The provisioner <name> to use.");
  cmd->add_option("--kid", f.kid, "The provisioner <kid> to use.");
  cmd->add_option("--provisioner-password-file", f.provisioner_password_file,
                  "The path to the <file> containing the password to decrypt the one-time token "
                  "generating key.");
  cmd->add_option("--password-file", f.password_file,
                  "The path to the <file> containing the password to encrypt the private key.");
  cmd->add_option("--token", f.token,
                  "The one-time <token> used to authenticate with the CA in order to create the "
                  "certificate.");
  cmd->add_option("--not-before", c->not_before,
                  "The <time|duration> when the certificate validity period starts.");
  cmd->add_option("--not-after", c->not_after,
                  "The <time|duration> when the certificate validity period ends.");
  cmd->add_option("--comment", c->comment, "The comment used when adding the certificate.");
  cmd->add_flag("--no-password", c->no_password,
                "Do not ask for a password to encrypt the private key. Requires --insecure.");
  cmd->add_flag("--insecure", c->insecure, "Allow --no-password.");
  cmd->add_flag("--no-agent", c->no_agent, "Do not add the certificate to the SSH agent.");
  cmd->add_flag("--add-user", c->add_user,
                "Create a user provisioner certificate used to create a new user (written to "
                "<key-file>-provisioner, .pub and -cert.pub).");
  AddTemplateDataFlags(*cmd, f);
  cmd->add_option("--kty", c->kty, "The <kty> of the key to generate: EC (default), OKP, RSA.");
  cmd->add_option("--crv,--curve", c->crv, "The elliptic <curve> (P-256 default; Ed25519).");
  cmd->add_option("--size", c->size, "The RSA key <size> in bits.");
  cmd->add_option("--key", f.key_file, "The private key <file> used to sign the token.");
  AddOfflineFlags(*cmd, f);
  AddForceFlag(*cmd, f);
  AddCaUrlFlag(*cmd, f);
  AddRootFlag(*cmd, f);
  cmd->footer(R"(EXAMPLES
  Generate a new SSH key pair and user certificate:
    $ cairn ssh certificate joe@work id_ecdsa

  Generate a new SSH key pair and host certificate:
    $ cairn ssh certificate --host internal.example.com ssh_host_ecdsa_key

  Without prompts, with an unencrypted key:
    $ cairn ssh certificate joe@work id_ecdsa --provisioner admin \
        --provisioner-password-file pass.txt --no-password --insecure)");
  cmd->callback([&state, c] { state.status = SshCertificate(*c); });
}

// --- inspect and fingerprint ---------------------------------------------------------------

std::string LocalTime(uint64_t t) {
  if (t == 0) return "";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

std::string Validity(uint64_t after, uint64_t before) {
  if (after == 0 && before == ssh::kForever) return "forever";
  if (before == ssh::kForever) return "from " + LocalTime(after) + " to forever";
  if (after == 0) return "before " + LocalTime(before);
  return "from " + LocalTime(after) + " to " + LocalTime(before);
}

std::string Options(const std::map<std::string, std::string>& opts) {
  if (opts.empty()) return " (none)\n";
  std::string out = " \n";  // ssh-keygen -L leaves a space before the list
  for (const auto& [k, v] : opts) out += "                " + k + (v.empty() ? "" : " " + v) + "\n";
  return out;
}

// ReadSshLine reads the first non-empty line of a .pub file (or stdin for "-").
Result<std::string> ReadSshLine(const std::string& path) {
  std::string text;
  if (path == "-") {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0 && text.size() < kMaxSshFile) {
      text.append(buf, n);
    }
  } else {
    CAIRN_ASSIGN_OR_RETURN(text, ReadFile(path, kMaxSshFile));
  }
  for (std::string_view line : Split(text, '\n')) {
    if (!Trim(line).empty()) return std::string(Trim(line));
  }
  return InvalidArgumentError(path + " is empty");
}

Status Inspect(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::string line, ReadSshLine(path));
  auto cert = ssh::Certificate::ParseAuthorizedKey(line);
  if (!cert.ok()) return cert.status().Annotate("error parsing ssh certificate");
  const ssh::Certificate& c = *cert;
  std::string out = path == "-" ? "(stdin):\n" : path + ":\n";
  out += "        Type: " + c.type_name() + " " + std::string(ssh::CertTypeName(c.type())) +
         " certificate\n";
  out += "        Public key: " + KeyTypeLabel(c.key().key_type()) + "-CERT " +
         c.key().FingerprintSha256() + "\n";
  out += "        Signing CA: " + KeyTypeLabel(c.signature_key().key_type()) + " " +
         c.signature_key().FingerprintSha256() + " (using " + c.signature_format() + ")\n";
  out += "        Key ID: \"" + c.key_id() + "\"\n";
  out += "        Serial: " + std::to_string(c.serial()) + "\n";
  out += "        Valid: " + Validity(c.valid_after(), c.valid_before()) + "\n";
  out += "        Principals:";
  if (c.principals().empty()) {
    out += " (none)\n";
  } else {
    out += " \n";
    for (const auto& p : c.principals()) out += "                " + p + "\n";
  }
  out += "        Critical Options:" + Options(c.critical_options());
  out += "        Extensions:" + Options(c.extensions());
  Print(out);
  return Status();
}

Status Fingerprint(const std::string& path, bool whole_certificate) {
  CAIRN_ASSIGN_OR_RETURN(std::string line, ReadSshLine(path));
  auto cert = ssh::Certificate::ParseAuthorizedKey(line);
  if (cert.ok()) {
    if (whole_certificate) {
      // The key parser refuses certificate types, so hash the certificate bytes directly.
      std::string b64 = Base64Encode(crypto::Sha256(cert->Marshal()));
      while (!b64.empty() && b64.back() == '=') b64.pop_back();
      Print("SHA256:" + b64 + "\n");
    } else {
      Print(cert->key().FingerprintSha256() + "\n");
    }
    return Status();
  }
  auto key = ssh::PublicKey::ParseAuthorizedKey(line);
  if (!key.ok()) return key.status().Annotate("error parsing " + path);
  Print(key->FingerprintSha256() + "\n");
  return Status();
}

}  // namespace

std::string KeyTypeLabel(crypto::KeyType t) {
  switch (t) {
    case crypto::KeyType::kEd25519:
      return "ED25519";
    case crypto::KeyType::kRsa:
      return "RSA";
    case crypto::KeyType::kOther:
      return "UNKNOWN";
    default:
      return "ECDSA";
  }
}

Result<std::string> MakeSshToken(const ClientFlags& f, const SshTokenFlowRequest& request,
                                 OfflineCa* offline) {
  CAIRN_ASSIGN_OR_RETURN(TokenSigner signer, PrepareTokenSigner(f, offline, /*allow_acme=*/false));
  client::JwkTokenRequest t;
  t.subject = request.subject;
  t.issuer = signer.provisioner.name;
  if (offline != nullptr) {
    t.audience = signer.ca_url + "/1.0/ssh/sign";
  } else {
    CAIRN_ASSIGN_OR_RETURN(t.audience, client::SshTokenAudience(signer.ca_url));
  }
  t.kid = signer.provisioner.kid;
  t.root_fingerprint = signer.root_fingerprint;
  t.not_before = request.not_before;
  t.not_after = request.not_after;
  return client::SshSignToken(t, request.ssh, signer.key, SystemClock::Default().Now(),
                              crypto::OsslRandom::Default());
}

void RegisterSshCommands(CLI::App& root, RunState& state) {
  CLI::App* group = root.add_subcommand("ssh", "create and manage ssh certificates");
  group->require_subcommand(1);
  RegisterCertificate(*group, state);
  RegisterSshPopCommands(*group, state);
  RegisterSshAgentCommands(*group, state);
  RegisterSshConfigCommands(*group, state);

  auto inspect_path = std::make_shared<std::string>();
  CLI::App* inspect = group->add_subcommand("inspect", "print the contents of an ssh certificate");
  inspect->add_option("file", *inspect_path, "The SSH certificate file ('-' for stdin).")
      ->required();
  inspect->callback([&state, inspect_path] { state.status = Inspect(*inspect_path); });

  struct FpFlags {
    std::string path;
    bool certificate = false;
  };
  auto fp = std::make_shared<FpFlags>();
  CLI::App* fingerprint = group->add_subcommand(
      "fingerprint", "print the fingerprint of an SSH public key or certificate");
  fingerprint->add_option("file", fp->path, "The SSH public key or certificate file.")->required();
  fingerprint->add_flag("--certificate", fp->certificate,
                        "Include SSH certificate bytes in fingerprint.");
  fingerprint->callback([&state, fp] { state.status = Fingerprint(fp->path, fp->certificate); });
}

}  // namespace cairn::cli
