#include "server/ca_server.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "api/acme_api.h"
#include "api/admin_api.h"
#include "api/ca_api.h"
#include "api/revocation_api.h"
#include "api/ssh_api.h"
#include "authority/open_store.h"
#include "base/duration.h"
#include "base/file.h"
#include "base/strings.h"
#include "base/terminal.h"
#include "config/home.h"
#include "crypto/random.h"

namespace cairn::server {
namespace {

// Requests that call webhooks run on their own threads: at most 16 at once, 256 waiting; more
// are refused with 503 rather than queued without bound.
constexpr int kSlowWorkThreads = 16;
constexpr size_t kSlowWorkPending = 256;
// ACME requests wait on store commits (group-committed), so many may be in flight at once.
constexpr int kAcmeThreads = 32;
constexpr size_t kAcmePending = 1024;

}  // namespace

Result<std::unique_ptr<CaServer>> CaServer::Create(Options options) {
  auto srv = std::unique_ptr<CaServer>(new CaServer(std::move(options)));
  srv->start_time_ = TruncateToSeconds(SystemClock::Default().Now());
  CAIRN_ASSIGN_OR_RETURN(srv->config_, config::LoadCaConfig(srv->options_.config_path));
  CAIRN_RETURN_IF_ERROR(config::Validate(srv->config_));
  srv->metrics_ = std::make_unique<CaMetrics>(srv->start_time_);
  CAIRN_ASSIGN_OR_RETURN(srv->store_, authority::OpenStoreFor(srv->config_, srv->options_.home,
                                                              &srv->metrics_->store()));
  CAIRN_ASSIGN_OR_RETURN(srv->authority_, srv->BuildAuthority(srv->config_));
  // One line per request: JSON unless ca.json's logger asks for "text" (step-ca's formats).
  auto format = srv->config_.logger && ToLower(srv->config_.logger->format) == "text"
                    ? StreamLogger::Format::kText
                    : StreamLogger::Format::kJson;
  srv->request_log_ = std::make_unique<StreamLogger>(format);
  api::RegisterCaRoutes(srv->router_, [s = srv.get()] { return s->authority(); });
  acme::AcmeServer::Env acme_env{SystemClock::Default(), crypto::OsslRandom::Default(),
                                 *srv->store_, *srv->options_.log};
  CAIRN_ASSIGN_OR_RETURN(
      srv->acme_, acme::AcmeServer::Create(
                      acme_env, [s = srv.get()] { return s->authority(); }, srv->options_.acme));
  srv->acme_work_ = std::make_unique<WorkQueue>(kAcmeThreads, kAcmePending);
  api::RegisterAcmeRoutes(srv->router_, *srv->acme_, *srv->acme_work_);
  api::RegisterAdminRoutes(srv->router_, [s = srv.get()] { return s->authority(); });
  api::RegisterSshRoutes(srv->router_, [s = srv.get()] { return s->authority(); });
  api::RegisterRevocationRoutes(
      srv->router_, [s = srv.get()] { return s->authority(); }, srv->config_.ocsp.path);
  srv->router_.SetErrorRenderer(
      [](int status, http::Response& resp) { api::RenderStatus(status, resp); });
  // ca.json's cairn.http block (Cairn's own; step-ca ignores it) sets the listeners' limits.
  const config::HttpLimitsConfig& limits = srv->config_.http_limits;
  auto apply_limits = [&limits](http::ServerOptions& o) {
    o.read_timeout = limits.read_timeout;
    o.write_timeout = limits.write_timeout;
    o.idle_timeout = limits.idle_timeout;
    o.max_connections = limits.max_connections;
  };
  http::ServerOptions sopts;
  apply_limits(sopts);
  sopts.logger = srv->options_.log;
  sopts.address = srv->options_.address_override.empty() ? srv->config_.address
                                                         : srv->options_.address_override;
  // POST /sign never waits on an I/O thread (the store answers it by callback), so a few
  // threads per core suffice; more only add scheduling (measured in bench/).
  sopts.threads = std::max(4, 2 * static_cast<int>(std::thread::hardware_concurrency()));
  if (srv->config_.logger && !srv->config_.logger->trace_header.empty()) {
    sopts.legacy_trace_header = srv->config_.logger->trace_header;
  }
  sopts.access_log = [s = srv.get()](const http::Request& req, const http::Response& resp,
                                     Duration elapsed) { s->LogRequest(req, resp, elapsed); };
  sopts.metrics = &srv->metrics_->http();
  CAIRN_ASSIGN_OR_RETURN(srv->server_, http::Server::Create(sopts, srv->router_));
  srv->metrics_->WatchServer(srv->server_.get());
  CAIRN_RETURN_IF_ERROR(srv->RotateTlsCertificate());
  if (!srv->config_.metrics_address.empty()) {
    // Prometheus scrapes plain HTTP, as step-ca serves it; keep the address on loopback or a
    // private network.
    srv->metrics_router_.Handle(
        "GET", "/metrics", [s = srv.get()](http::Request&, http::Response& resp) {
          resp.SetBody(200, "text/plain; version=0.0.4; charset=utf-8", s->metrics_->Render());
        });
    http::ServerOptions mopts;
    apply_limits(mopts);
    mopts.address = srv->config_.metrics_address;
    mopts.tls = false;
    mopts.threads = 1;
    mopts.max_connections = std::min(64, limits.max_connections);
    mopts.max_body_bytes = 1 << 10;
    mopts.logger = srv->options_.log;
    CAIRN_ASSIGN_OR_RETURN(srv->metrics_server_, http::Server::Create(mopts, srv->metrics_router_));
  }
  if (!srv->config_.insecure_address.empty()) {
    // Plain HTTP for what relying parties fetch without TLS: CRLs and OCSP (as step-ca serves
    // its CRL on insecureAddress). Nothing else is reachable there.
    api::RegisterRevocationRoutes(
        srv->insecure_router_, [s = srv.get()] { return s->authority(); }, srv->config_.ocsp.path);
    srv->insecure_router_.SetErrorRenderer(
        [](int status, http::Response& resp) { api::RenderStatus(status, resp); });
    http::ServerOptions iopts;
    apply_limits(iopts);
    iopts.address = srv->config_.insecure_address;
    iopts.tls = false;
    iopts.threads = 2;
    iopts.max_body_bytes = 64 << 10;
    iopts.access_log = [s = srv.get()](const http::Request& req, const http::Response& resp,
                                       Duration elapsed) { s->LogRequest(req, resp, elapsed); };
    iopts.logger = srv->options_.log;
    CAIRN_ASSIGN_OR_RETURN(srv->insecure_server_,
                           http::Server::Create(iopts, srv->insecure_router_));
  }
  return srv;
}

CaServer::~CaServer() { Stop(std::chrono::seconds(5)); }

Result<std::shared_ptr<authority::Authority>> CaServer::BuildAuthority(
    const config::CaConfig& config) {
  authority::AuthorityOptions aopts;
  aopts.home = options_.home;
  aopts.password = options_.password;
  aopts.start_time = start_time_;
  if (slow_work_ == nullptr) {
    slow_work_ = std::make_unique<WorkQueue>(kSlowWorkThreads, kSlowWorkPending);
  }
  authority::Env env{SystemClock::Default(), crypto::OsslRandom::Default(), *store_,
                     *options_.log,          &metrics_->authority(),        slow_work_.get()};
  CAIRN_ASSIGN_OR_RETURN(auto a, authority::Authority::Create(config, aopts, env));
  CAIRN_RETURN_IF_ERROR(a->EnsureFirstAdmin().Annotate("creating the first admin"));
  return std::shared_ptr<authority::Authority>(std::move(a));
}

std::shared_ptr<authority::Authority> CaServer::authority() const {
  std::lock_guard<std::mutex> lock(mu_);
  return authority_;
}

Status CaServer::RotateTlsCertificate() {
  auto a = authority();
  CAIRN_ASSIGN_OR_RETURN(authority::ServerCredentials creds, a->IssueServerCertificate());
  // Clients may authenticate with certificates from any root or intermediate of this CA.
  std::vector<std::string> client_cas;
  for (const auto& c : a->roots()) client_cas.push_back(c.pem());
  for (const auto& c : a->intermediates()) client_cas.push_back(c.pem());
  CAIRN_RETURN_IF_ERROR(server_->SetTlsCredentials(creds.chain_pem, creds.key_pem, client_cas));
  // Webhooks see the CA's own TLS certificate as its client certificate.
  a->SetWebhookCredentials(creds);
  std::lock_guard<std::mutex> lock(mu_);
  tls_not_before_ = creds.not_before;
  tls_not_after_ = creds.not_after;
  return Status();
}

Status CaServer::Start() {
  CAIRN_RETURN_IF_ERROR(server_->Start());
  if (metrics_server_) {
    if (Status s = metrics_server_->Start(); !s.ok()) {
      server_->Stop(Duration::zero());
      return s.Annotate("metricsAddress " + config_.metrics_address);
    }
  }
  if (insecure_server_) {
    if (Status s = insecure_server_->Start(); !s.ok()) {
      server_->Stop(Duration::zero());
      if (metrics_server_) metrics_server_->Stop(Duration::zero());
      return s.Annotate("insecureAddress " + config_.insecure_address);
    }
  }
  renew_thread_ = std::thread([this] { RenewLoop(); });
  return Status();
}

void CaServer::RenewLoop() {
  // The TLS certificate is renewed when about 2/3 of its life has passed (stepca.md §1.1); a
  // failure is retried a minute later.
  Duration retry = std::chrono::minutes(1);
  bool failed = false;
  for (;;) {
    Time next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Duration life = tls_not_after_ - tls_not_before_;
      next = failed ? SystemClock::Default().Now() + retry : tls_not_before_ + life * 2 / 3;
    }
    std::unique_lock<std::mutex> lock(renew_mu_);
    if (renew_cv_.wait_until(lock, next, [this] { return stopping_; })) return;
    lock.unlock();
    Status s = RotateTlsCertificate();
    failed = !s.ok();
    if (failed) options_.log->Error("renewing the CA's TLS certificate", {{"error", s.message()}});
  }
}

Status CaServer::Reload() {
  auto cfg = config::LoadCaConfig(options_.config_path);
  if (!cfg.ok()) return cfg.status().Annotate("reload");
  CAIRN_RETURN_IF_ERROR(config::Validate(*cfg).Annotate("reload"));
  auto old_db = config_.raw.contains("db") ? config_.raw["db"].dump() : "";
  auto new_db = cfg->raw.contains("db") ? cfg->raw["db"].dump() : "";
  if (old_db != new_db) {
    return FailedPreconditionError("reload: the db block of ca.json cannot change on reload");
  }
  auto a = BuildAuthority(*cfg);
  if (!a.ok()) return a.status().Annotate("reload");
  {
    std::lock_guard<std::mutex> lock(mu_);
    authority_ = std::move(a).value();
    config_ = std::move(cfg).value();
  }
  // New roots, intermediates or dnsNames take effect for new connections.
  return RotateTlsCertificate();
}

void CaServer::Stop(Duration grace) {
  {
    std::lock_guard<std::mutex> lock(renew_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  renew_cv_.notify_all();
  if (renew_thread_.joinable()) renew_thread_.join();
  if (server_) server_->Stop(grace);
  // Requests waiting on webhooks finish (or fail) before the store closes, and so do ACME
  // requests and validations.
  slow_work_.reset();
  acme_work_.reset();
  acme_.reset();
  if (metrics_server_) metrics_server_->Stop(Duration::zero());
  if (insecure_server_) insecure_server_->Stop(Duration::zero());
  // The revocation services' threads stop with the authority, before the store closes.
  {
    std::lock_guard<std::mutex> lock(mu_);
    authority_.reset();
  }
  if (store_) store_->Close().IgnoreError();
}

int CaServer::port() const { return server_->port(); }

int CaServer::insecure_port() const { return insecure_server_ ? insecure_server_->port() : 0; }

int CaServer::metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }

void CaServer::LogRequest(const http::Request& req, const http::Response& resp, Duration elapsed) {
  if (!request_log_) return;
  if (req.path == "/health" && std::getenv("STEP_LOGGER_ONLY_TRACE_HEALTH_ENDPOINT") &&
      std::string(std::getenv("STEP_LOGGER_ONLY_TRACE_HEALTH_ENDPOINT")) == "true") {
    return;
  }
  // Member by member: an initializer list builds a two-element array per field first.
  nlohmann::json f = nlohmann::json::object();
  f["request-id"] = req.request_id;
  f["remote-address"] = req.remote_address;
  f["name"] = "ca";
  f["duration-ns"] = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
  f["duration"] = FormatGoDuration(elapsed);
  f["method"] = req.method;
  f["path"] = req.path;
  f["protocol"] = req.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
  f["status"] = resp.status;
  f["size"] = resp.body.size();
  f["referer"] = std::string(req.Header("Referer"));
  f["user-agent"] = std::string(req.Header("User-Agent"));
  for (auto it = resp.log_fields.begin(); it != resp.log_fields.end(); ++it) {
    f[it.key()] = it.value();
  }
  LogLevel level = resp.status >= 500   ? LogLevel::kError
                   : resp.status >= 400 ? LogLevel::kWarn
                                        : LogLevel::kInfo;
  request_log_->Log(level, "", f);
}

int RunCaServer(const ServerFlags& flags) {
  StreamLogger log(StreamLogger::Format::kText);
  // Signals are taken synchronously by this thread; block them before any thread starts.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  CaServer::Options opts;
  opts.config_path = flags.config_path;
  opts.home = config::HomeForConfig(flags.config_path);
  opts.log = &log;
  opts.acme.validation.dns_resolver = flags.resolver;
  opts.acme.validation.http01_port = flags.acme_http_port;
  opts.acme.validation.tls_alpn01_port = flags.acme_tls_port;
  opts.acme.validation.strict_fqdn = flags.acme_strict_fqdn;
  if (!flags.password_file.empty()) {
    auto pw = ReadPasswordFile(flags.password_file);
    if (!pw.ok()) {
      std::fprintf(stderr, "error reading password file: %s\n", pw.status().message().c_str());
      return 1;
    }
    opts.password = *pw;
  } else {
    // Like step-ca, ask on the terminal when ca.json has no password and the key needs one.
    auto cfg = config::LoadCaConfig(flags.config_path);
    if (cfg.ok() && cfg->password.empty() && StdinIsTerminal()) {
      auto key = ReadFile(config::ResolvePath(opts.home, cfg->key), 1 << 20);
      if (key.ok() && key->find("ENCRYPTED") != std::string::npos) {
        auto pw = ReadPassword("Please enter the password to decrypt " + cfg->key + ": ");
        if (pw.ok()) opts.password = *pw;
      }
    }
  }
  auto srv = CaServer::Create(opts);
  if (!srv.ok()) {
    std::fprintf(stderr, "error: %s\n", srv.status().message().c_str());
    return 1;
  }
  if (Status s = (*srv)->Start(); !s.ok()) {
    std::fprintf(stderr, "error: %s\n", s.message().c_str());
    return 1;
  }
  if (!flags.pid_file.empty()) {
    WriteFileAtomic(flags.pid_file, std::to_string(getpid()) + "\n", 0644).IgnoreError();
  }
  if (!flags.quiet) {
    auto a = (*srv)->authority();
    const auto& cfg = a->config();
    std::fprintf(stderr, "Starting Cairn CA/%s\n", CAIRN_VERSION);
    std::fprintf(stderr, "Documentation: see README.md\n");
    std::fprintf(stderr, "Config file: %s\n", flags.config_path.c_str());
    std::fprintf(stderr, "The primary server URL is https://%s%s\n",
                 cfg.dns_names.empty() ? "localhost" : cfg.dns_names.front().c_str(),
                 cfg.address.substr(cfg.address.rfind(':')).c_str());
    std::fprintf(stderr, "Root certificates are available at https://%s%s/roots.pem\n",
                 cfg.dns_names.empty() ? "localhost" : cfg.dns_names.front().c_str(),
                 cfg.address.substr(cfg.address.rfind(':')).c_str());
    for (const auto& r : a->roots()) {
      std::fprintf(stderr, "X.509 Root Fingerprint: %s\n", r.fingerprint_sha256_hex().c_str());
    }
    std::fprintf(stderr, "Serving HTTPS on %s ...\n", cfg.address.c_str());
  }
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      Status s = (*srv)->Reload();
      if (s.ok()) {
        log.Info("configuration reloaded", {{"config", flags.config_path}});
      } else {
        log.Error("configuration reload failed; keeping the old one", {{"error", s.message()}});
      }
      continue;
    }
    log.Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    (*srv)->Stop(std::chrono::seconds(30));
    if (!flags.pid_file.empty()) ::unlink(flags.pid_file.c_str());
    return 0;
  }
}

}  // namespace cairn::server
