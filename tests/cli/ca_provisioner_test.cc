#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "cli/cli_test_util.h"
#include "config/config.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "testing/fakes.h"

namespace cairn::cli {
namespace {

using testing::CliResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Keys;
using testing::ParseJsonFile;
using testing::ReadAll;
using testing::RunCli;
using testing::TempDir;

using Json = nlohmann::ordered_json;

constexpr char kSuccess[] =
    "Success! Your `cairn-ca` config has been updated. To pick up the new configuration SIGHUP "
    "(kill -1 <pid>) or restart the cairn-ca process.";

class ProvisionerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_.Join("home");
    ::setenv("STEPPATH", home_.c_str(), 1);
    pass_ = dir_.Join("pass.txt");
    testing::WriteAll(pass_, "prov-pass\n");
    ca_json_ = home_ + "/config/ca.json";
    CliResult r = RunCli({"ca", "init", "--name", "Test", "--dns", "ca.test", "--address", ":9000",
                          "--provisioner", "admin", "--password-file", pass_});
    ASSERT_TRUE(r.status.ok()) << r.status;
    // Fields cairn does not know must survive every edit.
    Json ca = ParseJsonFile(ca_json_);
    ca["customTopLevel"] = {{"keep", true}};
    ca["authority"]["provisioners"][0]["futureField"] = "keep me";
    ca["authority"]["provisioners"].push_back(
        Json{{"type", "FutureType"}, {"name", "future"}, {"secret", "x"}});
    testing::WriteAll(ca_json_, ca.dump(1, '\t') + "\n");
  }
  void TearDown() override { ::unsetenv("STEPPATH"); }

  Json Provisioner(const std::string& name) {
    Json ca = ParseJsonFile(ca_json_);
    for (const Json& p : ca["authority"]["provisioners"]) {
      if (p["name"] == name) return p;
    }
    return nullptr;
  }

  void ExpectUnknownFieldsKept() {
    Json ca = ParseJsonFile(ca_json_);
    EXPECT_EQ(ca["customTopLevel"], Json({{"keep", true}}));
    EXPECT_EQ(Provisioner("admin")["futureField"], "keep me");
    EXPECT_EQ(Provisioner("future"),
              Json({{"type", "FutureType"}, {"name", "future"}, {"secret", "x"}}));
  }

  TempDir dir_;
  std::string home_, pass_, ca_json_;
};

TEST_F(ProvisionerTest, AddCreateWritesStepShape) {
  CliResult r = RunCli(
      {"ca", "provisioner", "add", "cicd", "--type", "JWK", "--create", "--password-file", pass_});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.err, HasSubstr("\xE2\x9C\x94 CA Configuration: " + ca_json_ + "\n\n"));
  EXPECT_THAT(r.err, HasSubstr(kSuccess));
  Json p = Provisioner("cicd");
  EXPECT_THAT(Keys(p), ElementsAre("type", "name", "key", "encryptedKey", "claims", "options"));
  EXPECT_EQ(p["type"], "JWK");
  EXPECT_THAT(Keys(p["key"]), ElementsAre("use", "kty", "kid", "crv", "alg", "x", "y"));
  EXPECT_EQ(p["claims"], Json({{"enableSSHCA", true},
                               {"disableRenewal", false},
                               {"allowRenewalAfterExpiry", false},
                               {"disableSmallstepExtensions", false}}));
  EXPECT_EQ(p["options"], Json({{"x509", Json::object()}, {"ssh", Json::object()}}));
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk priv,
                             jose::DecryptJwk(p["encryptedKey"].get<std::string>(), "prov-pass"));
  EXPECT_EQ(priv.Thumbprint(), p["key"]["kid"]);
  ExpectUnknownFieldsKept();
  CAIRN_ASSERT_OK_AND_ASSIGN(config::CaConfig cfg, config::LoadCaConfig(ca_json_));
  CAIRN_EXPECT_OK(config::Validate(cfg));
}

TEST_F(ProvisionerTest, ClaimFlagsAreNormalisedGoDurations) {
  CliResult r =
      RunCli({"ca", "provisioner", "add", "short", "--create", "--password-file", pass_,
              "--x509-min-dur", "20m", "--x509-default-dur", "48h", "--x509-max-dur", "72h",
              "--ssh-user-default-dur", "1h30m", "--disable-renewal", "--ssh=false"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  Json c = Provisioner("short")["claims"];
  EXPECT_THAT(Keys(c),
              ElementsAre("minTLSCertDuration", "maxTLSCertDuration", "defaultTLSCertDuration",
                          "defaultUserSSHCertDuration", "enableSSHCA", "disableRenewal",
                          "allowRenewalAfterExpiry", "disableSmallstepExtensions"));
  EXPECT_EQ(c["minTLSCertDuration"], "20m0s");
  EXPECT_EQ(c["maxTLSCertDuration"], "72h0m0s");
  EXPECT_EQ(c["defaultTLSCertDuration"], "48h0m0s");
  EXPECT_EQ(c["defaultUserSSHCertDuration"], "1h30m0s");
  EXPECT_EQ(c["enableSSHCA"], false);
  EXPECT_EQ(c["disableRenewal"], true);
}

TEST_F(ProvisionerTest, AddRejectsBadInputAndLeavesFileAlone) {
  std::string before = ReadAll(ca_json_);
  EXPECT_THAT(RunCli({"ca", "provisioner", "add", "admin", "--create", "--password-file", pass_})
                  .status.message(),
              HasSubstr("provisioner with name admin already exists"));
  EXPECT_THAT(RunCli({"ca", "provisioner", "add", "bad", "--create", "--password-file", pass_,
                      "--x509-min-dur", "48h", "--x509-max-dur", "24h"})
                  .status.message(),
              HasSubstr("error validating configuration for provisioner"));
  EXPECT_THAT(RunCli({"ca", "provisioner", "add", "bad", "--create", "--password-file", pass_,
                      "--x509-min-dur", "1d"})
                  .status.message(),
              HasSubstr("invalid value '1d' for flag '--x509-min-dur'"));
  EXPECT_THAT(RunCli({"ca", "provisioner", "add", "nokey"}).status.message(),
              HasSubstr("'--create false' requires the '--public-key' flag"));
  EXPECT_THAT(RunCli({"ca", "provisioner", "add", "x", "--type", "Bogus"}).status.message(),
              HasSubstr("invalid value 'Bogus' for flag '--type'"));
  EXPECT_EQ(ReadAll(ca_json_), before);
}

TEST_F(ProvisionerTest, AddWithExistingKeyFiles) {
  std::string pub = dir_.Join("k.pub"), priv = dir_.Join("k.priv");
  ASSERT_TRUE(RunCli({"crypto", "jwk", "create", pub, priv, "--password-file", pass_}).status.ok());
  CliResult r = RunCli(
      {"ca", "provisioner", "add", "jane@doe.com", "--public-key", pub, "--private-key", priv});
  ASSERT_TRUE(r.status.ok()) << r.status;
  Json p = Provisioner("jane@doe.com");
  Json pub_json = ParseJsonFile(pub);
  EXPECT_EQ(p["key"], pub_json);
  // The *.jwk file's JSON serialization is stored in compact form.
  Json file_jwe = ParseJsonFile(priv);
  std::string compact =
      file_jwe["protected"].get<std::string>() + "." +
      file_jwe["encrypted_key"].get<std::string>() + "." + file_jwe["iv"].get<std::string>() + "." +
      file_jwe["ciphertext"].get<std::string>() + "." + file_jwe["tag"].get<std::string>();
  EXPECT_EQ(p["encryptedKey"], compact);
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk k, jose::DecryptJwk(compact, "prov-pass"));
  EXPECT_EQ(k.Thumbprint(), pub_json["kid"]);
}

TEST_F(ProvisionerTest, AddAcmeSshpopAndX5c) {
  ASSERT_TRUE(RunCli({"ca", "provisioner", "add", "acme", "--type", "ACME", "--challenge",
                      "http-01", "--challenge", "dns-01", "--require-eab"})
                  .status.ok());
  Json acme = Provisioner("acme");
  EXPECT_EQ(acme["type"], "ACME");
  EXPECT_EQ(acme["requireEAB"], true);
  EXPECT_EQ(acme["challenges"], Json({"http-01", "dns-01"}));
  EXPECT_FALSE(acme.contains("forceCN"));

  ASSERT_TRUE(RunCli({"ca", "provisioner", "add", "sshpop", "--type", "sshpop"}).status.ok());
  EXPECT_THAT(Keys(Provisioner("sshpop")), ElementsAre("type", "name", "claims"));

  std::string root = home_ + "/certs/root_ca.crt";
  ASSERT_TRUE(RunCli({"ca", "provisioner", "add", "x5c", "--type", "X5C", "--x5c-roots", root})
                  .status.ok());
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string roots,
                             Base64Decode(Provisioner("x5c")["roots"].get<std::string>()));
  EXPECT_EQ(roots, ReadAll(root));
  // A certificate without the keyCertSign usage cannot be an X5C root.
  std::string leaf = dir_.Join("leaf.crt");
  ASSERT_TRUE(RunCli({"certificate", "create", "leaf", leaf, dir_.Join("leaf.key"), "--profile",
                      "self-signed", "--subtle", "--no-password", "--insecure"})
                  .status.ok());
  EXPECT_THAT(RunCli({"ca", "provisioner", "add", "x5c2", "--type", "X5C", "--x5c-roots", leaf})
                  .status.message(),
              HasSubstr("cannot be used as an X5C root certificate"));
  CAIRN_ASSERT_OK_AND_ASSIGN(config::CaConfig cfg, config::LoadCaConfig(ca_json_));
  CAIRN_EXPECT_OK(config::Validate(cfg));
}

TEST_F(ProvisionerTest, UpdatePatchesOnlyGivenFields) {
  ASSERT_TRUE(RunCli({"ca", "provisioner", "add", "cicd", "--create", "--password-file", pass_,
                      "--x509-min-dur", "10m"})
                  .status.ok());
  Json before = Provisioner("cicd");
  CliResult r = RunCli({"ca", "provisioner", "update", "cicd", "--x509-max-dur", "96h",
                        "--allow-renewal-after-expiry"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.err, HasSubstr(kSuccess));
  Json after = Provisioner("cicd");
  EXPECT_EQ(after["key"], before["key"]);
  EXPECT_EQ(after["encryptedKey"], before["encryptedKey"]);
  EXPECT_EQ(after["claims"]["minTLSCertDuration"], "10m0s");
  EXPECT_EQ(after["claims"]["maxTLSCertDuration"], "96h0m0s");
  EXPECT_EQ(after["claims"]["allowRenewalAfterExpiry"], true);
  EXPECT_EQ(after["claims"]["disableRenewal"], false);

  // An empty --private-key removes the encrypted key; --name renames.
  ASSERT_TRUE(
      RunCli({"ca", "provisioner", "update", "cicd", "--private-key=", "--name", "pipeline"})
          .status.ok());
  Json renamed = Provisioner("pipeline");
  ASSERT_TRUE(renamed.is_object());
  EXPECT_FALSE(renamed.contains("encryptedKey"));
  EXPECT_EQ(renamed["key"], before["key"]);
  EXPECT_TRUE(Provisioner("cicd").is_null());
  ExpectUnknownFieldsKept();

  EXPECT_THAT(
      RunCli({"ca", "provisioner", "update", "nobody", "--x509-max-dur", "1h"}).status.message(),
      HasSubstr("provisioner nobody not found"));
}

TEST_F(ProvisionerTest, UpdateAcmeChallenges) {
  ASSERT_TRUE(
      RunCli({"ca", "provisioner", "add", "acme", "--type", "ACME", "--challenge", "http-01"})
          .status.ok());
  ASSERT_TRUE(RunCli({"ca", "provisioner", "update", "acme", "--challenge", "tls-alpn-01",
                      "--remove-challenge", "http-01", "--force-cn"})
                  .status.ok());
  Json acme = Provisioner("acme");
  EXPECT_EQ(acme["challenges"], Json({"tls-alpn-01"}));
  EXPECT_EQ(acme["forceCN"], true);
}

TEST_F(ProvisionerTest, RemoveRoundTrip) {
  ASSERT_TRUE(RunCli({"ca", "provisioner", "add", "temp", "--create", "--password-file", pass_})
                  .status.ok());
  std::string kid = Provisioner("temp")["key"]["kid"];
  EXPECT_THAT(
      RunCli({"ca", "provisioner", "remove", "temp", "--kid", "not-the-kid"}).status.message(),
      HasSubstr("provisioner temp not found"));
  CliResult r = RunCli({"ca", "provisioner", "remove", "temp", "--kid", kid});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.err, HasSubstr(kSuccess));
  EXPECT_TRUE(Provisioner("temp").is_null());
  EXPECT_TRUE(Provisioner("admin").is_object());
  ExpectUnknownFieldsKept();
  EXPECT_THAT(RunCli({"ca", "provisioner", "remove", "temp"}).status.message(),
              HasSubstr("error loading provisioner: provisioner temp not found"));
}

TEST_F(ProvisionerTest, CaConfigFlagSelectsTheFile) {
  std::string other = dir_.Join("other-ca.json");
  testing::WriteAll(other, ReadAll(ca_json_));
  std::string before = ReadAll(ca_json_);
  ASSERT_TRUE(RunCli({"ca", "provisioner", "remove", "admin", "--ca-config", other}).status.ok());
  EXPECT_EQ(ReadAll(ca_json_), before);
  EXPECT_EQ(ParseJsonFile(other)["authority"]["provisioners"].size(), 1u);  // "future" is left
}

TEST_F(ProvisionerTest, ListNeedsACaUrl) {
  ::unsetenv("STEPPATH");
  TempDir empty;
  ::setenv("STEPPATH", empty.path().c_str(), 1);
  EXPECT_THAT(RunCli({"ca", "provisioner", "list"}).status.message(),
              HasSubstr("'cairn ca provisioner list' requires the '--ca-url' flag"));
}

}  // namespace
}  // namespace cairn::cli
