#pragma once

// A client-side harness for acme::AcmeServer tests: every request goes through
// AcmeServer::Handle with a flattened JWS body, against a real Authority (temporary PKI, a
// ca.json with the test's provisioners) over a Store (a MemoryStore unless the test brings its
// own). Challenges are answered for real: an HTTP server on 127.0.0.1 serves http-01 key
// authorizations and a test DNS server serves dns-01 TXT records and A records.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acme/server.h"
#include "authority/authority.h"
#include "crypto/key.h"
#include "http/router.h"
#include "http/server.h"
#include "jose/jwk.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "store/memory_store.h"
#include "testing/dns_server.h"
#include "testing/fakes.h"

namespace cairn::acme::testutil {

// kHost is the Host every test request names; URLs are https://ca.test:443/acme/<prov>/...
inline constexpr char kHost[] = "ca.test:443";

// ---- Reading responses.

// HeadersOf returns every value of header `name` (case-insensitive); HeaderOf the first ("").
std::vector<std::string> HeadersOf(const AcmeResponse& r, std::string_view name);
std::string HeaderOf(const AcmeResponse& r, std::string_view name);
// BodyJson parses the body (a discarded value when it is not JSON).
nlohmann::json BodyJson(const AcmeResponse& r);
// ProblemOf is the problem type of an error response without its URN prefix ("" when the
// response is not a problem document).
std::string ProblemOf(const AcmeResponse& r);
// Describe renders a response for failure messages.
std::string Describe(const AcmeResponse& r);

// LastSegments returns the last `n` '/'-separated segments of a URL ({} when it has fewer);
// LastSegment the last one.
std::vector<std::string> LastSegments(const std::string& url, size_t n);
std::string LastSegment(const std::string& url);

// ---- The http-01 responder.

// Http01Server answers GET /.well-known/acme-challenge/<token> with what Set put there (404
// for an unknown token), over plain HTTP on 127.0.0.1. Thread-safe.
class Http01Server {
 public:
  Http01Server();
  ~Http01Server();
  Http01Server(const Http01Server&) = delete;
  Http01Server& operator=(const Http01Server&) = delete;

  // Start listens on 127.0.0.1:`port` (0: a free port).
  Status Start(int port = 0);
  int port() const;
  void Set(const std::string& token, const std::string& body);
  int requests();

 private:
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::map<std::string, std::string> answers_;  // guarded by mu_
  int requests_ = 0;                            // guarded by mu_
};

// ClosedPort returns a TCP port on 127.0.0.1 that nothing listens on (bound, then released).
int ClosedPort();

// ---- The client side.

// Client is one ACME client: its account key, its account URL once registered, the nonce the
// last response handed it, and the address its requests come from.
struct Client {
  std::string prov = "acme";
  jose::Jwk key;  // private
  std::string account_url;
  std::string account_id;
  std::string nonce;
  std::string remote_address = "127.0.0.1";
};

// IssuedCert is what a finished order left: the order id, the chain and the certificate key.
struct IssuedCert {
  std::string order_id;
  std::vector<pki::Certificate> chain;
  std::optional<crypto::PrivateKey> key;
};

// KeyAuthz is the key authorization of `token` for the client's account key.
std::string KeyAuthz(const Client& c, const std::string& token);
// CsrDer builds a CSR (new P-256 key) with `cn` and the SANs; the key goes to *key_out.
std::string CsrDer(const std::string& cn, const pki::SubjectAltNames& sans,
                   std::optional<crypto::PrivateKey>* key_out = nullptr);
// Ident is an ACME identifier object.
nlohmann::json Ident(const std::string& type, const std::string& value);

// AcmeTestBase is a fixture: a CA on disk (root, intermediate, encrypted key) in a temporary
// directory, an Authority over store() and a FakeClock, an http-01 server, a DNS server, the
// AcmeServer under test, and client helpers that record failures with EXPECT_*.
//
// A test's SetUp calls SetUpCa with its provisioners (or the steps it wants one by one).
// store() is a MemoryStore unless UseStore named another before CreateAuthority.
class AcmeTestBase : public ::testing::Test {
 protected:
  AcmeTestBase();
  ~AcmeTestBase() override;
  void TearDown() override;

  // SetUpCa runs MakePki, CreateAuthority(provisioners), StartResponders and StartServer.
  void SetUpCa(const nlohmann::json& provisioners);
  // MakePki creates the temporary directory and writes root.crt, int.crt and int.key.
  void MakePki();
  // CreateAuthority (re)builds authority_ from a ca.json naming `provisioners`, over store().
  void CreateAuthority(const nlohmann::json& provisioners);
  // StartResponders starts the DNS server and the http-01 server and points options_ at them
  // (short timeouts, 2 attempts, 10 ms between them).
  void StartResponders();
  // StartServer (re)creates server_ with options_.
  void StartServer();
  // UseStore makes `s` (not owned) the store of what is created next; nullptr: the MemoryStore.
  void UseStore(store::Store* s) { store_ = s != nullptr ? s : &memory_store_; }
  store::Store& store() { return *store_; }

  std::string Path(const char* name) const { return (dir_ / name).string(); }
  static Urls U(const std::string& prov = "acme") { return Urls(kHost, prov); }
  static std::string UrlFor(Endpoint ep, const std::vector<std::string>& ids,
                            const std::string& prov);

  AcmeResponse Send(const AcmeRequest& req);
  static AcmeRequest Req(Endpoint ep, std::vector<std::string> ids, std::string prov,
                         std::string method = "POST");
  // FreshNonce asks newNonce (HEAD) from `remote_address`.
  std::string FreshNonce(const std::string& prov = "acme",
                         const std::string& remote_address = "127.0.0.1");
  // Jws signs `payload` (nullopt: POST-as-GET, an empty payload) with `key`, naming the key
  // by "jwk" or by "kid".
  static std::string Jws(const jose::Jwk& key, const std::string& url, const std::string& nonce,
                         const std::optional<nlohmann::json>& payload, bool use_jwk,
                         const std::string& kid);
  // TakeNonce returns the client's saved nonce, or a fresh one.
  std::string TakeNonce(Client& c);
  // SendBody posts a ready-made body and saves the response's nonce for the client.
  AcmeResponse SendBody(Client& c, Endpoint ep, std::vector<std::string> ids, std::string body,
                        std::string content_type = "application/jose+json");
  // Post is a client request: a JWS over `payload` (nullopt: POST-as-GET) signed by the
  // client's key (with "jwk" when `use_jwk`, else its account URL as "kid").
  AcmeResponse Post(Client& c, Endpoint ep, std::vector<std::string> ids,
                    std::optional<nlohmann::json> payload, bool use_jwk = false);
  // NewKeyClient makes a client with a fresh account key (EC P-256 unless told).
  static Client NewKeyClient(const std::string& prov = "acme", const char* kty = "EC",
                             const char* crv = "P-256");
  // Register creates the client's account (expects 201) and records its URL.
  AcmeResponse Register(Client& c,
                        nlohmann::json payload = nlohmann::json{{"termsOfServiceAgreed", true}});
  Client NewAccount(const std::string& prov = "acme");
  // CreateOrder posts a new order; returns its id ("" after a failure was recorded).
  std::string CreateOrder(Client& c, const nlohmann::json& identifiers);
  // GetJson is a POST-as-GET expecting 200.
  nlohmann::json GetJson(Client& c, Endpoint ep, std::vector<std::string> ids);
  // Publish puts the answer to `type` for an authorization where the validator will look.
  void Publish(const Client& c, const nlohmann::json& authz, const std::string& type,
               bool wrong = false);
  static nlohmann::json FindChallenge(const nlohmann::json& authz, const std::string& type);
  // Answer answers the `type` challenge of authorization `authz_id` and returns the
  // authorization once the validation ran (polling the challenge every answer_poll_interval_,
  // at most answer_max_polls_ times).
  nlohmann::json Answer(Client& c, const std::string& authz_id, const std::string& type,
                        bool wrong = false);
  // Issue runs a whole order for `identifiers`, answering each authorization with `type`, and
  // finalizes with a CSR for exactly those names. Records failures; returns what it got.
  IssuedCert Issue(Client& c, const nlohmann::json& identifiers, const std::string& type);

  size_t OrderCount(const Client& c);
  size_t CertificateCount();
  bool AccountExists(const Client& c);
  // Eab is an externalAccountBinding for `account_key` under EAB key `kid`/`hmac`.
  static nlohmann::json Eab(const jose::Jwk& account_key, const std::string& kid,
                            const std::string& hmac, const std::string& url,
                            nlohmann::json extra = nlohmann::json::object());
  // CertId is the RFC 9773 certificate id of `cert`.
  static std::string CertId(const pki::Certificate& cert);

  std::filesystem::path dir_;
  testing::FakeClock clock_;
  testing::FakeRandom random_;
  store::MemoryStore memory_store_{&clock_};
  NullLogger log_;
  std::optional<pki::Certificate> root_, intermediate_;
  std::shared_ptr<authority::Authority> authority_;
  std::unique_ptr<testing::DnsTestServer> dns_;
  Http01Server http01_;
  AcmeServerOptions options_;
  std::unique_ptr<AcmeServer> server_;
  Duration answer_poll_interval_ = std::chrono::milliseconds(5);
  int answer_max_polls_ = 400;

 private:
  store::Store* store_ = &memory_store_;
};

}  // namespace cairn::acme::testutil

// EXPECT_PROBLEM checks an error response: status, problem type, and the fresh nonce every
// ACME error carries (RFC 8555 §6.5).
#define EXPECT_PROBLEM(resp, want_status, want_type)                              \
  do {                                                                            \
    const ::cairn::acme::AcmeResponse& r_ = (resp);                               \
    EXPECT_EQ(r_.status, (want_status)) << ::cairn::acme::testutil::Describe(r_); \
    EXPECT_EQ(::cairn::acme::testutil::ProblemOf(r_), (want_type))                \
        << ::cairn::acme::testutil::Describe(r_);                                 \
    EXPECT_FALSE(::cairn::acme::testutil::HeaderOf(r_, "Replay-Nonce").empty())   \
        << ::cairn::acme::testutil::Describe(r_);                                 \
  } while (0)
