#pragma once

// The timed phase of `cairn-bench sign`: N keep-alive TLS connections on ONE thread (Asio),
// closed loop (a connection sends its next prepared request when the response to the previous
// one arrived), a warm-up, then the measured window bracketed by /proc readings of the server.
// During the run only the status and the certificate's text are taken from each response;
// every certificate is parsed and checked afterwards, off the clock (see check.h).

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "workload.h"

namespace cairn::bench {

// LoadOptions configures RunLoad.
struct LoadOptions {
  std::string url;
  std::string root_path;
  int connections = 16;
  double warmup_s = 2;
  double duration_s = 10;
  int server_pid = 0;  // 0: no server readings
};

// Response is one answered request whose certificate is to be checked: the request index and
// the certificate PEM as it appeared in the JSON (still escaped).
struct Response {
  uint32_t index = 0;
  std::string escaped_pem;
};

// LoadResult is what the run measured.
struct LoadResult {
  double window_s = 0;      // length of the measured window
  uint64_t completed = 0;   // good responses received inside the window
  uint64_t sent_total = 0;  // requests sent, warm-up included
  uint64_t errors = 0;      // failed requests (any phase): transport errors, bad status/body
  uint64_t reconnects = 0;  // connections re-opened during the run (server closed, errors)
  bool exhausted = false;   // the prepared requests ran out before the window's end
  std::vector<std::string> error_samples;  // the first few error messages
  std::vector<uint32_t> latencies_us;      // of the responses inside the window, sorted
  std::vector<Response> responses;         // every answered request (warm-up included)
  // Server readings at the window's edges (0 when no pid).
  double server_cpu_s = 0;
  double server_rss_mb = 0;
  double server_hwm_mb = 0;
  double client_cpu_s = 0;  // this process, inside the window
};

// RunLoad connects, runs the warm-up and the measured window, and returns the measurements.
// Fails with kUnavailable when the connections cannot be opened, or kInvalidArgument for bad
// options.
Result<LoadResult> RunLoad(const LoadOptions& options, const Workload& workload);

}  // namespace cairn::bench
