#include "jose/jwk.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "base/encoding.h"
#include "jose/test_util.h"
#include "testing/fakes.h"

namespace cairn::jose {
namespace {

using ::cairn::jose::testing::ReadTestdata;
using ::testing::HasSubstr;

TEST(JwkTest, ParsesRfc7520RsaKey) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(ReadTestdata("rfc7520_3_4_rsa.json")));
  EXPECT_EQ(key.kty(), "RSA");
  EXPECT_EQ(key.kid(), "bilbo.baggins@hobbiton.example");
  EXPECT_EQ(key.use(), "sig");
  EXPECT_EQ(key.alg(), "");
  EXPECT_TRUE(key.is_private());
  EXPECT_FALSE(key.is_symmetric());
  EXPECT_EQ(key.rsa_bits(), 2048);
  EXPECT_EQ(key.DefaultAlg(), "RS256");
  EXPECT_NE(key.pkey(), nullptr);
}

TEST(JwkTest, ParsesRfc7520EcP521Key) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(ReadTestdata("rfc7520_3_2_ec_p521.json")));
  EXPECT_EQ(key.kty(), "EC");
  EXPECT_EQ(key.crv(), "P-521");
  EXPECT_EQ(key.ec_coordinate_size(), 66);
  EXPECT_TRUE(key.is_private());
  EXPECT_EQ(key.DefaultAlg(), "ES512");
  EXPECT_EQ(key.rsa_bits(), 0);
}

TEST(JwkTest, ParsesRfc7520SymmetricKey) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(ReadTestdata("rfc7520_3_5_oct.json")));
  EXPECT_TRUE(key.is_symmetric());
  EXPECT_TRUE(key.is_private());
  EXPECT_EQ(key.alg(), "HS256");
  EXPECT_EQ(key.DefaultAlg(), "HS256");
  EXPECT_EQ(key.symmetric_key().size(), 32u);
  EXPECT_EQ(key.pkey(), nullptr);
  EXPECT_FALSE(key.ToPkey().ok());
}

TEST(JwkTest, Rfc7638ThumbprintExample) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(ReadTestdata("rfc7638_3_1_rsa.json")));
  EXPECT_EQ(key.Thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  // Optional members do not change the thumbprint.
  Jwk bare = key;
  bare.set_kid("");
  bare.set_alg("");
  EXPECT_EQ(bare.Thumbprint(), key.Thumbprint());
}

TEST(JwkTest, Rfc8037Ed25519Thumbprint) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(ReadTestdata("rfc8037_a1_ed25519.json")));
  EXPECT_EQ(key.kty(), "OKP");
  EXPECT_EQ(key.crv(), "Ed25519");
  EXPECT_EQ(key.DefaultAlg(), "EdDSA");
  // RFC 8037 §A.3.
  EXPECT_EQ(key.Thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(JwkTest, StepProvisionerKidIsTheThumbprint) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(ReadTestdata("step_ott_mariano_pub.jwk")));
  EXPECT_FALSE(key.is_private());
  EXPECT_EQ(key.Thumbprint(), "FLIV7q23CXHrg75J2OSbvzwKJJqoxCYixjmsJirneOg");
  EXPECT_EQ(key.Thumbprint(), key.kid());
}

TEST(JwkTest, ThumbprintsOfTheRfc7520Keys) {
  // The same keys, thumbprinted by Debian's `jose jwk thp` (an independent implementation).
  struct Case {
    const char* file;
    const char* thumbprint;
  } cases[] = {
      {"rfc7520_3_4_rsa.json", "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"},
      {"rfc7520_3_2_ec_p521.json", "dHri3SADZkrush5HU_50AoRhcKFryN-PI6jPBtPL55M"},
      {"rfc7520_3_5_oct.json", "RtoRur_1Dir5M4wuOfqNkDYOf9O_4RJ-aHkTA75RLA8"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(ReadTestdata(c.file)));
    EXPECT_EQ(key.Thumbprint(), c.thumbprint);
  }
}

TEST(JwkTest, ToJsonPublicHasNoPrivateMembers) {
  for (const char* file :
       {"rfc7520_3_4_rsa.json", "rfc7520_3_2_ec_p521.json", "rfc8037_a1_ed25519.json"}) {
    SCOPED_TRACE(file);
    CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(ReadTestdata(file)));
    nlohmann::json pub = key.ToJson(false);
    for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "k"}) EXPECT_FALSE(pub.contains(m)) << m;
    CAIRN_ASSERT_OK_AND_ASSIGN(Jwk reparsed, Jwk::FromJson(pub));
    EXPECT_FALSE(reparsed.is_private());
    EXPECT_EQ(reparsed.Thumbprint(), key.Thumbprint());

    nlohmann::json priv = key.ToJson(true);
    CAIRN_ASSERT_OK_AND_ASSIGN(Jwk reparsed_priv, Jwk::FromJson(priv));
    EXPECT_TRUE(reparsed_priv.is_private());
    EXPECT_EQ(reparsed_priv.ToJson(true), priv);
    // The private members round-trip byte for byte against the input file.
    nlohmann::json original = nlohmann::json::parse(ReadTestdata(file));
    EXPECT_EQ(priv["d"], original["d"]);
  }
}

TEST(JwkTest, OctPublicViewCarriesNoSecret) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(ReadTestdata("rfc7520_3_5_oct.json")));
  EXPECT_FALSE(key.ToJson(false).contains("k"));
  EXPECT_EQ(key.ToJsonString(false).find("\"k\""), std::string::npos);
  EXPECT_TRUE(key.ToJson(true).contains("k"));
}

TEST(JwkTest, ToJsonStringUsesGoJoseOrder) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(ReadTestdata("step_ott_mariano_pub.jwk")));
  EXPECT_EQ(
      key.ToJsonString(false),
      "{\"use\":\"sig\",\"kty\":\"EC\",\"kid\":\"FLIV7q23CXHrg75J2OSbvzwKJJqoxCYixjmsJirneOg\","
      "\"crv\":\"P-256\",\"alg\":\"ES256\",\"x\":\"tTKthEHN7RuybhkaC43J2oLfBG995FNSWbtahLAiK7Y\","
      "\"y\":\"e3wycXwVB366F0wLE5J9gIpq8EIQ4900nHBNpIGebEA\"}");
}

TEST(JwkTest, PublicKeyDropsPrivateMembers) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Parse(ReadTestdata("rfc7520_3_4_rsa.json")));
  Jwk pub = key.PublicKey();
  EXPECT_FALSE(pub.is_private());
  EXPECT_EQ(pub.kid(), key.kid());
  EXPECT_EQ(pub.Thumbprint(), key.Thumbprint());
  EXPECT_FALSE(pub.ToJson(true).contains("d"));
  EXPECT_EQ(EVP_PKEY_eq(pub.pkey(), key.pkey()), 1);
}

TEST(JwkTest, CopiesOutliveTheOriginal) {
  Jwk copy;
  {
    CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Generate("EC"));
    copy = key;
    EXPECT_EQ(copy.pkey(), key.pkey());  // shared reference
  }
  EXPECT_TRUE(copy.is_private());
  CAIRN_ASSERT_OK_AND_ASSIGN(auto pkey, copy.ToPkey());
  EXPECT_EQ(EVP_PKEY_get_bits(pkey.get()), 256);
}

TEST(JwkTest, FromPkeyRoundTrips) {
  for (const char* type : {"EC", "ED25519", "RSA"}) {
    SCOPED_TRACE(type);
    ossl::UniquePtr<EVP_PKEY> pkey(
        std::string(type) == "EC"    ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384")
        : std::string(type) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    ASSERT_TRUE(pkey);
    CAIRN_ASSERT_OK_AND_ASSIGN(Jwk pub, Jwk::FromPkey(pkey.get(), false));
    EXPECT_FALSE(pub.is_private());
    CAIRN_ASSERT_OK_AND_ASSIGN(Jwk priv, Jwk::FromPkey(pkey.get(), true));
    EXPECT_TRUE(priv.is_private());
    EXPECT_EQ(pub.Thumbprint(), priv.Thumbprint());
    CAIRN_ASSERT_OK_AND_ASSIGN(auto back, priv.ToPkey());
    EXPECT_EQ(EVP_PKEY_eq(back.get(), pkey.get()), 1);
    // A public-only key cannot become private.
    CAIRN_ASSERT_OK_AND_ASSIGN(auto pub_pkey, pub.ToPkey());
    EXPECT_EQ(Jwk::FromPkey(pub_pkey.get(), true).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(Jwk::FromPkey(nullptr, false).ok());
}

TEST(JwkTest, FromPkeyRejectsUnsupportedCurves) {
  ossl::UniquePtr<EVP_PKEY> pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"));
  ASSERT_TRUE(pkey);
  EXPECT_EQ(Jwk::FromPkey(pkey.get(), false).status().code(), StatusCode::kInvalidArgument);
}

TEST(JwkTest, GenerateTable) {
  struct Case {
    const char* kty;
    const char* crv;
    int size;
    const char* want_alg;
    const char* want_crv;
  } cases[] = {
      {"EC", "", 0, "ES256", "P-256"},      {"EC", "P-384", 0, "ES384", "P-384"},
      {"EC", "P-521", 0, "ES512", "P-521"}, {"OKP", "", 0, "EdDSA", "Ed25519"},
      {"RSA", "", 0, "RS256", ""},          {"oct", "", 0, "HS256", ""},
      {"oct", "", 64, "HS256", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.kty) + " " + c.crv + " " + std::to_string(c.size));
    CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Generate(c.kty, c.crv, c.size));
    EXPECT_EQ(key.kty(), c.kty);
    EXPECT_EQ(key.crv(), c.want_crv);
    EXPECT_EQ(key.alg(), c.want_alg);
    EXPECT_EQ(key.use(), "sig");
    EXPECT_EQ(key.kid(), key.Thumbprint());
    EXPECT_TRUE(key.is_private());
    if (std::string(c.kty) == "RSA") {
      EXPECT_EQ(key.rsa_bits(), 2048);
    }
    if (std::string(c.kty) == "oct") {
      EXPECT_EQ(key.symmetric_key().size(), static_cast<size_t>(c.size ? c.size : 32));
    }
    // What we write, we read back identically.
    CAIRN_ASSERT_OK_AND_ASSIGN(Jwk back, Jwk::Parse(key.ToJsonString(true)));
    EXPECT_EQ(back.ToJson(true), key.ToJson(true));
  }
  // Two generated keys differ.
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk a, Jwk::Generate("EC"));
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk b, Jwk::Generate("EC"));
  EXPECT_NE(a.kid(), b.kid());
}

TEST(JwkTest, GenerateRejectsBadParameters) {
  EXPECT_FALSE(Jwk::Generate("RSA", "", 1024).ok());
  EXPECT_FALSE(Jwk::Generate("RSA", "", 100000).ok());
  EXPECT_FALSE(Jwk::Generate("EC", "P-224").ok());
  EXPECT_FALSE(Jwk::Generate("OKP", "X25519").ok());
  EXPECT_FALSE(Jwk::Generate("oct", "", 8).ok());
  EXPECT_FALSE(Jwk::Generate("oct", "", 4096).ok());
  EXPECT_FALSE(Jwk::Generate("DSA").ok());
}

// A valid P-256 public key to derive malformed variants from.
nlohmann::json ValidEc() { return nlohmann::json::parse(ReadTestdata("step_ott_mariano_pub.jwk")); }

std::string Flip(const std::string& b64) {
  std::string raw = Base64UrlDecode(b64).value();
  raw.back() = static_cast<char>(raw.back() ^ 1);
  return Base64UrlEncode(raw);
}

TEST(JwkTest, RejectsMalformedKeys) {
  auto with = [](nlohmann::json j, const char* member, nlohmann::json value) {
    if (value.is_null()) {
      j.erase(member);
    } else {
      j[member] = value;
    }
    return j;
  };
  nlohmann::json ec = ValidEc();
  nlohmann::json rsa = nlohmann::json::parse(ReadTestdata("rfc7520_3_4_rsa.json"));
  nlohmann::json ed = nlohmann::json::parse(ReadTestdata("rfc8037_a1_ed25519.json"));
  struct Case {
    const char* name;
    nlohmann::json jwk;
  } cases[] = {
      {"point not on curve", with(ec, "y", Flip(ec["y"]))},
      {"short x", with(ec, "x", Base64UrlEncode(std::string(31, 'a')))},
      {"missing y", with(ec, "y", nullptr)},
      {"unknown curve", with(ec, "crv", "P-192")},
      {"crv not a string", with(ec, "crv", 256)},
      {"missing kty", with(ec, "kty", nullptr)},
      {"unknown kty", with(ec, "kty", "DSA")},
      {"kty not a string", with(ec, "kty", 1)},
      {"kid not a string", with(ec, "kid", nlohmann::json::array())},
      {"padded base64", with(ec, "x", ec["x"].get<std::string>() + "=")},
      {"standard base64 alphabet", with(ec, "x", "+" + ec["x"].get<std::string>().substr(1))},
      {"d does not match", with(ec, "d", Base64UrlEncode(std::string(31, '\0') + "\x07"))},
      {"d wrong length", with(ec, "d", Base64UrlEncode(std::string(16, '\x01')))},
      {"ed25519 d mismatch", with(ed, "d", Flip(ed["d"]))},
      {"ed25519 short x", with(ed, "x", Base64UrlEncode(std::string(31, 'a')))},
      {"X25519 is not for signing", with(ed, "crv", "X25519")},
      {"rsa n != p*q", with(rsa, "p", Flip(rsa["p"]))},
      {"rsa even modulus", with(rsa, "n", Flip(rsa["n"]))},
      {"rsa partial crt", with(rsa, "qi", nullptr)},
      {"rsa multi-prime", with(rsa, "oth", nlohmann::json::array())},
      {"rsa e = 1", with(rsa, "e", "AQ")},
      {"rsa tiny modulus", with(with(rsa, "n", "AQAB"), "d", nullptr)},
      {"empty oct", nlohmann::json{{"kty", "oct"}, {"k", ""}}},
      {"empty d", with(ec, "d", "")},
      {"empty rsa p", with(with(rsa, "p", ""), "q", "")},
      {"not an object", nlohmann::json::array({1, 2})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Jwk> r = Jwk::FromJson(c.jwk);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(JwkTest, ParseRejectsBadJsonText) {
  EXPECT_FALSE(Jwk::Parse("").ok());
  EXPECT_FALSE(Jwk::Parse("{").ok());
  EXPECT_FALSE(Jwk::Parse("[]").ok());
  // Duplicate member names are refused rather than resolved silently.
  Result<Jwk> dup = Jwk::Parse(R"({"kty":"oct","k":"AAAA","k":"BBBB"})");
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(), HasSubstr("duplicate"));
  // Nesting is bounded.
  std::string deep =
      R"({"kty":"oct","k":"AAAA","x5c":)" + std::string(100, '[') + std::string(100, ']') + "}";
  Result<Jwk> d = Jwk::Parse(deep);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("deeper"));
  // Size is bounded.
  std::string big = R"({"kty":"oct","k":"AAAA","pad":")" + std::string(70000, 'a') + "\"}";
  EXPECT_FALSE(Jwk::Parse(big).ok());
  // Invalid UTF-8 is refused.
  EXPECT_FALSE(Jwk::Parse("{\"kty\":\"oct\",\"k\":\"AAAA\",\"kid\":\"\xff\"}").ok());
}

TEST(JwkTest, IgnoresUnknownMembers) {
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Jwk key, Jwk::Parse(R"({"kty":"oct","k":"AAAA","key_ops":["sign"],"ext":true})"));
  EXPECT_EQ(key.ToJson(true), (nlohmann::json{{"kty", "oct"}, {"k", "AAAA"}}));
}

TEST(JwkTest, EmptyJwkFailsEverywhere) {
  Jwk empty;
  EXPECT_EQ(empty.Thumbprint(), "");
  EXPECT_EQ(empty.DefaultAlg(), "");
  EXPECT_FALSE(empty.is_private());
  EXPECT_FALSE(empty.ToPkey().ok());
  EXPECT_EQ(empty.ToJsonString(true), "{}");
}

}  // namespace
}  // namespace cairn::jose
