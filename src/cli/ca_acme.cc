// The ACME flow of `cairn ca certificate`, as step runs it when the chosen provisioner is an
// ACME one or when --acme names a directory: a fresh account, an order, http-01 challenges
// answered by a standalone server or through a web root, finalization, the chain.

#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/strings.h"
#include "cli/ca_client_flow.h"
#include "cli/ui.h"
#include "client/acme_client.h"
#include "client/acme_http01.h"
#include "config/home.h"
#include "http/request.h"
#include "pki/csr.h"
#include "pki/name.h"

namespace cairn::cli {
namespace {

constexpr size_t kMaxBundleBytes = 8 << 20;

// SystemBundle reads the system trust store's PEM bundle ("" when there is none).
std::string SystemBundle() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("SSL_CERT_FILE"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  candidates.insert(candidates.end(), {"/etc/ssl/certs/ca-certificates.crt",
                                       "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"});
  for (const auto& path : candidates) {
    auto pem = ReadFile(path, kMaxBundleBytes);
    if (pem.ok()) return *pem;
  }
  return std::string();
}

// TrustFor returns the roots for the ACME server's TLS certificate, as step's
// getClientTruststoreOption: --root (else $STEPPATH/certs/root_ca.crt when it exists), merged
// with the system store when --acme was given; the system store alone ("") without a root.
Result<std::string> TrustFor(const ClientFlags& f, bool external_acme) {
  std::string root = f.root;
  if (root.empty()) {
    std::string dflt = JoinPath(config::CairnHome(), "certs/root_ca.crt");
    if (FileExists(dflt)) root = dflt;
  }
  if (root.empty()) return std::string();
  auto pem = ReadTextFile(root);
  if (!pem.ok()) return pem.status().Annotate("failed to read local root ca");
  std::string out = *pem;
  if (external_acme) {
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
    out += SystemBundle();
  }
  return out;
}

// AnnouncingSolver prints step's "Using ... Mode HTTP challenge to validate <name>" line.
class AnnouncingSolver final : public client::ChallengeSolver {
 public:
  AnnouncingSolver(client::ChallengeSolver& inner, std::string mode)
      : inner_(inner), mode_(std::move(mode)) {}
  std::string_view type() const override { return inner_.type(); }
  Status Present(const client::AcmeIdentifier& identifier, std::string_view token,
                 std::string_view key_authorization) override {
    Info("Using " + mode_ + " Mode HTTP challenge to validate " + identifier.value);
    return inner_.Present(identifier, token, key_authorization);
  }
  void CleanUp(std::string_view token) override { inner_.CleanUp(token); }

 private:
  client::ChallengeSolver& inner_;
  std::string mode_;
};

}  // namespace

void AddAcmeFlags(CLI::App& cmd, AcmeFlags& a) {
  cmd.add_option("--acme", a.directory,
                 "ACME directory <url> to be used for requesting certificates via the ACME "
                 "protocol. Use this flag to define an ACME server other than the Step CA. If "
                 "this flag is absent and an ACME provisioner has been selected then the "
                 "'--ca-url' flag must be defined.");
  cmd.add_flag("--standalone", a.standalone,
               "Get a certificate using the ACME protocol and standalone mode for validation. "
               "Standalone is a mode in which the cairn process will run a server that will "
               "respond to ACME challenge validation requests. Standalone is the default mode "
               "for serving challenge validation requests.");
  cmd.add_option("--webroot", a.webroot,
                 "Specify a <file> to use as a 'web root' for validation in the ACME protocol. "
                 "Webroot is a mode in which the cairn process will write a challenge file to a "
                 "location being served by an existing fileserver in order to respond to ACME "
                 "challenge validation requests.");
  cmd.add_option("--contact", a.contacts,
                 "The <email-address> used for contact as part of the ACME protocol. These "
                 "contacts may be used to warn of certificate expiration or other certificate "
                 "lifetime events. Use the '--contact' flag multiple times to configure "
                 "multiple contacts.")
      ->allow_extra_args(false);
  cmd.add_option("--http-listen", a.http_listen,
                 "Use a non-standard http <address>, behind a reverse proxy or load balancer, "
                 "for serving ACME challenges. The default address is :80, which requires super "
                 "user (sudo) privileges. This flag must be used in conjunction with the "
                 "'--standalone' flag.");
}

Status AcmeCertificate(const ClientFlags& f, const AcmeFlags& a, const AcmeCertificateRequest& r) {
  if (f.offline) return InvalidArgumentError("offline mode and ACME are mutually exclusive");
  if (a.standalone && !a.webroot.empty()) {
    return InvalidArgumentError("flag '--standalone' and flag '--webroot' are mutually exclusive");
  }
  const bool external = !a.directory.empty();
  std::string directory = a.directory;
  if (!external) {
    CAIRN_ASSIGN_OR_RETURN(std::string ca_url, RequireCaUrl(f));
    if (r.provisioner.empty()) return InvalidArgumentError("acme flow expected provisioner ID");
    directory = ca_url + "/acme/" + http::PathEscape(r.provisioner) + "/directory";
  }

  // Identifiers: the SANs (the subject when there are none), plus the subject itself, as
  // step's ACME flow does.
  std::vector<std::string> names = r.sans.empty() ? std::vector<std::string>{r.subject} : r.sans;
  pki::SubjectAltNames split = pki::SplitSans(names);
  if (!split.emails.empty() || !split.uris.empty()) {
    return InvalidArgumentError("Email Address and URI SANs are not supported for ACME flow");
  }
  for (const auto& dns : split.dns) {
    if (dns.find('*') != std::string::npos) {
      return InvalidArgumentError("wildcard dnsnames (" + dns +
                                  ") require dns validation, which is currently not implemented "
                                  "in this client");
    }
  }
  client::NewOrderRequest order;
  std::set<std::string> seen;
  for (const auto& dns : split.dns) {
    if (seen.insert(dns).second) order.identifiers.push_back({"dns", dns});
  }
  for (const auto& ip : split.ips) {
    if (seen.insert(ip).second) order.identifiers.push_back({"ip", ip});
  }
  client::AcmeIdentifier subject_id = client::IdentifierFor(r.subject);
  if (!r.subject.empty() && seen.count(r.subject) == 0 && seen.count(subject_id.value) == 0) {
    if (subject_id.type == "ip") {
      split.ips.push_back(subject_id.value);
    } else {
      split.dns.push_back(subject_id.value);
    }
    order.identifiers.push_back(subject_id);
  }

  Time now = SystemClock::Default().Now();
  CAIRN_ASSIGN_OR_RETURN(order.not_before, ParseTimeFlag(r.not_before, "not-before", now));
  CAIRN_ASSIGN_OR_RETURN(order.not_after, ParseTimeFlag(r.not_after, "not-after", now));

  std::unique_ptr<client::ChallengeSolver> solver;
  std::string mode;
  if (!a.webroot.empty()) {
    solver = std::make_unique<client::WebrootHttp01Solver>(a.webroot);
    mode = "Webroot";
  } else {
    CAIRN_ASSIGN_OR_RETURN(solver, client::StandaloneHttp01Solver::Create(a.http_listen));
    mode = "Standalone";
  }
  AnnouncingSolver announcing(*solver, mode);

  client::AcmeClientOptions o;
  o.directory_url = directory;
  CAIRN_ASSIGN_OR_RETURN(o.root_pem, TrustFor(f, external));
  o.progress = [](std::string_view line) { Info(line); };
  auto created = client::AcmeClient::Create(std::move(o));
  if (!created.ok()) {
    return created.status().Annotate("error initializing ACME client with server " + directory);
  }
  std::unique_ptr<client::AcmeClient> acme = std::move(created).value();
  CAIRN_ASSIGN_OR_RETURN(jose::Jwk account_key, client::GenerateAccountKey());
  acme->SetAccountKey(std::move(account_key));
  client::NewAccountRequest account;
  account.contact = a.contacts;
  account.terms_of_service_agreed = true;
  auto acct = acme->NewAccount(account);
  if (!acct.ok()) return acct.status().Annotate("error creating ACME account");

  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(r.key_spec));
  pki::Name subject;
  subject.common_name = r.subject;
  pki::SubjectAltNames csr_sans;
  csr_sans.dns = split.dns;
  csr_sans.ips = split.ips;
  auto csr = pki::CreateCsr(subject, csr_sans, key);
  if (!csr.ok()) return csr.status().Annotate("error creating certificate request");

  auto chain = acme->ObtainCertificate(order, csr->der(), announcing);
  if (!chain.ok()) return chain.status().Annotate("error getting the ACME certificate");
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(r.crt_file, *chain, /*secret=*/true, /*force=*/true));
  PrintSelected("Certificate", r.crt_file);
  CAIRN_ASSIGN_OR_RETURN(std::string key_pem, key.ToPem());
  CAIRN_RETURN_IF_ERROR(WriteOutputFile(r.key_file, key_pem, /*secret=*/true, /*force=*/true));
  PrintSelected("Private Key", r.key_file);
  return Status();
}

}  // namespace cairn::cli
