#include "crypto/digest.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "testing/fakes.h"

namespace cairn::crypto {
namespace {

TEST(DigestTest, KnownAnswers) {
  // FIPS 180-2 "abc" vectors.
  EXPECT_EQ(HexEncode(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha384("abc")),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
  EXPECT_EQ(HexEncode(Sha512("abc")),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string d, Digest(HashAlg::kSha256, ""));
  EXPECT_EQ(HexEncode(d), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Digest(HashAlg::kNone, "x").status().code(), StatusCode::kInvalidArgument);
}

TEST(HmacTest, Rfc4231Vectors) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  const std::string key = "Jefe";
  const std::string data = "what do ya want for nothing?";
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string h256, Hmac(HashAlg::kSha256, key, data));
  EXPECT_EQ(HexEncode(h256), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string h384, Hmac(HashAlg::kSha384, key, data));
  EXPECT_EQ(HexEncode(h384),
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
            "8e2240ca5e69e2c78b3239ecfab21649");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string h512, Hmac(HashAlg::kSha512, key, data));
  EXPECT_EQ(HexEncode(h512),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  // RFC 4231 test case 1: 20 bytes of 0x0b, "Hi There".
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string h1,
                             Hmac(HashAlg::kSha256, std::string(20, '\x0b'), "Hi There"));
  EXPECT_EQ(HexEncode(h1), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // An empty key is legal.
  CAIRN_EXPECT_OK(Hmac(HashAlg::kSha256, "", "data"));
  EXPECT_EQ(Hmac(HashAlg::kNone, key, data).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::crypto
