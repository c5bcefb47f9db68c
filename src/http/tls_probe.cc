#include "http/tls_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "crypto/ossl_ptr.h"
#include "http/dns_resolver.h"

namespace cairn::http {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

// Fd closes a socket.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// SigpipeBlock blocks SIGPIPE on this thread while it lives, and swallows one raised meanwhile:
// OpenSSL writes to the socket with write(2), and a peer that closed early must not kill the
// process (the same trick libcurl uses).
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_);
  }
  ~SigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        sigset_t pipe_only;
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        timespec zero{};
        while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t old_{};
  bool was_pending_ = false;
};

int MillisLeft(SteadyTime deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > 1 << 30 ? 1 << 30 : static_cast<int>(left.count());
}

// WaitFor polls `fd` for `events` until the deadline. Returns false on timeout.
bool WaitFor(int fd, short events, SteadyTime deadline) {
  for (;;) {
    int ms = MillisLeft(deadline);
    if (ms == 0) return false;
    pollfd p{fd, events, 0};
    int rc = poll(&p, 1, ms);
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return true;  // let the next I/O call report the error
  }
}

// OsslReasons drains the OpenSSL error queue into "reason; reason".
std::string OsslReasons() {
  std::string out;
  unsigned long err;
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

std::string DerOf(X509* x509) {
  int len = i2d_X509(x509, nullptr);
  if (len <= 0) return {};
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_X509(x509, &p) != len) return {};
  return der;
}

}  // namespace

Result<TlsProbeResult> ProbeTls(const TlsProbeOptions& options) {
  const SteadyTime deadline = std::chrono::steady_clock::now() + options.timeout;
  if (options.port < 1 || options.port > 65535) {
    return InvalidArgumentError("invalid port " + std::to_string(options.port));
  }
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string where;
  {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (inet_pton(AF_INET, options.address.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(static_cast<uint16_t>(options.port));
      addr_len = sizeof(sockaddr_in);
      where = options.address + ":" + std::to_string(options.port);
    } else if (inet_pton(AF_INET6, options.address.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(static_cast<uint16_t>(options.port));
      addr_len = sizeof(sockaddr_in6);
      where = "[" + options.address + "]:" + std::to_string(options.port);
    } else {
      return InvalidArgumentError("\"" + options.address + "\" is not an IP address");
    }
  }
  if (!options.sni.empty()) {
    if (Status s = ValidateDnsName(options.sni); !s.ok()) {
      return InvalidArgumentError("invalid SNI \"" + options.sni + "\": " + s.message());
    }
    in_addr ignored{};
    if (inet_pton(AF_INET, options.sni.c_str(), &ignored) == 1) {
      return InvalidArgumentError("invalid SNI \"" + options.sni + "\": an IP address");
    }
  }
  std::string alpn_wire;
  for (const std::string& proto : options.alpn) {
    if (proto.empty() || proto.size() > 255) {
      return InvalidArgumentError("invalid ALPN protocol name");
    }
    alpn_wire.push_back(static_cast<char>(proto.size()));
    alpn_wire += proto;
  }
  if (options.timeout <= Duration::zero()) {
    return DeadlineExceededError("timeout connecting to " + where);
  }

  // TCP connect, non-blocking, bounded by the deadline.
  Fd sock(socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (sock.fd < 0) return InternalError(std::string("socket: ") + std::strerror(errno));
  if (connect(sock.fd, reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0) {
    if (errno != EINPROGRESS) {
      int e = errno;
      if (e == ECONNREFUSED) return UnavailableError("connection refused connecting to " + where);
      return UnavailableError("error connecting to " + where + ": " + std::strerror(e));
    }
    if (!WaitFor(sock.fd, POLLOUT, deadline)) {
      return DeadlineExceededError("timeout connecting to " + where);
    }
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == ECONNREFUSED) return UnavailableError("connection refused connecting to " + where);
    if (err != 0) {
      return UnavailableError("error connecting to " + where + ": " + std::strerror(err));
    }
  }

  // TLS client: 1.2 minimum, no verification (the caller judges the certificate).
  ERR_clear_error();
  ossl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return ossl::ErrorStatus("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SslPtr ssl(SSL_new(ctx.get()));
  if (!ssl) return ossl::ErrorStatus("SSL_new");
  if (SSL_set_fd(ssl.get(), sock.fd) != 1) return ossl::ErrorStatus("SSL_set_fd");
  if (!options.sni.empty() && SSL_set_tlsext_host_name(ssl.get(), options.sni.c_str()) != 1) {
    return ossl::ErrorStatus("SSL_set_tlsext_host_name");
  }
  // SSL_set_alpn_protos returns 0 on success.
  if (!alpn_wire.empty() &&
      SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(alpn_wire.data()),
                          static_cast<unsigned int>(alpn_wire.size())) != 0) {
    return ossl::ErrorStatus("SSL_set_alpn_protos");
  }

  SigpipeBlock no_sigpipe;
  for (;;) {
    errno = 0;
    int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    int err = SSL_get_error(ssl.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!WaitFor(sock.fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        ERR_clear_error();
        return DeadlineExceededError("timeout during the TLS handshake with " + where);
      }
      continue;
    }
    int saved_errno = errno;
    std::string reasons = OsslReasons();
    if (err == SSL_ERROR_SYSCALL && reasons.empty()) {
      reasons = saved_errno != 0 ? std::strerror(saved_errno) : "connection closed by the server";
    }
    if (reasons.empty()) reasons = "handshake failed";
    return UnavailableError("TLS handshake with " + where + " failed: " + reasons);
  }

  TlsProbeResult result;
  const unsigned char* proto = nullptr;
  unsigned int proto_len = 0;
  SSL_get0_alpn_selected(ssl.get(), &proto, &proto_len);
  if (proto != nullptr) result.alpn.assign(reinterpret_cast<const char*>(proto), proto_len);
  result.version = SSL_get_version(ssl.get());
  ossl::UniquePtr<X509> leaf(SSL_get1_peer_certificate(ssl.get()));
  if (!leaf) {
    ERR_clear_error();
    return UnavailableError("the TLS server at " + where + " sent no certificate");
  }
  result.leaf_der = DerOf(leaf.get());
  if (result.leaf_der.empty()) return ossl::ErrorStatus("i2d_X509");
  // On the client side the chain includes the leaf.
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get()); chain != nullptr) {
    for (int i = 0; i < sk_X509_num(chain) && result.chain_der.size() < kMaxProbeChain; ++i) {
      std::string der = DerOf(sk_X509_value(chain, i));
      if (!der.empty()) result.chain_der.push_back(std::move(der));
    }
  }
  if (result.chain_der.empty()) result.chain_der.push_back(result.leaf_der);

  // A polite close_notify, without waiting for the peer's.
  SSL_shutdown(ssl.get());
  ERR_clear_error();
  return result;
}

}  // namespace cairn::http
