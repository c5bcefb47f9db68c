// `cairn ca bootstrap|root|roots|federation|health|token|certificate|sign` (and, through
// ca_client_renew.cc, `renew` and `revoke`): step's CA client commands.

#include "client/ca_client.h"

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/strings.h"
#include "cli/ca_client_flow.h"
#include "cli/cli.h"
#include "cli/ssh.h"
#include "cli/ui.h"
#include "client/token.h"
#include "client/truststore.h"
#include "config/home.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "jose/jwt.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "pki/name.h"

namespace cairn::cli {
namespace {

void Print(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

// Unique keeps the first occurrence of each non-empty string.
std::vector<std::string> Unique(const std::vector<std::vector<std::string>>& lists) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& list : lists) {
    for (const auto& s : list) {
      if (!s.empty() && seen.insert(s).second) out.push_back(s);
    }
  }
  return out;
}

std::vector<std::string> JsonStrings(const nlohmann::json& claims, const char* name) {
  std::vector<std::string> out;
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string ClaimString(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// --- bootstrap -----------------------------------------------------------------------------

struct BootstrapFlags {
  ClientFlags common;
  bool install = false;
  std::string redirect_url;
};

Status Bootstrap(BootstrapFlags& b) {
  ClientFlags& f = b.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  if (f.ca_url.empty()) return RequiredFlagError(f, "ca-url");
  std::string fingerprint(Trim(f.fingerprint));
  if (fingerprint.empty()) return RequiredFlagError(f, "fingerprint");
  CAIRN_ASSIGN_OR_RETURN(std::string ca_url, client::NormalizeCaUrl(f.ca_url));

  client::CaClientOptions o;
  o.ca_url = ca_url;
  o.insecure = true;  // the root is pinned by its fingerprint instead
  CAIRN_ASSIGN_OR_RETURN(auto c, client::CaClient::Create(std::move(o)));
  auto root = c->Root(fingerprint);
  if (!root.ok()) return root.status().Annotate("error downloading root certificate");

  std::string home = config::CairnHome();
  std::string root_file = JoinPath(home, "certs/root_ca.crt");
  std::string config_file = config::DefaultsPath(home);
  CAIRN_RETURN_IF_ERROR(MakeDirs(JoinPath(home, "certs"), 0700));
  CAIRN_RETURN_IF_ERROR(MakeDirs(JoinPath(home, "config"), 0700));

  CAIRN_RETURN_IF_ERROR(WriteOutputFile(root_file, *root, /*secret=*/true, f.force));
  Info("The root certificate has been saved in " + root_file + ".");

  // step writes exactly these keys, indented by two spaces.
  nlohmann::ordered_json defaults;
  defaults["ca-url"] = ca_url;
  defaults["fingerprint"] = fingerprint;
  defaults["root"] = root_file;
  if (!b.redirect_url.empty()) defaults["redirect-url"] = b.redirect_url;
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(config_file, defaults.dump(2), /*secret=*/false, f.force));
  Info("The authority configuration has been saved in " + config_file + ".");

  if (b.install) {
    std::fputs("Installing the root certificate in the system truststore... ", stderr);
    CAIRN_ASSIGN_OR_RETURN(auto cert, pki::Certificate::FromPem(*root));
    Status s = client::InstallRoot(cert);
    if (!s.ok()) {
      std::fputs("\n", stderr);
      return s;
    }
    std::fputs("done.\n", stderr);
  }
  return Status();
}

void RegisterBootstrap(CLI::App& ca, RunState& state) {
  auto b = std::make_shared<BootstrapFlags>();
  b->common.command = "ca bootstrap";
  CLI::App* cmd =
      ca.add_subcommand("bootstrap", "initialize the environment to use the CA commands");
  const std::string about(
      "cairn ca bootstrap downloads the root certificate from the certificate authority and "
      "sets up the current environment to use it.\n\nThe root certificate is stored in "
      "$CAIRNPATH/certs/root_ca.crt and the CA url, the root certificate location and its "
      "fingerprint in $CAIRNPATH/config/defaults.json ($STEPPATH is used instead when set). "
      "Afterwards the ca commands do not need --ca-url, --root or --fingerprint.\n\nThe root "
      "is downloaded over TLS without verifying the server: it is trusted only if its SHA-256 "
      "fingerprint equals --fingerprint.");
  AddCaUrlFlag(*cmd, b->common);
  AddFingerprintFlag(*cmd, b->common);
  cmd->add_flag("--install", b->install,
                "Install the root certificate into the system's default trust store.");
  cmd->add_option("--redirect-url", b->redirect_url,
                  "The <uri> to open in a browser after an OIDC login (stored in defaults.json).");
  AddForceFlag(*cmd, b->common);
  cmd->footer(WrapText(about) + "\n\n" + R"(EXAMPLES
  Bootstrap using the CA url and a fingerprint:
    $ cairn ca bootstrap --ca-url https://ca.example.com \
        --fingerprint d9d0978692f1c7cc791f5c343ce98771900721405e834cd27b9502cc719f5097

  Bootstrap and install the root certificate:
    $ cairn ca bootstrap --ca-url https://ca.example.com \
        --fingerprint d9d0978692f1c7cc791f5c343ce98771900721405e834cd27b9502cc719f5097 \
        --install)");
  cmd->callback([&state, b] { state.status = Bootstrap(*b); });
}

// --- root, roots, federation, health ---------------------------------------------------------

struct FileFlags {
  ClientFlags common;
  std::string file;
};

Status Root(FileFlags& r) {
  ClientFlags& f = r.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  if (f.ca_url.empty()) return RequiredFlagError(f, "ca-url");
  std::string fingerprint(Trim(f.fingerprint));
  if (fingerprint.empty()) return RequiredFlagError(f, "fingerprint");
  client::CaClientOptions o;
  o.ca_url = f.ca_url;
  o.insecure = true;
  CAIRN_ASSIGN_OR_RETURN(auto c, client::CaClient::Create(std::move(o)));
  auto root = c->Root(fingerprint);
  if (!root.ok()) return root.status().Annotate("error downloading root certificate");
  if (r.file.empty()) {
    Print(*root);
    return Status();
  }
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(r.file, *root, /*secret=*/true, f.force));
  Info("The root certificate has been saved in " + r.file + ".");
  return Status();
}

void RegisterRoot(CLI::App& ca, RunState& state) {
  auto r = std::make_shared<FileFlags>();
  r->common.command = "ca root";
  CLI::App* cmd = ca.add_subcommand("root", "download and validate the root certificate");
  const std::string about(
      "cairn ca root downloads and validates the root certificate from the certificate "
      "authority: the certificate is accepted only if its SHA-256 fingerprint equals "
      "--fingerprint. Without <root-file> it is printed on standard output.");
  cmd->add_option("root-file", r->file, "File to write the root certificate (PEM format)");
  AddCaUrlFlag(*cmd, r->common);
  AddFingerprintFlag(*cmd, r->common);
  AddForceFlag(*cmd, r->common);
  cmd->footer(WrapText(about) + "\n\n" + R"(EXAMPLES
  Download the root certificate from the configured certificate authority:
    $ cairn ca root root_ca.crt \
        --fingerprint 0d7d3834cf187726cf331c40a31aa7ef6b29ba4df601416c9788f6ee01058cf3

  Download the root certificate using a given certificate authority:
    $ cairn ca root root_ca.crt --ca-url https://ca.example.com:9000 \
        --fingerprint 0d7d3834cf187726cf331c40a31aa7ef6b29ba4df601416c9788f6ee01058cf3

  Print the root certificate using the flags set by 'cairn ca bootstrap':
    $ cairn ca root)");
  cmd->callback([&state, r] { state.status = Root(*r); });
}

Status Bundle(FileFlags& r, bool federation) {
  ClientFlags& f = r.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  CAIRN_ASSIGN_OR_RETURN(auto c, OnlineClient(f));
  std::vector<std::string> certs;
  if (federation) {
    CAIRN_ASSIGN_OR_RETURN(certs, c->Federation());
  } else {
    CAIRN_ASSIGN_OR_RETURN(certs, c->Roots());
  }
  std::string data;
  for (const auto& pem : certs) {
    CAIRN_ASSIGN_OR_RETURN(auto cert, pki::Certificate::FromPem(pem));
    data += cert.pem();
  }
  if (r.file.empty()) {
    Print(data);
    return Status();
  }
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(r.file, data, /*secret=*/true, f.force));
  Info(std::string(federation ? "The federation certificate bundle"
                              : "The root certificate bundle") +
       " has been saved in " + r.file + ".");
  return Status();
}

void RegisterBundle(CLI::App& ca, RunState& state, bool federation) {
  auto r = std::make_shared<FileFlags>();
  const char* name = federation ? "federation" : "roots";
  r->common.command = std::string("ca ") + name;
  CLI::App* cmd = ca.add_subcommand(name, federation ? "download all the federated certificates"
                                                     : "download all the root certificates");
  const std::string about(
      federation ? "cairn ca federation downloads a certificate bundle with all the root "
                   "certificates in the federation."
                 : "cairn ca roots downloads a certificate bundle with all the root "
                   "certificates.");
  cmd->add_option(federation ? "federation-file" : "roots-file", r->file,
                  "File to write the certificates (PEM format)");
  AddCaUrlFlag(*cmd, r->common);
  AddRootFlag(*cmd, r->common);
  AddForceFlag(*cmd, r->common);
  cmd->footer(
      WrapText(about) + "\n\n" +
      std::string(
          "EXAMPLES\n  Download with the flags set by 'cairn ca bootstrap':\n    $ cairn ca ") +
      name + " " + name + ".pem\n\n  Download with custom flags:\n    $ cairn ca " + name + " " +
      name +
      ".pem --ca-url https://ca.example.com --root /path/to/root_ca.crt\n\n  Print "
      "them:\n    $ cairn ca " +
      name);
  cmd->callback([&state, r, federation] { state.status = Bundle(*r, federation); });
}

Status Health(ClientFlags& f) {
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  CAIRN_ASSIGN_OR_RETURN(auto c, OnlineClient(f));
  CAIRN_ASSIGN_OR_RETURN(std::string status, c->Health());
  Print(status + "\n");
  return Status();
}

void RegisterHealth(CLI::App& ca, RunState& state) {
  auto f = std::make_shared<ClientFlags>();
  f->command = "ca health";
  CLI::App* cmd = ca.add_subcommand("health", "get the status of the CA");
  const std::string about(
      "cairn ca health makes an API request to the /health endpoint of the CA to check if it "
      "is running. If the CA is healthy, the response will be 'ok'.");
  AddCaUrlFlag(*cmd, *f);
  AddRootFlag(*cmd, *f);
  cmd->footer(WrapText(about) + "\n\n" + R"(EXAMPLES
  Using the required flags:
    $ cairn ca health --ca-url https://ca.smallstep.com:8080 --root path/to/root_ca.crt
    ok

  With the flags set by 'cairn ca bootstrap' (or STEP_CA_URL / STEP_ROOT):
    $ cairn ca health
    ok)");
  cmd->callback([&state, f] { state.status = Health(*f); });
}

// --- token ---------------------------------------------------------------------------------

struct TokenFlags {
  ClientFlags common;
  std::string subject;
  std::string not_before, not_after, cert_not_before, cert_not_after;
  std::string output_file;
  bool revoke = false, renew = false;
  std::string x5c_cert, x5c_key;
  std::string cnf, cnf_file;
  bool ssh = false, host = false;
  std::vector<std::string> principals;
};

Status Token(TokenFlags& t) {
  ClientFlags& f = t.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  if (t.revoke && t.renew) {
    return InvalidArgumentError("flag '--revoke' is incompatible with '--renew'");
  }
  if (!t.cnf.empty() && !t.cnf_file.empty()) {
    return InvalidArgumentError("flag '--cnf-file' is incompatible with '--cnf'");
  }
  if (t.revoke && !f.sans.empty()) {
    return InvalidArgumentError("flag '--san' is incompatible with '--revoke'");
  }
  if (f.offline && (!f.set.empty() || !f.set_file.empty())) {
    return InvalidArgumentError("flag '--offline' is incompatible with '--set'");
  }
  CAIRN_RETURN_IF_ERROR(ValidateTimeDurationFlag(t.cert_not_before, "cert-not-before"));
  CAIRN_RETURN_IF_ERROR(ValidateTimeDurationFlag(t.cert_not_after, "cert-not-after"));
  Time now = SystemClock::Default().Now();
  TokenFlowRequest req;
  req.type = t.revoke ? client::TokenType::kRevoke : client::TokenType::kSign;
  req.subject = t.subject;
  req.sans = f.sans;
  CAIRN_ASSIGN_OR_RETURN(req.not_before, ParseTimeFlag(t.not_before, "not-before", now));
  CAIRN_ASSIGN_OR_RETURN(req.not_after, ParseTimeFlag(t.not_after, "not-after", now));
  if (!t.cnf_file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(t.cnf_file));
    auto csr = pki::CertificateRequest::FromPem(pem);
    if (!csr.ok()) return csr.status().Annotate("error parsing certificate request");
    req.confirmation = client::CsrFingerprint(csr->der());
  } else {
    req.confirmation = t.cnf;
  }
  CAIRN_ASSIGN_OR_RETURN(req.user_data, TemplateData(f));

  std::unique_ptr<OfflineCa> offline;
  if (f.offline && FileExists(f.ca_config)) {
    CAIRN_ASSIGN_OR_RETURN(offline, OfflineCa::Load(f));
  }

  std::string token;
  if (!t.ssh && (t.host || !t.principals.empty())) {
    return InvalidArgumentError(std::string("flag '--") + (t.host ? "host" : "principal") +
                                "' requires the '--ssh' flag");
  }
  if (t.ssh) {
    if (t.revoke || t.renew || !f.sans.empty()) {
      return InvalidArgumentError(
          "flag '--ssh' is incompatible with '--revoke', '--renew' and "
          "'--san'");
    }
    if (f.offline && !offline) {
      return InvalidArgumentError("flag '--offline' with '--ssh' needs the CA's ca.json");
    }
    SshTokenFlowRequest s;
    s.subject = t.subject;
    s.ssh.cert_type = t.host ? "host" : "user";
    s.ssh.key_id = t.subject;
    s.ssh.principals =
        t.principals.empty() ? client::DefaultSshPrincipals(t.subject, t.host) : t.principals;
    s.ssh.valid_after = t.cert_not_before;
    s.ssh.valid_before = t.cert_not_after;
    s.not_before = req.not_before;
    s.not_after = req.not_after;
    CAIRN_ASSIGN_OR_RETURN(token, MakeSshToken(f, s, offline.get()));
  } else if (t.renew) {
    if (t.x5c_cert.empty()) return RequiredFlagError(f, "x5c-cert");
    if (t.x5c_key.empty()) return RequiredFlagError(f, "x5c-key");
    std::string audience;
    if (offline) {
      audience = offline->Audience(client::TokenType::kRenew);
    } else {
      CAIRN_ASSIGN_OR_RETURN(std::string ca_url, RequireCaUrl(f));
      CAIRN_ASSIGN_OR_RETURN(audience, client::TokenAudience(ca_url, client::TokenType::kRenew));
    }
    CAIRN_ASSIGN_OR_RETURN(
        token, MakeRenewToken(t.x5c_cert, t.x5c_key, f.password_file, t.subject, audience));
  } else if (f.offline && !offline) {
    // Offline without a ca.json: everything comes from the flags, as step allows.
    if (f.provisioner.empty()) {
      return InvalidArgumentError("flag '--offline' requires the '--provisioner' flag");
    }
    if (f.key_file.empty())
      return InvalidArgumentError("flag '--offline' requires the '--key' flag");
    CAIRN_ASSIGN_OR_RETURN(std::string ca_url, RequireCaUrl(f));
    client::JwkTokenRequest r;
    r.subject = req.subject;
    r.sans = req.sans;
    r.issuer = f.provisioner;
    r.kid = f.kid;
    r.not_before = req.not_before;
    r.not_after = req.not_after;
    r.confirmation = req.confirmation;
    CAIRN_ASSIGN_OR_RETURN(r.audience, client::TokenAudience(ca_url, req.type));
    if (!f.root.empty()) {
      CAIRN_ASSIGN_OR_RETURN(std::string root_pem, ReadTextFile(f.root));
      CAIRN_ASSIGN_OR_RETURN(auto roots, pki::Certificate::ParsePemBundle(root_pem));
      r.root_fingerprint = roots.front().fingerprint_sha256_hex();
    }
    CAIRN_ASSIGN_OR_RETURN(std::string content, ReadTextFile(f.key_file));
    std::string pw;
    if (client::KeyFileIsEncrypted(content)) {
      const std::string& file =
          f.provisioner_password_file.empty() ? f.password_file : f.provisioner_password_file;
      CAIRN_ASSIGN_OR_RETURN(
          pw, PasswordFromFileOrPrompt(
                  file, "Please enter the password to decrypt " + f.key_file + ": "));
    }
    CAIRN_ASSIGN_OR_RETURN(jose::Jwk key, client::ParseKeyFile(content, pw));
    auto& random = crypto::OsslRandom::Default();
    if (req.type == client::TokenType::kRevoke) {
      CAIRN_ASSIGN_OR_RETURN(token, client::RevokeToken(r, key, now, random));
    } else {
      CAIRN_ASSIGN_OR_RETURN(token, client::SignToken(r, key, now, random));
    }
  } else {
    CAIRN_ASSIGN_OR_RETURN(token, MakeToken(f, req, offline.get()));
  }

  if (!t.output_file.empty()) {
    return WriteOutputFile(t.output_file, token, /*secret=*/true, f.force);
  }
  Print(token + "\n");
  return Status();
}

void RegisterToken(CLI::App& ca, RunState& state) {
  auto t = std::make_shared<TokenFlags>();
  ClientFlags& f = t->common;
  f.command = "ca token";
  CLI::App* cmd = ca.add_subcommand("token", "generate an OTT granting access to the CA");
  const std::string about(
      "cairn ca token generates a one-time token granting access to the certificate "
      "authority.\n\n<subject> is the Common Name, DNS Name, or IP address that will be set by "
      "the certificate authority. When there are no additional Subject Alternative Names (via "
      "--san), the subject is the only element of the token's 'sans' claim. With --revoke, "
      "<subject> is the serial number of the certificate to revoke.");
  cmd->add_option("subject", t->subject, "The subject of the token")->required();
  cmd->add_option("--san", f.sans,
                  "Add <dns|ip|email|uri> Subject Alternative Name(s) (SANs) that should be "
                  "authorized. A certificate signing request using this token must match the "
                  "complete set of SANs in the token 1:1. Use the '--san' flag multiple times "
                  "to configure multiple SANs.")
      ->allow_extra_args(false);
  AddProvisionerFlags(*cmd, f, /*with_kid=*/true);
  AddOfflineFlags(*cmd, f);
  AddForceFlag(*cmd, f);
  cmd->add_option("--not-before", t->not_before,
                  "The <time|duration> when the token's validity period starts: an RFC 3339 "
                  "time or a duration from now such as \"5m\" or \"1h30m\".");
  cmd->add_option("--not-after", t->not_after,
                  "The <time|duration> when the token's validity period ends (at most 1h after "
                  "it starts; default 5m).");
  cmd->add_option("--cert-not-before", t->cert_not_before,
                  "The <time|duration> when the certificate validity period starts (SSH "
                  "certificates only).");
  cmd->add_option("--cert-not-after", t->cert_not_after,
                  "The <time|duration> when the certificate validity period ends (SSH "
                  "certificates only).");
  cmd->add_option("--key", f.key_file,
                  "The private key <file> used to sign the JWT (a JWK, possibly encrypted, or a "
                  "PEM key). This is usually downloaded from the certificate authority.");
  cmd->add_option("--output-file", t->output_file,
                  "The destination <file> of the generated one-time token.");
  cmd->add_flag("--revoke", t->revoke,
                "Create a token for authorizing 'Revoke' requests. The audience will be "
                "invalid for any other API request.");
  cmd->add_flag("--renew", t->renew,
                "Create a token for authorizing 'renew' requests, signed with the key of the "
                "certificate to renew (--x5c-cert, --x5c-key).");
  cmd->add_option("--x5c-cert", t->x5c_cert,
                  "Certificate (<chain>) in PEM format whose renewal the --renew token "
                  "authorizes.");
  cmd->add_option("--x5c-key", t->x5c_key, "The private key <file> of --x5c-cert.");
  cmd->add_option("--cnf", t->cnf,
                  "The <fingerprint> of the CSR to restrict this token for (base64url SHA-256 "
                  "of its DER).");
  cmd->add_option("--cnf-file", t->cnf_file, "The CSR <file> to restrict this token for.");
  cmd->add_flag("--ssh", t->ssh, "Create a token for authorizing an SSH certificate signing.");
  cmd->add_flag("--host", t->host,
                "Create a token for an SSH host certificate instead of a user certificate.");
  cmd->add_option("-n,--principal", t->principals,
                  "Add the principals (user or host names) that the SSH token is authorized to "
                  "request. Use the flag multiple times for several principals.")
      ->allow_extra_args(false);
  AddCaUrlFlag(*cmd, f);
  AddRootFlag(*cmd, f);
  AddTemplateDataFlags(*cmd, f);
  cmd->footer(WrapText(about) + "\n\n" + R"(EXAMPLES
  Get a new token for a DNS name (its 'sans' claim is ['internal.example.com']):
    $ cairn ca token internal.example.com

  Get a new token for a 'Revoke' request:
    $ cairn ca token --revoke 146103349666685108195655980390445292315

  Get a new token with custom Subject Alternative Names:
    $ cairn ca token foobar --san 1.1.1.1 --san hello.example.com

  Get a new token that expires in 30 minutes:
    $ cairn ca token --not-after 30m internal.example.com

  Get a new token that becomes valid in 30 minutes and expires 5 minutes after that:
    $ cairn ca token --not-before 30m --not-after 35m internal.example.com

  Get a new token without prompts, for a given provisioner:
    $ cairn ca token internal.example.com --provisioner admin \
        --provisioner-password-file ./provisioner-pass.txt

  Get a new token signed with the given private key:
    $ cairn ca token internal.smallstep.com --key token.key

  Get a new token using the offline mode (the files created with 'cairn ca init'):
    $ cairn ca token internal.example.com --offline

  Get a new token for an SSH user certificate (principals 'mariano' and the subject):
    $ cairn ca token --ssh mariano@work

  Get a new token for an SSH host certificate:
    $ cairn ca token --ssh --host internal.example.com

  Generate a renew token and use it in a renew after expiry request:
    $ TOKEN=$(cairn ca token --x5c-cert internal.crt --x5c-key internal.key --renew internal.example.com)
    $ curl -X POST -H "Authorization: Bearer $TOKEN" https://ca.example.com/1.0/renew)");
  cmd->callback([&state, t] { state.status = Token(*t); });
}

// --- certificate and sign ------------------------------------------------------------------

struct CertFlags {
  ClientFlags common;
  std::string subject, crt_file, key_file, csr_file;
  std::string kty = "EC", crv;
  int size = 0;
  std::string not_before, not_after;
  AcmeFlags acme;  // `ca certificate` only
};

// AcmeFor runs the ACME flow of `ca certificate` (ca_acme.cc) for `provisioner` ("" with
// --acme).
Status AcmeFor(const CertFlags& c, const crypto::KeySpec& spec, const std::string& provisioner) {
  AcmeCertificateRequest r;
  r.subject = c.subject;
  r.crt_file = c.crt_file;
  r.key_file = c.key_file;
  r.sans = c.common.sans;
  r.key_spec = spec;
  r.not_before = c.not_before;
  r.not_after = c.not_after;
  r.provisioner = provisioner;
  return AcmeCertificate(c.common, c.acme, r);
}

// SignWith sends the sign request to the CA (or the offline authority) and returns the chain.
Result<std::string> SignWith(const ClientFlags& f, OfflineCa* offline, const std::string& token,
                             const std::string& csr_pem, const CertFlags& c) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json data, TemplateData(f));
  if (offline != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(authority::Authority * a, offline->Authority());
    authority::SignRequest req;
    req.csr_pem = csr_pem;
    req.ott = token;
    req.not_before = c.not_before;
    req.not_after = c.not_after;
    req.template_data = data;
    CAIRN_ASSIGN_OR_RETURN(authority::Issued issued, a->Sign(req));
    std::string chain;
    for (const auto& cert : issued.chain) chain += cert.pem();
    return chain;
  }
  CAIRN_ASSIGN_OR_RETURN(auto client, ClientForToken(f, token));
  client::SignRequest req;
  req.csr_pem = csr_pem;
  req.ott = token;
  req.not_before = c.not_before;
  req.not_after = c.not_after;
  req.template_data = data;
  CAIRN_ASSIGN_OR_RETURN(client::SignResponse resp, client->Sign(req));
  return resp.ChainPem();
}

Status Certificate(CertFlags& c) {
  ClientFlags& f = c.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  if (f.offline && !f.token.empty()) {
    return InvalidArgumentError("flag '--offline' is incompatible with '--token'");
  }
  if (!f.token.empty() && !f.sans.empty()) {
    return InvalidArgumentError("flag '--token' and flag '--san' are mutually exclusive");
  }
  CAIRN_RETURN_IF_ERROR(ValidateTimeDurationFlag(c.not_before, "not-before"));
  CAIRN_RETURN_IF_ERROR(ValidateTimeDurationFlag(c.not_after, "not-after"));
  CAIRN_ASSIGN_OR_RETURN(crypto::KeySpec spec, crypto::ParseKeySpec(c.kty, c.crv, c.size));
  // Ask before any work (and before a token is spent) rather than after.
  CAIRN_RETURN_IF_ERROR(ConfirmOverwrite(c.crt_file, f.force));
  CAIRN_RETURN_IF_ERROR(ConfirmOverwrite(c.key_file, f.force));
  // With --acme (and no token) the certificate comes from that ACME server, as step does.
  if (f.token.empty() && !c.acme.directory.empty()) return AcmeFor(c, spec, "");

  std::unique_ptr<OfflineCa> offline;
  if (f.offline) {
    CAIRN_ASSIGN_OR_RETURN(offline, OfflineCa::Load(f));
  }

  std::string token = f.token;
  if (token.empty()) {
    TokenFlowRequest req;
    req.subject = c.subject;
    req.sans = f.sans;
    std::string acme_provisioner;
    CAIRN_ASSIGN_OR_RETURN(token, MakeToken(f, req, offline.get(), &acme_provisioner));
    if (!acme_provisioner.empty()) return AcmeFor(c, spec, acme_provisioner);
  }
  auto decoded = jose::DecodeUnverified(token);
  if (!decoded.ok()) return decoded.status().Annotate("error parsing flag '--token'");
  const nlohmann::json& claims = decoded->second;
  std::string cn = ClaimString(claims, "sub");
  if (!EqualsIgnoreCase(c.subject, cn)) {
    return InvalidArgumentError("token subject '" + cn + "' and argument '" + c.subject +
                                "' do not match");
  }
  pki::Name name;
  name.common_name = cn;
  pki::SubjectAltNames sans = pki::SplitSans(Unique({f.sans, JsonStrings(claims, "sans")}));

  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(spec));
  auto csr = pki::CreateCsr(name, sans, key);
  if (!csr.ok()) return csr.status().Annotate("error creating certificate request");
  CAIRN_ASSIGN_OR_RETURN(std::string chain, SignWith(f, offline.get(), token, csr->pem(), c));
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(c.crt_file, chain, /*secret=*/true, /*force=*/true));
  CAIRN_ASSIGN_OR_RETURN(std::string key_pem, key.ToPem());
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(c.key_file, key_pem, /*secret=*/true, /*force=*/true));
  PrintSelected("Certificate", c.crt_file);
  PrintSelected("Private Key", c.key_file);
  return Status();
}

void AddValidityFlags(CLI::App& cmd, CertFlags& c) {
  cmd.add_option("--not-before", c.not_before,
                 "The <time|duration> when the certificate validity period starts: an RFC 3339 "
                 "time or a duration such as \"-5m\" or \"1h\".");
  cmd.add_option("--not-after", c.not_after,
                 "The <time|duration> when the certificate validity period ends: an RFC 3339 "
                 "time or a duration such as \"24h\" (from the start of the validity).");
}

void RegisterCertificate(CLI::App& ca, RunState& state) {
  auto c = std::make_shared<CertFlags>();
  ClientFlags& f = c->common;
  f.command = "ca certificate";
  CLI::App* cmd = ca.add_subcommand(
      "certificate", "generate a new private key and certificate signed by the root certificate");
  const std::string about(
      "cairn ca certificate generates a new key pair and gets a certificate for it from the "
      "CA.\n\n<subject> is the Common Name, DNS Name, or IP address that will be set as the "
      "Subject Common Name of the certificate. If no Subject Alternative Names are given (via "
      "--san) the subject is the only SAN. <crt-file> receives the certificate chain (PEM) and "
      "<key-file> the unencrypted private key (PEM, mode 0600).");
  cmd->add_option("subject", c->subject, "The subject of the certificate")->required();
  cmd->add_option("crt-file", c->crt_file, "File to write the certificate (PEM format)")
      ->required();
  cmd->add_option("key-file", c->key_file, "File to write the private key (PEM format)")
      ->required();
  cmd->add_option("--san", f.sans,
                  "Add <dns|ip|email|uri> Subject Alternative Name(s) (SANs) that should be "
                  "authorized. Use the '--san' flag multiple times to configure multiple SANs. "
                  "The '--san' flag and the '--token' flag are mutually exclusive.")
      ->allow_extra_args(false);
  cmd->add_option("--token", f.token,
                  "The one-time <token> used to authenticate with the CA in order to create the "
                  "certificate.");
  AddProvisionerFlags(*cmd, f, /*with_kid=*/false);
  cmd->add_option("--kty", c->kty,
                  "The <kty> to build the certificate upon: EC (default), OKP "
                  "or RSA.");
  cmd->add_option("--crv,--curve", c->crv,
                  "The elliptic <curve> to use for EC and OKP key types: P-256 (default), "
                  "P-384, P-521 or Ed25519.");
  cmd->add_option("--size", c->size,
                  "The <size> (in bits) of the key for RSA key types (default 2048).");
  AddValidityFlags(*cmd, *c);
  AddTemplateDataFlags(*cmd, f);
  AddForceFlag(*cmd, f);
  AddOfflineFlags(*cmd, f);
  AddCaUrlFlag(*cmd, f);
  AddRootFlag(*cmd, f);
  AddAcmeFlags(*cmd, c->acme);
  cmd->footer(WrapText(about) + "\n\n" + R"(EXAMPLES
  Request a new certificate for a given domain:
    $ TOKEN=$(cairn ca token internal.example.com)
    $ cairn ca certificate --token $TOKEN internal.example.com internal.crt internal.key

  Request a new certificate with multiple Subject Alternative Names:
    $ cairn ca certificate --san 1.1.1.1 --san hello.example.com foobar internal.crt internal.key

  Request a new certificate with a 1h validity:
    $ cairn ca certificate --not-after=1h internal.example.com internal.crt internal.key

  Request a new certificate without prompts:
    $ cairn ca certificate --provisioner admin --provisioner-password-file ./pass.txt \
        internal.example.com internal.crt internal.key

  Request a new certificate using the offline mode:
    $ cairn ca certificate --offline --password-file ./pass.txt --provisioner admin \
        --provisioner-password-file ./provisioner-pass.txt internal.example.com internal.crt internal.key

  Request a new certificate with an RSA public key (default is ECDSA P-256):
    $ cairn ca certificate foo.internal foo.crt foo.key --kty RSA --size 4096

  Request a new certificate from the CA's ACME provisioner, answering the http-01 challenges
  with a standalone server (the default mode):
    $ cairn ca certificate foobar foo.crt foo.key --provisioner my-acme-provisioner \
        --san foo.internal --san bar.internal

  The same, writing the challenges into the web root of an existing server:
    $ cairn ca certificate foobar foo.crt foo.key --provisioner my-acme-provisioner \
        --webroot ./acme-www --san foo.internal --san bar.internal

  Request a new certificate from another ACME server, serving the challenges on port 8080:
    $ cairn ca certificate 10.0.0.5 ip.crt ip.key --acme https://acme.example.com/directory \
        --http-listen :8080 --contact admin@example.com)");
  cmd->callback([&state, c] { state.status = Certificate(*c); });
}

Status Sign(CertFlags& c) {
  ClientFlags& f = c.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  CAIRN_ASSIGN_OR_RETURN(std::string csr_text, ReadTextFile(c.csr_file));
  auto csr = pki::CertificateRequest::FromPem(csr_text);
  if (!csr.ok()) {
    return InvalidArgumentError("error parsing " + c.csr_file +
                                ": file is not a certificate request");
  }
  if (Status s = csr->VerifySignature(); !s.ok()) return s.Annotate("csr has invalid signature");
  if (f.offline && !f.token.empty()) {
    return InvalidArgumentError("flag '--offline' is incompatible with '--token'");
  }
  CAIRN_RETURN_IF_ERROR(ValidateTimeDurationFlag(c.not_before, "not-before"));
  CAIRN_RETURN_IF_ERROR(ValidateTimeDurationFlag(c.not_after, "not-after"));
  CAIRN_RETURN_IF_ERROR(ConfirmOverwrite(c.crt_file, f.force));

  std::unique_ptr<OfflineCa> offline;
  if (f.offline) {
    CAIRN_ASSIGN_OR_RETURN(offline, OfflineCa::Load(f));
  }
  std::string token = f.token;
  if (token.empty()) {
    TokenFlowRequest req;
    req.subject = csr->subject_cn();
    req.sans = Unique(
        {f.sans, csr->dns_names(), csr->ip_addresses(), csr->email_addresses(), csr->uris()});
    req.confirmation = client::CsrFingerprint(csr->der());
    CAIRN_ASSIGN_OR_RETURN(token, MakeToken(f, req, offline.get()));
  }
  auto decoded = jose::DecodeUnverified(token);
  if (!decoded.ok()) return decoded.status().Annotate("error parsing flag '--token'");
  std::string sub = ClaimString(decoded->second, "sub");
  if (!EqualsIgnoreCase(sub, csr->subject_cn())) {
    return InvalidArgumentError("token subject '" + sub + "' and CSR CommonName '" +
                                csr->subject_cn() + "' do not match");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string chain, SignWith(f, offline.get(), token, csr->pem(), c));
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(c.crt_file, chain, /*secret=*/true, /*force=*/true));
  PrintSelected("Certificate", c.crt_file);
  return Status();
}

void RegisterSign(CLI::App& ca, RunState& state) {
  auto c = std::make_shared<CertFlags>();
  ClientFlags& f = c->common;
  f.command = "ca sign";
  CLI::App* cmd =
      ca.add_subcommand("sign", "generate a new certificate from signing a certificate request");
  const std::string about(
      "cairn ca sign generates a signed certificate from a certificate signing request (CSR). "
      "Without --token, the token is made for the CSR's common name and SANs and is bound to "
      "this CSR (its 'cnf' claim).");
  cmd->add_option("csr-file", c->csr_file, "File with the certificate signing request (PEM format)")
      ->required();
  cmd->add_option("crt-file", c->crt_file, "File to write the certificate (PEM format)")
      ->required();
  cmd->add_option("--token", f.token,
                  "The one-time <token> used to authenticate with the CA in order to create the "
                  "certificate.");
  AddProvisionerFlags(*cmd, f, /*with_kid=*/false);
  AddValidityFlags(*cmd, *c);
  AddTemplateDataFlags(*cmd, f);
  AddForceFlag(*cmd, f);
  AddOfflineFlags(*cmd, f);
  AddCaUrlFlag(*cmd, f);
  AddRootFlag(*cmd, f);
  cmd->footer(WrapText(about) + "\n\n" + R"(EXAMPLES
  Sign a new certificate for the given CSR:
    $ TOKEN=$(cairn ca token internal.example.com)
    $ cairn ca sign --token $TOKEN internal.csr internal.crt

  Sign a new certificate with a 1h validity:
    $ cairn ca sign --not-after=1h internal.csr internal.crt

  Sign a new certificate using the offline mode:
    $ cairn ca sign --offline internal.csr internal.crt

  Sign with template data:
    $ cairn ca sign foo.csr foo.crt --set dnsNames=foo.internal.com)");
  cmd->callback([&state, c] { state.status = Sign(*c); });
}

}  // namespace

void RegisterCaClientCommands(CLI::App& ca, RunState& state) {
  RegisterBootstrap(ca, state);
  RegisterRoot(ca, state);
  RegisterBundle(ca, state, /*federation=*/false);
  RegisterBundle(ca, state, /*federation=*/true);
  RegisterHealth(ca, state);
  RegisterToken(ca, state);
  RegisterCertificate(ca, state);
  RegisterSign(ca, state);
  RegisterCaRenewCommand(ca, state);
  RegisterCaRevokeCommand(ca, state);
}

}  // namespace cairn::cli
