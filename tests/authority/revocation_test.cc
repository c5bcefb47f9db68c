// Active revocation inside the authority: the CRL publisher and the OCSP responder against a
// real store, checked by parsing and verifying what they sign (pki's CRL and OCSP readers, which
// tests/pki checks against the openssl command line).

#include <openssl/ocsp.h>

#include <chrono>
#include <thread>

#include "authority/crl_publisher.h"
#include "authority/ocsp_responder.h"
#include "crypto/signer.h"
#include "pki/builder.h"
#include "pki/crl.h"
#include "pki/ocsp.h"
#include "store/memory_store.h"
#include "testing/fakes.h"

namespace cairn::authority {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// A root and an intermediate (the issuer), and leaves recorded in a MemoryStore.
class RevocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_key_ = crypto::PrivateKey::Generate({}).value();
    int_key_ = crypto::PrivateKey::Generate({}).value();
    pki::CertificateTemplate t;
    t.subject.common_name = "Test Root CA";
    t.serial_decimal = "1";
    t.not_before = clock_.Now() - hours(1);
    t.not_after = clock_.Now() + hours(24 * 365);
    t.key_usage = pki::kCertSign | pki::kCrlSign;
    t.basic_constraints = {.present = true, .is_ca = true, .max_path_len = 1};
    crypto::KeySigner root_signer(*root_key_);
    root_ = pki::SignCertificate(t, root_key_->public_key(), nullptr, root_signer).value();
    t.subject.common_name = "Test Intermediate CA";
    t.serial_decimal = "2";
    t.basic_constraints.max_path_len = 0;
    issuer_ = pki::SignCertificate(t, int_key_->public_key(), &*root_, root_signer).value();
    signer_ = std::make_unique<crypto::KeySigner>(*int_key_);
  }

  // Leaf issues and records a leaf with `serial`, valid from an hour ago for `life`.
  pki::Certificate Leaf(const std::string& serial, Duration life = hours(24)) {
    auto key = crypto::PrivateKey::Generate({}).value();
    pki::CertificateTemplate t;
    t.subject.common_name = "leaf-" + serial;
    t.serial_decimal = serial;
    t.not_before = clock_.Now() - hours(1);
    t.not_after = t.not_before + life;
    t.key_usage = pki::kDigitalSignature;
    auto cert = pki::SignCertificate(t, key.public_key(), &*issuer_, *signer_).value();
    store::CertificateRecord rec;
    rec.serial = serial;
    rec.der = cert.der();
    rec.provisioner_name = "test";
    rec.not_before = cert.not_before();
    rec.not_after = cert.not_after();
    rec.issued_at = clock_.Now();
    CAIRN_CHECK(store_.RecordCertificate(rec, "").ok());
    return cert;
  }

  void Revoke(const pki::Certificate& cert, int reason) {
    store::RevocationRecord r;
    r.serial = cert.serial_decimal();
    r.reason_code = reason;
    r.revoked_at = clock_.Now();
    r.expires_at = cert.not_after();
    CAIRN_CHECK(store_.Revoke(r, "").ok());
  }

  // Request builds a DER OCSPRequest as openssl does (SHA-1 CertID unless `md` says otherwise).
  std::string Request(const pki::Certificate& issuer, const std::string& serial_hex,
                      bool nonce = false, const EVP_MD* md = EVP_sha1()) {
    OCSP_REQUEST* req = OCSP_REQUEST_new();
    ASN1_INTEGER* serial = nullptr;
    BIGNUM* bn = nullptr;
    BN_hex2bn(&bn, serial_hex.c_str());
    serial = BN_to_ASN1_INTEGER(bn, nullptr);
    OCSP_CERTID* id = OCSP_cert_id_new(md, X509_get_subject_name(issuer.get()),
                                       X509_get0_pubkey_bitstr(issuer.get()), serial);
    OCSP_request_add0_id(req, id);
    if (nonce) OCSP_request_add1_nonce(req, nullptr, 16);
    unsigned char* der = nullptr;
    int len = i2d_OCSP_REQUEST(req, &der);
    std::string out(reinterpret_cast<char*>(der), len);
    OPENSSL_free(der);
    OCSP_REQUEST_free(req);
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    return out;
  }

  std::unique_ptr<OcspResponder> StartOcsp(config::OcspConfig cfg = {}) {
    cfg.enabled = true;
    auto r = OcspResponder::Start(cfg, "Test", *issuer_, *signer_, store_, clock_, random_, log_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  // Single parses and verifies an answer and returns its only SingleResponse.
  pki::SingleResponse Single(const OcspAnswer& a) {
    auto parsed = pki::ParseOcspResponse(a.der);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (!parsed.ok()) return {};
    CAIRN_EXPECT_OK(pki::VerifyOcspResponse(*parsed, *issuer_, clock_.Now()));
    EXPECT_EQ(parsed->responses.size(), 1u);
    return parsed->responses.empty() ? pki::SingleResponse{} : parsed->responses[0];
  }

  testing::FakeClock clock_;
  testing::FakeRandom random_;
  store::MemoryStore store_{&clock_};
  NullLogger log_;
  std::optional<crypto::PrivateKey> root_key_, int_key_;
  std::optional<pki::Certificate> root_, issuer_;
  std::unique_ptr<crypto::KeySigner> signer_;
};

// ---- CRL.

TEST_F(RevocationTest, TheCrlListsRevocationsWithReasonsAndNumbersOnlyGrow) {
  pki::Certificate a = Leaf("1001"), b = Leaf("1002"), c = Leaf("1003");
  Leaf("1004");  // never revoked
  Revoke(a, 1);
  Revoke(b, 0);
  Revoke(c, 7);  // not a reason: listed without one
  CrlPublisher::Options o;
  o.config.enabled = true;
  o.full_url = "http://ca.example.com/crl";
  auto pub = CrlPublisher::Start(o, *issuer_, *signer_, store_, clock_, log_);
  ASSERT_TRUE(pub.ok()) << pub.status();
  auto crl = (*pub)->full();
  ASSERT_TRUE(crl);
  EXPECT_EQ(crl->number, 1);
  CAIRN_ASSERT_OK(pki::VerifyCrlSignature(crl->der, *issuer_));
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::ParsedCrl parsed, pki::ParseCrl(crl->der));
  EXPECT_EQ(parsed.number_decimal, "1");
  EXPECT_EQ(parsed.idp_uri, "http://ca.example.com/crl");
  EXPECT_EQ(parsed.this_update, TruncateToSeconds(clock_.Now()));
  EXPECT_EQ(*parsed.next_update, TruncateToSeconds(clock_.Now()) + hours(24));
  ASSERT_EQ(parsed.entries.size(), 3u);
  std::map<std::string, int> reasons;
  for (const auto& e : parsed.entries) reasons[e.serial_decimal] = e.reason_code;
  EXPECT_EQ(reasons["1001"], pki::kCrlReasonKeyCompromise);
  EXPECT_EQ(reasons["1002"], pki::kCrlReasonNone);
  EXPECT_EQ(reasons["1003"], pki::kCrlReasonNone);
  EXPECT_TRUE(crl->pem.starts_with("-----BEGIN X509 CRL-----"));

  // A revocation reaches the CRL within a second.
  Revoke(Leaf("1006"), 4);
  (*pub)->Revoked();
  for (int i = 0; i < 100 && (*pub)->full()->number == 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ((*pub)->full()->number, 2);
  EXPECT_EQ(pki::ParseCrl((*pub)->full()->der)->entries.size(), 4u);
  pub->reset();

  // A new publisher (a restart) continues the sequence from the store.
  auto again = CrlPublisher::Start(o, *issuer_, *signer_, store_, clock_, log_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->full()->number, 3);
}

TEST_F(RevocationTest, LongExpiredCertificatesLeaveTheCrl) {
  pki::Certificate gone = Leaf("2001", minutes(30));  // expired 30 minutes ago: still listed
  Revoke(gone, 1);
  store::RevocationRecord r;
  r.serial = "2003";
  r.reason_code = 1;
  r.revoked_at = clock_.Now() - hours(5);
  r.expires_at = clock_.Now() - hours(2);  // expired two hours ago: dropped
  CAIRN_ASSERT_OK(store_.Revoke(r, ""));
  CrlPublisher::Options o;
  o.config.enabled = true;
  o.full_url = "http://ca/crl";
  auto pub = CrlPublisher::Start(o, *issuer_, *signer_, store_, clock_, log_);
  ASSERT_TRUE(pub.ok());
  auto parsed = pki::ParseCrl((*pub)->full()->der);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->entries.size(), 1u);
  EXPECT_EQ(parsed->entries[0].serial_decimal, "2001");
}

TEST_F(RevocationTest, DeltaCrlsListWhatWasRevokedSinceTheirBase) {
  Revoke(Leaf("3001"), 1);
  CrlPublisher::Options o;
  o.config.enabled = true;
  o.config.delta = true;
  o.full_url = "http://ca/crl";
  o.delta_url = "http://ca/crl/delta";
  auto pub = CrlPublisher::Start(o, *issuer_, *signer_, store_, clock_, log_);
  ASSERT_TRUE(pub.ok());
  auto full = pki::ParseCrl((*pub)->full()->der).value();
  auto delta = pki::ParseCrl((*pub)->delta()->der).value();
  EXPECT_EQ(full.freshest_crl_uris, std::vector<std::string>{"http://ca/crl/delta"});
  EXPECT_FALSE(full.delta_base_number_decimal.has_value());
  ASSERT_TRUE(delta.delta_base_number_decimal.has_value());
  EXPECT_EQ(*delta.delta_base_number_decimal, full.number_decimal);
  EXPECT_GT(std::stoll(delta.number_decimal), std::stoll(full.number_decimal));
  EXPECT_EQ(delta.idp_uri, "http://ca/crl");  // the base's scope
  // Revoked in the same second as the base was made: listed again, harmlessly.
  EXPECT_LE(delta.entries.size(), 1u);

  clock_.Advance(seconds(5));
  Revoke(Leaf("3002"), 9);
  // Only the delta would show it before the full CRL is regenerated; Generate makes both.
  CAIRN_ASSERT_OK((*pub)->Generate());
  auto delta2 = pki::ParseCrl((*pub)->delta()->der).value();
  auto full2 = pki::ParseCrl((*pub)->full()->der).value();
  EXPECT_EQ(full2.entries.size(), 2u);
  ASSERT_EQ(delta2.entries.size(), 1u);
  EXPECT_EQ(delta2.entries[0].serial_decimal, "3002");
  EXPECT_EQ(delta2.entries[0].reason_code, pki::kCrlReasonPrivilegeWithdrawn);
}

TEST_F(RevocationTest, RevocationsKeepTheDeltaBaseSoDeltasAccumulate) {
  CrlPublisher::Options o;
  o.config.enabled = true;
  o.config.delta = true;
  o.full_url = "http://ca/crl";
  o.delta_url = "http://ca/crl/delta";
  auto pub = CrlPublisher::Start(o, *issuer_, *signer_, store_, clock_, log_);
  ASSERT_TRUE(pub.ok());
  const std::string base = pki::ParseCrl((*pub)->full()->der)->number_decimal;
  auto wait_for_new_full = [&](int64_t after) {
    for (int i = 0; i < 100 && (*pub)->full()->number <= after; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  clock_.Advance(seconds(5));
  Revoke(Leaf("3101"), 1);
  int64_t before = (*pub)->delta()->number;
  (*pub)->Revoked();
  wait_for_new_full(before);
  clock_.Advance(seconds(5));
  Revoke(Leaf("3102"), 4);
  before = (*pub)->delta()->number;
  (*pub)->Revoked();
  wait_for_new_full(before);
  auto full = pki::ParseCrl((*pub)->full()->der).value();
  auto delta = pki::ParseCrl((*pub)->delta()->der).value();
  // The full CRL is current; the delta still builds on the first full CRL and lists both.
  EXPECT_EQ(full.entries.size(), 2u);
  ASSERT_TRUE(delta.delta_base_number_decimal.has_value());
  EXPECT_EQ(*delta.delta_base_number_decimal, base);
  std::vector<std::string> serials;
  for (const auto& e : delta.entries) serials.push_back(e.serial_decimal);
  EXPECT_THAT(serials, ::testing::ElementsAre("3101", "3102"));
}

// ---- OCSP.

TEST_F(RevocationTest, OcspAnswersGoodRevokedAndUnknownSignedByTheDelegatedResponder) {
  pki::Certificate leaf = Leaf("4001");
  auto ocsp = StartOcsp();
  ASSERT_TRUE(ocsp);
  pki::Certificate responder = ocsp->responder_certificate();
  EXPECT_THAT(responder.ext_key_usage(), ::testing::ElementsAre("ocspSigning"));
  EXPECT_TRUE(responder.FindExtension(pki::kOidOcspNoCheck).has_value());
  EXPECT_TRUE(store_.GetCertificate(responder.serial_decimal())->has_value())
      << "the responder certificate the CA hands out is recorded";

  OcspAnswer good = ocsp->Respond(Request(*issuer_, leaf.serial_hex()));
  EXPECT_EQ(good.status, "good");
  EXPECT_TRUE(good.cacheable);
  EXPECT_EQ(good.next_update - good.this_update, hours(24));
  EXPECT_EQ(Single(good).status, pki::SingleResponse::Status::kGood);
  // From the cache: the same bytes.
  EXPECT_EQ(ocsp->Respond(Request(*issuer_, leaf.serial_hex())).der, good.der);

  clock_.Advance(seconds(3));
  Revoke(leaf, 1);
  ocsp->Revoked(leaf.serial_decimal());
  OcspAnswer revoked = ocsp->Respond(Request(*issuer_, leaf.serial_hex()));
  EXPECT_EQ(revoked.status, "revoked");
  pki::SingleResponse s = Single(revoked);
  EXPECT_EQ(s.status, pki::SingleResponse::Status::kRevoked);
  EXPECT_EQ(s.reason_code, 1);
  EXPECT_EQ(s.revoked_at, TruncateToSeconds(clock_.Now()));

  OcspAnswer unknown = ocsp->Respond(Request(*issuer_, "ABCDEF"));
  EXPECT_EQ(unknown.status, "unknown");
  EXPECT_FALSE(unknown.cacheable);
  EXPECT_EQ(Single(unknown).status, pki::SingleResponse::Status::kUnknown);
}

TEST_F(RevocationTest, OcspRefusesWhatItCannotAnswer) {
  Leaf("5001");
  auto ocsp = StartOcsp();
  ASSERT_TRUE(ocsp);
  auto status_of = [](const OcspAnswer& a) { return pki::ParseOcspResponse(a.der)->status; };
  EXPECT_EQ(status_of(ocsp->Respond("")), pki::OcspResponseStatus::kMalformedRequest);
  EXPECT_EQ(status_of(ocsp->Respond("garbage")), pki::OcspResponseStatus::kMalformedRequest);
  std::string req = Request(*issuer_, "1389");
  EXPECT_EQ(status_of(ocsp->Respond(req.substr(0, req.size() - 3))),
            pki::OcspResponseStatus::kMalformedRequest);
  EXPECT_EQ(status_of(ocsp->Respond(std::string(100000, '\x30'))),
            pki::OcspResponseStatus::kMalformedRequest);
  // Another issuer's certificate.
  OcspAnswer other = ocsp->Respond(Request(*root_, "1389"));
  EXPECT_EQ(other.status, "unauthorized");
  EXPECT_EQ(status_of(other), pki::OcspResponseStatus::kUnauthorized);
}

TEST_F(RevocationTest, NoncesAndOtherHashesAreSignedOnDemand) {
  pki::Certificate leaf = Leaf("6001");
  auto ocsp = StartOcsp();
  ASSERT_TRUE(ocsp);
  OcspAnswer with_nonce = ocsp->Respond(Request(*issuer_, leaf.serial_hex(), /*nonce=*/true));
  EXPECT_FALSE(with_nonce.cacheable);
  auto parsed = pki::ParseOcspResponse(with_nonce.der);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->nonce.has_value());
  auto request = pki::ParseOcspRequest(Request(*issuer_, leaf.serial_hex(), true));
  ASSERT_TRUE(request.ok());
  OcspAnswer sha256 = ocsp->Respond(Request(*issuer_, leaf.serial_hex(), false, EVP_sha256()));
  EXPECT_EQ(sha256.status, "good");
  auto p256 = pki::ParseOcspResponse(sha256.der).value();
  EXPECT_EQ(p256.responses[0].id.hash, pki::CertIdHash::kSha256);
  CAIRN_EXPECT_OK(pki::VerifyOcspResponse(p256, *issuer_, clock_.Now()));
}

TEST_F(RevocationTest, CachedResponsesAreResignedBeforeTheyGoStale) {
  pki::Certificate leaf = Leaf("7001", hours(24 * 30));
  auto ocsp = StartOcsp();
  ASSERT_TRUE(ocsp);
  OcspAnswer first = ocsp->Respond(Request(*issuer_, leaf.serial_hex()));
  clock_.Advance(hours(12));  // half the lifetime: still fresh
  EXPECT_EQ(ocsp->Respond(Request(*issuer_, leaf.serial_hex())).der, first.der);
  clock_.Advance(hours(5));  // less than a third left: re-signed
  OcspAnswer second = ocsp->Respond(Request(*issuer_, leaf.serial_hex()));
  EXPECT_NE(second.der, first.der);
  EXPECT_EQ(second.this_update, TruncateToSeconds(clock_.Now()));
}

TEST_F(RevocationTest, TheIntermediateSignsWhenDelegationIsOff) {
  pki::Certificate leaf = Leaf("8001");
  config::OcspConfig cfg;
  cfg.delegated = false;
  auto ocsp = StartOcsp(cfg);
  ASSERT_TRUE(ocsp);
  EXPECT_EQ(ocsp->responder_certificate().der(), issuer_->der());
  OcspAnswer a = ocsp->Respond(Request(*issuer_, leaf.serial_hex()));
  auto parsed = pki::ParseOcspResponse(a.der).value();
  EXPECT_TRUE(parsed.certs.empty());
  CAIRN_EXPECT_OK(pki::VerifyOcspSignature(parsed, *issuer_));
}

}  // namespace
}  // namespace cairn::authority
