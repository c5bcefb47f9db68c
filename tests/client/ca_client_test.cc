#include "client/ca_client.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <memory>
#include <string>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/ossl_ptr.h"
#include "crypto/pem.h"
#include "http/router.h"
#include "http/server.h"
#include "testing/fakes.h"

namespace cairn::client {
namespace {

using ::testing::HasSubstr;

// SelfSigned is a throwaway P-256 certificate for 127.0.0.1 and its key, both PEM.
struct SelfSigned {
  std::string cert_pem;
  std::string key_pem;
  std::string der;
};

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

SelfSigned MakeSelfSigned(const char* cn) {
  SelfSigned out;
  ossl::UniquePtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  ossl::UniquePtr<X509> x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509_set_pubkey(x.get(), key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  X509_add_ext(x.get(), san, -1);
  X509_EXTENSION_free(san);
  X509_EXTENSION* bc =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, "critical,CA:TRUE");
  X509_add_ext(x.get(), bc, -1);
  X509_EXTENSION_free(bc);
  X509_sign(x.get(), key.get(), EVP_sha256());
  ossl::UniquePtr<BIO> cb(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(cb.get(), x.get());
  out.cert_pem = BioString(cb.get());
  ossl::UniquePtr<BIO> kb(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = BioString(kb.get());
  auto blocks = crypto::ParsePemBlocks(out.cert_pem);
  out.der = (*blocks)[0].bytes;
  return out;
}

std::string Fingerprint(const SelfSigned& c) { return HexEncode(crypto::Sha256(c.der)); }

// FakeCa serves a few step-ca routes over HTTPS on 127.0.0.1.
class FakeCa {
 public:
  FakeCa() : tls_(MakeSelfSigned("Fake CA")), served_root_(MakeSelfSigned("Served Root")) {
    router_.Handle("GET", "/1.0/health", [](http::Request&, http::Response& r) {
      r.SetJson(200, {{"status", "ok"}});
    });
    // Any fingerprint gets the same root: the client must check it.
    router_.Handle("GET", "/1.0/root/{sha}", [this](http::Request& req, http::Response& r) {
      last_sha_ = req.PathParam("sha");
      r.SetJson(200, {{"ca", served_root_.cert_pem}});
    });
    router_.Handle("GET", "/1.0/roots", [this](http::Request&, http::Response& r) {
      r.SetJson(201, {{"crts", {tls_.cert_pem}}});
    });
    router_.Handle("GET", "/1.0/provisioners", [](http::Request& req, http::Response& r) {
      if (req.QueryParam("limit") != "100") {
        r.SetJson(400, {{"status", 400}, {"message", "bad limit"}});
        return;
      }
      if (req.QueryParam("cursor").empty()) {
        r.SetJson(200, {{"provisioners", {{{"type", "JWK"}, {"name", "first"}}}},
                        {"nextCursor", "abc123"}});
      } else if (req.QueryParam("cursor") == "abc123") {
        r.SetJson(200,
                  {{"provisioners", {{{"type", "ACME"}, {"name", "acme"}}}}, {"nextCursor", ""}});
      } else {
        r.SetJson(400, {{"status", 400}, {"message", "bad cursor"}});
      }
    });
    router_.Handle(
        "GET", "/1.0/provisioners/{kid}/encrypted-key", [](http::Request& req, http::Response& r) {
          if (req.PathParam("kid") == "known") {
            r.SetJson(200, {{"key", "a.b.c.d.e"}});
          } else {
            r.SetJson(404,
                      {{"status", 404}, {"message", "The requested resource could not be found."}});
          }
        });
    router_.Handle("POST", "/1.0/sign", [this](http::Request& req, http::Response& r) {
      last_body_ = req.body;
      r.SetJson(401, {{"status", 401},
                      {"message", "The request lacked necessary authorization to be completed."}});
    });
    router_.Handle("POST", "/1.0/renew", [this](http::Request& req, http::Response& r) {
      last_authorization_ = std::string(req.Header("Authorization"));
      r.SetJson(201, {{"crt", "LEAF\n"}, {"ca", "INTERMEDIATE\n"}});
    });
    router_.Handle("POST", "/1.0/revoke", [this](http::Request& req, http::Response& r) {
      last_body_ = req.body;
      r.SetJson(200, {{"status", "ok"}});
    });
    router_.Handle("POST", "/1.0/ssh/sign", [this](http::Request& req, http::Response& r) {
      last_body_ = req.body;
      r.SetJson(201, {{"crt", Base64Encode(std::string("CERT\0WIRE", 9))}});
    });
    router_.Handle("GET", "/1.0/ssh/roots", [](http::Request&, http::Response& r) {
      r.SetJson(200, {{"userKey", {Base64Encode("USER1"), Base64Encode("USER2")}},
                      {"hostKey", {Base64Encode("HOST")}}});
    });
    auto server = http::Server::Create({}, router_);
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    CAIRN_EXPECT_OK(server_->SetTlsCredentials(tls_.cert_pem, tls_.key_pem, {}));
    CAIRN_EXPECT_OK(server_->Start());
  }
  ~FakeCa() { server_->Stop(std::chrono::seconds(1)); }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(server_->port()); }

  SelfSigned tls_;
  SelfSigned served_root_;
  std::string last_sha_, last_body_, last_authorization_;

 private:
  http::Router router_;
  std::unique_ptr<http::Server> server_;
};

std::unique_ptr<CaClient> ClientFor(const FakeCa& ca, std::string root_pem) {
  CaClientOptions o;
  o.ca_url = ca.url();
  o.root_pem = std::move(root_pem);
  o.timeout = std::chrono::seconds(10);
  auto c = CaClient::Create(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return std::move(c).value();
}

TEST(NormalizeCaUrlTest, Table) {
  struct Case {
    const char* in;
    const char* want;  // nullptr = error
  } cases[] = {
      {"ca.example.com", "https://ca.example.com"},
      {"ca.example.com:9000", "https://ca.example.com:9000"},
      {"https://ca.example.com:9000/", "https://ca.example.com:9000"},
      {"HTTPS://ca.example.com/1.0/sign?x=1", "https://ca.example.com"},
      {" https://127.0.0.1:8443 ", "https://127.0.0.1:8443"},
      {"https://[::1]:9000", "https://[::1]:9000"},
      {"::1", "https://[::1]"},
      {"2001:db8::1:8443", "https://[2001:db8::1]:8443"},
      {"http://ca.example.com", nullptr},
      {"ftp://ca.example.com", nullptr},
      {"https://", nullptr},
      {"", nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    auto got = NormalizeCaUrl(c.in);
    if (c.want == nullptr) {
      EXPECT_FALSE(got.ok());
    } else {
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(*got, c.want);
    }
  }
  EXPECT_THAT(NormalizeCaUrl("http://x").status().message(), HasSubstr("must have https scheme"));
}

TEST(NormalizeFingerprintTest, AcceptsCaseAndSeparators) {
  std::string fp(64, 'a');
  EXPECT_EQ(*NormalizeFingerprint(" " + std::string(64, 'A') + "\n"), fp);
  std::string dashed = fp.substr(0, 32) + "-" + fp.substr(32);
  EXPECT_EQ(*NormalizeFingerprint(dashed), fp);
  EXPECT_FALSE(NormalizeFingerprint(std::string(63, 'a')).ok());
  EXPECT_FALSE(NormalizeFingerprint(std::string(64, 'g')).ok());
}

TEST(StatusFromCaErrorTest, MapsStatusAndKeepsTheCasMessage) {
  struct Case {
    int http;
    StatusCode code;
  } cases[] = {{400, StatusCode::kInvalidArgument},   {401, StatusCode::kUnauthenticated},
               {403, StatusCode::kPermissionDenied},  {404, StatusCode::kNotFound},
               {409, StatusCode::kAlreadyExists},     {429, StatusCode::kResourceExhausted},
               {500, StatusCode::kInternal},          {501, StatusCode::kUnimplemented},
               {503, StatusCode::kUnavailable},       {504, StatusCode::kDeadlineExceeded},
               {418, StatusCode::kFailedPrecondition}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.http);
    nlohmann::json body = {{"status", c.http}, {"message", "the CA says no"}};
    Status s = StatusFromCaError(c.http, body.dump());
    EXPECT_EQ(s.code(), c.code);
    EXPECT_EQ(s.message(), "the CA says no");
  }
  Status s = StatusFromCaError(502, "<html>bad gateway</html>");
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "the CA answered HTTP 502");
  EXPECT_EQ(StatusFromCaError(400, R"({"type":"x","detail":"bad thing"})").message(), "bad thing");
}

TEST(ParseSignResponseTest, ChainAndFallback) {
  nlohmann::json full = {{"crt", "L"}, {"ca", "I"}, {"certChain", {"L", "I", "I2"}}};
  CAIRN_ASSERT_OK_AND_ASSIGN(SignResponse r, ParseSignResponse(full));
  EXPECT_EQ(r.crt_pem, "L");
  EXPECT_EQ(r.ca_pem, "I");
  EXPECT_EQ(r.chain_pems, (std::vector<std::string>{"L", "I", "I2"}));
  EXPECT_EQ(r.ChainPem(), "L\nI\nI2\n");

  CAIRN_ASSERT_OK_AND_ASSIGN(r, ParseSignResponse({{"crt", "L\n"}, {"ca", "I\n"}}));
  EXPECT_EQ(r.chain_pems, (std::vector<std::string>{"L\n", "I\n"}));
  EXPECT_FALSE(ParseSignResponse(nlohmann::json::object()).ok());
  EXPECT_FALSE(ParseSignResponse({{"certChain", {1, 2}}}).ok());
}

TEST(CaClientTest, RootIsPinnedByFingerprintNotByTls) {
  FakeCa ca;
  // The client trusts nothing about the server's TLS certificate here.
  CaClientOptions o;
  o.ca_url = ca.url();
  o.insecure = true;
  CAIRN_ASSERT_OK_AND_ASSIGN(auto client, CaClient::Create(o));

  CAIRN_ASSERT_OK_AND_ASSIGN(std::string pem, client->Root(Fingerprint(ca.served_root_)));
  EXPECT_EQ(pem, ca.served_root_.cert_pem);
  EXPECT_EQ(ca.last_sha_, Fingerprint(ca.served_root_));

  // The CA answers with a root whose fingerprint is not the one asked for: refused.
  auto bad = client->Root(Fingerprint(ca.tls_));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "root certificate fingerprint does not match");

  // Fingerprints are normalised before use (upper case, dashes).
  std::string upper = Fingerprint(ca.served_root_);
  for (char& ch : upper) ch = static_cast<char>(std::toupper(ch));
  CAIRN_EXPECT_OK(client->Root(upper));
}

TEST(CaClientTest, VerifiesTheCaAgainstTheRoots) {
  FakeCa ca;
  auto trusted = ClientFor(ca, ca.tls_.cert_pem);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string health, trusted->Health());
  EXPECT_EQ(health, "ok");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto roots, trusted->Roots());
  EXPECT_EQ(roots, std::vector<std::string>{ca.tls_.cert_pem});

  auto untrusted = ClientFor(ca, ca.served_root_.cert_pem);
  auto h = untrusted->Health();
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kUnauthenticated) << h.status();
  // Root() ignores TLS trust entirely: it pins by fingerprint.
  CAIRN_EXPECT_OK(untrusted->Root(Fingerprint(ca.served_root_)));
}

TEST(CaClientTest, ProvisionersFollowCursor) {
  FakeCa ca;
  auto client = ClientFor(ca, ca.tls_.cert_pem);
  CAIRN_ASSERT_OK_AND_ASSIGN(auto list, client->Provisioners());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "first");
  EXPECT_EQ(list[1]["name"], "acme");
}

TEST(CaClientTest, EncryptedKeyAndNotFound) {
  FakeCa ca;
  auto client = ClientFor(ca, ca.tls_.cert_pem);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string key, client->EncryptedKey("known"));
  EXPECT_EQ(key, "a.b.c.d.e");
  auto missing = client->EncryptedKey("unknown");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "The requested resource could not be found.");
  EXPECT_FALSE(client->EncryptedKey("../etc").ok());
}

TEST(CaClientTest, SignErrorCarriesTheCasMessage) {
  FakeCa ca;
  auto client = ClientFor(ca, ca.tls_.cert_pem);
  SignRequest req;
  req.csr_pem = "CSR";
  req.ott = "TOKEN";
  req.not_after = "1h";
  auto r = client->Sign(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(r.status().message(), "The request lacked necessary authorization to be completed.");
  nlohmann::json sent = nlohmann::json::parse(ca.last_body_);
  EXPECT_EQ(sent, nlohmann::json({{"csr", "CSR"}, {"ott", "TOKEN"}, {"notAfter", "1h"}}));
}

TEST(CaClientTest, RenewWithTokenSendsBearer) {
  FakeCa ca;
  auto client = ClientFor(ca, ca.tls_.cert_pem);
  CAIRN_ASSERT_OK_AND_ASSIGN(SignResponse r, client->RenewWithToken("abc.def.ghi"));
  EXPECT_EQ(ca.last_authorization_, "Bearer abc.def.ghi");
  EXPECT_EQ(r.ChainPem(), "LEAF\nINTERMEDIATE\n");
}

TEST(CaClientTest, RevokeBody) {
  FakeCa ca;
  auto client = ClientFor(ca, ca.tls_.cert_pem);
  RevokeRequest req;
  req.serial = "1234";
  req.ott = "tok";
  req.reason_code = 1;
  req.reason = "laptop compromised";
  CAIRN_ASSERT_OK(client->Revoke(req));
  EXPECT_EQ(nlohmann::json::parse(ca.last_body_), nlohmann::json({{"serial", "1234"},
                                                                  {"ott", "tok"},
                                                                  {"reasonCode", 1},
                                                                  {"reason", "laptop compromised"},
                                                                  {"passive", true}}));
  req.ott.clear();
  EXPECT_FALSE(client->Revoke(req).ok()) << "mTLS revoke needs credentials";
}

TEST(CaClientTest, SignSshSendsStepsBodyAndDecodesTheCertificate) {
  FakeCa ca;
  auto client = ClientFor(ca, ca.tls_.cert_pem);
  SshSignRequest req;
  req.public_key = std::string("KEY\0BLOB", 8);
  req.ott = "tok";
  req.cert_type = "user";
  req.key_id = "jane@example.com";
  req.principals = {"jane", "root"};
  req.valid_before = "1h";
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string wire, client->SignSsh(req));
  EXPECT_EQ(wire, std::string("CERT\0WIRE", 9));
  EXPECT_EQ(nlohmann::json::parse(ca.last_body_),
            nlohmann::json({{"publicKey", Base64Encode(std::string("KEY\0BLOB", 8))},
                            {"ott", "tok"},
                            {"certType", "user"},
                            {"keyID", "jane@example.com"},
                            {"principals", {"jane", "root"}},
                            {"validBefore", "1h"}}));
}

TEST(CaClientTest, SshRootsDecodesBothLists) {
  FakeCa ca;
  auto client = ClientFor(ca, ca.tls_.cert_pem);
  CAIRN_ASSERT_OK_AND_ASSIGN(SshRootKeys keys, client->SshRoots());
  EXPECT_EQ(keys.user_keys, (std::vector<std::string>{"USER1", "USER2"}));
  EXPECT_EQ(keys.host_keys, (std::vector<std::string>{"HOST"}));
}

TEST(CaClientTest, CreateNeedsRootsUnlessInsecure) {
  CaClientOptions o;
  o.ca_url = "https://127.0.0.1:1";
  EXPECT_FALSE(CaClient::Create(o).ok());
  o.insecure = true;
  CAIRN_EXPECT_OK(CaClient::Create(o));
  o.ca_url = "http://127.0.0.1:1";
  EXPECT_FALSE(CaClient::Create(o).ok());
}

}  // namespace
}  // namespace cairn::client
