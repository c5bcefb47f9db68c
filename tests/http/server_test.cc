// End-to-end tests of the HTTP server and client over real sockets on 127.0.0.1.

#include "http/server.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <mutex>
#include <regex>
#include <set>
#include <stdexcept>
#include <thread>

#include "http/client.h"
#include "http/test_support.h"
#include "http/uuid.h"
#include "testing/fakes.h"

namespace cairn::http {
namespace {

using namespace std::chrono_literals;
using testing::CertSpec;
using testing::ConnectTcp;
using ::testing::HasSubstr;
using testing::IssueCert;
using testing::NewP256Key;
using testing::ReadHttpResponse;
using testing::SendAll;
using testing::TestCert;
using testing::TestKey;
using testing::TlsClientOptions;
using testing::TlsConnection;
using testing::WaitForClose;

// Pki is the set of keys and certificates the tests share (built once: key generation is the
// slow part).
struct Pki {
  TestKey ca_key = NewP256Key();
  TestCert ca = IssueCert({.common_name = "Test Root", .serial = 100, .is_ca = true}, ca_key,
                          nullptr, ca_key);
  TestKey server_key = NewP256Key();
  TestCert server = IssueCert({.common_name = "server",
                               .serial = 1,
                               .dns_names = {"localhost", "ca.test"},
                               .ip_addresses = {"127.0.0.1", "::1"},
                               .eku = "serverAuth"},
                              server_key, &ca, ca_key);
  TestKey server_key2 = NewP256Key();
  TestCert server2 = IssueCert({.common_name = "server",
                                .serial = 2,
                                .dns_names = {"localhost"},
                                .ip_addresses = {"127.0.0.1"},
                                .eku = "serverAuth"},
                               server_key2, &ca, ca_key);

  TestKey client_ca_key = NewP256Key();
  TestCert client_ca = IssueCert({.common_name = "Client Root", .serial = 200, .is_ca = true},
                                 client_ca_key, nullptr, client_ca_key);
  TestKey client_key = NewP256Key();
  TestCert client = IssueCert({.common_name = "alice", .serial = 201, .eku = "clientAuth"},
                              client_key, &client_ca, client_ca_key);
  TestCert client_expired = IssueCert({.common_name = "alice",
                                       .serial = 202,
                                       .not_before_offset = -48h,
                                       .not_after_offset = -1h,
                                       .eku = "clientAuth"},
                                      client_key, &client_ca, client_ca_key);
  TestKey inter_key = NewP256Key();
  TestCert inter = IssueCert({.common_name = "Client Intermediate", .serial = 203, .is_ca = true},
                             inter_key, &client_ca, client_ca_key);
  TestKey leaf_key = NewP256Key();
  TestCert leaf_via_inter = IssueCert({.common_name = "bob", .serial = 204, .eku = "clientAuth"},
                                      leaf_key, &inter, inter_key);

  TestKey other_ca_key = NewP256Key();
  TestCert other_ca = IssueCert({.common_name = "Other Root", .serial = 300, .is_ca = true},
                                other_ca_key, nullptr, other_ca_key);
  TestCert client_other = IssueCert({.common_name = "mallory", .serial = 301, .eku = "clientAuth"},
                                    client_key, &other_ca, other_ca_key);
};

Pki& GetPki() {
  static Pki* pki = new Pki();
  return *pki;
}

std::string StripSpace(std::string s) {
  std::erase_if(s, [](char c) { return c == '\n' || c == '\r' || c == ' '; });
  return s;
}

struct LogRecord {
  std::string method;
  std::string target;
  int status = 0;
  uint64_t connection_id = 0;
  std::string request_id;
  nlohmann::json fields;
};

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    router_.Handle("GET", "/hello",
                   [](Request&, Response& resp) { resp.SetBody(200, "text/plain", "hello"); });
    router_.Handle("GET", "/items/{id}", [](Request& req, Response& resp) {
      resp.SetJson(200, {{"id", req.PathParam("id")}, {"q", req.QueryParam("q")}});
    });
    router_.Handle("GET", "/files/*", [](Request& req, Response& resp) {
      resp.SetBody(200, "text/plain", req.PathParam("*"));
    });
    router_.Handle("POST", "/echo", [](Request& req, Response& resp) {
      resp.SetBody(200, std::string(req.Header("Content-Type")), req.body);
    });
    router_.Handle("PUT", "/echo", [](Request& req, Response& resp) {
      resp.SetBody(200, "text/plain", "put:" + req.body);
    });
    router_.Handle("GET", "/whoami", [](Request& req, Response& resp) {
      nlohmann::json chain = nlohmann::json::array();
      for (const auto& der : req.peer_chain_der) chain.push_back(HexOf(der));
      resp.log_fields["provisioner"] = "test (JWK)";
      resp.SetJson(200, {{"tls", req.tls},
                         {"remote", req.remote_address},
                         {"request_id", req.request_id},
                         {"connection_id", req.connection_id},
                         {"host", req.host},
                         {"user_agent", req.Header("User-Agent")},
                         {"chain", chain}});
    });
    // Asynchronous handlers answer from another thread, as the store's writer does.
    router_.HandleAsync("GET", "/async/{n}", [](Request& req, Completion complete) {
      std::string n = req.PathParam("n");
      std::thread([n, complete = std::move(complete)] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        complete([n](Response& r) { r.SetBody(200, "text/plain", "async " + n); });
      }).detach();
    });
    router_.HandleAsync("GET", "/async-throw",
                        [](Request&, Completion) { throw std::runtime_error("async boom"); });
    router_.HandleAsync("GET", "/async-fill-throw", [](Request&, Completion complete) {
      complete([](Response&) { throw std::runtime_error("fill boom"); });
    });
    router_.HandleAsync("GET", "/async-twice", [](Request&, Completion complete) {
      complete([](Response& r) { r.SetBody(200, "text/plain", "first"); });
      complete([](Response& r) { r.SetBody(200, "text/plain", "second"); });
    });
    router_.Handle("GET", "/throw", [](Request&, Response& resp) {
      resp.log_fields["provisioner"] = "p";
      throw std::runtime_error("boom");
    });
    router_.Handle("GET", "/slow", [this](Request&, Response& resp) {
      slow_entered_.set_value();
      std::this_thread::sleep_for(300ms);
      resp.SetBody(200, "text/plain", "slow done");
    });
    router_.Handle("GET", "/sleep", [](Request& req, Response& resp) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(req.QueryParam("ms"))));
      resp.SetBody(200, "text/plain", "slept");
    });
    router_.Handle("GET", "/big", [](Request&, Response& resp) {
      resp.SetBody(200, "application/octet-stream", std::string(100000, 'x'));
    });
    router_.Handle("GET", "/inject", [](Request& req, Response& resp) {
      resp.SetHeader("X-Echo", req.QueryParam("v"));
      resp.SetBody(200, "text/plain", "ok");
    });
    router_.SetErrorRenderer([](int status, Response& resp) {
      resp.SetJson(status, {{"status", status}, {"message", std::string(StatusText(status))}});
    });
  }

  ~ServerTest() override {
    if (server_) server_->Stop(1s);
  }

  static std::string HexOf(const std::string& der) {
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : der) {
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
    return out;
  }

  ServerOptions BaseOptions() {
    ServerOptions o;
    o.threads = 4;
    o.random = &random_;
    o.access_log = [this](const Request& req, const Response& resp, Duration) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.push_back({req.method, req.target, resp.status, req.connection_id, req.request_id,
                      resp.log_fields});
    };
    return o;
  }

  // StartServer creates and starts a server; TLS servers get the test server certificate and
  // `client_cas` as the client trust pool.
  void StartServer(ServerOptions options,
                   std::vector<std::string> client_cas = {GetPki().client_ca.pem}) {
    auto server = Server::Create(std::move(options), router_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    CAIRN_ASSERT_OK(server_->SetTlsCredentials(GetPki().server.pem + GetPki().ca.pem,
                                               GetPki().server_key.pem, std::move(client_cas)));
    CAIRN_ASSERT_OK(server_->Start());
    ASSERT_GT(server_->port(), 0);
  }

  std::string Url(std::string_view path, bool tls = true) const {
    return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(server_->port()) +
           std::string(path);
  }

  static ClientOptions TrustingClient() {
    ClientOptions o;
    o.ca_pem = GetPki().ca.pem;
    o.timeout = 10s;
    return o;
  }

  std::vector<LogRecord> Log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }

  cairn::testing::FakeRandom random_{1234};
  Router router_;
  std::unique_ptr<Server> server_;
  std::promise<void> slow_entered_;
  std::mutex log_mu_;
  std::vector<LogRecord> log_;
};

// --- routing ---------------------------------------------------------------------------------

TEST_F(ServerTest, RoutesPathParamsAndErrorRenderer) {
  StartServer(BaseOptions());
  HttpClient client(TrustingClient());
  struct Case {
    std::string method, path;
    int status;
    std::string body_contains;
  };
  const std::vector<Case> cases = {
      {"GET", "/hello", 200, "hello"},
      {"GET", "/items/42?q=a+b", 200, R"({"id":"42","q":"a b"})"},
      {"GET", "/items/x%2Fy", 200, R"("id":"x/y")"},
      {"GET", "/files/a/b/c.txt", 200, "a/b/c.txt"},
      {"GET", "/nope", 404, R"({"message":"Not Found","status":404})"},
      {"POST", "/hello", 405, R"({"message":"Method Not Allowed","status":405})"},
      {"DELETE", "/echo", 405, R"("status":405)"},
      {"POST", "/echo", 200, "payload"},
      {"PUT", "/echo", 200, "put:payload"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    std::string body = c.method == "POST" || c.method == "PUT" ? "payload" : "";
    CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse resp,
                               client.Request(c.method, Url(c.path), body, "text/plain"));
    EXPECT_EQ(resp.status, c.status);
    EXPECT_THAT(resp.body, HasSubstr(c.body_contains));
    if (c.status >= 400) {
      EXPECT_EQ(resp.headers.Get("Content-Type"), "application/json");
    }
    if (c.status == 405) {
      EXPECT_FALSE(resp.headers.Get("Allow").empty());
    }
  }
}

TEST_F(ServerTest, HeadOnGetRouteHasHeadersButNoBody) {
  StartServer(BaseOptions());
  HttpClient client(TrustingClient());
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse head, client.Request("HEAD", Url("/hello")));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.headers.Get("Content-Length"), "5");
  EXPECT_EQ(head.headers.Get("Content-Type"), "text/plain");
  // The connection is still usable afterwards (no stray body bytes).
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse get, client.Get(Url("/hello")));
  EXPECT_EQ(get.body, "hello");
  auto log = Log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].connection_id, log[1].connection_id);
}

TEST_F(ServerTest, ResponseHeadersCannotBeInjected) {
  StartServer(BaseOptions());
  HttpClient client(TrustingClient());
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse resp, client.Get(Url("/inject?v=a%0D%0AX-Evil:+1")));
  EXPECT_EQ(resp.status, 200);
  EXPECT_FALSE(resp.headers.Has("X-Evil"));
  EXPECT_FALSE(resp.headers.Has("X-Echo"));
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse plain, client.Get(Url("/inject?v=fine")));
  EXPECT_EQ(plain.headers.Get("X-Echo"), "fine");
}

// --- limits ----------------------------------------------------------------------------------

TEST_F(ServerTest, BodyOverLimitIs413) {
  ServerOptions o = BaseOptions();
  o.max_body_bytes = 1 << 20;
  StartServer(o);
  HttpClient client(TrustingClient());
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse big,
                             client.Post(Url("/echo"), std::string(2 << 20, 'a'), "text/plain"));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(nlohmann::json::parse(big.body),
            nlohmann::json({{"status", 413}, {"message", "Request Entity Too Large"}}));
  EXPECT_FALSE(big.headers.Get("X-Request-Id").empty());
  auto log = Log();
  ASSERT_EQ(log.size(), 1u);  // the transport's own answers are logged too
  EXPECT_EQ(log[0].status, 413);
  EXPECT_EQ(log[0].method, "POST");
  EXPECT_EQ(log[0].target, "/echo");
  // Exactly at the limit is fine, and the client recovers on a new connection.
  std::string at_limit(1 << 20, 'b');
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse ok, client.Post(Url("/echo"), at_limit, "text/plain"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body.size(), at_limit.size());
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  ServerOptions o = BaseOptions();
  o.tls = false;
  o.max_body_bytes = 100;
  StartServer(o);
  int fd = ConnectTcp(server_->port());
  ASSERT_GE(fd, 0);
  std::string chunk(80, 'z');
  ASSERT_TRUE(SendAll(fd,
                      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "50\r\n" +
                          chunk + "\r\n50\r\n" + chunk + "\r\n0\r\n\r\n"));
  auto resp = ReadHttpResponse(fd);
  ASSERT_TRUE(resp.has_value());
  EXPECT_THAT(*resp, ::testing::StartsWith("HTTP/1.1 413"));
  EXPECT_TRUE(WaitForClose(fd, 5s));
  close(fd);
}

TEST_F(ServerTest, HeadersOverLimitAre431) {
  ServerOptions o = BaseOptions();
  o.max_header_bytes = 8 << 10;
  StartServer(o);
  HttpClient client(TrustingClient());
  Headers h;
  h.Add("X-Big", std::string(20000, 'a'));
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse resp, client.Get(Url("/hello"), h));
  EXPECT_EQ(resp.status, 431);
  EXPECT_THAT(resp.body, HasSubstr("\"status\":431"));
  Headers small;
  small.Add("X-Small", std::string(1000, 'a'));
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse ok, client.Get(Url("/hello"), small));
  EXPECT_EQ(ok.status, 200);
}

TEST_F(ServerTest, MalformedRequestIs400ThenClose) {
  ServerOptions o = BaseOptions();
  o.tls = false;
  StartServer(o);
  for (std::string bad :
       {"GARBAGE\r\n\r\n", "GET /x HTTP/9.9\r\n\r\n", "GET /hello HTTP/1.1\r\nBad Header\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        // Request smuggling shape: both framings.
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /hello HTTP/1.1\r\n\r\n",  // HTTP/1.1 without Host
        // Two Host fields; Hosts that could end a URL built from them (Go's rules).
        "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: a>;rel=\"x\"\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: a b\r\n\r\n", "GET /hello HTTP/1.1\r\nHost: a/b?\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: a#b\r\n\r\n"}) {
    SCOPED_TRACE(bad);
    int fd = ConnectTcp(server_->port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, bad));
    auto resp = ReadHttpResponse(fd);
    ASSERT_TRUE(resp.has_value());
    EXPECT_THAT(*resp, ::testing::StartsWith("HTTP/1.1 400"));
    EXPECT_THAT(*resp, HasSubstr("\"status\":400"));
    EXPECT_TRUE(WaitForClose(fd, 5s));
    close(fd);
  }
}

TEST_F(ServerTest, Expect100Continue) {
  ServerOptions o = BaseOptions();
  o.tls = false;
  o.max_body_bytes = 1000;
  StartServer(o);
  int fd = ConnectTcp(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                      "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = ReadHttpResponse(fd);
  ASSERT_TRUE(interim.has_value());
  EXPECT_THAT(*interim, ::testing::StartsWith("HTTP/1.1 100 Continue"));
  ASSERT_TRUE(SendAll(fd, "hello"));
  auto final_resp = ReadHttpResponse(fd);
  ASSERT_TRUE(final_resp.has_value());
  EXPECT_THAT(*final_resp, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(*final_resp, ::testing::EndsWith("\r\n\r\nhello"));
  close(fd);

  // Over the limit: 413 straight away, without asking for the body.
  fd = ConnectTcp(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                      "Expect: 100-continue\r\n\r\n"));
  auto rejected = ReadHttpResponse(fd);
  ASSERT_TRUE(rejected.has_value());
  EXPECT_THAT(*rejected, ::testing::StartsWith("HTTP/1.1 413"));
  close(fd);
}

// --- request ids and logging --------------------------------------------------------------

TEST_F(ServerTest, RequestIdIsEchoedOrMinted) {
  StartServer(BaseOptions());
  HttpClient client(TrustingClient());

  Headers given;
  given.Add("X-Request-Id", "req-123");
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse a, client.Get(Url("/whoami"), given));
  EXPECT_EQ(a.headers.Get("X-Request-Id"), "req-123");
  EXPECT_EQ(nlohmann::json::parse(a.body)["request_id"], "req-123");

  Headers legacy;
  legacy.Add("X-Smallstep-Id", "legacy-7");
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse b, client.Get(Url("/whoami"), legacy));
  EXPECT_EQ(b.headers.Get("X-Request-Id"), "legacy-7");

  Headers both;
  both.Add("X-Smallstep-Id", "legacy-8");
  both.Add("X-Request-Id", "primary-8");
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse c, client.Get(Url("/whoami"), both));
  EXPECT_EQ(c.headers.Get("X-Request-Id"), "primary-8");

  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse d, client.Get(Url("/whoami")));
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse e, client.Get(Url("/nope")));
  std::string id_d(d.headers.Get("X-Request-Id"));
  std::string id_e(e.headers.Get("X-Request-Id"));
  EXPECT_TRUE(std::regex_match(id_d, uuid)) << id_d;
  EXPECT_TRUE(std::regex_match(id_e, uuid)) << id_e;  // error responses carry one too
  EXPECT_NE(id_d, id_e);
  EXPECT_EQ(nlohmann::json::parse(d.body)["request_id"], id_d);

  auto log = Log();
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log[0].request_id, "req-123");
  EXPECT_EQ(log[3].request_id, id_d);
  EXPECT_EQ(log[3].fields["provisioner"], "test (JWK)");
  EXPECT_EQ(log[4].status, 404);
}

TEST_F(ServerTest, CustomRequestIdHeaders) {
  ServerOptions o = BaseOptions();
  o.request_id_header = "X-Trace";
  o.legacy_trace_header = "X-Old-Trace";
  StartServer(o);
  HttpClient client(TrustingClient());
  Headers h;
  h.Add("X-Old-Trace", "t-1");
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse resp, client.Get(Url("/hello"), h));
  EXPECT_EQ(resp.headers.Get("X-Request-Id"), "t-1");
}

TEST_F(ServerTest, WhoAmIReportsConnectionFacts) {
  StartServer(BaseOptions());
  HttpClient client(TrustingClient());
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse resp, client.Get(Url("/whoami")));
  auto j = nlohmann::json::parse(resp.body);
  EXPECT_EQ(j["tls"], true);
  EXPECT_EQ(j["remote"], "127.0.0.1");
  EXPECT_EQ(j["host"], "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_TRUE(j["chain"].empty());
  EXPECT_FALSE(resp.headers.Get("Date").empty());
}

// --- keep-alive, connection management ----------------------------------------------------

TEST_F(ServerTest, KeepAliveReusesOneConnection) {
  StartServer(BaseOptions());
  HttpClient client(TrustingClient());
  for (int i = 0; i < 25; ++i) {
    CAIRN_ASSERT_OK_AND_ASSIGN(
        ClientResponse resp,
        i % 2 == 0 ? client.Get(Url("/hello")) : client.Post(Url("/echo"), "x", "text/plain"));
    ASSERT_EQ(resp.status, 200);
  }
  std::set<uint64_t> ids;
  for (const LogRecord& r : Log()) ids.insert(r.connection_id);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(server_->connections_accepted(), 1u);
}

TEST_F(ServerTest, ConnectionCap) {
  ServerOptions o = BaseOptions();
  o.tls = false;
  o.max_connections = 2;
  StartServer(o);
  const std::string req = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  int fd1 = ConnectTcp(server_->port());
  int fd2 = ConnectTcp(server_->port());
  ASSERT_GE(fd1, 0);
  ASSERT_GE(fd2, 0);
  ASSERT_TRUE(SendAll(fd1, req));
  ASSERT_TRUE(ReadHttpResponse(fd1).has_value());
  std::this_thread::sleep_for(20ms);  // fd1 is idle before fd2
  ASSERT_TRUE(SendAll(fd2, req));
  ASSERT_TRUE(ReadHttpResponse(fd2).has_value());
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(server_->active_connections(), 2);

  // A third connection evicts the connection idle the longest (fd1) and is served
  // (tests/http/server_limits_test.cc has the rest of the cap's rules).
  int fd3 = ConnectTcp(server_->port());
  ASSERT_GE(fd3, 0);
  ASSERT_TRUE(SendAll(fd3, req));
  auto resp = ReadHttpResponse(fd3);
  ASSERT_TRUE(resp.has_value());
  EXPECT_THAT(*resp, ::testing::StartsWith("HTTP/1.1 200"));
  EXPECT_TRUE(WaitForClose(fd1, 5s));
  EXPECT_EQ(server_->connections_evicted(), 1u);
  close(fd1);
  close(fd2);
  close(fd3);
}

TEST_F(ServerTest, SlowHeadersAreCutOffByReadTimeout) {
  ServerOptions o = BaseOptions();
  o.tls = false;
  o.read_timeout = 300ms;
  StartServer(o);
  int fd = ConnectTcp(server_->port());
  ASSERT_GE(fd, 0);
  // A slowloris client: one header byte every 50 ms, forever (up to 10 s of bytes).
  std::string slow = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'a');
  bool closed = false;
  for (char c : slow) {
    if (!SendAll(fd, std::string_view(&c, 1)) || WaitForClose(fd, 50ms)) {
      closed = true;
      break;
    }
  }
  EXPECT_TRUE(closed) << "server kept a slowloris connection for the whole header";
  close(fd);
  auto log = Log();
  EXPECT_TRUE(log.empty());  // no request was ever dispatched
}

TEST_F(ServerTest, SilentTlsClientIsCutOffByReadTimeout) {
  ServerOptions o = BaseOptions();
  o.read_timeout = 300ms;
  StartServer(o);
  int fd = ConnectTcp(server_->port());
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(WaitForClose(fd, 5s));  // never sends a ClientHello
  close(fd);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions o = BaseOptions();
  o.tls = false;
  o.idle_timeout = 200ms;
  StartServer(o);
  int fd = ConnectTcp(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto resp = ReadHttpResponse(fd);
  ASSERT_TRUE(resp.has_value());
  EXPECT_TRUE(WaitForClose(fd, 5s));
  close(fd);
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  ServerOptions o = BaseOptions();
  o.tls = false;
  StartServer(o);
  int fd = ConnectTcp(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto resp = ReadHttpResponse(fd);
  ASSERT_TRUE(resp.has_value());
  EXPECT_THAT(*resp, HasSubstr("Connection: close"));
  EXPECT_TRUE(WaitForClose(fd, 5s));
  close(fd);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  ServerOptions o = BaseOptions();
  o.tls = false;
  StartServer(o);
  int fd = ConnectTcp(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = ReadHttpResponse(fd);
  ASSERT_TRUE(first.has_value());
  EXPECT_THAT(*first, HasSubstr(R"("id":"1")"));
  // The second response may have arrived in the same read; ask again only if it did not.
  if (first->find(R"("id":"2")") == std::string::npos) {
    auto second = ReadHttpResponse(fd);
    ASSERT_TRUE(second.has_value());
    EXPECT_THAT(*second, HasSubstr(R"("id":"2")"));
  }
  close(fd);
}

// --- handler failures and shutdown --------------------------------------------------------

TEST_F(ServerTest, HandlerExceptionIs500AndServerGoesOn) {
  StartServer(BaseOptions());
  HttpClient client(TrustingClient());
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse bad, client.Get(Url("/throw")));
  EXPECT_EQ(bad.status, 500);
  EXPECT_EQ(nlohmann::json::parse(bad.body),
            nlohmann::json({{"status", 500}, {"message", "Internal Server Error"}}));
  EXPECT_THAT(bad.body, ::testing::Not(HasSubstr("boom")));  // details stay in the log
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse ok, client.Get(Url("/hello")));
  EXPECT_EQ(ok.status, 200);
  auto log = Log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].status, 500);
  EXPECT_EQ(log[0].fields["error"], "boom");
  EXPECT_EQ(log[0].fields["provisioner"], "p");  // fields set before the throw are kept
}

TEST_F(ServerTest, AsynchronousHandlersAnswerFromAnotherThread) {
  StartServer(BaseOptions());
  // Many at once on few I/O threads: none of them holds a thread while it waits.
  std::vector<std::future<Result<ClientResponse>>> answers;
  for (int i = 0; i < 24; ++i) {
    answers.push_back(std::async(std::launch::async, [this, i] {
      HttpClient client(TrustingClient());
      return client.Get(Url("/async/" + std::to_string(i)));
    }));
  }
  for (int i = 0; i < 24; ++i) {
    auto resp = answers[i].get();
    ASSERT_TRUE(resp.ok()) << resp.status();
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, "async " + std::to_string(i));
  }
  HttpClient client(TrustingClient());
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse thrown, client.Get(Url("/async-throw")));
  EXPECT_EQ(thrown.status, 500);
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse fill, client.Get(Url("/async-fill-throw")));
  EXPECT_EQ(fill.status, 500);
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse twice, client.Get(Url("/async-twice")));
  EXPECT_EQ(twice.body, "first");  // a second completion is ignored
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse ok, client.Get(Url("/hello")));
  EXPECT_EQ(ok.status, 200);
}

TEST(RouterAsyncTest, ServeWaitsForAnAsynchronousRoute) {
  Router router;
  router.HandleAsync("POST", "/later", [](Request& req, Completion complete) {
    std::string body = req.body;
    std::thread([body, complete = std::move(complete)] {
      complete([body](Response& r) { r.SetBody(201, "text/plain", "got " + body); });
    }).detach();
  });
  Request req;
  req.method = "POST";
  req.path = "/later";
  req.body = "x";
  Response resp;
  router.Serve(req, resp);
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(resp.body, "got x");
  EXPECT_EQ(req.route, "/later");
}

TEST_F(ServerTest, StopLetsInFlightRequestFinish) {
  StartServer(BaseOptions());
  const std::string url = Url("/slow");
  auto result = std::async(std::launch::async, [url] {
    HttpClient client(TrustingClient());
    return client.Get(url);
  });
  slow_entered_.get_future().wait();
  // An idle keep-alive connection does not hold Stop up (it is closed at once).
  HttpClient idle(TrustingClient());
  ASSERT_TRUE(idle.Get(Url("/hello")).ok());
  server_->Stop(10s);
  auto resp = result.get();
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "slow done");
  EXPECT_EQ(resp->headers.Get("Connection"), "close");
  EXPECT_EQ(server_->active_connections(), 0);
  // The listener is gone.
  HttpClient after(TrustingClient());
  auto refused = after.Get(url);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  server_->Stop(1s);  // idempotent
}

TEST_F(ServerTest, StopWithoutStartAndLifecycleErrors) {
  auto created = Server::Create(BaseOptions(), router_);
  ASSERT_TRUE(created.ok());
  std::unique_ptr<Server> server = std::move(created).value();
  EXPECT_EQ(server->Start().code(), StatusCode::kFailedPrecondition);  // no credentials
  server->Stop(1s);
  EXPECT_EQ(server->SetTlsCredentials("junk", "junk", {}).code(), StatusCode::kInvalidArgument);
  // Key of another certificate.
  EXPECT_EQ(server->SetTlsCredentials(GetPki().server.pem, GetPki().server_key2.pem, {}).code(),
            StatusCode::kInvalidArgument);
  CAIRN_ASSERT_OK(server->SetTlsCredentials(GetPki().server.pem, GetPki().server_key.pem, {}));
  CAIRN_ASSERT_OK(server->Start());
  EXPECT_EQ(server->Start().code(), StatusCode::kFailedPrecondition);

  // A second server on the same port cannot bind.
  ServerOptions o = BaseOptions();
  o.address = "127.0.0.1:" + std::to_string(server->port());
  o.tls = false;
  auto second = Server::Create(o, router_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->Start().code(), StatusCode::kUnavailable);
  server->Stop(1s);
}

TEST_F(ServerTest, CreateRejectsBadOptions) {
  for (std::string address : {"127.0.0.1", "::1:80", "[::1]80", "1.2.3.4:99999", "host:"}) {
    SCOPED_TRACE(address);
    ServerOptions o;
    o.address = address;
    EXPECT_EQ(Server::Create(o, router_).status().code(), StatusCode::kInvalidArgument);
  }
  ServerOptions zero;
  zero.max_body_bytes = 0;
  EXPECT_EQ(Server::Create(zero, router_).status().code(), StatusCode::kInvalidArgument);
}

// --- TLS --------------------------------------------------------------------------------------

TEST_F(ServerTest, TlsVersionAndCipherPolicy) {
  StartServer(BaseOptions());
  struct Case {
    std::string name;
    int min_version, max_version;
    std::string ciphers;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"tls1.3", TLS1_2_VERSION, TLS1_3_VERSION, "", true},
      {"tls1.2 ecdhe-ecdsa-aes128-gcm", TLS1_2_VERSION, TLS1_2_VERSION,
       "ECDHE-ECDSA-AES128-GCM-SHA256", true},
      {"tls1.2 ecdhe-ecdsa-chacha20", TLS1_2_VERSION, TLS1_2_VERSION,
       "ECDHE-ECDSA-CHACHA20-POLY1305", true},
      {"tls1.2 cbc refused", TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256", false},
      {"tls1.2 cbc-sha1 refused", TLS1_2_VERSION, TLS1_2_VERSION,
       "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0", false},
      {"tls1.1 refused", TLS1_VERSION, TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0", false},
      {"tls1.0 refused", TLS1_VERSION, TLS1_VERSION, "DEFAULT:@SECLEVEL=0", false},
      // Control for the two above: the same permissive client settles on TLS 1.2.
      {"permissive client gets tls1.2", TLS1_VERSION, TLS1_2_VERSION, "DEFAULT:@SECLEVEL=0", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TlsConnection conn;
    bool ok = conn.Connect(server_->port(), {.min_version = c.min_version,
                                             .max_version = c.max_version,
                                             .cipher_list = c.ciphers,
                                             .ca_pem = GetPki().ca.pem});
    EXPECT_EQ(ok, c.ok) << conn.error();
    if (ok) {
      EXPECT_GE(conn.Version(), TLS1_2_VERSION);
      auto resp = conn.Exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
      ASSERT_TRUE(resp.has_value());
      EXPECT_THAT(*resp, ::testing::EndsWith("hello"));
    }
  }
}

TEST_F(ServerTest, MutualTls) {
  StartServer(BaseOptions());
  const Pki& pki = GetPki();
  auto whoami = [&](ClientOptions o) -> Result<nlohmann::json> {
    HttpClient client(std::move(o));
    CAIRN_ASSIGN_OR_RETURN(ClientResponse resp, client.Get(Url("/whoami")));
    if (resp.status != 200) return InternalError("status " + std::to_string(resp.status));
    return nlohmann::json::parse(resp.body);
  };

  // No client certificate: fine, no chain.
  CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::json none, whoami(TrustingClient()));
  EXPECT_TRUE(none["chain"].empty());

  // A valid certificate: the chain is visible, leaf first.
  ClientOptions valid = TrustingClient();
  valid.client_cert_pem = pki.client.pem;
  valid.client_key_pem = pki.client_key.pem;
  CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::json good, whoami(valid));
  ASSERT_EQ(good["chain"].size(), 1u);
  EXPECT_EQ(good["chain"][0], ServerTest::HexOf(pki.client.der));

  // Leaf + intermediate: both as presented.
  ClientOptions chained = TrustingClient();
  chained.client_cert_pem = pki.leaf_via_inter.pem + pki.inter.pem;
  chained.client_key_pem = pki.leaf_key.pem;
  CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::json two, whoami(chained));
  ASSERT_EQ(two["chain"].size(), 2u);
  EXPECT_EQ(two["chain"][0], ServerTest::HexOf(pki.leaf_via_inter.der));
  EXPECT_EQ(two["chain"][1], ServerTest::HexOf(pki.inter.der));

  // A certificate from another CA, or an expired one: the handshake fails.
  ClientOptions other = TrustingClient();
  other.client_cert_pem = pki.client_other.pem;
  other.client_key_pem = pki.client_key.pem;
  auto rejected = whoami(other);
  EXPECT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), StatusCode::kUnavailable) << rejected.status();

  ClientOptions expired = TrustingClient();
  expired.client_cert_pem = pki.client_expired.pem;
  expired.client_key_pem = pki.client_key.pem;
  EXPECT_FALSE(whoami(expired).ok());

  // The same with a raw TLS 1.2 client, where the failure is in the handshake itself.
  for (const TestCert* cert : {&pki.client_other, &pki.client_expired}) {
    TlsConnection conn;
    EXPECT_FALSE(conn.Connect(
        server_->port(),
        {.max_version = TLS1_2_VERSION, .client_cert = cert, .client_key = &pki.client_key}));
  }
  TlsConnection good12;
  EXPECT_TRUE(good12.Connect(
      server_->port(),
      {.max_version = TLS1_2_VERSION, .client_cert = &pki.client, .client_key = &pki.client_key}))
      << good12.error();

  // The server still serves.
  CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::json after, whoami(TrustingClient()));
  EXPECT_TRUE(after["chain"].empty());
  // Rejected requests never reached a handler.
  for (const LogRecord& r : Log()) EXPECT_EQ(r.status, 200);
}

TEST_F(ServerTest, IntermediateInPoolIsATrustAnchor) {
  // Only the intermediate is trusted (as Go's CertPool): a leaf it issued verifies alone.
  StartServer(BaseOptions(), {GetPki().inter.pem});
  ClientOptions o = TrustingClient();
  o.client_cert_pem = GetPki().leaf_via_inter.pem;
  o.client_key_pem = GetPki().leaf_key.pem;
  HttpClient client(o);
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse resp, client.Get(Url("/whoami")));
  EXPECT_EQ(nlohmann::json::parse(resp.body)["chain"].size(), 1u);
}

TEST_F(ServerTest, NoClientPoolMeansNoClientCertificates) {
  StartServer(BaseOptions(), {});
  ClientOptions o = TrustingClient();
  o.client_cert_pem = GetPki().client.pem;
  o.client_key_pem = GetPki().client_key.pem;
  HttpClient client(o);
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse resp, client.Get(Url("/whoami")));
  EXPECT_TRUE(nlohmann::json::parse(resp.body)["chain"].empty());
}

TEST_F(ServerTest, CertificateRotation) {
  StartServer(BaseOptions());
  const Pki& pki = GetPki();
  TlsConnection before;
  ASSERT_TRUE(before.Connect(server_->port(), {.ca_pem = pki.ca.pem})) << before.error();
  EXPECT_EQ(before.PeerSerial(), 1u);
  HttpClient kept(TrustingClient());
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse first, kept.Get(Url("/whoami")));

  CAIRN_ASSERT_OK(
      server_->SetTlsCredentials(pki.server2.pem, pki.server_key2.pem, {pki.client_ca.pem}));
  TlsConnection after;
  ASSERT_TRUE(after.Connect(server_->port(), {.ca_pem = pki.ca.pem})) << after.error();
  EXPECT_EQ(after.PeerSerial(), 2u);

  // Existing connections carry on with the old certificate.
  auto resp = before.Exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(resp.has_value());
  EXPECT_THAT(*resp, ::testing::EndsWith("hello"));
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse second, kept.Get(Url("/whoami")));
  EXPECT_EQ(nlohmann::json::parse(first.body)["connection_id"],
            nlohmann::json::parse(second.body)["connection_id"]);

  // A failed rotation keeps the current credentials.
  EXPECT_FALSE(server_->SetTlsCredentials("bad", "bad", {}).ok());
  TlsConnection third;
  ASSERT_TRUE(third.Connect(server_->port(), {.ca_pem = pki.ca.pem}));
  EXPECT_EQ(third.PeerSerial(), 2u);
}

TEST_F(ServerTest, CurlCommandLineSpeaksHttp11) {
  if (std::system("curl --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no curl CLI";
  StartServer(BaseOptions());
  char path[] = "/tmp/cairn-http-ca-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  {
    std::ofstream out(path);
    out << GetPki().ca.pem;
  }
  close(fd);
  std::string cmd = std::string("curl -sS --noproxy '*' --cacert ") + path +
                    " -w '\\n%{http_version} %{response_code}' " + Url("/hello") + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) output.append(buf, n);
  int rc = pclose(p);
  unlink(path);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_EQ(output, "hello\n1.1 200");
}

TEST_F(ServerTest, PlainHttpMode) {
  ServerOptions o = BaseOptions();
  o.tls = false;
  auto created = Server::Create(o, router_);
  ASSERT_TRUE(created.ok());
  server_ = std::move(created).value();
  CAIRN_ASSERT_OK(server_->Start());  // no credentials needed
  HttpClient client;
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse resp, client.Get(Url("/whoami", /*tls=*/false)));
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(nlohmann::json::parse(resp.body)["tls"], false);
}

TEST_F(ServerTest, ListensOnIpv6Loopback) {
  ServerOptions o = BaseOptions();
  o.address = "[::1]:0";
  auto created = Server::Create(o, router_);
  ASSERT_TRUE(created.ok());
  server_ = std::move(created).value();
  CAIRN_ASSERT_OK(server_->SetTlsCredentials(GetPki().server.pem, GetPki().server_key.pem, {}));
  Status started = server_->Start();
  if (started.code() == StatusCode::kUnavailable) GTEST_SKIP() << "no IPv6: " << started;
  CAIRN_ASSERT_OK(started);
  HttpClient client(TrustingClient());
  CAIRN_ASSERT_OK_AND_ASSIGN(
      ClientResponse resp,
      client.Get("https://[::1]:" + std::to_string(server_->port()) + "/whoami"));
  EXPECT_EQ(nlohmann::json::parse(resp.body)["remote"], "::1");
}

TEST_F(ServerTest, AllInterfacesAddress) {
  ServerOptions o = BaseOptions();
  o.address = ":0";
  o.tls = false;
  auto created = Server::Create(o, router_);
  ASSERT_TRUE(created.ok());
  server_ = std::move(created).value();
  CAIRN_ASSERT_OK(server_->Start());
  HttpClient client;
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse resp, client.Get(Url("/whoami", false)));
  // An IPv4 client of a dual-stack socket is reported as plain IPv4.
  EXPECT_EQ(nlohmann::json::parse(resp.body)["remote"], "127.0.0.1");
}

TEST_F(ServerTest, ThrowingErrorRendererFallsBackToText) {
  router_.SetErrorRenderer([](int, Response&) { throw std::runtime_error("renderer bug"); });
  StartServer(BaseOptions());
  HttpClient client(TrustingClient());
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse resp, client.Get(Url("/throw")));
  EXPECT_EQ(resp.status, 500);
  EXPECT_EQ(resp.body, "500 Internal Server Error\n");
  // The renderer failing while rendering a 404 is itself an internal error.
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse missing, client.Get(Url("/nope")));
  EXPECT_EQ(missing.status, 500);
  EXPECT_EQ(missing.body, "500 Internal Server Error\n");
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse ok, client.Get(Url("/hello")));
  EXPECT_EQ(ok.status, 200);
}

TEST_F(ServerTest, ManyConcurrentClients) {
  StartServer(BaseOptions());
  constexpr int kClients = 8;
  constexpr int kRequests = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      ClientOptions o = TrustingClient();
      if (c % 2 == 0) {
        o.client_cert_pem = GetPki().client.pem;
        o.client_key_pem = GetPki().client_key.pem;
      }
      HttpClient client(o);
      for (int i = 0; i < kRequests; ++i) {
        auto resp =
            client.Post(Url("/echo"), std::to_string(c) + ":" + std::to_string(i), "text/plain");
        if (resp.ok() && resp->status == 200 &&
            resp->body == std::to_string(c) + ":" + std::to_string(i)) {
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(server_->connections_accepted(), static_cast<uint64_t>(kClients));
}

TEST_F(ServerTest, StopUnderLoadIsClean) {
  StartServer(BaseOptions());
  std::atomic<bool> done{false};
  std::atomic<int> served{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < 6; ++c) {
    threads.emplace_back([&] {
      ClientOptions o = TrustingClient();
      o.timeout = 5s;
      HttpClient client(o);
      while (!done) {
        auto resp = client.Get(Url("/sleep?ms=5"));
        if (resp.ok() && resp->status == 200) ++served;
      }
    });
  }
  for (int i = 0; i < 200 && served < 20; ++i) std::this_thread::sleep_for(5ms);
  server_->Stop(2s);
  done = true;
  for (auto& t : threads) t.join();
  EXPECT_GE(served.load(), 1);
  EXPECT_EQ(server_->active_connections(), 0);
}

// --- client ----------------------------------------------------------------------------------

TEST_F(ServerTest, ClientVerifiesTheServer) {
  StartServer(BaseOptions());
  const int port = server_->port();

  ClientOptions wrong_ca = TrustingClient();
  wrong_ca.ca_pem = GetPki().other_ca.pem;
  auto r1 = HttpClient(wrong_ca).Get(Url("/hello"));
  EXPECT_EQ(r1.status().code(), StatusCode::kUnauthenticated) << r1.status();

  ClientOptions system_store;  // the test CA is not in the system store
  auto r2 = HttpClient(system_store).Get(Url("/hello"));
  EXPECT_EQ(r2.status().code(), StatusCode::kUnauthenticated) << r2.status();

  // Host name checks: a pinned name in the certificate works, another does not.
  ClientOptions pinned = TrustingClient();
  pinned.resolve = {"ca.test:" + std::to_string(port) + ":127.0.0.1",
                    "wrong.test:" + std::to_string(port) + ":127.0.0.1"};
  HttpClient named(pinned);
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse ok,
                             named.Get("https://ca.test:" + std::to_string(port) + "/whoami"));
  EXPECT_EQ(nlohmann::json::parse(ok.body)["host"], "ca.test:" + std::to_string(port));
  auto r3 = named.Get("https://wrong.test:" + std::to_string(port) + "/hello");
  EXPECT_EQ(r3.status().code(), StatusCode::kUnauthenticated) << r3.status();

  ClientOptions insecure;
  insecure.insecure_skip_verify = true;
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse r4, HttpClient(insecure).Get(Url("/hello")));
  EXPECT_EQ(r4.body, "hello");
}

TEST_F(ServerTest, ClientCapturesPeerCertificates) {
  StartServer(BaseOptions());
  ClientOptions o;
  o.insecure_skip_verify = true;
  o.capture_peer_certificates = true;
  HttpClient client(o);
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse resp, client.Get(Url("/hello")));
  ASSERT_EQ(resp.peer_cert_chain_pem.size(), 2u);  // leaf + the root we configured as chain
  EXPECT_EQ(StripSpace(resp.peer_cert_chain_pem[0]), StripSpace(GetPki().server.pem));
  EXPECT_EQ(StripSpace(resp.peer_cert_chain_pem[1]), StripSpace(GetPki().ca.pem));
}

TEST_F(ServerTest, ClientLimitsAndErrors) {
  StartServer(BaseOptions());
  ClientOptions small = TrustingClient();
  small.max_response_bytes = 1000;
  HttpClient limited(small);
  auto big = limited.Get(Url("/big"));
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted) << big.status();
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse fits, limited.Get(Url("/hello")));
  EXPECT_EQ(fits.body, "hello");

  ClientOptions quick = TrustingClient();
  quick.timeout = 100ms;
  auto slow = HttpClient(quick).Get(Url("/sleep?ms=400"));
  EXPECT_EQ(slow.status().code(), StatusCode::kDeadlineExceeded) << slow.status();

  HttpClient client(TrustingClient());
  Headers bad;
  bad.Add("X-Bad", "a\r\nInjected: 1");
  EXPECT_EQ(client.Get(Url("/hello"), bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Get("not a url").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Get("ftp://127.0.0.1/x").status().code(), StatusCode::kInvalidArgument);

  ClientOptions bad_cert = TrustingClient();
  bad_cert.client_cert_pem = "not a cert";
  bad_cert.client_key_pem = "not a key";
  EXPECT_FALSE(HttpClient(bad_cert).Get(Url("/hello")).ok());

  // Refused connections are kUnavailable.
  const std::string url = Url("/hello");
  server_->Stop(1s);
  auto refused = client.Get(url);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable) << refused.status();
}

TEST_F(ServerTest, ClientSendsBodiesAndHeaders) {
  StartServer(BaseOptions());
  HttpClient client(TrustingClient());
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse posted,
                             client.Post(Url("/echo"), R"({"a":1})", "application/json"));
  EXPECT_EQ(posted.status, 200);
  EXPECT_EQ(posted.body, R"({"a":1})");
  EXPECT_EQ(posted.headers.Get("content-type"), "application/json");
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse empty, client.Post(Url("/echo"), "", "text/plain"));
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
  CAIRN_ASSERT_OK_AND_ASSIGN(ClientResponse agent, client.Get(Url("/whoami")));
  EXPECT_EQ(nlohmann::json::parse(agent.body)["user_agent"], "cairn/0.1");
}

}  // namespace
}  // namespace cairn::http
