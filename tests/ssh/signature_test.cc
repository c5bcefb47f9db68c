#include "ssh/signature.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ssh/ssh_keygen_for_test.h"
#include "ssh/wire.h"
#include "testing/fakes.h"

namespace cairn::ssh {
namespace {

using testing::AllKeyCases;
using testing::KeyFor;

TEST(SignatureTest, SignAndVerifyEachKeyType) {
  for (const auto& kc : AllKeyCases()) {
    SCOPED_TRACE(kc.name);
    crypto::KeySigner signer(KeyFor(kc, 2));
    const PublicKey key = PublicKey::FromCrypto(signer.public_key()).value();
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string sig, SignData(signer, "message"));
    EXPECT_EQ(SignatureFormat(sig).value(), kc.signature_format);
    CAIRN_EXPECT_OK(VerifySignature(key, "message", sig));
    EXPECT_EQ(VerifySignature(key, "messagE", sig).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(VerifySignature(key, "message", sig + "x").code(), StatusCode::kInvalidArgument);
  }
}

TEST(SignatureTest, EcdsaSignatureIsTwoMpints) {
  crypto::KeySigner signer(KeyFor(AllKeyCases()[3], 2));  // P-521
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string sig, SignData(signer, "m"));
  WireReader r(sig);
  EXPECT_EQ(r.ReadString().value(), "ecdsa-sha2-nistp521");
  WireReader rs(r.ReadString().value());
  EXPECT_TRUE(r.empty());
  auto sig_r = rs.ReadMpint();
  auto sig_s = rs.ReadMpint();
  ASSERT_TRUE(sig_r.ok() && sig_s.ok());
  EXPECT_LE(sig_r->size(), 66u);
  EXPECT_LE(sig_s->size(), 66u);
  EXPECT_TRUE(rs.empty());
}

TEST(SignatureTest, MismatchedOrMalformedSignaturesFail) {
  crypto::KeySigner ed(KeyFor(AllKeyCases()[0], 2));
  crypto::KeySigner p256(KeyFor(AllKeyCases()[1], 2));
  crypto::KeySigner p384(KeyFor(AllKeyCases()[2], 2));
  crypto::KeySigner rsa(KeyFor(AllKeyCases()[4], 2));
  const PublicKey ed_key = PublicKey::FromCrypto(ed.public_key()).value();
  const PublicKey p256_key = PublicKey::FromCrypto(p256.public_key()).value();
  const PublicKey rsa_key = PublicKey::FromCrypto(rsa.public_key()).value();
  const std::string ed_sig = SignData(ed, "m").value();
  const std::string p384_sig = SignData(p384, "m").value();
  const std::string rsa_sig = SignData(rsa, "m", SignatureAlgorithm::kRsaSha256).value();

  auto blob = [](std::string_view format, std::string_view body) {
    WireWriter w;
    w.PutString(format);
    w.PutString(body);
    return w.Take();
  };
  auto rs = [](std::string_view r, std::string_view s) {
    WireWriter w;
    w.PutString(r);  // raw mpint bodies
    w.PutString(s);
    return w.Take();
  };
  WireReader rr(rsa_sig);
  (void)rr.ReadString();
  const std::string rsa_body(rr.ReadString().value());

  struct Case {
    std::string name;
    const PublicKey* key;
    std::string sig;
  };
  const std::vector<Case> cases = {
      {"ed25519 signature, ecdsa key", &p256_key, ed_sig},
      {"p384 signature, p256 key", &p256_key, p384_sig},
      {"ed25519 signature 63 bytes", &ed_key, blob("ssh-ed25519", std::string(63, 'a'))},
      {"ecdsa r = 0", &p256_key, blob("ecdsa-sha2-nistp256", rs("", "\x01"))},
      {"ecdsa non-minimal r", &p256_key,
       blob("ecdsa-sha2-nistp256", rs(std::string("\x00\x01", 2), "\x01"))},
      {"ecdsa r too wide", &p256_key,
       blob("ecdsa-sha2-nistp256", rs(std::string(33, '\x01'), "\x01"))},
      {"ecdsa trailing data", &p256_key, blob("ecdsa-sha2-nistp256", rs("\x01", "\x01") + "x")},
      {"rsa as ssh-rsa (SHA-1)", &rsa_key, blob("ssh-rsa", rsa_body)},
      {"rsa-sha2-256 body labelled rsa-sha2-512", &rsa_key, blob("rsa-sha2-512", rsa_body)},
      {"rsa signature longer than modulus", &rsa_key, blob("rsa-sha2-256", "\x01" + rsa_body)},
      {"unknown format", &rsa_key, blob("rsa-sha2-384", rsa_body)},
      {"not a blob", &rsa_key, std::string("\x00\x00", 2)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(VerifySignature(*c.key, "m", c.sig).code(), StatusCode::kInvalidArgument);
  }
  CAIRN_EXPECT_OK(VerifySignature(rsa_key, "m", rsa_sig));
}

TEST(SignatureTest, RsaFormatsNeedRsaKeys) {
  EXPECT_EQ(SignatureFormatFor(crypto::KeyType::kRsa, SignatureAlgorithm::kDefault).value(),
            "rsa-sha2-512");
  EXPECT_EQ(SignatureFormatFor(crypto::KeyType::kRsa, SignatureAlgorithm::kRsaSha256).value(),
            "rsa-sha2-256");
  EXPECT_EQ(SignatureFormatFor(crypto::KeyType::kEcP384, SignatureAlgorithm::kDefault).value(),
            "ecdsa-sha2-nistp384");
  EXPECT_EQ(
      SignatureFormatFor(crypto::KeyType::kEd25519, SignatureAlgorithm::kRsaSha512).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(
      SignatureFormatFor(crypto::KeyType::kOther, SignatureAlgorithm::kDefault).status().code(),
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::ssh
