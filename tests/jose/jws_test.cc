#include "jose/jws.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <string>
#include <string_view>
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

Jwk LoadKey(const char* file) { return Jwk::Parse(ReadTestdata(file)).value(); }

std::string Payload() { return ReadTestdata("rfc7520_payload.txt"); }

// ReplacePart swaps part `i` (0-based) of a compact token.
std::string ReplacePart(const std::string& token, size_t i, const std::string& part) {
  std::vector<std::string> parts = Split(token, '.');
  parts[i] = part;
  return Join(parts, ".");
}

std::string Header(const nlohmann::json& h) { return Base64UrlEncode(h.dump()); }

// --- RFC 7520 §4 -------------------------------------------------------------------------

TEST(JwsRfc7520Test, Rs256IsExact) {
  Jwk key = LoadKey("rfc7520_3_4_rsa.json");
  const std::string want = ReadToken("rfc7520_4_1_rs256.jws");
  CAIRN_ASSERT_OK_AND_ASSIGN(
      std::string got,
      SignCompact(Payload(), key, {{"kid", "bilbo.baggins@hobbiton.example"}}, "RS256"));
  EXPECT_EQ(got, want);

  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(want));
  EXPECT_EQ(jws.alg, "RS256");
  EXPECT_EQ(jws.payload, Payload());
  EXPECT_EQ(jws.header["kid"], "bilbo.baggins@hobbiton.example");
  CAIRN_EXPECT_OK(Verify(jws, key.PublicKey()));
}

TEST(JwsRfc7520Test, Ps384VerifiesAndRoundTrips) {
  Jwk key = LoadKey("rfc7520_3_4_rsa.json");
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(ReadToken("rfc7520_4_2_ps384.jws")));
  EXPECT_EQ(jws.alg, "PS384");
  CAIRN_EXPECT_OK(Verify(jws, key.PublicKey()));

  CAIRN_ASSERT_OK_AND_ASSIGN(std::string ours, SignCompact(Payload(), key, nullptr, "PS384"));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws mine, ParseCompact(ours));
  CAIRN_EXPECT_OK(Verify(mine, key.PublicKey()));
}

TEST(JwsRfc7520Test, Es512VerifiesAndRoundTrips) {
  Jwk key = LoadKey("rfc7520_3_2_ec_p521.json");
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(ReadToken("rfc7520_4_3_es512.jws")));
  EXPECT_EQ(jws.signature.size(), 132u);
  CAIRN_EXPECT_OK(Verify(jws, key.PublicKey()));

  CAIRN_ASSERT_OK_AND_ASSIGN(std::string ours, SignCompact(Payload(), key));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws mine, ParseCompact(ours));
  EXPECT_EQ(mine.alg, "ES512");
  EXPECT_EQ(mine.signature.size(), 132u);
  CAIRN_EXPECT_OK(Verify(mine, key.PublicKey()));
}

TEST(JwsRfc7520Test, Hs256IsExact) {
  Jwk key = LoadKey("rfc7520_3_5_oct.json");
  const std::string want = ReadToken("rfc7520_4_4_hs256.jws");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string got, SignCompact(Payload(), key, {{"kid", key.kid()}}));
  EXPECT_EQ(got, want);
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(want));
  CAIRN_EXPECT_OK(Verify(jws, key));
}

TEST(JwsRfc7520Test, FlattenedFormOfSection41Verifies) {
  const std::string compact = ReadToken("rfc7520_4_1_rs256.jws");
  std::vector<std::string> p = Split(compact, '.');
  nlohmann::json flat = {{"payload", p[1]}, {"protected", p[0]}, {"signature", p[2]}};
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseFlattened(flat.dump()));
  EXPECT_EQ(jws.payload, Payload());
  CAIRN_EXPECT_OK(Verify(jws, LoadKey("rfc7520_3_4_rsa.json").PublicKey()));
}

TEST(JwsRfc8037Test, EdDsaIsExact) {
  Jwk key = LoadKey("rfc8037_a1_ed25519.json");
  const std::string want = ReadToken("rfc8037_a4_eddsa.jws");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string got, SignCompact("Example of Ed25519 signing", key));
  EXPECT_EQ(got, want);
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(want));
  CAIRN_EXPECT_OK(Verify(jws, key.PublicKey()));
}

// --- Round trips over every algorithm ------------------------------------------------------

TEST(JwsTest, SignVerifyEveryAlgorithm) {
  Jwk ec256 = Jwk::Generate("EC", "P-256").value();
  Jwk ec384 = Jwk::Generate("EC", "P-384").value();
  Jwk ec521 = Jwk::Generate("EC", "P-521").value();
  Jwk ed = Jwk::Generate("OKP").value();
  Jwk rsa = LoadKey("rfc7520_3_4_rsa.json");
  Jwk oct = Jwk::Generate("oct", "", 64).value();
  oct.set_alg("");
  struct Case {
    const Jwk* key;
    const char* alg;
  } cases[] = {
      {&ec256, "ES256"}, {&ec384, "ES384"}, {&ec521, "ES512"}, {&ed, "EdDSA"},  {&rsa, "RS256"},
      {&rsa, "RS384"},   {&rsa, "RS512"},   {&rsa, "PS256"},   {&rsa, "PS384"}, {&rsa, "PS512"},
      {&oct, "HS256"},   {&oct, "HS384"},   {&oct, "HS512"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.alg);
    CAIRN_ASSERT_OK_AND_ASSIGN(
        std::string token, SignCompact("{\"hello\":\"world\"}", *c.key, {{"typ", "JWT"}}, c.alg));
    CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(token));
    EXPECT_EQ(jws.alg, c.alg);
    EXPECT_EQ(jws.header["typ"], "JWT");
    EXPECT_EQ(jws.payload, "{\"hello\":\"world\"}");
    CAIRN_EXPECT_OK(Verify(jws, c.key->PublicKey()));
    const std::string_view only[] = {c.alg};
    CAIRN_EXPECT_OK(Verify(jws, c.key->PublicKey(), only));
    if (!c.key->is_symmetric()) {
      CAIRN_EXPECT_OK(VerifyWithPkey(jws, c.key->pkey()));
    }
    // Flattened serialization with the same key.
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string flat,
                               SignFlattened("", *c.key, {{"nonce", "abc"}}, c.alg));
    CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws fjws, ParseFlattened(flat));
    EXPECT_EQ(fjws.payload, "");  // POST-as-GET
    EXPECT_EQ(fjws.header["nonce"], "abc");
    CAIRN_EXPECT_OK(Verify(fjws, c.key->PublicKey()));
  }
}

TEST(JwsTest, HeaderMembersAreSortedAndAlgIsOurs) {
  Jwk key = Jwk::Generate("EC").value();
  CAIRN_ASSERT_OK_AND_ASSIGN(
      std::string token, SignCompact("x", key, {{"typ", "JWT"}, {"kid", "k1"}, {"alg", "HS256"}}));
  std::string header = Base64UrlDecode(Split(token, '.')[0]).value();
  EXPECT_EQ(header, R"({"alg":"ES256","kid":"k1","typ":"JWT"})");
}

// --- Negative cases ------------------------------------------------------------------------

TEST(JwsTest, RejectsAlgNone) {
  const std::string payload = Base64UrlEncode("{}");
  for (const char* alg : {"none", "None", "NONE"}) {
    SCOPED_TRACE(alg);
    for (const std::string& sig : {std::string(""), Base64UrlEncode("sig")}) {
      Result<ParsedJws> r = ParseCompact(Header({{"alg", alg}}) + "." + payload + "." + sig);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(JwsTest, RejectsTamperedPayloadAndSignature) {
  Jwk key = Jwk::Generate("EC").value();
  Jwk pub = key.PublicKey();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignCompact("{\"sub\":\"alice\"}", key));

  std::string other = ReplacePart(token, 1, Base64UrlEncode("{\"sub\":\"mallory\"}"));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws tampered, ParseCompact(other));
  Status s = Verify(tampered, pub);
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("invalid signature"));

  std::string sig = Base64UrlDecode(Split(token, '.')[2]).value();
  sig[10] = static_cast<char>(sig[10] ^ 0x01);
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws badsig,
                             ParseCompact(ReplacePart(token, 2, Base64UrlEncode(sig))));
  EXPECT_EQ(Verify(badsig, pub).code(), StatusCode::kUnauthenticated);

  // Another key's signature.
  Jwk other_key = Jwk::Generate("EC").value();
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(token));
  EXPECT_EQ(Verify(jws, other_key.PublicKey()).code(), StatusCode::kUnauthenticated);
}

TEST(JwsTest, RejectsAlgorithmThatDoesNotFitTheKey) {
  Jwk p384 = Jwk::Generate("EC", "P-384").value();
  Jwk p256 = Jwk::Generate("EC", "P-256").value();
  // With the key's "alg" set, a mismatch is caught by comparing algs; clear it so the check of
  // the key type and curve themselves is exercised.
  Jwk p384_pinned = p384;
  p384.set_alg("");
  Jwk rsa = LoadKey("rfc7520_3_4_rsa.json");
  Jwk ed = Jwk::Generate("OKP").value();

  // An ES256 header over a P-384 signature: the alg is wrong for the key's curve.
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string t384, SignCompact("x", p384));
  std::string relabelled = ReplacePart(t384, 0, Header({{"alg", "ES256"}}));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(relabelled));
  Status s = Verify(jws, p384.PublicKey());
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("P-256"));
  EXPECT_EQ(Verify(jws, p384_pinned.PublicKey()).code(), StatusCode::kUnauthenticated);

  // Signing ES256 with a P-384 key is refused as well.
  EXPECT_EQ(SignCompact("x", p384, nullptr, "ES256").status().code(), StatusCode::kInvalidArgument);

  // Cross-type confusion.
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string t256, SignCompact("x", p256));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws j256, ParseCompact(t256));
  EXPECT_FALSE(Verify(j256, rsa.PublicKey()).ok());
  EXPECT_FALSE(Verify(j256, ed.PublicKey()).ok());
  EXPECT_FALSE(VerifyWithPkey(j256, p384.pkey()).ok());

  // The key's own "alg" pins the algorithm: an RS256 key does not accept PS256.
  Jwk rs256 = rsa.PublicKey();
  rs256.set_alg("RS256");
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string ps, SignCompact("x", rsa, nullptr, "PS256"));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jps, ParseCompact(ps));
  CAIRN_EXPECT_OK(Verify(jps, rsa.PublicKey()));
  EXPECT_EQ(Verify(jps, rs256).code(), StatusCode::kUnauthenticated);
}

TEST(JwsTest, AllowedAlgorithmsAreEnforced) {
  Jwk key = Jwk::Generate("EC").value();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignCompact("x", key));
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(token));
  const std::string_view rsa_only[] = {"RS256", "PS256"};
  const std::string_view with_es[] = {"RS256", "ES256"};
  EXPECT_EQ(Verify(jws, key.PublicKey(), rsa_only).code(), StatusCode::kUnauthenticated);
  CAIRN_EXPECT_OK(Verify(jws, key.PublicKey(), with_es));
  EXPECT_FALSE(VerifyWithPkey(jws, key.pkey(), rsa_only).ok());
}

// The classic key-confusion attack: take the verifier's PUBLIC key bytes and use them as an
// HMAC secret. It must never verify, whatever form the public key bytes take.
TEST(JwsTest, HmacKeyedWithPublicKeyBytesIsRejected) {
  Jwk key = Jwk::Generate("EC").value();
  key.set_alg("");  // no "alg" pin: the key type alone must stop it
  Jwk pub = key.PublicKey();
  const std::string header = Header({{"alg", "HS256"}});
  const std::string payload = Base64UrlEncode("{\"sub\":\"admin\"}");
  const std::string input = header + "." + payload;

  unsigned char* der = nullptr;
  int der_len = i2d_PUBKEY(pub.pkey(), &der);
  ASSERT_GT(der_len, 0);
  std::string der_bytes(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  for (const std::string& secret :
       {pub.ToJsonString(false), pub.ToJson(false).dump(), der_bytes, pub.Thumbprint()}) {
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    const std::string token =
        input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), len));
    CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(token));
    Status s = Verify(jws, pub);
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
    EXPECT_THAT(s.message(), HasSubstr("asymmetric"));
    EXPECT_FALSE(Verify(jws, key).ok());
    const std::string_view hs[] = {"HS256"};
    EXPECT_FALSE(Verify(jws, pub, hs).ok());
    EXPECT_FALSE(VerifyWithPkey(jws, pub.pkey(), hs).ok());
  }
}

TEST(JwsTest, SymmetricKeysOnlyDoHmac) {
  Jwk oct = LoadKey("rfc7520_3_5_oct.json");
  oct.set_alg("");
  Jwk ec = Jwk::Generate("EC").value();
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(*SignCompact("x", ec)));
  EXPECT_EQ(Verify(jws, oct).code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(SignCompact("x", oct, nullptr, "ES256").ok());
  // HMAC with the wrong secret.
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws hs, ParseCompact(*SignCompact("x", oct)));
  Jwk other = Jwk::Generate("oct").value();
  other.set_alg("");
  EXPECT_EQ(Verify(hs, other).code(), StatusCode::kUnauthenticated);
  // RFC 7518 §3.2: keys shorter than the hash are refused, for signing and for verifying.
  Jwk short_key = Jwk::FromSymmetric(std::string(16, 'k')).value();
  EXPECT_FALSE(SignCompact("x", short_key, nullptr, "HS256").ok());
  EXPECT_FALSE(SignCompact("x", oct, nullptr, "HS384").ok());  // 32-byte key
  CAIRN_ASSERT_OK_AND_ASSIGN(
      ParsedJws hs_short,
      ParseCompact(Header({{"alg", "HS256"}}) + ".eA." + Base64UrlEncode(std::string(32, 'x'))));
  EXPECT_EQ(Verify(hs_short, short_key).code(), StatusCode::kUnauthenticated);
}

TEST(JwsTest, RejectsWrongSignatureLengths) {
  Jwk key = Jwk::Generate("EC").value();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, SignCompact("x", key));
  std::string raw = Base64UrlDecode(Split(token, '.')[2]).value();
  // A DER-encoded ECDSA signature (what OpenSSL emits) is not a JOSE signature.
  ossl::UniquePtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  ECDSA_SIG_set0(sig.get(),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  std::string der_sig(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  for (const std::string& bad : {der_sig, raw.substr(0, 63), raw + '\0', std::string(1, 'x')}) {
    CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws,
                               ParseCompact(ReplacePart(token, 2, Base64UrlEncode(bad))));
    Status s = Verify(jws, key.PublicKey());
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
    EXPECT_THAT(s.message(), HasSubstr("length"));
  }
  Jwk ed = Jwk::Generate("OKP").value();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string et, SignCompact("x", ed));
  std::string esig = Base64UrlDecode(Split(et, '.')[2]).value();
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws ej,
                             ParseCompact(ReplacePart(et, 2, Base64UrlEncode(esig + "x"))));
  EXPECT_FALSE(Verify(ej, ed.PublicKey()).ok());
}

TEST(JwsTest, RejectsSmallRsaKeys) {
  ossl::UniquePtr<EVP_PKEY> small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  ASSERT_TRUE(small);
  CAIRN_ASSERT_OK_AND_ASSIGN(Jwk key, Jwk::FromPkey(small.get(), true));
  EXPECT_EQ(key.rsa_bits(), 1024);
  EXPECT_EQ(SignCompact("x", key).status().code(), StatusCode::kInvalidArgument);
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(Header({{"alg", "RS256"}}) + ".eA." +
                                                         Base64UrlEncode(std::string(128, 'x'))));
  Status s = Verify(jws, key.PublicKey());
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("2048"));
}

TEST(JwsTest, SigningNeedsAPrivateKey) {
  Jwk key = Jwk::Generate("EC").value();
  EXPECT_EQ(SignCompact("x", key.PublicKey()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(SignCompact("x", Jwk()).ok());
  EXPECT_FALSE(SignCompact("x", key, nlohmann::json::array()).ok());
  EXPECT_FALSE(SignCompact("x", key, nullptr, "ES999").ok());
}

TEST(JwsTest, ParseCompactIsStrict) {
  const std::string h = Header({{"alg", "ES256"}});
  const std::string p = Base64UrlEncode("{}");
  const std::string s = Base64UrlEncode(std::string(64, 's'));
  struct Case {
    const char* name;
    std::string token;
  } cases[] = {
      {"empty", ""},
      {"two parts", h + "." + p},
      {"four parts", h + "." + p + "." + s + "." + s},
      {"empty header", "." + p + "." + s},
      {"empty signature", h + "." + p + "."},
      {"padding in header", h + "=." + p + "." + s},
      {"padding in signature", h + "." + p + "." + s + "=="},
      {"standard alphabet", h + "." + p + "." + "ab+/" + s},
      {"whitespace", h + "." + p + " ." + s},
      {"header not JSON", Base64UrlEncode("hello") + "." + p + "." + s},
      {"header is an array", Base64UrlEncode("[\"ES256\"]") + "." + p + "." + s},
      {"no alg", Header({{"typ", "JWT"}}) + "." + p + "." + s},
      {"alg not a string", Header({{"alg", 256}}) + "." + p + "." + s},
      {"crit", Header({{"alg", "ES256"}, {"crit", {"exp"}}, {"exp", 1}}) + "." + p + "." + s},
      {"b64 false", Header({{"alg", "ES256"}, {"b64", false}}) + "." + p + "." + s},
      {"duplicate alg", Base64UrlEncode(R"({"alg":"ES256","alg":"none"})") + "." + p + "." + s},
      {"deep header", Base64UrlEncode("{\"alg\":\"ES256\",\"x\":" + std::string(64, '[') +
                                      std::string(64, ']') + "}") +
                          "." + p + "." + s},
      {"oversized", h + "." + std::string(kMaxJwsSize, 'A') + "." + s},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<ParsedJws> r = ParseCompact(c.token);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  // The good token those were derived from parses.
  CAIRN_EXPECT_OK(ParseCompact(h + "." + p + "." + s));
  // An empty payload is fine.
  CAIRN_EXPECT_OK(ParseCompact(h + ".." + s));
}

TEST(JwsTest, UnknownAlgorithmFailsVerification) {
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseCompact(Header({{"alg", "ES256K"}}) + ".eA.c2ln"));
  Jwk key = Jwk::Generate("EC").value();
  EXPECT_EQ(Verify(jws, key.PublicKey()).code(), StatusCode::kUnauthenticated);
}

TEST(JwsTest, ParseFlattenedIsStrict) {
  Jwk key = Jwk::Generate("EC").value();
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string flat, SignFlattened("{}", key, {{"url", "u"}}));
  nlohmann::json good = nlohmann::json::parse(flat);
  CAIRN_ASSERT_OK_AND_ASSIGN(ParsedJws jws, ParseFlattened(flat));
  CAIRN_EXPECT_OK(Verify(jws, key.PublicKey()));

  nlohmann::json with_header = good;
  with_header["header"] = {{"kid", "x"}};
  nlohmann::json general = {
      {"payload", good["payload"]},
      {"signatures", {{{"protected", good["protected"]}, {"signature", good["signature"]}}}}};
  nlohmann::json no_sig = good;
  no_sig.erase("signature");
  nlohmann::json sig_number = good;
  sig_number["signature"] = 5;
  for (const std::string& bad : {with_header.dump(), general.dump(), no_sig.dump(),
                                 sig_number.dump(), std::string("[]"), std::string("{")}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(ParseFlattened(bad).status().code(), StatusCode::kInvalidArgument);
  }
  // Unknown extra members are ignored.
  nlohmann::json extra = good;
  extra["comment"] = "hi";
  CAIRN_EXPECT_OK(ParseFlattened(extra.dump()));
}

}  // namespace
}  // namespace cairn::jose
