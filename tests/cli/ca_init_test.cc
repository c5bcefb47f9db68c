#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "cli/cli_test_util.h"
#include "config/config.h"
#include "config/defaults.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "pki/certificate.h"
#include "pki/extension.h"
#include "pki/verify.h"
#include "testing/fakes.h"

namespace cairn::cli {
namespace {

using testing::CliResult;
using ::testing::ElementsAre;
using testing::Exists;
using ::testing::HasSubstr;
using testing::Keys;
using testing::Mode;
using testing::ParseJsonFile;
using testing::ReadAll;
using testing::RunCli;
using testing::Shell;
using testing::TempDir;

constexpr char kPassword[] = "correct horse battery staple";

class CaInitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_.Join("home");
    ::setenv("STEPPATH", home_.c_str(), 1);
    password_file_ = dir_.Join("password.txt");
    testing::WriteAll(password_file_, std::string(kPassword) + "\n");
  }
  void TearDown() override { ::unsetenv("STEPPATH"); }

  std::vector<std::string> InitArgs(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"ca",
                                     "init",
                                     "--name",
                                     "Smallstep",
                                     "--dns",
                                     "ca.example.com,127.0.0.1",
                                     "--dns",
                                     "localhost",
                                     "--address",
                                     ":9000",
                                     "--provisioner",
                                     "admin@example.com",
                                     "--password-file",
                                     password_file_};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::string H(const std::string& rel) const { return home_ + "/" + rel; }

  pki::Certificate ReadCert(const std::string& rel) {
    auto c = pki::Certificate::FromPem(ReadAll(H(rel)));
    EXPECT_TRUE(c.ok()) << c.status();
    return *c;
  }

  TempDir dir_;
  std::string home_;
  std::string password_file_;
};

TEST_F(CaInitTest, WritesStepLayoutWithModes) {
  CliResult r = RunCli(InitArgs());
  ASSERT_TRUE(r.status.ok()) << r.status << "\n" << r.err;
  for (const char* d : {"certs", "secrets", "config", "templates", "db"}) {
    EXPECT_EQ(Mode(H(d)), 0700) << d;
  }
  for (const char* f : {"certs/root_ca.crt", "certs/intermediate_ca.crt", "secrets/root_ca_key",
                        "secrets/intermediate_ca_key"}) {
    EXPECT_EQ(Mode(H(f)), 0600) << f;
  }
  EXPECT_EQ(Mode(H("config/ca.json")), 0644);
  EXPECT_EQ(Mode(H("config/defaults.json")), 0644);
}

TEST_F(CaInitTest, PrintsWhatStepPrints) {
  CliResult r = RunCli(InitArgs());
  ASSERT_TRUE(r.status.ok()) << r.status;
  std::string fp = ReadCert("certs/root_ca.crt").fingerprint_sha256_hex();
  EXPECT_THAT(r.err, HasSubstr("Generating root certificate... done!\n"));
  EXPECT_THAT(r.err, HasSubstr("Generating intermediate certificate... done!\n"));
  EXPECT_THAT(r.err, HasSubstr("\xE2\x9C\x94 Root certificate: " + H("certs/root_ca.crt") + "\n"));
  EXPECT_THAT(r.err, HasSubstr("\xE2\x9C\x94 Root private key: " + H("secrets/root_ca_key")));
  EXPECT_THAT(r.err, HasSubstr("\xE2\x9C\x94 Root fingerprint: " + fp + "\n"));
  EXPECT_THAT(
      r.err, HasSubstr("\xE2\x9C\x94 Intermediate certificate: " + H("certs/intermediate_ca.crt")));
  EXPECT_THAT(r.err, HasSubstr("\xE2\x9C\x94 Intermediate private key: " +
                               H("secrets/intermediate_ca_key")));
  EXPECT_THAT(r.err, HasSubstr("\xE2\x9C\x94 Database folder: " + H("db")));
  EXPECT_THAT(r.err, HasSubstr("\xE2\x9C\x94 Default configuration: " + H("config/defaults.json")));
  EXPECT_THAT(
      r.err, HasSubstr("\xE2\x9C\x94 Certificate Authority configuration: " + H("config/ca.json")));
  EXPECT_THAT(r.err, HasSubstr("Your PKI is ready to go. To generate certificates for individual "
                               "services see 'cairn ca --help'."));
  EXPECT_EQ(r.out, "");
}

TEST_F(CaInitTest, CaJsonHasStepShape) {
  ASSERT_TRUE(RunCli(InitArgs()).status.ok());
  nlohmann::ordered_json ca = ParseJsonFile(H("config/ca.json"));
  EXPECT_THAT(Keys(ca),
              ElementsAre("root", "federatedRoots", "crt", "key", "address", "insecureAddress",
                          "dnsNames", "logger", "db", "authority", "tls"));
  EXPECT_EQ(ca["root"], H("certs/root_ca.crt"));
  EXPECT_TRUE(ca["federatedRoots"].is_null());
  EXPECT_EQ(ca["crt"], H("certs/intermediate_ca.crt"));
  EXPECT_EQ(ca["key"], H("secrets/intermediate_ca_key"));
  EXPECT_EQ(ca["address"], ":9000");
  EXPECT_EQ(ca["insecureAddress"], "");
  EXPECT_EQ(ca["dnsNames"], nlohmann::ordered_json({"ca.example.com", "127.0.0.1", "localhost"}));
  EXPECT_EQ(ca["logger"], nlohmann::ordered_json({{"format", "text"}}));
  EXPECT_THAT(Keys(ca["db"]), ElementsAre("type", "dataSource", "badgerFileLoadingMode"));
  EXPECT_EQ(ca["db"]["type"], "badgerv2");
  EXPECT_EQ(ca["db"]["dataSource"], H("db"));
  EXPECT_EQ(ca["db"]["badgerFileLoadingMode"], "");
  // step leaves enableAdmin (false) out: omitempty.
  EXPECT_THAT(Keys(ca["authority"]), ElementsAre("provisioners"));
  EXPECT_THAT(Keys(ca["tls"]),
              ElementsAre("cipherSuites", "minVersion", "maxVersion", "renegotiation"));
  EXPECT_EQ(ca["tls"]["cipherSuites"],
            nlohmann::ordered_json({"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                                    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}));
  EXPECT_EQ(ca["tls"]["minVersion"], 1.2);
  EXPECT_EQ(ca["tls"]["maxVersion"], 1.3);
  EXPECT_EQ(ca["tls"]["renegotiation"], false);
  // Tab indentation, as Go's MarshalIndent(cfg, "", "\t").
  EXPECT_THAT(ReadAll(H("config/ca.json")), HasSubstr("{\n\t\"root\": "));
}

TEST_F(CaInitTest, FirstProvisionerIsAJwkWithEncryptedKey) {
  ASSERT_TRUE(RunCli(InitArgs()).status.ok());
  nlohmann::ordered_json p = ParseJsonFile(H("config/ca.json"))["authority"]["provisioners"][0];
  EXPECT_THAT(Keys(p), ElementsAre("type", "name", "key", "encryptedKey"));
  EXPECT_EQ(p["type"], "JWK");
  EXPECT_EQ(p["name"], "admin@example.com");
  EXPECT_THAT(Keys(p["key"]), ElementsAre("use", "kty", "kid", "crv", "alg", "x", "y"));
  EXPECT_EQ(p["key"]["use"], "sig");
  EXPECT_EQ(p["key"]["kty"], "EC");
  EXPECT_EQ(p["key"]["crv"], "P-256");
  EXPECT_EQ(p["key"]["alg"], "ES256");
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk pub, jose::Jwk::Parse(p["key"].dump()));
  EXPECT_EQ(p["key"]["kid"], pub.Thumbprint());

  std::string jwe = p["encryptedKey"];
  CAIRN_ASSERT_OK_AND_ASSIGN(nlohmann::json header, jose::PeekHeader(jwe));
  EXPECT_EQ(header["alg"], "PBES2-HS256+A128KW");
  EXPECT_EQ(header["enc"], "A256GCM");
  EXPECT_EQ(header["cty"], "jwk+json");
  EXPECT_EQ(header["p2c"], 600000);
  CAIRN_ASSERT_OK_AND_ASSIGN(jose::Jwk priv, jose::DecryptJwk(jwe, kPassword));
  EXPECT_TRUE(priv.is_private());
  EXPECT_EQ(priv.Thumbprint(), pub.Thumbprint());
  EXPECT_EQ(priv.kid(), pub.kid());
  EXPECT_FALSE(jose::DecryptJwk(jwe, "wrong password").ok());
}

TEST_F(CaInitTest, ProvisionerPasswordFileEncryptsOnlyTheProvisionerKey) {
  std::string prov_pass = dir_.Join("prov.txt");
  testing::WriteAll(prov_pass, "provisioner-secret\n");
  ASSERT_TRUE(RunCli(InitArgs({"--provisioner-password-file", prov_pass})).status.ok());
  std::string jwe =
      ParseJsonFile(H("config/ca.json"))["authority"]["provisioners"][0]["encryptedKey"];
  EXPECT_TRUE(jose::DecryptJwk(jwe, "provisioner-secret").ok());
  EXPECT_FALSE(jose::DecryptJwk(jwe, kPassword).ok());
  EXPECT_TRUE(
      crypto::PrivateKey::FromPem(ReadAll(H("secrets/intermediate_ca_key")), kPassword).ok());
}

TEST_F(CaInitTest, DefaultsJson) {
  ASSERT_TRUE(RunCli(InitArgs()).status.ok());
  nlohmann::ordered_json d = ParseJsonFile(H("config/defaults.json"));
  EXPECT_THAT(Keys(d), ElementsAre("ca-url", "ca-config", "fingerprint", "root"));
  EXPECT_EQ(d["ca-url"], "https://ca.example.com:9000");
  EXPECT_EQ(d["ca-config"], H("config/ca.json"));
  pki::Certificate root = ReadCert("certs/root_ca.crt");
  EXPECT_EQ(d["fingerprint"], HexEncode(crypto::Sha256(root.der())));
  EXPECT_EQ(d["root"], H("certs/root_ca.crt"));
}

TEST_F(CaInitTest, CaUrlLeavesOutPort443AndBracketsIpv6) {
  std::vector<std::string> args = {
      "ca",        "init", "--name",        "X", "--dns",           "[::1]",
      "--address", ":443", "--provisioner", "p", "--password-file", password_file_};
  ASSERT_TRUE(RunCli(args).status.ok());
  EXPECT_EQ(ParseJsonFile(H("config/defaults.json"))["ca-url"], "https://[::1]");
  EXPECT_EQ(ParseJsonFile(H("config/ca.json"))["dnsNames"], nlohmann::ordered_json({"::1"}));
}

TEST_F(CaInitTest, RootAndIntermediateProfiles) {
  ASSERT_TRUE(RunCli(InitArgs()).status.ok());
  pki::Certificate root = ReadCert("certs/root_ca.crt");
  pki::Certificate inter = ReadCert("certs/intermediate_ca.crt");
  EXPECT_EQ(root.subject().common_name, "Smallstep Root CA");
  EXPECT_THAT(root.subject().organization, ElementsAre("Smallstep"));
  EXPECT_EQ(root.raw_issuer(), root.raw_subject());
  EXPECT_TRUE(root.is_ca());
  EXPECT_EQ(root.max_path_len(), 1);
  EXPECT_EQ(root.key_usage(), pki::kCertSign | pki::kCrlSign);
  EXPECT_TRUE(root.FindExtension(pki::kOidKeyUsage)->critical);
  EXPECT_TRUE(root.FindExtension(pki::kOidBasicConstraints)->critical);
  EXPECT_EQ(root.not_after() - root.not_before(), std::chrono::hours(87600));
  EXPECT_EQ(root.public_key().type(), crypto::KeyType::kEcP256);

  EXPECT_EQ(inter.subject().common_name, "Smallstep Intermediate CA");
  EXPECT_THAT(inter.subject().organization, ElementsAre("Smallstep"));
  EXPECT_EQ(inter.raw_issuer(), root.raw_subject());
  EXPECT_TRUE(inter.is_ca());
  EXPECT_EQ(inter.max_path_len(), 0);
  EXPECT_EQ(inter.key_usage(), pki::kCertSign | pki::kCrlSign);
  EXPECT_EQ(inter.authority_key_id(), root.subject_key_id());
  EXPECT_EQ(inter.not_after() - inter.not_before(), std::chrono::hours(87600));
  CAIRN_EXPECT_OK(pki::VerifyChain(inter, {}, {root}));
  EXPECT_NE(root.serial_decimal(), inter.serial_decimal());
}

TEST_F(CaInitTest, KeysAreEncryptedLegacyPemThatOpensslReads) {
  ASSERT_TRUE(RunCli(InitArgs()).status.ok());
  for (const char* f : {"secrets/root_ca_key", "secrets/intermediate_ca_key"}) {
    std::string pem = ReadAll(H(f));
    EXPECT_THAT(pem, HasSubstr("-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
                               "DEK-Info: AES-256-CBC,"));
    EXPECT_EQ(Shell("openssl ec -in '" + H(f) + "' -passin 'pass:" + kPassword + "' -noout"), 0)
        << f;
    EXPECT_NE(Shell("openssl ec -in '" + H(f) + "' -passin pass:wrong -noout"), 0) << f;
  }
  // The intermediate key matches the intermediate certificate.
  CAIRN_ASSERT_OK_AND_ASSIGN(
      crypto::PrivateKey key,
      crypto::PrivateKey::FromPem(ReadAll(H("secrets/intermediate_ca_key")), kPassword));
  EXPECT_TRUE(key.public_key().Equals(ReadCert("certs/intermediate_ca.crt").public_key()));
  EXPECT_EQ(Shell("openssl verify -CAfile '" + H("certs/root_ca.crt") + "' '" +
                  H("certs/intermediate_ca.crt") + "'"),
            0);
}

TEST_F(CaInitTest, CaJsonLoadsAndValidates) {
  ASSERT_TRUE(RunCli(InitArgs()).status.ok());
  CAIRN_ASSERT_OK_AND_ASSIGN(config::CaConfig cfg, config::LoadCaConfig(H("config/ca.json")));
  CAIRN_EXPECT_OK(config::Validate(cfg));
  ASSERT_EQ(cfg.provisioners.size(), 1u);
  EXPECT_EQ(cfg.provisioners[0].name, "admin@example.com");
  ASSERT_TRUE(cfg.db.has_value());
  EXPECT_EQ(cfg.db->type, "badgerv2");
  EXPECT_EQ(cfg.common_name, "Step Online CA");
  // Round trip: what cairn writes back is what it read.
  EXPECT_EQ(config::SerializeCaConfig(cfg), ReadAll(H("config/ca.json")));
}

struct KeyCase {
  std::string name;
  std::vector<std::string> flags;
  crypto::KeyType type;
  std::string openssl;
};

class CaInitKeyTest : public CaInitTest, public ::testing::WithParamInterface<KeyCase> {};

TEST_P(CaInitKeyTest, CaKeysOfTheRequestedType) {
  const KeyCase& c = GetParam();
  ASSERT_TRUE(RunCli(InitArgs(c.flags)).status.ok());
  for (const char* crt : {"certs/root_ca.crt", "certs/intermediate_ca.crt"}) {
    EXPECT_EQ(ReadCert(crt).public_key().type(), c.type) << crt;
  }
  EXPECT_EQ(Shell("openssl " + c.openssl + " -in '" + H("secrets/intermediate_ca_key") +
                  "' -passin 'pass:" + kPassword + "' -noout"),
            0);
  EXPECT_EQ(Shell("openssl verify -CAfile '" + H("certs/root_ca.crt") + "' '" +
                  H("certs/intermediate_ca.crt") + "'"),
            0);
}

INSTANTIATE_TEST_SUITE_P(
    KeyTypes, CaInitKeyTest,
    ::testing::Values(
        KeyCase{"Rsa", {"--kty", "RSA"}, crypto::KeyType::kRsa, "rsa"},
        KeyCase{"P384", {"--kty", "EC", "--crv", "P-384"}, crypto::KeyType::kEcP384, "ec"},
        KeyCase{"P521", {"--kty", "EC", "--curve", "P-521"}, crypto::KeyType::kEcP521, "ec"}),
    [](const ::testing::TestParamInfo<KeyCase>& p) { return p.param.name; });

TEST_F(CaInitTest, BadKeyFlagsAreRejected) {
  EXPECT_THAT(RunCli(InitArgs({"--kty", "EC", "--size", "2048"})).status.message(),
              HasSubstr("'--size'"));
  EXPECT_THAT(RunCli(InitArgs({"--crv", "P-384"})).status.message(),
              HasSubstr("flag '--crv' requires the '--kty' flag"));
  EXPECT_FALSE(Exists(H("config/ca.json")));
}

TEST_F(CaInitTest, RefusesToOverwriteWithoutForce) {
  if (testing::HasTerminal()) GTEST_SKIP() << "a terminal would be asked to confirm";
  ASSERT_TRUE(RunCli(InitArgs()).status.ok());
  std::string before = ReadAll(H("certs/root_ca.crt"));
  std::string ca_before = ReadAll(H("config/ca.json"));
  CliResult again = RunCli(InitArgs());
  EXPECT_FALSE(again.status.ok());
  EXPECT_THAT(again.status.message(), HasSubstr("already exists"));
  EXPECT_EQ(ReadAll(H("certs/root_ca.crt")), before);
  EXPECT_EQ(ReadAll(H("config/ca.json")), ca_before);

  CliResult forced = RunCli(InitArgs({"--force"}));
  ASSERT_TRUE(forced.status.ok()) << forced.status;
  EXPECT_NE(ReadAll(H("certs/root_ca.crt")), before);
}

TEST_F(CaInitTest, NoDbAndAcme) {
  ASSERT_TRUE(RunCli(InitArgs({"--no-db"})).status.ok());
  nlohmann::ordered_json ca = ParseJsonFile(H("config/ca.json"));
  EXPECT_FALSE(ca.contains("db"));
  EXPECT_FALSE(Exists(H("db")));

  ASSERT_TRUE(RunCli(InitArgs({"--acme", "--force"})).status.ok());
  ca = ParseJsonFile(H("config/ca.json"));
  ASSERT_EQ(ca["authority"]["provisioners"].size(), 2u);
  EXPECT_EQ(ca["authority"]["provisioners"][1],
            nlohmann::ordered_json({{"type", "ACME"}, {"name", "acme"}}));
  EXPECT_THAT(RunCli(InitArgs({"--acme", "--no-db", "--force"})).status.message(),
              HasSubstr("flag '--acme' is incompatible with '--no-db'"));
}

TEST_F(CaInitTest, PkiOnlyWritesNoConfiguration) {
  std::vector<std::string> args = {
      "ca", "init", "--pki", "--name", "Only", "--password-file", password_file_};
  CliResult r = RunCli(args);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(Exists(H("certs/root_ca.crt")));
  EXPECT_TRUE(Exists(H("secrets/intermediate_ca_key")));
  EXPECT_FALSE(Exists(H("config/ca.json")));
  EXPECT_FALSE(Exists(H("config/defaults.json")));
}

TEST_F(CaInitTest, ExistingRootSignsTheIntermediate) {
  // A root made by a first init, used by a second one in another home.
  ASSERT_TRUE(RunCli(InitArgs()).status.ok());
  std::string root_crt = dir_.Join("root.crt");
  std::string root_key = dir_.Join("root.key");
  testing::WriteAll(root_crt, ReadAll(H("certs/root_ca.crt")));
  testing::WriteAll(root_key, ReadAll(H("secrets/root_ca_key")));
  std::string other = dir_.Join("other");
  ::setenv("STEPPATH", other.c_str(), 1);
  CliResult r =
      RunCli({"ca", "init", "--root", root_crt, "--key", root_key, "--key-password-file",
              password_file_, "--name", "Second", "--dns", "ca2.example.com", "--address",
              "127.0.0.1:8443", "--provisioner", "p2", "--password-file", password_file_});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(r.err, HasSubstr("Copying root certificate... done!"));
  EXPECT_FALSE(Exists(other + "/secrets/root_ca_key"));
  EXPECT_EQ(ReadAll(other + "/certs/root_ca.crt"), ReadAll(root_crt));
  CAIRN_ASSERT_OK_AND_ASSIGN(pki::Certificate root, pki::Certificate::FromPem(ReadAll(root_crt)));
  CAIRN_ASSERT_OK_AND_ASSIGN(
      pki::Certificate inter,
      pki::Certificate::FromPem(ReadAll(other + "/certs/intermediate_ca.crt")));
  EXPECT_EQ(inter.subject().common_name, "Second Intermediate CA");
  CAIRN_EXPECT_OK(pki::VerifyChain(inter, {}, {root}));
  EXPECT_EQ(ParseJsonFile(other + "/config/defaults.json")["ca-url"],
            "https://ca2.example.com:8443");

  // --root without --key is refused.
  EXPECT_THAT(RunCli({"ca", "init", "--root", root_crt}).status.message(),
              HasSubstr("flag '--root' requires the '--key' flag"));
}

TEST_F(CaInitTest, RejectsUnsupportedAndInvalidInput) {
  EXPECT_THAT(RunCli(InitArgs({"--ssh"})).status.message(), HasSubstr("'--ssh'"));
  EXPECT_THAT(RunCli(InitArgs({"--deployment-type", "linked"})).status.message(),
              HasSubstr("not supported"));
  std::vector<std::string> bad_address = {
      "ca",        "init",    "--name",        "X", "--dns",           "a.example",
      "--address", "no-port", "--provisioner", "p", "--password-file", password_file_};
  EXPECT_THAT(RunCli(bad_address).status.message(),
              HasSubstr("invalid value 'no-port' for flag '--address'"));
  std::vector<std::string> bad_dns = {
      "ca",        "init", "--name",        "X", "--dns",           "bad name!",
      "--address", ":443", "--provisioner", "p", "--password-file", password_file_};
  EXPECT_FALSE(RunCli(bad_dns).status.ok());
  EXPECT_FALSE(Exists(H("config/ca.json")));
}

}  // namespace
}  // namespace cairn::cli
