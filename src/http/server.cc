#include "http/server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "base/strings.h"
#include "crypto/ossl_ptr.h"
#include "crypto/random.h"
#include "http/uuid.h"

namespace cairn::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;
using SteadyTime = std::chrono::steady_clock::time_point;

// TLS 1.2 suites allowed (step-ca's defaults, plus the RSA and AES-256 variants so RSA server
// keys work): forward secrecy and AEAD only. TLS 1.3 suites are OpenSSL's defaults (all AEAD).
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// Key exchange groups (TLS 1.2 ECDHE and TLS 1.3), Go's and so step-ca's: elliptic curves only.
// OpenSSL's default list adds the TLS 1.3 finite-field groups up to ffdhe8192, with which a
// client could make the server spend a large modular exponentiation per handshake (the
// "DHEat" denial of service, CVE-2002-20001).
constexpr char kKeyExchangeGroups[] = "X25519:P-256:P-384:P-521";
constexpr unsigned char kSessionIdContext[] = "cairn-https";
// Reading into an empty buffer while waiting for a request uses chunks of this size.
constexpr size_t kReadChunk = 16 << 10;
// Bounds of the best-effort close: sending close_notify, then draining unread request bytes
// after an error response so the kernel does not answer them with a RST that would destroy the
// response in flight (Go's net/http does the same, "rstAvoidanceDelay").
constexpr auto kCloseNotifyTimeout = std::chrono::seconds(2);
constexpr auto kLingerTimeout = std::chrono::milliseconds(500);
constexpr size_t kLingerMaxBytes = 4 << 20;
constexpr int kMaxClientChainDepth = 10;
// The read buffer holds the request line and headers (bounded by max_header_bytes) plus what
// arrives with them: at most this much more.
constexpr size_t kReadBufferSlack = 64 << 10;
// Pressure: from kPressureNum/kPressureDen of the connection cap on, new waits for a request
// get 1/kPressureDivisor of their timeout.
constexpr int kPressureNum = 3;
constexpr int kPressureDen = 4;
constexpr int kPressureDivisor = 4;
// Descriptors left to the rest of the process (store, logs, outgoing HTTP, other listeners)
// when max_connections is lowered to the open-file limit: the larger of these.
constexpr rlim_t kFdReserveMin = 64;
constexpr rlim_t kFdReserveFraction = 8;  // 1/8 of the limit
// Accept failures (EMFILE, ENFILE, ENOBUFS, ...) back off from kAcceptBackoffMin, doubling up
// to kAcceptBackoffMax; after an eviction freed a descriptor the retry is immediate-ish.
constexpr auto kAcceptBackoffMin = std::chrono::milliseconds(5);
constexpr auto kAcceptBackoffMax = std::chrono::seconds(1);
constexpr auto kAcceptErrorLogInterval = std::chrono::seconds(10);

std::string ToStd(beast::string_view s) { return std::string(s.data(), s.size()); }

// --- TLS context -------------------------------------------------------------------------

int NoPassword(char*, int, int, void*) { return -1; }

Result<std::vector<ossl::UniquePtr<X509>>> ParseCertificatesPem(std::string_view pem,
                                                                std::string_view what) {
  std::vector<ossl::UniquePtr<X509>> out;
  ossl::UniquePtr<BIO> bio = ossl::MemBio(pem);
  while (true) {
    ossl::UniquePtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr));
    if (!cert) {
      unsigned long err = ERR_peek_last_error();
      if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE &&
          !out.empty()) {
        ossl::ClearErrors();
        break;
      }
      return ossl::ErrorStatus(std::string(what) + ": no valid PEM certificate",
                               StatusCode::kInvalidArgument);
    }
    out.push_back(std::move(cert));
  }
  return out;
}

// SelectHttp11 is the ALPN callback: it selects "http/1.1" when the client offers it and
// otherwise negotiates no protocol (the client then speaks HTTP/1.1 by default).
int SelectHttp11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                 unsigned int inlen, void*) {
  static constexpr std::string_view kHttp11 = "http/1.1";
  unsigned int i = 0;
  while (i < inlen) {
    unsigned int len = in[i];
    if (i + 1 + len > inlen) break;
    if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == kHttp11) {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// WarmCertificateCache makes OpenSSL decode and cache a certificate's extensions now, while
// the context is private to one thread. OpenSSL does it lazily on first use otherwise, and the
// first concurrent handshakes that verify against the same pool certificate would race on it.
void WarmCertificateCache(X509* cert) { X509_check_purpose(cert, -1, 0); }

Result<std::shared_ptr<ssl::context>> BuildTlsContext(std::string_view chain_pem,
                                                      std::string_view key_pem,
                                                      const std::vector<std::string>& ca_pems) {
  ossl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return ossl::ErrorStatus("SSL_CTX_new");
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION) != 1) {
    return ossl::ErrorStatus("SSL_CTX_set_proto_version");
  }
  SSL_CTX_set_options(
      ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An idle connection (waiting for its next request) gives its record buffers back.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx.get(), kTls12Ciphers) != 1) {
    return ossl::ErrorStatus("SSL_CTX_set_cipher_list");
  }
  if (SSL_CTX_set1_groups_list(ctx.get(), kKeyExchangeGroups) != 1) {
    return ossl::ErrorStatus("SSL_CTX_set1_groups_list");
  }
  if (SSL_CTX_set_session_id_context(ctx.get(), kSessionIdContext, sizeof(kSessionIdContext) - 1) !=
      1) {
    return ossl::ErrorStatus("SSL_CTX_set_session_id_context");
  }
  SSL_CTX_set_alpn_select_cb(ctx.get(), SelectHttp11, nullptr);

  // Server certificate chain and key.
  CAIRN_ASSIGN_OR_RETURN(auto chain, ParseCertificatesPem(chain_pem, "server certificate chain"));
  for (auto& cert : chain) WarmCertificateCache(cert.get());
  if (SSL_CTX_use_certificate(ctx.get(), chain[0].get()) != 1) {
    return ossl::ErrorStatus("server certificate", StatusCode::kInvalidArgument);
  }
  for (size_t i = 1; i < chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx.get(), chain[i].get()) != 1) {
      return ossl::ErrorStatus("server chain certificate", StatusCode::kInvalidArgument);
    }
  }
  ossl::UniquePtr<BIO> key_bio = ossl::MemBio(key_pem);
  ossl::UniquePtr<EVP_PKEY> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassword, nullptr));
  if (!key) {
    return ossl::ErrorStatus("server private key (PEM, unencrypted)", StatusCode::kInvalidArgument);
  }
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    return ossl::ErrorStatus("server private key does not match the certificate",
                             StatusCode::kInvalidArgument);
  }

  // Client certificates: "verify if given" against the pool. Without a pool none is requested.
  size_t pool_size = 0;
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
  for (const std::string& pem : ca_pems) {
    CAIRN_ASSIGN_OR_RETURN(auto certs, ParseCertificatesPem(pem, "client CA"));
    for (auto& cert : certs) {
      WarmCertificateCache(cert.get());
      if (X509_STORE_add_cert(store, cert.get()) != 1) {
        // A duplicate in the pool is harmless.
        ossl::ClearErrors();
        continue;
      }
      if (SSL_CTX_add_client_CA(ctx.get(), cert.get()) != 1) ossl::ClearErrors();
      ++pool_size;
    }
  }
  if (pool_size > 0) {
    // Like Go's CertPool, any certificate of the pool is a trust anchor, intermediates too.
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    SSL_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
    // SSL_VERIFY_PEER without SSL_VERIFY_FAIL_IF_NO_PEER_CERT and without a callback: no
    // certificate is fine; a presented one that does not verify aborts the handshake.
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_verify_depth(ctx.get(), kMaxClientChainDepth);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  // asio's context takes ownership of the SSL_CTX (it frees it in its destructor).
  return std::make_shared<ssl::context>(ctx.release());
}

std::string CertDer(X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) return {};
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_X509(cert, &p) != len) return {};
  return der;
}

// VerifiedPeerChain returns the client's chain as presented (leaf first, DER) when the
// handshake verified it, else nothing.
std::vector<std::string> VerifiedPeerChain(SSL* ssl) {
  std::vector<std::string> out;
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return out;
  out.push_back(CertDer(leaf));
  // On the server side OpenSSL's peer chain omits the leaf; skip it anyway if present.
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    X509* cert = sk_X509_value(chain, i);
    if (i == 0 && X509_cmp(cert, leaf) == 0) continue;
    out.push_back(CertDer(cert));
  }
  return out;
}

// --- helpers -----------------------------------------------------------------------------

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// ValidHeader rejects names that are not RFC 9110 tokens and values with CR, LF or NUL, so a
// handler echoing client data cannot inject headers.
bool ValidHeader(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) return false;
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// ServerManagedHeader is true for the framing headers the server owns.
bool ServerManagedHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection");
}

struct ParsedAddress {
  std::string host;  // without brackets; empty = all interfaces
  uint16_t port = 0;
};

Result<ParsedAddress> SplitHostPort(std::string_view address) {
  ParsedAddress out;
  std::string_view port;
  if (address.starts_with("[")) {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return InvalidArgumentError("address \"" + std::string(address) + "\": expected [ipv6]:port");
    }
    out.host = std::string(address.substr(1, close - 1));
    port = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) {
      return InvalidArgumentError("address \"" + std::string(address) + "\": missing port");
    }
    out.host = std::string(address.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      return InvalidArgumentError("address \"" + std::string(address) +
                                  "\": IPv6 hosts must be bracketed");
    }
    port = address.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgumentError("address \"" + std::string(address) + "\": bad port");
  }
  unsigned long p = std::stoul(std::string(port));
  if (p > 65535) return InvalidArgumentError("address \"" + std::string(address) + "\": bad port");
  out.port = static_cast<uint16_t>(p);
  return out;
}

net::ip::address Unmap(const net::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6());
  }
  return a;
}

// MethodLabel bounds the method label of the request metrics: a client may send any token.
std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",    "HEAD",    "POST", "PUT",
                                                "DELETE", "OPTIONS", "PATCH"};
  for (std::string_view m : kKnown) {
    if (m == method) return m;
  }
  return "other";
}

void RecordMetrics(const ServerMetrics& m, const Request& req, int status, Duration elapsed) {
  if (m.requests) {
    char code[8];
    auto r = std::to_chars(code, code + sizeof code, status);
    m.requests->With({MethodLabel(req.method), req.route, std::string_view(code, r.ptr)}).Inc();
  }
  if (m.request_seconds) {
    m.request_seconds->With({req.route}).Observe(std::chrono::duration<double>(elapsed).count());
  }
}

class ServerImpl;

// Phase is where a connection is, for the choice of which one yields at the cap.
enum class Phase : uint8_t {
  kOpening,  // TLS handshake, or waiting for the first request's first byte
  kReading,  // a request is arriving (headers or body not complete)
  kIdle,     // keep-alive: waiting for the next request's first byte
  kServing,  // a complete request is being handled or its response written
  kClosing,  // being closed
};

// SessionBase is the type-erased connection the server tracks.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Run starts serving; call once, after the session is owned by a shared_ptr.
  virtual void Run() = 0;
  // RequestStop asks the session to close once it is idle. Thread-safe.
  virtual void RequestStop() = 0;
  // Evict closes the connection now when it is opening, reading or idle, and after its
  // response when a request is being served. Thread-safe.
  virtual void Evict() = 0;

  // phase and since (steady_clock ticks of entering it) are written on the session's strand
  // and read by the acceptor when it picks a connection to evict.
  Phase phase() const { return phase_.load(std::memory_order_relaxed); }
  int64_t since() const { return since_.load(std::memory_order_relaxed); }

 protected:
  void SetPhase(Phase p) {
    phase_.store(p, std::memory_order_relaxed);
    since_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                 std::memory_order_relaxed);
  }

 private:
  std::atomic<Phase> phase_{Phase::kOpening};
  std::atomic<int64_t> since_{std::chrono::steady_clock::now().time_since_epoch().count()};
};

// --- server ------------------------------------------------------------------------------

class ServerImpl final : public Server {
 public:
  ServerImpl(ServerOptions options, const Router& router)
      : options_(std::move(options)), router_(router) {
    random_ = options_.random != nullptr ? options_.random : &crypto::OsslRandom::Default();
  }
  ~ServerImpl() override { Stop(Duration::zero()); }

  Status SetTlsCredentials(std::string chain_pem, std::string key_pem,
                           std::vector<std::string> client_ca_pems) override {
    CAIRN_ASSIGN_OR_RETURN(auto ctx, BuildTlsContext(chain_pem, key_pem, client_ca_pems));
    std::lock_guard<std::mutex> lock(ctx_mu_);
    tls_ctx_ = std::move(ctx);
    return Status::Ok();
  }

  Status Start() override;
  int port() const override { return port_.load(); }
  void Stop(Duration grace) override;
  uint64_t connections_accepted() const override { return accepted_.load(); }
  int active_connections() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(sessions_.size());
  }
  uint64_t connections_evicted() const override { return evicted_.load(); }
  uint64_t connections_refused() const override { return refused_.load(); }

  // Used by sessions.
  const ServerOptions& options() const { return options_; }
  const Router& router() const { return router_; }
  Random& random() { return *random_; }
  bool stopping() const { return stopping_.load(); }
  // UnderPressure is true from kPressureNum/kPressureDen of the connection cap on.
  bool UnderPressure() const {
    return static_cast<int64_t>(live_.load(std::memory_order_relaxed)) * kPressureDen >=
           static_cast<int64_t>(max_connections_) * kPressureNum;
  }
  // RequestWait is how long a connection may wait for a request: `base` (read_timeout for a
  // new connection, idle_timeout between requests), cut under pressure.
  Duration RequestWait(Duration base) const {
    return UnderPressure() ? base / kPressureDivisor : base;
  }
  void Unregister(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    if (!it->second.evicted) live_.fetch_sub(1, std::memory_order_relaxed);
    sessions_.erase(it);
    if (sessions_.empty()) drained_.notify_all();
  }
  void LogError(std::string_view msg, const nlohmann::json& fields) {
    if (options_.logger != nullptr) options_.logger->Error(msg, fields);
  }
  void LogDebug(std::string_view msg, const nlohmann::json& fields) {
    if (options_.logger != nullptr) options_.logger->Debug(msg, fields);
  }

 private:
  Status Listen();
  void DoAccept();
  void OnAccept(ErrorCode ec, tcp::socket socket);
  void OnAcceptError(ErrorCode ec);
  // PickVictimLocked chooses the connection to close for a new one: the idle keep-alive
  // connection idle the longest, else the oldest among those without a complete request
  // (opening or reading). It marks it evicted (no longer counted against the cap) and returns
  // it; null when every connection is serving or closing. Requires mu_.
  std::shared_ptr<SessionBase> PickVictimLocked();
  // EvictOne evicts PickVictimLocked's choice; false when there is none.
  bool EvictOne(std::string_view why);
  // LowerCapToFileLimit sets max_connections_ from the options and RLIMIT_NOFILE.
  void LowerCapToFileLimit();

  const ServerOptions options_;
  const Router& router_;
  Random* random_;

  std::mutex ctx_mu_;
  std::shared_ptr<ssl::context> tls_ctx_;  // guarded by ctx_mu_

  // Slot is a tracked connection: the session and whether it was evicted (then it no longer
  // counts against the cap).
  struct Slot {
    std::weak_ptr<SessionBase> session;
    SessionBase* raw = nullptr;  // valid while the slot exists (see PickVictimLocked)
    bool evicted = false;
  };
  mutable std::mutex mu_;
  std::condition_variable drained_;
  std::unordered_map<uint64_t, Slot> sessions_;  // guarded by mu_
  // live_ counts the sessions not evicted (written under mu_, read anywhere).
  std::atomic<int> live_{0};
  int max_connections_ = 0;  // effective cap, set by Start

  std::mutex lifecycle_mu_;  // serializes Start and Stop
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<int> port_{0};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> evicted_{0};
  std::atomic<uint64_t> refused_{0};
  // Used on the acceptor's strand only:
  uint64_t next_id_ = 0;
  Duration accept_backoff_{};
  SteadyTime last_accept_error_log_{};
  uint64_t accept_errors_unlogged_ = 0;

  // Destruction order matters: the acceptor and timer must go before the io_context.
  std::unique_ptr<net::io_context> ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<net::steady_timer> accept_retry_;
  std::vector<std::thread> threads_;
};

// Session serves one connection: an optional TLS handshake, then requests one at a time
// (HTTP/1.1 keep-alive, no pipelining in parallel). All its work runs on its strand.
template <bool kTls>
class Session final : public SessionBase {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  Session(ServerImpl& server, tcp::socket&& socket, uint64_t id, std::string remote,
          std::shared_ptr<ssl::context> ctx)
      : server_(server),
        ctx_(std::move(ctx)),
        stream_(MakeStream(std::move(socket), ctx_.get())),
        id_(id),
        remote_(std::move(remote)),
        buffer_(server.options().max_header_bytes + kReadBufferSlack) {}

  ~Session() override { server_.Unregister(id_); }

  void Run() override {
    net::dispatch(stream_.get_executor(), [self = Self()] { self->Begin(); });
  }

  void RequestStop() override {
    net::post(stream_.get_executor(), [self = Self()] {
      self->stop_requested_ = true;
      // An idle connection (waiting for a request) is closed now; a busy one after its
      // response.
      if (!self->busy_ && !self->closed_) self->Lowest().cancel();
    });
  }

  void Evict() override {
    net::post(stream_.get_executor(), [self = Self()] {
      self->evicted_ = true;  // a request being served is answered, then the connection closes
      if (self->closed_) return;
      Phase p = self->phase();
      if (p == Phase::kOpening || p == Phase::kReading || p == Phase::kIdle) {
        self->server_.LogDebug("connection evicted",
                               {{"remote-address", self->remote_}, {"connection-id", self->id_}});
        self->CloseSocket();
      }
    });
  }

 private:
  static Stream MakeStream(tcp::socket&& socket, ssl::context* ctx) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *ctx);
    } else {
      (void)ctx;
      return Stream(std::move(socket));
    }
  }

  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }
  const ServerOptions& opts() const { return server_.options(); }

  void Begin() {
    if (server_.stopping()) {  // accepted while Stop was taking its snapshot of sessions
      CloseSocket();
      return;
    }
    // One deadline for the handshake and the first request's first byte.
    open_deadline_ = std::chrono::steady_clock::now() + server_.RequestWait(opts().read_timeout);
    if constexpr (kTls) {
      Lowest().expires_at(open_deadline_);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = Self()](ErrorCode ec) { self->OnHandshake(ec); });
    } else {
      WaitForRequest();
    }
  }

  void OnHandshake(ErrorCode ec) {
    if (ec) {
      if (evicted_) {
        CloseSocket();
        return;
      }
      if (opts().metrics && opts().metrics->tls_handshake_failures) {
        opts().metrics->tls_handshake_failures->Inc();
      }
      server_.LogDebug("tls handshake failed",
                       {{"remote-address", remote_}, {"error", ec.message()}});
      CloseSocket();
      return;
    }
    if constexpr (kTls) {
      handshake_done_ = true;
      peer_chain_ = VerifiedPeerChain(stream_.native_handle());
    }
    WaitForRequest();
  }

  // WaitForRequest waits for the first byte of the next request, bounded by the opening
  // deadline for a new connection and by idle_timeout between keep-alive requests.
  void WaitForRequest() {
    busy_ = false;
    if (stop_requested_ || evicted_ || server_.stopping()) {
      Close(/*linger=*/false);
      return;
    }
    if (buffer_.size() > 0) {  // pipelined bytes already read
      ReadHeader();
      return;
    }
    if (first_request_) {
      Lowest().expires_at(open_deadline_);
    } else {
      SetPhase(Phase::kIdle);
      Lowest().expires_after(server_.RequestWait(opts().idle_timeout));
    }
    stream_.async_read_some(buffer_.prepare(kReadChunk), [self = Self()](ErrorCode ec, size_t n) {
      if (ec) {
        self->CloseSocket();
        return;
      }
      self->buffer_.commit(n);
      self->ReadHeader();
    });
  }

  void ReadHeader() {
    SetPhase(Phase::kReading);
    busy_ = true;
    first_request_ = false;
    request_start_ = std::chrono::steady_clock::now();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(
        std::min<size_t>(opts().max_header_bytes, std::numeric_limits<uint32_t>::max())));
    parser_->body_limit(opts().max_body_bytes);
    // One deadline for headers and body together.
    Lowest().expires_after(opts().read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = Self()](ErrorCode ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(ErrorCode ec) {
    if (ec) {
      OnReadError(ec);
      return;
    }
    auto& msg = parser_->get();
    if (!parser_->is_done() && EqualsIgnoreCase(ToStd(msg[bhttp::field::expect]), "100-continue")) {
      // RFC 9110 §10.1.1: tell the client to send the body (the limits passed already).
      continue_.emplace(bhttp::status::continue_, msg.version());
      bhttp::async_write(stream_, *continue_, [self = Self()](ErrorCode wec, size_t) {
        if (wec) {
          self->CloseSocket();
          return;
        }
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_, [self = Self()](ErrorCode ec, size_t) {
      if (ec) {
        self->OnReadError(ec);
        return;
      }
      self->HandleRequest();
    });
  }

  void OnReadError(ErrorCode ec) {
    if (ec == bhttp::error::body_limit) {
      RespondError(413);
    } else if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      RespondError(431);
    } else if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
               ec == beast::error::timeout) {
      CloseSocket();
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      RespondError(400);
    } else {
      CloseSocket();  // transport error: reset, TLS failure, cancellation
    }
  }

  // FillRequestHead copies what the parser has of the request line and header fields.
  void FillRequestHead(const bhttp::request<bhttp::string_body>& msg, Request& req) {
    req.method = ToStd(msg.method_string());
    req.target = ToStd(msg.target());
    req.version = msg.version() == 10 ? 10 : 11;
    for (const auto& field : msg) {
      req.headers.Add(ToStd(field.name_string()), ToStd(field.value()));
    }
    req.host = std::string(req.headers.Get("Host"));
    req.remote_address = remote_;
    req.tls = kTls;
    req.peer_chain_der = peer_chain_;
    req.connection_id = id_;
    std::string_view id = req.headers.Get(opts().request_id_header);
    if (id.empty()) id = req.headers.Get(opts().legacy_trace_header);
    req.request_id = id.empty() ? NewUuidV4(server_.random()) : std::string(id);
  }

  void HandleRequest() {
    SetPhase(Phase::kServing);
    bhttp::request<bhttp::string_body> msg = parser_->release();
    parser_.reset();
    // The request and response live in the session until the response is written: an
    // asynchronous handler answers later, from another thread.
    req_ = std::make_unique<Request>();
    resp_ = std::make_unique<Response>();
    keep_alive_ = msg.keep_alive();
    Request& req = *req_;
    Response& resp = *resp_;
    FillRequestHead(msg, req);
    req.body = std::move(msg.body());
    auto target = ParseRequestTarget(req.target);
    const size_t hosts = req.headers.Count("Host");  // req.host is the first one, or ""
    if (!target.ok() || (req.version == 11 && hosts == 0) || hosts > 1 ||
        !ValidHostHeader(req.host)) {
      // A malformed target, an HTTP/1.1 request without Host, several Host fields (RFC 9112
      // §3.2), or a Host no URL may be built from: Go's server answers 400 to each, for every
      // route, so step-ca's handlers never see them.
      RenderError(400, resp);
      Finish(req, resp, /*keep_alive=*/false);
      return;
    }
    req.path = std::move(target->path);
    req.query = std::move(target->query);
    auto completed = std::make_shared<std::atomic<bool>>(false);
    std::string failure;
    try {
      server_.router().ServeAsync(
          req, resp, [self = Self(), completed](std::function<void(Response&)> fill) {
            if (completed->exchange(true)) return;  // exactly once, whatever the handler does
            net::post(self->stream_.get_executor(),
                      [self, fill = std::move(fill)] { self->OnHandled(fill); });
          });
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "unknown exception";
    }
    if (!failure.empty()) {
      server_.LogError("handler threw",
                       {{"request-id", req.request_id}, {"path", req.path}, {"error", failure}});
      if (completed->exchange(true)) return;  // it answered before throwing
      Fail(failure);
      Finish(req, resp, keep_alive_);
    }
  }

  // OnHandled runs on the connection's strand once the handler has completed: it fills the
  // response (for asynchronous handlers) and writes it.
  void OnHandled(const std::function<void(Response&)>& fill) {
    if (fill) {
      try {
        fill(*resp_);
      } catch (const std::exception& e) {
        Fail(e.what());
      } catch (...) {
        Fail("unknown exception");
      }
    }
    Finish(*req_, *resp_, keep_alive_);
  }

  // Fail turns the response into a 500, keeping the log fields the handler set (provisioner,
  // ...).
  void Fail(const std::string& failure) {
    Response& resp = *resp_;
    nlohmann::json fields = std::move(resp.log_fields);
    resp = Response();
    if (fields.is_object()) resp.log_fields = std::move(fields);
    resp.log_fields["error"] = failure;
    RenderError(500, resp);
  }

  // RenderError renders through the router's renderer; a renderer that throws falls back to
  // plain text (an exception must never escape onto an I/O thread).
  void RenderError(int status, Response& resp) {
    try {
      server_.router().RenderError(status, resp);
    } catch (const std::exception& e) {
      server_.LogError("error renderer threw", {{"status", status}, {"error", e.what()}});
      resp.headers.clear();
      resp.SetBody(status, "text/plain; charset=utf-8",
                   std::to_string(status) + " " + std::string(StatusText(status)) + "\n");
    }
  }

  // RespondError answers a request the transport rejects (malformed, too large) and closes.
  void RespondError(int status) {
    SetPhase(Phase::kServing);
    Request req;
    if (parser_) FillRequestHead(parser_->get(), req);
    parser_.reset();
    Response resp;
    RenderError(status, resp);
    Finish(req, resp, /*keep_alive=*/false, /*linger=*/true);
  }

  void Finish(Request& req, Response& resp, bool keep_alive, bool linger = false) {
    Duration elapsed = std::chrono::steady_clock::now() - request_start_;
    if (resp.status < 100 || resp.status > 999) resp.status = 500;
    resp.SetHeader("X-Request-Id", req.request_id);
    keep_alive = keep_alive && !stop_requested_ && !evicted_ && !server_.stopping();
    if (opts().metrics) RecordMetrics(*opts().metrics, req, resp.status, elapsed);
    if (opts().access_log) {
      try {
        opts().access_log(req, resp, elapsed);
      } catch (...) {
        // The access log must not take the connection down.
      }
    }

    res_.emplace();
    res_->version(req.version == 10 ? 10 : 11);
    res_->result(static_cast<unsigned>(resp.status));
    bool has_date = false, has_type = false;
    for (auto& [name, value] : resp.headers) {
      if (!ValidHeader(name, value) || ServerManagedHeader(name)) continue;
      has_date = has_date || EqualsIgnoreCase(name, "Date");
      has_type = has_type || EqualsIgnoreCase(name, "Content-Type");
      res_->insert(name, value);
    }
    if (!has_date) res_->set(bhttp::field::date, HttpDate(std::chrono::system_clock::now()));
    const bool no_body = resp.status < 200 || resp.status == 204 || resp.status == 304;
    if (!no_body) {
      if (!has_type && !resp.body.empty()) {
        res_->set(bhttp::field::content_type, "text/plain; charset=utf-8");
      }
      res_->content_length(resp.body.size());
      // RFC 9110 §9.3.2: HEAD gets the headers of the GET, without the content.
      if (req.method != "HEAD") res_->body() = std::move(resp.body);
    }
    res_->keep_alive(keep_alive);

    Lowest().expires_after(opts().write_timeout);
    bhttp::async_write(stream_, *res_, [self = Self(), keep_alive, linger](ErrorCode ec, size_t) {
      self->res_.reset();
      if (ec) {
        self->CloseSocket();
      } else if (!keep_alive) {
        self->Close(linger);
      } else {
        self->WaitForRequest();
      }
    });
  }

  // Close ends the connection: close_notify on TLS, then (with `linger`) a half-close that
  // drains what the client still sends for a short while, then the socket close.
  void Close(bool linger) {
    if (closed_) return;
    SetPhase(Phase::kClosing);
    if constexpr (kTls) {
      if (handshake_done_) {
        // Mark the peer's close_notify as received so SSL_shutdown returns once ours is sent,
        // instead of waiting for the client's reply.
        SSL_set_shutdown(stream_.native_handle(), SSL_RECEIVED_SHUTDOWN);
        Lowest().expires_after(kCloseNotifyTimeout);
        stream_.async_shutdown([self = Self(), linger](ErrorCode ec) {
          if (ec || !linger) {
            self->CloseSocket();
          } else {
            self->Linger();
          }
        });
        return;
      }
    }
    if (linger) {
      Linger();
    } else {
      CloseSocket();
    }
  }

  void Linger() {
    ErrorCode ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      CloseSocket();
      return;
    }
    linger_deadline_ = std::chrono::steady_clock::now() + kLingerTimeout;
    Drain();
  }

  void Drain() {
    auto now = std::chrono::steady_clock::now();
    if (now >= linger_deadline_ || drained_bytes_ >= kLingerMaxBytes) {
      CloseSocket();
      return;
    }
    Lowest().expires_at(linger_deadline_);
    drain_buf_.resize(kReadChunk);
    Lowest().async_read_some(net::buffer(drain_buf_), [self = Self()](ErrorCode ec, size_t n) {
      if (ec) {
        self->CloseSocket();
        return;
      }
      self->drained_bytes_ += n;
      self->Drain();
    });
  }

  void CloseSocket() {
    if (!closed_) SetPhase(Phase::kClosing);
    closed_ = true;
    ErrorCode ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    Lowest().close();
  }

  ServerImpl& server_;
  std::shared_ptr<ssl::context> ctx_;  // keeps the credentials of this connection alive
  Stream stream_;
  const uint64_t id_;
  const std::string remote_;
  std::vector<std::string> peer_chain_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> res_;
  std::unique_ptr<Request> req_;    // the request being served
  std::unique_ptr<Response> resp_;  // its response, filled by the handler
  bool keep_alive_ = false;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::string drain_buf_;
  size_t drained_bytes_ = 0;
  SteadyTime linger_deadline_{};
  SteadyTime request_start_{};
  SteadyTime open_deadline_{};
  bool handshake_done_ = false;
  bool first_request_ = true;
  bool busy_ = false;
  bool stop_requested_ = false;
  bool evicted_ = false;
  bool closed_ = false;
};

Status ServerImpl::Start() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (started_) return FailedPreconditionError("server already started");
  if (options_.tls) {
    std::lock_guard<std::mutex> lock(ctx_mu_);
    if (!tls_ctx_) return FailedPreconditionError("TLS server started without credentials");
  }
  int threads = options_.threads;
  if (threads <= 0) {
    threads = std::max(4, 4 * static_cast<int>(std::thread::hardware_concurrency()));
  }
  ioc_ = std::make_unique<net::io_context>(threads);
  work_.emplace(ioc_->get_executor());
  Status listening = Listen();
  if (!listening.ok()) {
    acceptor_.reset();
    work_.reset();
    ioc_.reset();
    return listening;
  }
  accept_retry_.emplace(acceptor_->get_executor());
  LowerCapToFileLimit();
  started_ = true;
  DoAccept();
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      // Sessions catch handler exceptions; anything escaping here is a bug in the server
      // itself. Log it and keep the thread serving.
      while (true) {
        try {
          ioc_->run();
          return;
        } catch (const std::exception& e) {
          LogError("I/O thread caught an exception", {{"error", e.what()}});
        }
      }
    });
  }
  return Status::Ok();
}

Status ServerImpl::Listen() {
  CAIRN_ASSIGN_OR_RETURN(ParsedAddress addr, SplitHostPort(options_.address));
  std::vector<tcp::endpoint> candidates;
  ErrorCode ec;
  if (addr.host.empty()) {
    candidates.emplace_back(tcp::v6(), addr.port);  // dual-stack when IPv6 exists
    candidates.emplace_back(tcp::v4(), addr.port);
  } else if (EqualsIgnoreCase(addr.host, "localhost")) {
    candidates.emplace_back(net::ip::address_v4::loopback(), addr.port);
  } else {
    net::ip::address ip = net::ip::make_address(addr.host, ec);
    if (!ec) {
      candidates.emplace_back(ip, addr.port);
    } else {
      tcp::resolver resolver(*ioc_);
      auto results = resolver.resolve(addr.host, std::to_string(addr.port), ec);
      if (ec || results.empty()) {
        return InvalidArgumentError("address \"" + options_.address +
                                    "\": cannot resolve host: " + ec.message());
      }
      candidates.push_back(results.begin()->endpoint());
    }
  }
  std::string last_error;
  for (const tcp::endpoint& ep : candidates) {
    tcp::acceptor acceptor(net::make_strand(*ioc_));
    if (acceptor.open(ep.protocol(), ec)) {
      last_error = "open: " + ec.message();
      continue;
    }
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (addr.host.empty() && ep.address().is_v6()) {
      acceptor.set_option(net::ip::v6_only(false), ec);
    }
    if (acceptor.bind(ep, ec)) {
      last_error = "bind: " + ec.message();
      continue;
    }
    if (acceptor.listen(net::socket_base::max_listen_connections, ec)) {
      last_error = "listen: " + ec.message();
      continue;
    }
    port_ = acceptor.local_endpoint(ec).port();
    acceptor_.emplace(std::move(acceptor));
    return Status::Ok();
  }
  return UnavailableError("listen on " + options_.address + ": " + last_error);
}

void ServerImpl::DoAccept() {
  acceptor_->async_accept(net::make_strand(*ioc_), [this](ErrorCode ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void ServerImpl::LowerCapToFileLimit() {
  max_connections_ = options_.max_connections;
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return;
  rlim_t reserve = std::max(kFdReserveMin, rl.rlim_cur / kFdReserveFraction);
  rlim_t usable = rl.rlim_cur > reserve ? rl.rlim_cur - reserve : 1;
  if (static_cast<rlim_t>(max_connections_) <= usable) return;
  max_connections_ = static_cast<int>(usable);
  if (options_.logger != nullptr) {
    options_.logger->Warn("max connections lowered to fit the open-file limit (ulimit -n)",
                          {{"address", options_.address},
                           {"max-connections", options_.max_connections},
                           {"effective-max-connections", max_connections_},
                           {"open-file-limit", static_cast<uint64_t>(rl.rlim_cur)}});
  }
}

std::shared_ptr<SessionBase> ServerImpl::PickVictimLocked() {
  // The scan reads the sessions through their raw pointers: a session unregisters (under mu_)
  // before any of it is destroyed, so every registered one is alive here. It must not take
  // ownership of sessions it does not return: dropping the last reference under mu_ would run
  // the destructor, which takes mu_.
  Slot* idle = nullptr;
  Slot* incomplete = nullptr;
  int64_t idle_since = 0, incomplete_since = 0;
  for (auto& [id, slot] : sessions_) {
    if (slot.evicted || slot.session.expired()) continue;
    Phase p = slot.raw->phase();
    int64_t since = slot.raw->since();
    if (p == Phase::kIdle) {
      if (idle == nullptr || since < idle_since) {
        idle = &slot;
        idle_since = since;
      }
    } else if (p == Phase::kOpening || p == Phase::kReading) {
      if (incomplete == nullptr || since < incomplete_since) {
        incomplete = &slot;
        incomplete_since = since;
      }
    }
  }
  Slot* victim = idle != nullptr ? idle : incomplete;
  if (victim == nullptr) return nullptr;
  std::shared_ptr<SessionBase> session = victim->session.lock();  // released by the caller
  if (!session) return nullptr;  // it is being destroyed: its place frees itself
  victim->evicted = true;
  live_.fetch_sub(1, std::memory_order_relaxed);
  return session;
}

bool ServerImpl::EvictOne(std::string_view why) {
  std::shared_ptr<SessionBase> victim;
  {
    std::lock_guard<std::mutex> lock(mu_);
    victim = PickVictimLocked();
  }
  if (!victim) return false;
  ++evicted_;
  LogDebug("evicting a connection", {{"reason", why}});
  victim->Evict();
  return true;
}

void ServerImpl::OnAcceptError(ErrorCode ec) {
  // EMFILE / ENFILE: out of descriptors. The pending connection stays in the listen backlog;
  // close an idle or incomplete connection so it can be accepted, then retry soon. Other
  // errors (ENOBUFS, ENOMEM, ...) back off. Never retry in a busy loop.
  const bool no_fds = ec == net::error::no_descriptors ||
                      (ec.category() == boost::system::system_category() && ec.value() == ENFILE);
  Duration delay;
  if (no_fds && EvictOne("out of file descriptors")) {
    accept_backoff_ = Duration::zero();
    delay = kAcceptBackoffMin;
  } else {
    accept_backoff_ = accept_backoff_ == Duration::zero()
                          ? Duration(kAcceptBackoffMin)
                          : std::min<Duration>(accept_backoff_ * 2, kAcceptBackoffMax);
    delay = accept_backoff_;
  }
  // One line per interval, counting what was not logged, so an fd storm cannot flood the log.
  auto now = std::chrono::steady_clock::now();
  if (last_accept_error_log_ == SteadyTime{} ||
      now - last_accept_error_log_ >= kAcceptErrorLogInterval) {
    LogError("accept failed", {{"error", ec.message()}, {"suppressed", accept_errors_unlogged_}});
    last_accept_error_log_ = now;
    accept_errors_unlogged_ = 0;
  } else {
    ++accept_errors_unlogged_;
  }
  accept_retry_->expires_after(delay);
  accept_retry_->async_wait([this](ErrorCode tec) {
    if (!tec && !stopping_) DoAccept();
  });
}

void ServerImpl::OnAccept(ErrorCode ec, tcp::socket socket) {
  if (stopping_ || ec == net::error::operation_aborted || !acceptor_->is_open()) return;
  if (ec) {
    OnAcceptError(ec);
    return;
  }
  accept_backoff_ = Duration::zero();
  ++accepted_;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) {  // the client is already gone
    ErrorCode ignored;
    socket.close(ignored);
    DoAccept();
    return;
  }
  // At the cap, an idle or incomplete connection yields its place; without one, the new
  // connection is closed at once.
  std::shared_ptr<SessionBase> victim;
  bool refuse = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (live_.load(std::memory_order_relaxed) >= max_connections_) {
      victim = PickVictimLocked();
      refuse = victim == nullptr;
    }
  }
  if (refuse) {
    ++refused_;
    ErrorCode ignored;
    socket.close(ignored);
    DoAccept();
    return;
  }
  if (victim) {
    ++evicted_;
    victim->Evict();
    victim.reset();
  }
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote_ip = Unmap(remote.address()).to_string();
  uint64_t id = ++next_id_;
  std::shared_ptr<SessionBase> session;
  if (options_.tls) {
    std::shared_ptr<ssl::context> ctx;
    {
      std::lock_guard<std::mutex> lock(ctx_mu_);
      ctx = tls_ctx_;
    }
    session = std::make_shared<Session<true>>(*this, std::move(socket), id, std::move(remote_ip),
                                              std::move(ctx));
  } else {
    session = std::make_shared<Session<false>>(*this, std::move(socket), id, std::move(remote_ip),
                                               nullptr);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    Slot& slot = sessions_[id];
    slot.session = session;
    slot.raw = session.get();
    live_.fetch_add(1, std::memory_order_relaxed);
  }
  session->Run();
  DoAccept();
}

void ServerImpl::Stop(Duration grace) {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (!started_ || stopped_) return;
  for (const std::thread& t : threads_) {
    CAIRN_CHECK(t.get_id() != std::this_thread::get_id());  // Stop called from a handler
  }
  stopping_ = true;
  net::post(acceptor_->get_executor(), [this] {
    ErrorCode ec;
    acceptor_->close(ec);
    accept_retry_->cancel();
  });
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, slot] : sessions_) {
      if (auto s = slot.session.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->RequestStop();
  live.clear();  // let sessions die as soon as they finish
  {
    std::unique_lock<std::mutex> lock(mu_);
    drained_.wait_for(lock, grace, [this] { return sessions_.empty(); });
  }
  work_.reset();
  ioc_->stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  // Destroying the io_context destroys the handlers still queued, and with them the sessions
  // they own; the acceptor and timer must go first.
  accept_retry_.reset();
  acceptor_.reset();
  ioc_.reset();
  stopped_ = true;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options, const Router& router) {
  if (options.max_body_bytes == 0 || options.max_header_bytes == 0 ||
      options.max_connections <= 0 || options.read_timeout <= Duration::zero() ||
      options.write_timeout <= Duration::zero() || options.idle_timeout <= Duration::zero()) {
    return InvalidArgumentError("server options: limits and timeouts must be positive");
  }
  CAIRN_RETURN_IF_ERROR(SplitHostPort(options.address));
  return std::unique_ptr<Server>(std::make_unique<ServerImpl>(std::move(options), router));
}

}  // namespace cairn::http
