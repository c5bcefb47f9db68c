#pragma once

// ProbeTls: one bounded TLS handshake to an address, to look at what the server presents
// (ACME tls-alpn-01, RFC 8737). The server's certificate is NOT verified: the caller judges it.

#include <chrono>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace cairn::http {

// TlsProbeOptions says where and how to shake hands.
struct TlsProbeOptions {
  // address is an IPv4 or IPv6 literal (no brackets, no host names: resolve first).
  std::string address;
  // port is the TCP port (1..65535).
  int port = 443;
  // sni is the server name sent in the SNI extension; empty sends none. It must be a DNS name
  // (RFC 6066 §3 forbids IP literals there).
  std::string sni;
  // alpn lists the protocols offered, in order of preference (each 1..255 bytes); empty offers
  // none.
  std::vector<std::string> alpn;
  // timeout bounds the whole probe: connect and handshake.
  Duration timeout = std::chrono::seconds(10);
};

// TlsProbeResult is what the handshake negotiated.
struct TlsProbeResult {
  // alpn is the protocol the server selected, or "" when it selected none.
  std::string alpn;
  // version is the negotiated protocol, "TLSv1.2" or "TLSv1.3".
  std::string version;
  // leaf_der is the server's certificate (DER).
  std::string leaf_der;
  // chain_der is every certificate the server sent, leaf first (DER).
  std::vector<std::string> chain_der;
};

// kMaxProbeChain bounds the certificates ProbeTls keeps from the server's chain.
inline constexpr size_t kMaxProbeChain = 16;

// ProbeTls connects to address:port, performs a TLS 1.2 or 1.3 client handshake offering
// `alpn` with SNI `sni` and without verifying the server's certificate, and returns what was
// negotiated. The connection is then closed.
//
// Errors: kInvalidArgument for a malformed address, port, SNI or ALPN list; kDeadlineExceeded
// when the timeout passes ("timeout connecting to 127.0.0.1:443", "timeout during the TLS
// handshake with ..."); kUnavailable when the connection is refused or reset ("connection
// refused connecting to 127.0.0.1:5002"), the handshake fails (with OpenSSL's reason, e.g. an
// alert from the server) or the server sends no certificate; kInternal if OpenSSL fails locally.
//
// Thread-safety: thread-safe; blocks the calling thread for at most the timeout.
Result<TlsProbeResult> ProbeTls(const TlsProbeOptions& options);

}  // namespace cairn::http
