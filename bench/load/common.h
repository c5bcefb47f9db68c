#pragma once

// Shared pieces of cairn-bench: URLs, the TLS client context, /proc readings, CPU clocks, and
// the few JSON string operations the load generator needs without a DOM.

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/ossl_ptr.h"

namespace cairn::bench {

// Endpoint is the host and port of an https:// URL.
struct Endpoint {
  std::string host;         // "127.0.0.1", "::1" (no brackets) or a DNS name
  uint16_t port = 443;      //
  std::string host_header;  // what goes in the Host header: "127.0.0.1:8443"
};

// ParseHttpsUrl parses "https://host[:port][/...]". Fails with kInvalidArgument for another
// scheme, an empty host or a bad port.
Result<Endpoint> ParseHttpsUrl(std::string_view url);

// MakeClientTlsContext returns a TLS 1.2+ client context that verifies the server against the
// certificates in the PEM file `root_path`. Fails with kInvalidArgument when the file has no
// certificate.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const std::string& root_path);

// SetPeerName makes `ssl` send SNI (DNS names only) and check the server certificate against
// `host` (DNS name or IP address). Fails with kInternal if OpenSSL refuses.
Status SetPeerName(SSL* ssl, const std::string& host);

// ReadPem reads every certificate of a PEM file. Fails with kNotFound / kInvalidArgument.
Result<std::vector<ossl::UniquePtr<X509>>> ReadCertificates(const std::string& path);

// ProcessCpuSeconds / ThreadCpuSeconds read CLOCK_PROCESS_CPUTIME_ID / CLOCK_THREAD_CPUTIME_ID.
double ProcessCpuSeconds();
double ThreadCpuSeconds();

// ProcCpuSeconds returns utime + stime of process `pid` (all its threads) in seconds, from
// /proc/PID/stat and sysconf(_SC_CLK_TCK). Fails with kNotFound when the process is gone.
Result<double> ProcCpuSeconds(int pid);

// ProcMemory is the resident set of a process, from /proc/PID/status.
struct ProcMemory {
  double rss_mb = 0;  // VmRSS
  double hwm_mb = 0;  // VmHWM: the peak RSS over the process's life
};

// ReadProcMemory reads VmRSS and VmHWM of `pid`. Fails with kNotFound when the process is gone.
Result<ProcMemory> ReadProcMemory(int pid);

// FindJsonString finds the first member `"key":"..."` in JSON text and returns the still
// escaped content between the quotes, or nullopt. Cheap: no DOM, one scan.
std::optional<std::string_view> FindJsonString(std::string_view json, std::string_view key);

// JsonUnescape decodes the escapes of a JSON string body (\n, \", \\, \/, \uXXXX incl.
// surrogate pairs). Fails with kInvalidArgument on a malformed escape.
Result<std::string> JsonUnescape(std::string_view raw);

// JsonEscape escapes `s` for use inside a JSON string literal (quotes not added).
std::string JsonEscape(std::string_view s);

// Percentile returns the q-quantile (0 < q <= 1, nearest rank) of sorted `v`; 0 when empty.
double Percentile(const std::vector<uint32_t>& sorted, double q);

// ReadPassword reads a password file, dropping trailing CR/LF as step does.
Result<std::string> ReadPassword(const std::string& path);

// Round rounds to `digits` decimals, for readable JSON.
double Round(double v, int digits);

}  // namespace cairn::bench
