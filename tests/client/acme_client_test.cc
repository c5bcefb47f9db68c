#include "client/acme_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/duration.h"
#include "base/encoding.h"
#include "base/file.h"
#include "client/acme_http01.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "crypto/ossl_ptr.h"
#include "http/client.h"
#include "http/router.h"
#include "http/server.h"
#include "jose/jws.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "pki/name.h"
#include "pki/verify.h"
#include "testing/fakes.h"

extern char** environ;

namespace cairn::client {
namespace {

using ::testing::HasSubstr;

// --- helpers ----------------------------------------------------------------------------------

jose::Jwk NewKey() {
  auto k = GenerateAccountKey();
  EXPECT_TRUE(k.ok()) << k.status();
  return *k;
}

// ParseJws parses a flattened JWS produced by the client.
jose::ParsedJws ParseJws(const std::string& text) {
  auto p = jose::ParseFlattened(text);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : jose::ParsedJws{};
}

std::string MakeTempDir() {
  std::string tmpl = "/tmp/cairn-acme-test.XXXXXX";
  char* d = mkdtemp(tmpl.data());
  EXPECT_NE(d, nullptr);
  return tmpl;
}

// --- JWS building -----------------------------------------------------------------------------

TEST(SignAcmeRequestTest, NewAccountRequestCarriesJwkNonceAndUrl) {
  jose::Jwk key = NewKey();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string jws,
                             SignAcmeRequest(R"({"termsOfServiceAgreed":true})", key,
                                             "https://ca.test/new-account", "nonce-1", ""));
  jose::ParsedJws p = ParseJws(jws);
  EXPECT_EQ(p.alg, "ES256");
  EXPECT_EQ(p.header["nonce"], "nonce-1");
  EXPECT_EQ(p.header["url"], "https://ca.test/new-account");
  EXPECT_FALSE(p.header.contains("kid"));
  ASSERT_TRUE(p.header.contains("jwk"));
  // Only the public members: no private "d", and none of kid/alg/use.
  const nlohmann::json& jwk = p.header["jwk"];
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_FALSE(jwk.contains("d"));
  EXPECT_FALSE(jwk.contains("kid"));
  EXPECT_FALSE(jwk.contains("use"));
  EXPECT_EQ(p.payload, R"({"termsOfServiceAgreed":true})");
  // The embedded key verifies the signature, and it is the account key.
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk embedded, jose::Jwk::FromJson(jwk));
  EXPECT_EQ(embedded.Thumbprint(), key.Thumbprint());
  CAIRN_EXPECT_OK(jose::Verify(p, embedded));
}

TEST(SignAcmeRequestTest, AccountRequestCarriesKidAndPostAsGetHasEmptyPayload) {
  jose::Jwk key = NewKey();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string jws, SignAcmeRequest("", key, "https://ca.test/order/1",
                                                              "n2", "https://ca.test/acct/7"));
  nlohmann::json outer = nlohmann::json::parse(jws);
  EXPECT_EQ(outer["payload"], "");  // POST-as-GET (RFC 8555 §6.3)
  jose::ParsedJws p = ParseJws(jws);
  EXPECT_EQ(p.header["kid"], "https://ca.test/acct/7");
  EXPECT_FALSE(p.header.contains("jwk"));
  EXPECT_EQ(p.header["nonce"], "n2");
  EXPECT_EQ(p.header["url"], "https://ca.test/order/1");
  CAIRN_EXPECT_OK(jose::Verify(p, key.PublicKey()));
}

TEST(SignAcmeRequestTest, RefusesPublicAndSymmetricKeys) {
  jose::Jwk key = NewKey();
  EXPECT_FALSE(SignAcmeRequest("", key.PublicKey(), "https://x/", "n", "").ok());
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk mac, jose::Jwk::FromSymmetric(std::string(32, 'k')));
  EXPECT_FALSE(SignAcmeRequest("", mac, "https://x/", "n", "").ok());
}

TEST(SignAcmeRequestTest, RsaAndEd25519AccountKeysSignWithTheirAlgorithms) {
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk rsa, jose::Jwk::Generate("RSA", "", 2048));
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk ed, jose::Jwk::Generate("OKP", "Ed25519"));
  for (const auto& [key, alg] : {std::pair{rsa, "RS256"}, std::pair{ed, "EdDSA"}}) {
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string jws, SignAcmeRequest("{}", key, "https://x/", "n", ""));
    jose::ParsedJws p = ParseJws(jws);
    EXPECT_EQ(p.alg, alg);
    CAIRN_EXPECT_OK(jose::Verify(p, key.PublicKey()));
  }
}

TEST(ExternalAccountBindingTest, InnerJwsIsHs256OverTheAccountKey) {
  jose::Jwk key = NewKey();
  std::string hmac(48, '\x5a');
  CAIRN_ASSERT_OK_AND_ASSIGN(
      nlohmann::json eab,
      MakeExternalAccountBinding(key, "kid-1", hmac, "https://ca.test/new-account"));
  jose::ParsedJws p = ParseJws(eab.dump());
  EXPECT_EQ(p.alg, "HS256");
  EXPECT_EQ(p.header["kid"], "kid-1");
  EXPECT_EQ(p.header["url"], "https://ca.test/new-account");
  EXPECT_FALSE(p.header.contains("nonce"));  // RFC 8555 §7.3.4: no nonce
  EXPECT_FALSE(p.header.contains("jwk"));
  // The payload is the account's public JWK.
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk inner, jose::Jwk::Parse(p.payload));
  EXPECT_EQ(inner.Thumbprint(), key.Thumbprint());
  EXPECT_FALSE(inner.is_private());
  // The MAC verifies with the HMAC key, and not with another one.
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk mac, jose::Jwk::FromSymmetric(hmac));
  CAIRN_EXPECT_OK(jose::Verify(p, mac));
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk other, jose::Jwk::FromSymmetric(std::string(48, 'x')));
  EXPECT_FALSE(jose::Verify(p, other).ok());
}

TEST(ExternalAccountBindingTest, RejectsEmptyKidAndShortKey) {
  jose::Jwk key = NewKey();
  EXPECT_EQ(MakeExternalAccountBinding(key, "", std::string(32, 'k'), "https://x/").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      MakeExternalAccountBinding(key, "kid", std::string(31, 'k'), "https://x/").status().code(),
      StatusCode::kInvalidArgument);
}

TEST(KeyChangeTest, InnerJwsIsSignedByTheNewKeyAndNamesTheOldOne) {
  jose::Jwk old_key = NewKey();
  jose::Jwk new_key = NewKey();
  CAIRN_ASSERT_OK_AND_ASSIGN(
      nlohmann::json inner,
      MakeKeyChangeJws(old_key, new_key, "https://ca.test/acct/1", "https://ca.test/key-change"));
  jose::ParsedJws p = ParseJws(inner.dump());
  EXPECT_EQ(p.header["url"], "https://ca.test/key-change");
  EXPECT_FALSE(p.header.contains("nonce"));
  EXPECT_FALSE(p.header.contains("kid"));
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk embedded, jose::Jwk::FromJson(p.header["jwk"]));
  EXPECT_EQ(embedded.Thumbprint(), new_key.Thumbprint());
  CAIRN_EXPECT_OK(jose::Verify(p, new_key.PublicKey()));
  EXPECT_FALSE(jose::Verify(p, old_key.PublicKey()).ok());
  nlohmann::json payload = nlohmann::json::parse(p.payload);
  EXPECT_EQ(payload["account"], "https://ca.test/acct/1");
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk old_embedded, jose::Jwk::FromJson(payload["oldKey"]));
  EXPECT_EQ(old_embedded.Thumbprint(), old_key.Thumbprint());
}

// --- key authorization ------------------------------------------------------------------------

TEST(KeyAuthorizationTest, IsTokenDotThumbprint) {
  // RFC 7638 §3.1's key and thumbprint.
  CAIRN_ASSERT_OK_AND_ASSIGN(
      jose::Jwk key,
      jose::Jwk::Parse(
          R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"})"));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string ka,
                             KeyAuthorization("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", key));
  EXPECT_EQ(ka,
            "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(Dns01TxtValue(ka), Base64UrlEncode(crypto::Sha256(ka)));
  EXPECT_EQ(Dns01TxtValue(ka).size(), 43u);
}

TEST(KeyAuthorizationTest, RejectsTokensThatAreNotBase64Url) {
  jose::Jwk key = NewKey();
  for (const std::string& token : std::vector<std::string>{"", "../../etc/passwd", "a/b", "tok en",
                                                           "a.b", std::string(257, 'a')}) {
    SCOPED_TRACE(token);
    EXPECT_EQ(KeyAuthorization(token, key).status().code(), StatusCode::kInvalidArgument);
  }
}

// --- problems ---------------------------------------------------------------------------------

TEST(StatusFromAcmeProblemTest, MapsProblemTypesToReasonAndDetail) {
  struct Case {
    int http;
    std::string body;
    StatusCode code;
    std::string reason;
    std::string message;
  };
  const Case cases[] = {
      {400,
       R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has an invalid anti-replay nonce"})",
       StatusCode::kAborted, "badNonce", "JWS has an invalid anti-replay nonce"},
      {400, R"({"type":"urn:ietf:params:acme:error:accountDoesNotExist","detail":"no account"})",
       StatusCode::kNotFound, "accountDoesNotExist", "no account"},
      {403, R"({"type":"urn:ietf:params:acme:error:unauthorized","detail":"nope"})",
       StatusCode::kUnauthenticated, "unauthorized", "nope"},
      {400, R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"not allowed"})",
       StatusCode::kPermissionDenied, "rejectedIdentifier", "not allowed"},
      {400, R"({"type":"urn:ietf:params:acme:error:alreadyRevoked","detail":"done"})",
       StatusCode::kAlreadyExists, "alreadyRevoked", "done"},
      {403, R"({"type":"urn:ietf:params:acme:error:orderNotReady","detail":"wait"})",
       StatusCode::kFailedPrecondition, "orderNotReady", "wait"},
      {429, R"({"type":"urn:ietf:params:acme:error:rateLimited","detail":"slow down"})",
       StatusCode::kResourceExhausted, "rateLimited", "slow down"},
      {500, R"({"type":"urn:ietf:params:acme:error:serverInternal","detail":"oops"})",
       StatusCode::kInternal, "serverInternal", "oops"},
      // A type without detail: the type is the message. Unknown ACME types follow the HTTP status.
      {403, R"({"type":"urn:ietf:params:acme:error:externalAccountRequired"})",
       StatusCode::kUnauthenticated, "externalAccountRequired", "externalAccountRequired"},
      {501, R"({"type":"urn:ietf:params:acme:error:notImplemented","detail":"no"})",
       StatusCode::kUnimplemented, "notImplemented", "no"},
      // A type outside the ACME namespace is kept whole.
      {404, R"({"type":"about:blank","detail":"missing"})", StatusCode::kNotFound, "about:blank",
       "missing"},
      // Not a problem document.
      {502, "<html>bad gateway</html>", StatusCode::kInternal, "",
       "the ACME server answered HTTP 502"},
      {404, "", StatusCode::kNotFound, "", "the ACME server answered HTTP 404"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    Status s = StatusFromAcmeProblem(c.http, c.body);
    EXPECT_EQ(s.code(), c.code);
    EXPECT_EQ(s.reason(), c.reason);
    EXPECT_EQ(s.message(), c.message);
  }
}

TEST(StatusFromAcmeProblemTest, IncludesSubproblems) {
  Status s = StatusFromAcmeProblem(
      403, R"({"type":"urn:ietf:params:acme:error:compound","detail":"several problems",
               "subproblems":[
                 {"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"not this one",
                  "identifier":{"type":"dns","value":"bad.example"}},
                 {"type":"urn:ietf:params:acme:error:caa","identifier":{"type":"dns","value":"caa.example"}}]})");
  EXPECT_EQ(s.reason(), "compound");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "several problems: bad.example: not this one; caa.example: caa");
}

TEST(StatusFromAcmeProblemTest, DeeplyNestedBodyIsNotParsed) {
  std::string body = std::string(100, '[') + std::string(100, ']');
  Status s = StatusFromAcmeProblem(400, body);
  EXPECT_EQ(s.reason(), "");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(ParseAcmeObjectsTest, OrderWithErrorAndChallenges) {
  CAIRN_ASSERT_OK_AND_ASSIGN(
      AcmeOrder o,
      ParseAcmeOrder(nlohmann::json::parse(R"({"status":"invalid","expires":"2026-01-02T00:00:00Z",
        "identifiers":[{"type":"ip","value":"127.0.0.1"}],"authorizations":["https://x/authz/1"],
        "finalize":"https://x/finalize/1",
        "error":{"type":"urn:ietf:params:acme:error:connection","detail":"refused"}})"),
                     "https://x/order/1"));
  EXPECT_EQ(o.url, "https://x/order/1");
  EXPECT_EQ(o.status, "invalid");
  ASSERT_EQ(o.identifiers.size(), 1u);
  EXPECT_EQ(o.identifiers[0], (AcmeIdentifier{"ip", "127.0.0.1"}));
  EXPECT_EQ(o.authorizations, std::vector<std::string>{"https://x/authz/1"});
  EXPECT_EQ(o.error.reason(), "connection");
  EXPECT_EQ(o.error.message(), "refused");

  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAuthorization a,
                             ParseAcmeAuthorization(nlohmann::json::parse(R"({"status":"pending",
        "identifier":{"type":"dns","value":"a.example"},
        "challenges":[{"type":"http-01","url":"https://x/ch/1","status":"pending","token":"tok"},
                      {"type":"dns-01","url":"https://x/ch/2","status":"pending","token":"tok"},
                      {"bogus":true}]})"),
                                                    "https://x/authz/1"));
  EXPECT_EQ(a.identifier, (AcmeIdentifier{"dns", "a.example"}));
  ASSERT_EQ(a.challenges.size(), 2u);  // the malformed one is skipped
  EXPECT_EQ(a.challenges[0].type, "http-01");
  EXPECT_EQ(a.challenges[0].token, "tok");

  EXPECT_FALSE(ParseAcmeOrder(nlohmann::json::parse(R"({"status":"pending"})"), "u").ok());
  EXPECT_FALSE(ParseAcmeDirectory(nlohmann::json::parse(R"({"newNonce":"ftp://x"})")).ok());
}

TEST(IdentifierForTest, IpsAndNames) {
  EXPECT_EQ(IdentifierFor("127.0.0.1"), (AcmeIdentifier{"ip", "127.0.0.1"}));
  EXPECT_EQ(IdentifierFor("::1"), (AcmeIdentifier{"ip", "::1"}));
  EXPECT_EQ(IdentifierFor("2001:DB8:0:0::1"), (AcmeIdentifier{"ip", "2001:db8::1"}));
  EXPECT_EQ(IdentifierFor("www.example.com"), (AcmeIdentifier{"dns", "www.example.com"}));
  EXPECT_EQ(IdentifierFor("1.2.3"), (AcmeIdentifier{"dns", "1.2.3"}));
}

TEST(ParseRetryAfterTest, SecondsAndDates) {
  Time now = FromUnixSeconds(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(ParseRetryAfter("3", now), Duration(std::chrono::seconds(3)));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), Duration::zero());
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Duration(std::chrono::seconds(30)));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), Duration::zero());
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
}

// --- a scripted ACME server (plain HTTP) for the protocol mechanics -------------------------

// FakeAcme answers a handful of ACME routes and records the protected headers it receives.
class FakeAcme {
 public:
  FakeAcme() {
    router_.Handle("GET", "/dir", [this](http::Request&, http::Response& r) {
      r.SetJson(200, {{"newNonce", Url("/nonce")},
                      {"newAccount", Url("/new-account")},
                      {"newOrder", Url("/new-order")},
                      {"revokeCert", Url("/revoke")},
                      {"keyChange", Url("/key-change")}});
    });
    router_.Handle("GET", "/nonce", [this](http::Request&, http::Response& r) {
      r.SetHeader("Replay-Nonce", NextNonce());
      r.status = 200;
    });
    auto post = [this](std::string path, std::function<void(http::Response&)> answer) {
      router_.Handle("POST", path, [this, answer](http::Request& req, http::Response& r) {
        auto jws = jose::ParseFlattened(req.body);
        {
          std::lock_guard<std::mutex> lock(mu_);
          headers_.push_back(jws.ok() ? jws->header : nlohmann::json());
        }
        r.SetHeader("Replay-Nonce", NextNonce());
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (bad_nonces_ > 0) {
            --bad_nonces_;
            r.SetBody(400, "application/problem+json",
                      R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"})");
            return;
          }
        }
        answer(r);
      });
    };
    post("/new-account", [this](http::Response& r) {
      r.SetHeader("Location", Url("/acct/1"));
      r.SetJson(201, {{"status", "valid"}});
    });
    post("/acct/1", [](http::Response& r) { r.SetJson(200, {{"status", "valid"}}); });
    post("/order/1", [this](http::Response& r) {
      r.SetHeader("Retry-After", "2");
      r.SetJson(200, {{"status", "processing"}, {"finalize", Url("/order/1/finalize")}});
    });
    post("/new-order", [](http::Response& r) {
      r.SetBody(
          400, "application/problem+json",
          R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"policy says no"})");
    });
    auto server =
        http::Server::Create({.address = "127.0.0.1:0", .threads = 2, .tls = false}, router_);
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    Status s = server_->Start();
    EXPECT_TRUE(s.ok()) << s;
  }
  ~FakeAcme() { server_->Stop(std::chrono::seconds(1)); }

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }
  void RejectNonces(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    bad_nonces_ = n;
  }
  std::vector<nlohmann::json> headers() {
    std::lock_guard<std::mutex> lock(mu_);
    return headers_;
  }

 private:
  std::string NextNonce() {
    std::lock_guard<std::mutex> lock(mu_);
    return "nonce" + std::to_string(++nonce_counter_);
  }

  std::mutex mu_;
  int nonce_counter_ = 0;
  int bad_nonces_ = 0;
  std::vector<nlohmann::json> headers_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
};

TEST(AcmeClientFakeServerTest, RetriesOnceOnBadNonceWithTheFreshNonce) {
  FakeAcme fake;
  CAIRN_ASSERT_OK_AND_ASSIGN(auto client, AcmeClient::Create({.directory_url = fake.Url("/dir")}));
  client->SetAccountKey(NewKey());
  fake.RejectNonces(1);
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAccount account, client->NewAccount({}));
  EXPECT_TRUE(account.created);
  EXPECT_EQ(client->account_url(), fake.Url("/acct/1"));
  std::vector<nlohmann::json> h = fake.headers();
  ASSERT_EQ(h.size(), 2u);
  // The first try used the nonce from newNonce (nonce1); the rejection carried nonce2, which
  // the retry used rather than asking newNonce again.
  EXPECT_EQ(h[0]["nonce"], "nonce1");
  EXPECT_EQ(h[1]["nonce"], "nonce2");
  EXPECT_TRUE(h[1].contains("jwk"));
  // The next request reuses the nonce of the last answer and is signed with the kid.
  CAIRN_ASSERT_OK(client->GetAccount());
  h = fake.headers();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[2]["nonce"], "nonce3");
  EXPECT_EQ(h[2]["kid"], fake.Url("/acct/1"));
}

TEST(AcmeClientFakeServerTest, GivesUpAfterOneRetry) {
  FakeAcme fake;
  CAIRN_ASSERT_OK_AND_ASSIGN(auto client, AcmeClient::Create({.directory_url = fake.Url("/dir")}));
  client->SetAccountKey(NewKey());
  fake.RejectNonces(5);
  auto account = client->NewAccount({});
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().reason(), "badNonce");
  EXPECT_EQ(account.status().message(), "stale");
  EXPECT_EQ(fake.headers().size(), 2u);
}

TEST(AcmeClientFakeServerTest, ProblemsBecomeStatusWithReason) {
  FakeAcme fake;
  CAIRN_ASSERT_OK_AND_ASSIGN(auto client, AcmeClient::Create({.directory_url = fake.Url("/dir")}));
  client->SetAccountKey(NewKey());
  CAIRN_ASSERT_OK(client->NewAccount({}));
  auto order = client->NewOrder({.identifiers = {{"dns", "forbidden.example"}}});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.status().reason(), "rejectedIdentifier");
  EXPECT_EQ(order.status().message(), "policy says no");
  EXPECT_EQ(order.status().code(), StatusCode::kPermissionDenied);
}

TEST(AcmeClientFakeServerTest, PollingIsBoundedAndHonoursRetryAfter) {
  FakeAcme fake;
  testing::FakeClock clock;
  std::vector<Duration> sleeps;
  AcmeClientOptions o;
  o.directory_url = fake.Url("/dir");
  o.clock = &clock;
  o.sleep = [&](Duration d) {
    sleeps.push_back(d);
    clock.Advance(d);
  };
  o.max_polls = 4;
  o.poll_timeout = std::chrono::seconds(60);
  o.max_poll_interval = std::chrono::seconds(10);
  CAIRN_ASSERT_OK_AND_ASSIGN(auto client, AcmeClient::Create(o));
  client->SetAccountKey(NewKey());
  CAIRN_ASSERT_OK(client->NewAccount({}));
  auto order = client->WaitOrder(fake.Url("/order/1"));
  EXPECT_EQ(order.status().code(), StatusCode::kDeadlineExceeded);
  // Four polls, three waits of the server's Retry-After (2 s) in between.
  EXPECT_EQ(sleeps, std::vector<Duration>(3, std::chrono::seconds(2)));

  // The total time bounds the polls too.
  sleeps.clear();
  o.max_polls = 1000;
  o.poll_timeout = std::chrono::seconds(5);
  CAIRN_ASSERT_OK_AND_ASSIGN(auto client2, AcmeClient::Create(o));
  client2->SetAccountKey(NewKey());
  CAIRN_ASSERT_OK(client2->NewAccount({}));
  order = client2->WaitOrder(fake.Url("/order/1"));
  EXPECT_EQ(order.status().code(), StatusCode::kDeadlineExceeded);
  Duration total{};
  for (Duration d : sleeps) total += d;
  EXPECT_LE(total, std::chrono::seconds(5));
  EXPECT_LE(sleeps.size(), 4u);
}

TEST(AcmeClientFakeServerTest, RejectsBadDirectoriesAndOversizedAnswers) {
  EXPECT_EQ(AcmeClient::Create({.directory_url = ""}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(AcmeClient::Create({.directory_url = "ftp://127.0.0.1/dir"}).status().code(),
            StatusCode::kInvalidArgument);
  FakeAcme fake;
  EXPECT_EQ(AcmeClient::Create({.directory_url = fake.Url("/nope")}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(AcmeClient::Create({.directory_url = fake.Url("/dir"), .max_response_bytes = 10})
                .status()
                .code(),
            StatusCode::kResourceExhausted);
}

// --- http-01 solvers --------------------------------------------------------------------------

TEST(StandaloneHttp01SolverTest, ServesPresentedTokensOnly) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto solver, StandaloneHttp01Solver::Create("127.0.0.1:0"));
  EXPECT_EQ(solver->type(), "http-01");
  CAIRN_ASSERT_OK(solver->Start());
  ASSERT_GT(solver->port(), 0);
  std::string base = "http://127.0.0.1:" + std::to_string(solver->port());
  CAIRN_ASSERT_OK(solver->Present({"ip", "127.0.0.1"}, "tok-1_A", "tok-1_A.thumb"));
  http::HttpClient c;
  CAIRN_ASSERT_OK_AND_ASSIGN(auto r, c.Get(base + "/.well-known/acme-challenge/tok-1_A"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "tok-1_A.thumb");
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/octet-stream");
  CAIRN_ASSERT_OK_AND_ASSIGN(r, c.Get(base + "/.well-known/acme-challenge/other"));
  EXPECT_EQ(r.status, 404);
  CAIRN_ASSERT_OK_AND_ASSIGN(r, c.Get(base + "/"));
  EXPECT_EQ(r.status, 404);
  solver->CleanUp("tok-1_A");
  CAIRN_ASSERT_OK_AND_ASSIGN(r, c.Get(base + "/.well-known/acme-challenge/tok-1_A"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(solver->Present({"dns", "x"}, "../x", "ka").code(), StatusCode::kInvalidArgument);
  solver->Stop();
  EXPECT_EQ(solver->port(), 0);
}

TEST(StandaloneHttp01SolverTest, ServesOnlyWhileATokenIsPresented) {
  // Find a free port, then let the solver bind it on demand.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto probe, StandaloneHttp01Solver::Create("127.0.0.1:0"));
  CAIRN_ASSERT_OK(probe->Start());
  int port = probe->port();
  probe->Stop();
  CAIRN_ASSERT_OK_AND_ASSIGN(auto solver,
                             StandaloneHttp01Solver::Create("127.0.0.1:" + std::to_string(port)));
  EXPECT_EQ(solver->port(), 0);
  CAIRN_ASSERT_OK(solver->Present({"ip", "127.0.0.1"}, "t", "t.k"));
  EXPECT_EQ(solver->port(), port);
  solver->CleanUp("t");
  EXPECT_EQ(solver->port(), 0);
  EXPECT_FALSE(StandaloneHttp01Solver::Create("not an address").ok());
}

TEST(WebrootHttp01SolverTest, WritesAndRemovesTheChallengeFile) {
  std::string root = MakeTempDir();
  WebrootHttp01Solver solver(root);
  CAIRN_ASSERT_OK(solver.Present({"dns", "a.example"}, "tokEN-9", "tokEN-9.thumb"));
  std::string file = root + "/.well-known/acme-challenge/tokEN-9";
  EXPECT_EQ(solver.ChallengeFile("tokEN-9"), file);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string content, ReadFile(file));
  EXPECT_EQ(content, "tokEN-9.thumb");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  solver.CleanUp("tokEN-9");
  EXPECT_FALSE(FileExists(file));
  EXPECT_EQ(solver.Present({"dns", "a"}, "../../escape", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(FileExists(root + "/escape"));
  WebrootHttp01Solver missing(root + "/does-not-exist");
  Status s = missing.Present({"dns", "a"}, "tok", "tok.k");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("does not exist"));
  std::filesystem::remove_all(root);
}

// --- against a real pebble --------------------------------------------------------------------

constexpr char kEabKid[] = "kid-1";
constexpr char kEabHmacB64[] = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// SelfSignedTls makes pebble's HTTPS certificate (127.0.0.1), which is also its own trust
// anchor for our client.
std::pair<std::string, std::string> SelfSignedTls() {
  ossl::UniquePtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  ossl::UniquePtr<X509> x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 7);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("pebble test tls"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509_set_pubkey(x.get(), key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x.get(), key.get(), EVP_sha256());
  ossl::UniquePtr<BIO> cb(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(cb.get(), x.get());
  ossl::UniquePtr<BIO> kb(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return {BioString(cb.get()), BioString(kb.get())};
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::string FindPebble() {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/bin:/usr/local/bin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (!dir.empty()) {
      std::string candidate = dir + "/pebble";
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return "";
}

// Pebble runs letsencrypt's pebble ACME test server on 127.0.0.1 with fresh ports, its own
// TLS certificate, no random validation delay and no DNS (its resolver points at a port
// nobody serves: only IP identifiers are used). It is stopped by its PID.
class Pebble {
 public:
  struct Options {
    int nonce_reject_percent = 0;
    bool eab_required = false;
  };

  static Result<std::unique_ptr<Pebble>> Start(const Options& o) {
    std::string binary = FindPebble();
    if (binary.empty()) {
      return NotFoundError(
          "the pebble ACME test server is not installed (Debian package 'pebble'; "
          "scripts/install-deps.sh --with-tests installs it)");
    }
    std::unique_ptr<Pebble> p(new Pebble());
    p->dir_ = MakeTempDir();
    auto [cert, key] = SelfSignedTls();
    p->tls_root_pem_ = cert;
    CAIRN_RETURN_IF_ERROR(WriteFileAtomic(p->dir_ + "/tls.pem", cert, 0600));
    CAIRN_RETURN_IF_ERROR(WriteFileAtomic(p->dir_ + "/tls.key", key, 0600));
    int ports[5];
    for (int& port : ports) {
      do {
        port = FreePort();
      } while (port == 0 || std::count(std::begin(ports), &port, port) > 0);
    }
    p->acme_port_ = ports[0];
    p->mgmt_port_ = ports[1];
    p->http_port_ = ports[2];
    nlohmann::json config = {{"pebble",
                              {{"listenAddress", "127.0.0.1:" + std::to_string(ports[0])},
                               {"managementListenAddress", "127.0.0.1:" + std::to_string(ports[1])},
                               {"certificate", p->dir_ + "/tls.pem"},
                               {"privateKey", p->dir_ + "/tls.key"},
                               {"httpPort", ports[2]},
                               {"tlsPort", ports[3]},
                               {"ocspResponderURL", ""},
                               {"externalAccountBindingRequired", o.eab_required},
                               {"externalAccountMACKeys", {{kEabKid, kEabHmacB64}}}}}};
    CAIRN_RETURN_IF_ERROR(WriteFileAtomic(p->dir_ + "/pebble.json", config.dump(), 0600));

    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "PEBBLE_", 7) != 0) env.emplace_back(*e);
    }
    env.push_back("PEBBLE_VA_NOSLEEP=1");
    env.push_back("PEBBLE_WFE_NONCEREJECT=" + std::to_string(o.nonce_reject_percent));
    env.push_back("PEBBLE_AUTHZREUSE=0");
    std::vector<std::string> args = {binary, "-config", p->dir_ + "/pebble.json", "-dnsserver",
                                     "127.0.0.1:" + std::to_string(ports[4])};
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string log = p->dir_ + "/pebble.log";
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawn(&p->pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return InternalError("posix_spawn pebble: " + std::string(std::strerror(rc)));

    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (waitpid(p->pid_, &status, WNOHANG) == p->pid_) {
        p->pid_ = 0;
        return UnavailableError("pebble exited at start: " + p->Log());
      }
      if (CanConnect(p->acme_port_) && CanConnect(p->mgmt_port_)) return p;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return DeadlineExceededError("pebble did not start in 10 s: " + p->Log());
  }

  ~Pebble() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (waitpid(pid_, &status, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string directory_url() const {
    return "https://127.0.0.1:" + std::to_string(acme_port_) + "/dir";
  }
  int http_port() const { return http_port_; }
  const std::string& tls_root_pem() const { return tls_root_pem_; }

  // Management returns the body of a GET on pebble's management interface.
  Result<std::string> Management(const std::string& path) const {
    http::HttpClient c({.ca_pem = tls_root_pem_});
    CAIRN_ASSIGN_OR_RETURN(auto r, c.Get("https://127.0.0.1:" + std::to_string(mgmt_port_) + path));
    if (r.status != 200) return InternalError(path + ": HTTP " + std::to_string(r.status));
    return r.body;
  }

  std::string Log() const {
    auto log = ReadFile(dir_ + "/pebble.log");
    if (!log.ok()) return "(no log)";
    return log->size() > 2000 ? log->substr(log->size() - 2000) : *log;
  }

  AcmeClientOptions ClientOptions() const {
    AcmeClientOptions o;
    o.directory_url = directory_url();
    o.root_pem = tls_root_pem_;
    o.poll_interval = std::chrono::milliseconds(100);
    o.poll_timeout = std::chrono::seconds(30);
    return o;
  }

 private:
  Pebble() = default;
  std::string dir_;
  std::string tls_root_pem_;
  pid_t pid_ = 0;
  int acme_port_ = 0;
  int mgmt_port_ = 0;
  int http_port_ = 0;
};

// Issued is a certificate got from pebble, with its key.
struct Issued {
  std::vector<pki::Certificate> chain;
  crypto::PrivateKey key;
};

class AcmePebbleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto p = Pebble::Start({});
    if (p.ok()) {
      pebble_ = std::move(p).value().release();
    } else {
      start_error_ = new Status(p.status());
    }
  }
  static void TearDownTestSuite() {
    delete pebble_;
    pebble_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }
  void SetUp() override {
    // A missing or broken pebble is a failure, not a skip: this test must run.
    ASSERT_NE(pebble_, nullptr) << (start_error_ ? start_error_->ToString() : "pebble not started");
  }

  // NewClient makes a client with a fresh, registered account.
  std::unique_ptr<AcmeClient> NewClient() {
    auto c = AcmeClient::Create(pebble_->ClientOptions());
    EXPECT_TRUE(c.ok()) << c.status();
    if (!c.ok()) return nullptr;
    (*c)->SetAccountKey(NewKey());
    auto account = (*c)->NewAccount({.contact = {"admin@example.com"}});
    EXPECT_TRUE(account.ok()) << account.status() << "\n" << pebble_->Log();
    return std::move(c).value();
  }

  // Issue gets a certificate for 127.0.0.1, answering http-01 with the standalone server.
  Result<Issued> Issue(AcmeClient& client) {
    CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate({}));
    pki::Name name;
    name.common_name = "127.0.0.1";
    pki::SubjectAltNames sans;
    sans.ips = {"127.0.0.1"};
    CAIRN_ASSIGN_OR_RETURN(pki::CertificateRequest csr, pki::CreateCsr(name, sans, key));
    CAIRN_ASSIGN_OR_RETURN(auto solver, StandaloneHttp01Solver::Create(
                                            "127.0.0.1:" + std::to_string(pebble_->http_port())));
    NewOrderRequest order{.identifiers = {{"ip", "127.0.0.1"}}};
    CAIRN_ASSIGN_OR_RETURN(std::string pem, client.ObtainCertificate(order, csr.der(), *solver));
    CAIRN_ASSIGN_OR_RETURN(auto chain, pki::Certificate::ParsePemBundle(pem));
    return Issued{std::move(chain), std::move(key)};
  }

  Result<std::string> CertStatus(const pki::Certificate& cert) {
    CAIRN_ASSIGN_OR_RETURN(std::string body,
                           pebble_->Management("/cert-status-by-serial/" + cert.serial_hex()));
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object() || !j["Status"].is_string()) return InternalError("bad status: " + body);
    return j["Status"].get<std::string>();
  }

  static Pebble* pebble_;
  static Status* start_error_;
};

Pebble* AcmePebbleTest::pebble_ = nullptr;
Status* AcmePebbleTest::start_error_ = nullptr;

TEST_F(AcmePebbleTest, AccountIsCreatedThenFoundAgain) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto client, AcmeClient::Create(pebble_->ClientOptions()));
  EXPECT_FALSE(client->directory().new_account.empty());
  EXPECT_FALSE(client->directory().terms_of_service.empty());
  jose::Jwk key = NewKey();
  client->SetAccountKey(key);
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAccount first,
                             client->NewAccount({.contact = {"admin@example.com"}}));
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.status, "valid");
  EXPECT_EQ(first.contact, std::vector<std::string>{"mailto:admin@example.com"});
  EXPECT_FALSE(first.url.empty());

  // The same key again, from another client: the same account, not a new one.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto again, AcmeClient::Create(pebble_->ClientOptions()));
  again->SetAccountKey(key);
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAccount second, again->NewAccount({.only_return_existing = true}));
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.url, first.url);
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAccount fetched, again->GetAccount());
  EXPECT_EQ(fetched.status, "valid");

  // A key pebble has never seen, with onlyReturnExisting.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto stranger, AcmeClient::Create(pebble_->ClientOptions()));
  stranger->SetAccountKey(NewKey());
  auto missing = stranger->NewAccount({.only_return_existing = true});
  EXPECT_EQ(missing.status().reason(), "accountDoesNotExist");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  // Contacts can be changed.
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAccount updated, client->UpdateContact({"ops@example.com"}));
  EXPECT_EQ(updated.contact, std::vector<std::string>{"mailto:ops@example.com"});
}

TEST_F(AcmePebbleTest, IssuesForAnIpWithTheStandaloneServerAndTheChainVerifies) {
  auto client = NewClient();
  ASSERT_NE(client, nullptr);
  auto issued = Issue(*client);
  ASSERT_TRUE(issued.ok()) << issued.status() << "\n" << pebble_->Log();
  ASSERT_GE(issued->chain.size(), 2u);
  const pki::Certificate& leaf = issued->chain.front();
  EXPECT_EQ(leaf.ip_addresses(), std::vector<std::string>{"127.0.0.1"});
  EXPECT_TRUE(leaf.public_key().Equals(issued->key.public_key()));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string root_pem, pebble_->Management("/roots/0"));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto roots, pki::Certificate::ParsePemBundle(root_pem));
  std::vector<pki::Certificate> intermediates(issued->chain.begin() + 1, issued->chain.end());
  CAIRN_EXPECT_OK(pki::VerifyChain(leaf, intermediates, roots));
  // And not against another root (our own TLS certificate).
  CAIRN_ASSERT_OK_AND_ASSIGN(auto tls, pki::Certificate::ParsePemBundle(pebble_->tls_root_pem()));
  EXPECT_FALSE(pki::VerifyChain(leaf, intermediates, tls).ok());
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string status, CertStatus(leaf));
  EXPECT_EQ(status, "Valid");
}

TEST_F(AcmePebbleTest, RevokesWithTheAccountKeyAndWithTheCertificateKey) {
  auto client = NewClient();
  ASSERT_NE(client, nullptr);
  auto first = Issue(*client);
  ASSERT_TRUE(first.ok()) << first.status() << "\n" << pebble_->Log();
  const pki::Certificate& leaf = first->chain.front();
  CAIRN_ASSERT_OK(client->Revoke(leaf.der(), 1));  // keyCompromise
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string status, CertStatus(leaf));
  EXPECT_EQ(status, "Revoked");
  Status again = client->Revoke(leaf.der(), 1);
  EXPECT_EQ(again.reason(), "alreadyRevoked");

  auto second = Issue(*client);
  ASSERT_TRUE(second.ok()) << second.status();
  const pki::Certificate& leaf2 = second->chain.front();
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk cert_key,
                             jose::Jwk::FromPkey(second->key.get(), /*include_private=*/true));
  // Another account's key may not revoke it...
  auto other = NewClient();
  ASSERT_NE(other, nullptr);
  Status denied = other->Revoke(leaf2.der(), std::nullopt);
  EXPECT_FALSE(denied.ok());
  EXPECT_EQ(denied.reason(), "unauthorized");
  // ...but the certificate's own key may, from a client without any account.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto anonymous, AcmeClient::Create(pebble_->ClientOptions()));
  CAIRN_ASSERT_OK(anonymous->RevokeWithCertificateKey(leaf2.der(), cert_key, 4));
  CAIRN_ASSERT_OK_AND_ASSIGN(status, CertStatus(leaf2));
  EXPECT_EQ(status, "Revoked");
}

TEST_F(AcmePebbleTest, WebrootModeServedByAFileServer) {
  // An "existing web server" serving the web root, on the port pebble validates.
  std::string root = MakeTempDir();
  http::Router router;
  router.Handle("GET", "/.well-known/acme-challenge/{token}",
                [root](http::Request& req, http::Response& resp) {
                  auto data =
                      ReadFile(root + "/.well-known/acme-challenge/" + req.PathParam("token"));
                  if (data.ok()) {
                    resp.SetBody(200, "text/plain", *data);
                  } else {
                    resp.SetBody(404, "text/plain", "not found");
                  }
                });
  CAIRN_ASSERT_OK_AND_ASSIGN(
      auto server,
      http::Server::Create({.address = "127.0.0.1:" + std::to_string(pebble_->http_port()),
                            .threads = 2,
                            .tls = false},
                           router));
  CAIRN_ASSERT_OK(server->Start());
  auto client = NewClient();
  ASSERT_NE(client, nullptr);
  CAIRN_ASSERT_OK_AND_ASSIGN(crypto::PrivateKey key, crypto::PrivateKey::Generate({}));
  pki::SubjectAltNames sans;
  sans.ips = {"127.0.0.1"};
  CAIRN_ASSERT_OK_AND_ASSIGN(auto csr, pki::CreateCsr({}, sans, key));
  WebrootHttp01Solver solver(root);
  auto pem = client->ObtainCertificate({.identifiers = {{"ip", "127.0.0.1"}}}, csr.der(), solver);
  server->Stop(std::chrono::seconds(1));
  ASSERT_TRUE(pem.ok()) << pem.status() << "\n" << pebble_->Log();
  EXPECT_THAT(*pem, HasSubstr("-----BEGIN CERTIFICATE-----"));
  // The challenge file is gone afterwards.
  std::error_code ec;
  EXPECT_TRUE(std::filesystem::is_empty(root + "/.well-known/acme-challenge", ec));
  std::filesystem::remove_all(root);
}

// WrongAnswerSolver serves a key authorization that does not match.
class WrongAnswerSolver final : public ChallengeSolver {
 public:
  explicit WrongAnswerSolver(std::unique_ptr<StandaloneHttp01Solver> inner)
      : inner_(std::move(inner)) {}
  std::string_view type() const override { return "http-01"; }
  Status Present(const AcmeIdentifier& id, std::string_view token, std::string_view) override {
    ++presented;
    return inner_->Present(id, token, std::string(token) + ".not-the-thumbprint");
  }
  void CleanUp(std::string_view token) override {
    ++cleaned;
    inner_->CleanUp(token);
  }
  int presented = 0;
  int cleaned = 0;

 private:
  std::unique_ptr<StandaloneHttp01Solver> inner_;
};

TEST_F(AcmePebbleTest, AWrongAnswerFailsWithTheServersProblem) {
  auto client = NewClient();
  ASSERT_NE(client, nullptr);
  CAIRN_ASSERT_OK_AND_ASSIGN(auto inner, StandaloneHttp01Solver::Create(
                                             "127.0.0.1:" + std::to_string(pebble_->http_port())));
  WrongAnswerSolver solver(std::move(inner));
  CAIRN_ASSERT_OK_AND_ASSIGN(crypto::PrivateKey key, crypto::PrivateKey::Generate({}));
  pki::SubjectAltNames sans;
  sans.ips = {"127.0.0.1"};
  CAIRN_ASSERT_OK_AND_ASSIGN(auto csr, pki::CreateCsr({}, sans, key));
  auto pem = client->ObtainCertificate({.identifiers = {{"ip", "127.0.0.1"}}}, csr.der(), solver);
  ASSERT_FALSE(pem.ok());
  EXPECT_EQ(pem.status().reason(), "unauthorized") << pem.status();
  EXPECT_THAT(pem.status().message(), HasSubstr("http-01 challenge for 127.0.0.1"));
  EXPECT_EQ(solver.presented, 1);
  EXPECT_EQ(solver.cleaned, 1);
}

TEST_F(AcmePebbleTest, NotBeforeAndNotAfterAreSentInTheOrder) {
  auto client = NewClient();
  ASSERT_NE(client, nullptr);
  Time nbf = TruncateToSeconds(SystemClock::Default().Now()) + std::chrono::hours(1);
  Time naf = nbf + std::chrono::hours(48);
  CAIRN_ASSERT_OK_AND_ASSIGN(
      AcmeOrder order,
      client->NewOrder(
          {.identifiers = {{"ip", "127.0.0.1"}}, .not_before = nbf, .not_after = naf}));
  EXPECT_EQ(order.status, "pending");
  ASSERT_FALSE(order.not_before.empty());
  CAIRN_ASSERT_OK_AND_ASSIGN(Time got_nbf, ParseRfc3339(order.not_before));
  CAIRN_ASSERT_OK_AND_ASSIGN(Time got_naf, ParseRfc3339(order.not_after));
  EXPECT_EQ(got_nbf, nbf);
  EXPECT_EQ(got_naf, naf);
  EXPECT_EQ(order.identifiers, (std::vector<AcmeIdentifier>{{"ip", "127.0.0.1"}}));
  ASSERT_EQ(order.authorizations.size(), 1u);
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAuthorization authz,
                             client->GetAuthorization(order.authorizations[0]));
  EXPECT_EQ(authz.status, "pending");
  bool has_http01 = false;
  for (const auto& ch : authz.challenges) has_http01 = has_http01 || ch.type == "http-01";
  EXPECT_TRUE(has_http01);
  // Finalizing before the authorization is valid is refused.
  auto early = client->Finalize(order, std::string("\x30\x00", 2));
  EXPECT_FALSE(early.ok());
  EXPECT_FALSE(early.status().reason().empty()) << early.status();
  // Giving the authorization up.
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAuthorization gone,
                             client->DeactivateAuthorization(order.authorizations[0]));
  EXPECT_EQ(gone.status, "deactivated");
}

TEST_F(AcmePebbleTest, KeyChangeThenDeactivation) {
  auto client = NewClient();
  ASSERT_NE(client, nullptr);
  jose::Jwk old_key = client->account_key();
  std::string account_url = client->account_url();
  jose::Jwk new_key = NewKey();
  CAIRN_ASSERT_OK(client->KeyChange(new_key));
  EXPECT_EQ(client->account_key().Thumbprint(), new_key.Thumbprint());
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAccount account, client->GetAccount());
  EXPECT_EQ(account.status, "valid");

  // The new key finds the account; the old one finds nothing.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto with_new, AcmeClient::Create(pebble_->ClientOptions()));
  with_new->SetAccountKey(new_key);
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAccount found,
                             with_new->NewAccount({.only_return_existing = true}));
  EXPECT_EQ(found.url, account_url);
  CAIRN_ASSERT_OK_AND_ASSIGN(auto with_old, AcmeClient::Create(pebble_->ClientOptions()));
  with_old->SetAccountKey(old_key);
  EXPECT_EQ(with_old->NewAccount({.only_return_existing = true}).status().reason(),
            "accountDoesNotExist");

  // Deactivation: the account answers "deactivated" and can no longer order.
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAccount deactivated, client->DeactivateAccount());
  EXPECT_EQ(deactivated.status, "deactivated");
  auto order = client->NewOrder({.identifiers = {{"ip", "127.0.0.1"}}});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.status().reason(), "unauthorized") << order.status();
}

TEST_F(AcmePebbleTest, ExternalAccountBinding) {
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string hmac, Base64UrlDecode(kEabHmacB64));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto client, AcmeClient::Create(pebble_->ClientOptions()));
  client->SetAccountKey(NewKey());
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAccount bound,
                             client->NewAccount({.eab_kid = kEabKid, .eab_hmac_key = hmac}));
  EXPECT_TRUE(bound.created);
  // A wrong MAC key is refused.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto wrong, AcmeClient::Create(pebble_->ClientOptions()));
  wrong->SetAccountKey(NewKey());
  auto refused = wrong->NewAccount({.eab_kid = kEabKid, .eab_hmac_key = std::string(48, 'x')});
  EXPECT_EQ(refused.status().reason(), "unauthorized") << refused.status();
}

TEST(AcmePebbleEabRequiredTest, AccountsNeedTheBinding) {
  auto pebble = Pebble::Start({.eab_required = true});
  ASSERT_TRUE(pebble.ok()) << pebble.status();
  CAIRN_ASSERT_OK_AND_ASSIGN(auto client, AcmeClient::Create((*pebble)->ClientOptions()));
  EXPECT_TRUE(client->directory().external_account_required);
  client->SetAccountKey(NewKey());
  auto plain = client->NewAccount({});
  EXPECT_EQ(plain.status().reason(), "externalAccountRequired") << plain.status();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string hmac, Base64UrlDecode(kEabHmacB64));
  CAIRN_ASSERT_OK_AND_ASSIGN(AcmeAccount bound,
                             client->NewAccount({.eab_kid = kEabKid, .eab_hmac_key = hmac}));
  EXPECT_TRUE(bound.created);
}

TEST(AcmePebbleBadNonceTest, RetriesRejectedNonces) {
  // Pebble rejects half of the good nonces with badNonce. Each request is retried once with
  // the fresh nonce of the rejection, so it fails only when both tries are rejected, and
  // always with badNonce.
  auto pebble = Pebble::Start({.nonce_reject_percent = 50});
  ASSERT_TRUE(pebble.ok()) << pebble.status();
  AcmeClientOptions o = (*pebble)->ClientOptions();
  int retries = 0;
  o.progress = [&](std::string_view line) {
    if (line.find("nonce") != std::string_view::npos) ++retries;
  };
  CAIRN_ASSERT_OK_AND_ASSIGN(auto client, AcmeClient::Create(o));
  client->SetAccountKey(NewKey());
  // Registration itself may need a few tries.
  bool registered = false;
  for (int i = 0; i < 20 && !registered; ++i) {
    auto account = client->NewAccount({});
    if (account.ok()) {
      registered = true;
    } else {
      ASSERT_EQ(account.status().reason(), "badNonce") << account.status();
    }
  }
  ASSERT_TRUE(registered);
  int retried_then_succeeded = 0;
  for (int i = 0; i < 60; ++i) {
    int before = retries;
    auto account = client->GetAccount();
    int tries = 1 + retries - before;
    EXPECT_LE(tries, 2);  // one retry at most
    if (account.ok()) {
      if (tries == 2) ++retried_then_succeeded;
    } else {
      EXPECT_EQ(account.status().reason(), "badNonce") << account.status();
      EXPECT_EQ(tries, 2);
    }
  }
  // With half the nonces rejected, about a quarter of the requests succeed on their retry.
  EXPECT_GT(retried_then_succeeded, 0);
}

}  // namespace
}  // namespace cairn::client
