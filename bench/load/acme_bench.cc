// cairn-acme-bench: the whole ACME order flow (RFC 8555) as load, against any ACME server
// (cairn-ca, pebble), with its own http-01 responder so that the server validates for real.
// Prepares before the clock (CSR pool, accounts), drives the orders from one thread (see
// acme_load.h), then checks every downloaded certificate off the clock and reports.

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "acme_jws.h"
#include "acme_load.h"
#include "common.h"

namespace cairn::bench::acme {
namespace {

struct Flags {
  AcmeLoadOptions load;
  int csr_pool = 16;
  bool json = false;
};

int Fail(const Status& s) {
  std::fprintf(stderr, "cairn-acme-bench: %s\n", s.message().c_str());
  return 1;
}

// ChainCheck counts the certificates that passed and failed the off-the-clock check.
struct ChainCheck {
  uint64_t valid = 0;
  uint64_t invalid = 0;
  std::vector<std::string> samples;
};

// CheckChain returns "" when the chain's first certificate carries the CSR's key and the IP
// identifier, and its signature verifies with the next certificate's key; else why not.
std::string CheckChain(const IssuedChain& c, const std::vector<Csr>& csrs, const std::string& ip) {
  ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(c.pem.data(), static_cast<int>(c.pem.size())));
  std::vector<ossl::UniquePtr<X509>> certs;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(x);
  ERR_clear_error();
  if (certs.empty()) return "no certificate in the chain";
  if (certs.size() < 2) return "the chain has no issuer certificate";
  X509* leaf = certs[0].get();
  if (EVP_PKEY_eq(X509_get0_pubkey(leaf), csrs[c.csr_index].key.get()) != 1) {
    return "the certificate's key is not the CSR's";
  }
  if (X509_check_ip_asc(leaf, ip.c_str(), 0) != 1) return "the certificate does not name " + ip;
  if (X509_check_issued(certs[1].get(), leaf) != X509_V_OK ||
      X509_verify(leaf, X509_get0_pubkey(certs[1].get())) != 1) {
    ERR_clear_error();
    return "the certificate's signature does not verify with the next certificate of the chain";
  }
  return "";
}

ChainCheck CheckChains(const std::vector<IssuedChain>& chains, const std::vector<Csr>& csrs,
                       const std::string& ip) {
  std::vector<std::string> why(chains.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < chains.size();)
      why[i] = CheckChain(chains[i], csrs, ip);
  };
  std::vector<std::thread> pool;
  unsigned n = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  ChainCheck out;
  for (const auto& w : why) {
    if (w.empty()) {
      ++out.valid;
    } else {
      ++out.invalid;
      if (out.samples.size() < 5) out.samples.push_back("certificate check: " + w);
    }
  }
  return out;
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int Run(const Flags& f) {
  if (f.csr_pool < 1 || f.csr_pool > 4096) {
    return Fail(InvalidArgumentError("--csr-pool must be within 1..4096"));
  }
  auto t0 = std::chrono::steady_clock::now();
  auto csrs = MakeIpCsrs(static_cast<size_t>(f.csr_pool), f.load.identifier_ip);
  if (!csrs.ok()) return Fail(csrs.status().Annotate("preparing CSRs"));
  double prepare_s = Since(t0);

  auto load = RunAcmeLoad(f.load, *csrs);
  if (!load.ok()) return Fail(load.status());
  const AcmeLoadResult& r = *load;

  t0 = std::chrono::steady_clock::now();
  ChainCheck check = CheckChains(r.chains, *csrs, f.load.identifier_ip);
  double check_s = Since(t0);

  uint64_t errors = r.errors + check.invalid;
  std::vector<std::string> samples = r.error_samples;
  for (const auto& s : check.samples) samples.push_back(s);
  auto kinds = r.errors_by_kind;
  if (check.invalid > 0) kinds["certificate check"] += check.invalid;

  const double orders = static_cast<double>(r.orders);
  auto per_order = [&](double v) { return r.orders > 0 ? v / orders : 0.0; };
  double rate = r.window_s > 0 ? orders / r.window_s : 0;
  const auto& lat = r.latencies_us;
  double mean_ms = 0;
  for (uint32_t v : lat) mean_ms += v;
  if (!lat.empty()) mean_ms = mean_ms / static_cast<double>(lat.size()) / 1000.0;
  double p50 = Percentile(lat, 0.50) / 1000.0, p90 = Percentile(lat, 0.90) / 1000.0;
  double p99 = Percentile(lat, 0.99) / 1000.0;
  double max = lat.empty() ? 0 : lat.back() / 1000.0;

  nlohmann::json j = {
      {"directory", f.load.directory_url},
      {"concurrency", f.load.concurrency},
      {"identifier_ip", f.load.identifier_ip},
      {"warmup_s", f.load.warmup_s},
      {"duration_s", Round(r.window_s, 3)},
      {"prepare_s", Round(prepare_s, 3)},
      {"setup_s", Round(r.setup_s, 3)},
      {"csr_pool", f.csr_pool},
      {"poll",
       {{"what", f.load.poll_challenge ? "challenge" : "authz"},
        {"first_ms", f.load.poll_first_ms},
        {"max_ms", f.load.poll_max_ms}}},
      {"orders", r.orders},
      {"orders_total", r.orders_total},
      {"orders_per_s", Round(rate, 1)},
      {"errors", errors},
      {"errors_by_kind", kinds},
      {"error_samples", samples},
      {"requests_per_order", Round(per_order(static_cast<double>(r.requests)), 2)},
      {"polls_per_order", Round(per_order(static_cast<double>(r.polls)), 2)},
      {"nonce_fetches", r.nonce_fetches},
      {"authz_reused", r.authz_reused},
      {"reconnects", r.reconnects},
      {"responder", {{"requests", r.responder_requests}, {"not_found", r.responder_not_found}}},
      {"checked", check.valid},
      {"check_s", Round(check_s, 3)},
      {"latency_ms",
       {{"p50", Round(p50, 3)},
        {"p90", Round(p90, 3)},
        {"p99", Round(p99, 3)},
        {"max", Round(max, 3)},
        {"mean", Round(mean_ms, 3)}}},
      {"steps_ms",
       {{"new_order", Round(per_order(r.steps.new_order_us) / 1000, 3)},
        {"authz", Round(per_order(r.steps.authz_us) / 1000, 3)},
        {"challenge", Round(per_order(r.steps.challenge_us) / 1000, 3)},
        {"finalize", Round(per_order(r.steps.finalize_us) / 1000, 3)},
        {"certificate", Round(per_order(r.steps.certificate_us) / 1000, 3)}}},
      {"client",
       {{"cpu_s", Round(r.client_cpu_s, 3)},
        {"cpu_us_per_order", Round(per_order(r.client_cpu_s * 1e6), 1)}}},
  };
  if (f.load.server_pid > 0) {
    j["server"] = {{"pid", f.load.server_pid},
                   {"cpu_s", Round(r.server_cpu_s, 3)},
                   {"cpu_us_per_order", Round(per_order(r.server_cpu_s * 1e6), 1)},
                   {"rss_mb", Round(r.server_rss_mb, 2)},
                   {"hwm_mb", Round(r.server_hwm_mb, 2)}};
  }
  if (f.json) {
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("cairn-acme-bench: %s, %d workers, %.1f s window (+%.1f s warm-up)\n",
              f.load.directory_url.c_str(), f.load.concurrency, r.window_s, f.load.warmup_s);
  std::printf("  orders      %llu = %.1f/s   errors %llu   reconnects %llu\n",
              static_cast<unsigned long long>(r.orders), rate,
              static_cast<unsigned long long>(errors),
              static_cast<unsigned long long>(r.reconnects));
  std::printf("  latency ms  p50 %.2f   p90 %.2f   p99 %.2f   max %.2f   mean %.2f\n", p50, p90,
              p99, max, mean_ms);
  std::printf(
      "  per order   %.2f requests (%.2f polls); steps ms: newOrder %.2f authz %.2f "
      "challenge %.2f finalize %.2f certificate %.2f\n",
      per_order(static_cast<double>(r.requests)), per_order(static_cast<double>(r.polls)),
      per_order(r.steps.new_order_us) / 1000, per_order(r.steps.authz_us) / 1000,
      per_order(r.steps.challenge_us) / 1000, per_order(r.steps.finalize_us) / 1000,
      per_order(r.steps.certificate_us) / 1000);
  if (f.load.server_pid > 0) {
    std::printf("  server      CPU %.2f s = %.0f us/order   RSS %.1f MB (peak %.1f MB)\n",
                r.server_cpu_s, per_order(r.server_cpu_s * 1e6), r.server_rss_mb, r.server_hwm_mb);
  }
  std::printf("  client      CPU %.2f s = %.0f us/order\n", r.client_cpu_s,
              per_order(r.client_cpu_s * 1e6));
  std::printf("  http-01     %llu requests answered (%llu not found); %llu authorizations reused\n",
              static_cast<unsigned long long>(r.responder_requests),
              static_cast<unsigned long long>(r.responder_not_found),
              static_cast<unsigned long long>(r.authz_reused));
  std::printf("  checked     %llu certificates valid, %llu invalid (%.2f s)\n",
              static_cast<unsigned long long>(check.valid),
              static_cast<unsigned long long>(check.invalid), check_s);
  for (const auto& [kind, n] : kinds) {
    std::printf("  errors      %6llu  %s\n", static_cast<unsigned long long>(n), kind.c_str());
  }
  for (const auto& s : samples) std::printf("  sample      %s\n", s.c_str());
  return 0;
}

}  // namespace
}  // namespace cairn::bench::acme

int main(int argc, char** argv) {
  cairn::bench::acme::Flags f;
  auto& o = f.load;
  CLI::App app{
      "cairn-acme-bench: drive whole ACME orders (newOrder, http-01 validated by the "
      "server against our own responder, finalize, download) and measure them.",
      "cairn-acme-bench"};
  app.add_option("--directory", o.directory_url, "ACME directory URL (https://127.0.0.1:PORT/...)")
      ->required();
  app.add_option("--root", o.root_path, "PEM root certificate(s) to trust for the server's TLS")
      ->required();
  app.add_option("--concurrency", o.concurrency, "Workers (one account and connection each)")
      ->capture_default_str();
  app.add_option("--duration", o.duration_s, "Measured seconds")->capture_default_str();
  app.add_option("--warmup", o.warmup_s, "Warm-up seconds before the measured window")
      ->capture_default_str();
  app.add_option("--http-listen", o.http_listen,
                 "Address of the built-in http-01 responder, HOST:PORT (the server's http-01 "
                 "port must point here)")
      ->capture_default_str();
  app.add_option("--identifier-ip", o.identifier_ip,
                 "The IP identifier (RFC 8738) of every order; validated at IP:http-port")
      ->capture_default_str();
  app.add_option("--server-pid", o.server_pid, "Server process to read CPU and RSS from");
  app.add_option("--csr-pool", f.csr_pool, "Distinct P-256 keys/CSRs, made before the run")
      ->capture_default_str();
  std::string poll_what = "challenge";
  app.add_option("--poll", poll_what,
                 "What to poll while the server validates: challenge (as step) or authz (as "
                 "certbot)")
      ->check(CLI::IsMember({"challenge", "authz"}))
      ->capture_default_str();
  app.add_option("--poll-first-ms", o.poll_first_ms,
                 "First wait before polling; doubled each poll, capped by Retry-After and "
                 "--poll-max-ms")
      ->capture_default_str();
  app.add_option("--poll-max-ms", o.poll_max_ms, "Longest wait between polls")
      ->capture_default_str();
  app.add_option("--poll-timeout", o.poll_timeout_s, "Give an object up after seconds")
      ->capture_default_str();
  app.add_option("--request-timeout", o.request_timeout_s,
                 "Give one HTTP exchange up after seconds (the order fails: \"timeout\")")
      ->capture_default_str();
  app.add_flag("--json", f.json, "Print one JSON object");
  CLI11_PARSE(app, argc, argv);
  o.poll_challenge = poll_what == "challenge";
  return cairn::bench::acme::Run(f);
}
