// `cairn ca renew` and `cairn ca revoke`.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "authority/authority.h"
#include "base/duration.h"
#include "base/strings.h"
#include "cli/ca_client_flow.h"
#include "cli/cli.h"
#include "cli/ui.h"
#include "client/ca_client.h"
#include "client/renewer.h"
#include "client/token.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "pki/certificate.h"
#include "pki/verify.h"

namespace cairn::cli {
namespace {

// LogLine prints a line in the layout of Go's log package with LstdFlags, as step's daemon
// does: "<prefix>2006/01/02 15:04:05 <message>" in local time.
void LogLine(std::FILE* out, const char* prefix, std::string_view message) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y/%m/%d %H:%M:%S", &tm);
  std::fprintf(out, "%s%s %.*s\n", prefix, stamp, static_cast<int>(message.size()), message.data());
  std::fflush(out);
}

Result<Duration> ParseDurationFlag(const std::string& value, std::string_view name) {
  if (value.empty()) return Duration(0);
  auto d = ParseGoDuration(value);
  if (!d.ok()) {
    return InvalidArgumentError("invalid value '" + value + "' for flag '--" + std::string(name) +
                                "'");
  }
  return *d;
}

// --- renew ---------------------------------------------------------------------------------

struct RenewFlags {
  ClientFlags common;
  std::string crt_file, key_file, out;
  bool mtls = true;
  std::string expires_in, renew_period;
  int pid = 0;
  std::string pid_file;
  int signum = SIGHUP;
  std::string exec;
  bool daemon = false;
  CLI::Option* pid_opt = nullptr;
  CLI::Option* signal_opt = nullptr;
};

// Renewer holds what one renewal needs; the daemon keeps it (and the key) in memory.
class Renewer {
 public:
  Renewer(RenewFlags& r, std::vector<pki::Certificate> chain, crypto::PrivateKey key,
          std::unique_ptr<client::CaClient> online, std::unique_ptr<OfflineCa> offline)
      : r_(r),
        chain_(std::move(chain)),
        key_(std::move(key)),
        online_(std::move(online)),
        offline_(std::move(offline)) {}

  const pki::Certificate& leaf() const { return chain_.front(); }

  // Renew renews the current certificate and writes the chain to `out`.
  Result<client::CertWindow> Renew(const std::string& out, bool force) {
    Time now = SystemClock::Default().Now();
    bool use_token = !r_.mtls || now > leaf().not_after();
    std::string chain_pem;
    auto result = [&]() -> Status {
      if (offline_) {
        CAIRN_ASSIGN_OR_RETURN(authority::Authority * a, offline_->Authority());
        std::vector<std::string> der;
        for (const auto& c : chain_) der.push_back(c.der());
        auto issued = [&]() -> Result<authority::Issued> {
          if (!use_token) return a->Renew(der);
          CAIRN_ASSIGN_OR_RETURN(std::string token,
                                 Token(offline_->Audience(client::TokenType::kRenew), now));
          return a->RenewWithToken(token);
        }();
        if (!issued.ok()) return issued.status();
        for (const auto& c : issued->chain) chain_pem += c.pem();
        return Status();
      }
      client::SignResponse resp;
      if (use_token) {
        // step resolves "/renew" against the CA URL for this token.
        CAIRN_ASSIGN_OR_RETURN(std::string token, Token(online_->ca_url() + "/renew", now));
        CAIRN_ASSIGN_OR_RETURN(resp, online_->RenewWithToken(token));
      } else {
        client::ClientCredentials creds;
        for (const auto& c : chain_) creds.chain_pem += c.pem();
        CAIRN_ASSIGN_OR_RETURN(creds.key_pem, key_.ToPkcs8Pem());
        CAIRN_ASSIGN_OR_RETURN(resp, online_->Renew(creds));
      }
      chain_pem = resp.ChainPem();
      return Status();
    }();
    if (!result.ok()) return result.Annotate("error renewing certificate");
    CAIRN_ASSIGN_OR_RETURN(auto chain, pki::Certificate::ParsePemBundle(chain_pem));
    CAIRN_RETURN_IF_ERROR(WriteChainFile(out, chain_pem, force));
    chain_ = std::move(chain);
    return client::CertWindow{leaf().subject_cn(), leaf().not_before(), leaf().not_after()};
  }

 private:
  Result<std::string> Token(const std::string& audience, Time now) {
    std::vector<std::string> der;
    for (const auto& c : chain_) der.push_back(c.der());
    CAIRN_ASSIGN_OR_RETURN(jose::Jwk jwk, jose::Jwk::FromPkey(key_.get(), true));
    return client::RenewToken(der, leaf().subject_cn(), jwk, audience, now);
  }

  RenewFlags& r_;
  std::vector<pki::Certificate> chain_;
  crypto::PrivateKey key_;
  std::unique_ptr<client::CaClient> online_;
  std::unique_ptr<OfflineCa> offline_;
};

Status AfterRenew(const RenewFlags& r, int pid) {
  if (pid != 0) CAIRN_RETURN_IF_ERROR(client::SignalProcess(pid, r.signum));
  return client::RunCommand(r.exec);
}

Status Renew(RenewFlags& r) {
  ClientFlags& f = r.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  std::string out = r.out.empty() ? r.crt_file : r.out;
  CAIRN_ASSIGN_OR_RETURN(Duration expires_in, ParseDurationFlag(r.expires_in, "expires-in"));
  CAIRN_ASSIGN_OR_RETURN(Duration renew_period, ParseDurationFlag(r.renew_period, "renew-period"));
  if (expires_in.count() > 0 && renew_period.count() > 0) {
    return InvalidArgumentError("flag '--expires-in' is incompatible with '--renew-period'");
  }
  if (renew_period.count() > 0 && !r.daemon) {
    return InvalidArgumentError("flag '--renew-period' requires the '--daemon' flag");
  }
  bool pid_given = r.pid_opt != nullptr && r.pid_opt->count() > 0;
  if (pid_given && !r.pid_file.empty()) {
    return InvalidArgumentError("flag '--pid' and flag '--pid-file' are mutually exclusive");
  }
  int pid = r.pid;
  if (pid_given && pid <= 0) {
    return InvalidArgumentError("invalid value '" + std::to_string(pid) + "' for flag '--pid'");
  }
  if (!r.pid_file.empty()) {
    CAIRN_ASSIGN_OR_RETURN(pid, client::ReadPidFile(r.pid_file));
  }
  if (r.signal_opt != nullptr && r.signal_opt->count() > 0 && r.signum <= 0) {
    return InvalidArgumentError("invalid value '" + std::to_string(r.signum) +
                                "' for flag '--signal'");
  }

  CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(r.crt_file));
  auto chain = pki::Certificate::ParsePemBundle(pem);
  if (!chain.ok()) return chain.status().Annotate("error reading certificate chain");
  auto key = LoadPrivateKeyFile(r.key_file, f.password_file);
  if (!key.ok()) return key.status().Annotate("error loading private key");
  if (!key->public_key().Equals(chain->front().public_key())) {
    return InvalidArgumentError("error loading private key: the key in " + r.key_file +
                                " does not match the certificate in " + r.crt_file);
  }
  const pki::Certificate& leaf = chain->front();
  Duration lifetime = leaf.not_after() - leaf.not_before();
  if (renew_period.count() > 0 && renew_period >= lifetime) {
    return InvalidArgumentError(
        "flag '--renew-period' must be within (lower than) the certificate validity period; "
        "renew-period=" +
        FormatGoDuration(renew_period) + ", cert-validity-period=" + FormatGoDuration(lifetime));
  }
  if (expires_in > lifetime) {
    return InvalidArgumentError(
        "flag '--expires-in' must be within (lower than) the certificate validity period; "
        "expires-in=" +
        FormatGoDuration(expires_in) + ", cert-validity-period=" + FormatGoDuration(lifetime));
  }

  std::unique_ptr<client::CaClient> online;
  std::unique_ptr<OfflineCa> offline;
  if (f.offline) {
    CAIRN_ASSIGN_OR_RETURN(offline, OfflineCa::Load(f));
  } else {
    CAIRN_ASSIGN_OR_RETURN(online, OnlineClient(f));
  }
  client::CertWindow window{leaf.subject_cn(), leaf.not_before(), leaf.not_after()};
  Renewer renewer(r, std::move(chain).value(), std::move(key).value(), std::move(online),
                  std::move(offline));
  auto& random = crypto::OsslRandom::Default();

  if (r.daemon) {
    client::DaemonOptions opts;
    opts.expires_in = expires_in;
    opts.renew_period = renew_period;
    if (const char* base = std::getenv(std::string(client::kRetryBaseEnv).c_str());
        base != nullptr && *base != '\0') {
      auto d = ParseGoDuration(base);
      if (!d.ok() || d->count() <= 0) {
        return InvalidArgumentError("invalid " + std::string(client::kRetryBaseEnv) + " '" + base +
                                    "'");
      }
      opts.retry_base = *d;
    }
    client::SignalWaiter waiter;  // blocks the signals before any worker thread starts
    client::DaemonHooks hooks;
    hooks.renew = [&]() { return renewer.Renew(out, /*force=*/true); };
    hooks.after_renew = [&]() { return AfterRenew(r, pid); };
    hooks.wait = [&](Duration d) { return waiter.Wait(d); };
    hooks.info = [](std::string_view s) { LogLine(stdout, "INFO: ", s); };
    hooks.error = [](std::string_view s) { LogLine(stderr, "ERROR: ", s); };
    return client::RunRenewDaemon(window, opts, hooks, SystemClock::Default(), random);
  }

  if (expires_in.count() > 0) {
    client::ExpiresInCheck check =
        client::CheckExpiresIn(window, SystemClock::Default().Now(), expires_in, random);
    if (!check.renew) {
      Info("certificate not renewed: expires in " + FormatGoDuration(check.remaining));
      return Status();
    }
  }
  CAIRN_RETURN_IF_ERROR(ConfirmOverwrite(out, f.force));
  auto renewed = renewer.Renew(out, /*force=*/true);
  if (!renewed.ok()) return renewed.status();
  Info("Your certificate has been saved in " + out + ".");
  return AfterRenew(r, pid);
}

void RegisterRenew(CLI::App& ca, RunState& state) {
  auto r = std::make_shared<RenewFlags>();
  ClientFlags& f = r->common;
  f.command = "ca renew";
  CLI::App* cmd = ca.add_subcommand("renew", "renew a valid certificate");
  const std::string about(
      "cairn ca renew command renews the given certificate (with a request to the CA's "
      "/renew endpoint, authenticated by the certificate itself over mTLS, or by a token "
      "signed with its key when the certificate has expired or with --mtls=false) and "
      "overwrites it with the new certificate chain (or writes --out).\n\n<crt-file> is the "
      "certificate in PEM format that we want to renew; <key-file> its key.\n\nIn --daemon "
      "mode the certificate is renewed when 2/3 of its lifetime have passed (or --expires-in "
      "before expiry, or every --renew-period), with a random jitter; failed renewals are "
      "retried after 1 minute, doubling up to 16 minutes (the environment variable "
      "CAIRN_RENEW_RETRY_BASE, a duration, replaces the 1 minute, for tests). SIGHUP forces a "
      "renewal, SIGINT and SIGTERM stop the daemon.");
  cmd->add_option("crt-file", r->crt_file, "The certificate in PEM format to renew")->required();
  cmd->add_option("key-file", r->key_file, "The key file of the certificate")->required();
  cmd->add_flag("--mtls", r->mtls,
                "Use mTLS to renew a certificate. Use --mtls=false to force the token "
                "authorization flow instead.");
  AddOfflineFlags(*cmd, f);
  AddForceFlag(*cmd, f);
  cmd->add_option("--password-file", f.password_file,
                  "The path to the <file> containing the password to decrypt the private key "
                  "(and, with --offline, the CA's intermediate key).");
  cmd->add_option("--out,--output-file", r->out,
                  "The new certificate <file> path. Defaults to overwriting the <crt-file> "
                  "positional argument");
  cmd->add_option("--expires-in", r->expires_in,
                  "The amount of time remaining before certificate expiration, at which point a "
                  "renewal should be attempted. The renewal is not performed if the time to "
                  "expiration is greater than the --expires-in value. A random jitter "
                  "(duration/20) is added.");
  r->pid_opt = cmd->add_option("--pid", r->pid,
                               "The process id to signal after the certificate has been "
                               "renewed (SIGHUP unless --signal says otherwise).");
  cmd->add_option("--pid-file", r->pid_file,
                  "The <file> from which to read the process id that will be signaled after "
                  "the certificate has been renewed.");
  r->signal_opt = cmd->add_option("--signal", r->signum,
                                  "The signal <number> to send to the selected PID, so it can "
                                  "reload the configuration and load the new certificate. "
                                  "Default value is SIGHUP (1)");
  cmd->add_option("--exec", r->exec,
                  "The <command> to run after the certificate has been renewed (split on "
                  "spaces, run without a shell).");
  cmd->add_flag("--daemon", r->daemon,
                "Run the renew command as a daemon, renewing and overwriting the certificate "
                "periodically.");
  cmd->add_option("--renew-period", r->renew_period,
                  "The period with which to schedule renewals of the certificate in daemon "
                  "mode. Requires the --daemon flag.");
  AddCaUrlFlag(*cmd, f);
  AddRootFlag(*cmd, f);
  cmd->footer(WrapText(about) + "\n\n" + R"(EXAMPLES
  Renew a certificate with the configured CA:
    $ cairn ca renew internal.crt internal.key
    Would you like to overwrite internal.crt [y/n]: y

  Renew a certificate without overwriting the previous certificate:
    $ cairn ca renew --out renewed.crt internal.crt internal.key

  Renew a certificate forcing the overwrite of the previous certificate:
    $ cairn ca renew --force internal.crt internal.key

  Renew a certificate using the token flow instead of mTLS:
    $ cairn ca renew --mtls=false --force internal.crt internal.key

  Renew skipped because it was too early:
    $ cairn ca renew --expires-in 8h internal.crt internal.key
    certificate not renewed: expires in 10h52m5s

  Renew the certificate before 2/3 of the validity has passed:
    $ cairn ca renew --daemon internal.crt internal.key

  Renew the certificate every 16h:
    $ cairn ca renew --daemon --renew-period 16h internal.crt internal.key

  Renew the certificate and reload nginx:
    $ cairn ca renew --daemon --exec "nginx -s reload" internal.crt internal.key)");
  cmd->callback([&state, r] { state.status = Renew(*r); });
}

// --- revoke --------------------------------------------------------------------------------

struct RevokeFlags {
  ClientFlags common;
  std::string serial;
  std::string cert_file, key_file;
  std::string reason, reason_code;
};

Status Revoke(RevokeFlags& r) {
  ClientFlags& f = r.common;
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(f));
  CAIRN_ASSIGN_OR_RETURN(int reason_code, ReasonCodeToNum(r.reason_code));
  if (f.offline && !f.token.empty()) {
    return InvalidArgumentError("flag '--offline' is incompatible with '--token'");
  }
  std::unique_ptr<OfflineCa> offline;
  if (f.offline) {
    CAIRN_ASSIGN_OR_RETURN(offline, OfflineCa::Load(f));
  }

  bool mtls = !r.cert_file.empty() || !r.key_file.empty();
  std::string serial;
  std::vector<pki::Certificate> chain;
  std::string key_pem;
  if (mtls) {
    if (!r.serial.empty()) {
      return InvalidArgumentError(
          "'cairn ca revoke --cert <certificate> --key <key>' expects no additional positional "
          "arguments");
    }
    if (r.cert_file.empty()) return InvalidArgumentError("flag '--key' requires the '--cert' flag");
    if (r.key_file.empty()) return InvalidArgumentError("flag '--cert' requires the '--key' flag");
    CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(r.cert_file));
    CAIRN_ASSIGN_OR_RETURN(chain, pki::Certificate::ParsePemBundle(pem));
    auto key = LoadPrivateKeyFile(r.key_file, "");
    if (!key.ok()) return key.status().Annotate("error parsing key");
    if (!key->public_key().Equals(chain.front().public_key())) {
      return InvalidArgumentError(
          "error loading certificate key pair: private key does not match public key");
    }
    CAIRN_ASSIGN_OR_RETURN(key_pem, key->ToPkcs8Pem());
    serial = chain.front().serial_decimal();
  } else {
    if (r.serial.empty()) {
      return InvalidArgumentError(
          "not enough positional arguments were provided in 'cairn ca revoke <serial-number>'");
    }
    auto parsed = authority::ParseSerial(r.serial);
    if (!parsed.ok()) {
      return InvalidArgumentError("'" + r.serial +
                                  "' is not a valid serial number - use a base 10 representation "
                                  "or add a prefix indicating the base");
    }
    serial = *parsed;
  }

  std::string token = f.token;
  if (!mtls && token.empty()) {
    TokenFlowRequest req;
    req.type = client::TokenType::kRevoke;
    req.subject = serial;
    CAIRN_ASSIGN_OR_RETURN(token, MakeToken(f, req, offline.get()));
  }

  if (offline) {
    CAIRN_ASSIGN_OR_RETURN(authority::Authority * a, offline->Authority());
    std::vector<std::string> peer;
    if (mtls) {
      // As step: the pair must verify against the CA's roots and intermediates.
      std::vector<pki::Certificate> intermediates(chain.begin() + 1, chain.end());
      intermediates.insert(intermediates.end(), a->intermediates().begin(),
                           a->intermediates().end());
      if (Status s = pki::VerifyChain(chain.front(), intermediates, a->roots()); !s.ok()) {
        return s.Annotate("failed to verify certificate");
      }
      for (const auto& c : chain) peer.push_back(c.der());
    }
    authority::RevokeRequest req;
    req.serial = serial;
    req.ott = token;
    req.reason_code = reason_code;
    req.reason = r.reason;
    req.passive = true;
    CAIRN_RETURN_IF_ERROR(a->Revoke(req, peer));
  } else {
    client::RevokeRequest req;
    req.serial = serial;
    req.ott = token;
    req.reason_code = reason_code;
    req.reason = r.reason;
    req.passive = true;
    if (mtls) {
      CAIRN_ASSIGN_OR_RETURN(auto c, OnlineClient(f));
      PrintSelected("CA", c->ca_url());
      client::ClientCredentials creds;
      for (const auto& cert : chain) creds.chain_pem += cert.pem();
      creds.key_pem = key_pem;
      CAIRN_RETURN_IF_ERROR(c->Revoke(req, &creds));
    } else {
      auto decoded = jose::DecodeUnverified(token);
      if (!decoded.ok()) return decoded.status().Annotate("error parsing flag '--token'");
      std::string sub;
      if (auto it = decoded->second.find("sub"); it != decoded->second.end() && it->is_string()) {
        sub = *it;
      }
      if (!EqualsIgnoreCase(sub, serial)) {
        return InvalidArgumentError("token subject '" + sub + "' and serial number '" + serial +
                                    "' do not match");
      }
      CAIRN_ASSIGN_OR_RETURN(auto c, ClientForToken(f, token));
      CAIRN_RETURN_IF_ERROR(c->Revoke(req));
    }
  }
  Info("Certificate with Serial Number " + serial + " has been revoked.");
  return Status();
}

void RegisterRevoke(CLI::App& ca, RunState& state) {
  auto r = std::make_shared<RevokeFlags>();
  ClientFlags& f = r->common;
  f.command = "ca revoke";
  CLI::App* cmd = ca.add_subcommand("revoke", "revoke a certificate");
  const std::string about(
      "cairn ca revoke revokes a certificate with the given serial number (passive revocation: "
      "the CA refuses to renew it). The request is authorized by a token (--token, or one made "
      "with a provisioner), or over mTLS by the certificate itself (--cert and --key).\n\n"
      "<serial-number> is the serial number of the certificate to revoke, in decimal or with a "
      "0x prefix for hex.");
  cmd->add_option("serial-number", r->serial, "The serial number of the certificate to revoke");
  cmd->add_option("--cert", r->cert_file, "The <file> containing the cert that should be revoked.");
  cmd->add_option("--key", r->key_file,
                  "The <file> containing the key corresponding to the cert that should be "
                  "revoked.");
  cmd->add_option("--reason", r->reason,
                  "The <string> representing the reason for which the cert is being revoked.");
  cmd->add_option("--reasonCode", r->reason_code,
                  "The <reasonCode> specifies the reason for revocation: a number from 0-10 or "
                  "a case insensitive name: Unspecified (0, default), KeyCompromise (1), "
                  "CACompromise (2), AffiliationChanged (3), Superseded (4), "
                  "CessationOfOperation (5), CertificateHold (6), RemoveFromCRL (8), "
                  "PrivilegeWithdrawn (9), AACompromise (10).");
  cmd->add_option("--token", f.token,
                  "The one-time <token> used to authenticate with the CA in order to revoke the "
                  "certificate.");
  AddProvisionerFlags(*cmd, f, /*with_kid=*/true);
  AddOfflineFlags(*cmd, f);
  AddCaUrlFlag(*cmd, f);
  AddRootFlag(*cmd, f);
  cmd->footer(WrapText(about) + "\n\n" + R"(EXAMPLES
  Revoke a certificate using a transparently generated token and configured reason and
  reasonCode:
    $ cairn ca revoke --reason "laptop compromised" --reasonCode 1 308893286343609293989051180431574390766

  Revoke a certificate using that same certificate to authorize the request over mTLS:
    $ cairn ca revoke --cert mike.cert --key mike.key

  Revoke a certificate using a token made by a provisioner:
    $ TOKEN=$(cairn ca token --revoke 308893286343609293989051180431574390766)
    $ cairn ca revoke --token $TOKEN 308893286343609293989051180431574390766

  Revoke a certificate in offline mode:
    $ cairn ca revoke --offline 308893286343609293989051180431574390766)");
  cmd->callback([&state, r] { state.status = Revoke(*r); });
}

}  // namespace

void RegisterCaRenewCommand(CLI::App& ca, RunState& state) { RegisterRenew(ca, state); }
void RegisterCaRevokeCommand(CLI::App& ca, RunState& state) { RegisterRevoke(ca, state); }

}  // namespace cairn::cli
