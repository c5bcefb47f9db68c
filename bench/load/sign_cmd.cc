// cairn-bench sign: prepare, drive, check, report.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "check.h"
#include "commands.h"
#include "common.h"
#include "load.h"
#include "workload.h"

namespace cairn::bench {
namespace {

constexpr int64_t kMaxRequests = 4'000'000;

int Fail(const Status& s) {
  std::fprintf(stderr, "cairn-bench sign: %s\n", s.message().c_str());
  return 1;
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int RunSign(const SignFlags& f) {
  auto mode = ParseMode(f.mode);
  if (!mode.ok()) return Fail(mode.status());
  if (f.url.empty() || f.root.empty()) return Fail(InvalidArgumentError("--url and --root"));
  std::string issuer = f.issuer;
  if (issuer.empty() && *mode == Mode::kCairn && !f.ca_config.empty()) {
    auto path = CaIssuerPath(f.ca_config);
    if (!path.ok()) return Fail(path.status());
    issuer = *path;
  }
  if (issuer.empty()) {
    return Fail(InvalidArgumentError("--issuer (the signing CA's certificate) is required"));
  }
  if (Status s = CheckIssuer(issuer, f.root); !s.ok()) return Fail(s);

  // One-time tokens cannot be sent twice: prepare enough for a fast server (the caller sizes
  // it better with --requests-max). cfssl requests are reused round-robin.
  int64_t count = f.requests_max;
  if (count <= 0) {
    count = *mode == Mode::kCairn
                ? static_cast<int64_t>(std::ceil((f.warmup_s + f.duration_s) * 12000))
                : 20000;
  }
  count = std::clamp<int64_t>(count, 1, kMaxRequests);

  WorkloadOptions wo;
  wo.mode = *mode;
  wo.url = f.url;
  wo.root_path = f.root;
  wo.count = static_cast<size_t>(count);
  wo.key_pool = static_cast<size_t>(std::max(1, f.key_pool));
  wo.ca_config = f.ca_config;
  wo.provisioner = f.provisioner;
  wo.password_file = f.password_file;
  wo.token_validity_s = f.warmup_s + f.duration_s + 600;
  wo.hmac_key_hex = f.hmac_key;
  wo.profile = f.profile;

  auto t0 = std::chrono::steady_clock::now();
  auto workload = PrepareWorkload(wo);
  if (!workload.ok()) return Fail(workload.status().Annotate("preparing requests"));
  double prepare_s = Since(t0);

  LoadOptions lo;
  lo.url = f.url;
  lo.root_path = f.root;
  lo.connections = f.connections;
  lo.warmup_s = f.warmup_s;
  lo.duration_s = f.duration_s;
  lo.server_pid = f.server_pid;
  auto load = RunLoad(lo, *workload);
  if (!load.ok()) return Fail(load.status());

  t0 = std::chrono::steady_clock::now();
  auto check = CheckCertificates(load->responses, *workload, issuer, f.root);
  if (!check.ok()) return Fail(check.status());
  double check_s = Since(t0);

  const LoadResult& r = *load;
  uint64_t errors = r.errors + check->invalid;
  std::vector<std::string> samples = r.error_samples;
  for (const auto& s : check->error_samples) {
    if (samples.size() < 5) samples.push_back(s);
  }
  double rps = r.window_s > 0 ? static_cast<double>(r.completed) / r.window_s : 0;
  double cpu_us = r.completed > 0 ? r.server_cpu_s * 1e6 / static_cast<double>(r.completed) : 0;
  double client_us = r.completed > 0 ? r.client_cpu_s * 1e6 / static_cast<double>(r.completed) : 0;
  const auto& lat = r.latencies_us;
  double mean_ms = 0;
  for (uint32_t v : lat) mean_ms += v;
  if (!lat.empty()) mean_ms = mean_ms / static_cast<double>(lat.size()) / 1000.0;
  double p50 = Percentile(lat, 0.50) / 1000.0, p90 = Percentile(lat, 0.90) / 1000.0;
  double p99 = Percentile(lat, 0.99) / 1000.0;
  double max = lat.empty() ? 0 : lat.back() / 1000.0;

  if (f.json) {
    nlohmann::json j = {
        {"mode", f.mode},
        {"url", f.url},
        {"connections", f.connections},
        {"warmup_s", f.warmup_s},
        {"duration_s", Round(r.window_s, 3)},
        {"prepared", count},
        {"prepare_s", Round(prepare_s, 3)},
        {"requests", r.completed},
        {"sent", r.sent_total},
        {"errors", errors},
        {"error_samples", samples},
        {"reconnects", r.reconnects},
        {"exhausted", r.exhausted},
        {"checked", check->valid},
        {"check_s", Round(check_s, 3)},
        {"rps", Round(rps, 1)},
        {"latency_ms",
         {{"p50", Round(p50, 3)},
          {"p90", Round(p90, 3)},
          {"p99", Round(p99, 3)},
          {"max", Round(max, 3)},
          {"mean", Round(mean_ms, 3)}}},
        {"client",
         {{"cpu_s", Round(r.client_cpu_s, 3)}, {"cpu_us_per_request", Round(client_us, 1)}}},
    };
    if (f.server_pid > 0) {
      j["server"] = {{"pid", f.server_pid},
                     {"cpu_s", Round(r.server_cpu_s, 3)},
                     {"cpu_us_per_issue", Round(cpu_us, 1)},
                     {"rss_mb", Round(r.server_rss_mb, 2)},
                     {"hwm_mb", Round(r.server_hwm_mb, 2)}};
    }
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("cairn-bench sign: %s at %s, %d connections, %.1f s window (+%.1f s warm-up)\n",
              f.mode.c_str(), f.url.c_str(), f.connections, r.window_s, f.warmup_s);
  std::printf("  prepared    %lld requests in %.2f s\n", static_cast<long long>(count), prepare_s);
  std::printf("  requests    %llu = %.1f/s   errors %llu   reconnects %llu%s\n",
              static_cast<unsigned long long>(r.completed), rps,
              static_cast<unsigned long long>(errors),
              static_cast<unsigned long long>(r.reconnects),
              r.exhausted ? "   (prepared requests ran out: window cut short)" : "");
  std::printf("  latency ms  p50 %.2f   p90 %.2f   p99 %.2f   max %.2f   mean %.2f\n", p50, p90,
              p99, max, mean_ms);
  if (f.server_pid > 0) {
    std::printf("  server      CPU %.2f s = %.0f us/issue   RSS %.1f MB (peak %.1f MB)\n",
                r.server_cpu_s, cpu_us, r.server_rss_mb, r.server_hwm_mb);
  }
  std::printf("  client      CPU %.2f s = %.0f us/request\n", r.client_cpu_s, client_us);
  std::printf("  checked     %llu certificates valid, %llu invalid (%.2f s)\n",
              static_cast<unsigned long long>(check->valid),
              static_cast<unsigned long long>(check->invalid), check_s);
  for (const auto& s : samples) std::printf("  error       %s\n", s.c_str());
  return 0;
}

}  // namespace cairn::bench
