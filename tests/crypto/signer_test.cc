#include "crypto/signer.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/openssl_cli_for_test.h"
#include "testing/fakes.h"

namespace cairn::crypto {
namespace {

using ::cairn::testing::RunCommand;
using ::cairn::testing::TempDir;

struct SignerCase {
  KeySpec spec;
  HashAlg hash;
  const char* dgst_flag;  // for `openssl dgst`, "" for Ed25519 (pkeyutl -rawin)
};

class SignerTest : public ::testing::TestWithParam<SignerCase> {};

TEST_P(SignerTest, SignVerifyAndOpensslAgrees) {
  const SignerCase& c = GetParam();
  CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(c.spec));
  KeySigner signer(key);
  EXPECT_EQ(KeySigner::DefaultHashFor(signer.public_key()), c.hash);
  EXPECT_TRUE(signer.public_key().Equals(key.public_key()));

  const std::string msg = "the quick brown fox";
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string sig, signer.Sign(c.hash, msg));
  CAIRN_EXPECT_OK(VerifySignature(key.public_key(), c.hash, msg, sig));

  auto bad_msg = VerifySignature(key.public_key(), c.hash, msg + ".", sig);
  EXPECT_EQ(bad_msg.code(), StatusCode::kInvalidArgument);
  std::string flipped = sig;
  flipped[flipped.size() / 2] ^= 0x01;
  EXPECT_FALSE(VerifySignature(key.public_key(), c.hash, msg, flipped).ok());

  // A hash that does not suit the key is refused on both sides.
  const HashAlg wrong = c.hash == HashAlg::kNone ? HashAlg::kSha256 : HashAlg::kNone;
  EXPECT_EQ(signer.Sign(wrong, msg).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifySignature(key.public_key(), wrong, msg, sig).code(),
            StatusCode::kInvalidArgument);

  // The openssl CLI verifies our signature: proves the encoding (DER ECDSA, PKCS#1 v1.5, raw).
  TempDir dir;
  dir.Write("pub.pem", key.public_key().ToPem());
  dir.Write("msg", msg);
  dir.Write("sig", sig);
  std::string cmd;
  if (c.hash == HashAlg::kNone) {
    cmd = "openssl pkeyutl -verify -rawin -pubin -inkey " + dir.File("pub.pem") + " -in " +
          dir.File("msg") + " -sigfile " + dir.File("sig");
  } else {
    cmd = std::string("openssl dgst ") + c.dgst_flag + " -verify " + dir.File("pub.pem") +
          " -signature " + dir.File("sig") + " " + dir.File("msg");
  }
  auto r = RunCommand(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

INSTANTIATE_TEST_SUITE_P(
    AllKeys, SignerTest,
    ::testing::Values(SignerCase{{KeyType::kEcP256}, HashAlg::kSha256, "-sha256"},
                      SignerCase{{KeyType::kEcP384}, HashAlg::kSha384, "-sha384"},
                      SignerCase{{KeyType::kEcP521}, HashAlg::kSha512, "-sha512"},
                      SignerCase{{KeyType::kEd25519}, HashAlg::kNone, ""},
                      SignerCase{{KeyType::kRsa, 2048}, HashAlg::kSha256, "-sha256"}));

TEST(SignerTest, EcdsaSignaturesWithOtherHashes) {
  CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate({.type = KeyType::kEcP256}));
  KeySigner signer(key);
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string sig, signer.Sign(HashAlg::kSha512, "m"));
  CAIRN_EXPECT_OK(VerifySignature(key.public_key(), HashAlg::kSha512, "m", sig));
  EXPECT_FALSE(VerifySignature(key.public_key(), HashAlg::kSha256, "m", sig).ok());
}

TEST(EcdsaConversionTest, RoundTripsAndPads) {
  for (KeyType type : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kEcP521}) {
    SCOPED_TRACE(std::string(KeyTypeName(type)));
    CAIRN_ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate({.type = type}));
    KeySigner signer(key);
    const size_t width = EcdsaFieldBytes(type);
    for (int i = 0; i < 8; ++i) {  // a few signatures, so short r/s values get exercised
      CAIRN_ASSERT_OK_AND_ASSIGN(std::string der,
                                 signer.Sign(DefaultHashFor(key.public_key()), std::to_string(i)));
      CAIRN_ASSERT_OK_AND_ASSIGN(std::string raw, EcdsaDerToRaw(der, width));
      EXPECT_EQ(raw.size(), 2 * width);
      CAIRN_ASSERT_OK_AND_ASSIGN(std::string back, EcdsaRawToDer(raw));
      EXPECT_EQ(back, der);
    }
  }
  EXPECT_EQ(EcdsaFieldBytes(KeyType::kRsa), 0u);
  EXPECT_FALSE(EcdsaRawToDer("abc").ok());
  EXPECT_FALSE(EcdsaDerToRaw("\x30\x00", 32).ok());
  // r = 2^256 does not fit in 32 bytes.
  std::string wide = std::string("\x30\x27\x02\x21\x01", 5) + std::string(32, '\0') +
                     std::string("\x02\x02\x00\x80", 4);
  ASSERT_EQ(wide.size(), 0x29u);
  EXPECT_FALSE(EcdsaDerToRaw(wide, 32).ok());
}

}  // namespace
}  // namespace cairn::crypto
