#pragma once

// The timed phase of cairn-acme-bench: N workers, each with its own ACME account and one
// keep-alive TLS connection, loop over whole orders (newOrder → authorization → http-01
// challenge → poll → finalize → poll → certificate), closed loop, while a built-in HTTP
// server answers the http-01 validations of every worker from one shared token map. Workers
// and responder are C++20 coroutines on ONE thread (Boost.Asio), so the load generator uses
// at most one core and its CPU time is measured exactly.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "acme_jws.h"
#include "base/result.h"

namespace cairn::bench::acme {

// AcmeLoadOptions configures RunAcmeLoad.
struct AcmeLoadOptions {
  std::string directory_url;  // https://127.0.0.1:PORT/.../directory
  std::string root_path;      // PEM trust for the server's TLS certificate
  int concurrency = 8;        // workers = accounts = connections
  double warmup_s = 2;
  double duration_s = 10;
  std::string http_listen = "127.0.0.1:0";  // the http-01 responder
  std::string identifier_ip = "127.0.0.1";  // the single "ip" identifier of every order
  int server_pid = 0;                       // 0: no server readings
  // Polling (challenge or authorization while validating, order while "processing"): the
  // n-th wait (n = 0, 1, ...) is min(Retry-After, poll_first_ms * 2^n, poll_max_ms).
  // poll_challenge: while validating, poll the challenge (as the step CLI does) instead of the
  // authorization (as certbot does).
  bool poll_challenge = true;
  double poll_first_ms = 1;
  double poll_max_ms = 50;
  double poll_timeout_s = 30;  // per object; then the order fails ("poll timeout")
  double drain_timeout_s = 10;
  // request_timeout_s bounds each HTTP exchange (connect and TLS included); on expiry the
  // connection is closed and the order fails with a "timeout" error (a server that stopped
  // answering shows up as errors, not as a hung run).
  double request_timeout_s = 10;
  size_t max_kept_certificates = 200000;  // chains kept for the off-the-clock check
};

// IssuedChain is one downloaded certificate chain (PEM) and the CSR it answered.
struct IssuedChain {
  uint32_t csr_index = 0;
  std::string pem;
};

// StepTimes are the summed client-side durations (µs) of each step of the orders completed
// inside the window.
struct StepTimes {
  double new_order_us = 0;
  double authz_us = 0;        // POST-as-GET of the authorization
  double challenge_us = 0;    // POST {} to the challenge until it (or its authz) is valid
  double finalize_us = 0;     // finalize until the order is valid (polls included)
  double certificate_us = 0;  // the download
};

// AcmeLoadResult is what the run measured.
struct AcmeLoadResult {
  double window_s = 0;
  uint64_t orders = 0;        // orders completed inside the window
  uint64_t orders_total = 0;  // completed in any phase
  uint64_t errors = 0;        // failed orders (any phase) and transport errors
  std::map<std::string, uint64_t> errors_by_kind;
  std::vector<std::string> error_samples;  // the first few, with the server's detail
  uint64_t requests = 0;                   // ACME requests of the orders completed in the window
  uint64_t polls = 0;                      // of which polls (authorization or order)
  uint64_t nonce_fetches = 0;  // newNonce requests (no Replay-Nonce to reuse), all phases
  uint64_t authz_reused = 0;   // authorizations already valid at newOrder (all phases)
  uint64_t reconnects = 0;
  uint64_t responder_requests = 0;     // http-01 requests the responder answered (all phases)
  uint64_t responder_not_found = 0;    // of which for unknown tokens or paths
  std::vector<uint32_t> latencies_us;  // orders completed inside the window, sorted
  StepTimes steps;
  std::vector<IssuedChain> chains;  // every downloaded chain (up to the cap), all phases
  double server_cpu_s = 0;
  double server_rss_mb = 0;
  double server_hwm_mb = 0;
  double client_cpu_s = 0;  // this process (workers + responder) inside the window
  double setup_s = 0;       // connections and accounts
};

// RunAcmeLoad binds the responder, connects, creates the accounts, runs the warm-up and the
// measured window, drains, and returns the measurements. Fails with kUnavailable when the
// server cannot be reached, the responder cannot bind or an account cannot be created
// (before the clock starts), kInvalidArgument for bad options.
Result<AcmeLoadResult> RunAcmeLoad(const AcmeLoadOptions& options, const std::vector<Csr>& csrs);

}  // namespace cairn::bench::acme
