#include "http/tls_probe.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "http/test_support.h"
#include "testing/fakes.h"

namespace cairn::http {
namespace {

using ::testing::HasSubstr;

// ListenLoopback opens a TCP listener on 127.0.0.1:0 and returns its fd and port.
std::pair<int, int> ListenLoopback() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 16) != 0) {
    return {-1, 0};
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return {fd, ntohs(addr.sin_port)};
}

// TlsServer is a blocking one-connection-at-a-time TLS server on 127.0.0.1:0 for tests. It
// selects the first of `alpn` the client offers (none offered: a fatal alert when
// `alert_on_no_alpn_match`, else no ALPN), records the SNI, and closes after the handshake.
class TlsServer {
 public:
  struct Options {
    std::vector<std::string> alpn;
    bool alert_on_no_alpn_match = false;
    int max_version = 0;  // 0: the library's maximum
  };

  TlsServer(const testing::TestCert& cert, const testing::TestKey& key, Options options)
      : options_(std::move(options)) {
    ctx_.reset(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_use_certificate(ctx_.get(), cert.x509.get());
    SSL_CTX_use_PrivateKey(ctx_.get(), key.pkey.get());
    if (options_.max_version != 0) SSL_CTX_set_max_proto_version(ctx_.get(), options_.max_version);
    if (!options_.alpn.empty()) SSL_CTX_set_alpn_select_cb(ctx_.get(), SelectAlpn, this);
    // Record the SNI while the ClientHello is processed: with TLS 1.3 the client is done
    // before SSL_accept returns here.
    SSL_CTX_set_tlsext_servername_callback(ctx_.get(), RecordSni);
    SSL_CTX_set_tlsext_servername_arg(ctx_.get(), this);
    std::tie(listen_fd_, port_) = ListenLoopback();
    thread_ = std::thread([this] { Run(); });
  }
  ~TlsServer() {
    stop_ = true;
    thread_.join();
    close(listen_fd_);
  }

  int port() const { return port_; }
  std::string sni() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sni_;
  }

 private:
  static int RecordSni(SSL* ssl, int*, void* arg) {
    auto* self = static_cast<TlsServer*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    std::lock_guard<std::mutex> lock(self->mu_);
    self->sni_ = name != nullptr ? name : "";
    return SSL_TLSEXT_ERR_OK;
  }

  static int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen,
                        const unsigned char* in, unsigned int inlen, void* arg) {
    auto* self = static_cast<TlsServer*>(arg);
    for (const std::string& want : self->options_.alpn) {
      for (unsigned int i = 0; i < inlen;) {
        unsigned int len = in[i];
        if (i + 1 + len > inlen) break;
        if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == want) {
          *out = in + i + 1;
          *outlen = static_cast<unsigned char>(len);
          return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + len;
      }
    }
    return self->options_.alert_on_no_alpn_match ? SSL_TLSEXT_ERR_ALERT_FATAL
                                                 : SSL_TLSEXT_ERR_NOACK;
  }

  void Run() {
    // The client may close first; a close_notify written then must not kill the test binary.
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      timeval tv{2, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      SSL* ssl = SSL_new(ctx_.get());
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) SSL_shutdown(ssl);
      SSL_free(ssl);
      close(fd);
    }
  }

  Options options_;
  ossl::UniquePtr<SSL_CTX> ctx_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::string sni_;
};

class TlsProbeTest : public ::testing::Test {
 protected:
  TlsProbeTest()
      : key_(testing::NewP256Key()),
        cert_(testing::IssueCert({.common_name = "probe", .dns_names = {"example.test"}}, key_,
                                 nullptr, key_)) {}

  testing::TestKey key_;
  testing::TestCert cert_;
};

TEST_F(TlsProbeTest, NegotiatesAlpnAndReturnsTheLeaf) {
  TlsServer server(cert_, key_, {.alpn = {"acme-tls/1"}});
  CAIRN_ASSERT_OK_AND_ASSIGN(auto result, ProbeTls({.address = "127.0.0.1",
                                                    .port = server.port(),
                                                    .sni = "example.test",
                                                    .alpn = {"acme-tls/1"},
                                                    .timeout = std::chrono::seconds(5)}));
  EXPECT_EQ(result.alpn, "acme-tls/1");
  EXPECT_EQ(result.version, "TLSv1.3");
  EXPECT_EQ(result.leaf_der, cert_.der);
  ASSERT_EQ(result.chain_der.size(), 1u);
  EXPECT_EQ(result.chain_der[0], cert_.der);
  EXPECT_EQ(server.sni(), "example.test");
}

TEST_F(TlsProbeTest, Tls12ServerIsAccepted) {
  TlsServer server(cert_, key_, {.alpn = {"acme-tls/1"}, .max_version = TLS1_2_VERSION});
  CAIRN_ASSERT_OK_AND_ASSIGN(auto result, ProbeTls({.address = "127.0.0.1",
                                                    .port = server.port(),
                                                    .sni = "example.test",
                                                    .alpn = {"acme-tls/1"}}));
  EXPECT_EQ(result.version, "TLSv1.2");
  EXPECT_EQ(result.alpn, "acme-tls/1");
}

TEST_F(TlsProbeTest, ServerWithoutAlpnSelectsNone) {
  TlsServer server(cert_, key_, {});
  CAIRN_ASSERT_OK_AND_ASSIGN(auto result, ProbeTls({.address = "127.0.0.1",
                                                    .port = server.port(),
                                                    .sni = "example.test",
                                                    .alpn = {"acme-tls/1"}}));
  EXPECT_EQ(result.alpn, "");
  EXPECT_EQ(result.leaf_der, cert_.der);
}

TEST_F(TlsProbeTest, NoSniSendsNone) {
  TlsServer server(cert_, key_, {.alpn = {"h2"}});
  CAIRN_ASSERT_OK_AND_ASSIGN(auto result,
                             ProbeTls({.address = "127.0.0.1", .port = server.port()}));
  EXPECT_EQ(result.alpn, "");
  EXPECT_EQ(server.sni(), "");
}

TEST_F(TlsProbeTest, AlpnAlertFailsTheHandshake) {
  TlsServer server(cert_, key_, {.alpn = {"h2"}, .alert_on_no_alpn_match = true});
  auto result = ProbeTls({.address = "127.0.0.1",
                          .port = server.port(),
                          .sni = "example.test",
                          .alpn = {"acme-tls/1"}});
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(result.status().message(), HasSubstr("TLS handshake with 127.0.0.1:"));
  EXPECT_THAT(result.status().message(), HasSubstr("no application protocol"));
}

TEST_F(TlsProbeTest, NothingListeningIsRefused) {
  auto [fd, port] = ListenLoopback();
  ASSERT_GE(fd, 0);
  close(fd);
  auto result = ProbeTls({.address = "127.0.0.1", .port = port});
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(result.status().message(),
            "connection refused connecting to 127.0.0.1:" + std::to_string(port));
}

TEST_F(TlsProbeTest, SilentServerTimesOut) {
  // A listener that accepts (in the kernel's backlog) but never speaks TLS.
  auto [fd, port] = ListenLoopback();
  ASSERT_GE(fd, 0);
  auto result =
      ProbeTls({.address = "127.0.0.1", .port = port, .timeout = std::chrono::milliseconds(200)});
  close(fd);
  EXPECT_EQ(result.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(result.status().message(), HasSubstr("timeout during the TLS handshake"));
}

TEST_F(TlsProbeTest, PlainTextServerFailsTheHandshake) {
  auto [fd, port] = ListenLoopback();
  ASSERT_GE(fd, 0);
  std::thread peer([fd = fd] {
    int conn = accept(fd, nullptr, nullptr);
    if (conn < 0) return;
    char buf[512];
    ssize_t ignored = recv(conn, buf, sizeof(buf), 0);
    (void)ignored;
    const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    ignored = send(conn, reply, sizeof(reply) - 1, MSG_NOSIGNAL);
    close(conn);
  });
  auto result = ProbeTls({.address = "127.0.0.1", .port = port, .sni = "example.test"});
  peer.join();
  close(fd);
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable) << result.status();
  EXPECT_THAT(result.status().message(), HasSubstr("TLS handshake with 127.0.0.1:"));
}

TEST(TlsProbeArgsTest, InvalidArguments) {
  const TlsProbeOptions cases[] = {
      {.address = "example.test", .port = 443},
      {.address = "127.0.0.1", .port = 0},
      {.address = "127.0.0.1", .port = 70000},
      {.address = "[::1]", .port = 443},
      {.address = "127.0.0.1", .port = 443, .sni = "1.2.3.4"},
      {.address = "127.0.0.1", .port = 443, .sni = "bad name"},
      {.address = "127.0.0.1", .port = 443, .alpn = {""}},
      {.address = "127.0.0.1", .port = 443, .alpn = {std::string(256, 'a')}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address + " " + std::to_string(c.port) + " " + c.sni);
    EXPECT_EQ(ProbeTls(c).status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace cairn::http
