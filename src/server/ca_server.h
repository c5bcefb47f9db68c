#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "acme/server.h"
#include "authority/authority.h"
#include "base/log.h"
#include "base/work_queue.h"
#include "config/config.h"
#include "http/router.h"
#include "http/server.h"
#include "server/metrics.h"
#include "store/store.h"

namespace cairn::server {

// ServerFlags are cairn-ca's command-line flags.
struct ServerFlags {
  std::string config_path;
  std::string password_file;
  std::string pid_file;
  bool quiet = false;
  // ACME validation, for tests and closed networks (step-ca's flags of the same names):
  // resolver is the DNS server ("host:port") used for dns-01 and to look up names for http-01
  // and tls-alpn-01 (empty: the system's); the ports are where http-01 and tls-alpn-01 are
  // checked (the RFCs say 80 and 443); strict_fqdn looks TXT records up with a trailing dot.
  std::string resolver;
  int acme_http_port = 80;
  int acme_tls_port = 443;
  bool acme_strict_fqdn = false;
};

// CaServer is a running cairn-ca: the authority for the current ca.json, the HTTPS listener
// with a TLS certificate minted by the CA and renewed in process, and configuration reload.
// Create, Start, then Reload/Stop from any thread.
class CaServer {
 public:
  struct Options {
    std::string config_path;
    std::string home;
    std::string password;  // from --password-file; else ca.json's password
    // address overrides ca.json's `address` (tests bind 127.0.0.1:0).
    std::string address_override;
    // acme tunes the ACME server (validation resolver and ports; see ServerFlags).
    acme::AcmeServerOptions acme;
    Logger* log = nullptr;  // required
  };
  static Result<std::unique_ptr<CaServer>> Create(Options options);
  ~CaServer();

  // Start binds and serves; returns once listening.
  Status Start();
  // Reload re-reads ca.json and swaps the authority; on any failure the old one keeps serving.
  // A changed `db` block is refused (as step-ca).
  Status Reload();
  // Stop stops accepting, lets in-flight requests finish (up to `grace`), and closes the store.
  void Stop(Duration grace);

  int port() const;
  // metrics_port is the bound port of the metrics listener, 0 when ca.json has no
  // metricsAddress.
  int metrics_port() const;
  // insecure_port is the bound port of the plain-HTTP insecureAddress listener, 0 when ca.json
  // has none.
  int insecure_port() const;
  std::shared_ptr<authority::Authority> authority() const;
  const CaMetrics& metrics() const { return *metrics_; }

 private:
  explicit CaServer(Options options) : options_(std::move(options)) {}
  Result<std::shared_ptr<authority::Authority>> BuildAuthority(const config::CaConfig& config);
  Status RotateTlsCertificate();
  void RenewLoop();
  void LogRequest(const http::Request& req, const http::Response& resp, Duration elapsed);

  Options options_;
  Time start_time_;
  config::CaConfig config_;
  std::unique_ptr<CaMetrics> metrics_;  // before the store, server and authority that use it
  std::unique_ptr<store::Store> store_;
  // slow_work_ runs requests that wait on webhooks, off the I/O threads.
  std::unique_ptr<WorkQueue> slow_work_;
  // ACME requests wait for durable store writes: they run on acme_work_, not on I/O threads.
  std::unique_ptr<WorkQueue> acme_work_;
  std::unique_ptr<acme::AcmeServer> acme_;
  mutable std::mutex mu_;
  std::shared_ptr<authority::Authority> authority_;  // guarded by mu_
  std::unique_ptr<Logger> request_log_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  // The plain-HTTP Prometheus listener on ca.json's metricsAddress (null without one).
  http::Router metrics_router_;
  std::unique_ptr<http::Server> metrics_server_;
  // insecure_router_ / insecure_server_ serve CRLs and OCSP over plain HTTP on insecureAddress.
  http::Router insecure_router_;
  std::unique_ptr<http::Server> insecure_server_;
  Time tls_not_before_{}, tls_not_after_{};  // guarded by mu_

  std::mutex renew_mu_;
  std::condition_variable renew_cv_;
  bool stopping_ = false;  // guarded by renew_mu_
  std::thread renew_thread_;
};

// RunCaServer is cairn-ca's main: load, serve, handle signals. Returns the exit code.
int RunCaServer(const ServerFlags& flags);

}  // namespace cairn::server
