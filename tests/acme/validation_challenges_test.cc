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
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "acme/validation/challenges.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "crypto/signer.h"
#include "pki/builder.h"
#include "pki/certificate.h"
#include "testing/dns_server.h"
#include "testing/fakes.h"

namespace cairn::acme {
namespace {

using ::cairn::testing::DnsTestServer;
using ::testing::HasSubstr;

// RFC 8555 §8.3's example token, and RFC 7638 §3.1's example JWK thumbprint.
constexpr char kToken[] = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
constexpr char kThumbprint[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
constexpr char kKeyAuth[] =
    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
// base64url(SHA-256(kKeyAuth)), computed with Python's hashlib.
constexpr char kDns01Value[] = "ZTRx1Ckl1-tM05o5zaizTTA0yUy5AGereMgSNWC6Ll8";

const std::string kChallengePath = std::string("/.well-known/acme-challenge/") + kToken;

void BlockSigpipeOnThisThread() {
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
}

// ListenLoopback opens a TCP listener on 127.0.0.1:0 (or [::1]:0) and returns its fd and
// port; fd is -1 when that fails (e.g. no IPv6 on this machine).
std::pair<int, int> ListenLoopback(bool ipv6 = false) {
  int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sockaddr_in);
  }
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 16) != 0) {
    if (fd >= 0) close(fd);
    return {-1, 0};
  }
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ipv6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                  : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return {fd, port};
}

// FreePort returns a loopback port nobody listens on (bound, then released).
int FreePort() {
  auto [fd, port] = ListenLoopback();
  close(fd);
  return port;
}

// HttpServer is a tiny HTTP/1.1 server on 127.0.0.1:0: one request per connection, answers
// from a path table (404 otherwise), records each request's path and Host header.
class HttpServer {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  explicit HttpServer(bool ipv6 = false) {
    std::tie(listen_fd_, port_) = ListenLoopback(ipv6);
    if (listen_fd_ >= 0) thread_ = std::thread([this] { Run(); });
  }
  ~HttpServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) close(listen_fd_);
  }

  // listening is false when the socket could not be bound (no IPv6 here).
  bool listening() const { return listen_fd_ >= 0; }
  int port() const { return port_; }
  void Set(const std::string& path, Reply reply) {
    std::lock_guard<std::mutex> lock(mu_);
    replies_[path] = std::move(reply);
  }
  // requests returns "<Host header> <path>" of each request, in order.
  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Run() {
    BlockSigpipeOnThisThread();
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      Serve(fd);
      close(fd);
    }
  }

  void Serve(int fd) {
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return;
      request.append(buf, static_cast<size_t>(n));
    }
    size_t sp1 = request.find(' ');
    size_t sp2 = request.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return;
    std::string path = request.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string host;
    size_t h = request.find("\r\nHost: ");
    if (h != std::string::npos) {
      size_t end = request.find("\r\n", h + 2);
      host = request.substr(h + 8, end - h - 8);
    }
    Reply reply{.status = 404, .body = "not found"};
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(host + " " + path);
      if (auto it = replies_.find(path); it != replies_.end()) reply = it->second;
    }
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                      " X\r\nContent-Length: " + std::to_string(reply.body.size()) +
                      "\r\nConnection: close\r\n";
    for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
    out += "\r\n" + reply.body;
    size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, Reply> replies_;
  std::vector<std::string> requests_;
};

// AlpnCert describes a tls-alpn-01 certificate to build.
struct AlpnCert {
  std::vector<std::string> dns;
  std::vector<std::string> ips;
  // acme_oid / acme_value / acme_critical describe the acmeIdentifier extension; an empty
  // acme_oid omits it. acme_value is the DER of extnValue.
  std::string acme_oid = kOidAcmeIdentifier;
  std::string acme_value = std::string("\x04\x20", 2) + crypto::Sha256(kKeyAuth);
  bool acme_critical = true;
};

// TlsAlpnServer serves a self-signed tls-alpn-01 certificate on 127.0.0.1:0. It selects
// "acme-tls/1" when offered (unless `speak_alpn` is false: then it ignores ALPN) and records
// the SNI it was sent.
class TlsAlpnServer {
 public:
  explicit TlsAlpnServer(const AlpnCert& spec, bool speak_alpn = true, bool ipv6 = false) {
    auto key = crypto::PrivateKey::Generate({});
    CAIRN_CHECK(key.ok());
    pki::CertificateTemplate tmpl;
    tmpl.subject.common_name = "tls-alpn-01";
    tmpl.serial_decimal = "1";
    auto now = std::chrono::system_clock::now();
    tmpl.not_before = TruncateToSeconds(now - std::chrono::hours(1));
    tmpl.not_after = TruncateToSeconds(now + std::chrono::hours(1));
    tmpl.sans.dns = spec.dns;
    tmpl.sans.ips = spec.ips;
    if (!spec.acme_oid.empty()) {
      tmpl.extra_extensions.push_back(
          {.oid = spec.acme_oid, .critical = spec.acme_critical, .value = spec.acme_value});
    }
    crypto::KeySigner signer(*key);
    auto cert = pki::SignCertificate(tmpl, key->public_key(), nullptr, signer);
    CAIRN_CHECK(cert.ok());
    der_ = cert->der();

    ctx_.reset(SSL_CTX_new(TLS_server_method()));
    CAIRN_CHECK(SSL_CTX_use_certificate(ctx_.get(), cert->get()) == 1);
    CAIRN_CHECK(SSL_CTX_use_PrivateKey(ctx_.get(), key->get()) == 1);
    if (speak_alpn) SSL_CTX_set_alpn_select_cb(ctx_.get(), SelectAlpn, nullptr);
    SSL_CTX_set_tlsext_servername_callback(ctx_.get(), RecordSni);
    SSL_CTX_set_tlsext_servername_arg(ctx_.get(), this);
    std::tie(listen_fd_, port_) = ListenLoopback(ipv6);
    if (listen_fd_ >= 0) thread_ = std::thread([this] { Run(); });
  }
  ~TlsAlpnServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) close(listen_fd_);
  }

  bool listening() const { return listen_fd_ >= 0; }
  int port() const { return port_; }
  std::string sni() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sni_;
  }

 private:
  static int RecordSni(SSL* ssl, int*, void* arg) {
    auto* self = static_cast<TlsAlpnServer*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    std::lock_guard<std::mutex> lock(self->mu_);
    self->sni_ = name != nullptr ? name : "";
    return SSL_TLSEXT_ERR_OK;
  }
  static int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen,
                        const unsigned char* in, unsigned int inlen, void*) {
    for (unsigned int i = 0; i < inlen;) {
      unsigned int len = in[i];
      if (i + 1 + len > inlen) break;
      if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == "acme-tls/1") {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(len);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + len;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  void Run() {
    BlockSigpipeOnThisThread();
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

  std::string der_;
  ossl::UniquePtr<SSL_CTX> ctx_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::string sni_;
};

// ExpectProblem checks a failure's problem type, retryability and message.
void ExpectProblem(const Status& s, std::string_view reason, bool retryable,
                   std::string_view message_part) {
  ASSERT_FALSE(s.ok()) << "expected a " << reason << " problem";
  EXPECT_EQ(s.reason(), reason) << s;
  EXPECT_EQ(IsRetryable(s), retryable) << s;
  EXPECT_THAT(s.message(), HasSubstr(std::string(message_part)));
  EXPECT_EQ(s.public_message(), s.message());
}

TEST(KeyAuthorizationTest, KnownVector) {
  EXPECT_EQ(KeyAuthorization(kToken, kThumbprint), kKeyAuth);
  EXPECT_EQ(Dns01Value(kKeyAuth), kDns01Value);
}

TEST(IsRetryableTest, ByCode) {
  EXPECT_FALSE(IsRetryable(Status::Ok()));
  EXPECT_TRUE(IsRetryable(UnavailableError("x").WithReason("connection")));
  EXPECT_TRUE(IsRetryable(DeadlineExceededError("x").WithReason("connection")));
  EXPECT_TRUE(IsRetryable(NotFoundError("x").WithReason("dns")));
  EXPECT_FALSE(IsRetryable(PermissionDeniedError("x").WithReason("incorrectResponse")));
  EXPECT_FALSE(IsRetryable(InvalidArgumentError("x").WithReason("malformed")));
}

class ChallengesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CAIRN_ASSERT_OK_AND_ASSIGN(dns_, DnsTestServer::Start());
    dns_->AddA("example.test", "127.0.0.1");
  }

  ChallengeValidator Validator(int tls_port = 443) const {
    return ChallengeValidator({.dns_resolver = dns_->address(),
                               .http01_port = http_.port(),
                               .tls_alpn01_port = tls_port,
                               .timeout = std::chrono::seconds(5)});
  }

  std::unique_ptr<DnsTestServer> dns_;
  HttpServer http_;
};

// ---- http-01 ----

TEST_F(ChallengesTest, Http01RightAnswerByName) {
  http_.Set(kChallengePath, {.body = std::string(kKeyAuth) + "\r\n"});  // trimmed
  CAIRN_EXPECT_OK(Validator().ValidateHttp01({"dns", "example.test"}, kToken, kKeyAuth));
  ASSERT_EQ(http_.requests().size(), 1u);
  // The name was resolved by the test DNS server (there is no other way to reach it) and sent as
  // the Host.
  EXPECT_EQ(http_.requests()[0],
            "example.test:" + std::to_string(http_.port()) + " " + kChallengePath);
  EXPECT_THAT(dns_->queries(), ::testing::Contains("example.test A"));
}

TEST_F(ChallengesTest, Http01RightAnswerByIp) {
  http_.Set(kChallengePath, {.body = kKeyAuth});
  CAIRN_EXPECT_OK(Validator().ValidateHttp01({"ip", "127.0.0.1"}, kToken, kKeyAuth));
  ASSERT_EQ(http_.requests().size(), 1u);
  EXPECT_EQ(http_.requests()[0],
            "127.0.0.1:" + std::to_string(http_.port()) + " " + kChallengePath);
  EXPECT_TRUE(dns_->queries().empty());
}

TEST_F(ChallengesTest, Http01RightAnswerByIpv6) {
  HttpServer http6(/*ipv6=*/true);
  if (!http6.listening()) GTEST_SKIP() << "no IPv6 loopback here";
  http6.Set(kChallengePath, {.body = kKeyAuth});
  ChallengeValidator v({.dns_resolver = dns_->address(), .http01_port = http6.port()});
  CAIRN_EXPECT_OK(v.ValidateHttp01({"ip", "0:0::1"}, kToken, kKeyAuth));
  ASSERT_EQ(http6.requests().size(), 1u);
  EXPECT_EQ(http6.requests()[0], "[::1]:" + std::to_string(http6.port()) + " " + kChallengePath);
}

TEST_F(ChallengesTest, Http01NameWithOnlyAnIpv6Address) {
  HttpServer http6(/*ipv6=*/true);
  if (!http6.listening()) GTEST_SKIP() << "no IPv6 loopback here";
  dns_->AddAaaa("v6only.test", "::1");
  http6.Set(kChallengePath, {.body = kKeyAuth});
  ChallengeValidator v({.dns_resolver = dns_->address(), .http01_port = http6.port()});
  CAIRN_EXPECT_OK(v.ValidateHttp01({"dns", "v6only.test"}, kToken, kKeyAuth));
  ASSERT_EQ(http6.requests().size(), 1u);
  EXPECT_EQ(http6.requests()[0],
            "v6only.test:" + std::to_string(http6.port()) + " " + kChallengePath);
}

TEST_F(ChallengesTest, Http01WrongAnswerIsFinal) {
  http_.Set(kChallengePath, {.body = "something else"});
  Status s = Validator().ValidateHttp01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "incorrectResponse", false,
                std::string("expected \"") + kKeyAuth + "\", got \"something else\"");
}

TEST_F(ChallengesTest, Http01QuotedAnswerIsTruncated) {
  http_.Set(kChallengePath, {.body = std::string(500, 'z') + "\x01"});
  Status s = Validator().ValidateHttp01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "incorrectResponse", false, "got \"" + std::string(100, 'z') + "\"...");
  EXPECT_THAT(s.message(), ::testing::Not(HasSubstr(std::string(101, 'z'))));
}

TEST_F(ChallengesTest, Http01NotFoundIsUnauthorizedAndFinal) {
  Status s = Validator().ValidateHttp01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "unauthorized", false, "returned HTTP 404");
}

TEST_F(ChallengesTest, Http01ServerErrorIsRetryable) {
  http_.Set(kChallengePath, {.status = 503, .body = "busy"});
  Status s = Validator().ValidateHttp01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "unauthorized", true, "returned HTTP 503");
}

TEST_F(ChallengesTest, Http01NothingListeningIsARetryableConnectionProblem) {
  const int port = FreePort();
  ChallengeValidator v(
      {.dns_resolver = dns_->address(), .http01_port = port, .timeout = std::chrono::seconds(5)});
  Status s = v.ValidateHttp01({"ip", "127.0.0.1"}, kToken, kKeyAuth);
  ExpectProblem(s, "connection", true, "127.0.0.1:" + std::to_string(port));
}

TEST_F(ChallengesTest, Http01UnknownNameIsARetryableDnsProblem) {
  Status s = Validator().ValidateHttp01({"dns", "missing.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "dns", true, "no A/AAAA records for missing.test");
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(ChallengesTest, Http01DnsServerFailureIsRetryable) {
  dns_->SetMode(DnsTestServer::Mode::kServfail);
  Status s = Validator().ValidateHttp01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "dns", true, "SERVFAIL");
}

TEST_F(ChallengesTest, Http01FollowsRedirects) {
  dns_->AddA("other.test", "127.0.0.1");
  const std::string port = std::to_string(http_.port());
  http_.Set(kChallengePath,
            {.status = 301, .headers = {{"Location", "http://other.test:" + port + "/step2"}}});
  http_.Set("/step2", {.status = 302, .headers = {{"Location", "/dir/step3?x=1"}}});
  http_.Set("/dir/step3?x=1", {.status = 307, .headers = {{"Location", "final"}}});
  http_.Set("/dir/final", {.body = kKeyAuth});
  CAIRN_EXPECT_OK(Validator().ValidateHttp01({"dns", "example.test"}, kToken, kKeyAuth));
  EXPECT_THAT(http_.requests(),
              ::testing::ElementsAre(
                  "example.test:" + port + " " + kChallengePath, "other.test:" + port + " /step2",
                  "other.test:" + port + " /dir/step3?x=1", "other.test:" + port + " /dir/final"));
  EXPECT_THAT(dns_->queries(), ::testing::Contains("other.test A"));
}

TEST_F(ChallengesTest, Http01RedirectLimits) {
  const std::string port = std::to_string(http_.port());
  struct Case {
    std::string location;
    std::string message;
  } cases[] = {
      {"http://example.test:" + std::to_string(FreePort()) + "/x", "is not 80, 443"},
      {"ftp://example.test/x", "scheme \"ftp\" is not http or https"},
      {"http://user@example.test:" + port + "/x", "credentials"},
      {"http://bad_host!:" + port + "/x", "is not a DNS name or an IP address"},
      {kChallengePath, "too many redirects"},  // a loop
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.location);
    http_.Set(kChallengePath, {.status = 302, .headers = {{"Location", c.location}}});
    Status s = Validator().ValidateHttp01({"dns", "example.test"}, kToken, kKeyAuth);
    ExpectProblem(s, "unauthorized", false, c.message);
  }
}

TEST_F(ChallengesTest, Http01RedirectToUnresolvableNameIsADnsProblem) {
  http_.Set(kChallengePath,
            {.status = 302,
             .headers = {{"Location", "http://gone.test:" + std::to_string(http_.port()) + "/"}}});
  Status s = Validator().ValidateHttp01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "dns", true, "no A/AAAA records for gone.test");
}

TEST_F(ChallengesTest, Http01OversizedBodyIsFinal) {
  http_.Set(kChallengePath, {.body = std::string(kMaxHttp01Body + 1, 'a')});
  Status s = Validator().ValidateHttp01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "incorrectResponse", false, "longer than 65536 bytes");
}

TEST_F(ChallengesTest, Http01RefusesWildcardsBadTokensAndUnknownTypes) {
  ChallengeValidator v = Validator();
  ExpectProblem(v.ValidateHttp01({"dns", "*.example.test"}, kToken, kKeyAuth), "malformed", false,
                "wildcard");
  ExpectProblem(v.ValidateHttp01({"dns", "example.test"}, "../etc/passwd", kKeyAuth), "malformed",
                false, "token");
  ExpectProblem(v.ValidateHttp01({"dns", "bad name.test"}, kToken, kKeyAuth), "malformed", false,
                "not a valid DNS name");
  ExpectProblem(v.ValidateHttp01({"ip", "300.1.1.1"}, kToken, kKeyAuth), "malformed", false,
                "not an IP address");
  ExpectProblem(v.ValidateHttp01({"email", "a@b.test"}, kToken, kKeyAuth), "unsupportedIdentifier",
                false, "email");
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(ChallengesTest, InvalidOptionsFailEveryValidation) {
  ChallengeValidator v({.dns_resolver = "dns.example:53"});
  EXPECT_EQ(v.options_status().code(), StatusCode::kInvalidArgument);
  ExpectProblem(v.ValidateDns01({"dns", "example.test"}, kToken, kKeyAuth), "serverInternal", true,
                "dns.example:53");
  ChallengeValidator bad_port({.http01_port = 0});
  EXPECT_EQ(bad_port.options_status().code(), StatusCode::kInvalidArgument);
}

// ---- tls-alpn-01 ----

TEST_F(ChallengesTest, TlsAlpn01RightCertificateByName) {
  TlsAlpnServer server({.dns = {"example.test"}});
  CAIRN_EXPECT_OK(
      Validator(server.port()).ValidateTlsAlpn01({"dns", "Example.TEST"}, kToken, kKeyAuth));
  EXPECT_EQ(server.sni(), "example.test");
}

TEST_F(ChallengesTest, TlsAlpn01RightCertificateByIp) {
  TlsAlpnServer server({.ips = {"127.0.0.1"}});
  CAIRN_EXPECT_OK(
      Validator(server.port()).ValidateTlsAlpn01({"ip", "127.0.0.1"}, kToken, kKeyAuth));
  // RFC 8738 §6: the SNI of an IP identifier is its reverse-DNS name.
  EXPECT_EQ(server.sni(), "1.0.0.127.in-addr.arpa");
}

TEST_F(ChallengesTest, TlsAlpn01RightCertificateByIpv6) {
  TlsAlpnServer server({.ips = {"::1"}}, /*speak_alpn=*/true, /*ipv6=*/true);
  if (!server.listening()) GTEST_SKIP() << "no IPv6 loopback here";
  CAIRN_EXPECT_OK(Validator(server.port()).ValidateTlsAlpn01({"ip", "::1"}, kToken, kKeyAuth));
  EXPECT_EQ(server.sni(),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
}

TEST_F(ChallengesTest, TlsAlpn01WrongDigestIsIncorrectResponse) {
  TlsAlpnServer server({.dns = {"example.test"},
                        .acme_value = std::string("\x04\x20", 2) + crypto::Sha256("other")});
  Status s = Validator(server.port()).ValidateTlsAlpn01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "incorrectResponse", false,
                "expected SHA-256 of the key authorization "
                "653471d42925d7eb4cd39a39cda8b34d3034c94cb90067ab78c8123560ba2e5f");
}

TEST_F(ChallengesTest, TlsAlpn01CertificateProblems) {
  struct Case {
    std::string name;
    AlpnCert cert;
    std::string message;
  } cases[] = {
      {"not critical", {.dns = {"example.test"}, .acme_critical = false}, "not critical"},
      {"missing", {.dns = {"example.test"}, .acme_oid = ""}, "no acmeIdentifier extension"},
      {"obsolete",
       {.dns = {"example.test"}, .acme_oid = kOidAcmeIdentifierV1Obsolete},
       "obsolete id-pe-acmeIdentifier"},
      {"two SANs", {.dns = {"example.test", "www.example.test"}}, "holds 2"},
      {"DNS and IP", {.dns = {"example.test"}, .ips = {"127.0.0.1"}}, "holds 2"},
      {"wrong SAN", {.dns = {"other.test"}}, "is DNS name \"other.test\", not the DNS name"},
      {"IP for a name", {.ips = {"127.0.0.1"}}, "is IP address 127.0.0.1"},
      {"raw digest",
       {.dns = {"example.test"}, .acme_value = std::string("\x04\x04", 2) + "abcd"},
       "not an OCTET STRING of 32 bytes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TlsAlpnServer server(c.cert);
    Status s =
        Validator(server.port()).ValidateTlsAlpn01({"dns", "example.test"}, kToken, kKeyAuth);
    ExpectProblem(s, "tls", false, c.message);
  }
}

TEST_F(ChallengesTest, TlsAlpn01WithoutAlpnIsATlsProblem) {
  TlsAlpnServer server({.dns = {"example.test"}}, /*speak_alpn=*/false);
  Status s = Validator(server.port()).ValidateTlsAlpn01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "tls", false, "did not negotiate ALPN \"acme-tls/1\" (it selected none)");
}

TEST_F(ChallengesTest, TlsAlpn01NothingListeningIsARetryableConnectionProblem) {
  const int port = FreePort();
  Status s = Validator(port).ValidateTlsAlpn01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "connection", true,
                "connection refused connecting to 127.0.0.1:" + std::to_string(port));
}

TEST_F(ChallengesTest, TlsAlpn01TriesTheNextAddress) {
  // The first address (127.0.0.2) refuses; the second serves the certificate.
  TlsAlpnServer server({.dns = {"multi.test"}});
  dns_->AddA("multi.test", "127.0.0.2");
  dns_->AddA("multi.test", "127.0.0.1");
  CAIRN_EXPECT_OK(
      Validator(server.port()).ValidateTlsAlpn01({"dns", "multi.test"}, kToken, kKeyAuth));
}

TEST_F(ChallengesTest, TlsAlpn01RefusesWildcards) {
  ExpectProblem(Validator().ValidateTlsAlpn01({"dns", "*.example.test"}, kToken, kKeyAuth),
                "malformed", false, "wildcard");
}

// ---- dns-01 ----

TEST_F(ChallengesTest, Dns01RightRecord) {
  dns_->AddTxt("_acme-challenge.example.test", "unrelated");
  dns_->AddTxt("_acme-challenge.example.test", kDns01Value);
  CAIRN_EXPECT_OK(Validator().ValidateDns01({"dns", "example.test"}, kToken, kKeyAuth));
  EXPECT_THAT(dns_->queries(), ::testing::ElementsAre("_acme-challenge.example.test TXT"));
}

TEST_F(ChallengesTest, Dns01MissingRecordIsRetryable) {
  Status s = Validator().ValidateDns01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "unauthorized", true, "no TXT record found at _acme-challenge.example.test");
}

TEST_F(ChallengesTest, Dns01WrongValueIsFinal) {
  dns_->AddTxt("_acme-challenge.example.test", "stale-value");
  Status s = Validator().ValidateDns01({"dns", "example.test"}, kToken, kKeyAuth);
  ExpectProblem(s, "incorrectResponse", false,
                std::string("expected \"") + kDns01Value + "\", got \"stale-value\"");
}

TEST_F(ChallengesTest, Dns01WildcardPrefixIsStripped) {
  dns_->AddTxt("_acme-challenge.example.test", kDns01Value);
  CAIRN_EXPECT_OK(Validator().ValidateDns01({"dns", "*.example.test"}, kToken, kKeyAuth));
  EXPECT_THAT(dns_->queries(), ::testing::ElementsAre("_acme-challenge.example.test TXT"));
}

TEST_F(ChallengesTest, Dns01MultiStringRecord) {
  const std::string value = kDns01Value;
  dns_->AddTxtStrings("_acme-challenge.example.test", {value.substr(0, 10), value.substr(10)});
  CAIRN_EXPECT_OK(Validator().ValidateDns01({"dns", "example.test"}, kToken, kKeyAuth));
}

TEST_F(ChallengesTest, Dns01StrictFqdnUsesTheAbsoluteName) {
  // On the wire every name is absolute, so only the messages show the difference.
  ChallengeValidator v({.dns_resolver = dns_->address(), .strict_fqdn = true});
  ExpectProblem(v.ValidateDns01({"dns", "example.test"}, kToken, kKeyAuth), "unauthorized", true,
                "no TXT record found at _acme-challenge.example.test. (NXDOMAIN");
  dns_->AddTxt("_acme-challenge.example.test", kDns01Value);
  CAIRN_EXPECT_OK(v.ValidateDns01({"dns", "example.test"}, kToken, kKeyAuth));
}

TEST_F(ChallengesTest, Dns01FollowsCnameDelegation) {
  dns_->AddCname("_acme-challenge.example.test", "example.test.acme-dns.test");
  dns_->AddTxt("example.test.acme-dns.test", kDns01Value);
  CAIRN_EXPECT_OK(Validator().ValidateDns01({"dns", "example.test"}, kToken, kKeyAuth));
}

TEST_F(ChallengesTest, Dns01ResolverTroubleIsRetryable) {
  dns_->AddTxt("_acme-challenge.example.test", kDns01Value);
  dns_->SetMode(DnsTestServer::Mode::kRefuse);
  ExpectProblem(Validator().ValidateDns01({"dns", "example.test"}, kToken, kKeyAuth), "dns", true,
                "REFUSED");
  dns_->SetMode(DnsTestServer::Mode::kDrop);
  ChallengeValidator quick(
      {.dns_resolver = dns_->address(), .timeout = std::chrono::milliseconds(300)});
  ExpectProblem(quick.ValidateDns01({"dns", "example.test"}, kToken, kKeyAuth), "dns", true,
                "timed out");
}

TEST_F(ChallengesTest, Dns01RefusesIpIdentifiers) {
  ExpectProblem(Validator().ValidateDns01({"ip", "127.0.0.1"}, kToken, kKeyAuth), "malformed",
                false, "cannot be validated with dns-01");
  EXPECT_TRUE(dns_->queries().empty());
}

}  // namespace
}  // namespace cairn::acme
