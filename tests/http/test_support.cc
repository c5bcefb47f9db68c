#include "http/test_support.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace cairn::http::testing {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    ERR_print_errors_fp(stderr);
    std::fprintf(stderr, "test PKI failure: %s\n", what);
    std::abort();
  }
}

std::string BioString(BIO* bio) { return ossl::BioToString(bio); }

void AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  Check(ext != nullptr, "X509V3_EXT_conf_nid");
  Check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

}  // namespace

TestKey NewP256Key() {
  TestKey key;
  key.pkey.reset(EVP_EC_gen("P-256"));
  Check(key.pkey != nullptr, "EVP_EC_gen");
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_PrivateKey(bio.get(), key.pkey.get(), nullptr, nullptr, 0, nullptr,
                                 nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  key.pem = BioString(bio.get());
  return key;
}

TestCert IssueCert(const CertSpec& spec, const TestKey& subject_key, const TestCert* issuer,
                   const TestKey& issuer_key) {
  TestCert out;
  out.x509.reset(X509_new());
  X509* cert = out.x509.get();
  Check(X509_set_version(cert, 2) == 1, "X509_set_version");
  Check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), spec.serial) == 1, "serial");
  ossl::UniquePtr<X509_NAME> name(X509_NAME_new());
  Check(X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                   -1, -1, 0) == 1,
        "CN");
  Check(X509_set_subject_name(cert, name.get()) == 1, "subject");
  X509* issuer_cert = issuer != nullptr ? issuer->x509.get() : cert;
  Check(X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert)) == 1, "issuer");
  Check(X509_gmtime_adj(X509_getm_notBefore(cert), spec.not_before_offset.count()) != nullptr,
        "notBefore");
  Check(X509_gmtime_adj(X509_getm_notAfter(cert), spec.not_after_offset.count()) != nullptr,
        "notAfter");
  Check(X509_set_pubkey(cert, subject_key.pkey.get()) == 1, "pubkey");
  AddExt(cert, issuer_cert, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  AddExt(cert, issuer_cert, NID_key_usage,
         spec.is_ca ? "critical,keyCertSign,cRLSign,digitalSignature"
                    : "critical,digitalSignature,keyAgreement");
  AddExt(cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) AddExt(cert, issuer_cert, NID_authority_key_identifier, "keyid");
  if (!spec.eku.empty()) AddExt(cert, issuer_cert, NID_ext_key_usage, spec.eku);
  std::string sans;
  for (const auto& d : spec.dns_names) sans += (sans.empty() ? "" : ",") + ("DNS:" + d);
  for (const auto& ip : spec.ip_addresses) sans += (sans.empty() ? "" : ",") + ("IP:" + ip);
  if (!sans.empty()) AddExt(cert, issuer_cert, NID_subject_alt_name, sans);
  Check(X509_sign(cert, issuer_key.pkey.get(), EVP_sha256()) > 0, "X509_sign");

  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  out.pem = BioString(bio.get());
  int len = i2d_X509(cert, nullptr);
  out.der.resize(static_cast<size_t>(len));
  auto* p = reinterpret_cast<unsigned char*>(out.der.data());
  Check(i2d_X509(cert, &p) == len, "i2d_X509");
  return out;
}

uint64_t SerialOf(X509* cert) {
  uint64_t v = 0;
  if (cert == nullptr || ASN1_INTEGER_get_uint64(&v, X509_get0_serialNumber(cert)) != 1) return 0;
  return v;
}

int ConnectTcp(int port, bool ipv6) {
  int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  int rc;
  if (ipv6) {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(static_cast<uint16_t>(port));
    addr.sin6_addr = in6addr_loopback;
    rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  }
  if (rc != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

namespace {

// ParseComplete returns true when `buf` holds a whole response (headers + Content-Length).
bool ParseComplete(const std::string& buf) {
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string head = buf.substr(0, end);
  size_t length = 0;
  for (size_t pos = 0; pos < head.size();) {
    size_t eol = head.find("\r\n", pos);
    std::string line = head.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (strncasecmp(line.c_str(), "content-length:", 15) == 0) {
      length = std::strtoul(line.c_str() + 15, nullptr, 10);
    }
    if (eol == std::string::npos) break;
    pos = eol + 2;
  }
  return buf.size() >= end + 4 + length;
}

}  // namespace

std::optional<std::string> ReadHttpResponse(int fd) {
  std::string buf;
  char chunk[4096];
  while (!ParseComplete(buf)) {
    ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return std::nullopt;
    buf.append(chunk, static_cast<size_t>(n));
  }
  return buf;
}

bool WaitForClose(int fd, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  char chunk[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    int rc = poll(&p, 1, 50);
    if (rc > 0) {
      ssize_t n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
      if (n == 0) return true;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return true;
    }
  }
  return false;
}

TlsConnection::TlsConnection(TlsConnection&& o) noexcept { *this = std::move(o); }

TlsConnection& TlsConnection::operator=(TlsConnection&& o) noexcept {
  if (this != &o) {
    Reset();
    std::swap(ctx_, o.ctx_);
    std::swap(ssl_, o.ssl_);
    std::swap(fd_, o.fd_);
    error_ = std::move(o.error_);
  }
  return *this;
}

TlsConnection::~TlsConnection() { Reset(); }

void TlsConnection::Reset() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) close(fd_);
  ssl_ = nullptr;
  ctx_ = nullptr;
  fd_ = -1;
}

bool TlsConnection::Connect(int port, const TlsClientOptions& options) {
  Reset();
  auto fail = [this](const std::string& what) {
    char buf[256] = {0};
    unsigned long e = ERR_get_error();
    if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
    error_ = what + ": " + buf;
    ERR_clear_error();
    return false;
  };
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) return fail("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx_, options.min_version);
  SSL_CTX_set_max_proto_version(ctx_, options.max_version);
  if (!options.cipher_list.empty() &&
      SSL_CTX_set_cipher_list(ctx_, options.cipher_list.c_str()) != 1) {
    return fail("cipher list");
  }
  if (!options.ca_pem.empty()) {
    ossl::UniquePtr<BIO> bio = ossl::MemBio(options.ca_pem);
    ossl::UniquePtr<X509> ca(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca.get());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  }
  if (options.client_cert != nullptr) {
    if (SSL_CTX_use_certificate(ctx_, options.client_cert->x509.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx_, options.client_key->pkey.get()) != 1) {
      return fail("client certificate");
    }
    for (const TestCert* extra : options.client_chain) {
      SSL_CTX_add1_chain_cert(ctx_, extra->x509.get());
    }
  }
  fd_ = ConnectTcp(port);
  if (fd_ < 0) return fail("connect");
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) return fail("handshake");
  return true;
}

std::optional<std::string> TlsConnection::Exchange(std::string_view request) {
  if (ssl_ == nullptr) return std::nullopt;
  if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::string buf;
  char chunk[4096];
  while (!ParseComplete(buf)) {
    int n = SSL_read(ssl_, chunk, sizeof(chunk));
    if (n <= 0) {
      ERR_clear_error();
      return std::nullopt;
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
  return buf;
}

uint64_t TlsConnection::PeerSerial() const {
  return ssl_ == nullptr ? 0 : SerialOf(SSL_get0_peer_certificate(ssl_));
}

int TlsConnection::Version() const { return ssl_ == nullptr ? 0 : SSL_version(ssl_); }

}  // namespace cairn::http::testing
