#include "pki/ocsp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "crypto/der.h"
#include "crypto/digest.h"
#include "crypto/openssl_cli_for_test.h"
#include "pki/test_pki_for_test.h"
#include "testing/fakes.h"
#include "testing/mutate.h"

namespace cairn::pki {
namespace {

namespace der = crypto::der;
using ::cairn::testing::CommandResult;
using ::cairn::testing::RunCommand;
using ::cairn::testing::TempDir;
using ::testing::HasSubstr;
using testing::Hours;
using testing::MakeIntermediate;
using testing::MakeRoot;
using ::testing::Not;
using testing::SharedKey;
using testing::Start;

// --- Test PKI -------------------------------------------------------------------------------

// Pki is root -> intermediate -> leaf, plus a delegated OCSP responder under the intermediate.
struct Pki {
  testing::Ca root;
  testing::Ca intermediate;
  Certificate leaf;
  testing::Ca responder;
};

Certificate IssueResponder(const testing::Ca& issuer, crypto::KeyType type,
                           std::vector<Extension> extensions, Time not_after) {
  CertificateTemplate t;
  t.subject.common_name = "Test OCSP Responder";
  t.serial_decimal = "4000";
  t.not_before = Start();
  t.not_after = not_after;
  t.key_usage = kDigitalSignature;
  t.extra_extensions = std::move(extensions);
  auto cert = SignCertificate(t, SharedKey(type, 3).public_key(), &issuer.cert, *issuer.signer);
  CAIRN_CHECK(cert.ok());
  return std::move(cert).value();
}

Pki MakePki(crypto::KeyType issuer_type) {
  testing::Ca root = MakeRoot(crypto::KeyType::kEcP256);
  testing::Ca intermediate = MakeIntermediate(root, issuer_type);
  auto leaf = SignCertificate(testing::LeafTemplate("leaf.example", {.dns = {"leaf.example"}}),
                              SharedKey(crypto::KeyType::kEcP256, 2).public_key(),
                              &intermediate.cert, *intermediate.signer);
  CAIRN_CHECK(leaf.ok());
  Certificate responder =
      IssueResponder(intermediate, issuer_type, OcspResponderExtensions(), Hours(24 * 3650));
  return Pki{root, intermediate, std::move(leaf).value(),
             testing::Ca{std::move(responder),
                         std::make_shared<crypto::KeySigner>(SharedKey(issuer_type, 3))}};
}

void WritePki(const Pki& pki, const TempDir& dir) {
  dir.Write("root.pem", pki.root.cert.pem());
  dir.Write("int.pem", pki.intermediate.cert.pem());
  dir.Write("leaf.pem", pki.leaf.pem());
  dir.Write("responder.pem", pki.responder.cert.pem());
  auto key = SharedKey(crypto::KeyType::kEcP256, 2).ToPem();
  CAIRN_CHECK(key.ok());
  dir.Write("leaf.key", *key);
}

CommandResult Openssl(const TempDir& dir, const std::string& args) {
  return RunCommand("cd '" + dir.path() + "' && openssl " + args);
}

std::string UpperHex(std::string_view bytes) {
  std::string hex = HexEncode(bytes);
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return hex;
}

// Now is the real time: `openssl ocsp` checks thisUpdate/nextUpdate against its own clock.
Time Now() { return TruncateToSeconds(SystemClock::Default().Now()); }

// RevokedAt is 2026-03-04T05:06:07Z.
Time RevokedAt() { return FromUnixSeconds(1772600767); }

// --- DER crafting for bad requests ----------------------------------------------------------

std::string Seq(const std::string& contents) { return der::Tlv(der::kSequence, contents); }
std::string Oid(std::string_view contents) { return der::Tlv(der::kObjectIdentifier, contents); }
std::string Octets(std::string_view contents) { return der::Tlv(der::kOctetString, contents); }

const std::string kSha1Oid = "\x2b\x0e\x03\x02\x1a";
const std::string kMd5Oid = "\x2a\x86\x48\x86\xf7\x0d\x02\x05";
const std::string kNonceOid = "\x2b\x06\x01\x05\x05\x07\x30\x01\x02";

std::string CraftCertId(const std::string& hash_oid, size_t hash_size, int64_t serial) {
  return Seq(Seq(Oid(hash_oid) + std::string("\x05\x00", 2)) + Octets(std::string(hash_size, 'n')) +
             Octets(std::string(hash_size, 'k')) + der::Int64(serial));
}

// CraftRequest builds OCSPRequest { TBSRequest { <prefix> SEQUENCE OF Request <suffix> }
// <outer_suffix> }.
std::string CraftRequest(const std::vector<std::string>& cert_ids, const std::string& prefix = "",
                         const std::string& suffix = "", const std::string& outer_suffix = "") {
  std::string list;
  for (const auto& id : cert_ids) list += Seq(id);
  return Seq(Seq(prefix + Seq(list) + suffix) + outer_suffix);
}

std::string Extensions(int tag, const std::vector<std::string>& exts) {
  std::string all;
  for (const auto& e : exts) all += e;
  return der::Tlv(der::ContextTag(tag, true), Seq(all));
}

std::string Ext(const std::string& oid, bool critical, const std::string& value) {
  return Seq(Oid(oid) + (critical ? der::Tlv(der::kBoolean, "\xff") : "") + Octets(value));
}

CertId LeafId(const Pki& pki, CertIdHash hash = CertIdHash::kSha1) {
  auto id = MakeCertId(pki.intermediate.cert, pki.leaf.serial_decimal(), hash);
  CAIRN_CHECK(id.ok());
  return std::move(id).value();
}

// --- Requests from `openssl ocsp` -----------------------------------------------------------

struct OpensslRequestCase {
  const char* name;
  const char* flags;  // before -cert (openssl wants the digest first)
  CertIdHash hash;
  const char* hash_oid;
  bool nonce;
};

class OpensslRequestTest : public ::testing::TestWithParam<OpensslRequestCase> {};

TEST_P(OpensslRequestTest, Parses) {
  const OpensslRequestCase& c = GetParam();
  TempDir dir;
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  WritePki(pki, dir);
  auto made = Openssl(
      dir, std::string("ocsp ") + c.flags + " -issuer int.pem -cert leaf.pem -reqout req.der");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::string der_bytes = dir.Read("req.der");

  CAIRN_ASSERT_OK_AND_ASSIGN(OcspRequest req, ParseOcspRequest(der_bytes));
  ASSERT_EQ(req.ids.size(), 1u);
  const CertId& id = req.ids[0];
  EXPECT_EQ(id.hash, c.hash);
  EXPECT_EQ(id.hash_oid, c.hash_oid);
  EXPECT_EQ(id.serial_decimal, pki.leaf.serial_decimal());
  EXPECT_TRUE(Matches(id, pki.intermediate.cert));
  EXPECT_FALSE(Matches(id, pki.root.cert));
  EXPECT_FALSE(req.signed_request);
  // The CertID is kept byte for byte, and MakeCertId encodes exactly what openssl sends.
  EXPECT_NE(der_bytes.find(id.der), std::string::npos);
  EXPECT_EQ(id.der, LeafId(pki, c.hash).der);

  ASSERT_EQ(req.nonce.has_value(), c.nonce);
  if (c.nonce) {
    // OpenSSL's nonce: an OCTET STRING of 16 random bytes inside extnValue.
    EXPECT_EQ(req.nonce->size(), 18u);
    EXPECT_EQ(req.nonce->substr(0, 2), std::string("\x04\x10"));
    auto text = Openssl(dir, "ocsp -reqin req.der -req_text");
    ASSERT_EQ(text.exit_code, 0) << text.output;
    EXPECT_THAT(text.output, HasSubstr(UpperHex(*req.nonce)));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ocsp, OpensslRequestTest,
    ::testing::Values(OpensslRequestCase{"Sha1Nonce", "", CertIdHash::kSha1, "1.3.14.3.2.26", true},
                      OpensslRequestCase{"Sha1NoNonce", "-no_nonce", CertIdHash::kSha1,
                                         "1.3.14.3.2.26", false},
                      OpensslRequestCase{"Sha256", "-sha256", CertIdHash::kSha256,
                                         "2.16.840.1.101.3.4.2.1", true},
                      OpensslRequestCase{"Sha256NoNonce", "-sha256 -no_nonce", CertIdHash::kSha256,
                                         "2.16.840.1.101.3.4.2.1", false},
                      OpensslRequestCase{"Sha384", "-sha384", CertIdHash::kSha384,
                                         "2.16.840.1.101.3.4.2.2", true},
                      OpensslRequestCase{"Sha512", "-sha512", CertIdHash::kSha512,
                                         "2.16.840.1.101.3.4.2.3", true}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(OcspRequestTest, ParsesSignedRequestWithSeveralIds) {
  TempDir dir;
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  WritePki(pki, dir);
  // A signed request carries a requestorName and a signature with certificates.
  auto made = Openssl(dir,
                      "ocsp -issuer int.pem -cert leaf.pem -serial 77 -signer leaf.pem "
                      "-signkey leaf.key -reqout req.der");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  CAIRN_ASSERT_OK_AND_ASSIGN(OcspRequest req, ParseOcspRequest(dir.Read("req.der")));
  EXPECT_TRUE(req.signed_request);
  ASSERT_EQ(req.ids.size(), 2u);
  EXPECT_EQ(req.ids[0].serial_decimal, pki.leaf.serial_decimal());
  EXPECT_EQ(req.ids[1].serial_decimal, "77");
  EXPECT_TRUE(Matches(req.ids[1], pki.intermediate.cert));
  EXPECT_TRUE(req.nonce.has_value());
}

// --- Crafted requests -----------------------------------------------------------------------

TEST(OcspRequestTest, UnknownHashAlgorithmParsesForAnUnauthorizedAnswer) {
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  const std::string md5_id = CraftCertId(kMd5Oid, 16, 3000);
  const CertId known = LeafId(pki);
  CAIRN_ASSERT_OK_AND_ASSIGN(OcspRequest req, ParseOcspRequest(CraftRequest({md5_id, known.der})));
  ASSERT_EQ(req.ids.size(), 2u);
  EXPECT_EQ(req.ids[0].hash, CertIdHash::kUnknown);
  EXPECT_EQ(req.ids[0].hash_oid, "1.2.840.113549.2.5");
  EXPECT_EQ(req.ids[0].serial_decimal, "3000");
  EXPECT_EQ(req.ids[0].der, md5_id);
  EXPECT_FALSE(Matches(req.ids[0], pki.intermediate.cert));
  EXPECT_EQ(req.ids[1].hash, CertIdHash::kSha1);
  EXPECT_TRUE(Matches(req.ids[1], pki.intermediate.cert));
}

TEST(OcspRequestTest, AcceptsBoundaryAndOptionalForms) {
  const std::string id = CraftCertId(kSha1Oid, 20, 5);
  struct Case {
    const char* name;
    std::string der;
    size_t ids;
  };
  const std::vector<Case> cases = {
      {"explicit v1", CraftRequest({id}, der::Tlv(der::ContextTag(0, true), der::Int64(0))), 1},
      {"16 CertIDs", CraftRequest(std::vector<std::string>(kMaxOcspRequestCertIds, id)), 16},
      {"non-critical unknown extension",
       CraftRequest({id}, "", Extensions(2, {Ext("\x2a\x03\x04", false, "x")})), 1},
      {"single request extension",
       Seq(Seq(Seq(Seq(id + Extensions(0, {Ext("\x2a\x03\x04", false, "x")}))))), 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto req = ParseOcspRequest(c.der);
    ASSERT_TRUE(req.ok()) << req.status();
    EXPECT_EQ(req->ids.size(), c.ids);
    EXPECT_EQ(req->ids[0].serial_decimal, "5");
  }
}

TEST(OcspRequestTest, RejectsBadInput) {
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  const std::string id = LeafId(pki).der;
  const std::string good = CraftRequest({id});
  ASSERT_TRUE(ParseOcspRequest(good).ok());
  const std::string nonce = Ext(kNonceOid, false, Octets("0123456789abcdef"));
  struct Case {
    const char* name;
    std::string der;
    StatusCode code;
  };
  const std::vector<Case> cases = {
      {"empty", "", StatusCode::kInvalidArgument},
      {"garbage", "this is not DER at all", StatusCode::kInvalidArgument},
      {"not a sequence", der::Int64(5), StatusCode::kInvalidArgument},
      {"truncated by one", good.substr(0, good.size() - 1), StatusCode::kInvalidArgument},
      {"truncated by half", good.substr(0, good.size() / 2), StatusCode::kInvalidArgument},
      {"trailing garbage", good + std::string("\x00\x01", 2), StatusCode::kInvalidArgument},
      {"oversized", Seq(Octets(std::string(kMaxOcspRequestBytes, 'a'))),
       StatusCode::kResourceExhausted},
      {"too many CertIDs", CraftRequest(std::vector<std::string>(kMaxOcspRequestCertIds + 1, id)),
       StatusCode::kResourceExhausted},
      {"version 2", CraftRequest({id}, der::Tlv(der::ContextTag(0, true), der::Int64(1))),
       StatusCode::kInvalidArgument},
      {"empty request list", CraftRequest({}), StatusCode::kInvalidArgument},
      {"SHA-1 hash of 19 bytes", CraftRequest({CraftCertId(kSha1Oid, 19, 5)}),
       StatusCode::kInvalidArgument},
      {"non-minimal serial",
       CraftRequest({Seq(Seq(Oid(kSha1Oid)) + Octets(std::string(20, 'n')) +
                         Octets(std::string(20, 'k')) + der::Tlv(der::kInteger, "\x00\x05"))}),
       StatusCode::kInvalidArgument},
      {"CertID missing serial",
       CraftRequest(
           {Seq(Seq(Oid(kSha1Oid)) + Octets(std::string(20, 'n')) + Octets(std::string(20, 'k')))}),
       StatusCode::kInvalidArgument},
      {"unknown critical extension",
       CraftRequest({id}, "", Extensions(2, {Ext("\x2a\x03\x04", true, "x")})),
       StatusCode::kInvalidArgument},
      {"duplicate nonce", CraftRequest({id}, "", Extensions(2, {nonce, nonce})),
       StatusCode::kInvalidArgument},
      {"empty nonce", CraftRequest({id}, "", Extensions(2, {Ext(kNonceOid, false, "")})),
       StatusCode::kInvalidArgument},
      {"oversized nonce",
       CraftRequest(
           {id}, "",
           Extensions(2, {Ext(kNonceOid, false, std::string(kMaxOcspNonceBytes + 1, 'x'))})),
       StatusCode::kInvalidArgument},
      {"bad signature tag", CraftRequest({id}, "", "", der::Tlv(der::ContextTag(1, true), Seq(""))),
       StatusCode::kInvalidArgument},
      {"indefinite length", std::string("\x30\x80", 2) + good.substr(2) + std::string(2, '\0'),
       StatusCode::kInvalidArgument},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto req = ParseOcspRequest(c.der);
    ASSERT_FALSE(req.ok());
    EXPECT_EQ(req.status().code(), c.code) << req.status();
  }
}

// --- Issuer hashes and CertIDs --------------------------------------------------------------

TEST(OcspCertIdTest, IssuerHashesFollowRfc6960) {
  Pki pki = MakePki(crypto::KeyType::kEcP384);
  // The key hash covers the subjectPublicKey bits: for a P-384 key the uncompressed point.
  auto spki = pki.intermediate.cert.public_key().ToDer();
  ASSERT_TRUE(spki.ok());
  const std::string point = spki->substr(spki->size() - 97);
  ASSERT_EQ(point[0], '\x04');
  struct Case {
    CertIdHash hash;
    crypto::HashAlg alg;  // kNone: SHA-1
  };
  for (const Case& c : {Case{CertIdHash::kSha1, crypto::HashAlg::kNone},
                        Case{CertIdHash::kSha256, crypto::HashAlg::kSha256},
                        Case{CertIdHash::kSha384, crypto::HashAlg::kSha384},
                        Case{CertIdHash::kSha512, crypto::HashAlg::kSha512}}) {
    SCOPED_TRACE(CertIdHashName(c.hash));
    CAIRN_ASSERT_OK_AND_ASSIGN(IssuerHashes h, ComputeIssuerHashes(pki.intermediate.cert, c.hash));
    const std::string subject = pki.intermediate.cert.raw_subject();
    if (c.alg == crypto::HashAlg::kNone) {
      EXPECT_EQ(h.name_hash, crypto::Sha1(subject));
      EXPECT_EQ(h.key_hash, crypto::Sha1(point));
    } else {
      EXPECT_EQ(h.name_hash, *crypto::Digest(c.alg, subject));
      EXPECT_EQ(h.key_hash, *crypto::Digest(c.alg, point));
    }
  }
  EXPECT_EQ(ComputeIssuerHashes(pki.intermediate.cert, CertIdHash::kUnknown).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(OcspCertIdTest, MakeCertId) {
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  CAIRN_ASSERT_OK_AND_ASSIGN(CertId id, MakeCertId(pki.intermediate.cert, "0077"));
  EXPECT_EQ(id.hash, CertIdHash::kSha1);
  EXPECT_EQ(id.serial_decimal, "77");
  EXPECT_TRUE(Matches(id, pki.intermediate.cert));
  // Round trip through a request.
  CAIRN_ASSERT_OK_AND_ASSIGN(OcspRequest req, ParseOcspRequest(CraftRequest({id.der})));
  EXPECT_EQ(req.ids[0].serial_decimal, "77");
  EXPECT_EQ(req.ids[0].issuer_key_hash, id.issuer_key_hash);

  for (const std::string& bad :
       std::vector<std::string>{"", "-", "12a", "0x10", " 1", std::string(101, '9')}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(MakeCertId(pki.intermediate.cert, bad).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(MakeCertId(pki.intermediate.cert, "1", CertIdHash::kUnknown).status().code(),
            StatusCode::kInvalidArgument);
}

// --- Responses checked by `openssl ocsp` ----------------------------------------------------

// StandardTemplate: the leaf is good, 3001 revoked (keyCompromise), 3002 unknown.
ResponseTemplate StandardTemplate(const Pki& pki, Time now) {
  ResponseTemplate t;
  t.produced_at = now;
  SingleResponse good;
  good.id = LeafId(pki);
  good.status = SingleResponse::Status::kGood;
  good.this_update = now;
  good.next_update = now + std::chrono::hours(1);
  t.responses.push_back(good);
  SingleResponse revoked = good;
  revoked.id = *MakeCertId(pki.intermediate.cert, "3001");
  revoked.status = SingleResponse::Status::kRevoked;
  revoked.revoked_at = RevokedAt();
  revoked.reason_code = 1;  // keyCompromise
  t.responses.push_back(revoked);
  SingleResponse unknown = good;
  unknown.id = *MakeCertId(pki.intermediate.cert, "3002");
  unknown.status = SingleResponse::Status::kUnknown;
  t.responses.push_back(unknown);
  return t;
}

constexpr const char* kCheckArgs =
    "ocsp -respin resp.der -issuer int.pem -CAfile root.pem -no_nonce -cert leaf.pem -serial 3001 "
    "-serial 3002";

void ExpectStandardStatuses(const CommandResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("Response verify OK"));
  EXPECT_THAT(r.output, HasSubstr("leaf.pem: good"));
  EXPECT_THAT(r.output, HasSubstr("3001: revoked"));
  EXPECT_THAT(r.output, HasSubstr("Reason: keyCompromise"));
  EXPECT_THAT(r.output, HasSubstr("Revocation Time: Mar  4 05:06:07 2026 GMT"));
  EXPECT_THAT(r.output, HasSubstr("3002: unknown"));
  EXPECT_THAT(r.output, Not(HasSubstr("WARNING")));
}

class OcspResponseOpensslTest : public ::testing::TestWithParam<crypto::KeyType> {};

TEST_P(OcspResponseOpensslTest, IssuerSignsDirectly) {
  TempDir dir;
  Pki pki = MakePki(GetParam());
  WritePki(pki, dir);
  const Time now = Now();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string resp,
                             SignOcspResponse(StandardTemplate(pki, now), pki.intermediate.cert,
                                              *pki.intermediate.signer, {}));
  dir.Write("resp.der", resp);
  ExpectStandardStatuses(Openssl(dir, kCheckArgs));

  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse parsed, ParseOcspResponse(resp));
  CAIRN_EXPECT_OK(VerifyOcspResponse(parsed, pki.intermediate.cert, now));
  EXPECT_TRUE(parsed.certs.empty());

  // A flipped signature bit fails both openssl and VerifyOcspResponse.
  std::string tampered = resp;
  tampered.back() ^= 0x01;
  dir.Write("resp.der", tampered);
  auto r = Openssl(dir, kCheckArgs);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("Response Verify Failure"));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse bad, ParseOcspResponse(tampered));
  EXPECT_EQ(VerifyOcspResponse(bad, pki.intermediate.cert, now).code(),
            StatusCode::kUnauthenticated);
}

TEST_P(OcspResponseOpensslTest, DelegatedResponder) {
  TempDir dir;
  Pki pki = MakePki(GetParam());
  WritePki(pki, dir);
  const Time now = Now();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string resp,
                             SignOcspResponse(StandardTemplate(pki, now), pki.responder.cert,
                                              *pki.responder.signer, {pki.responder.cert}));
  dir.Write("resp.der", resp);
  ExpectStandardStatuses(Openssl(dir, kCheckArgs));

  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse parsed, ParseOcspResponse(resp));
  ASSERT_EQ(parsed.certs.size(), 1u);
  EXPECT_EQ(parsed.certs[0].der(), pki.responder.cert.der());
  CAIRN_EXPECT_OK(VerifyOcspResponse(parsed, pki.intermediate.cert, now));
  CAIRN_EXPECT_OK(VerifyOcspSignature(parsed, pki.responder.cert));
  // The intermediate did not sign it.
  EXPECT_EQ(VerifyOcspSignature(parsed, pki.intermediate.cert).code(),
            StatusCode::kUnauthenticated);
}

INSTANTIATE_TEST_SUITE_P(Ocsp, OcspResponseOpensslTest,
                         ::testing::Values(crypto::KeyType::kEcP256, crypto::KeyType::kEcP384,
                                           crypto::KeyType::kRsa, crypto::KeyType::kEd25519),
                         [](const auto& param_info) {
                           std::string n(crypto::KeyTypeName(param_info.param));
                           n.erase(std::remove_if(n.begin(), n.end(),
                                                  [](char c) { return !std::isalnum(c); }),
                                   n.end());
                           return n;
                         });

TEST(OcspResponseTest, SignatureAlgorithmFollowsTheResponderKey) {
  struct Case {
    crypto::KeyType type;
    const char* algorithm;
  };
  for (const Case& c :
       {Case{crypto::KeyType::kEcP256, "ECDSA-SHA256"},
        Case{crypto::KeyType::kEcP384, "ECDSA-SHA384"},
        Case{crypto::KeyType::kEcP521, "ECDSA-SHA512"}, Case{crypto::KeyType::kRsa, "SHA256-RSA"},
        Case{crypto::KeyType::kEd25519, "Ed25519"}}) {
    SCOPED_TRACE(c.algorithm);
    Pki pki = MakePki(c.type);
    const Time now = Now();
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string resp,
                               SignOcspResponse(StandardTemplate(pki, now), pki.intermediate.cert,
                                                *pki.intermediate.signer, {}));
    CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse parsed, ParseOcspResponse(resp));
    EXPECT_EQ(parsed.signature_algorithm, c.algorithm);
    CAIRN_EXPECT_OK(VerifyOcspSignature(parsed, pki.intermediate.cert));
  }
}

TEST(OcspResponseTest, NonceEchoPassesOpensslCheck) {
  TempDir dir;
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  WritePki(pki, dir);
  auto made = Openssl(dir, "ocsp -issuer int.pem -cert leaf.pem -reqout req.der");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  CAIRN_ASSERT_OK_AND_ASSIGN(OcspRequest req, ParseOcspRequest(dir.Read("req.der")));
  ASSERT_TRUE(req.nonce.has_value());

  // Answer the request as a responder does: its CertID echoed, its nonce echoed.
  const Time now = Now();
  ResponseTemplate t;
  t.produced_at = now;
  t.nonce = req.nonce;
  SingleResponse one;
  one.id = req.ids[0];
  one.this_update = now;
  t.responses.push_back(one);
  CAIRN_ASSERT_OK_AND_ASSIGN(
      std::string resp, SignOcspResponse(t, pki.intermediate.cert, *pki.intermediate.signer, {}));
  dir.Write("resp.der", resp);
  const std::string check = "ocsp -reqin req.der -respin resp.der -issuer int.pem -CAfile root.pem";
  auto ok = Openssl(dir, check);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_THAT(ok.output, HasSubstr("Response verify OK"));
  EXPECT_THAT(ok.output, Not(HasSubstr("Nonce Verify error")));
  EXPECT_THAT(ok.output, Not(HasSubstr("no nonce")));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse parsed, ParseOcspResponse(resp));
  EXPECT_EQ(parsed.nonce, req.nonce);
  ASSERT_EQ(parsed.responses.size(), 1u);
  EXPECT_EQ(parsed.responses[0].id.der, req.ids[0].der);

  // Another nonce fails openssl's check; none at all is a warning.
  t.nonce = Octets("a different nonce");
  CAIRN_ASSERT_OK_AND_ASSIGN(
      resp, SignOcspResponse(t, pki.intermediate.cert, *pki.intermediate.signer, {}));
  dir.Write("resp.der", resp);
  auto wrong = Openssl(dir, check);
  EXPECT_NE(wrong.exit_code, 0) << wrong.output;
  EXPECT_THAT(wrong.output, HasSubstr("Nonce Verify error"));
  t.nonce.reset();
  CAIRN_ASSERT_OK_AND_ASSIGN(
      resp, SignOcspResponse(t, pki.intermediate.cert, *pki.intermediate.signer, {}));
  dir.Write("resp.der", resp);
  EXPECT_THAT(Openssl(dir, check).output, HasSubstr("WARNING: no nonce in response"));
}

TEST(OcspResponseTest, ResponderWithoutOcspSigningIsRejected) {
  TempDir dir;
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  WritePki(pki, dir);
  // Same key, same name, but only serverAuth: not an authorized responder.
  Extension server_auth{kOidExtKeyUsage, false, Seq(Oid("\x2b\x06\x01\x05\x05\x07\x03\x01"))};
  Certificate rogue =
      IssueResponder(pki.intermediate, crypto::KeyType::kEcP256, {server_auth}, Hours(24 * 3650));
  const Time now = Now();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string resp, SignOcspResponse(StandardTemplate(pki, now), rogue,
                                                                *pki.responder.signer, {rogue}));
  dir.Write("resp.der", resp);
  auto r = Openssl(dir, kCheckArgs);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("Response Verify Failure"));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse parsed, ParseOcspResponse(resp));
  EXPECT_EQ(VerifyOcspResponse(parsed, pki.intermediate.cert, now).code(),
            StatusCode::kUnauthenticated);
  // The signature itself is fine.
  CAIRN_EXPECT_OK(VerifyOcspSignature(parsed, rogue));
}

// --- Our own parser and verifier ------------------------------------------------------------

TEST(OcspResponseTest, ParseRoundTrip) {
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  const Time now = FromUnixSeconds(1780000000) + std::chrono::milliseconds(750);
  ResponseTemplate t = StandardTemplate(pki, now);
  // An entry given by its fields alone (no der) is encoded like MakeCertId's.
  t.responses[0].id.der.clear();
  t.responses[2].next_update.reset();
  t.nonce = Octets("0123456789abcdef");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string resp,
                             SignOcspResponse(t, pki.responder.cert, *pki.responder.signer,
                                              {pki.responder.cert, pki.intermediate.cert}));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse p, ParseOcspResponse(resp));
  EXPECT_EQ(p.status, OcspResponseStatus::kSuccessful);
  CAIRN_ASSERT_OK_AND_ASSIGN(IssuerHashes responder_hashes,
                             ComputeIssuerHashes(pki.responder.cert, CertIdHash::kSha1));
  EXPECT_EQ(p.responder_key_hash, responder_hashes.key_hash);
  EXPECT_TRUE(p.responder_name_der.empty());
  EXPECT_EQ(p.produced_at, TruncateToSeconds(now));
  EXPECT_EQ(p.nonce, t.nonce);
  ASSERT_EQ(p.certs.size(), 2u);
  EXPECT_EQ(p.certs[1].der(), pki.intermediate.cert.der());
  ASSERT_EQ(p.responses.size(), 3u);
  EXPECT_EQ(p.responses[0].id.der, LeafId(pki).der);
  EXPECT_EQ(p.responses[0].status, SingleResponse::Status::kGood);
  EXPECT_EQ(p.responses[0].this_update, TruncateToSeconds(now));
  EXPECT_EQ(p.responses[0].next_update, TruncateToSeconds(now) + std::chrono::hours(1));
  EXPECT_EQ(p.responses[1].status, SingleResponse::Status::kRevoked);
  EXPECT_EQ(p.responses[1].revoked_at, RevokedAt());
  EXPECT_EQ(p.responses[1].reason_code, 1);
  EXPECT_EQ(p.responses[1].id.serial_decimal, "3001");
  EXPECT_EQ(p.responses[2].status, SingleResponse::Status::kUnknown);
  EXPECT_EQ(p.responses[2].reason_code, -1);
  EXPECT_FALSE(p.responses[2].next_update.has_value());
  CAIRN_EXPECT_OK(VerifyOcspResponse(p, pki.intermediate.cert, Hours(1)));
}

TEST(OcspResponseTest, RevokedWithoutReason) {
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  ResponseTemplate t = StandardTemplate(pki, Now());
  t.responses[1].reason_code = -1;
  CAIRN_ASSERT_OK_AND_ASSIGN(
      std::string resp, SignOcspResponse(t, pki.intermediate.cert, *pki.intermediate.signer, {}));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse p, ParseOcspResponse(resp));
  EXPECT_EQ(p.responses[1].status, SingleResponse::Status::kRevoked);
  EXPECT_EQ(p.responses[1].reason_code, -1);
}

TEST(OcspResponseTest, VerifyRejectsUnauthorizedSigners) {
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  const Time now = Now();
  const ResponseTemplate t = StandardTemplate(pki, now);
  CAIRN_ASSERT_OK_AND_ASSIGN(
      std::string with_cert,
      SignOcspResponse(t, pki.responder.cert, *pki.responder.signer, {pki.responder.cert}));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse delegated, ParseOcspResponse(with_cert));
  // The responder certificate expired (it was valid for 10 years from Start()).
  EXPECT_EQ(VerifyOcspResponse(delegated, pki.intermediate.cert, Hours(24 * 3651)).code(),
            StatusCode::kUnauthenticated);
  // Checked against another CA: the responder is not its, nor are the CertIDs.
  EXPECT_EQ(VerifyOcspResponse(delegated, pki.root.cert, now).code(), StatusCode::kUnauthenticated);

  // A delegated response without the responder certificate cannot be checked.
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string without_cert,
                             SignOcspResponse(t, pki.responder.cert, *pki.responder.signer, {}));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse bare, ParseOcspResponse(without_cert));
  EXPECT_EQ(VerifyOcspResponse(bare, pki.intermediate.cert, now).code(),
            StatusCode::kUnauthenticated);

  // The intermediate answering for certificates of the root.
  ResponseTemplate foreign = t;
  foreign.responses[0].id = *MakeCertId(pki.root.cert, "2000");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string mixed, SignOcspResponse(foreign, pki.intermediate.cert,
                                                                 *pki.intermediate.signer, {}));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse mixed_parsed, ParseOcspResponse(mixed));
  EXPECT_EQ(VerifyOcspResponse(mixed_parsed, pki.intermediate.cert, now).code(),
            StatusCode::kUnauthenticated);

  // Error responses carry nothing to verify.
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse error,
                             ParseOcspResponse(OcspErrorResponse(OcspResponseStatus::kTryLater)));
  EXPECT_EQ(VerifyOcspResponse(error, pki.intermediate.cert, now).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(VerifyOcspSignature(error, pki.intermediate.cert).code(),
            StatusCode::kFailedPrecondition);
}

TEST(OcspResponseTest, SignRejectsBadTemplates) {
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  const Time now = Now();
  const ResponseTemplate base = StandardTemplate(pki, now);
  ASSERT_TRUE(SignOcspResponse(base, pki.intermediate.cert, *pki.intermediate.signer, {}).ok());

  // The signer must hold the responder certificate's key.
  EXPECT_EQ(SignOcspResponse(base, pki.intermediate.cert, *pki.root.signer, {}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      SignOcspResponse(base, pki.responder.cert, *pki.intermediate.signer, {}).status().code(),
      StatusCode::kFailedPrecondition);

  struct Case {
    const char* name;
    std::function<void(ResponseTemplate&)> mutate;
    size_t certs = 0;
  };
  const std::vector<Case> cases = {
      {"no responses", [](ResponseTemplate& t) { t.responses.clear(); }},
      {"too many responses",
       [](ResponseTemplate& t) {
         t.responses.assign(kMaxOcspSingleResponses + 1, t.responses[0]);
       }},
      {"reason 7", [](ResponseTemplate& t) { t.responses[1].reason_code = 7; }},
      {"reason 11", [](ResponseTemplate& t) { t.responses[1].reason_code = 11; }},
      {"reason -2", [](ResponseTemplate& t) { t.responses[1].reason_code = -2; }},
      {"reason on a good entry", [](ResponseTemplate& t) { t.responses[0].reason_code = 1; }},
      {"nextUpdate before thisUpdate",
       [](ResponseTemplate& t) {
         t.responses[0].next_update = t.responses[0].this_update - std::chrono::seconds(1);
       }},
      {"malformed CertID der", [](ResponseTemplate& t) { t.responses[0].id.der = "\x30\x01"; }},
      {"CertID der with trailing data",
       [](ResponseTemplate& t) { t.responses[0].id.der += std::string(2, '\0'); }},
      {"unknown hash without der",
       [](ResponseTemplate& t) {
         t.responses[0].id.der.clear();
         t.responses[0].id.hash = CertIdHash::kUnknown;
       }},
      {"wrong hash size without der",
       [](ResponseTemplate& t) {
         t.responses[0].id.der.clear();
         t.responses[0].id.issuer_key_hash.pop_back();
       }},
      {"bad serial without der",
       [](ResponseTemplate& t) {
         t.responses[0].id.der.clear();
         t.responses[0].id.serial_decimal = "x";
       }},
      {"empty nonce", [](ResponseTemplate& t) { t.nonce = ""; }},
      {"oversized nonce",
       [](ResponseTemplate& t) { t.nonce = std::string(kMaxOcspNonceBytes + 1, 'n'); }},
      {"too many certificates", [](ResponseTemplate&) {}, kMaxOcspResponseCerts + 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ResponseTemplate t = base;
    c.mutate(t);
    std::vector<Certificate> certs(c.certs, pki.intermediate.cert);
    auto r = SignOcspResponse(t, pki.intermediate.cert, *pki.intermediate.signer, certs);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status();
  }
}

TEST(OcspResponseTest, ParseRejectsBadInput) {
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string good,
                             SignOcspResponse(StandardTemplate(pki, Now()), pki.intermediate.cert,
                                              *pki.intermediate.signer, {}));
  const std::string ocsp_basic = Oid("\x2b\x06\x01\x05\x05\x07\x30\x01\x01");
  struct Case {
    const char* name;
    std::string der;
    StatusCode code;
  };
  const std::vector<Case> cases = {
      {"empty", "", StatusCode::kInvalidArgument},
      {"garbage", "garbage", StatusCode::kInvalidArgument},
      {"truncated", good.substr(0, good.size() - 3), StatusCode::kInvalidArgument},
      {"trailing", good + std::string(1, '\0'), StatusCode::kInvalidArgument},
      {"oversized", std::string(kMaxOcspResponseBytes + 1, '\x30'), StatusCode::kResourceExhausted},
      {"status 4", Seq(der::Tlv(0x0a, "\x04")), StatusCode::kInvalidArgument},
      {"status 7", Seq(der::Tlv(0x0a, "\x07")), StatusCode::kInvalidArgument},
      {"successful without body", Seq(der::Tlv(0x0a, std::string(1, '\0'))),
       StatusCode::kInvalidArgument},
      {"not basic",
       Seq(der::Tlv(0x0a, std::string(1, '\0')) +
           der::Tlv(der::ContextTag(0, true), Seq(Oid("\x2a\x03\x04") + Octets(Seq(""))))),
       StatusCode::kInvalidArgument},
      {"empty basic",
       Seq(der::Tlv(0x0a, std::string(1, '\0')) +
           der::Tlv(der::ContextTag(0, true), Seq(ocsp_basic + Octets(Seq(""))))),
       StatusCode::kInvalidArgument},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = ParseOcspResponse(c.der);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.code) << r.status();
  }
}

TEST(OcspRobustnessTest, DamagedInputNeverCrashesNorVerifies) {
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  const Time now = Now();
  ResponseTemplate t = StandardTemplate(pki, now);
  t.nonce = Octets("0123456789abcdef");
  CAIRN_ASSERT_OK_AND_ASSIGN(
      std::string resp, SignOcspResponse(t, pki.intermediate.cert, *pki.intermediate.signer, {}));
  const std::string req = CraftRequest({LeafId(pki).der, CraftCertId(kMd5Oid, 16, 9)}, "",
                                       Extensions(2, {Ext(kNonceOid, false, *t.nonce)}));
  ASSERT_TRUE(ParseOcspRequest(req).ok());
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    const std::string bad_req = ::cairn::testing::Mutate(req, rng);
    auto parsed_req = ParseOcspRequest(bad_req);
    if (parsed_req.ok()) {
      EXPECT_FALSE(parsed_req->ids.empty());
      EXPECT_LE(parsed_req->ids.size(), kMaxOcspRequestCertIds);
    }
    const std::string bad_resp = ::cairn::testing::Mutate(resp, rng);
    auto parsed_resp = ParseOcspResponse(bad_resp);
    if (parsed_resp.ok() && bad_resp != resp) {
      EXPECT_FALSE(VerifyOcspResponse(*parsed_resp, pki.intermediate.cert, now).ok())
          << "mutation " << i << " still verifies";
    }
  }
}

// --- Error responses ------------------------------------------------------------------------

TEST(OcspErrorResponseTest, OpensslReadsEveryStatus) {
  TempDir dir;
  struct Case {
    OcspResponseStatus status;
    int code;
    const char* openssl_name;
  };
  for (const Case& c : {Case{OcspResponseStatus::kMalformedRequest, 1, "malformedrequest"},
                        Case{OcspResponseStatus::kInternalError, 2, "internalerror"},
                        Case{OcspResponseStatus::kTryLater, 3, "trylater"},
                        Case{OcspResponseStatus::kSigRequired, 5, "sigrequired"},
                        Case{OcspResponseStatus::kUnauthorized, 6, "unauthorized"}}) {
    SCOPED_TRACE(c.openssl_name);
    const std::string der_bytes = OcspErrorResponse(c.status);
    EXPECT_EQ(der_bytes, std::string("\x30\x03\x0a\x01", 4) + static_cast<char>(c.code));
    CAIRN_ASSERT_OK_AND_ASSIGN(ParsedOcspResponse parsed, ParseOcspResponse(der_bytes));
    EXPECT_EQ(parsed.status, c.status);
    EXPECT_TRUE(parsed.responses.empty());
    dir.Write("err.der", der_bytes);
    auto r = Openssl(dir, "ocsp -respin err.der -resp_text");
    EXPECT_THAT(r.output, HasSubstr(std::string("Responder Error: ") + c.openssl_name + " (" +
                                    std::to_string(c.code) + ")"));
  }
  // A successful status needs a body: it is answered as internalError.
  EXPECT_EQ(OcspErrorResponse(OcspResponseStatus::kSuccessful),
            OcspErrorResponse(OcspResponseStatus::kInternalError));
  EXPECT_EQ(OcspResponseStatusName(OcspResponseStatus::kUnauthorized), "unauthorized");
}

// --- Delegated responder certificate --------------------------------------------------------

TEST(OcspResponderExtensionsTest, MakeAnOcspSigningCertificate) {
  TempDir dir;
  Pki pki = MakePki(crypto::KeyType::kEcP256);
  const Certificate& cert = pki.responder.cert;
  EXPECT_EQ(cert.ext_key_usage(), std::vector<std::string>{"ocspSigning"});
  auto nocheck = cert.FindExtension(kOidOcspNoCheck);
  ASSERT_TRUE(nocheck.has_value());
  EXPECT_EQ(nocheck->value, std::string("\x05\x00", 2));
  EXPECT_FALSE(nocheck->critical);
  dir.Write("responder.pem", cert.pem());
  auto text = Openssl(dir, "x509 -in responder.pem -noout -text");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("OCSP Signing"));
  EXPECT_THAT(text.output, HasSubstr("OCSP No Check"));
}

}  // namespace
}  // namespace cairn::pki
