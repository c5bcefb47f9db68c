// Tests of what cairn-acme-bench sends: JWS that Cairn's JOSE code verifies (with the header
// members RFC 8555 §6.2 wants), and CSRs for exactly one IP identifier.

#include <gtest/gtest.h>

#include "acme_jws.h"
#include "base/encoding.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "pki/csr.h"
#include "testing/fakes.h"

namespace cairn::bench::acme {
namespace {

TEST(AccountKeyTest, JwkAndThumbprintMatchRfc7638) {
  CAIRN_ASSERT_OK_AND_ASSIGN(AccountKey key, AccountKey::Generate());
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk jwk, jose::Jwk::Parse(key.jwk()));
  EXPECT_EQ(jwk.kty(), "EC");
  EXPECT_EQ(key.thumbprint(), jwk.Thumbprint());
}

struct SignCase {
  const char* name;
  const char* kid;
  const char* payload;
};

class AccountKeySignTest : public ::testing::TestWithParam<SignCase> {};

TEST_P(AccountKeySignTest, VerifiesWithTheAccountKey) {
  const SignCase& c = GetParam();
  CAIRN_ASSERT_OK_AND_ASSIGN(AccountKey key, AccountKey::Generate());
  const std::string url = "https://127.0.0.1:8443/acme/acme/new-order";
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string body, key.Sign(url, "nonce-1", c.kid, c.payload));
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::ParsedJws jws, jose::ParseFlattened(body));
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk pub, jose::Jwk::Parse(key.jwk()));
  CAIRN_EXPECT_OK(jose::Verify(jws, pub));
  EXPECT_EQ(jws.alg, "ES256");
  EXPECT_EQ(jws.payload, c.payload);
  EXPECT_EQ(jws.header.value("nonce", ""), "nonce-1");
  EXPECT_EQ(jws.header.value("url", ""), url);
  if (std::string(c.kid).empty()) {
    EXPECT_FALSE(jws.header.contains("kid"));
    ASSERT_TRUE(jws.header.contains("jwk"));
    CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk embedded, jose::Jwk::FromJson(jws.header["jwk"]));
    EXPECT_EQ(embedded.Thumbprint(), key.thumbprint());
  } else {
    EXPECT_EQ(jws.header.value("kid", ""), c.kid);
    EXPECT_FALSE(jws.header.contains("jwk"));
  }
  // Another key's signature does not verify.
  CAIRN_ASSERT_OK_AND_ASSIGN(AccountKey other, AccountKey::Generate());
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk other_pub, jose::Jwk::Parse(other.jwk()));
  EXPECT_FALSE(jose::Verify(jws, other_pub).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Requests, AccountKeySignTest,
    ::testing::Values(SignCase{"NewAccountWithJwk", "", "{\"termsOfServiceAgreed\":true}"},
                      SignCase{"PostWithKid", "https://127.0.0.1:8443/acme/acme/account/abc", "{}"},
                      SignCase{"PostAsGet", "https://127.0.0.1:8443/acme/acme/account/abc", ""}),
    [](const ::testing::TestParamInfo<SignCase>& p) { return p.param.name; });

TEST(MakeIpCsrsTest, OneIpSanNoOtherName) {
  CAIRN_ASSERT_OK_AND_ASSIGN(std::vector<Csr> csrs, MakeIpCsrs(3, "127.0.0.1"));
  ASSERT_EQ(csrs.size(), 3u);
  for (const Csr& c : csrs) {
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string der, Base64UrlDecode(c.der_b64url));
    CAIRN_ASSERT_OK_AND_ASSIGN(pki::CertificateRequest csr, pki::CertificateRequest::FromDer(der));
    CAIRN_EXPECT_OK(csr.VerifySignature());
    EXPECT_EQ(csr.ip_addresses(), std::vector<std::string>{"127.0.0.1"});
    EXPECT_TRUE(csr.dns_names().empty());
    EXPECT_EQ(csr.subject_cn(), "");
  }
  EXPECT_NE(EVP_PKEY_eq(csrs[0].key.get(), csrs[1].key.get()), 1);
}

TEST(MakeIpCsrsTest, RejectsANonAddress) {
  EXPECT_EQ(MakeIpCsrs(1, "example.test").status().code(), StatusCode::kInvalidArgument);
}

TEST(RawEcdsaSignatureTest, RejectsMalformedAndOversized) {
  EXPECT_FALSE(RawEcdsaSignature("not DER", 32).has_value());
  // SEQUENCE { INTEGER 0x0100 (2 bytes), INTEGER 1 } does not fit 1-byte halves.
  const std::string der("\x30\x07\x02\x02\x01\x00\x02\x01\x01", 9);
  EXPECT_FALSE(RawEcdsaSignature(der, 1).has_value());
  auto raw = RawEcdsaSignature(der, 2);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(*raw, std::string("\x01\x00\x00\x01", 4));
}

}  // namespace
}  // namespace cairn::bench::acme
