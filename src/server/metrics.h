#pragma once

#include "authority/authority.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "http/server.h"
#include "store/store.h"

namespace cairn::server {

// CaMetrics are cairn-ca's Prometheus metrics, served on ca.json's `metricsAddress`:
//
//  - step-ca's own (namespace step_ca), so existing dashboards keep working:
//    step_ca_uptime_seconds, step_ca_x509_{signed,renewed,rekeyed}_total{provisioner,success},
//    step_ca_kms_signed, step_ca_kms_errors;
//  - Cairn's: step_ca_x509_revoked_total{provisioner,success},
//    cairn_token_rejections_total{reason}, cairn_http_requests_total{method,route,code},
//    cairn_http_request_duration_seconds{route}, cairn_http_open_connections,
//    cairn_http_connections_total, cairn_http_connections_{evicted,refused}_total,
//    cairn_tls_handshake_failures_total,
//    cairn_store_commit_duration_seconds, cairn_store_commit_batch_size,
//    cairn_store_failed_commits_total, cairn_build_info{version,openssl};
//  - the process collector's standard process_* series.
//
// The instruments live as long as this object; the server, store and authority hold pointers
// to them.
class CaMetrics {
 public:
  explicit CaMetrics(Time start);

  // WatchServer registers the gauges read from the live HTTPS server (open connections,
  // connections accepted, evicted and refused). `server` must outlive this object's scrapes.
  void WatchServer(const http::Server* server);

  const http::ServerMetrics& http() const { return http_; }
  const store::StoreMetrics& store() const { return store_; }
  const authority::AuthorityMetrics& authority() const { return authority_; }
  const metrics::Registry& registry() const { return registry_; }

  // Render is the /metrics page.
  std::string Render() const { return registry_.Render(); }

 private:
  metrics::Registry registry_;
  http::ServerMetrics http_;
  store::StoreMetrics store_;
  authority::AuthorityMetrics authority_;
};

}  // namespace cairn::server
