// Tests of CertificateRequest's own CSR parser and signature check, and of certificates built
// by SignCertificate, with OpenSSL's X509_REQ_* / d2i_X509 / X509_verify as the oracle.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>
#include <latch>
#include <map>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/encoding.h"
#include "crypto/der.h"
#include "crypto/key.h"
#include "pki/builder.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "pki/test_pki_for_test.h"
#include "testing/fakes.h"
#include "testing/mutate.h"

namespace cairn::pki {
namespace {

namespace der = crypto::der;
using crypto::KeyType;
using crypto::PublicKey;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

template <typename T, typename F>
std::string I2d(T* obj, F i2d) {
  unsigned char* out = nullptr;
  const int n = i2d(obj, &out);
  ossl::UniquePtr<unsigned char> owned(out);
  if (n <= 0) {
    ERR_clear_error();
    return "";
  }
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

std::string SpkiOf(EVP_PKEY* pkey) { return I2d(pkey, i2d_PUBKEY); }

// --- Keys (generated once per process) ---------------------------------------------------------

ossl::UniquePtr<EVP_PKEY> GenerateKey(const std::string& name) {
  EVP_PKEY* raw = nullptr;
  if (name == "P-256" || name == "P-384" || name == "P-521" || name == "P-224") {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", name.c_str());
  } else if (name == "RSA") {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  } else if (name == "RSA-PSS") {
    ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr));
    CAIRN_CHECK(ctx && EVP_PKEY_keygen_init(ctx.get()) == 1 &&
                EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) == 1 &&
                EVP_PKEY_keygen(ctx.get(), &raw) == 1);
  } else if (name == "Ed25519") {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else if (name == "Ed448") {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448");
  }
  CAIRN_CHECK(raw != nullptr);
  return ossl::UniquePtr<EVP_PKEY>(raw);
}

EVP_PKEY* KeyNamed(const std::string& name) {
  static auto* keys = new std::map<std::string, ossl::UniquePtr<EVP_PKEY>>();
  auto it = keys->find(name);
  if (it == keys->end()) it = keys->emplace(name, GenerateKey(name)).first;
  return it->second.get();
}

// --- Building CSRs with OpenSSL ------------------------------------------------------------------

struct CsrOptions {
  std::string key = "P-256";
  const EVP_MD* md = EVP_sha256();  // null for EdDSA
  bool pss = false;                 // RSASSA-PSS signature (md, salt = digest length)
  std::string sans;                 // X509v3 config text, e.g. "DNS:a.example,IP:10.0.0.1"
  bool key_usage = false;           // also request a critical keyUsage
  int ext_attribute = NID_ext_req;  // NID_ext_req (extensionRequest) or NID_ms_ext_req
  bool challenge_password = false;
};

std::string MakeCsr(const CsrOptions& o) {
  EVP_PKEY* key = KeyNamed(o.key);
  ossl::UniquePtr<X509_REQ> req(X509_REQ_new());
  CAIRN_CHECK(req && X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) == 1);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  CAIRN_CHECK(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, Bytes("Cairn \xc3\xa9quipe"), -1,
                                         -1, 0) == 1);
  CAIRN_CHECK(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, Bytes("csr.example.com"), -1,
                                         -1, 0) == 1);
  CAIRN_CHECK(X509_REQ_set_pubkey(req.get(), key) == 1);
  ossl::UniquePtr<STACK_OF(X509_EXTENSION)> exts(sk_X509_EXTENSION_new_null());
  if (!o.sans.empty()) {
    X509_EXTENSION* ext =
        X509V3_EXT_nconf_nid(nullptr, nullptr, NID_subject_alt_name, o.sans.c_str());
    CAIRN_CHECK(ext != nullptr && sk_X509_EXTENSION_push(exts.get(), ext) > 0);
  }
  if (o.key_usage) {
    X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, nullptr, NID_key_usage,
                                               "critical,digitalSignature,keyEncipherment");
    CAIRN_CHECK(ext != nullptr && sk_X509_EXTENSION_push(exts.get(), ext) > 0);
  }
  if (sk_X509_EXTENSION_num(exts.get()) > 0) {
    CAIRN_CHECK(X509_REQ_add_extensions_nid(req.get(), exts.get(), o.ext_attribute) == 1);
  }
  if (o.challenge_password) {
    CAIRN_CHECK(X509_REQ_add1_attr_by_NID(req.get(), NID_pkcs9_challengePassword, MBSTRING_ASC,
                                          Bytes("s3cret"), -1) == 1);
  }
  if (o.pss) {
    ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    CAIRN_CHECK(ctx && EVP_DigestSignInit(ctx.get(), &pctx, o.md, nullptr, key) == 1);
    CAIRN_CHECK(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
    CAIRN_CHECK(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1);
    CAIRN_CHECK(X509_REQ_sign_ctx(req.get(), ctx.get()) > 0);
  } else {
    CAIRN_CHECK(X509_REQ_sign(req.get(), key, o.md) > 0);
  }
  return I2d(req.get(), i2d_X509_REQ);
}

// --- Taking CSRs apart and re-signing them -------------------------------------------------------

struct CsrParts {
  std::string info;       // CertificationRequestInfo, whole element
  std::string algorithm;  // signatureAlgorithm, whole element
  std::string signature;  // BIT STRING contents (unused-bits octet first)
  // The CertificationRequestInfo fields, whole elements: version, subject, spki, attributes.
  std::vector<std::string> fields;
};

CsrParts Split(const std::string& csr) {
  CsrParts parts;
  der::Reader top(csr);
  auto outer = top.Expect(der::kSequence);
  CAIRN_CHECK(outer.ok());
  der::Reader r(*outer);
  auto info = r.Next();
  auto alg = r.Next();
  auto sig = r.Expect(der::kBitString);
  CAIRN_CHECK(info.ok() && alg.ok() && sig.ok());
  parts.info = std::string(info->full);
  parts.algorithm = std::string(alg->full);
  parts.signature = std::string(*sig);
  der::Reader f(info->contents);
  while (!f.empty()) {
    auto e = f.Next();
    CAIRN_CHECK(e.ok());
    parts.fields.emplace_back(e->full);
  }
  return parts;
}

std::string Join(const CsrParts& p) {
  return der::Tlv(der::kSequence, p.info + p.algorithm + der::Tlv(der::kBitString, p.signature));
}

std::string SignBytes(EVP_PKEY* key, const EVP_MD* md, std::string_view msg) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  CAIRN_CHECK(ctx && EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) == 1);
  CAIRN_CHECK(EVP_DigestSign(ctx.get(), nullptr, &len, Bytes(msg), msg.size()) == 1);
  std::string sig(len, '\0');
  CAIRN_CHECK(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                             Bytes(msg), msg.size()) == 1);
  sig.resize(len);
  return sig;
}

// Resign rebuilds the CertificationRequestInfo from `fields` and signs it with the P-256 key
// (ECDSA-SHA256), so that a structural change keeps a valid signature.
std::string Resign(const std::vector<std::string>& fields, const std::string& key = "P-256") {
  CsrParts p;
  std::string contents;
  for (const auto& f : fields) contents += f;
  p.info = der::Tlv(der::kSequence, contents);
  const bool ed = key == "Ed25519";
  p.algorithm =
      der::Tlv(der::kSequence, ed ? std::string("\x06\x03\x2b\x65\x70", 5)
                                  : std::string("\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02", 10));
  p.signature =
      std::string(1, '\0') + SignBytes(KeyNamed(key), ed ? nullptr : EVP_sha256(), p.info);
  return Join(p);
}

// DER pieces for hand-made attributes and extensions.
const std::string kOidExtensionRequest("\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e", 11);
const std::string kOidMsExtReq("\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x01\x0e", 12);
const std::string kOidChallengePassword("\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09\x07", 11);

std::string Attribute(const std::string& oid, const std::string& values) {
  return der::Tlv(der::kSequence, oid + der::Tlv(der::kSet, values));
}
std::string Attributes(const std::string& contents) {
  return der::Tlv(der::ContextTag(0, true), contents);
}
// SanExtension returns an Extension whose GeneralNames are `names` (already encoded).
std::string SanExtension(const std::string& names) {
  return der::Tlv(der::kSequence, std::string("\x06\x03\x55\x1d\x11", 5) +
                                      der::Tlv(der::kOctetString, der::Tlv(der::kSequence, names)));
}
std::string DnsName(const std::string& name) { return der::Tlv(0x82, name); }

// --- What OpenSSL says about a CSR ---------------------------------------------------------------

std::string OidText(const ASN1_OBJECT* obj) {
  char buf[128];
  const int n = OBJ_obj2txt(buf, sizeof(buf), obj, /*no_name=*/1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

SubjectAltNames SansOf(const GENERAL_NAMES* names) {
  SubjectAltNames out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    auto str = [](const ASN1_STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
    };
    switch (gn->type) {
      case GEN_DNS:
        out.dns.push_back(str(gn->d.dNSName));
        break;
      case GEN_EMAIL:
        out.emails.push_back(str(gn->d.rfc822Name));
        break;
      case GEN_URI:
        out.uris.push_back(str(gn->d.uniformResourceIdentifier));
        break;
      case GEN_IPADD: {
        const std::string raw = str(gn->d.iPAddress);
        char text[INET6_ADDRSTRLEN] = {0};
        if (raw.size() == 4 || raw.size() == 16) {
          inet_ntop(raw.size() == 4 ? AF_INET : AF_INET6, raw.data(), text, sizeof(text));
          out.ips.push_back(text);
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

struct OpensslView {
  ossl::UniquePtr<X509_REQ> req;  // null unless d2i_X509_REQ read the whole input
  EVP_PKEY* key = nullptr;        // X509_REQ_get0_pubkey (owned by req)
  bool verifies = false;          // X509_REQ_verify with its own key
  std::string subject_der;
  std::string spki_der;
  std::string signature_oid;
  bool extensions_ok = false;  // X509_REQ_get_extensions succeeded
  std::vector<Extension> extensions;
  SubjectAltNames sans;
};

OpensslView AskOpenssl(const std::string& der) {
  OpensslView v;
  const unsigned char* p = Bytes(der);
  ossl::UniquePtr<X509_REQ> req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req || p != Bytes(der) + der.size()) {
    ERR_clear_error();
    return v;
  }
  v.req = std::move(req);
  X509_REQ* r = v.req.get();
  v.key = X509_REQ_get0_pubkey(r);
  v.verifies = v.key != nullptr && X509_REQ_verify(r, v.key) == 1;
  v.subject_der = I2d(X509_REQ_get_subject_name(r), i2d_X509_NAME);
  v.spki_der = I2d(X509_REQ_get_X509_PUBKEY(r), i2d_X509_PUBKEY);
  const X509_ALGOR* alg = nullptr;
  X509_REQ_get0_signature(r, nullptr, &alg);
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  v.signature_oid = OidText(obj);
  ossl::UniquePtr<STACK_OF(X509_EXTENSION)> exts(X509_REQ_get_extensions(r));
  v.extensions_ok = exts != nullptr;
  for (int i = 0; i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    X509_EXTENSION* e = sk_X509_EXTENSION_value(exts.get(), i);
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(e);
    v.extensions.push_back(
        Extension{OidText(X509_EXTENSION_get_object(e)), X509_EXTENSION_get_critical(e) == 1,
                  std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                              static_cast<size_t>(ASN1_STRING_length(data)))});
  }
  if (exts) {
    ossl::UniquePtr<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(
        X509V3_get_d2i(exts.get(), NID_subject_alt_name, nullptr, nullptr)));
    v.sans = SansOf(names.get());
  }
  ERR_clear_error();
  return v;
}

bool Supported(const PublicKey& key) { return key.type() != KeyType::kOther; }

// ExpectSameAsOpenssl checks every accessor of a CSR both parsed against OpenSSL's view.
void ExpectSameAsOpenssl(const CertificateRequest& csr, const OpensslView& v) {
  ASSERT_TRUE(v.req);
  EXPECT_EQ(csr.raw_subject(), v.subject_der);
  EXPECT_EQ(X509_NAME_cmp(csr.get_subject(), X509_REQ_get_subject_name(v.req.get())), 0);
  ASSERT_NE(v.key, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(csr.public_key().get(), v.key), 1);
  EXPECT_EQ(HexEncode(csr.public_key().ToDer().value_or("")), HexEncode(v.spki_der));
  if (v.extensions_ok) {
    EXPECT_EQ(csr.extensions(), v.extensions);
    EXPECT_EQ(csr.sans(), v.sans);
    EXPECT_EQ(csr.dns_names(), v.sans.dns);
    EXPECT_EQ(csr.ip_addresses(), v.sans.ips);
    EXPECT_EQ(csr.email_addresses(), v.sans.emails);
    EXPECT_EQ(csr.uris(), v.sans.uris);
  }
  if (Supported(csr.public_key())) {
    // Cairn refuses MD5 signatures OpenSSL still verifies.
    const bool want = v.verifies && csr.signature_algorithm() != "MD5-RSA";
    EXPECT_EQ(csr.VerifySignature().ok(), want) << csr.VerifySignature();
  } else {
    EXPECT_EQ(csr.VerifySignature().code(), StatusCode::kInvalidArgument);
  }
}

// --- 3a. CSRs of every key kind and signature algorithm ----------------------------------------

struct SignedCase {
  const char* name;
  CsrOptions options;
  const char* algorithm;  // expected signature_algorithm()
  bool verifies;          // expected VerifySignature().ok()
  SubjectAltNames sans;   // expected sans()
};

// PrintTo names the case in test listings.
void PrintTo(const SignedCase& c, std::ostream* os) { *os << c.name; }

class CsrSignedTest : public ::testing::TestWithParam<SignedCase> {};

TEST_P(CsrSignedTest, ParsesAndVerifiesAsOpensslDoes) {
  const SignedCase& c = GetParam();
  const std::string der = MakeCsr(c.options);
  const OpensslView v = AskOpenssl(der);
  ASSERT_TRUE(v.req) << "OpenSSL cannot read its own CSR";
  ERR_clear_error();
  CAIRN_ASSERT_OK_AND_ASSIGN(CertificateRequest csr, CertificateRequest::FromDer(der));
  EXPECT_EQ(ERR_peek_error(), 0u) << "error queue left dirty";
  ExpectSameAsOpenssl(csr, v);
  EXPECT_EQ(csr.der(), der);
  EXPECT_EQ(csr.subject_cn(), "csr.example.com");
  EXPECT_EQ(csr.signature_algorithm(), c.algorithm) << "OID " << v.signature_oid;
  EXPECT_EQ(csr.VerifySignature().ok(), c.verifies) << csr.VerifySignature();
  EXPECT_EQ(ERR_peek_error(), 0u) << "error queue left dirty";
  EXPECT_EQ(csr.sans(), c.sans);
  EXPECT_TRUE(csr.public_key().Equals(PublicKey::Wrap(ossl::UpRef(KeyNamed(c.options.key)))));

  // The PEM form and a copy parse the same.
  CAIRN_ASSERT_OK_AND_ASSIGN(CertificateRequest again, CertificateRequest::FromPem(csr.pem()));
  EXPECT_EQ(again.der(), der);
  CertificateRequest copy = csr;
  EXPECT_EQ(copy.VerifySignature().ok(), c.verifies);

  // Any change to the signed bytes or to the signature breaks verification.
  CsrParts parts = Split(der);
  CsrParts bad_sig = parts;
  bad_sig.signature[bad_sig.signature.size() / 2] ^= 0x04;
  CsrParts bad_info = parts;
  const size_t cn = bad_info.info.find("csr.example.com");
  ASSERT_NE(cn, std::string::npos);
  bad_info.info[cn] = 'C';
  for (const std::string& tampered : {Join(bad_sig), Join(bad_info)}) {
    const OpensslView tv = AskOpenssl(tampered);
    auto t = CertificateRequest::FromDer(tampered);
    ASSERT_EQ(t.ok(), tv.req != nullptr) << t.status();
    if (!t.ok()) continue;
    EXPECT_FALSE(tv.verifies);
    EXPECT_FALSE(t->VerifySignature().ok());
    ExpectSameAsOpenssl(*t, tv);
  }
}

const SubjectAltNames kAllSans{.dns = {"a.example.com", "b.example.com"},
                               .ips = {"10.0.0.7", "2001:db8::1"},
                               .emails = {"me@example.com"},
                               .uris = {"spiffe://example.com/workload"}};
constexpr const char* kAllSansConf =
    "DNS:a.example.com,IP:10.0.0.7,email:me@example.com,URI:spiffe://example.com/workload,"
    "DNS:b.example.com,IP:2001:db8:0:0:0:0:0:1";

std::string SignedCaseName(const ::testing::TestParamInfo<SignedCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(
    Csrs, CsrSignedTest,
    ::testing::Values(
        SignedCase{"P256Sha256", {.key = "P-256"}, "ECDSA-SHA256", true, {}},
        // ecdsa-with-SHA1 is verified (as Go's CheckSignature does for CSRs). Its name is the
        // dotted OID: csr.cc has no entry for it although Go (and Certificate, through
        // X509_get_signature_info) call it "ECDSA-SHA1".
        SignedCase{"P256Sha1", {.key = "P-256", .md = EVP_sha1()}, "ECDSA-SHA1", true, {}},
        // SHA-224 is none of the fast path's: OpenSSL's X509_REQ_verify decides.
        SignedCase{
            "P256Sha224", {.key = "P-256", .md = EVP_sha224()}, "1.2.840.10045.4.3.1", true, {}},
        SignedCase{"P256Sha384", {.key = "P-256", .md = EVP_sha384()}, "ECDSA-SHA384", true, {}},
        SignedCase{"P256Sha512", {.key = "P-256", .md = EVP_sha512()}, "ECDSA-SHA512", true, {}},
        SignedCase{"P384Sha384", {.key = "P-384", .md = EVP_sha384()}, "ECDSA-SHA384", true, {}},
        SignedCase{"P384Sha256", {.key = "P-384", .md = EVP_sha256()}, "ECDSA-SHA256", true, {}},
        SignedCase{"P521Sha512", {.key = "P-521", .md = EVP_sha512()}, "ECDSA-SHA512", true, {}},
        SignedCase{"P521Sha256", {.key = "P-521", .md = EVP_sha256()}, "ECDSA-SHA256", true, {}},
        SignedCase{"RsaSha256", {.key = "RSA"}, "SHA256-RSA", true, {}},
        SignedCase{"RsaSha1", {.key = "RSA", .md = EVP_sha1()}, "SHA1-RSA", true, {}},
        SignedCase{"RsaSha384", {.key = "RSA", .md = EVP_sha384()}, "SHA384-RSA", true, {}},
        SignedCase{"RsaSha512", {.key = "RSA", .md = EVP_sha512()}, "SHA512-RSA", true, {}},
        SignedCase{
            "RsaSha224", {.key = "RSA", .md = EVP_sha224()}, "1.2.840.113549.1.1.14", true, {}},
        // RSASSA-PSS falls back to X509_REQ_verify and verifies. csr.cc names it by OID, where
        // Go and Certificate::signature_algorithm say "SHA256-RSAPSS".
        SignedCase{"RsaPssSha256", {.key = "RSA", .pss = true}, "1.2.840.113549.1.1.10", true, {}},
        // MD5 is none of the fast path's either: X509_REQ_verify accepts it, so VerifySignature
        // does too. (Go's CheckSignature refuses MD5-RSA as insecure.)
        // MD5 is refused even though OpenSSL verifies it (Go refuses it too).
        SignedCase{"RsaMd5", {.key = "RSA", .md = EVP_md5()}, "MD5-RSA", false, {}},
        SignedCase{"Ed25519", {.key = "Ed25519", .md = nullptr}, "Ed25519", true, {}},
        // Keys Cairn does not support: parsed (as kOther), never verified.
        SignedCase{"Ed448", {.key = "Ed448", .md = nullptr}, "1.3.101.113", false, {}},
        SignedCase{"P224", {.key = "P-224"}, "ECDSA-SHA256", false, {}},
        SignedCase{"RsaPssKey", {.key = "RSA-PSS"}, "1.2.840.113549.1.1.10", false, {}},
        // Extensions.
        SignedCase{"P256AllSans",
                   {.key = "P-256", .sans = kAllSansConf, .key_usage = true},
                   "ECDSA-SHA256",
                   true,
                   kAllSans},
        SignedCase{
            "RsaAllSans", {.key = "RSA", .sans = kAllSansConf}, "SHA256-RSA", true, kAllSans},
        SignedCase{"Ed25519AllSans",
                   {.key = "Ed25519", .md = nullptr, .sans = kAllSansConf},
                   "Ed25519",
                   true,
                   kAllSans},
        SignedCase{"MsExtReq",
                   {.key = "P-256", .sans = "DNS:ms.example.com", .ext_attribute = NID_ms_ext_req},
                   "ECDSA-SHA256",
                   true,
                   {.dns = {"ms.example.com"}}},
        SignedCase{"ChallengePasswordAndSans",
                   {.key = "P-384",
                    .md = EVP_sha384(),
                    .sans = "DNS:pw.example.com",
                    .challenge_password = true},
                   "ECDSA-SHA384",
                   true,
                   {.dns = {"pw.example.com"}}},
        SignedCase{"ChallengePasswordOnly",
                   {.key = "RSA", .challenge_password = true},
                   "SHA256-RSA",
                   true,
                   {}}),
    SignedCaseName);

// --- 3b. Hand-made CSRs: structure, attributes, algorithms ---------------------------------------

// Outcome is what FromDer must do with a CSR, next to what OpenSSL does.
enum class Outcome {
  kSame,              // parse exactly when d2i_X509_REQ does; then agree on every accessor
  kRejectedByBoth,    // both fail to parse
  kStricter,          // FromDer fails though d2i_X509_REQ parses it (see the case's comment)
  kLaxer,             // FromDer parses though d2i_X509_REQ fails (see the case's comment)
  kVerifiesStricter,  // both parse alike; VerifySignature fails though X509_REQ_verify passes
};

struct HandCase {
  std::string name;
  std::function<std::string()> der;
  Outcome outcome;
  bool verifies = false;  // when parsed: the expected VerifySignature().ok()
};

// PrintTo names the case in test listings.
void PrintTo(const HandCase& c, std::ostream* os) { *os << c.name; }

// Field indexes in CsrParts::fields.
constexpr size_t kVersion = 0, kSubject = 1, kSpki = 2, kAttributes = 3;

std::vector<std::string> BaseFields() { return Split(MakeCsr({.key = "P-256"})).fields; }

std::vector<std::string> WithField(size_t i, const std::string& value) {
  std::vector<std::string> f = BaseFields();
  f[i] = value;
  return f;
}

std::string WithAlgorithm(const std::string& csr, const std::string& algorithm) {
  CsrParts p = Split(csr);
  p.algorithm = algorithm;
  return Join(p);
}

const std::string kAlgEcdsaSha256 =
    der::Tlv(der::kSequence, std::string("\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02", 10));
const std::string kAlgRsaSha256 = der::Tlv(
    der::kSequence, std::string("\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b\x05\x00", 13));
const std::string kAlgEd25519 = der::Tlv(der::kSequence, std::string("\x06\x03\x2b\x65\x70", 5));

std::vector<HandCase> HandCases() {
  const std::string san = SanExtension(DnsName("hand.example.com"));
  const std::string ext_req = Attribute(kOidExtensionRequest, der::Tlv(der::kSequence, san));
  const std::string ms_req = Attribute(kOidMsExtReq, der::Tlv(der::kSequence, san));
  const std::string password =
      Attribute(kOidChallengePassword, der::Tlv(der::kPrintableString, "s3cret"));
  return {
      {"Baseline", [] { return Resign(BaseFields()); }, Outcome::kSame, true},
      {"HandMadeSanRequest", [=] { return Resign(WithField(kAttributes, Attributes(ext_req))); },
       Outcome::kSame, true},
      {"MsExtReq", [=] { return Resign(WithField(kAttributes, Attributes(ms_req))); },
       Outcome::kSame, true},
      {"PasswordBeforeExtensionRequest",
       [=] { return Resign(WithField(kAttributes, Attributes(password + ext_req))); },
       Outcome::kSame, true},
      // An extension request whose subjectAltName does not decode: both keep the extension and
      // report no SANs (Go's x509.ParseCertificateRequest would reject the CSR instead).
      {"CorruptSanInsideExtension",
       [] {
         const std::string bad = SanExtension(der::Tlv(0x82, "x") + std::string("\x82\x05y", 3));
         return Resign(
             WithField(kAttributes,
                       Attributes(Attribute(kOidExtensionRequest, der::Tlv(der::kSequence, bad)))));
       },
       Outcome::kSame, true},
      {"UnknownCriticalExtension",
       [] {
         const std::string ext =
             der::Tlv(der::kSequence, std::string("\x06\x03\x2a\x03\x04\x01\x01\xff", 8) +
                                          der::Tlv(der::kOctetString, std::string("\x05\x00", 2)));
         return Resign(
             WithField(kAttributes,
                       Attributes(Attribute(kOidExtensionRequest, der::Tlv(der::kSequence, ext)))));
       },
       Outcome::kSame, true},
      // Version: only v1 (0) exists. DISAGREES with OpenSSL (and Go), which read any version.
      {"Version2", [] { return Resign(WithField(kVersion, der::Int64(1))); }, Outcome::kStricter},
      {"Version3", [] { return Resign(WithField(kVersion, der::Int64(2))); }, Outcome::kStricter},
      {"VersionNotInteger", [] { return Resign(WithField(kVersion, der::Tlv(der::kNull, ""))); },
       Outcome::kRejectedByBoth},
      // RFC 2986 does not make the attributes field OPTIONAL, but OpenSSL 3.0 reads a CSR
      // without it, and so does FromDer (Go refuses it).
      {"NoAttributesField",
       [] {
         std::vector<std::string> f = BaseFields();
         f.pop_back();
         return Resign(f);
       },
       Outcome::kSame, true},
      {"TrailingFieldInInfo",
       [] {
         std::vector<std::string> f = BaseFields();
         f.push_back(der::Tlv(der::kNull, ""));
         return Resign(f);
       },
       Outcome::kRejectedByBoth},
      {"TrailingDataAfterCsr", [] { return Resign(BaseFields()) + std::string(1, '\0'); },
       Outcome::kRejectedByBoth},
      {"Truncated", [] { return Resign(BaseFields()).substr(0, 100); }, Outcome::kRejectedByBoth},
      // Two extension requests, or extensionRequest and msExtReq: OpenSSL uses the first
      // extensionRequest; FromDer refuses the CSR (DISAGREES, deliberately).
      {"TwoExtensionRequests",
       [=] { return Resign(WithField(kAttributes, Attributes(ext_req + ext_req))); },
       Outcome::kStricter},
      {"ExtensionRequestAndMsExtReq",
       [=] { return Resign(WithField(kAttributes, Attributes(ms_req + ext_req))); },
       Outcome::kStricter},
      // An extensionRequest with no value: OpenSSL reads it as "no extensions"; with two values
      // it uses the first. FromDer refuses both (DISAGREES).
      {"ExtensionRequestWithoutValue",
       [] {
         return Resign(WithField(kAttributes, Attributes(Attribute(kOidExtensionRequest, ""))));
       },
       Outcome::kStricter},
      {"ExtensionRequestWithTwoValues",
       [=] {
         const std::string exts = der::Tlv(der::kSequence, san);
         return Resign(
             WithField(kAttributes, Attributes(Attribute(kOidExtensionRequest, exts + exts))));
       },
       Outcome::kStricter},
      // An extensionRequest value that is not Extensions: d2i_X509_REQ parses the CSR and
      // X509_REQ_get_extensions fails; FromDer fails at once.
      {"ExtensionRequestNotASequence",
       [] {
         return Resign(WithField(
             kAttributes,
             Attributes(Attribute(kOidExtensionRequest, der::Tlv(der::kOctetString, "x")))));
       },
       Outcome::kStricter},
      {"MalformedExtensionInRequest",
       [] {
         const std::string ext = der::Tlv(der::kSequence, der::Tlv(der::kInteger, "\x01"));
         return Resign(
             WithField(kAttributes,
                       Attributes(Attribute(kOidExtensionRequest, der::Tlv(der::kSequence, ext)))));
       },
       Outcome::kStricter},
      // FromDer skips attributes other than the extension requests without decoding their
      // values or checking their OID; OpenSSL decodes every attribute and refuses these CSRs.
      // DISAGREES (FromDer is laxer; the skipped attributes are never used).
      {"MalformedValueInUnrelatedAttribute",
       [] {
         // challengePassword whose UTF8String claims a 6-octet length it does not have.
         return Resign(WithField(
             kAttributes,
             Attributes(Attribute(kOidChallengePassword, std::string("\x0c\x86s3cret", 8)))));
       },
       Outcome::kLaxer, true},
      {"InvalidOidInUnrelatedAttribute",
       [] {
         // 1.2.840.113549.1.9.<unterminated>: the last OID octet has its continuation bit set.
         const std::string bad_oid("\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09\xf7", 11);
         return Resign(WithField(
             kAttributes, Attributes(Attribute(bad_oid, der::Tlv(der::kPrintableString, "x")))));
       },
       Outcome::kLaxer, true},
      {"AttributeWithoutValues",
       [] {
         return Resign(
             WithField(kAttributes, Attributes(der::Tlv(der::kSequence, kOidChallengePassword))));
       },
       Outcome::kRejectedByBoth},
      // Subject corruption: a CN whose string type is BOOLEAN.
      {"SubjectValueWrongType",
       [] {
         std::string subject = BaseFields()[kSubject];
         const size_t pos = subject.find("csr.example.com");
         CAIRN_CHECK(pos != std::string::npos && pos >= 2);
         subject[pos - 2] = 0x01;
         return Resign(WithField(kSubject, subject));
       },
       Outcome::kRejectedByBoth},
      {"SubjectNotASequence", [] { return Resign(WithField(kSubject, der::Tlv(der::kSet, ""))); },
       Outcome::kRejectedByBoth},
      // A key OpenSSL cannot decode: d2i_X509_REQ still parses (with no key); FromDer refuses,
      // as csr.h documents.
      {"PublicKeyNotOnCurve",
       [] {
         std::string spki = BaseFields()[kSpki];
         spki.back() ^= 0x01;
         return Resign(WithField(kSpki, spki));
       },
       Outcome::kStricter},
      {"PublicKeyUnknownAlgorithm",
       [] {
         return Resign(WithField(
             kSpki, der::Tlv(der::kSequence,
                             der::Tlv(der::kSequence, std::string("\x06\x03\x2a\x03\x04", 5)) +
                                 der::Tlv(der::kBitString, std::string("\x00\x01", 2)))));
       },
       Outcome::kStricter},
      // Signatures and algorithms.
      {"SignatureAlgorithmEcdsaOnRsaKey",
       [] { return WithAlgorithm(MakeCsr({.key = "RSA"}), kAlgEcdsaSha256); }, Outcome::kSame,
       false},
      {"SignatureAlgorithmRsaOnEcKey",
       [] { return WithAlgorithm(MakeCsr({.key = "P-256"}), kAlgRsaSha256); }, Outcome::kSame,
       false},
      {"SignatureAlgorithmEd25519OnEcKey",
       [] { return WithAlgorithm(MakeCsr({.key = "P-256"}), kAlgEd25519); }, Outcome::kSame, false},
      {"SignatureAlgorithmEcdsaOnEd25519Key",
       [] { return WithAlgorithm(MakeCsr({.key = "Ed25519", .md = nullptr}), kAlgEcdsaSha256); },
       Outcome::kSame, false},
      {"SignatureAlgorithmSha384ForSha256Signature",
       [] {
         return WithAlgorithm(
             MakeCsr({.key = "P-256"}),
             der::Tlv(der::kSequence, std::string("\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x03", 10)));
       },
       Outcome::kSame, false},
      // RFC 8410 §3: the parameters MUST be absent. OpenSSL 3.0's X509_REQ_verify accepts NULL
      // parameters; FromDer + VerifySignature refuse them, as Go does. DISAGREES (stricter).
      {"Ed25519AlgorithmWithNullParams",
       [] {
         return WithAlgorithm(
             MakeCsr({.key = "Ed25519", .md = nullptr}),
             der::Tlv(der::kSequence, std::string("\x06\x03\x2b\x65\x70\x05\x00", 7)));
       },
       Outcome::kVerifiesStricter, false},
      {"RsaAlgorithmWithoutNullParams",
       [] {
         return WithAlgorithm(
             MakeCsr({.key = "RSA"}),
             der::Tlv(der::kSequence,
                      std::string("\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b", 11)));
       },
       Outcome::kSame, true},
      {"EcdsaAlgorithmWithNullParams",
       [] {
         return WithAlgorithm(MakeCsr({.key = "P-256"}),
                              der::Tlv(der::kSequence, std::string("\x06\x08\x2a\x86\x48\xce\x3d"
                                                                   "\x04\x03\x02\x05\x00",
                                                                   12)));
       },
       Outcome::kSame, true},
      {"UnknownSignatureAlgorithm",
       [] {
         return WithAlgorithm(MakeCsr({.key = "P-256"}),
                              der::Tlv(der::kSequence, std::string("\x06\x03\x2a\x03\x04", 5)));
       },
       Outcome::kSame, false},
      {"SignatureFlipped",
       [] {
         CsrParts p = Split(MakeCsr({.key = "Ed25519", .md = nullptr}));
         p.signature[10] ^= 0x80;
         return Join(p);
       },
       Outcome::kSame, false},
      {"SignatureEmpty",
       [] {
         CsrParts p = Split(MakeCsr({.key = "P-256"}));
         p.signature = std::string(1, '\0');
         return Join(p);
       },
       Outcome::kSame, false},
      // A signature BIT STRING with unused bits: X509_REQ_verify refuses it, FromDer refuses to
      // parse it. Either way it never verifies.
      {"SignatureWithUnusedBits",
       [] {
         CsrParts p = Split(MakeCsr({.key = "RSA"}));
         p.signature[0] = 0x01;
         p.signature.back() = static_cast<char>(p.signature.back() & 0xfe);
         return Join(p);
       },
       Outcome::kStricter},
      // BER, not DER, in the outer framing: OpenSSL reads (and verifies) it; FromDer's strict DER
      // reader refuses it (DISAGREES, harmlessly: Go's DER parser refuses it too).
      {"NonMinimalOuterLength",
       [] {
         const std::string der = MakeCsr({.key = "P-256"});
         CAIRN_CHECK(static_cast<uint8_t>(der[1]) == 0x81);
         return std::string("\x30\x82\x00", 3) + der.substr(2);
       },
       Outcome::kStricter},
  };
}

class CsrHandTest : public ::testing::TestWithParam<HandCase> {};

TEST_P(CsrHandTest, AgreesWithOpenssl) {
  const HandCase& c = GetParam();
  const std::string der = c.der();
  const OpensslView v = AskOpenssl(der);
  ERR_clear_error();
  auto csr = CertificateRequest::FromDer(der);
  EXPECT_EQ(ERR_peek_error(), 0u) << "error queue left dirty";
  SCOPED_TRACE("CSR " + HexEncode(der));
  RecordProperty("openssl", v.req ? (v.verifies ? "parses, verifies" : "parses") : "rejects");
  RecordProperty("cairn", csr.ok() ? (csr->VerifySignature().ok() ? "parses, verifies" : "parses")
                                   : "rejects");
  switch (c.outcome) {
    case Outcome::kSame:
      ASSERT_TRUE(v.req) << "OpenSSL rejects it: the case is wrong";
      CAIRN_ASSERT_OK(csr);
      ExpectSameAsOpenssl(*csr, v);
      EXPECT_EQ(csr->VerifySignature().ok(), c.verifies);
      EXPECT_EQ(ERR_peek_error(), 0u) << "error queue left dirty";
      break;
    case Outcome::kRejectedByBoth:
      EXPECT_FALSE(v.req) << "OpenSSL parses it: the case is wrong";
      EXPECT_EQ(csr.status().code(), StatusCode::kInvalidArgument);
      break;
    case Outcome::kStricter:
      EXPECT_TRUE(v.req) << "OpenSSL rejects it too: the case is wrong";
      EXPECT_EQ(csr.status().code(), StatusCode::kInvalidArgument);
      break;
    case Outcome::kVerifiesStricter: {
      ASSERT_TRUE(v.req);
      ASSERT_TRUE(v.verifies) << "OpenSSL does not verify it: the case is wrong";
      CAIRN_ASSERT_OK(csr);
      EXPECT_FALSE(csr->VerifySignature().ok());
      EXPECT_EQ(csr->raw_subject(), v.subject_der);
      EXPECT_EQ(EVP_PKEY_eq(csr->public_key().get(), v.key), 1);
      break;
    }
    case Outcome::kLaxer:
      EXPECT_FALSE(v.req) << "OpenSSL parses it: the case is wrong";
      CAIRN_ASSERT_OK(csr);
      EXPECT_EQ(csr->VerifySignature().ok(), c.verifies);
      break;
  }
}

std::string HandCaseName(const ::testing::TestParamInfo<HandCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Csrs, CsrHandTest, ::testing::ValuesIn(HandCases()), HandCaseName);

// --- 3c. Keys that let anyone sign -----------------------------------------------------------

// FreeWith deletes with an OpenSSL free function (for types ossl_ptr.h does not cover).
template <auto Fn>
struct FreeWith {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};

// CsrWithKey returns a CSR for `spki` (the base subject and attributes) with `signature` over
// its CertificationRequestInfo produced by `sign`.
std::string CsrWithKey(const std::string& spki, const std::string& algorithm,
                       const std::function<std::string(const std::string& info)>& sign) {
  std::vector<std::string> fields = BaseFields();
  fields[kSpki] = spki;
  std::string contents;
  for (const auto& f : fields) contents += f;
  CsrParts p;
  p.info = der::Tlv(der::kSequence, contents);
  p.algorithm = algorithm;
  p.signature = std::string(1, '\0') + sign(p.info);
  return Join(p);
}

std::string Sha256(std::string_view data) {
  unsigned char digest[32];
  CAIRN_CHECK(EVP_Digest(data.data(), data.size(), digest, nullptr, EVP_sha256(), nullptr) == 1);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

// A CSR proves possession of its key only if nobody else can sign for that key. The two keys
// below are accepted by OpenSSL (d2i_X509_REQ + X509_REQ_verify say the forged CSRs verify) but
// not by Go (step-ca): x509.ParseCertificateRequest rejects the point at infinity, and
// rsa.VerifyPKCS1v15 refuses an exponent below 2. Cairn must not accept either.
TEST(CsrForgeryTest, PointAtInfinityKeyDoesNotVerify) {
  const std::string spki =
      der::Tlv(der::kSequence,
               der::Tlv(der::kSequence, std::string("\x06\x07\x2a\x86\x48\xce\x3d\x02\x01"
                                                    "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07",
                                                    19)) +
                   der::Tlv(der::kBitString, std::string(2, '\0')));
  // With Q = O, verification checks x(u1·G) = r where u1 = e/s: take r = x(k·G), s = e/k.
  const std::string csr = CsrWithKey(spki, kAlgEcdsaSha256, [](const std::string& info) {
    const std::string digest = Sha256(info);
    std::unique_ptr<EC_GROUP, FreeWith<EC_GROUP_free>> group(
        EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
    std::unique_ptr<EC_POINT, FreeWith<EC_POINT_free>> point(EC_POINT_new(group.get()));
    ossl::UniquePtr<BN_CTX> ctx(BN_CTX_new());
    ossl::UniquePtr<BIGNUM> k(BN_new()), k_inv(BN_new()), x(BN_new());
    ossl::UniquePtr<BIGNUM> e(BN_bin2bn(Bytes(digest), 32, nullptr));
    ossl::UniquePtr<BIGNUM> r(BN_new()), s(BN_new());
    const BIGNUM* order = EC_GROUP_get0_order(group.get());
    CAIRN_CHECK(BN_set_word(k.get(), 7) == 1 &&
                EC_POINT_mul(group.get(), point.get(), k.get(), nullptr, nullptr, ctx.get()) == 1 &&
                EC_POINT_get_affine_coordinates(group.get(), point.get(), x.get(), nullptr,
                                                ctx.get()) == 1 &&
                BN_nnmod(r.get(), x.get(), order, ctx.get()) == 1 &&
                BN_mod_inverse(k_inv.get(), k.get(), order, ctx.get()) != nullptr &&
                BN_mod_mul(s.get(), e.get(), k_inv.get(), order, ctx.get()) == 1);
    ossl::UniquePtr<ECDSA_SIG> sig(ECDSA_SIG_new());
    CAIRN_CHECK(sig && ECDSA_SIG_set0(sig.get(), r.release(), s.release()) == 1);
    return I2d(sig.get(), i2d_ECDSA_SIG);
  });
  const OpensslView v = AskOpenssl(csr);
  EXPECT_TRUE(v.verifies) << "expected OpenSSL to be fooled; the forgery is wrong";
  auto parsed = CertificateRequest::FromDer(csr);
  if (parsed.ok()) {
    EXPECT_FALSE(parsed->VerifySignature().ok())
        << "a CSR for the point at infinity, signed without any private key, verifies";
  }
}

TEST(CsrForgeryTest, RsaExponentOneDoesNotVerify) {
  BIGNUM* n_raw = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(KeyNamed("RSA"), OSSL_PKEY_PARAM_RSA_N, &n_raw), 1);
  ossl::UniquePtr<BIGNUM> n(n_raw);
  std::string n_bytes(static_cast<size_t>(BN_num_bytes(n.get())) + 1, '\0');
  BN_bn2bin(n.get(), reinterpret_cast<unsigned char*>(n_bytes.data()) + 1);
  const std::string rsa_key =
      der::Tlv(der::kSequence, der::Tlv(der::kInteger, n_bytes) + der::Tlv(der::kInteger, "\x01"));
  const std::string spki =
      der::Tlv(der::kSequence,
               der::Tlv(der::kSequence,
                        std::string("\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00", 13)) +
                   der::Tlv(der::kBitString, std::string(1, '\0') + rsa_key));
  const size_t k = n_bytes.size() - 1;
  // With e = 1 the signature is the encoded message itself: EMSA-PKCS1-v1_5(SHA-256(info)).
  const std::string csr = CsrWithKey(spki, kAlgRsaSha256, [k](const std::string& info) {
    const std::string digest_info =
        std::string("\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20",
                    19) +
        Sha256(info);
    return std::string("\x00\x01", 2) + std::string(k - 3 - digest_info.size(), '\xff') +
           std::string(1, '\0') + digest_info;
  });
  const OpensslView v = AskOpenssl(csr);
  EXPECT_TRUE(v.verifies) << "expected OpenSSL to be fooled; the forgery is wrong";
  auto parsed = CertificateRequest::FromDer(csr);
  if (parsed.ok()) {
    EXPECT_FALSE(parsed->VerifySignature().ok())
        << "a CSR for an RSA key with e = 1, signed without any private key, verifies";
  }
}

// --- 3d. Random mutations -----------------------------------------------------------------------

// Every mutated CSR either fails to parse, or parses as OpenSSL parses it: same key, subject,
// extensions, and the same verdict on the signature. FromDer may refuse what OpenSSL reads (it
// is stricter, see CsrHandTest) but never a CSR that OpenSSL verifies.
TEST(CsrMutationTest, RandomMutationsAgreeWithOpenssl) {
  const std::string bases[] = {
      MakeCsr({.key = "P-256", .sans = kAllSansConf, .challenge_password = true}),
      MakeCsr({.key = "RSA", .sans = "DNS:rsa.example.com"}),
      MakeCsr({.key = "Ed25519", .md = nullptr, .sans = "DNS:ed.example.com"}),
  };
  std::mt19937 rng(4242);
  int parsed = 0, total = 0, laxer = 0;
  std::vector<std::string> problems;
  for (const std::string& base : bases) {
    for (int i = 0; i < 500; ++i) {
      std::string der = cairn::testing::Mutate(base, rng);
      if (i % 5 == 4) der = cairn::testing::Mutate(der, rng);
      ++total;
      const OpensslView v = AskOpenssl(der);
      ERR_clear_error();
      auto csr = CertificateRequest::FromDer(der);
      std::string why;
      if (ERR_peek_error() != 0) why = "error queue left dirty";
      if (csr.ok()) {
        ++parsed;
        if (!v.req) {
          // FromDer does not decode attributes it ignores (see CsrHandTest); what it reads
          // that OpenSSL cannot must at least never pass as signed.
          ++laxer;
          if (csr->VerifySignature().ok()) why = "FromDer verifies what d2i_X509_REQ rejects";
        } else if (v.key == nullptr || EVP_PKEY_eq(csr->public_key().get(), v.key) != 1) {
          why = "keys differ";
        } else if (csr->raw_subject() != v.subject_der) {
          why = "subjects differ";
        } else if (v.extensions_ok &&
                   (csr->extensions() != v.extensions || csr->sans() != v.sans)) {
          why = "extensions differ";
        } else if (csr->VerifySignature().ok() != v.verifies) {
          why = "signature verdicts differ";
        }
      } else if (v.verifies) {
        why = "FromDer rejects a CSR that OpenSSL verifies: " + csr.status().ToString();
      }
      ERR_clear_error();
      if (!why.empty()) problems.push_back(why + ": " + HexEncode(der));
    }
  }
  EXPECT_TRUE(problems.empty()) << problems.size() << " of " << total << " disagree, e.g.\n"
                                << (problems.empty() ? "" : problems[0]) << "\n"
                                << (problems.size() > 1 ? problems[1] : "");
  EXPECT_GT(parsed, 50);
  RecordProperty("laxer", laxer);
}

// --- 4. Certificates built by SignCertificate ---------------------------------------------------

struct SubjectCase {
  const char* name;
  const char* key;  // KeyNamed
  bool compressed;  // EC point written compressed
  KeyType type;
};

// PrintTo names the case in test listings.
void PrintTo(const SubjectCase& c, std::ostream* os) { *os << c.name; }

std::string SubjectSpki(const SubjectCase& c) {
  EVP_PKEY* key = KeyNamed(c.key);
  if (!c.compressed) return SpkiOf(key);
  ossl::UniquePtr<EVP_PKEY> dup(EVP_PKEY_dup(key));
  CAIRN_CHECK(dup && EVP_PKEY_set_utf8_string_param(
                         dup.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed") == 1);
  return SpkiOf(dup.get());
}

class IssuedCertificateTest : public ::testing::TestWithParam<SubjectCase> {};

TEST_P(IssuedCertificateTest, MatchesOpenssl) {
  const SubjectCase& c = GetParam();
  const std::string spki = SubjectSpki(c);
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey subject_key, PublicKey::FromDerAnyKind(spki));
  ASSERT_EQ(subject_key.type(), c.type);

  for (KeyType issuer_type : {KeyType::kEcP256, KeyType::kRsa, KeyType::kEd25519}) {
    SCOPED_TRACE("issuer " + std::string(crypto::KeyTypeName(issuer_type)));
    const testing::Ca root = testing::MakeRoot(issuer_type);
    CertificateTemplate tmpl = testing::LeafTemplate("leaf.example.com", kAllSans);
    CAIRN_ASSERT_OK_AND_ASSIGN(Certificate cert,
                               SignCertificate(tmpl, subject_key, &root.cert, *root.signer));
    EVP_PKEY* issuer_key = root.signer->public_key().get();

    // OpenSSL reads the DER, the signature verifies, the SPKI is the subject key's DER.
    const std::string& der = cert.der();
    const unsigned char* p = Bytes(der);
    ossl::UniquePtr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    ASSERT_TRUE(x);
    EXPECT_EQ(p, Bytes(der) + der.size());
    EXPECT_EQ(X509_verify(x.get(), issuer_key), 1);
    EXPECT_EQ(HexEncode(I2d(X509_get_X509_PUBKEY(x.get()), i2d_X509_PUBKEY)), HexEncode(spki));
    ASSERT_NE(X509_get0_pubkey(x.get()), nullptr);
    EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(x.get()), subject_key.get()), 1);

    // subjectKeyIdentifier = SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 (1)).
    const unsigned char* key_bits = nullptr;
    int key_bits_len = 0;
    ASSERT_EQ(X509_PUBKEY_get0_param(nullptr, &key_bits, &key_bits_len, nullptr,
                                     X509_get_X509_PUBKEY(x.get())),
              1);
    unsigned char sha1[20];
    ASSERT_EQ(
        EVP_Digest(key_bits, static_cast<size_t>(key_bits_len), sha1, nullptr, EVP_sha1(), nullptr),
        1);
    const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(x.get());
    ASSERT_NE(ski, nullptr);
    const std::string expected_ski(reinterpret_cast<char*>(sha1), sizeof(sha1));
    EXPECT_EQ(HexEncode(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ski)),
                                    static_cast<size_t>(ASN1_STRING_length(ski)))),
              HexEncode(expected_ski));
    EXPECT_EQ(HexEncode(cert.subject_key_id()), HexEncode(expected_ski));
    EXPECT_EQ(HexEncode(cert.authority_key_id()), HexEncode(root.cert.subject_key_id()));

    // The Certificate's key and its lazily parsed X509.
    EXPECT_TRUE(cert.public_key().Equals(subject_key));
    EXPECT_EQ(cert.public_key().ToDer().value_or(""), spki);
    X509* parsed = cert.get();
    ASSERT_NE(parsed, nullptr);
    EXPECT_EQ(cert.get(), parsed);  // parsed once
    ASSERT_NE(X509_get0_pubkey(parsed), nullptr);
    EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(parsed), subject_key.get()), 1);
    EXPECT_EQ(I2d(parsed, i2d_X509), der);
    EXPECT_EQ(X509_verify(parsed, issuer_key), 1);
    EXPECT_TRUE(cert.IsIssuedBy(root.cert));

    // What the builder's Certificate says equals what a parsed one says.
    CAIRN_ASSERT_OK_AND_ASSIGN(Certificate reparsed, Certificate::FromDer(der));
    EXPECT_TRUE(reparsed.public_key().Equals(subject_key));
    EXPECT_EQ(reparsed.public_key().type(), c.type);
    EXPECT_EQ(reparsed.serial_decimal(), cert.serial_decimal());
    EXPECT_EQ(reparsed.subject_string(), cert.subject_string());
    EXPECT_EQ(reparsed.issuer_string(), cert.issuer_string());
    EXPECT_EQ(reparsed.sans(), kAllSans);
    EXPECT_EQ(cert.sans(), kAllSans);
    EXPECT_EQ(reparsed.key_usage(), cert.key_usage());
    EXPECT_EQ(reparsed.ext_key_usage(), cert.ext_key_usage());
    EXPECT_EQ(reparsed.is_ca(), cert.is_ca());
    EXPECT_EQ(reparsed.extensions(), cert.extensions());
    EXPECT_EQ(reparsed.signature_algorithm(), cert.signature_algorithm());
    EXPECT_EQ(reparsed.not_before(), cert.not_before());
    EXPECT_EQ(reparsed.not_after(), cert.not_after());
    EXPECT_EQ(reparsed.subject_key_id(), cert.subject_key_id());
    EXPECT_TRUE(reparsed.IsIssuedBy(root.cert));
  }
}

std::string SubjectCaseName(const ::testing::TestParamInfo<SubjectCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(
    SubjectKeys, IssuedCertificateTest,
    ::testing::Values(SubjectCase{"P256", "P-256", false, KeyType::kEcP256},
                      SubjectCase{"P384", "P-384", false, KeyType::kEcP384},
                      SubjectCase{"P521", "P-521", false, KeyType::kEcP521},
                      SubjectCase{"P256Compressed", "P-256", true, KeyType::kEcP256},
                      SubjectCase{"Rsa", "RSA", false, KeyType::kRsa},
                      SubjectCase{"Ed25519", "Ed25519", false, KeyType::kEd25519},
                      // Kinds Cairn carries but does not support.
                      SubjectCase{"P224", "P-224", false, KeyType::kOther},
                      SubjectCase{"Ed448", "Ed448", false, KeyType::kOther},
                      SubjectCase{"RsaPss", "RSA-PSS", false, KeyType::kOther}),
    SubjectCaseName);

TEST(IssuedCertificateThreadTest, CopiesParseOnceAcrossThreads) {
  const testing::Ca root = testing::MakeRoot(KeyType::kEcP256);
  EVP_PKEY* issuer_key = root.signer->public_key().get();
  CAIRN_ASSERT_OK_AND_ASSIGN(PublicKey subject_key, PublicKey::FromDer(SpkiOf(KeyNamed("P-384"))));
  constexpr int kThreads = 8;
  for (int round = 0; round < 20; ++round) {
    CAIRN_ASSERT_OK_AND_ASSIGN(
        Certificate cert,
        SignCertificate(testing::LeafTemplate("t.example.com", {.dns = {"t.example.com"}}),
                        subject_key, &root.cert, *root.signer));
    std::vector<Certificate> copies(kThreads, cert);
    std::vector<X509*> seen(kThreads, nullptr);
    std::vector<int> ok(kThreads, 0);
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        // Half the threads use their own copy, half the shared original.
        const Certificate& mine = t % 2 == 0 ? copies[static_cast<size_t>(t)] : cert;
        X509* x = mine.get();
        seen[static_cast<size_t>(t)] = x;
        ok[static_cast<size_t>(t)] =
            x != nullptr && X509_get0_pubkey(x) != nullptr && X509_verify(x, issuer_key) == 1 &&
            mine.IsIssuedBy(root.cert) && mine.public_key().Equals(subject_key);
      });
    }
    for (auto& th : threads) th.join();
    ERR_clear_error();
    for (int t = 0; t < kThreads; ++t) {
      EXPECT_EQ(ok[static_cast<size_t>(t)], 1) << "round " << round << " thread " << t;
      EXPECT_EQ(seen[static_cast<size_t>(t)], cert.get()) << "round " << round;
    }
    EXPECT_EQ(I2d(cert.get(), i2d_X509), cert.der());
  }
}

}  // namespace
}  // namespace cairn::pki
