#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "http/headers.h"

namespace cairn::http {

// ClientOptions configures an HttpClient. Every field has a safe default.
struct ClientOptions {
  // ca_pem is the only trust for HTTPS servers (PEM bundle); empty means the system store.
  std::string ca_pem;
  // insecure_skip_verify disables server certificate and host name verification (used only
  // by `ca bootstrap`-like flows that check a fingerprint afterwards).
  bool insecure_skip_verify = false;
  // client_cert_pem / client_key_pem (PEM, chain leaf first; unencrypted key) are presented for
  // mTLS when both are set.
  std::string client_cert_pem;
  std::string client_key_pem;
  // timeout bounds each whole request (connect, TLS, send, receive).
  Duration timeout = std::chrono::seconds(30);
  // user_agent is sent as User-Agent.
  std::string user_agent = "cairn/0.1";
  // max_response_bytes bounds the response body; a larger one fails with kResourceExhausted.
  size_t max_response_bytes = 16 << 20;
  // follow_redirects follows up to max_redirects redirects (http and https only).
  bool follow_redirects = false;
  int max_redirects = 10;
  // capture_peer_certificates fills ClientResponse::peer_cert_chain_pem. It forces a fresh
  // connection (so the handshake, hence the certificates, is seen) for each request.
  bool capture_peer_certificates = false;
  // resolve pins host names to addresses without any resolver, in curl's "host:port:address"
  // form (CURLOPT_RESOLVE), e.g. "ca.internal:443:127.0.0.1".
  std::vector<std::string> resolve;
  // proxy is the proxy URL; empty means the environment (http_proxy, https_proxy, no_proxy).
  // Loopback addresses are never proxied.
  std::string proxy;
  // direct ignores proxy and the environment: every request goes straight to its host (ACME
  // validation must see the host itself, never a proxy's view of it).
  bool direct = false;
};

// ClientResponse is a complete HTTP response.
struct ClientResponse {
  // status is the HTTP status code of the final response.
  int status = 0;
  // headers are the header fields of the final response (after any 1xx or redirect).
  Headers headers;
  // body is the response body (empty for HEAD).
  std::string body;
  // peer_cert_chain_pem is the server's certificate chain as sent, leaf first, PEM, when
  // ClientOptions::capture_peer_certificates is set and the connection used TLS.
  std::vector<std::string> peer_cert_chain_pem;
};

// HttpClient performs outgoing HTTP/HTTPS requests with libcurl. It keeps connections alive
// and reuses them across requests to the same origin. TLS 1.2 is the minimum version. It never
// follows redirects to other schemes than http and https.
//
// Errors: kInvalidArgument for a malformed URL, header or unusable client certificate;
// kUnauthenticated when the server certificate does not verify (unknown CA, wrong name,
// expired); kDeadlineExceeded on timeout; kResourceExhausted when the body exceeds
// max_response_bytes; kUnavailable for other transport failures (refused, reset, TLS
// handshake rejected by the server), with curl's message. An HTTP error status is not an error:
// it is returned in ClientResponse::status.
//
// Thread-safety: an instance is not thread-safe; use one per thread.
class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Get performs a GET of `url` with `extra_headers`.
  Result<ClientResponse> Get(std::string_view url, const Headers& extra_headers = {});
  // Post performs a POST of `body` (with Content-Type `content_type` when not empty).
  Result<ClientResponse> Post(std::string_view url, std::string_view body,
                              std::string_view content_type, const Headers& extra_headers = {});
  // Request performs any method ("GET", "HEAD", "POST", "PUT", "DELETE", ...). A body is sent
  // when not empty (or always for POST/PUT/PATCH). HEAD returns headers only.
  Result<ClientResponse> Request(std::string_view method, std::string_view url,
                                 std::string_view body = {}, std::string_view content_type = {},
                                 const Headers& extra_headers = {});

  // options returns the options in force.
  const ClientOptions& options() const { return options_; }

 private:
  struct Impl;
  ClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::http
