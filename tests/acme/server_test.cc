// Tests of acme::AcmeServer driven as an ACME client drives it: every request goes through
// AcmeServer::Handle with a flattened JWS body, against a real Authority (temporary PKI, ca.json
// with ACME provisioners) over a MemoryStore. Challenges are answered for real: an HTTP server on
// 127.0.0.1 serves http-01 key authorizations and a test DNS server serves dns-01 TXT records
// (the harness is acme_test_util.h).

#include "acme/server.h"

#include <optional>
#include <set>
#include <thread>

#include "acme/acme_test_util.h"
#include "acme/problem.h"
#include "base/duration.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "pki/provisioner_extension.h"
#include "testing/fakes.h"

namespace cairn::acme {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using testutil::BodyJson;
using testutil::Client;
using testutil::ClosedPort;
using testutil::CsrDer;
using testutil::Describe;
using testutil::HeaderOf;
using testutil::HeadersOf;
using testutil::Ident;
using testutil::IssuedCert;
using testutil::LastSegment;
using testutil::LastSegments;
using testutil::ProblemOf;

// The provisioners "acme" (with terms of service and website), "eab" (EAB required),
// "dnsonly", "httponly" and a JWK provisioner "admin".
class AcmeServerTest : public testutil::AcmeTestBase {
 protected:
  void SetUp() override {
    CAIRN_ASSERT_OK_AND_ASSIGN(auto jwk_prov_key, jose::Jwk::Generate("EC", "P-256"));
    SetUpCa({{{"type", "ACME"},
              {"name", "acme"},
              {"termsOfService", "https://ca.test/tos"},
              {"website", "https://ca.test/"}},
             {{"type", "ACME"}, {"name", "eab"}, {"requireEAB", true}},
             {{"type", "ACME"}, {"name", "dnsonly"}, {"challenges", {"dns-01"}}},
             {{"type", "ACME"}, {"name", "httponly"}, {"challenges", {"http-01"}}},
             {{"type", "JWK"},
              {"name", "admin"},
              {"key", json::parse(jwk_prov_key.PublicKey().ToJsonString(false))}}});
  }
};

// ---- Directory and nonces.

TEST_F(AcmeServerTest, Directory) {
  AcmeResponse r = Send(Req(Endpoint::kDirectory, {}, "acme", "GET"));
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(r.content_type, "application/json");
  json d = BodyJson(r);
  const Urls u = U();
  EXPECT_EQ(d["newNonce"], "https://ca.test:443/acme/acme/new-nonce");
  EXPECT_EQ(d["newAccount"], u.NewAccount());
  EXPECT_EQ(d["newOrder"], u.NewOrder());
  EXPECT_EQ(d["revokeCert"], u.RevokeCert());
  EXPECT_EQ(d["keyChange"], u.KeyChange());
  EXPECT_EQ(d["renewalInfo"], u.RenewalInfo());
  EXPECT_EQ(d["meta"]["termsOfService"], "https://ca.test/tos");
  EXPECT_EQ(d["meta"]["website"], "https://ca.test/");
  EXPECT_FALSE(d["meta"].contains("externalAccountRequired"));

  json eab = BodyJson(Send(Req(Endpoint::kDirectory, {}, "eab", "GET")));
  EXPECT_EQ(eab["meta"]["externalAccountRequired"], true);
  EXPECT_EQ(eab["newAccount"], U("eab").NewAccount());
  // No meta at all when there is nothing to say.
  json plain = BodyJson(Send(Req(Endpoint::kDirectory, {}, "dnsonly", "GET")));
  EXPECT_FALSE(plain.contains("meta")) << plain.dump();
}

TEST_F(AcmeServerTest, NewNonce) {
  AcmeResponse head = Send(Req(Endpoint::kNewNonce, {}, "acme", "HEAD"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(HeaderOf(head, "Cache-Control"), "no-store");
  EXPECT_FALSE(HeaderOf(head, "Replay-Nonce").empty());
  EXPECT_EQ(HeaderOf(head, "Link"), "<" + U().Directory() + ">;rel=\"index\"");
  EXPECT_TRUE(head.body.empty());

  AcmeResponse get = Send(Req(Endpoint::kNewNonce, {}, "acme", "GET"));
  EXPECT_EQ(get.status, 204);
  EXPECT_EQ(HeaderOf(get, "Cache-Control"), "no-store");
  EXPECT_FALSE(HeaderOf(get, "Replay-Nonce").empty());
  EXPECT_NE(HeaderOf(get, "Replay-Nonce"), HeaderOf(head, "Replay-Nonce"));
  // RFC 8555 §6.5.1: base64url characters only.
  for (char ch : HeaderOf(get, "Replay-Nonce")) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') << ch;
  }
}

TEST_F(AcmeServerTest, UnknownOrNonAcmeProvisionerIs404) {
  for (const char* prov : {"nope", "admin"}) {
    SCOPED_TRACE(prov);
    AcmeResponse r = Send(Req(Endpoint::kDirectory, {}, prov, "GET"));
    EXPECT_EQ(r.status, 404) << Describe(r);
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_EQ(ProblemOf(r), "malformed");
    AcmeResponse n = Send(Req(Endpoint::kNewNonce, {}, prov, "HEAD"));
    EXPECT_EQ(n.status, 404);
  }
}

// ---- Happy paths.

TEST_F(AcmeServerTest, IpIdentifierViaHttp01) {
  Client c = NewAccount();
  ASSERT_FALSE(c.account_id.empty());
  std::string order_id = CreateOrder(c, json::array({Ident("ip", "127.0.0.1")}));
  ASSERT_FALSE(order_id.empty());

  json order = GetJson(c, Endpoint::kOrder, {order_id});
  EXPECT_EQ(order["status"], "pending");
  EXPECT_EQ(order["identifiers"], json::array({Ident("ip", "127.0.0.1")}));
  EXPECT_EQ(order["finalize"], U().Finalize(order_id));
  EXPECT_FALSE(order.contains("certificate"));
  ASSERT_EQ(order["authorizations"].size(), 1u);
  const std::string authz_url = order["authorizations"][0];
  const std::string authz_id = LastSegment(authz_url);
  EXPECT_EQ(authz_url, U().Authz(authz_id));

  json authz = GetJson(c, Endpoint::kAuthz, {authz_id});
  EXPECT_EQ(authz["status"], "pending");
  EXPECT_EQ(authz["identifier"], Ident("ip", "127.0.0.1"));
  EXPECT_FALSE(authz.contains("wildcard"));
  std::vector<std::string> types;
  for (const json& ch : authz["challenges"]) {
    types.push_back(ch["type"]);
    EXPECT_EQ(ch["status"], "pending");
    EXPECT_FALSE(ch["token"].get<std::string>().empty());
  }
  // RFC 8738 §7: no dns-01 for IP addresses.
  EXPECT_THAT(types, UnorderedElementsAre("http-01", "tls-alpn-01"));

  // Answer http-01 by hand to look at the challenge response.
  json ch = FindChallenge(authz, "http-01");
  Publish(c, authz, "http-01");
  auto ch_ids = LastSegments(ch["url"].get<std::string>(), 2);
  EXPECT_EQ(ch["url"], U().Challenge(ch_ids[0], ch_ids[1]));
  AcmeResponse posted = Post(c, Endpoint::kChallenge, ch_ids, json::object());
  ASSERT_EQ(posted.status, 200) << Describe(posted);
  EXPECT_EQ(BodyJson(posted)["status"], "processing");
  EXPECT_EQ(BodyJson(posted)["type"], "http-01");
  EXPECT_FALSE(HeaderOf(posted, "Retry-After").empty());
  EXPECT_THAT(HeadersOf(posted, "Link"),
              ::testing::Contains("<" + U().Authz(authz_id) + ">;rel=\"up\""));
  server_->WaitForValidationsForTest();
  EXPECT_GE(http01_.requests(), 1);

  authz = GetJson(c, Endpoint::kAuthz, {authz_id});
  EXPECT_EQ(authz["status"], "valid") << authz.dump();
  json validated = FindChallenge(authz, "http-01");
  EXPECT_EQ(validated["status"], "valid");
  EXPECT_TRUE(validated.contains("validated"));
  EXPECT_FALSE(validated.contains("error"));
  json chj = GetJson(c, Endpoint::kChallenge, ch_ids);
  EXPECT_EQ(chj["status"], "valid");

  order = GetJson(c, Endpoint::kOrder, {order_id});
  EXPECT_EQ(order["status"], "ready");

  std::optional<crypto::PrivateKey> cert_key;
  AcmeResponse fin =
      Post(c, Endpoint::kFinalize, {order_id},
           json{{"csr", Base64UrlEncode(CsrDer("", {.ips = {"127.0.0.1"}}, &cert_key))}});
  ASSERT_EQ(fin.status, 200) << Describe(fin);
  EXPECT_EQ(HeaderOf(fin, "Location"), U().Order(order_id));
  order = BodyJson(fin);
  EXPECT_EQ(order["status"], "valid");
  EXPECT_EQ(order["certificate"], U().Certificate(order_id));
  EXPECT_EQ(GetJson(c, Endpoint::kOrder, {order_id})["status"], "valid");

  AcmeResponse cert = Post(c, Endpoint::kCertificate, {order_id}, std::nullopt);
  ASSERT_EQ(cert.status, 200) << Describe(cert);
  EXPECT_EQ(cert.content_type, "application/pem-certificate-chain");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto chain, pki::Certificate::ParsePemBundle(cert.body));
  ASSERT_EQ(chain.size(), 2u);
  const pki::Certificate& leaf = chain[0];
  EXPECT_EQ(chain[1].der(), intermediate_->der());
  EXPECT_TRUE(leaf.IsIssuedBy(*intermediate_));
  EXPECT_THAT(leaf.ip_addresses(), ElementsAre("127.0.0.1"));
  EXPECT_THAT(leaf.dns_names(), IsEmpty());
  EXPECT_THAT(leaf.email_addresses(), IsEmpty());
  EXPECT_THAT(leaf.uris(), IsEmpty());
  EXPECT_TRUE(leaf.public_key().Equals(cert_key->public_key()));
  ASSERT_TRUE(leaf.provisioner_extension().has_value());
  EXPECT_EQ(leaf.provisioner_extension()->type, 6);  // ACME
  EXPECT_EQ(leaf.provisioner_extension()->name, "acme");
  EXPECT_LE(leaf.not_before(), clock_.Now());
  EXPECT_GT(leaf.not_after(), clock_.Now() + hours(23));

  CAIRN_ASSERT_OK_AND_ASSIGN(auto rec, store().GetCertificate(leaf.serial_decimal()));
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->acme_account_id, c.account_id);
  EXPECT_EQ(rec->der, leaf.der());
  EXPECT_EQ(rec->provisioner_name, "acme");

  // The account lists the order.
  json orders = GetJson(c, Endpoint::kAccountOrders, {c.account_id});
  EXPECT_THAT(orders["orders"], ElementsAre(U().Order(order_id)));
}

TEST_F(AcmeServerTest, DnsNamesAndWildcardViaDns01) {
  Client c = NewAccount();
  // Upper case in the request: identifiers are lower-cased.
  json ids = json::array({Ident("dns", "WWW.Example.Test"), Ident("dns", "*.example.test")});
  std::string order_id = CreateOrder(c, ids);
  ASSERT_FALSE(order_id.empty());
  json order = GetJson(c, Endpoint::kOrder, {order_id});
  EXPECT_THAT(order["identifiers"], UnorderedElementsAre(Ident("dns", "www.example.test"),
                                                         Ident("dns", "*.example.test")));
  ASSERT_EQ(order["authorizations"].size(), 2u);
  for (const json& az : order["authorizations"]) {
    const std::string authz_id = LastSegment(az);
    json authz = GetJson(c, Endpoint::kAuthz, {authz_id});
    std::vector<std::string> types;
    for (const json& ch : authz["challenges"]) types.push_back(ch["type"]);
    if (authz.value("wildcard", false)) {
      // The base name, flagged wildcard, dns-01 only (RFC 8555 §7.1.3).
      EXPECT_EQ(authz["identifier"], Ident("dns", "example.test"));
      EXPECT_THAT(types, ElementsAre("dns-01"));
    } else {
      EXPECT_EQ(authz["identifier"], Ident("dns", "www.example.test"));
      EXPECT_THAT(types, UnorderedElementsAre("http-01", "dns-01", "tls-alpn-01"));
    }
    json done = Answer(c, authz_id, "dns-01");
    EXPECT_EQ(done["status"], "valid") << done.dump();
  }
  EXPECT_EQ(GetJson(c, Endpoint::kOrder, {order_id})["status"], "ready");

  AcmeResponse fin =
      Post(c, Endpoint::kFinalize, {order_id},
           json{{"csr", Base64UrlEncode(CsrDer("www.example.test",
                                               {.dns = {"www.example.test", "*.example.test"}}))}});
  ASSERT_EQ(fin.status, 200) << Describe(fin);
  EXPECT_EQ(BodyJson(fin)["status"], "valid");
  AcmeResponse cert = Post(c, Endpoint::kCertificate, {order_id}, std::nullopt);
  ASSERT_EQ(cert.status, 200) << Describe(cert);
  CAIRN_ASSERT_OK_AND_ASSIGN(auto chain, pki::Certificate::ParsePemBundle(cert.body));
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_THAT(chain[0].dns_names(), UnorderedElementsAre("www.example.test", "*.example.test"));
  EXPECT_THAT(chain[0].ip_addresses(), IsEmpty());
  EXPECT_EQ(chain[0].subject_cn(), "www.example.test");
  ASSERT_TRUE(chain[0].provisioner_extension().has_value());
  EXPECT_EQ(chain[0].provisioner_extension()->name, "acme");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto rec, store().GetCertificate(chain[0].serial_decimal()));
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->acme_account_id, c.account_id);
  // The validator asked our DNS server for the TXT records.
  auto queries = dns_->queries();
  EXPECT_THAT(queries, ::testing::Contains(HasSubstr("_acme-challenge.www.example.test")));
}

TEST_F(AcmeServerTest, ProvisionerChallengesFilterWhatIsOffered) {
  Client c = NewAccount("dnsonly");
  IssuedCert issued = Issue(c, json::array({Ident("dns", "a.example.test")}), "dns-01");
  ASSERT_EQ(issued.chain.size(), 2u);
  EXPECT_THAT(issued.chain[0].dns_names(), ElementsAre("a.example.test"));
  EXPECT_EQ(issued.chain[0].provisioner_extension()->name, "dnsonly");
  json order = GetJson(c, Endpoint::kOrder, {issued.order_id});
  json authz = GetJson(c, Endpoint::kAuthz, {LastSegment(order["authorizations"][0])});
  ASSERT_EQ(authz["challenges"].size(), 1u);
  EXPECT_EQ(authz["challenges"][0]["type"], "dns-01");

  // An IP address can be validated by none of the dns-only provisioner's challenges.
  AcmeResponse ip = Post(c, Endpoint::kNewOrder, {},
                         json{{"identifiers", json::array({Ident("ip", "127.0.0.1")})}});
  EXPECT_PROBLEM(ip, 403, "rejectedIdentifier");

  // A wildcard needs dns-01, which the http-only provisioner does not offer.
  Client h = NewAccount("httponly");
  AcmeResponse wild = Post(h, Endpoint::kNewOrder, {},
                           json{{"identifiers", json::array({Ident("dns", "*.example.test")})}});
  EXPECT_PROBLEM(wild, 403, "rejectedIdentifier");
  EXPECT_EQ(OrderCount(h), 0u);
}

// ---- Accounts.

TEST_F(AcmeServerTest, NewAccountAndExistingKey) {
  Client c = NewKeyClient();
  AcmeResponse r =
      Register(c, json{{"termsOfServiceAgreed", true}, {"contact", {"mailto:admin@example.test"}}});
  ASSERT_EQ(r.status, 201);
  EXPECT_TRUE(c.account_url.starts_with(U().Account(""))) << c.account_url;
  json acct = BodyJson(r);
  EXPECT_EQ(acct["status"], "valid");
  EXPECT_EQ(acct["contact"], json::array({"mailto:admin@example.test"}));
  EXPECT_EQ(acct["orders"], U().Orders(c.account_id));
  EXPECT_FALSE(HeaderOf(r, "Replay-Nonce").empty());
  EXPECT_EQ(HeaderOf(r, "Link"), "<" + U().Directory() + ">;rel=\"index\"");

  // The same key again: 200 and the same account.
  AcmeResponse again = Post(c, Endpoint::kNewAccount, {}, json{{"termsOfServiceAgreed", true}},
                            /*use_jwk=*/true);
  EXPECT_EQ(again.status, 200) << Describe(again);
  EXPECT_EQ(HeaderOf(again, "Location"), c.account_url);
  AcmeResponse existing = Post(c, Endpoint::kNewAccount, {}, json{{"onlyReturnExisting", true}},
                               /*use_jwk=*/true);
  EXPECT_EQ(existing.status, 200) << Describe(existing);
  EXPECT_EQ(HeaderOf(existing, "Location"), c.account_url);

  // onlyReturnExisting with an unknown key creates nothing.
  Client other = NewKeyClient();
  AcmeResponse none = Post(other, Endpoint::kNewAccount, {}, json{{"onlyReturnExisting", true}},
                           /*use_jwk=*/true);
  EXPECT_PROBLEM(none, 400, "accountDoesNotExist");
  EXPECT_FALSE(AccountExists(other));

  // An account of one provisioner is unknown to another.
  Client same_key_elsewhere = c;
  same_key_elsewhere.prov = "dnsonly";
  same_key_elsewhere.nonce.clear();
  AcmeResponse elsewhere = Post(same_key_elsewhere, Endpoint::kNewAccount, {},
                                json{{"onlyReturnExisting", true}}, /*use_jwk=*/true);
  EXPECT_PROBLEM(elsewhere, 400, "accountDoesNotExist");

  // Other key types work as account keys.
  for (auto [kty, crv] : {std::pair{"EC", "P-384"}, std::pair{"OKP", "Ed25519"}}) {
    SCOPED_TRACE(kty);
    Client k = NewKeyClient("acme", kty, crv);
    Register(k);
  }
}

TEST_F(AcmeServerTest, NewAccountContactValidation) {
  struct Case {
    const char* name;
    json contact;
    int status;
    const char* type;
  } cases[] = {
      {"tel", json::array({"tel:+15551234"}), 400, "unsupportedContact"},
      {"mailto without address", json::array({"mailto:"}), 400, "unsupportedContact"},
      {"https", json::array({"https://example.test"}), 400, "unsupportedContact"},
      {"not a list", "mailto:a@example.test", 400, "malformed"},
      {"not strings", json::array({1, 2}), 400, "malformed"},
      {"too many", json(std::vector<std::string>(11, "mailto:a@example.test")), 400, "malformed"},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    Client c = NewKeyClient();
    AcmeResponse r = Post(c, Endpoint::kNewAccount, {}, json{{"contact", tc.contact}},
                          /*use_jwk=*/true);
    EXPECT_PROBLEM(r, tc.status, tc.type);
    EXPECT_FALSE(AccountExists(c));
  }
}

TEST_F(AcmeServerTest, UpdateAccountAndDeactivate) {
  Client c = NewAccount();
  AcmeResponse upd =
      Post(c, Endpoint::kAccount, {c.account_id}, json{{"contact", {"mailto:new@example.test"}}});
  ASSERT_EQ(upd.status, 200) << Describe(upd);
  EXPECT_EQ(BodyJson(upd)["contact"], json::array({"mailto:new@example.test"}));
  EXPECT_EQ(HeaderOf(upd, "Location"), c.account_url);
  json acct = GetJson(c, Endpoint::kAccount, {c.account_id});
  EXPECT_EQ(acct["contact"], json::array({"mailto:new@example.test"}));
  EXPECT_EQ(acct["status"], "valid");

  AcmeResponse bad =
      Post(c, Endpoint::kAccount, {c.account_id}, json{{"contact", {"tel:+15551234"}}});
  EXPECT_PROBLEM(bad, 400, "unsupportedContact");
  EXPECT_EQ(GetJson(c, Endpoint::kAccount, {c.account_id})["contact"],
            json::array({"mailto:new@example.test"}));
  // The same rules as at creation.
  bad = Post(c, Endpoint::kAccount, {c.account_id}, json{{"contact", {"mailto:"}}});
  EXPECT_PROBLEM(bad, 400, "unsupportedContact");
  AcmeResponse revoke_self =
      Post(c, Endpoint::kAccount, {c.account_id}, json{{"status", "revoked"}});
  EXPECT_PROBLEM(revoke_self, 400, "malformed");

  // Another account's URL.
  Client other = NewAccount();
  AcmeResponse foreign = Post(c, Endpoint::kAccount, {other.account_id}, std::nullopt);
  EXPECT_PROBLEM(foreign, 401, "unauthorized");

  // Two orders, listed.
  std::string o1 = CreateOrder(c, json::array({Ident("dns", "one.example.test")}));
  std::string o2 = CreateOrder(c, json::array({Ident("ip", "10.0.0.1")}));
  json orders = GetJson(c, Endpoint::kAccountOrders, {c.account_id});
  EXPECT_THAT(orders["orders"], UnorderedElementsAre(U().Order(o1), U().Order(o2)));
  AcmeResponse foreign_orders = Post(c, Endpoint::kAccountOrders, {other.account_id}, std::nullopt);
  EXPECT_PROBLEM(foreign_orders, 401, "unauthorized");
  // An order of another account is not ours to read.
  AcmeResponse foreign_order = Post(other, Endpoint::kOrder, {o1}, std::nullopt);
  EXPECT_PROBLEM(foreign_order, 401, "unauthorized");

  // Deactivation; afterwards nothing works with the account.
  AcmeResponse deact = Post(c, Endpoint::kAccount, {c.account_id}, json{{"status", "deactivated"}});
  ASSERT_EQ(deact.status, 200) << Describe(deact);
  EXPECT_EQ(BodyJson(deact)["status"], "deactivated");
  for (auto [ep, ids] : {std::pair{Endpoint::kAccount, std::vector<std::string>{c.account_id}},
                         std::pair{Endpoint::kOrder, std::vector<std::string>{o1}},
                         std::pair{Endpoint::kNewOrder, std::vector<std::string>{}}}) {
    std::optional<json> payload;
    if (ep == Endpoint::kNewOrder) {
      payload = json{{"identifiers", json::array({Ident("dns", "x.example.test")})}};
    }
    AcmeResponse r = Post(c, ep, ids, payload);
    EXPECT_PROBLEM(r, 401, "unauthorized");
  }
  EXPECT_EQ(OrderCount(c), 2u);
  AcmeResponse reuse = Post(c, Endpoint::kNewAccount, {}, json::object(), /*use_jwk=*/true);
  EXPECT_PROBLEM(reuse, 401, "unauthorized");
}

// ---- External account binding.

TEST_F(AcmeServerTest, ExternalAccountBinding) {
  const std::string hmac(32, 'k');
  CAIRN_ASSERT_OK(store().CreateAcmeEabKey(
      {.id = "eabkey1", .provisioner = "eab", .reference = "customer-1", .hmac_key = hmac}));
  const std::string url = U("eab").NewAccount();

  // Required and missing.
  Client missing = NewKeyClient("eab");
  AcmeResponse r = Post(missing, Endpoint::kNewAccount, {}, json{{"termsOfServiceAgreed", true}},
                        /*use_jwk=*/true);
  EXPECT_EQ(ProblemOf(r), "externalAccountRequired") << Describe(r);
  EXPECT_GE(r.status, 400);
  EXPECT_FALSE(AccountExists(missing));

  // Wrong HMAC key.
  Client wrong = NewKeyClient("eab");
  r = Post(wrong, Endpoint::kNewAccount, {},
           json{{"externalAccountBinding", Eab(wrong.key, "eabkey1", std::string(32, 'x'), url)}},
           /*use_jwk=*/true);
  EXPECT_PROBLEM(r, 401, "unauthorized");
  EXPECT_FALSE(AccountExists(wrong));

  // An unknown EAB key id.
  r = Post(wrong, Endpoint::kNewAccount, {},
           json{{"externalAccountBinding", Eab(wrong.key, "nosuchkey", hmac, url)}},
           /*use_jwk=*/true);
  EXPECT_PROBLEM(r, 401, "unauthorized");

  // With a nonce in the inner header.
  r = Post(wrong, Endpoint::kNewAccount, {},
           json{{"externalAccountBinding",
                 Eab(wrong.key, "eabkey1", hmac, url, json{{"nonce", FreshNonce("eab")}})}},
           /*use_jwk=*/true);
  EXPECT_PROBLEM(r, 400, "malformed");

  // Binding another key than the one signing the request.
  Client third = NewKeyClient("eab");
  r = Post(wrong, Endpoint::kNewAccount, {},
           json{{"externalAccountBinding", Eab(third.key, "eabkey1", hmac, url)}},
           /*use_jwk=*/true);
  EXPECT_PROBLEM(r, 400, "malformed");
  // An inner url that is not the newAccount URL.
  r = Post(wrong, Endpoint::kNewAccount, {},
           json{{"externalAccountBinding", Eab(wrong.key, "eabkey1", hmac, U("eab").NewOrder())}},
           /*use_jwk=*/true);
  EXPECT_PROBLEM(r, 400, "malformed");
  EXPECT_FALSE(AccountExists(wrong));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto key, store().GetAcmeEabKey("eab", "eabkey1"));
  ASSERT_TRUE(key.has_value());
  EXPECT_TRUE(key->account_id.empty());

  // A valid binding: 201 and the key is bound to the account.
  Client good = NewKeyClient("eab");
  AcmeResponse created =
      Register(good, json{{"termsOfServiceAgreed", true},
                          {"externalAccountBinding", Eab(good.key, "eabkey1", hmac, url)}});
  ASSERT_EQ(created.status, 201) << Describe(created);
  CAIRN_ASSERT_OK_AND_ASSIGN(key, store().GetAcmeEabKey("eab", "eabkey1"));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->account_id, good.account_id);
  // The bound account issues.
  IssuedCert issued = Issue(good, json::array({Ident("ip", "127.0.0.1")}), "http-01");
  EXPECT_EQ(issued.chain.size(), 2u);

  // The same EAB key for another account key: unauthorized, and no second account.
  Client second = NewKeyClient("eab");
  r = Post(second, Endpoint::kNewAccount, {},
           json{{"externalAccountBinding", Eab(second.key, "eabkey1", hmac, url)}},
           /*use_jwk=*/true);
  EXPECT_PROBLEM(r, 401, "unauthorized");
  EXPECT_FALSE(AccountExists(second));
  CAIRN_ASSERT_OK_AND_ASSIGN(key, store().GetAcmeEabKey("eab", "eabkey1"));
  EXPECT_EQ(key->account_id, good.account_id);

  // The key that is bound may look its account up again without an EAB.
  AcmeResponse lookup = Post(good, Endpoint::kNewAccount, {}, json{{"onlyReturnExisting", true}},
                             /*use_jwk=*/true);
  EXPECT_EQ(lookup.status, 200) << Describe(lookup);
  EXPECT_EQ(HeaderOf(lookup, "Location"), good.account_url);
}

// ---- Key change (RFC 8555 §7.3.5).

class KeyChangeTest : public AcmeServerTest {
 protected:
  // Inner is the keyChange inner JWS: signed by `new_key` with "jwk", {account, oldKey}.
  json Inner(const Client& c, const jose::Jwk& new_key, const json& old_key,
             json extra_header = json::object()) {
    json header{{"url", U(c.prov).KeyChange()}, {"jwk", new_key.PublicKey().ToJson(false)}};
    header.update(extra_header);
    json payload{{"account", c.account_url}, {"oldKey", old_key}};
    auto jws = jose::SignFlattened(payload.dump(), new_key, header);
    EXPECT_TRUE(jws.ok()) << jws.status();
    return json::parse(jws.ok() ? *jws : "{}");
  }
};

TEST_F(KeyChangeTest, RollsTheKey) {
  Client c = NewAccount();
  std::string order_id = CreateOrder(c, json::array({Ident("dns", "k.example.test")}));
  jose::Jwk new_key = jose::Jwk::Generate("EC", "P-384").value();
  AcmeResponse r =
      Post(c, Endpoint::kKeyChange, {}, Inner(c, new_key, c.key.PublicKey().ToJson(false)));
  ASSERT_EQ(r.status, 200) << Describe(r);

  // The old key no longer works...
  AcmeResponse old = Post(c, Endpoint::kAccount, {c.account_id}, std::nullopt);
  EXPECT_GE(old.status, 400) << Describe(old);
  EXPECT_EQ(ProblemOf(old), "malformed");
  Client old_lookup = c;
  AcmeResponse gone = Post(old_lookup, Endpoint::kNewAccount, {},
                           json{{"onlyReturnExisting", true}}, /*use_jwk=*/true);
  EXPECT_PROBLEM(gone, 400, "accountDoesNotExist");

  // ... the new one does, for the same account and its orders.
  Client renewed = c;
  renewed.key = new_key;
  renewed.nonce.clear();
  json acct = GetJson(renewed, Endpoint::kAccount, {c.account_id});
  EXPECT_EQ(acct["status"], "valid");
  EXPECT_EQ(GetJson(renewed, Endpoint::kOrder, {order_id})["status"], "pending");
  AcmeResponse found = Post(renewed, Endpoint::kNewAccount, {}, json{{"onlyReturnExisting", true}},
                            /*use_jwk=*/true);
  EXPECT_EQ(found.status, 200) << Describe(found);
  EXPECT_EQ(HeaderOf(found, "Location"), c.account_url);
  // The key authorization follows the new key.
  json order = GetJson(renewed, Endpoint::kOrder, {order_id});
  json authz = Answer(renewed, LastSegment(order["authorizations"][0]), "dns-01");
  EXPECT_EQ(authz["status"], "valid") << authz.dump();
}

TEST_F(KeyChangeTest, Refusals) {
  Client c = NewAccount();
  Client other = NewAccount();
  jose::Jwk new_key = jose::Jwk::Generate("EC", "P-256").value();
  const json old_jwk = c.key.PublicKey().ToJson(false);

  // oldKey is not the account's key.
  AcmeResponse r =
      Post(c, Endpoint::kKeyChange, {}, Inner(c, new_key, other.key.PublicKey().ToJson(false)));
  EXPECT_PROBLEM(r, 400, "malformed");
  // The inner JWS has a nonce.
  r = Post(c, Endpoint::kKeyChange, {}, Inner(c, new_key, old_jwk, json{{"nonce", FreshNonce()}}));
  EXPECT_PROBLEM(r, 400, "malformed");
  // The inner url differs.
  r = Post(c, Endpoint::kKeyChange, {}, Inner(c, new_key, old_jwk, json{{"url", U().NewOrder()}}));
  EXPECT_PROBLEM(r, 400, "malformed");
  // Signed with jwk on the outside (must be kid).
  r = Post(c, Endpoint::kKeyChange, {}, Inner(c, new_key, old_jwk), /*use_jwk=*/true);
  EXPECT_PROBLEM(r, 400, "malformed");

  // The new key already belongs to another account: 409 with its Location.
  r = Post(c, Endpoint::kKeyChange, {}, Inner(c, other.key, old_jwk));
  EXPECT_PROBLEM(r, 409, "malformed");
  EXPECT_EQ(HeaderOf(r, "Location"), other.account_url);

  // Nothing changed: the old key still works.
  EXPECT_EQ(GetJson(c, Endpoint::kAccount, {c.account_id})["status"], "valid");
}

// ---- Bad requests.

TEST_F(AcmeServerTest, ReplayedNonce) {
  Client c = NewAccount();
  const json payload{{"identifiers", json::array({Ident("dns", "r.example.test")})}};
  const std::string nonce = FreshNonce();
  const std::string url = U().NewOrder();
  AcmeResponse first =
      SendBody(c, Endpoint::kNewOrder, {}, Jws(c.key, url, nonce, payload, false, c.account_url));
  ASSERT_EQ(first.status, 201) << Describe(first);
  AcmeResponse replay =
      SendBody(c, Endpoint::kNewOrder, {}, Jws(c.key, url, nonce, payload, false, c.account_url));
  EXPECT_PROBLEM(replay, 400, "badNonce");
  EXPECT_EQ(OrderCount(c), 1u);
  // The fresh nonce of the error response works.
  const std::string fresh = HeaderOf(replay, "Replay-Nonce");
  EXPECT_NE(fresh, nonce);
  AcmeResponse retry =
      SendBody(c, Endpoint::kNewOrder, {}, Jws(c.key, url, fresh, payload, false, c.account_url));
  EXPECT_EQ(retry.status, 201) << Describe(retry);
  EXPECT_EQ(OrderCount(c), 2u);

  // A nonce that is not ours, and none at all.
  for (std::string bad :
       {Base64UrlEncode(std::string(36, 'x')), std::string("abc"), std::string()}) {
    AcmeResponse r =
        SendBody(c, Endpoint::kNewOrder, {}, Jws(c.key, url, bad, payload, false, c.account_url));
    EXPECT_PROBLEM(r, 400, "badNonce");
  }
  EXPECT_EQ(OrderCount(c), 2u);
}

TEST_F(AcmeServerTest, BadJwsRequests) {
  Client c = NewAccount();
  const json payload{{"identifiers", json::array({Ident("dns", "b.example.test")})}};
  const std::string url = U().NewOrder();

  // The protected url is not this request's.
  AcmeResponse r =
      SendBody(c, Endpoint::kNewOrder, {},
               Jws(c.key, U().NewAccount(), FreshNonce(), payload, false, c.account_url));
  EXPECT_PROBLEM(r, 401, "unauthorized");
  r = SendBody(c, Endpoint::kNewOrder, {},
               Jws(c.key, "https://other.test/acme/acme/new-order", FreshNonce(), payload, false,
                   c.account_url));
  EXPECT_PROBLEM(r, 401, "unauthorized");

  // A kid that is not an account.
  r = SendBody(c, Endpoint::kNewOrder, {},
               Jws(c.key, url, FreshNonce(), payload, false, U().Account("nosuchaccount")));
  EXPECT_PROBLEM(r, 400, "accountDoesNotExist");
  r = SendBody(c, Endpoint::kNewOrder, {},
               Jws(c.key, url, FreshNonce(), payload, false, "https://elsewhere.test/acct/1"));
  EXPECT_PROBLEM(r, 400, "accountDoesNotExist");
  // An account of another provisioner.
  Client d = NewAccount("dnsonly");
  r = SendBody(c, Endpoint::kNewOrder, {},
               Jws(c.key, url, FreshNonce(), payload, false, U().Account(d.account_id)));
  EXPECT_PROBLEM(r, 400, "accountDoesNotExist");

  // Signed by another key than the account's.
  Client impostor = NewKeyClient();
  r = SendBody(c, Endpoint::kNewOrder, {},
               Jws(impostor.key, url, FreshNonce(), payload, false, c.account_url));
  EXPECT_GE(r.status, 400);
  EXPECT_LT(r.status, 500);
  EXPECT_EQ(ProblemOf(r), "malformed");

  // jwk where kid is needed, and both.
  r = SendBody(c, Endpoint::kNewOrder, {},
               Jws(c.key, url, FreshNonce(), payload, /*use_jwk=*/true, ""));
  EXPECT_PROBLEM(r, 400, "malformed");
  {
    json header{{"url", url},
                {"nonce", FreshNonce()},
                {"jwk", c.key.PublicKey().ToJson(false)},
                {"kid", c.account_url}};
    r = SendBody(c, Endpoint::kNewOrder, {},
                 jose::SignFlattened(payload.dump(), c.key, header).value());
    EXPECT_PROBLEM(r, 400, "malformed");
  }

  // alg "none" (unsigned) and HS256 on the outer JWS.
  {
    json header{{"alg", "none"}, {"url", url}, {"nonce", FreshNonce()}, {"kid", c.account_url}};
    json body{{"protected", Base64UrlEncode(header.dump())},
              {"payload", Base64UrlEncode(payload.dump())},
              {"signature", ""}};
    r = SendBody(c, Endpoint::kNewOrder, {}, body.dump());
    EXPECT_EQ(r.status, 400) << Describe(r);
    EXPECT_TRUE(ProblemOf(r) == "malformed" || ProblemOf(r) == "badSignatureAlgorithm")
        << Describe(r);
    body["signature"] = Base64UrlEncode("sig");
    r = SendBody(c, Endpoint::kNewOrder, {}, body.dump());
    EXPECT_EQ(r.status, 400) << Describe(r);
    EXPECT_TRUE(ProblemOf(r) == "malformed" || ProblemOf(r) == "badSignatureAlgorithm")
        << Describe(r);
  }
  {
    auto sym = jose::Jwk::FromSymmetric(std::string(32, 's')).value();
    json header{{"url", url}, {"nonce", FreshNonce()}, {"kid", c.account_url}};
    r = SendBody(c, Endpoint::kNewOrder, {},
                 jose::SignFlattened(payload.dump(), sym, header, "HS256").value());
    EXPECT_PROBLEM(r, 400, "badSignatureAlgorithm");
    // An HMAC "jwk" on newAccount.
    json jwk_header{{"url", U().NewAccount()}, {"nonce", FreshNonce()}, {"jwk", sym.ToJson(false)}};
    r = SendBody(c, Endpoint::kNewAccount, {},
                 jose::SignFlattened("{}", sym, jwk_header, "HS256").value());
    EXPECT_EQ(r.status, 400) << Describe(r);
  }

  // Malformed base64url and other broken bodies.
  for (std::string body :
       {std::string(R"({"protected":"!!!","payload":"e30","signature":"AAAA"})"),
        std::string("not json"), std::string("{}"), std::string(),
        std::string(R"({"protected":"e30","payload":"e30","signature":"AAAA"})")}) {
    SCOPED_TRACE(body);
    r = SendBody(c, Endpoint::kNewOrder, {}, body);
    EXPECT_PROBLEM(r, 400, "malformed");
  }
  // An unprotected header is refused (RFC 8555 §6.2).
  {
    json jws = json::parse(Jws(c.key, url, FreshNonce(), payload, false, c.account_url));
    jws["header"] = json{{"kid", c.account_url}};
    r = SendBody(c, Endpoint::kNewOrder, {}, jws.dump());
    EXPECT_PROBLEM(r, 400, "malformed");
  }

  // Wrong content type.
  r = SendBody(c, Endpoint::kNewOrder, {},
               Jws(c.key, url, FreshNonce(), payload, false, c.account_url), "application/json");
  EXPECT_PROBLEM(r, 400, "malformed");
  // A parameter on the right content type is fine.
  r = SendBody(c, Endpoint::kNewOrder, {},
               Jws(c.key, url, FreshNonce(), payload, false, c.account_url),
               "application/jose+json; charset=utf-8");
  EXPECT_EQ(r.status, 201) << Describe(r);
  EXPECT_EQ(OrderCount(c), 1u);

  // GET where POST is needed.
  AcmeRequest get = Req(Endpoint::kOrder, {"x"}, "acme", "GET");
  EXPECT_PROBLEM(Send(get), 400, "malformed");
}

TEST_F(AcmeServerTest, BadIdentifiers) {
  Client c = NewAccount();
  struct Case {
    const char* name;
    json identifiers;
    int status;
    const char* type;
  } cases[] = {
      {"email", json::array({Ident("email", "a@example.test")}), 400, "unsupportedIdentifier"},
      {"dns holding an IP", json::array({Ident("dns", "10.0.0.1")}), 400, "malformed"},
      {"ip that is not", json::array({Ident("ip", "example.test")}), 400, "malformed"},
      {"bad dns name", json::array({Ident("dns", "bad name.example.test")}), 403,
       "rejectedIdentifier"},
      {"empty", json::array(), 400, "malformed"},
      {"not a list", Ident("dns", "a.example.test"), 400, "malformed"},
      {"one bad among good",
       json::array({Ident("dns", "ok.example.test"), Ident("email", "a@example.test")}), 400,
       "unsupportedIdentifier"},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    AcmeResponse r = Post(c, Endpoint::kNewOrder, {}, json{{"identifiers", tc.identifiers}});
    EXPECT_PROBLEM(r, tc.status, tc.type);
  }
  EXPECT_EQ(OrderCount(c), 0u);
}

TEST_F(AcmeServerTest, FinalizeChecks) {
  dns_->AddA("f.example.test", "127.0.0.1");
  Client c = NewAccount();
  std::string order_id =
      CreateOrder(c, json::array({Ident("dns", "f.example.test"), Ident("ip", "127.0.0.1")}));
  ASSERT_FALSE(order_id.empty());
  const std::string good_csr =
      Base64UrlEncode(CsrDer("f.example.test", {.dns = {"f.example.test"}, .ips = {"127.0.0.1"}}));

  // Not ready yet.
  AcmeResponse r = Post(c, Endpoint::kFinalize, {order_id}, json{{"csr", good_csr}});
  EXPECT_PROBLEM(r, 403, "orderNotReady");
  AcmeResponse no_cert = Post(c, Endpoint::kCertificate, {order_id}, std::nullopt);
  EXPECT_GE(no_cert.status, 400);

  json order = GetJson(c, Endpoint::kOrder, {order_id});
  for (const json& az : order["authorizations"]) {
    EXPECT_EQ(Answer(c, LastSegment(az), "http-01")["status"], "valid");
  }
  ASSERT_EQ(GetJson(c, Endpoint::kOrder, {order_id})["status"], "ready");
  const size_t certs_before = CertificateCount();

  struct Case {
    const char* name;
    json payload;
  } cases[] = {
      {"other name",
       json{{"csr", Base64UrlEncode(CsrDer(
                        "f.example.test",
                        {.dns = {"f.example.test", "evil.example.test"}, .ips = {"127.0.0.1"}}))}}},
      {"missing name", json{{"csr", Base64UrlEncode(CsrDer("", {.dns = {"f.example.test"}}))}}},
      {"other CN",
       json{{"csr", Base64UrlEncode(CsrDer("evil.example.test",
                                           {.dns = {"f.example.test"}, .ips = {"127.0.0.1"}}))}}},
      {"email SAN",
       json{{"csr", Base64UrlEncode(CsrDer("f.example.test", {.dns = {"f.example.test"},
                                                              .ips = {"127.0.0.1"},
                                                              .emails = {"a@example.test"}}))}}},
      {"not base64url", json{{"csr", "!!!"}}},
      {"not a CSR", json{{"csr", Base64UrlEncode("garbage")}}},
      {"no csr", json::object()},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.name);
    r = Post(c, Endpoint::kFinalize, {order_id}, tc.payload);
    EXPECT_PROBLEM(r, 400, "badCSR");
    EXPECT_EQ(GetJson(c, Endpoint::kOrder, {order_id})["status"], "ready");
  }
  EXPECT_EQ(CertificateCount(), certs_before);

  // A correct CSR afterwards succeeds; upper case in the CSR is fine.
  r = Post(c, Endpoint::kFinalize, {order_id},
           json{{"csr", Base64UrlEncode(CsrDer("F.Example.Test", {.dns = {"f.example.test"},
                                                                  .ips = {"127.0.0.1"}}))}});
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(BodyJson(r)["status"], "valid");
  EXPECT_EQ(CertificateCount(), certs_before + 1);
  // Finalizing again: the order is no longer ready.
  r = Post(c, Endpoint::kFinalize, {order_id}, json{{"csr", good_csr}});
  EXPECT_PROBLEM(r, 403, "orderNotReady");
  EXPECT_EQ(CertificateCount(), certs_before + 1);
}

TEST_F(AcmeServerTest, WrongHttp01AnswerInvalidatesEverything) {
  Client c = NewAccount();
  std::string order_id = CreateOrder(c, json::array({Ident("ip", "127.0.0.1")}));
  json order = GetJson(c, Endpoint::kOrder, {order_id});
  const std::string authz_id = LastSegment(order["authorizations"][0]);
  json authz = Answer(c, authz_id, "http-01", /*wrong=*/true);
  EXPECT_EQ(authz["status"], "invalid") << authz.dump();
  json ch = FindChallenge(authz, "http-01");
  EXPECT_EQ(ch["status"], "invalid");
  EXPECT_EQ(ch["error"]["type"], std::string(kProblemPrefix) + "incorrectResponse") << ch.dump();
  EXPECT_FALSE(ch["error"].value("detail", "").empty());

  order = GetJson(c, Endpoint::kOrder, {order_id});
  EXPECT_EQ(order["status"], "invalid") << order.dump();
  EXPECT_TRUE(order.contains("error"));
  AcmeResponse fin = Post(c, Endpoint::kFinalize, {order_id},
                          json{{"csr", Base64UrlEncode(CsrDer("", {.ips = {"127.0.0.1"}}))}});
  EXPECT_PROBLEM(fin, 403, "orderNotReady");
  // Answering again does not revive the challenge.
  AcmeResponse again =
      Post(c, Endpoint::kChallenge, LastSegments(ch["url"].get<std::string>(), 2), json::object());
  EXPECT_EQ(again.status, 200) << Describe(again);
  EXPECT_EQ(BodyJson(again)["status"], "invalid");
}

TEST_F(AcmeServerTest, Dns01WithoutRecordRetriesThenFails) {
  Client c = NewAccount("dnsonly");
  std::string order_id = CreateOrder(c, json::array({Ident("dns", "norecord.example.test")}));
  json order = GetJson(c, Endpoint::kOrder, {order_id});
  const std::string authz_id = LastSegment(order["authorizations"][0]);
  json authz = GetJson(c, Endpoint::kAuthz, {authz_id});
  auto ch_ids = LastSegments(authz["challenges"][0]["url"].get<std::string>(), 2);
  AcmeResponse posted = Post(c, Endpoint::kChallenge, ch_ids, json::object());
  ASSERT_EQ(posted.status, 200);
  // The first attempt finds no TXT record; the challenge waits for a retry with the error.
  json ch;
  for (int i = 0; i < 400; ++i) {
    ch = GetJson(c, Endpoint::kChallenge, ch_ids);
    if (ch.contains("error")) break;
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(ch["status"], "processing") << ch.dump();
  EXPECT_EQ(ch["error"]["type"], std::string(kProblemPrefix) + "unauthorized") << ch.dump();
  // The record appears before the retry: the challenge becomes valid.
  Publish(c, authz, "dns-01");
  clock_.Advance(seconds(1));
  server_->WaitForValidationsForTest();
  ch = GetJson(c, Endpoint::kChallenge, ch_ids);
  EXPECT_EQ(ch["status"], "valid") << ch.dump();
  EXPECT_FALSE(ch.contains("error"));
  EXPECT_EQ(GetJson(c, Endpoint::kOrder, {order_id})["status"], "ready");
}

TEST_F(AcmeServerTest, NothingListeningRetriesThenInvalid) {
  options_.validation.http01_port = ClosedPort();
  ASSERT_NE(options_.validation.http01_port, 0);
  StartServer();
  Client c = NewAccount();
  std::string order_id = CreateOrder(c, json::array({Ident("ip", "127.0.0.1")}));
  json order = GetJson(c, Endpoint::kOrder, {order_id});
  const std::string authz_id = LastSegment(order["authorizations"][0]);
  json authz = GetJson(c, Endpoint::kAuthz, {authz_id});
  Publish(c, authz, "http-01");
  auto ch_ids = LastSegments(FindChallenge(authz, "http-01")["url"].get<std::string>(), 2);
  ASSERT_EQ(Post(c, Endpoint::kChallenge, ch_ids, json::object()).status, 200);

  // First attempt: connection refused; the challenge stays processing, showing the error.
  json ch;
  AcmeResponse poll;
  for (int i = 0; i < 400; ++i) {
    poll = Post(c, Endpoint::kChallenge, ch_ids, std::nullopt);
    ch = BodyJson(poll);
    if (ch.contains("error")) break;
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(ch["status"], "processing") << ch.dump();
  EXPECT_EQ(ch["error"]["type"], std::string(kProblemPrefix) + "connection") << ch.dump();
  EXPECT_FALSE(HeaderOf(poll, "Retry-After").empty());
  json az = GetJson(c, Endpoint::kAuthz, {authz_id});
  EXPECT_EQ(az["status"], "pending");
  EXPECT_EQ(GetJson(c, Endpoint::kOrder, {order_id})["status"], "pending");

  // The retry is due (the server's clock is the fake one); the last attempt fails too.
  clock_.Advance(seconds(1));
  server_->WaitForValidationsForTest();
  ch = GetJson(c, Endpoint::kChallenge, ch_ids);
  EXPECT_EQ(ch["status"], "invalid") << ch.dump();
  EXPECT_EQ(ch["error"]["type"], std::string(kProblemPrefix) + "connection");
  EXPECT_EQ(GetJson(c, Endpoint::kAuthz, {authz_id})["status"], "invalid");
  order = GetJson(c, Endpoint::kOrder, {order_id});
  EXPECT_EQ(order["status"], "invalid");
  EXPECT_EQ(order["error"]["type"], std::string(kProblemPrefix) + "connection") << order.dump();
}

TEST_F(AcmeServerTest, DeactivateAuthorization) {
  Client c = NewAccount();
  std::string order_id = CreateOrder(c, json::array({Ident("dns", "d.example.test")}));
  json order = GetJson(c, Endpoint::kOrder, {order_id});
  const std::string authz_id = LastSegment(order["authorizations"][0]);
  AcmeResponse r = Post(c, Endpoint::kAuthz, {authz_id}, json{{"status", "deactivated"}});
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(BodyJson(r)["status"], "deactivated");
  EXPECT_EQ(GetJson(c, Endpoint::kOrder, {order_id})["status"], "invalid");
  // Another account may not touch it.
  Client other = NewAccount();
  EXPECT_PROBLEM(Post(other, Endpoint::kAuthz, {authz_id}, std::nullopt), 401, "unauthorized");
  EXPECT_PROBLEM(Post(c, Endpoint::kAuthz, {"nosuchauthz"}, std::nullopt), 404, "malformed");
}

TEST_F(AcmeServerTest, RequestedValidityIsHonoured) {
  Client c = NewAccount();
  const Time nb = clock_.Now() + hours(1);
  const Time na = clock_.Now() + hours(5);
  AcmeResponse r = Post(c, Endpoint::kNewOrder, {},
                        json{{"identifiers", json::array({Ident("ip", "127.0.0.1")})},
                             {"notBefore", FormatRfc3339(nb)},
                             {"notAfter", FormatRfc3339(na)}});
  ASSERT_EQ(r.status, 201) << Describe(r);
  const std::string order_id = LastSegment(HeaderOf(r, "Location"));
  EXPECT_EQ(BodyJson(r)["notBefore"], FormatRfc3339(nb));
  EXPECT_EQ(BodyJson(r)["notAfter"], FormatRfc3339(na));
  json order = GetJson(c, Endpoint::kOrder, {order_id});
  EXPECT_EQ(Answer(c, LastSegment(order["authorizations"][0]), "http-01")["status"], "valid");
  AcmeResponse fin = Post(c, Endpoint::kFinalize, {order_id},
                          json{{"csr", Base64UrlEncode(CsrDer("", {.ips = {"127.0.0.1"}}))}});
  ASSERT_EQ(fin.status, 200) << Describe(fin);
  AcmeResponse cert = Post(c, Endpoint::kCertificate, {order_id}, std::nullopt);
  CAIRN_ASSERT_OK_AND_ASSIGN(auto chain, pki::Certificate::ParsePemBundle(cert.body));
  ASSERT_FALSE(chain.empty());
  EXPECT_EQ(chain[0].not_before(), nb);
  EXPECT_EQ(chain[0].not_after(), na);

  // notAfter before notBefore, and a time that is not RFC 3339.
  r = Post(c, Endpoint::kNewOrder, {},
           json{{"identifiers", json::array({Ident("ip", "127.0.0.1")})},
                {"notBefore", FormatRfc3339(na)},
                {"notAfter", FormatRfc3339(nb)}});
  EXPECT_PROBLEM(r, 400, "malformed");
  r = Post(c, Endpoint::kNewOrder, {},
           json{{"identifiers", json::array({Ident("ip", "127.0.0.1")})}, {"notAfter", "soon"}});
  EXPECT_PROBLEM(r, 400, "malformed");
  EXPECT_EQ(OrderCount(c), 1u);
}

TEST_F(AcmeServerTest, ExpiryOfNoncesOrdersAndAuthorizations) {
  Client c = NewAccount();
  std::string order_id = CreateOrder(c, json::array({Ident("ip", "127.0.0.1")}));
  json order = GetJson(c, Endpoint::kOrder, {order_id});
  const std::string authz_id = LastSegment(order["authorizations"][0]);
  json authz = GetJson(c, Endpoint::kAuthz, {authz_id});
  auto ch_ids = LastSegments(FindChallenge(authz, "http-01")["url"].get<std::string>(), 2);
  const std::string old_nonce = FreshNonce();

  clock_.Advance(hours(25));
  // A nonce outlives neither its lifetime...
  AcmeResponse r =
      SendBody(c, Endpoint::kOrder, {order_id},
               Jws(c.key, U().Order(order_id), old_nonce, std::nullopt, false, c.account_url));
  EXPECT_PROBLEM(r, 400, "badNonce");
  // ... nor does an order or its authorization.
  order = GetJson(c, Endpoint::kOrder, {order_id});
  EXPECT_EQ(order["status"], "invalid") << order.dump();
  authz = GetJson(c, Endpoint::kAuthz, {authz_id});
  EXPECT_EQ(authz["status"], "expired") << authz.dump();
  Publish(c, authz, "http-01");
  r = Post(c, Endpoint::kChallenge, ch_ids, json::object());
  EXPECT_GE(r.status, 400) << Describe(r);
  EXPECT_EQ(http01_.requests(), 0);
}

// ---- Revocation.

TEST_F(AcmeServerTest, RevokeCert) {
  dns_->AddA("rv.example.test", "127.0.0.1");
  Client c = NewAccount();
  Client other = NewAccount();
  IssuedCert a = Issue(c, json::array({Ident("ip", "127.0.0.1")}), "http-01");
  IssuedCert b = Issue(c, json::array({Ident("dns", "rv.example.test")}), "http-01");
  ASSERT_EQ(a.chain.size(), 2u);
  ASSERT_EQ(b.chain.size(), 2u);
  const std::string der_a = Base64UrlEncode(a.chain[0].der());
  const std::string der_b = Base64UrlEncode(b.chain[0].der());

  // Another account may not revoke it.
  AcmeResponse r = Post(other, Endpoint::kRevokeCert, {}, json{{"certificate", der_a}});
  EXPECT_PROBLEM(r, 401, "unauthorized");
  // Reason 7 is not a reason.
  r = Post(c, Endpoint::kRevokeCert, {}, json{{"certificate", der_a}, {"reason", 7}});
  EXPECT_PROBLEM(r, 400, "badRevocationReason");
  r = Post(c, Endpoint::kRevokeCert, {}, json{{"certificate", der_a}, {"reason", 11}});
  EXPECT_PROBLEM(r, 400, "badRevocationReason");
  r = Post(c, Endpoint::kRevokeCert, {}, json{{"certificate", "!!"}});
  EXPECT_PROBLEM(r, 400, "malformed");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto none, store().GetRevocation(a.chain[0].serial_decimal()));
  EXPECT_FALSE(none.has_value());

  // The owning account revokes; the second time it is alreadyRevoked.
  r = Post(c, Endpoint::kRevokeCert, {}, json{{"certificate", der_a}, {"reason", 4}});
  EXPECT_EQ(r.status, 200) << Describe(r);
  EXPECT_FALSE(HeaderOf(r, "Replay-Nonce").empty());
  CAIRN_ASSERT_OK_AND_ASSIGN(auto rev, store().GetRevocation(a.chain[0].serial_decimal()));
  ASSERT_TRUE(rev.has_value());
  EXPECT_EQ(rev->reason_code, 4);
  EXPECT_TRUE(rev->acme);
  r = Post(c, Endpoint::kRevokeCert, {}, json{{"certificate", der_a}});
  EXPECT_PROBLEM(r, 400, "alreadyRevoked");

  // The certificate's own key (jwk) may revoke it too; a stranger's jwk may not.
  Client stranger = NewKeyClient();
  r = Post(stranger, Endpoint::kRevokeCert, {}, json{{"certificate", der_b}}, /*use_jwk=*/true);
  EXPECT_PROBLEM(r, 401, "unauthorized");
  Client cert_key;
  cert_key.prov = "acme";
  cert_key.key = jose::Jwk::FromPkey(b.key->get(), /*include_private=*/true).value();
  r = Post(cert_key, Endpoint::kRevokeCert, {}, json{{"certificate", der_b}, {"reason", 1}},
           /*use_jwk=*/true);
  EXPECT_EQ(r.status, 200) << Describe(r);
  CAIRN_ASSERT_OK_AND_ASSIGN(rev, store().GetRevocation(b.chain[0].serial_decimal()));
  ASSERT_TRUE(rev.has_value());
  EXPECT_EQ(rev->reason_code, 1);

  // A certificate of another CA (here our root), signed by a key that is not its own.
  r = Post(cert_key, Endpoint::kRevokeCert, {},
           json{{"certificate", Base64UrlEncode(root_->der())}}, /*use_jwk=*/true);
  EXPECT_PROBLEM(r, 401, "unauthorized");
  r = Post(c, Endpoint::kRevokeCert, {}, json{{"certificate", Base64UrlEncode(root_->der())}});
  EXPECT_PROBLEM(r, 401, "unauthorized");
}

// ---- Renewal information (RFC 9773).

TEST_F(AcmeServerTest, RenewalInfo) {
  Client c = NewAccount();
  IssuedCert issued = Issue(c, json::array({Ident("ip", "127.0.0.1")}), "http-01");
  ASSERT_EQ(issued.chain.size(), 2u);
  const pki::Certificate& leaf = issued.chain[0];
  const std::string cert_id = CertId(leaf);

  AcmeResponse r = Send(Req(Endpoint::kRenewalInfo, {cert_id}, "acme", "GET"));
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_FALSE(HeaderOf(r, "Retry-After").empty());
  json w = BodyJson(r)["suggestedWindow"];
  CAIRN_ASSERT_OK_AND_ASSIGN(Time start, ParseRfc3339(w.value("start", "")));
  CAIRN_ASSERT_OK_AND_ASSIGN(Time end, ParseRfc3339(w.value("end", "")));
  EXPECT_LT(start, end);
  EXPECT_GE(start, leaf.not_before());
  EXPECT_LE(end, leaf.not_after());
  EXPECT_GT(start, clock_.Now());

  // Unknown certificates.
  std::string unknown_serial = Base64UrlEncode(std::string("\x01\x02\x03", 3));
  r = Send(Req(Endpoint::kRenewalInfo,
               {Base64UrlEncode(leaf.authority_key_id()) + "." + unknown_serial}, "acme", "GET"));
  EXPECT_EQ(r.status, 404) << Describe(r);
  std::string serial_part = cert_id.substr(cert_id.find('.'));
  r = Send(
      Req(Endpoint::kRenewalInfo, {Base64UrlEncode("other-aki") + serial_part}, "acme", "GET"));
  EXPECT_EQ(r.status, 404) << Describe(r);
  r = Send(Req(Endpoint::kRenewalInfo, {"no-dot-here"}, "acme", "GET"));
  EXPECT_EQ(r.status, 400) << Describe(r);
  EXPECT_EQ(ProblemOf(r), "malformed");

  // After revocation the window is in the past: renew now.
  ASSERT_EQ(
      Post(c, Endpoint::kRevokeCert, {}, json{{"certificate", Base64UrlEncode(leaf.der())}}).status,
      200);
  r = Send(Req(Endpoint::kRenewalInfo, {cert_id}, "acme", "GET"));
  ASSERT_EQ(r.status, 200) << Describe(r);
  w = BodyJson(r)["suggestedWindow"];
  CAIRN_ASSERT_OK_AND_ASSIGN(start, ParseRfc3339(w.value("start", "")));
  CAIRN_ASSERT_OK_AND_ASSIGN(end, ParseRfc3339(w.value("end", "")));
  EXPECT_LT(start, end);
  EXPECT_LT(end, clock_.Now());
}

// ---- Concurrency.

TEST_F(AcmeServerTest, ConcurrentOrders) {
  constexpr int kClients = 50;
  for (int i = 0; i < kClients; ++i) {
    dns_->AddA("host" + std::to_string(i) + ".example.test", "127.0.0.1");
  }
  std::vector<IssuedCert> results(kClients);
  std::vector<std::string> accounts(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([this, i, &results, &accounts] {
      Client c = NewAccount();
      accounts[i] = c.account_id;
      results[i] = Issue(
          c, json::array({Ident("dns", "host" + std::to_string(i) + ".example.test")}), "http-01");
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> serials, account_ids;
  for (int i = 0; i < kClients; ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(results[i].chain.size(), 2u);
    const pki::Certificate& leaf = results[i].chain[0];
    EXPECT_THAT(leaf.dns_names(), ElementsAre("host" + std::to_string(i) + ".example.test"));
    serials.insert(leaf.serial_decimal());
    account_ids.insert(accounts[i]);
    CAIRN_ASSERT_OK_AND_ASSIGN(auto rec, store().GetCertificate(leaf.serial_decimal()));
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->acme_account_id, accounts[i]);
  }
  EXPECT_EQ(serials.size(), static_cast<size_t>(kClients));
  EXPECT_EQ(account_ids.size(), static_cast<size_t>(kClients));
}

TEST_F(AcmeServerTest, ConcurrentNewAccountWithOneKey) {
  constexpr int kThreads = 10;
  Client base = NewKeyClient();
  std::vector<AcmeResponse> responses(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([this, &base, &responses, i] {
      Client c = base;
      responses[i] = Post(c, Endpoint::kNewAccount, {}, json{{"termsOfServiceAgreed", true}},
                          /*use_jwk=*/true);
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> locations;
  int created = 0;
  for (const AcmeResponse& r : responses) {
    EXPECT_TRUE(r.status == 201 || r.status == 200) << Describe(r);
    if (r.status == 201) ++created;
    locations.insert(HeaderOf(r, "Location"));
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(locations.size(), 1u);
  EXPECT_TRUE(AccountExists(base));
}

TEST_F(AcmeServerTest, ConcurrentFinalizeIssuesOnce) {
  Client c = NewAccount();
  std::string order_id = CreateOrder(c, json::array({Ident("ip", "127.0.0.1")}));
  json order = GetJson(c, Endpoint::kOrder, {order_id});
  ASSERT_EQ(Answer(c, LastSegment(order["authorizations"][0]), "http-01")["status"], "valid");
  const size_t before = CertificateCount();
  constexpr int kThreads = 8;
  std::vector<AcmeResponse> responses(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([this, &c, &responses, &order_id, i] {
      Client mine = c;
      mine.nonce.clear();
      responses[i] = Post(mine, Endpoint::kFinalize, {order_id},
                          json{{"csr", Base64UrlEncode(CsrDer("", {.ips = {"127.0.0.1"}}))}});
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0;
  for (const AcmeResponse& r : responses) {
    if (r.status == 200) {
      ++ok;
      EXPECT_EQ(BodyJson(r)["status"], "valid") << Describe(r);
    } else {
      EXPECT_PROBLEM(r, 403, "orderNotReady");
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_EQ(CertificateCount(), before + 1);
  AcmeResponse cert = Post(c, Endpoint::kCertificate, {order_id}, std::nullopt);
  EXPECT_EQ(cert.status, 200) << Describe(cert);
}

}  // namespace
}  // namespace cairn::acme
