#pragma once

// Test-only helpers for the http tests: a tiny OpenSSL certificate factory (the pki module is
// not a dependency of http) and raw TCP/TLS clients for what HttpClient deliberately cannot do
// (old TLS versions, slow writes, malformed requests).

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/ossl_ptr.h"

namespace cairn::http::testing {

// TestKey is a P-256 key with its PKCS#8 PEM.
struct TestKey {
  ossl::UniquePtr<EVP_PKEY> pkey;
  std::string pem;
};
TestKey NewP256Key();

// CertSpec describes a certificate to issue.
struct CertSpec {
  std::string common_name = "test";
  uint64_t serial = 1;
  bool is_ca = false;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  // Validity relative to now.
  std::chrono::seconds not_before_offset = std::chrono::hours(-1);
  std::chrono::seconds not_after_offset = std::chrono::hours(24);
  // "serverAuth", "clientAuth" or "" (no EKU extension).
  std::string eku;
};

// TestCert is an issued certificate with its PEM and DER encodings.
struct TestCert {
  ossl::UniquePtr<X509> x509;
  std::string pem;
  std::string der;
};

// IssueCert signs `spec` for `subject_key` with `issuer` / `issuer_key`; when `issuer` is null
// the certificate is self-signed by `subject_key`. Aborts the test binary on OpenSSL failure.
TestCert IssueCert(const CertSpec& spec, const TestKey& subject_key, const TestCert* issuer,
                   const TestKey& issuer_key);

// SerialOf returns the decimal serial of a certificate.
uint64_t SerialOf(X509* cert);

// ConnectTcp connects to 127.0.0.1:port (or ::1 with `ipv6`) and returns the fd, or -1. Reads
// time out after 5 s so a test cannot hang.
int ConnectTcp(int port, bool ipv6 = false);

// SendAll writes all of `data`; false on failure.
bool SendAll(int fd, std::string_view data);

// ReadHttpResponse reads one HTTP/1.1 response (headers and a Content-Length body) from a
// socket; returns nullopt on EOF/error before a complete response.
std::optional<std::string> ReadHttpResponse(int fd);

// WaitForClose waits up to `limit` for the peer to close the connection (EOF or reset).
bool WaitForClose(int fd, std::chrono::milliseconds limit);

// TlsClientOptions configure a raw OpenSSL client connection.
struct TlsClientOptions {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::string cipher_list;  // TLS 1.2 ciphers; empty = OpenSSL default
  std::string ca_pem;       // empty = do not verify the server
  const TestCert* client_cert = nullptr;
  const TestKey* client_key = nullptr;
  std::vector<const TestCert*> client_chain;  // extra certs sent after the leaf
};

// TlsConnection is an established raw TLS client connection.
class TlsConnection {
 public:
  TlsConnection() = default;
  TlsConnection(TlsConnection&&) noexcept;
  TlsConnection& operator=(TlsConnection&&) noexcept;
  ~TlsConnection();

  // Connect performs the TCP connect and the TLS handshake. Returns false on failure (with
  // `error()` describing it).
  bool Connect(int port, const TlsClientOptions& options);
  // Exchange sends `request` and reads one response; nullopt on any failure (e.g. the server
  // rejected our client certificate after a TLS 1.3 handshake).
  std::optional<std::string> Exchange(std::string_view request);
  // PeerSerial returns the serial of the server's leaf certificate.
  uint64_t PeerSerial() const;
  // Version returns the negotiated protocol version (e.g. TLS1_3_VERSION).
  int Version() const;
  const std::string& error() const { return error_; }

 private:
  void Reset();
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  std::string error_;
};

}  // namespace cairn::http::testing
