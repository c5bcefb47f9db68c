// `cairn ssh renew|rekey|revoke`: step's SSHPOP commands. A host proves possession of its
// Cairn-issued SSH certificate (an SSHPOP token signed with the certificate's key) to renew it,
// to get a certificate for a new key, or to revoke it; `ssh revoke` also takes a JWK
// provisioner's token, as step does.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/strings.h"
#include "base/terminal.h"
#include "cli/ca_client_flow.h"
#include "cli/cli.h"
#include "cli/ssh.h"
#include "cli/ui.h"
#include "client/ca_client.h"
#include "client/provisioners.h"
#include "client/token.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "jose/jwk.h"
#include "pki/certificate.h"
#include "ssh/certificate.h"
#include "ssh/key.h"
#include "ssh/private_key.h"

namespace cairn::cli {
namespace {

constexpr size_t kMaxSshFile = 256 << 10;

// PopFlags are the flags of the three commands (each registers the ones it has).
struct PopFlags {
  ClientFlags common;
  // cert_file / key_file: the positional <ssh-cert> <ssh-key>, or --sshpop-cert/--sshpop-key.
  std::string cert_file, key_file;
  std::string out;
  // rekey
  bool no_password = false, insecure = false;
  std::string kty = "EC", crv;
  int size = 0;
  // revoke
  std::string serial, reason, reason_code;
};

// ReadCertificate reads the first line of an OpenSSH certificate file (-cert.pub).
Result<ssh::Certificate> ReadCertificate(const std::string& path) {
  auto text = ReadFile(path, kMaxSshFile);
  if (!text.ok()) return text.status().Annotate("error reading ssh certificate from " + path);
  for (std::string_view line : Split(*text, '\n')) {
    if (Trim(line).empty()) continue;
    auto cert = ssh::Certificate::ParseAuthorizedKey(Trim(line));
    if (!cert.ok()) return cert.status().Annotate("error parsing ssh certificate from " + path);
    return cert;
  }
  return InvalidArgumentError("error parsing ssh certificate from " + path + ": the file is empty");
}

// KeyPasswordFile is the file that decrypts the SSHPOP key: --provisioner-password-file, else
// --password-file (step's order).
const std::string& KeyPasswordFile(const ClientFlags& f) {
  return f.provisioner_password_file.empty() ? f.password_file : f.provisioner_password_file;
}

// ReadPrivateKey reads the certificate's private key in the forms `cairn ssh certificate` and
// ssh-keygen write: an unencrypted OpenSSH key, a PEM key (PKCS#8, SEC1, PKCS#1), or an
// encrypted PEM key (the password from `password_file`, else asked for).
Result<crypto::PrivateKey> ReadPrivateKey(const std::string& path,
                                          const std::string& password_file) {
  auto text = ReadFile(path, ssh::kMaxPrivateKeyFile);
  if (!text.ok()) return text.status().Annotate("error reading ssh key from " + path);
  if (text->find("-----BEGIN OPENSSH PRIVATE KEY-----") != std::string::npos) {
    auto key = ssh::ParseOpenSshPrivateKey(*text);
    if (!key.ok()) return key.status().Annotate("error reading ssh key from " + path);
    return std::move(key->key);
  }
  if (!client::KeyFileIsEncrypted(*text)) {
    auto key = crypto::PrivateKey::FromPem(*text);
    if (!key.ok()) return key.status().Annotate("error reading ssh key from " + path);
    return key;
  }
  std::string pw;
  if (!password_file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(pw, ReadPasswordFile(password_file));
    auto key = crypto::PrivateKey::FromPem(*text, pw);
    if (!key.ok()) return key.status().Annotate("error decrypting " + path);
    return key;
  }
  Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    CAIRN_ASSIGN_OR_RETURN(pw, PromptPassword("Please enter the password to decrypt " + path));
    auto key = crypto::PrivateKey::FromPem(*text, pw);
    if (key.ok()) return key;
    last = key.status();
  }
  return last.Annotate("error decrypting " + path);
}

// ChooseSshPop picks the SSHPOP provisioner: the CA's SSHPOP provisioners, filtered by
// --provisioner/--issuer, asked for when several remain.
Result<client::ProvisionerInfo> ChooseSshPop(const ClientFlags& f, client::CaClient& ca) {
  CAIRN_ASSIGN_OR_RETURN(auto objects, ca.Provisioners());
  std::vector<client::ProvisionerInfo> list;
  for (auto& p : client::ParseProvisioners(objects)) {
    if (p.type == "SSHPOP") list.push_back(std::move(p));
  }
  if (list.empty()) {
    return NotFoundError("cannot create a new token: the CA does not have any SSHPOP provisioner");
  }
  ClientFlags by_name = f;
  by_name.kid.clear();  // SSHPOP provisioners have no key id
  return ChooseProvisioner(by_name, std::move(list));
}

// PopSession is an online CA and the SSHPOP credential: the certificate and its key.
struct PopSession {
  std::unique_ptr<client::CaClient> ca;
  std::string root_fingerprint;
  std::optional<ssh::Certificate> cert;
  std::optional<crypto::PrivateKey> key;
};

Result<PopSession> OpenPopSession(const ClientFlags& f, const std::string& cert_file,
                                  const std::string& key_file) {
  PopSession s;
  CAIRN_ASSIGN_OR_RETURN(s.cert, ReadCertificate(cert_file));
  CAIRN_ASSIGN_OR_RETURN(s.key, ReadPrivateKey(key_file, KeyPasswordFile(f)));
  auto pub = ssh::PublicKey::FromCrypto(s.key->public_key());
  if (!pub.ok() || !pub->Equals(s.cert->key())) {
    return InvalidArgumentError("the private key " + key_file + " does not match the certificate " +
                                cert_file);
  }
  CAIRN_ASSIGN_OR_RETURN(std::string root, RootPath(f));
  CAIRN_ASSIGN_OR_RETURN(std::string root_pem, ReadTextFile(root));
  CAIRN_ASSIGN_OR_RETURN(auto roots, pki::Certificate::ParsePemBundle(root_pem));
  if (roots.empty()) return InvalidArgumentError(root + " holds no certificate");
  s.root_fingerprint = roots.front().fingerprint_sha256_hex();
  CAIRN_ASSIGN_OR_RETURN(s.ca, OnlineClient(f));
  return s;
}

// PopToken makes the SSHPOP token for `type` with subject `subject`.
Result<std::string> PopToken(const ClientFlags& f, PopSession& s, client::SshPopTokenType type,
                             const std::string& subject) {
  CAIRN_ASSIGN_OR_RETURN(client::ProvisionerInfo p, ChooseSshPop(f, *s.ca));
  client::JwkTokenRequest t;
  t.subject = subject;
  t.issuer = p.name;
  CAIRN_ASSIGN_OR_RETURN(t.audience, client::SshPopAudience(s.ca->ca_url(), type, p.name));
  t.root_fingerprint = s.root_fingerprint;
  CAIRN_ASSIGN_OR_RETURN(jose::Jwk jwk,
                         jose::Jwk::FromPkey(s.key->get(), /*include_private=*/true));
  return client::SshPopToken(s.cert->Marshal(), t, jwk, SystemClock::Default().Now(),
                             crypto::OsslRandom::Default());
}

// CheckIssued parses the CA's answer and checks it certifies `key` with the CA's signature.
Result<ssh::Certificate> CheckIssued(const std::string& wire, const ssh::PublicKey& key) {
  auto cert = ssh::Certificate::Parse(wire);
  if (!cert.ok()) return cert.status().Annotate("error parsing the CA's SSH certificate");
  if (!cert->key().Equals(key)) {
    return InternalError("the CA's SSH certificate is not for the expected key");
  }
  CAIRN_RETURN_IF_ERROR(cert->Verify());
  return cert;
}

// --- renew ---------------------------------------------------------------------------------

Status Renew(PopFlags& r) {
  ClientFlags& f = r.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  if (f.offline) return UnimplementedError("'cairn ssh renew --offline' is not supported");
  const std::string out = r.out.empty() ? r.cert_file : r.out;
  CAIRN_RETURN_IF_ERROR(ConfirmOverwrite(out, f.force));
  CAIRN_ASSIGN_OR_RETURN(PopSession s, OpenPopSession(f, r.cert_file, r.key_file));
  CAIRN_ASSIGN_OR_RETURN(std::string token, PopToken(f, s, client::SshPopTokenType::kRenew,
                                                     std::to_string(s.cert->serial())));
  CAIRN_ASSIGN_OR_RETURN(std::string wire, s.ca->RenewSsh(token));
  CAIRN_ASSIGN_OR_RETURN(ssh::Certificate cert, CheckIssued(wire, s.cert->key()));
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(out, cert.MarshalAuthorizedKey(s.cert->key_id()), 0644));
  PrintSelected("Certificate", out);
  return Status();
}

void AddPopCommonFlags(CLI::App& cmd, PopFlags& r) {
  ClientFlags& f = r.common;
  f.provisioner_opt =
      cmd.add_option("--provisioner,--issuer", f.provisioner, "The provisioner <name> to use.");
  cmd.add_option("--provisioner-password-file", f.provisioner_password_file,
                 "The path to the <file> containing the password to decrypt the SSH private key.");
  AddOfflineFlags(cmd, f);
  AddCaUrlFlag(cmd, f);
  AddRootFlag(cmd, f);
}

void RegisterRenew(CLI::App& group, RunState& state) {
  auto r = std::make_shared<PopFlags>();
  r->common.command = "ssh renew";
  CLI::App* cmd = group.add_subcommand("renew", "renew a SSH certificate using the SSH CA");
  cmd->add_option("ssh-cert", r->cert_file, "The ssh certificate to renew.")->required();
  cmd->add_option("ssh-key", r->key_file, "The ssh certificate private key.")->required();
  cmd->add_option("--out,--output-file", r->out,
                  "The new certificate <file>. Defaults to overwriting the <ssh-cert> "
                  "positional argument.");
  cmd->add_option("--password-file", r->common.password_file,
                  "The path to the <file> containing the password to decrypt the private key.");
  AddPopCommonFlags(*cmd, *r);
  AddForceFlag(*cmd, r->common);
  cmd->footer(R"(DESCRIPTION
  Renews an SSH host certificate with the SSHPOP provisioner: the token proves possession of
  the certificate's key. The new certificate has the same key, principals and validity length.
  SSH user certificates cannot be renewed.

EXAMPLES
  Renew an ssh certificate overwriting the previous one:
    $ cairn ssh renew -f id_ecdsa-cert.pub id_ecdsa

  Renew an ssh certificate with a custom out file:
    $ cairn ssh renew --out new-id_ecdsa-cert.pub id_ecdsa-cert.pub id_ecdsa)");
  cmd->callback([&state, r] { state.status = Renew(*r); });
}

// --- rekey ---------------------------------------------------------------------------------

Status Rekey(PopFlags& r) {
  ClientFlags& f = r.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  if (f.offline) return UnimplementedError("'cairn ssh rekey --offline' is not supported");
  if (r.no_password && !r.insecure) {
    return InvalidArgumentError("flag '--no-password' requires the '--insecure' flag");
  }
  CAIRN_ASSIGN_OR_RETURN(crypto::KeySpec spec, crypto::ParseKeySpec(r.kty, r.crv, r.size));
  std::string new_key_file, new_pub_file, new_cert_file;
  if (!r.out.empty()) {
    new_key_file = r.out;
    new_pub_file = r.out + ".pub";
    new_cert_file = r.out + "-cert.pub";
  } else {
    new_key_file = r.key_file;
    new_pub_file = r.key_file + ".pub";
    new_cert_file = r.cert_file;
  }
  for (const std::string& p : {new_key_file, new_pub_file, new_cert_file}) {
    CAIRN_RETURN_IF_ERROR(ConfirmOverwrite(p, f.force));
  }
  CAIRN_ASSIGN_OR_RETURN(PopSession s, OpenPopSession(f, r.cert_file, r.key_file));
  CAIRN_ASSIGN_OR_RETURN(std::string token, PopToken(f, s, client::SshPopTokenType::kRekey,
                                                     std::to_string(s.cert->serial())));
  // The new key's password before anything is asked of the CA (the token is single-use).
  std::string pw;
  if (!r.no_password) {
    if (!f.password_file.empty()) {
      CAIRN_ASSIGN_OR_RETURN(pw, ReadPasswordFile(f.password_file));
    } else {
      CAIRN_ASSIGN_OR_RETURN(
          pw, PromptNewPassword("Please enter the password to encrypt the private key",
                                /*allow_generate=*/true));
    }
  }
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(spec));
  CAIRN_ASSIGN_OR_RETURN(ssh::PublicKey pub, ssh::PublicKey::FromCrypto(key.public_key()));
  CAIRN_ASSIGN_OR_RETURN(std::string wire, s.ca->RekeySsh(token, pub.Marshal()));
  CAIRN_ASSIGN_OR_RETURN(ssh::Certificate cert, CheckIssued(wire, pub));

  const std::string& comment = s.cert->key_id();
  std::string key_pem;
  if (r.no_password) {
    CAIRN_ASSIGN_OR_RETURN(
        key_pem, ssh::MarshalOpenSshPrivateKey(key, comment, crypto::OsslRandom::Default()));
  } else {
    // OpenSSH reads password-encrypted PKCS#8 PEM (its own format needs bcrypt-pbkdf).
    CAIRN_ASSIGN_OR_RETURN(key_pem, key.ToPkcs8Pem(pw));
  }
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(new_key_file, key_pem, 0600));
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(new_pub_file, pub.MarshalAuthorizedKey(comment), 0644));
  CAIRN_RETURN_IF_ERROR(WriteFileAtomic(new_cert_file, cert.MarshalAuthorizedKey(comment), 0644));
  PrintSelected("Private Key", new_key_file);
  PrintSelected("Public Key", new_pub_file);
  PrintSelected("Certificate", new_cert_file);
  return Status();
}

void RegisterRekey(CLI::App& group, RunState& state) {
  auto r = std::make_shared<PopFlags>();
  r->common.command = "ssh rekey";
  CLI::App* cmd = group.add_subcommand("rekey", "rekey a SSH certificate using the SSH CA");
  cmd->add_option("ssh-cert", r->cert_file, "The ssh certificate to renew.")->required();
  cmd->add_option("ssh-key", r->key_file, "The ssh certificate private key.")->required();
  cmd->add_option("--out", r->out,
                  "The new key <file>. Defaults to overwriting the <ssh-key> positional argument; "
                  "the public key and certificate go to <file>.pub and <file>-cert.pub.");
  cmd->add_option("--password-file", r->common.password_file,
                  "The path to the <file> containing the password to encrypt the new private key "
                  "(and to decrypt the old one without --provisioner-password-file).");
  cmd->add_flag("--no-password", r->no_password,
                "Do not ask for a password to encrypt the private key. Requires --insecure.");
  cmd->add_flag("--insecure", r->insecure, "Allow --no-password.");
  cmd->add_option("--kty", r->kty, "The <kty> of the key to generate: EC (default), OKP, RSA.");
  cmd->add_option("--crv,--curve", r->crv, "The elliptic <curve> (P-256 default; Ed25519).");
  cmd->add_option("--size", r->size, "The RSA key <size> in bits.");
  AddPopCommonFlags(*cmd, *r);
  AddForceFlag(*cmd, r->common);
  cmd->footer(R"(DESCRIPTION
  Generates a new key and gets an SSH host certificate for it from the SSHPOP provisioner,
  authenticated with the existing certificate and key, which must still be valid. The new
  certificate has the same principals and validity length.

EXAMPLES
  Rekey an ssh certificate:
    $ cairn ssh rekey id_ecdsa-cert.pub id_ecdsa

  Rekey an ssh certificate creating id2_ecdsa, id2_ecdsa.pub, and id2_ecdsa-cert.pub:
    $ cairn ssh rekey --out id2_ecdsa id_ecdsa-cert.pub id_ecdsa)");
  cmd->callback([&state, r] { state.status = Rekey(*r); });
}

// --- revoke --------------------------------------------------------------------------------

Status Revoke(PopFlags& r) {
  ClientFlags& f = r.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  if (f.offline) return UnimplementedError("'cairn ssh revoke --offline' is not supported");
  const bool sshpop = !r.cert_file.empty() || !r.key_file.empty();
  if (r.serial.empty() && (r.cert_file.empty() || r.key_file.empty())) {
    return InvalidArgumentError(
        "--sshpop-cert and --sshpop-key must be supplied if serial number is not supplied as "
        "first argument");
  }
  CAIRN_ASSIGN_OR_RETURN(int reason_code, ReasonCodeToNum(r.reason_code));

  std::string token = f.token;
  std::string serial = r.serial;
  std::unique_ptr<client::CaClient> ca;
  if (token.empty() && sshpop) {
    if (r.cert_file.empty() || r.key_file.empty()) {
      return InvalidArgumentError("flags '--sshpop-cert' and '--sshpop-key' go together");
    }
    CAIRN_ASSIGN_OR_RETURN(PopSession s, OpenPopSession(f, r.cert_file, r.key_file));
    if (serial.empty()) serial = std::to_string(s.cert->serial());
    CAIRN_ASSIGN_OR_RETURN(token, PopToken(f, s, client::SshPopTokenType::kRevoke, serial));
    ca = std::move(s.ca);
  } else if (token.empty()) {
    // A JWK provisioner's SSH revoke token (step's flow for `ssh revoke <serial>`).
    CAIRN_ASSIGN_OR_RETURN(TokenSigner signer,
                           PrepareTokenSigner(f, /*offline=*/nullptr, /*allow_acme=*/false));
    client::JwkTokenRequest t;
    t.subject = serial;
    t.issuer = signer.provisioner.name;
    CAIRN_ASSIGN_OR_RETURN(std::string base, client::NormalizeCaUrl(signer.ca_url));
    t.audience = base + "/1.0/ssh/revoke";
    t.kid = signer.provisioner.kid;
    t.root_fingerprint = signer.root_fingerprint;
    CAIRN_ASSIGN_OR_RETURN(token, client::RevokeToken(t, signer.key, SystemClock::Default().Now(),
                                                      crypto::OsslRandom::Default()));
  }
  if (ca == nullptr) {
    CAIRN_ASSIGN_OR_RETURN(ca, ClientForToken(f, token));
  }
  client::RevokeRequest req;
  req.serial = serial;
  req.ott = token;
  req.reason_code = reason_code;
  req.reason = r.reason;
  req.passive = true;
  CAIRN_RETURN_IF_ERROR(ca->RevokeSsh(req));
  std::printf("SSH Certificate with Serial Number %s has been revoked.\n", serial.c_str());
  return Status();
}

void RegisterRevoke(CLI::App& group, RunState& state) {
  auto r = std::make_shared<PopFlags>();
  ClientFlags& f = r->common;
  f.command = "ssh revoke";
  CLI::App* cmd = group.add_subcommand("revoke", "revoke a SSH certificate using the SSH CA");
  cmd->add_option("serial-number", r->serial,
                  "The serial number of the SSH certificate to revoke (decimal); defaults to "
                  "the serial of --sshpop-cert.");
  cmd->add_option("--token", f.token,
                  "The one-time <token> used to authenticate with the CA in order to revoke the "
                  "certificate.");
  cmd->add_option("--sshpop-cert", r->cert_file,
                  "The SSH certificate <file> whose key signs an SSHPOP token (the 'sshpop' "
                  "header of the JWT).");
  cmd->add_option("--sshpop-key", r->key_file,
                  "The private key <file> of --sshpop-cert, used to sign the token.");
  cmd->add_option("--password-file", f.password_file,
                  "The path to the <file> containing the password to decrypt the key.");
  cmd->add_option("--kid", f.kid, "The provisioner <kid> to use (JWK provisioners).");
  cmd->add_option("--key", f.key_file,
                  "The private key <file> used to sign the token (JWK provisioners).");
  cmd->add_option("--reason", r->reason,
                  "The <string> representing the reason for which the cert is being revoked.");
  cmd->add_option("--reasonCode", r->reason_code,
                  "The <reasonCode> specifies the reason for revocation: a number from 0-10 or "
                  "a case insensitive name (Unspecified, KeyCompromise, CACompromise, "
                  "AffiliationChanged, Superseded, CessationOfOperation, CertificateHold, "
                  "RemoveFromCRL, PrivilegeWithdrawn, AACompromise).");
  AddPopCommonFlags(*cmd, *r);
  cmd->footer(R"(EXAMPLES
  Revoke an ssh certificate with a JWK provisioner:
    $ cairn ssh revoke 3997477584487736496

  Revoke an ssh certificate proving possession of it (SSHPOP provisioner):
    $ cairn ssh revoke --sshpop-cert id_ecdsa-cert.pub --sshpop-key id_ecdsa)");
  cmd->callback([&state, r] { state.status = Revoke(*r); });
}

}  // namespace

void RegisterSshPopCommands(CLI::App& group, RunState& state) {
  RegisterRenew(group, state);
  RegisterRekey(group, state);
  RegisterRevoke(group, state);
}

}  // namespace cairn::cli
