#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/random.h"
#include "base/result.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace cairn::http {

// AccessLogFn receives one call per answered request (including the 400/413/431 the transport
// answers by itself), after the response is built and before it is written. `elapsed` runs from
// the first byte of the request to the end of the handler. It runs on an I/O thread and must be
// thread-safe and quick.
using AccessLogFn =
    std::function<void(const Request& request, const Response& response, Duration elapsed)>;

// ServerMetrics are the instruments a Server updates; any may be null. Not owned; they must
// outlive the server.
struct ServerMetrics {
  // requests counts answered requests by method (GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS,
  // else "other"), route (the router's pattern; "" when none matched) and code (the status).
  metrics::Family<metrics::Counter>* requests = nullptr;
  // request_seconds observes, by route, the time from a request's first byte to the end of its
  // handler.
  metrics::Family<metrics::Histogram>* request_seconds = nullptr;
  // tls_handshake_failures counts connections whose TLS handshake failed or timed out.
  metrics::Counter* tls_handshake_failures = nullptr;
};

// ServerOptions configures a Server. Every field has a safe default.
struct ServerOptions {
  // address is "host:port" to listen on. An empty host (":443") means all interfaces (IPv6
  // dual-stack when available, else IPv4); IPv6 literals are bracketed ("[::1]:0");
  // "localhost" means 127.0.0.1; other names are resolved once at Start. Port 0 picks a free
  // port (see Server::port()).
  std::string address = "127.0.0.1:0";
  // threads is the size of the fixed I/O thread pool that also runs the handlers; 0 means
  // 4 x hardware_concurrency, at least 4.
  int threads = 0;
  // max_body_bytes bounds a request body; a larger one is answered 413 and the connection
  // closed.
  size_t max_body_bytes = 1 << 20;
  // max_header_bytes bounds the request line plus header fields; over it is answered 431.
  size_t max_header_bytes = 16 << 10;
  // read_timeout bounds, on a new connection, the TLS handshake and the wait for the first
  // request's first byte together (one deadline from the accept), and then the reading of each
  // request's headers and body together (one deadline from the request's first byte). A
  // deadline is absolute: a client that dribbles bytes (slowloris) does not extend it.
  Duration read_timeout = std::chrono::seconds(30);
  // write_timeout bounds the writing of each response (a client that does not read is
  // disconnected).
  Duration write_timeout = std::chrono::seconds(30);
  // idle_timeout bounds the wait for the next request on a keep-alive connection.
  Duration idle_timeout = std::chrono::seconds(60);
  // max_connections caps concurrent connections. It is lowered at Start to what the open-file
  // limit (RLIMIT_NOFILE, less a reserve for the rest of the process) allows, with a warning.
  // A connection beyond it evicts the connection that has waited longest among those that are
  // idle between keep-alive requests (first) or have not yet sent a complete request (then:
  // TLS handshake, no request yet, request still arriving); a request being served is never
  // cut. With nothing to evict the new connection is accepted and closed at once. From 3/4 of
  // the cap on ("pressure"), new waits for a first or a next request get a quarter of
  // read_timeout / idle_timeout. The same eviction frees a descriptor when accept fails with
  // EMFILE/ENFILE (accept is retried with a bounded backoff, never in a busy loop).
  int max_connections = 4096;
  // tls selects HTTPS (credentials from Server::SetTlsCredentials, required before Start) or
  // plain HTTP (for an insecure listener or metrics).
  bool tls = true;
  // access_log, when set, is called once per request (see AccessLogFn).
  AccessLogFn access_log;
  // request_id_header is the request header whose value becomes the request id.
  std::string request_id_header = "X-Request-Id";
  // legacy_trace_header is consulted when request_id_header is absent (step-ca's
  // logger.traceHeader).
  std::string legacy_trace_header = "X-Smallstep-Id";
  // random mints request ids; null means crypto::OsslRandom::Default(). Not owned; must outlive
  // the server.
  Random* random = nullptr;
  // metrics, when set, is updated for every request and handshake.
  const ServerMetrics* metrics = nullptr;
  // logger receives server-side failures (handler exceptions, accept errors) and, at debug
  // level, failed handshakes. Null means no such logging. Not owned; must outlive the server.
  Logger* logger = nullptr;
};

// Server is an HTTP/1.1 server (keep-alive, TLS 1.2/1.3 with optional client certificates,
// or plain HTTP) that dispatches requests to a Router on a fixed pool of I/O threads.
//
// TLS policy (as step-ca): TLS 1.2 minimum, 1.3 maximum; TLS 1.2 ciphers ECDHE with AES-GCM or
// ChaCha20-Poly1305 only (ECDSA or RSA server keys); key exchange on X25519, P-256, P-384 or
// P-521 only (no finite-field groups); no renegotiation, no compression; the same
// certificate for every SNI name; ALPN "http/1.1". Client certificates are "verify if given":
// a client may present none (Request::peer_chain_der is then empty), but a presented
// certificate that does not verify against the client CA pool (unknown issuer, expired, ...)
// fails the handshake. Certificates in the pool act as trust anchors even when they are
// intermediates (as Go's x509.CertPool does).
//
// Limits (see ServerOptions): every wait has an absolute deadline, connections are capped with
// eviction of idle and incomplete ones, and a connection's memory is bounded by
// max_header_bytes plus a read buffer of at most 64 KiB (request line, headers, pipelined
// bytes), max_body_bytes for the body, and the handler's response while it is written; idle
// TLS connections release OpenSSL's record buffers.
//
// Thread-safety: all methods are thread-safe, but Stop must not be called from a handler.
class Server {
 public:
  virtual ~Server() = default;

  // Create builds a server over `router`, which must outlive it and be fully configured before
  // Start. Fails with kInvalidArgument on unusable options (bad address syntax, zero limits).
  static Result<std::unique_ptr<Server>> Create(ServerOptions options, const Router& router);

  // SetTlsCredentials installs the server certificate chain (PEM, leaf first, then
  // intermediates), its unencrypted private key (PEM; PKCS#8 or traditional) and the trust pool
  // for client certificates (PEM bundles; empty means client certificates are not requested).
  // It may be called again at any time to rotate: new handshakes use the new credentials,
  // existing connections keep theirs. Fails with kInvalidArgument on unparsable PEM or a key
  // that does not match the leaf; the previous credentials then stay in force.
  virtual Status SetTlsCredentials(std::string chain_pem, std::string key_pem,
                                   std::vector<std::string> client_ca_pems) = 0;

  // Start binds, listens and serves on background threads; it returns once the socket is
  // listening. Fails with kFailedPrecondition when TLS credentials are missing or the server
  // was already started, kInvalidArgument on an unresolvable address, kUnavailable when the
  // address cannot be bound.
  virtual Status Start() = 0;

  // port returns the bound TCP port (useful with port 0), or 0 before Start.
  virtual int port() const = 0;

  // Stop stops accepting, closes idle connections, lets in-flight requests finish (their
  // responses carry "Connection: close") for up to `grace`, then closes every connection and
  // joins the threads. Idempotent. Must not be called from a handler (it joins the threads that
  // run handlers). A handler that never returns blocks Stop.
  virtual void Stop(Duration grace) = 0;

  // connections_accepted returns how many connections were accepted since Start (including
  // those closed at once for being over max_connections).
  virtual uint64_t connections_accepted() const = 0;
  // active_connections returns how many connections are open now (including those being
  // closed).
  virtual int active_connections() const = 0;
  // connections_evicted returns how many connections were closed to make room for a new one
  // (at max_connections or on EMFILE) since Start.
  virtual uint64_t connections_evicted() const = 0;
  // connections_refused returns how many connections were closed at once since Start because
  // the cap was reached and no connection could be evicted.
  virtual uint64_t connections_refused() const = 0;
};

}  // namespace cairn::http
