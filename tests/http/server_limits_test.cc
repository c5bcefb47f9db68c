// The HTTP server's limits against hostile or broken clients, over real sockets on 127.0.0.1:
// slowloris headers and bodies (the read deadline is absolute, not renewed by each byte), idle
// keep-alive connections, the connection cap (idle and incomplete connections yield to a new
// client; requests being served never do), clients that vanish mid-request, clients that do
// not read, pressure near the cap and the open-file limit (EMFILE at accept).
//
// Time bounds here are one-sided where the server decides (a deadline never fires early, so
// "closed no sooner than read_timeout" is exact) and generous where the scheduler decides.

#include <dirent.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "http/server.h"
#include "http/test_support.h"
#include "testing/fakes.h"

namespace cairn::http {
namespace {

using namespace std::chrono_literals;
using testing::ConnectTcp;
using testing::IssueCert;
using testing::NewP256Key;
using testing::ReadHttpResponse;
using testing::SendAll;
using testing::TestCert;
using testing::TestKey;
using testing::WaitForClose;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kGetHello = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

struct Pki {
  TestKey key = NewP256Key();
  TestCert cert = IssueCert(
      {.common_name = "limits", .serial = 7, .ip_addresses = {"127.0.0.1"}, .eku = "serverAuth"},
      key, nullptr, key);
};

Pki& GetPki() {
  static Pki* pki = new Pki();
  return *pki;
}

// WaitUntil polls `pred` every 10 ms for up to `limit`.
bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

// Fd closes a socket on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    Reset();
    fd_ = std::exchange(o.fd_, -1);
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Rst closes with SO_LINGER 0: the peer sees a reset, as when a client machine vanishes.
  void Rst() {
    linger l{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    Reset();
  }

 private:
  int fd_ = -1;
};

// RawTls is a TLS client that writes exactly what it is told (one byte per record if need
// be), over a socket the test can also close or reset directly.
class RawTls {
 public:
  ~RawTls() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }
  // Connect connects and handshakes; `groups` restricts the key exchange groups offered.
  bool Connect(int port, const char* groups = nullptr) {
    fd_ = Fd(ConnectTcp(port));
    if (!fd_.ok()) return false;
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (groups != nullptr && SSL_CTX_set1_groups_list(ctx_, groups) != 1) return false;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_.get());
    return SSL_connect(ssl_) == 1;
  }
  bool Write(std::string_view data) {
    return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) ==
           static_cast<int>(data.size());
  }
  Fd& fd() { return fd_; }

 private:
  Fd fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

// CaptureLogger keeps warnings and errors.
class CaptureLogger : public Logger {
 public:
  void Log(LogLevel level, std::string_view message, const nlohmann::json& fields) override {
    if (level < LogLevel::kWarn) return;
    std::lock_guard<std::mutex> lock(mu_);
    lines_.push_back({std::string(message), fields});
  }
  std::vector<std::pair<std::string, nlohmann::json>> Lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, nlohmann::json>> lines_;
};

// FileLimit lowers RLIMIT_NOFILE's soft limit for its lifetime.
class FileLimit {
 public:
  explicit FileLimit(rlim_t soft) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit rl = saved_;
    rl.rlim_cur = soft;
    ok_ = setrlimit(RLIMIT_NOFILE, &rl) == 0;
  }
  ~FileLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

// OpenFds returns the descriptor numbers open in this process.
std::set<int> OpenFds() {
  std::set<int> out;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return out;
  int self = dirfd(dir);
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    int fd = std::atoi(e->d_name);
    if (fd != self) out.insert(fd);
  }
  closedir(dir);
  return out;
}

class ServerLimitsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }

  ServerLimitsTest() {
    router_.Handle("GET", "/hello",
                   [](Request&, Response& resp) { resp.SetBody(200, "text/plain", "hello"); });
    router_.Handle("POST", "/echo",
                   [](Request& req, Response& resp) { resp.SetBody(200, "text/plain", req.body); });
    // /block holds its I/O thread until the test releases it (at most 20 s).
    router_.Handle("GET", "/block", [this](Request&, Response& resp) {
      blocked_.fetch_add(1);
      release_.wait_for(20s);
      resp.SetBody(200, "text/plain", "released");
    });
    router_.Handle("GET", "/huge", [](Request&, Response& resp) {
      resp.SetBody(200, "application/octet-stream", std::string(64 << 20, 'x'));
    });
  }

  ~ServerLimitsTest() override {
    release_promise_.set_value();
    if (server_) server_->Stop(1s);
  }

  ServerOptions Options(bool tls = false) {
    ServerOptions o;
    o.threads = 4;
    o.tls = tls;
    o.random = &random_;
    o.logger = &logger_;
    o.access_log = [this](const Request&, const Response&, Duration) { dispatched_.fetch_add(1); };
    return o;
  }

  void StartServer(ServerOptions o) {
    auto server = Server::Create(std::move(o), router_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    CAIRN_ASSERT_OK(server_->SetTlsCredentials(GetPki().cert.pem, GetPki().key.pem, {}));
    CAIRN_ASSERT_OK(server_->Start());
  }

  // Idle opens a keep-alive connection and has one request served on it.
  Fd Idle() {
    Fd fd(ConnectTcp(server_->port()));
    EXPECT_TRUE(fd.ok());
    EXPECT_TRUE(SendAll(fd.get(), kGetHello));
    auto resp = ReadHttpResponse(fd.get());
    EXPECT_TRUE(resp.has_value() && resp->starts_with("HTTP/1.1 200"));
    return fd;
  }

  // Slow opens a connection that sent an incomplete request head.
  Fd Slow() {
    Fd fd(ConnectTcp(server_->port()));
    EXPECT_TRUE(fd.ok());
    EXPECT_TRUE(SendAll(fd.get(), "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: "));
    return fd;
  }

  // Served reports whether a request on `fd` gets a 200.
  static bool Served(const Fd& fd) {
    if (!SendAll(fd.get(), kGetHello)) return false;
    auto resp = ReadHttpResponse(fd.get());
    return resp.has_value() && resp->starts_with("HTTP/1.1 200");
  }

  // NewClientServed opens a new connection and reports whether a request on it is served.
  bool NewClientServed() {
    Fd fd(ConnectTcp(server_->port()));
    return fd.ok() && Served(fd);
  }

  bool Drained(int n = 0) {
    return WaitUntil([&] { return server_->active_connections() <= n; }, 10s);
  }

  cairn::testing::FakeRandom random_{99};
  CaptureLogger logger_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::atomic<int> dispatched_{0};
  std::atomic<int> blocked_{0};
  std::promise<void> release_promise_;
  std::shared_future<void> release_ = release_promise_.get_future().share();
};

// --- deadlines -------------------------------------------------------------------------------

// A slowloris client sends one header byte every 100 ms, well inside read_timeout: a deadline
// renewed by each read would keep it forever. It is cut at read_timeout from its first byte.
class SlowlorisTest : public ServerLimitsTest, public ::testing::WithParamInterface<bool> {};

TEST_P(SlowlorisTest, HeaderDribbleIsCutAtReadTimeout) {
  const bool tls = GetParam();
  ServerOptions o = Options(tls);
  o.read_timeout = 500ms;
  StartServer(o);
  RawTls tls_client;
  Fd plain;
  int fd = -1;
  if (tls) {
    ASSERT_TRUE(tls_client.Connect(server_->port()));
    fd = tls_client.fd().get();
  } else {
    plain = Fd(ConnectTcp(server_->port()));
    ASSERT_TRUE(plain.ok());
    fd = plain.get();
  }
  const std::string head = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 'a');
  auto start = Clock::now();
  size_t sent = 0;
  bool closed = false;
  for (char c : head) {
    bool ok =
        tls ? tls_client.Write(std::string_view(&c, 1)) : SendAll(fd, std::string_view(&c, 1));
    if (!ok || WaitForClose(fd, 100ms)) {
      closed = true;
      break;
    }
    ++sent;
  }
  auto elapsed = Clock::now() - start;
  EXPECT_TRUE(closed) << "the server kept a connection dribbling " << sent << " bytes";
  EXPECT_GE(elapsed, 500ms) << "cut before read_timeout";
  EXPECT_LT(sent, head.size());
  EXPECT_EQ(dispatched_.load(), 0);
  EXPECT_TRUE(Drained());
}

INSTANTIATE_TEST_SUITE_P(PlainAndTls, SlowlorisTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Tls" : "Plain";
                         });

TEST_F(ServerLimitsTest, BodyDribbleIsCutAtReadTimeout) {
  ServerOptions o = Options();
  o.read_timeout = 500ms;
  StartServer(o);
  Fd fd(ConnectTcp(server_->port()));
  ASSERT_TRUE(fd.ok());
  auto start = Clock::now();
  ASSERT_TRUE(SendAll(fd.get(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"));
  int sent = 0;
  bool closed = false;
  for (; sent < 100; ++sent) {
    if (!SendAll(fd.get(), "b") || WaitForClose(fd.get(), 100ms)) {
      closed = true;
      break;
    }
  }
  EXPECT_TRUE(closed);
  EXPECT_GE(Clock::now() - start, 500ms);
  EXPECT_LT(sent, 100);
  EXPECT_EQ(dispatched_.load(), 0);  // the handler never saw the partial body
  EXPECT_TRUE(Drained());
}

TEST_F(ServerLimitsTest, IdleKeepAliveIsClosedAtIdleTimeout) {
  ServerOptions o = Options();
  o.idle_timeout = 400ms;
  StartServer(o);
  Fd fd = Idle();
  auto start = Clock::now();
  EXPECT_TRUE(WaitForClose(fd.get(), 10s));
  EXPECT_GE(Clock::now() - start, 300ms);  // (the wait began just before our read returned)
  EXPECT_TRUE(Drained());
}

// A client that asks for a large response and never reads it is cut at write_timeout.
TEST_F(ServerLimitsTest, ClientThatDoesNotReadIsCutAtWriteTimeout) {
  ServerOptions o = Options();
  o.write_timeout = 500ms;
  StartServer(o);
  Fd fd(ConnectTcp(server_->port()));
  ASSERT_TRUE(fd.ok());
  int small = 4096;
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  ASSERT_TRUE(SendAll(fd.get(), "GET /huge HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The response is being written (64 MiB: more than any socket buffer holds)...
  ASSERT_TRUE(WaitUntil([&] { return dispatched_.load() == 1; }, 10s));
  EXPECT_EQ(server_->active_connections(), 1);
  // ...and the server gives up on it and releases the connection.
  EXPECT_TRUE(Drained());
}

// --- clients that vanish ---------------------------------------------------------------------

// Half a body, then the client resets or half-closes: the connection and its buffers go at
// once, long before read_timeout, and the handler is never called.
TEST_F(ServerLimitsTest, VanishedClientsReleaseTheirSlots) {
  ServerOptions o = Options();
  o.read_timeout = 60s;
  StartServer(o);
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n";
  std::vector<Fd> fds;
  for (int i = 0; i < 20; ++i) {
    Fd fd(ConnectTcp(server_->port()));
    ASSERT_TRUE(fd.ok());
    ASSERT_TRUE(SendAll(fd.get(), head + std::string(100000, 'z')));
    fds.push_back(std::move(fd));
  }
  ASSERT_TRUE(WaitUntil([&] { return server_->active_connections() == 20; }, 10s));
  for (size_t i = 0; i < fds.size(); ++i) {
    if (i % 2 == 0) {
      fds[i].Rst();
    } else {
      shutdown(fds[i].get(), SHUT_WR);  // FIN mid-body, then gone
      fds[i].Reset();
    }
  }
  EXPECT_TRUE(Drained());
  EXPECT_EQ(dispatched_.load(), 0);
  EXPECT_TRUE(NewClientServed());
}

TEST_F(ServerLimitsTest, VanishedTlsClientsReleaseTheirSlots) {
  ServerOptions o = Options(/*tls=*/true);
  o.read_timeout = 60s;
  StartServer(o);
  std::vector<std::unique_ptr<RawTls>> clients;
  for (int i = 0; i < 10; ++i) {
    auto c = std::make_unique<RawTls>();
    ASSERT_TRUE(c->Connect(server_->port()));
    ASSERT_TRUE(c->Write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n" +
                         std::string(20000, 'z')));
    clients.push_back(std::move(c));
  }
  ASSERT_TRUE(WaitUntil([&] { return server_->active_connections() == 10; }, 10s));
  for (auto& c : clients) c->fd().Rst();
  EXPECT_TRUE(Drained());
  EXPECT_EQ(dispatched_.load(), 0);
}

// --- the connection cap ----------------------------------------------------------------------

TEST_F(ServerLimitsTest, AtTheCapTheOldestIdleConnectionYields) {
  ServerOptions o = Options();
  o.max_connections = 4;
  StartServer(o);
  std::vector<Fd> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(Idle());
    std::this_thread::sleep_for(20ms);  // distinct idle-since times
  }
  EXPECT_TRUE(NewClientServed());
  EXPECT_TRUE(WaitForClose(idle[0].get(), 5s)) << "the oldest idle connection was not evicted";
  // The others were not touched: each is still served (in order, none is evicted meanwhile).
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(Served(idle[i])) << "idle connection " << i;
  EXPECT_EQ(server_->connections_evicted(), 1u);
  EXPECT_EQ(server_->connections_refused(), 0u);
}

TEST_F(ServerLimitsTest, AtTheCapConnectionsWithoutACompleteRequestYield) {
  ServerOptions o = Options();
  o.max_connections = 3;
  StartServer(o);
  std::vector<Fd> slow;
  for (int i = 0; i < 3; ++i) {
    slow.push_back(Slow());
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(WaitUntil([&] { return server_->active_connections() == 3; }, 5s));
  EXPECT_TRUE(NewClientServed());
  EXPECT_TRUE(WaitForClose(slow[0].get(), 5s)) << "the oldest slow connection was not evicted";
  // The younger ones may still finish their requests.
  for (int i = 1; i < 3; ++i) {
    ASSERT_TRUE(SendAll(slow[i].get(), "1\r\n\r\n"));
    auto resp = ReadHttpResponse(slow[i].get());
    EXPECT_TRUE(resp.has_value() && resp->starts_with("HTTP/1.1 200")) << "slow connection " << i;
  }
}

// Silent TCP connections to the TLS port (no ClientHello) yield to a real TLS client.
TEST_F(ServerLimitsTest, AtTheCapSilentTlsConnectionsYield) {
  ServerOptions o = Options(/*tls=*/true);
  o.max_connections = 3;
  StartServer(o);
  std::vector<Fd> silent;
  for (int i = 0; i < 3; ++i) silent.push_back(Fd(ConnectTcp(server_->port())));
  ASSERT_TRUE(WaitUntil([&] { return server_->active_connections() == 3; }, 5s));
  testing::TlsClientOptions topts;
  topts.ca_pem = GetPki().cert.pem;
  testing::TlsConnection client;
  ASSERT_TRUE(client.Connect(server_->port(), topts)) << client.error();
  auto resp = client.Exchange(kGetHello);
  ASSERT_TRUE(resp.has_value());
  EXPECT_TRUE(resp->starts_with("HTTP/1.1 200"));
  EXPECT_TRUE(WaitForClose(silent[0].get(), 5s));
  EXPECT_EQ(server_->connections_evicted(), 1u);
}

// Idle keep-alive connections yield before incomplete ones, even younger ones.
TEST_F(ServerLimitsTest, IdleConnectionsYieldBeforeIncompleteOnes) {
  ServerOptions o = Options();
  o.max_connections = 3;
  StartServer(o);
  Fd slow = Slow();
  std::this_thread::sleep_for(20ms);
  Fd idle1 = Idle();
  std::this_thread::sleep_for(20ms);
  Fd idle2 = Idle();
  EXPECT_TRUE(NewClientServed());
  EXPECT_TRUE(WaitForClose(idle1.get(), 5s));
  EXPECT_FALSE(WaitForClose(slow.get(), 200ms));
  EXPECT_TRUE(Served(idle2));
}

// Requests being served are never cut for a newcomer: with every slot busy, the new
// connection is the one refused, and the busy ones complete.
TEST_F(ServerLimitsTest, RequestsBeingServedAreNeverEvicted) {
  ServerOptions o = Options();
  o.max_connections = 2;
  StartServer(o);
  std::vector<Fd> busy;
  for (int i = 0; i < 2; ++i) {
    busy.push_back(Fd(ConnectTcp(server_->port())));
    ASSERT_TRUE(SendAll(busy.back().get(), "GET /block HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  ASSERT_TRUE(WaitUntil([&] { return blocked_.load() == 2; }, 10s));
  EXPECT_FALSE(NewClientServed());
  EXPECT_EQ(server_->connections_refused(), 1u);
  EXPECT_EQ(server_->connections_evicted(), 0u);
  release_promise_.set_value();
  release_promise_ = std::promise<void>();  // for the destructor
  for (Fd& fd : busy) {
    auto resp = ReadHttpResponse(fd.get());
    ASSERT_TRUE(resp.has_value());
    EXPECT_TRUE(resp->starts_with("HTTP/1.1 200"));
  }
}

// From 3/4 of the cap on, a new idle wait gets a quarter of idle_timeout; waits that began
// before keep theirs.
TEST_F(ServerLimitsTest, PressureShortensNewIdleWaits) {
  ServerOptions o = Options();
  o.max_connections = 8;
  o.idle_timeout = 8s;
  StartServer(o);
  std::vector<Fd> idle;
  for (int i = 0; i < 7; ++i) idle.push_back(Idle());  // the 6th and 7th go idle under pressure
  auto start = Clock::now();
  EXPECT_TRUE(WaitForClose(idle[6].get(), 6s)) << "not closed before idle_timeout";
  EXPECT_GE(Clock::now() - start, 1500ms);  // 8 s / 4, less the time our read took
  EXPECT_FALSE(WaitForClose(idle[0].get(), 100ms)) << "a wait begun without pressure was cut";
}

// --- expensive handshakes ----------------------------------------------------------------------

// A client cannot make the server compute a finite-field Diffie-Hellman key (up to 8192 bits,
// a cheap way to burn the server's CPU: "DHEat"): only elliptic-curve groups are accepted.
TEST_F(ServerLimitsTest, OnlyEllipticCurveKeyExchange) {
  StartServer(Options(/*tls=*/true));
  for (const char* groups : {"ffdhe2048", "ffdhe8192", "ffdhe2048:ffdhe3072:ffdhe4096"}) {
    RawTls client;
    EXPECT_FALSE(client.Connect(server_->port(), groups)) << groups;
  }
  for (const char* groups : {"X25519", "P-256", "P-384", "P-521", "ffdhe8192:X25519"}) {
    RawTls client;
    EXPECT_TRUE(client.Connect(server_->port(), groups)) << groups;
  }
}

// --- the open-file limit ---------------------------------------------------------------------

// With no descriptor left for accept (EMFILE), the server evicts an idle connection to accept
// the new client, instead of leaving it in the backlog or spinning.
TEST_F(ServerLimitsTest, AcceptAtTheFileLimitEvictsAnIdleConnection) {
  StartServer(Options());
  std::vector<Fd> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(Idle());
    std::this_thread::sleep_for(20ms);
  }
  // Leave exactly one free descriptor below the limit: the client's socket takes it, so the
  // server's accept fails with EMFILE.
  std::set<int> used = OpenFds();
  std::vector<int> free_fds;
  for (int fd = 0; free_fds.size() < 2; ++fd) {
    if (!used.count(fd)) free_fds.push_back(fd);
  }
  Fd client;
  std::optional<std::string> resp;
  {
    FileLimit limit(static_cast<rlim_t>(free_fds[1]));
    ASSERT_TRUE(limit.ok());
    client = Fd(ConnectTcp(server_->port()));
    ASSERT_TRUE(client.ok());
    ASSERT_TRUE(SendAll(client.get(), kGetHello));
    resp = ReadHttpResponse(client.get());
  }
  ASSERT_TRUE(resp.has_value()) << "the client at the file limit was not served";
  EXPECT_TRUE(resp->starts_with("HTTP/1.1 200"));
  EXPECT_GE(server_->connections_evicted(), 1u);
  EXPECT_TRUE(WaitForClose(idle[0].get(), 5s)) << "the oldest idle connection was not evicted";
  bool logged = false;
  for (const auto& [msg, fields] : logger_.Lines()) logged = logged || msg == "accept failed";
  EXPECT_TRUE(logged);
}

// max_connections above what the open-file limit allows is lowered at Start, with a warning.
TEST_F(ServerLimitsTest, CapIsLoweredToTheFileLimit) {
  {
    FileLimit limit(256);
    ASSERT_TRUE(limit.ok());
    StartServer(Options());  // max_connections 4096
  }
  bool warned = false;
  for (const auto& [msg, fields] : logger_.Lines()) {
    if (msg.find("open-file limit") == std::string::npos) continue;
    warned = true;
    EXPECT_EQ(fields.value("max-connections", 0), 4096);
    EXPECT_EQ(fields.value("effective-max-connections", 0), 256 - 64);
    EXPECT_EQ(fields.value("open-file-limit", 0), 256);
  }
  EXPECT_TRUE(warned);
  EXPECT_TRUE(NewClientServed());
}

}  // namespace
}  // namespace cairn::http
