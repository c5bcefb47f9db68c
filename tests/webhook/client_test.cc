// webhook::Client against a real HTTPS server (http::Server on 127.0.0.1, port 0) that checks
// what a webhook server checks: the HMAC signature over the body, the webhook id, the
// Authorization header and the client certificate.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/key.h"
#include "crypto/signer.h"
#include "http/router.h"
#include "http/server.h"
#include "pki/builder.h"
#include "pki/certificate.h"
#include "testing/fakes.h"
#include "webhook/webhook.h"

namespace cairn::webhook {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// ---- Test PKI: a root, a server certificate for 127.0.0.1, a client certificate. ----------

struct Pki {
  std::string root_pem;
  std::string server_chain_pem;
  std::string server_key_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string client_der;
};

crypto::PrivateKey NewKey() {
  auto key = crypto::PrivateKey::Generate({.type = crypto::KeyType::kEcP256});
  CAIRN_CHECK(key.ok());
  return std::move(key).value();
}

const Pki& GetPki() {
  static const Pki* pki = [] {
    auto* p = new Pki();
    const Time now = std::chrono::system_clock::now();
    crypto::PrivateKey root_key = NewKey();
    crypto::KeySigner root_signer(root_key);
    pki::CertificateTemplate root_t;
    root_t.subject.common_name = "Webhook Test Root";
    root_t.serial_decimal = "1";
    root_t.not_before = now - 1h;
    root_t.not_after = now + 24h;
    root_t.key_usage = pki::kCertSign | pki::kCrlSign;
    root_t.basic_constraints = {.present = true, .is_ca = true, .max_path_len = 1};
    auto root = pki::SignCertificate(root_t, root_key.public_key(), nullptr, root_signer);
    CAIRN_CHECK(root.ok());

    auto leaf = [&](const std::string& cn, const std::string& serial, std::vector<std::string> eku,
                    std::vector<std::string> ips, std::string* cert_pem, std::string* key_pem,
                    std::string* der) {
      crypto::PrivateKey key = NewKey();
      pki::CertificateTemplate t;
      t.subject.common_name = cn;
      t.serial_decimal = serial;
      t.not_before = now - 1h;
      t.not_after = now + 24h;
      t.key_usage = pki::kDigitalSignature;
      t.ext_key_usage = std::move(eku);
      t.sans.ips = std::move(ips);
      auto cert = pki::SignCertificate(t, key.public_key(), &root.value(), root_signer);
      CAIRN_CHECK(cert.ok());
      auto kpem = key.ToPkcs8Pem();
      CAIRN_CHECK(kpem.ok());
      *cert_pem = cert->pem();
      *key_pem = std::move(kpem).value();
      if (der != nullptr) *der = cert->der();
    };
    leaf("127.0.0.1", "2", {"serverAuth"}, {"127.0.0.1"}, &p->server_chain_pem, &p->server_key_pem,
         nullptr);
    leaf("Cairn CA", "3", {"serverAuth", "clientAuth"}, {}, &p->client_cert_pem, &p->client_key_pem,
         &p->client_der);
    p->root_pem = root->pem();
    return p;
  }();
  return *pki;
}

// HmacSha256Hex recomputes the signature independently of the module (OpenSSL's one-shot HMAC).
std::string HmacSha256Hex(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  static const unsigned char kEmpty = 0;
  const void* k = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  CAIRN_CHECK(HMAC(EVP_sha256(), k, static_cast<int>(key.size()),
                   reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                   &n) != nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) {
    hex += kHex[out[i] >> 4];
    hex += kHex[out[i] & 0xf];
  }
  return hex;
}

// ---- The webhook server. ------------------------------------------------------------------

// Expectation is what the server demands of every request.
struct Expectation {
  std::string secret;         // raw HMAC key
  std::string id;             // X-Smallstep-Webhook-ID
  std::string authorization;  // "" means: must be absent
  bool client_cert = true;    // the CA's client certificate must be presented (else: none)
};

// Seen is one request as the server received it.
struct Seen {
  std::string path;
  std::string body;
  http::Headers headers;
  std::vector<std::string> peer_chain_der;
  uint64_t connection_id = 0;
};

class WebhookServer {
 public:
  explicit WebhookServer(bool tls) {
    router_.Handle("POST", "/hook/{mode}",
                   [this](http::Request& req, http::Response& resp) { Serve(req, resp); });
    http::ServerOptions options;
    options.address = "127.0.0.1:0";
    options.threads = 4;
    options.tls = tls;
    auto server = http::Server::Create(std::move(options), router_);
    CAIRN_CHECK(server.ok());
    server_ = std::move(server).value();
    if (tls) {
      CAIRN_CHECK(server_
                      ->SetTlsCredentials(GetPki().server_chain_pem, GetPki().server_key_pem,
                                          {GetPki().root_pem})
                      .ok());
    }
    CAIRN_CHECK(server_->Start().ok());
  }

  ~WebhookServer() {
    Release();
    server_->Stop(5s);
  }

  std::string Url(std::string_view mode, bool tls = true) const {
    return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(server_->port()) +
           "/hook/" + std::string(mode);
  }

  void Expect(Expectation e) {
    std::lock_guard<std::mutex> lock(mu_);
    expect_ = std::move(e);
  }
  void SetBigBody(std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    big_body_ = std::move(body);
  }
  int Hits(const std::string& mode) {
    std::lock_guard<std::mutex> lock(mu_);
    return hits_[mode];
  }
  std::vector<Seen> SeenRequests() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // Failures lists the requests the server refused for a failed check.
  std::vector<std::string> Failures() {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  // Release lets "slow" handlers answer.
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  // Check returns "" when the request satisfies the expectation, else what is wrong.
  std::string Check(const http::Request& req, const Expectation& e) {
    if (req.Header("Content-Type") != "application/json") return "content type";
    if (!req.headers.Has("X-Smallstep-Webhook-ID") ||
        req.Header("X-Smallstep-Webhook-ID") != e.id) {
      return "webhook id";
    }
    const std::string want_sig = HmacSha256Hex(e.secret, req.body);
    if (!ConstantTimeEquals(req.Header("X-Smallstep-Signature"), want_sig)) return "signature";
    if (e.authorization.empty()) {
      if (req.headers.Has("Authorization")) return "unexpected authorization";
    } else if (!ConstantTimeEquals(req.Header("Authorization"), e.authorization)) {
      return "authorization";
    }
    if (e.client_cert) {
      if (req.peer_chain_der.empty() || req.peer_chain_der[0] != GetPki().client_der) {
        return "client certificate missing";
      }
    } else if (!req.peer_chain_der.empty()) {
      return "unexpected client certificate";
    }
    return "";
  }

  void Serve(http::Request& req, http::Response& resp) {
    const std::string mode = req.PathParam("mode");
    int hit = 0;
    Expectation e;
    std::string big;
    {
      std::lock_guard<std::mutex> lock(mu_);
      hit = ++hits_[mode];
      seen_.push_back({req.path, req.body, req.headers, req.peer_chain_der, req.connection_id});
      e = expect_;
      big = big_body_;
    }
    if (std::string bad = Check(req, e); !bad.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      failures_.push_back(mode + ": " + bad);
      resp.SetJson(400, {{"error", bad}});
      return;
    }
    if (mode == "allow") {
      resp.SetJson(200, {{"allow", true}, {"data", {{"role", "admin"}, {"groups", {"a", "b"}}}}});
    } else if (mode == "deny") {
      resp.SetJson(200,
                   {{"allow", false}, {"error", {{"code", "forbidden"}, {"message", "not you"}}}});
    } else if (mode == "deny-bare") {
      resp.SetBody(200, "application/json", R"({"allow":false})");
    } else if (mode == "e500") {
      resp.SetJson(500, {{"error", "boom"}});
    } else if (mode == "flaky") {
      if (hit == 1) {
        resp.SetJson(503, {{"error", "warming up"}});
      } else {
        resp.SetJson(200, {{"allow", true}, {"data", "second"}});
      }
    } else if (mode == "e404") {
      resp.SetJson(404, {{"error", "nope"}});
    } else if (mode == "redirect") {
      resp.SetHeader("Location", "/hook/allow");
      resp.SetBody(302, "text/plain", "");
    } else if (mode == "slow") {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, 5s, [this] { return released_; });
      resp.SetJson(200, {{"allow", true}});
    } else if (mode == "garbage") {
      resp.SetBody(200, "application/json", "this is not json");
    } else if (mode == "no-allow") {
      resp.SetBody(200, "application/json", R"({"data":{"x":1}})");
    } else if (mode == "allow-string") {
      resp.SetBody(200, "application/json", R"({"allow":"true"})");
    } else if (mode == "array") {
      resp.SetBody(200, "application/json", R"([{"allow":true}])");
    } else if (mode == "bad-error") {
      resp.SetBody(200, "application/json", R"({"allow":false,"error":"nope"})");
    } else if (mode == "big") {
      resp.SetBody(200, "application/json", big);
    } else if (mode == "go-case") {
      resp.SetBody(200, "application/json", R"({"Allow":true,"Data":[1,2]})");
    } else {
      resp.SetJson(404, {{"error", "unknown mode"}});
    }
  }

  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  Expectation expect_;
  std::string big_body_;
  std::map<std::string, int> hits_;
  std::vector<Seen> seen_;
  std::vector<std::string> failures_;
};

// ---- Fixture. ------------------------------------------------------------------------------

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-webhook-secret-64-bytes-long!!!";

class WebhookClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<WebhookServer>(true);
    server_->Expect({.secret = kSecret, .id = "wh-1", .authorization = "", .client_cert = true});
    clock_.Set(FromUnixSeconds(1767225600) + std::chrono::nanoseconds(123456789));
  }
  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_THAT(server_->Failures(), ::testing::IsEmpty());
    }
    server_.reset();
  }

  ClientOptions Options() const {
    ClientOptions o;
    o.trust_pem = GetPki().root_pem;
    o.client_cert_pem = GetPki().client_cert_pem;
    o.client_key_pem = GetPki().client_key_pem;
    o.timeout = 5s;
    o.retry_delay = 10ms;
    o.clock = &clock_;
    return o;
  }

  static Webhook Hook() {
    Webhook w;
    w.id = "wh-1";
    w.name = "people";
    w.url = "https://ignored.example.com/";  // Call uses the rendered url it is given
    w.kind = Kind::kEnriching;
    w.secret_b64 = Base64Encode(kSecret);
    return w;
  }

  static nlohmann::ordered_json Payload() {
    nlohmann::ordered_json p = nlohmann::ordered_json::object();
    p["provisionerName"] = "my-prov";
    p["x509CertificateRequest"] = {{"subject", {{"commonName", "a.example.com"}}},
                                   {"dnsNames", {"a.example.com"}}};
    return p;
  }

  testing::FakeClock clock_;
  std::unique_ptr<WebhookServer> server_;
};

TEST_F(WebhookClientTest, AllowWithDataAndExactRequest) {
  Client client(Options());
  CAIRN_ASSERT_OK_AND_ASSIGN(Response r,
                             client.Call(Hook(), server_->Url("allow"), Payload(), "req-42"));
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(r.data, nlohmann::json::parse(R"({"role":"admin","groups":["a","b"]})"));
  EXPECT_TRUE(r.error_code.empty());

  auto seen = server_->SeenRequests();
  ASSERT_EQ(seen.size(), 1u);
  const Seen& s = seen[0];
  // The body: timestamp first (RFC 3339, UTC, nanoseconds from the clock), then the payload in
  // order, compact.
  EXPECT_EQ(s.body, R"({"timestamp":"2026-01-01T00:00:00.123456789Z","provisionerName":"my-prov",)"
                    R"("x509CertificateRequest":{"subject":{"commonName":"a.example.com"},)"
                    R"("dnsNames":["a.example.com"]}})");
  // The headers, exactly.
  EXPECT_EQ(s.headers.Get("X-Smallstep-Signature"), HmacSha256Hex(kSecret, s.body));
  EXPECT_EQ(s.headers.GetAll("X-Smallstep-Signature").size(), 1u);
  EXPECT_EQ(s.headers.Get("X-Smallstep-Webhook-ID"), "wh-1");
  EXPECT_EQ(s.headers.Get("X-Request-Id"), "req-42");
  EXPECT_EQ(s.headers.Get("Content-Type"), "application/json");
  EXPECT_FALSE(s.headers.Has("Authorization"));
  ASSERT_FALSE(s.peer_chain_der.empty());
  EXPECT_EQ(s.peer_chain_der[0], GetPki().client_der);
}

TEST_F(WebhookClientTest, PayloadTimestampIsReplacedAndRequestIdOmittedWhenEmpty) {
  Client client(Options());
  nlohmann::ordered_json p = Payload();
  p["timestamp"] = "1999-01-01T00:00:00Z";
  CAIRN_ASSERT_OK(client.Call(Hook(), server_->Url("allow"), p, ""));
  auto seen = server_->SeenRequests();
  ASSERT_EQ(seen.size(), 1u);
  auto body = nlohmann::ordered_json::parse(seen[0].body);
  EXPECT_EQ(body.begin().key(), "timestamp");
  EXPECT_EQ(body["timestamp"], "2026-01-01T00:00:00.123456789Z");
  EXPECT_EQ(body.size(), 3u);
  EXPECT_FALSE(seen[0].headers.Has("X-Request-Id"));
}

TEST_F(WebhookClientTest, DenyReportsTheServersError) {
  Client client(Options());
  CAIRN_ASSERT_OK_AND_ASSIGN(Response r, client.Call(Hook(), server_->Url("deny"), Payload(), ""));
  EXPECT_FALSE(r.allow);
  EXPECT_EQ(r.error_code, "forbidden");
  EXPECT_EQ(r.error_message, "not you");

  CAIRN_ASSERT_OK_AND_ASSIGN(Response bare,
                             client.Call(Hook(), server_->Url("deny-bare"), Payload(), ""));
  EXPECT_FALSE(bare.allow);
  EXPECT_TRUE(bare.data.is_null());
  EXPECT_TRUE(bare.error_code.empty());
}

TEST_F(WebhookClientTest, GoStyleFieldCaseInResponse) {
  Client client(Options());
  CAIRN_ASSERT_OK_AND_ASSIGN(Response r,
                             client.Call(Hook(), server_->Url("go-case"), Payload(), ""));
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(r.data, nlohmann::json::parse("[1,2]"));
}

TEST_F(WebhookClientTest, BearerToken) {
  server_->Expect({.secret = kSecret, .id = "wh-1", .authorization = "Bearer tok-123"});
  Webhook w = Hook();
  w.bearer_token = "tok-123";
  Client client(Options());
  CAIRN_ASSERT_OK_AND_ASSIGN(Response r, client.Call(w, server_->Url("allow"), Payload(), ""));
  EXPECT_TRUE(r.allow);
}

TEST_F(WebhookClientTest, BasicAuth) {
  server_->Expect({.secret = kSecret, .id = "wh-1", .authorization = "Basic dXNlcjpwQHNzOndk"});
  Webhook w = Hook();
  w.basic_auth = BasicAuth{"user", "p@ss:wd"};
  Client client(Options());
  CAIRN_ASSERT_OK_AND_ASSIGN(Response r, client.Call(w, server_->Url("allow"), Payload(), ""));
  EXPECT_TRUE(r.allow);
}

TEST_F(WebhookClientTest, EmptySecretAndIdStillSign) {
  server_->Expect({.secret = "", .id = "", .authorization = ""});
  Webhook w = Hook();
  w.secret_b64.clear();
  w.id.clear();
  Client client(Options());
  CAIRN_ASSERT_OK_AND_ASSIGN(Response r, client.Call(w, server_->Url("allow"), Payload(), ""));
  EXPECT_TRUE(r.allow);
  auto seen = server_->SeenRequests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers.Get("X-Smallstep-Signature"), HmacSha256Hex("", seen[0].body));
}

TEST_F(WebhookClientTest, WrongSecretIsRejectedByTheServer) {
  // The server's check is real: a different key yields a signature it refuses (400).
  Webhook w = Hook();
  w.secret_b64 = Base64Encode("another secret");
  Client client(Options());
  auto r = client.Call(w, server_->Url("allow"), Payload(), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("webhook people responded with 400"));
  EXPECT_THAT(r.status().message(), ::testing::Not(HasSubstr("another secret")));
  EXPECT_EQ(server_->Hits("allow"), 1);  // 4xx: no retry
  EXPECT_THAT(server_->Failures(), ::testing::ElementsAre("allow: signature"));
  server_.reset();  // its failure was expected: skip TearDown's check
}

TEST_F(WebhookClientTest, DisableTlsClientAuthSendsNoCertificate) {
  server_->Expect({.secret = kSecret, .id = "wh-1", .authorization = "", .client_cert = false});
  Webhook w = Hook();
  w.disable_tls_client_auth = true;
  Client client(Options());
  CAIRN_ASSERT_OK_AND_ASSIGN(Response r, client.Call(w, server_->Url("allow"), Payload(), ""));
  EXPECT_TRUE(r.allow);
  auto seen = server_->SeenRequests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].peer_chain_der.empty());
}

TEST_F(WebhookClientTest, RetriesOnceOn5xxThenSucceeds) {
  Client client(Options());
  CAIRN_ASSERT_OK_AND_ASSIGN(Response r, client.Call(Hook(), server_->Url("flaky"), Payload(), ""));
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(r.data, "second");
  EXPECT_EQ(server_->Hits("flaky"), 2);
  // Both attempts carry the same, correctly signed body.
  auto seen = server_->SeenRequests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].body, seen[1].body);
  EXPECT_NE(seen[0].connection_id, seen[1].connection_id);  // the retry uses a new connection
}

TEST_F(WebhookClientTest, RetriesOnceOn5xxThenFails) {
  Client client(Options());
  auto r = client.Call(Hook(), server_->Url("e500"), Payload(), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("webhook people responded with 500"));
  EXPECT_EQ(server_->Hits("e500"), 2);
}

TEST_F(WebhookClientTest, NoRetryOn4xxOr3xx) {
  Client client(Options());
  auto r = client.Call(Hook(), server_->Url("e404"), Payload(), "");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("responded with 404"));
  EXPECT_EQ(server_->Hits("e404"), 1);

  auto redirect = client.Call(Hook(), server_->Url("redirect"), Payload(), "");
  EXPECT_EQ(redirect.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(redirect.status().message(), HasSubstr("responded with 302"));
  EXPECT_EQ(server_->Hits("redirect"), 1);
  EXPECT_EQ(server_->Hits("allow"), 0);  // not followed
}

TEST_F(WebhookClientTest, TimeoutIsDeadlineExceededWithoutRetry) {
  ClientOptions o = Options();
  o.timeout = 300ms;
  Client client(o);
  auto r = client.Call(Hook(), server_->Url("slow"), Payload(), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(server_->Hits("slow"), 1);
  server_->Release();
}

TEST_F(WebhookClientTest, MalformedResponses) {
  Client client(Options());
  for (const char* mode : {"garbage", "no-allow", "allow-string", "array", "bad-error"}) {
    auto r = client.Call(Hook(), server_->Url(mode), Payload(), "");
    ASSERT_FALSE(r.ok()) << mode;
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << mode;
    EXPECT_THAT(r.status().message(), HasSubstr("webhook people returned an invalid response"))
        << mode;
    EXPECT_EQ(server_->Hits(mode), 1) << mode;
  }
}

TEST_F(WebhookClientTest, ResponseSizeIsBounded) {
  server_->SetBigBody(R"({"allow":true,"data":")" + std::string(4000, 'x') + R"("})");
  ClientOptions o = Options();
  o.max_response_bytes = 1024;
  Client small(o);
  auto r = small.Call(Hook(), server_->Url("big"), Payload(), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(server_->Hits("big"), 1);

  Client large(Options());
  CAIRN_ASSERT_OK_AND_ASSIGN(Response ok, large.Call(Hook(), server_->Url("big"), Payload(), ""));
  EXPECT_TRUE(ok.allow);
  EXPECT_EQ(ok.data.get<std::string>().size(), 4000u);
}

TEST_F(WebhookClientTest, UntrustedServerIsUnauthenticated) {
  ClientOptions o = Options();
  o.trust_pem.clear();  // the system store only: it does not know the test root
  Client client(o);
  auto r = client.Call(Hook(), server_->Url("allow"), Payload(), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(server_->Hits("allow"), 0);
}

TEST_F(WebhookClientTest, RefusedConnectionIsUnavailable) {
  const std::string url = server_->Url("allow");
  server_.reset();  // nothing listens on the port any more
  Client client(Options());
  auto r = client.Call(Hook(), url, Payload(), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST_F(WebhookClientTest, RejectsBadCallArguments) {
  Client client(Options());
  const int port_hits_before = server_->Hits("allow");
  struct Case {
    std::string url;
    Webhook hook;
    nlohmann::ordered_json payload;
    const char* message;
  };
  Webhook bad_secret = Hook();
  bad_secret.secret_b64 = "!!not base64!!";
  const std::string base = server_->Url("allow");
  const std::string with_user = "https://u:p@" + base.substr(std::string("https://").size());
  std::vector<Case> cases = {
      {"http" + base.substr(5), Hook(), Payload(), "must use https"},
      {with_user, Hook(), Payload(), "may not contain username or password"},
      {"not a url", Hook(), Payload(), "webhook url is invalid"},
      {base, bad_secret, Payload(), "secret is not valid base64"},
      {base, Hook(), nlohmann::ordered_json::array({1, 2}), "payload must be a JSON object"},
  };
  for (const Case& c : cases) {
    auto r = client.Call(c.hook, c.url, c.payload, "");
    ASSERT_FALSE(r.ok()) << c.url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.url;
    EXPECT_THAT(r.status().message(), HasSubstr(c.message)) << c.url;
  }
  EXPECT_EQ(server_->Hits("allow"), port_hits_before);
}

TEST_F(WebhookClientTest, PlainHttpOnlyWhenAllowedForTests) {
  WebhookServer plain(false);
  plain.Expect({.secret = kSecret, .id = "wh-1", .authorization = "", .client_cert = false});
  const std::string url = plain.Url("allow", /*tls=*/false);

  Client strict(Options());
  EXPECT_EQ(strict.Call(Hook(), url, Payload(), "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(plain.Hits("allow"), 0);

  ClientOptions o = Options();
  o.allow_http_for_tests = true;
  Client lax(o);
  CAIRN_ASSERT_OK_AND_ASSIGN(Response r, lax.Call(Hook(), url, Payload(), ""));
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(plain.Hits("allow"), 1);
  EXPECT_THAT(plain.Failures(), ::testing::IsEmpty());
}

TEST_F(WebhookClientTest, ReusesConnectionsPerClientCertificateChoice) {
  Client client(Options());
  CAIRN_ASSERT_OK(client.Call(Hook(), server_->Url("allow"), Payload(), ""));
  CAIRN_ASSERT_OK(client.Call(Hook(), server_->Url("allow"), Payload(), ""));
  // A webhook without client authentication never gets the mTLS connection.
  server_->Expect({.secret = kSecret, .id = "wh-1", .authorization = "", .client_cert = false});
  Webhook no_mtls = Hook();
  no_mtls.disable_tls_client_auth = true;
  CAIRN_ASSERT_OK(client.Call(no_mtls, server_->Url("allow"), Payload(), ""));
  CAIRN_ASSERT_OK(client.Call(no_mtls, server_->Url("allow"), Payload(), ""));
  auto seen = server_->SeenRequests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].connection_id, seen[1].connection_id);
  EXPECT_EQ(seen[2].connection_id, seen[3].connection_id);
  EXPECT_NE(seen[0].connection_id, seen[2].connection_id);
  EXPECT_FALSE(seen[1].peer_chain_der.empty());
  EXPECT_TRUE(seen[3].peer_chain_der.empty());
}

TEST_F(WebhookClientTest, ConcurrentCallsFromManyThreads) {
  const Client client(Options());
  constexpr int kThreads = 8;
  constexpr int kCallsEach = 5;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        nlohmann::ordered_json p = Payload();
        p["provisionerName"] = "p-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = client.Call(Hook(), server_->Url("allow"), p, "");
        if (r.ok() && r->allow) ok.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kCallsEach);
  EXPECT_EQ(server_->Hits("allow"), kThreads * kCallsEach);
}

}  // namespace
}  // namespace cairn::webhook
