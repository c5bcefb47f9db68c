#include "server/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "crypto/version.h"

namespace cairn::server {
namespace {

// ProcStatusBytes reads one "Name:   123 kB" line of /proc/self/status, in bytes.
double ProcStatusBytes(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size(), field) == 0 && line.size() > field.size() &&
        line[field.size()] == ':') {
      std::istringstream rest(line.substr(field.size() + 1));
      double kb = 0;
      rest >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the directory stream itself
}

}  // namespace

CaMetrics::CaMetrics(Time start) {
  auto& r = registry_;
  // step-ca's series, same names and labels.
  r.AddGaugeFunc("step_ca_uptime_seconds", "Number of seconds since service start", [start] {
    return static_cast<double>(
        std::chrono::duration_cast<std::chrono::seconds>(SystemClock::Default().Now() - start)
            .count());
  });
  authority_.x509_signed = &r.AddCounter(
      "step_ca_x509_signed_total", "Number of certificates signed", {"provisioner", "success"});
  authority_.x509_renewed = &r.AddCounter(
      "step_ca_x509_renewed_total", "Number of certificates renewed", {"provisioner", "success"});
  authority_.x509_rekeyed = &r.AddCounter(
      "step_ca_x509_rekeyed_total", "Number of certificates rekeyed", {"provisioner", "success"});
  authority_.x509_revoked = &r.AddCounter(
      "step_ca_x509_revoked_total", "Number of certificates revoked", {"provisioner", "success"});
  authority_.ssh_signed = &r.AddCounter(
      "step_ca_ssh_signed_total", "Number of SSH certificates signed", {"provisioner", "success"});
  authority_.ssh_renewed =
      &r.AddCounter("step_ca_ssh_renewed_total", "Number of SSH certificates renewed",
                    {"provisioner", "success"});
  authority_.ssh_rekeyed =
      &r.AddCounter("step_ca_ssh_rekeyed_total", "Number of SSH certificates rekeyed",
                    {"provisioner", "success"});
  authority_.kms_signed =
      &r.AddCounter("step_ca_kms_signed", "Number of KMS-backed signatures").With({});
  authority_.kms_errors =
      &r.AddCounter("step_ca_kms_errors", "Number of KMS-related errors").With({});
  authority_.token_rejections = &r.AddCounter("cairn_token_rejections_total",
                                              "One-time tokens refused, by reason", {"reason"});

  http_.requests = &r.AddCounter("cairn_http_requests_total", "HTTP requests answered",
                                 {"method", "route", "code"});
  http_.request_seconds =
      &r.AddHistogram("cairn_http_request_duration_seconds",
                      "Time from a request's first byte to the end of its handler, by route",
                      {"route"}, metrics::LatencyBuckets());
  http_.tls_handshake_failures =
      &r.AddCounter("cairn_tls_handshake_failures_total", "TLS handshakes that failed").With({});

  store_.commit_seconds = &r.AddHistogram("cairn_store_commit_duration_seconds",
                                          "Store transactions, from BEGIN to a durable COMMIT", {},
                                          metrics::LatencyBuckets())
                               .With({});
  store_.batch_size =
      &r.AddHistogram("cairn_store_commit_batch_size", "Writes grouped into one store transaction",
                      {}, metrics::ExponentialBuckets(1, 2, 10))
           .With({});
  store_.failed_commits =
      &r.AddCounter("cairn_store_failed_commits_total", "Store transactions that failed").With({});

  r.AddGauge("cairn_build_info", "Cairn's version and the OpenSSL it runs on; always 1",
             {"version", "openssl"})
      .With({CAIRN_VERSION, crypto::OpenSslVersion()})
      .Set(1);

  // The standard process collector's series.
  r.AddCounterFunc("process_cpu_seconds_total", "Total user and system CPU time spent in seconds",
                   [] {
                     rusage u{};
                     getrusage(RUSAGE_SELF, &u);
                     return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
                            static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
                   });
  r.AddGaugeFunc("process_resident_memory_bytes", "Resident memory size in bytes",
                 [] { return ProcStatusBytes("VmRSS"); });
  r.AddGaugeFunc("process_virtual_memory_bytes", "Virtual memory size in bytes",
                 [] { return ProcStatusBytes("VmSize"); });
  r.AddGaugeFunc("process_open_fds", "Number of open file descriptors", [] { return OpenFds(); });
  r.AddGaugeFunc("process_max_fds", "Maximum number of open file descriptors", [] {
    rlimit l{};
    getrlimit(RLIMIT_NOFILE, &l);
    return static_cast<double>(l.rlim_cur);
  });
  const double start_seconds = static_cast<double>(ToUnixSeconds(start));
  r.AddGaugeFunc("process_start_time_seconds",
                 "Start time of the process since unix epoch in seconds",
                 [start_seconds] { return start_seconds; });
}

void CaMetrics::WatchServer(const http::Server* server) {
  registry_.AddGaugeFunc("cairn_http_open_connections", "Connections open now on the CA listener",
                         [server] { return static_cast<double>(server->active_connections()); });
  registry_.AddCounterFunc(
      "cairn_http_connections_total", "Connections accepted on the CA listener",
      [server] { return static_cast<double>(server->connections_accepted()); });
  registry_.AddCounterFunc(
      "cairn_http_connections_evicted_total",
      "Idle or incomplete connections closed at the connection cap to make room for new ones",
      [server] { return static_cast<double>(server->connections_evicted()); });
  registry_.AddCounterFunc(
      "cairn_http_connections_refused_total",
      "Connections closed at once: at the cap with none to evict, or out of file descriptors",
      [server] { return static_cast<double>(server->connections_refused()); });
}

}  // namespace cairn::server
