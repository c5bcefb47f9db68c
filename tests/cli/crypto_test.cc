#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/cli_test_util.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "testing/fakes.h"

namespace cairn::cli {
namespace {

using testing::CliResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Keys;
using testing::Mode;
using testing::ParseJsonFile;
using testing::ReadAll;
using testing::RunCli;
using testing::TempDir;

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pass_ = dir_.Join("pass.txt");
    testing::WriteAll(pass_, "jwk-password\n");
  }
  std::string P(const std::string& name) const { return dir_.Join(name); }
  TempDir dir_;
  std::string pass_;
};

TEST_F(CryptoTest, JwkCreateWritesPublicJwkAndEncryptedPrivateJwk) {
  CliResult r =
      RunCli({"crypto", "jwk", "create", P("k.pub"), P("k.priv"), "--password-file", pass_});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.err, HasSubstr("Your public key has been saved in " + P("k.pub") + ".\n"));
  EXPECT_THAT(r.err, HasSubstr("Your private key has been saved in " + P("k.priv") + ".\n"));
  EXPECT_EQ(Mode(P("k.pub")), 0600);
  EXPECT_EQ(Mode(P("k.priv")), 0600);

  nlohmann::ordered_json pub = ParseJsonFile(P("k.pub"));
  EXPECT_THAT(Keys(pub), ElementsAre("use", "kty", "kid", "crv", "alg", "x", "y"));
  EXPECT_EQ(pub["use"], "sig");
  EXPECT_EQ(pub["alg"], "ES256");
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk pub_jwk, jose::Jwk::Parse(pub.dump()));
  EXPECT_EQ(pub["kid"], pub_jwk.Thumbprint());

  // The private file is the JSON serialization of a PBES2 JWE, indented like step's.
  std::string priv_text = ReadAll(P("k.priv"));
  nlohmann::ordered_json priv = nlohmann::ordered_json::parse(priv_text);
  EXPECT_THAT(Keys(priv), ElementsAre("protected", "encrypted_key", "iv", "ciphertext", "tag"));
  EXPECT_THAT(priv_text, HasSubstr("{\n  \"protected\": "));
  CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::json header, jose::PeekHeader(priv_text));
  EXPECT_EQ(header["alg"], "PBES2-HS256+A128KW");
  EXPECT_EQ(header["enc"], "A256GCM");
  EXPECT_EQ(header["cty"], "jwk+json");
  EXPECT_EQ(header["p2c"], 600000);
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk key, jose::DecryptJwk(priv_text, "jwk-password"));
  EXPECT_TRUE(key.is_private());
  EXPECT_EQ(key.Thumbprint(), pub_jwk.Thumbprint());
  EXPECT_EQ(key.kid(), pub_jwk.kid());

  // `crypto jwe decrypt` opens the same file.
  CliResult dec = RunCli({"crypto", "jwe", "decrypt", "--password-file", pass_}, priv_text);
  ASSERT_TRUE(dec.status.ok()) << dec.status;
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk again, jose::Jwk::Parse(dec.out));
  EXPECT_EQ(again.Thumbprint(), pub_jwk.Thumbprint());
}

struct JwkCase {
  std::string name;
  std::vector<std::string> flags;
  std::string kty;
  std::string alg;
};

class JwkKindTest : public CryptoTest, public ::testing::WithParamInterface<JwkCase> {};

TEST_P(JwkKindTest, Kinds) {
  std::vector<std::string> args = {"crypto",    "jwk",           "create",    P("a.pub"),
                                   P("a.priv"), "--no-password", "--insecure"};
  args.insert(args.end(), GetParam().flags.begin(), GetParam().flags.end());
  CliResult r = RunCli(args);
  ASSERT_TRUE(r.status.ok()) << r.status;
  nlohmann::ordered_json priv = ParseJsonFile(P("a.priv"));
  EXPECT_EQ(priv["kty"], GetParam().kty);
  EXPECT_EQ(priv["alg"], GetParam().alg);
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk key, jose::Jwk::Parse(priv.dump()));
  EXPECT_TRUE(key.is_private());
}

INSTANTIATE_TEST_SUITE_P(
    All, JwkKindTest,
    ::testing::Values(JwkCase{"EcDefault", {}, "EC", "ES256"},
                      JwkCase{"EcP384", {"--crv", "P-384"}, "EC", "ES384"},
                      JwkCase{"Rsa", {"--kty", "RSA", "--size", "2048"}, "RSA", "RS256"},
                      JwkCase{"RsaEnc", {"--kty", "RSA", "--use", "enc"}, "RSA", "RSA-OAEP-256"},
                      JwkCase{"Ed25519", {"--kty", "OKP", "--crv", "Ed25519"}, "OKP", "EdDSA"},
                      JwkCase{"Oct", {"--kty", "oct", "--size", "32"}, "oct", "HS256"}),
    [](const ::testing::TestParamInfo<JwkCase>& p) { return p.param.name; });

TEST_F(CryptoTest, JwkCreateFlagRules) {
  auto err = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"crypto", "jwk", "create", P("b.pub"), P("b.priv")};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args).status.message();
  };
  EXPECT_THAT(err({"--no-password"}),
              HasSubstr("flag '--no-password' requires the '--insecure' flag"));
  EXPECT_THAT(err({"--kty", "EC", "--size", "256", "--no-password", "--insecure"}),
              HasSubstr("flag '--size' is incompatible with '--kty EC'"));
  EXPECT_THAT(err({"--kty", "DSA"}), HasSubstr("invalid value 'DSA' for flag '--kty'"));
  EXPECT_THAT(err({"--alg", "RS256", "--no-password", "--insecure"}), HasSubstr("not compatible"));
  EXPECT_THAT(RunCli({"crypto", "jwk", "create", P("same"), P("same")}).status.message(),
              HasSubstr("cannot be equal"));
  EXPECT_FALSE(testing::Exists(P("b.pub")));
}

TEST_F(CryptoTest, JweEncryptDecryptRoundTrip) {
  std::string message = "attack at dawn\n\x01\x02 binary too";
  CliResult enc =
      RunCli({"crypto", "jwe", "encrypt", "--alg", "PBES2-HS256+A128KW", "--password-file", pass_},
             message);
  ASSERT_TRUE(enc.status.ok()) << enc.status;
  nlohmann::ordered_json jwe = nlohmann::ordered_json::parse(enc.out);
  EXPECT_THAT(Keys(jwe), ElementsAre("protected", "encrypted_key", "iv", "ciphertext", "tag"));
  CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::json header, jose::PeekHeader(enc.out));
  EXPECT_EQ(header["alg"], "PBES2-HS256+A128KW");
  EXPECT_EQ(header["enc"], "A256GCM");

  CliResult dec = RunCli({"crypto", "jwe", "decrypt", "--password-file", pass_}, enc.out);
  ASSERT_TRUE(dec.status.ok()) << dec.status;
  EXPECT_EQ(dec.out, message);

  std::string wrong = P("wrong.txt");
  testing::WriteAll(wrong, "nope\n");
  EXPECT_THAT(
      RunCli({"crypto", "jwe", "decrypt", "--password-file", wrong}, enc.out).status.message(),
      HasSubstr("error decrypting data"));
  EXPECT_THAT(RunCli({"crypto", "jwe", "encrypt"}, "x").status.message(),
              HasSubstr("one of flag --key or --jwk is required"));
  EXPECT_FALSE(RunCli({"crypto", "jwe", "encrypt", "--alg", "PBES2-HS256+A128KW", "--enc",
                       "A999GCM", "--password-file", pass_},
                      "x")
                   .status.ok());
}

TEST_F(CryptoTest, JwtInspect) {
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk key, jose::Jwk::Generate("EC", "P-256"));
  nlohmann::json claims = {{"iss", "admin"}, {"sub", "foo.example.com"}, {"exp", 1767225900}};
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string token, jose::SignJwt(claims, key));
  EXPECT_THAT(RunCli({"crypto", "jwt", "inspect"}, token).status.message(),
              HasSubstr("requires the '--insecure' flag"));
  CliResult r = RunCli({"crypto", "jwt", "inspect", "--insecure"}, token + "\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(r.out);
  EXPECT_THAT(Keys(j), ElementsAre("header", "payload", "signature"));
  EXPECT_EQ(j["header"]["alg"], "ES256");
  EXPECT_EQ(j["header"]["kid"], key.kid());
  EXPECT_EQ(j["payload"]["sub"], "foo.example.com");
  EXPECT_EQ(j["payload"]["exp"], 1767225900);
  EXPECT_EQ(j["signature"], token.substr(token.rfind('.') + 1));
  EXPECT_THAT(r.out, HasSubstr("{\n  \"header\": {\n    \"alg\": "));
  EXPECT_THAT(RunCli({"crypto", "jwt", "inspect", "--insecure"}, "not.a.token").status.message(),
              HasSubstr("error parsing token"));
}

TEST(PathTest, PrintsTheHome) {
  TempDir dir;
  ::setenv("STEPPATH", dir.path().c_str(), 1);
  CliResult r = RunCli({"path"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.out, dir.path() + "\n");
  EXPECT_EQ(RunCli({"path", "--base"}).out, dir.path() + "\n");
  ::unsetenv("STEPPATH");
  ::setenv("CAIRNPATH", "/srv/cairn", 1);
  EXPECT_EQ(RunCli({"path"}).out, "/srv/cairn\n");
  ::unsetenv("CAIRNPATH");
}

}  // namespace
}  // namespace cairn::cli
