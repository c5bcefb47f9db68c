#include "jose/jwe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"
#include "jose/test_util.h"
#include "testing/fakes.h"

namespace cairn::jose {
namespace {

using ::cairn::jose::testing::ReadTestdata;
using ::cairn::jose::testing::ReadToken;
using ::testing::HasSubstr;

// What step's `ca/testdata/secrets/ott_mariano_priv.jwk` decrypts to (password "password"),
// byte for byte: go-jose's member order.
constexpr char kMarianoPlaintext[] =
    R"({"use":"sig","kty":"EC","kid":"FLIV7q23CXHrg75J2OSbvzwKJJqoxCYixjmsJirneOg",)"
    R"("crv":"P-256","alg":"ES256","x":"tTKthEHN7RuybhkaC43J2oLfBG995FNSWbtahLAiK7Y",)"
    R"("y":"e3wycXwVB366F0wLE5J9gIpq8EIQ4900nHBNpIGebEA","d":"7_rUujtCANtHYUTs8a7Yds64rZYz41GiNLg48eK4NCo"})";

// A fast iteration count for tests that are not about the KDF cost.
constexpr int kFastP2c = 1000;

std::string Rfc7520Password() { return ReadTestdata("rfc7520_5_3_password.txt"); }

// WithHeader re-encodes the protected header of a compact JWE after `edit`.
template <typename F>
std::string WithHeader(const std::string& jwe, F edit) {
  std::vector<std::string> parts = Split(jwe, '.');
  nlohmann::json h = nlohmann::json::parse(Base64UrlDecode(parts[0]).value());
  edit(h);
  parts[0] = Base64UrlEncode(h.dump());
  return Join(parts, ".");
}

std::string FlipPart(const std::string& jwe, size_t i) {
  std::vector<std::string> parts = Split(jwe, '.');
  std::string raw = Base64UrlDecode(parts[i]).value();
  raw[0] = static_cast<char>(raw[0] ^ 0x01);
  parts[i] = Base64UrlEncode(raw);
  return Join(parts, ".");
}

TEST(JweRfc7520Test, Pbes2Hs512A256kwWithA128CbcHs256) {
  const std::string want = ReadTestdata("rfc7520_5_3_plaintext.json");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string got,
                             Decrypt(ReadToken("rfc7520_5_3_pbes2.jwe"), Rfc7520Password()));
  EXPECT_EQ(got, want);
  // The general JSON serialization of the same JWE (one recipient).
  CAIRN_ASSERT_OK_AND_ASSIGN(
      std::string got_json,
      Decrypt(ReadTestdata("rfc7520_5_3_pbes2_general.json"), Rfc7520Password()));
  EXPECT_EQ(got_json, want);

  CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::json h, PeekHeader(ReadToken("rfc7520_5_3_pbes2.jwe")));
  EXPECT_EQ(h["alg"], "PBES2-HS512+A256KW");
  EXPECT_EQ(h["enc"], "A128CBC-HS256");
  EXPECT_EQ(h["p2c"], 8192);
  EXPECT_EQ(h["cty"], "jwk-set+json");

  Result<std::string> wrong = Decrypt(ReadToken("rfc7520_5_3_pbes2.jwe"), "entrap_o-peter_long");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong.status().message(), "decrypting JWE: wrong password?");
}

// step's own files (smallstep/certificates ca/testdata): a *.jwk key file in JSON
// serialization and the same key as a ca.json compact encryptedKey (PBES2, p2c 100000,
// A128GCM, no cty).
TEST(JweStepTest, DecryptsStepKeyFileAndEncryptedKey) {
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string pt,
                             Decrypt(ReadTestdata("step_ott_mariano_priv.jwk"), "password"));
  EXPECT_EQ(pt, kMarianoPlaintext);

  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key,
                             DecryptJwk(ReadToken("step_mariano_encrypted_key.jwe"), "password"));
  EXPECT_TRUE(key.is_private());
  EXPECT_EQ(key.kid(), "FLIV7q23CXHrg75J2OSbvzwKJJqoxCYixjmsJirneOg");
  EXPECT_EQ(key.Thumbprint(), key.kid());
  // Our serialization of the decrypted key is byte-identical to step's.
  EXPECT_EQ(key.ToJsonString(true), kMarianoPlaintext);
  Jwk pub = Jwk::Parse(ReadTestdata("step_ott_mariano_pub.jwk")).value();
  EXPECT_EQ(pub.ToJson(false), key.ToJson(false));

  EXPECT_EQ(DecryptJwk(ReadToken("step_mariano_encrypted_key.jwe"), "pass").status().message(),
            "decrypting JWE: wrong password?");
}

TEST(JweTest, RoundTripEveryContentEncryption) {
  const std::string plaintext = "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"} and some more bytes";
  for (const char* enc :
       {"A128GCM", "A192GCM", "A256GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512"}) {
    SCOPED_TRACE(enc);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string jwe,
                               EncryptPbes2Compact(plaintext, "hunter2", kFastP2c, enc));
    EXPECT_EQ(Split(jwe, '.').size(), 5u);
    CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::json h, PeekHeader(jwe));
    EXPECT_EQ(h["alg"], "PBES2-HS256+A128KW");
    EXPECT_EQ(h["enc"], enc);
    EXPECT_EQ(h["p2c"], kFastP2c);
    EXPECT_EQ(h["cty"], "jwk+json");
    EXPECT_EQ(Base64UrlDecode(h["p2s"].get<std::string>()).value().size(), 16u);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string back, Decrypt(jwe, "hunter2"));
    EXPECT_EQ(back, plaintext);
    EXPECT_EQ(Decrypt(jwe, "hunter3").status().message(), "decrypting JWE: wrong password?");
  }
}

TEST(JweTest, HeaderLayoutMatchesStep) {
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string jwe, EncryptPbes2Compact("x", "pw", 100000));
  std::string header = Base64UrlDecode(Split(jwe, '.')[0]).value();
  EXPECT_THAT(header, ::testing::MatchesRegex(
                          R"(\{"alg":"PBES2-HS256\+A128KW","cty":"jwk\+json","enc":"A256GCM",)"
                          R"("p2c":100000,"p2s":"[A-Za-z0-9_-]{22}"\})"));
  // No cty when empty (old step files).
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string bare,
                             EncryptPbes2Compact("x", "pw", kFastP2c, "A128GCM", ""));
  EXPECT_FALSE(PeekHeader(bare).value().contains("cty"));
}

TEST(JweTest, JsonSerializationAsStepWritesKeyFiles) {
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string json, EncryptPbes2Json("secret", "pw", kFastP2c));
  // Members in step's order, two-space indentation, no trailing newline.
  nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(json);
  std::vector<std::string> names;
  for (const auto& item : parsed.items()) names.push_back(item.key());
  EXPECT_THAT(names,
              ::testing::ElementsAre("protected", "encrypted_key", "iv", "ciphertext", "tag"));
  EXPECT_TRUE(json.starts_with("{\n  \"protected\": \"")) << json;
  EXPECT_TRUE(json.ends_with("\"\n}")) << json;
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string back, Decrypt(json, "pw"));
  EXPECT_EQ(back, "secret");
  // Surrounding whitespace (a trailing newline in a file) is fine.
  CAIRN_EXPECT_OK(Decrypt("\n" + json + "\n", "pw"));
}

TEST(JweTest, EncryptJwkWithDefaultIterations) {
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::Generate("EC"));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string jwe, EncryptJwk(key, "correct horse"));
  CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::json h, PeekHeader(jwe));
  EXPECT_EQ(h["p2c"], kDefaultPbes2Count);
  EXPECT_EQ(h["enc"], "A256GCM");
  EXPECT_EQ(h["cty"], "jwk+json");
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk back, DecryptJwk(jwe, "correct horse"));
  EXPECT_EQ(back.ToJson(true), key.ToJson(true));
  EXPECT_EQ(back.kid(), key.kid());

  EXPECT_FALSE(EncryptJwk(key.PublicKey(), "pw", kFastP2c).ok());
  EXPECT_FALSE(EncryptJwk(Jwk(), "pw", kFastP2c).ok());
}

TEST(JweTest, DetectsTampering) {
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string gcm, EncryptPbes2Compact("payload", "pw", kFastP2c));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string cbc,
                             EncryptPbes2Compact("payload", "pw", kFastP2c, "A128CBC-HS256"));
  for (const std::string& jwe : {gcm, cbc}) {
    for (size_t part : {3u, 4u}) {  // ciphertext, tag
      SCOPED_TRACE(std::to_string(part) + " " + jwe);
      Result<std::string> r = Decrypt(FlipPart(jwe, part), "pw");
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(r.status().message(), "decrypting JWE: authentication failed");
    }
    // The protected header is authenticated (it is the AAD).
    std::string relabelled = WithHeader(jwe, [](nlohmann::json& h) { h["cty"] = "text/plain"; });
    EXPECT_EQ(Decrypt(relabelled, "pw").status().message(),
              "decrypting JWE: authentication failed");
    // A flipped wrapped key fails the unwrap integrity check.
    EXPECT_EQ(Decrypt(FlipPart(jwe, 1), "pw").status().message(),
              "decrypting JWE: wrong password?");
  }
}

TEST(JweTest, RejectsOutOfBoundsAndUnsupportedHeaders) {
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string jwe, EncryptPbes2Compact("payload", "pw", kFastP2c));
  struct Case {
    const char* name;
    std::string jwe;
    const char* want;
  } cases[] = {
      {"p2c too small", WithHeader(jwe, [](auto& h) { h["p2c"] = 999; }), "p2c"},
      {"p2c too large", WithHeader(jwe, [](auto& h) { h["p2c"] = 10000001; }), "p2c"},
      {"p2c huge", WithHeader(jwe, [](auto& h) { h["p2c"] = uint64_t{1} << 63; }), "p2c"},
      {"p2c negative", WithHeader(jwe, [](auto& h) { h["p2c"] = -5; }), "p2c"},
      {"p2c string", WithHeader(jwe, [](auto& h) { h["p2c"] = "1000"; }), "p2c"},
      {"p2c missing", WithHeader(jwe, [](auto& h) { h.erase("p2c"); }), "p2c"},
      {"p2s short", WithHeader(jwe, [](auto& h) { h["p2s"] = Base64UrlEncode("1234567"); }), "p2s"},
      {"p2s missing", WithHeader(jwe, [](auto& h) { h.erase("p2s"); }), "p2s"},
      {"alg dir", WithHeader(jwe, [](auto& h) { h["alg"] = "dir"; }), "unsupported alg"},
      {"alg A128KW", WithHeader(jwe, [](auto& h) { h["alg"] = "A128KW"; }), "unsupported alg"},
      {"enc unknown", WithHeader(jwe, [](auto& h) { h["enc"] = "A512GCM"; }), "unsupported enc"},
      {"zip", WithHeader(jwe, [](auto& h) { h["zip"] = "DEF"; }), "zip"},
      {"crit", WithHeader(jwe, [](auto& h) { h["crit"] = {"x"}; }), "crit"},
      {"enc mismatch with key size", WithHeader(jwe, [](auto& h) { h["enc"] = "A128GCM"; }),
       "wrong length"},
      {"four parts", jwe.substr(0, jwe.rfind('.')), "five"},
      {"bad base64", jwe + "=", "base64url"},
      {"oversized", std::string(kMaxJweSize + 1, 'a'), "too large"},
      {"empty", "", "five"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<std::string> r = Decrypt(c.jwe, "pw");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(c.want));
  }
}

TEST(JweTest, JsonFormsAreChecked) {
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string json, EncryptPbes2Json("payload", "pw", kFastP2c));
  nlohmann::json flat = nlohmann::json::parse(json);

  // Header parameters moved to the per-recipient header (as the `jose` tool writes them).
  nlohmann::json prot =
      nlohmann::json::parse(Base64UrlDecode(flat["protected"].get<std::string>()).value());
  nlohmann::json general = {
      {"protected", flat["protected"]},
      {"recipients", {{{"encrypted_key", flat["encrypted_key"]}, {"header", {{"x-extra", 1}}}}}},
      {"iv", flat["iv"]},
      {"ciphertext", flat["ciphertext"]},
      {"tag", flat["tag"]}};
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string pt, Decrypt(general.dump(), "pw"));
  EXPECT_EQ(pt, "payload");
  CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::json joint, PeekHeader(general.dump()));
  EXPECT_EQ(joint["x-extra"], 1);
  EXPECT_EQ(joint["alg"], prot["alg"]);

  nlohmann::json two = general;
  two["recipients"].push_back(two["recipients"][0]);
  EXPECT_THAT(Decrypt(two.dump(), "pw").status().message(), HasSubstr("one recipient"));

  nlohmann::json dup = flat;
  dup["header"] = {{"alg", "PBES2-HS256+A128KW"}};
  EXPECT_THAT(Decrypt(dup.dump(), "pw").status().message(), HasSubstr("twice"));

  nlohmann::json unprot_dup = flat;
  unprot_dup["unprotected"] = {{"p2c", 1000}};
  EXPECT_THAT(Decrypt(unprot_dup.dump(), "pw").status().message(), HasSubstr("twice"));

  nlohmann::json no_tag = flat;
  no_tag.erase("tag");
  EXPECT_FALSE(Decrypt(no_tag.dump(), "pw").ok());

  // An "aad" member is authenticated too: adding one breaks the tag.
  nlohmann::json with_aad = flat;
  with_aad["aad"] = Base64UrlEncode("extra");
  EXPECT_EQ(Decrypt(with_aad.dump(), "pw").status().message(),
            "decrypting JWE: authentication failed");
}

TEST(JweTest, EncryptRejectsBadParameters) {
  EXPECT_EQ(EncryptPbes2Compact("x", "", kFastP2c).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(EncryptPbes2Compact("x", "pw", 999).ok());
  EXPECT_FALSE(EncryptPbes2Compact("x", "pw", kMaxPbes2Count + 1).ok());
  EXPECT_FALSE(EncryptPbes2Compact("x", "pw", kFastP2c, "A128KW").ok());
  EXPECT_FALSE(EncryptPbes2Json("x", "pw", kFastP2c, "dir").ok());
}

TEST(JweTest, EncryptionIsRandomized) {
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string a, EncryptPbes2Compact("same", "pw", kFastP2c));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string b, EncryptPbes2Compact("same", "pw", kFastP2c));
  EXPECT_NE(a, b);
  EXPECT_NE(Split(a, '.')[0], Split(b, '.')[0]);  // fresh salt
}

}  // namespace
}  // namespace cairn::jose
