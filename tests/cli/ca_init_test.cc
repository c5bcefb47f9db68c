#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
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
#include "ssh/key.h"
#include "templates/funcs.h"
#include "templates/template.h"
#include "templates/value.h"
#include "testing/fakes.h"

namespace cairn::cli {
namespace {

using testing::CliResult;
using ::testing::ElementsAre;
using testing::Exists;
using ::testing::HasSubstr;
using testing::Keys;
using testing::Mode;
using ::testing::Not;
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
  // --ssh itself is supported; what step would combine it with (RA, KMS key URIs) is not.
  EXPECT_THAT(RunCli(InitArgs({"--ssh", "--ra", "StepCAS"})).status.message(), HasSubstr("'--ra'"));
  EXPECT_THAT(
      RunCli(InitArgs({"--ssh", "--kms-ssh-host", "azurekms:name=h;vault=v"})).status.message(),
      HasSubstr("'--kms'"));
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

// --- --ssh ------------------------------------------------------------------------------

constexpr const char* kSshFiles[] = {"certs/ssh_host_ca_key.pub", "certs/ssh_user_ca_key.pub",
                                     "secrets/ssh_host_ca_key", "secrets/ssh_user_ca_key"};
constexpr const char* kSshTemplateFiles[] = {"config.tpl",      "step_includes.tpl",
                                             "step_config.tpl", "known_hosts.tpl",
                                             "sshd_config.tpl", "ca.tpl"};

TEST_F(CaInitTest, SshWritesKeysAndTemplatesWithStepModes) {
  CliResult r = RunCli(InitArgs({"--ssh"}));
  ASSERT_TRUE(r.status.ok()) << r.status << "\n" << r.err;
  // step writes every generated PKI file, the .pub files included, with 0600.
  for (const char* f : kSshFiles) EXPECT_EQ(Mode(H(f)), 0600) << f;
  EXPECT_EQ(Mode(H("templates/ssh")), 0700);
  for (const char* t : kSshTemplateFiles) {
    EXPECT_EQ(Mode(H(std::string("templates/ssh/") + t)), 0644) << t;
  }
}

TEST_F(CaInitTest, SshPrintsWhatStepPrints) {
  CliResult r = RunCli(InitArgs({"--ssh"}));
  ASSERT_TRUE(r.status.ok()) << r.status;
  const std::string check = "\xE2\x9C\x94 ";
  EXPECT_THAT(r.err, HasSubstr("Generating intermediate certificate... done!\n"
                               "Generating user and host SSH certificate signing keys... done!\n"));
  // In step's order: after the intermediate key, user before host.
  EXPECT_THAT(
      r.err,
      HasSubstr(check + "Intermediate private key: " + H("secrets/intermediate_ca_key") + "\n" +
                check + "SSH user public key: " + H("certs/ssh_user_ca_key.pub") + "\n" + check +
                "SSH user private key: " + H("secrets/ssh_user_ca_key") + "\n" + check +
                "SSH host public key: " + H("certs/ssh_host_ca_key.pub") + "\n" + check +
                "SSH host private key: " + H("secrets/ssh_host_ca_key") + "\n"));
  EXPECT_THAT(r.err, HasSubstr(check + "Database folder: " + H("db") + "\n" + check +
                               "Templates folder: " + H("templates") + "\n" + check +
                               "Default configuration: " + H("config/defaults.json") + "\n"));
  EXPECT_EQ(r.out, "");
}

TEST_F(CaInitTest, SshPublicKeysMatchTheEncryptedPrivateKeys) {
  ASSERT_TRUE(RunCli(InitArgs({"--ssh"})).status.ok());
  std::vector<std::string> fingerprints;
  for (const char* kind : {"host", "user"}) {
    SCOPED_TRACE(kind);
    const std::string pub_path = H(std::string("certs/ssh_") + kind + "_ca_key.pub");
    const std::string key_path = H(std::string("secrets/ssh_") + kind + "_ca_key");

    // authorized_keys format as Go's ssh.MarshalAuthorizedKey: "type base64\n", no comment.
    std::string line = ReadAll(pub_path);
    EXPECT_TRUE(line.starts_with("ecdsa-sha2-nistp256 AAAA")) << line;
    EXPECT_TRUE(line.ends_with("\n"));
    EXPECT_EQ(std::count(line.begin(), line.end(), ' '), 1) << line;
    std::string comment = "unset";
    CAIRN_ASSERT_OK_AND_ASSIGN(ssh::PublicKey pub,
                               ssh::PublicKey::ParseAuthorizedKey(line, &comment));
    EXPECT_EQ(comment, "");
    EXPECT_EQ(pub.type(), "ecdsa-sha2-nistp256");

    // ssh-keygen reads the .pub file and prints the same SHA-256 fingerprint.
    const std::string out = dir_.Join(std::string(kind) + ".fp");
    // (A subshell, so that Shell's own redirection to /dev/null does not replace ours.)
    ASSERT_EQ(Shell("(ssh-keygen -l -E sha256 -f '" + pub_path + "' > '" + out + "' 2>&1)"), 0)
        << ReadAll(out);
    EXPECT_THAT(ReadAll(out), HasSubstr("256 " + pub.FingerprintSha256() + " "));
    EXPECT_THAT(ReadAll(out), HasSubstr("(ECDSA)"));

    // The private key: legacy encrypted PEM under the CA password, like the intermediate key.
    std::string pem = ReadAll(key_path);
    EXPECT_THAT(pem, HasSubstr("-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
                               "DEK-Info: AES-256-CBC,"));
    EXPECT_FALSE(crypto::PrivateKey::FromPem(pem, "wrong password").ok());
    CAIRN_ASSERT_OK_AND_ASSIGN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(pem, kPassword));
    EXPECT_EQ(key.public_key().type(), crypto::KeyType::kEcP256);
    CAIRN_ASSERT_OK_AND_ASSIGN(ssh::PublicKey derived,
                               ssh::PublicKey::FromCrypto(key.public_key()));
    EXPECT_TRUE(derived.Equals(pub));
    EXPECT_EQ(derived.FingerprintSha256(), pub.FingerprintSha256());

    // OpenSSH itself derives the same public key from the encrypted private key.
    const std::string derived_out = dir_.Join(std::string(kind) + ".derived");
    ASSERT_EQ(Shell("(ssh-keygen -y -P '" + std::string(kPassword) + "' -f '" + key_path + "' > '" +
                    derived_out + "' 2>&1)"),
              0)
        << ReadAll(derived_out);
    CAIRN_ASSERT_OK_AND_ASSIGN(ssh::PublicKey openssh,
                               ssh::PublicKey::ParseAuthorizedKey(ReadAll(derived_out)));
    EXPECT_TRUE(openssh.Equals(pub));
    EXPECT_NE(Shell("ssh-keygen -y -P wrong -f '" + key_path + "' < /dev/null"), 0);
    fingerprints.push_back(pub.FingerprintSha256());
  }
  // Two distinct keys.
  ASSERT_EQ(fingerprints.size(), 2u);
  EXPECT_NE(fingerprints[0], fingerprints[1]);
  // Neither is one of the X.509 CA keys.
  CAIRN_ASSERT_OK_AND_ASSIGN(
      ssh::PublicKey inter,
      ssh::PublicKey::FromCrypto(ReadCert("certs/intermediate_ca.crt").public_key()));
  EXPECT_NE(inter.FingerprintSha256(), fingerprints[0]);
  EXPECT_NE(inter.FingerprintSha256(), fingerprints[1]);
}

TEST_F(CaInitTest, SshCaJsonHasStepShape) {
  ASSERT_TRUE(RunCli(InitArgs({"--ssh"})).status.ok());
  nlohmann::ordered_json ca = ParseJsonFile(H("config/ca.json"));
  // Go's field order of authority/config.Config: ssh after dnsNames, templates after tls.
  EXPECT_THAT(Keys(ca),
              ElementsAre("root", "federatedRoots", "crt", "key", "address", "insecureAddress",
                          "dnsNames", "ssh", "logger", "db", "authority", "tls", "templates"));
  EXPECT_EQ(ca["ssh"], nlohmann::ordered_json({{"hostKey", H("secrets/ssh_host_ca_key")},
                                               {"userKey", H("secrets/ssh_user_ca_key")}}));
  EXPECT_THAT(Keys(ca["ssh"]), ElementsAre("hostKey", "userKey"));

  const nlohmann::ordered_json& provs = ca["authority"]["provisioners"];
  ASSERT_EQ(provs.size(), 2u);
  EXPECT_THAT(Keys(provs[0]), ElementsAre("type", "name", "key", "encryptedKey", "claims"));
  EXPECT_EQ(provs[0]["type"], "JWK");
  EXPECT_EQ(provs[0]["claims"], nlohmann::ordered_json({{"enableSSHCA", true}}));
  EXPECT_EQ(provs[1], nlohmann::ordered_json::parse(
                          R"({"type":"SSHPOP","name":"sshpop","claims":{"enableSSHCA":true}})"));
  EXPECT_THAT(Keys(provs[1]), ElementsAre("type", "name", "claims"));

  // templates.DefaultSSHTemplates as step marshals it (data is empty, hence omitted).
  const nlohmann::ordered_json want_templates = nlohmann::ordered_json::parse(R"({"ssh": {
    "user": [
      {"name": "config.tpl", "type": "snippet", "template": "templates/ssh/config.tpl",
       "path": "~/.ssh/config", "comment": "#"},
      {"name": "step_includes.tpl", "type": "prepend-line",
       "template": "templates/ssh/step_includes.tpl", "path": "${STEPPATH}/ssh/includes",
       "comment": "#"},
      {"name": "step_config.tpl", "type": "file", "template": "templates/ssh/step_config.tpl",
       "path": "ssh/config", "comment": "#"},
      {"name": "known_hosts.tpl", "type": "file", "template": "templates/ssh/known_hosts.tpl",
       "path": "ssh/known_hosts", "comment": "#"}
    ],
    "host": [
      {"name": "sshd_config.tpl", "type": "snippet", "template": "templates/ssh/sshd_config.tpl",
       "path": "/etc/ssh/sshd_config", "comment": "#", "requires": ["Certificate", "Key"]},
      {"name": "ca.tpl", "type": "snippet", "template": "templates/ssh/ca.tpl",
       "path": "/etc/ssh/ca.pub", "comment": "#"}
    ]}})");
  EXPECT_EQ(ca["templates"], want_templates);
  // Member order too (ordered_json equality ignores it).
  EXPECT_EQ(ca["templates"].dump(), want_templates.dump());
}

TEST_F(CaInitTest, SshCaJsonParsesAndValidates) {
  ASSERT_TRUE(RunCli(InitArgs({"--ssh", "--acme"})).status.ok());
  std::string text = ReadAll(H("config/ca.json"));
  CAIRN_ASSERT_OK_AND_ASSIGN(config::CaConfig cfg,
                             config::ParseCaConfig(text, H("config/ca.json")));
  CAIRN_EXPECT_OK(config::Validate(cfg));
  ASSERT_TRUE(cfg.ssh.has_value());
  EXPECT_EQ(cfg.ssh->host_key, H("secrets/ssh_host_ca_key"));
  EXPECT_EQ(cfg.ssh->user_key, H("secrets/ssh_user_ca_key"));
  EXPECT_TRUE(cfg.ssh->keys.empty());

  // JWK, then ACME, then SSHPOP, as step appends them.
  ASSERT_EQ(cfg.provisioners.size(), 3u);
  EXPECT_EQ(cfg.provisioners[0].type, "JWK");
  EXPECT_EQ(cfg.provisioners[0].claims.enable_ssh_ca, std::optional<bool>(true));
  EXPECT_EQ(cfg.provisioners[1].type, "ACME");
  EXPECT_EQ(cfg.provisioners[1].claims.enable_ssh_ca, std::nullopt);
  EXPECT_EQ(cfg.provisioners[2].type, "SSHPOP");
  EXPECT_EQ(cfg.provisioners[2].name, "sshpop");
  EXPECT_EQ(cfg.provisioners[2].claims.enable_ssh_ca, std::optional<bool>(true));
  ASSERT_NE(cfg.FindProvisioner("sshpop"), nullptr);

  std::vector<std::string> user_names, host_names;
  for (const auto& t : cfg.templates.ssh_user) user_names.push_back(t.name);
  for (const auto& t : cfg.templates.ssh_host) host_names.push_back(t.name);
  EXPECT_THAT(user_names,
              ElementsAre("config.tpl", "step_includes.tpl", "step_config.tpl", "known_hosts.tpl"));
  EXPECT_THAT(host_names, ElementsAre("sshd_config.tpl", "ca.tpl"));
  ASSERT_EQ(cfg.templates.ssh_host.size(), 2u);
  EXPECT_THAT(cfg.templates.ssh_host[0].requires_keys, ElementsAre("Certificate", "Key"));
  EXPECT_TRUE(cfg.templates.ssh_host[1].requires_keys.empty());
  for (const auto* list : {&cfg.templates.ssh_user, &cfg.templates.ssh_host}) {
    for (const auto& t : *list) {
      EXPECT_EQ(t.comment, "#") << t.name;
      // The template paths are relative to $STEPPATH and name the files written.
      EXPECT_EQ(t.template_path, "templates/ssh/" + t.name);
      EXPECT_TRUE(Exists(H(t.template_path))) << t.name;
    }
  }
  EXPECT_TRUE(cfg.templates.data.empty());
  EXPECT_EQ(config::SerializeCaConfig(cfg), text);
}

TEST_F(CaInitTest, SshProvisionerNameClashGetsSuffix) {
  std::vector<std::string> args = {
      "ca",        "init",  "--name",        "X",      "--dns",           "ca.example.com",
      "--address", ":9000", "--provisioner", "sshpop", "--password-file", password_file_,
      "--ssh"};
  ASSERT_TRUE(RunCli(args).status.ok());
  nlohmann::ordered_json provs = ParseJsonFile(H("config/ca.json"))["authority"]["provisioners"];
  ASSERT_EQ(provs.size(), 2u);
  EXPECT_EQ(provs[0]["name"], "sshpop");
  EXPECT_EQ(provs[0]["type"], "JWK");
  EXPECT_EQ(provs[1]["name"], "sshpop-1");
  EXPECT_EQ(provs[1]["type"], "SSHPOP");
}

// Templates rendered with Cairn's engine, with the data step-ca gives them: `.User` from the
// client's request and `.Step.SSH` with the CA keys (fields Type and Marshal, the wire blob).
class CaInitSshTemplateTest : public CaInitTest {
 protected:
  void SetUp() override {
    CaInitTest::SetUp();
    ASSERT_TRUE(RunCli(InitArgs({"--ssh"})).status.ok());
  }

  static templates::Value Key(const ssh::PublicKey& k) {
    return templates::Value::MakeMap({{"Type", templates::Value::String(k.type())},
                                      {"Marshal", templates::Value::String(k.Marshal())}});
  }

  ssh::PublicKey Pub(const std::string& rel) {
    auto k = ssh::PublicKey::ParseAuthorizedKey(ReadAll(H(rel)));
    EXPECT_TRUE(k.ok()) << k.status();
    return *k;
  }

  std::string Render(const std::string& name, const templates::Map& user,
                     std::vector<ssh::PublicKey> host_federated = {},
                     std::vector<ssh::PublicKey> user_federated = {}) {
    auto list = [](const std::vector<ssh::PublicKey>& keys) {
      templates::List out;
      for (const auto& k : keys) out.push_back(Key(k));
      return templates::Value::MakeList(std::move(out));
    };
    templates::Value ssh_data =
        templates::Value::MakeMap({{"HostKey", Key(Pub("certs/ssh_host_ca_key.pub"))},
                                   {"UserKey", Key(Pub("certs/ssh_user_ca_key.pub"))},
                                   {"HostFederatedKeys", list(host_federated)},
                                   {"UserFederatedKeys", list(user_federated)}});
    templates::Value data =
        templates::Value::MakeMap({{"Step", templates::Value::MakeMap({{"SSH", ssh_data}})},
                                   {"User", templates::Value::MakeMap(user)}});
    auto t = templates::Template::Parse(name, ReadAll(H("templates/ssh/" + name)),
                                        templates::StepFuncMap({}));
    EXPECT_TRUE(t.ok()) << name << ": " << t.status();
    if (!t.ok()) return "";
    auto out = t->Execute(data);
    EXPECT_TRUE(out.ok()) << name << ": " << out.status();
    return out.ok() ? *out : "";
  }
};

templates::Map UserData(std::vector<std::pair<std::string, std::string>> kv) {
  templates::Map m;
  for (auto& [k, v] : kv) m[k] = templates::Value::String(v);
  return m;
}

TEST_F(CaInitSshTemplateTest, ClientConfigTemplates) {
  const templates::Map linux_user = UserData({{"GOOS", "linux"}, {"StepPath", "/home/u/.step"}});
  EXPECT_EQ(Render("config.tpl", linux_user), "Host *\n\tInclude \"/home/u/.step/ssh/includes\"");
  EXPECT_EQ(Render("config.tpl", UserData({{"StepPath", "/home/u/.step/authorities/a"},
                                           {"StepBasePath", "/home/u/.step"}})),
            "Host *\n\tInclude \"/home/u/.step/ssh/includes\"");
  EXPECT_EQ(
      Render("config.tpl", UserData({{"GOOS", "windows"}, {"StepPath", "C:\\Users\\u\\.step"}})),
      "Host *\n\tInclude \"/Users/u/.step/ssh/includes\"");

  EXPECT_EQ(Render("step_includes.tpl", linux_user), "Include \"/home/u/.step/ssh/config\"");
  EXPECT_EQ(Render("step_includes.tpl",
                   UserData({{"GOOS", "windows"}, {"StepPath", "C:\\Users\\u\\.step"}})),
            "Include \"/Users/u/.step/ssh/config\"");

  EXPECT_EQ(Render("step_config.tpl", linux_user),
            "Match exec \"step ssh check-host %h\"\n"
            "\tUserKnownHostsFile \"/home/u/.step/ssh/known_hosts\"\n"
            "\tProxyCommand step ssh proxycommand %r %h %p\n");
  EXPECT_EQ(Render("step_config.tpl", UserData({{"StepPath", "/home/u/.step"},
                                                {"Context", "ca.example.com"},
                                                {"User", "alice"},
                                                {"Console", "true"},
                                                {"Provisioner", "admin"}})),
            "Match exec \"step ssh check-host --context ca.example.com %h\"\n"
            "\tUser alice\n"
            "\tUserKnownHostsFile \"/home/u/.step/ssh/known_hosts\"\n"
            "\tProxyCommand step ssh proxycommand --context ca.example.com --console "
            "--provisioner admin %r %h %p\n");
  EXPECT_EQ(Render("step_config.tpl",
                   UserData({{"GOOS", "windows"}, {"StepPath", "C:\\Users\\u\\.step"}})),
            "Match exec \"step ssh check-host %h\"\n"
            "\tUserKnownHostsFile \"C:\\Users\\u\\.step\\ssh\\known_hosts\"\n"
            "\tProxyCommand C:\\Windows\\System32\\cmd.exe /c step ssh proxycommand %r %h %p\n");
}

TEST_F(CaInitSshTemplateTest, KeyTemplatesMatchThePublicKeyFiles) {
  const std::string host_line = ReadAll(H("certs/ssh_host_ca_key.pub"));
  const std::string user_line = ReadAll(H("certs/ssh_user_ca_key.pub"));
  EXPECT_EQ(Render("known_hosts.tpl", {}), "@cert-authority * " + host_line);
  EXPECT_EQ(Render("ca.tpl", {}), user_line);
  // Federated keys follow, one line each.
  ssh::PublicKey user = Pub("certs/ssh_user_ca_key.pub");
  ssh::PublicKey host = Pub("certs/ssh_host_ca_key.pub");
  EXPECT_EQ(Render("known_hosts.tpl", {}, {user}),
            "@cert-authority * " + host_line + "@cert-authority * " + user_line);
  EXPECT_EQ(Render("ca.tpl", {}, {}, {host}), user_line + host_line);
}

TEST_F(CaInitSshTemplateTest, SshdConfigTemplate) {
  EXPECT_EQ(Render("sshd_config.tpl", UserData({{"Certificate", "ssh_host_ecdsa_key-cert.pub"},
                                                {"Key", "ssh_host_ecdsa_key"}})),
            "Match all\n"
            "\tTrustedUserCAKeys /etc/ssh/ca.pub\n"
            "\tHostCertificate /etc/ssh/ssh_host_ecdsa_key-cert.pub\n"
            "\tHostKey /etc/ssh/ssh_host_ecdsa_key");
}

TEST_F(CaInitTest, WithoutSshNothingOfItIsWritten) {
  CliResult r = RunCli(InitArgs());
  ASSERT_TRUE(r.status.ok()) << r.status;
  for (const char* f : kSshFiles) EXPECT_FALSE(Exists(H(f))) << f;
  EXPECT_FALSE(Exists(H("templates/ssh")));
  nlohmann::ordered_json ca = ParseJsonFile(H("config/ca.json"));
  EXPECT_FALSE(ca.contains("ssh"));
  EXPECT_FALSE(ca.contains("templates"));
  ASSERT_EQ(ca["authority"]["provisioners"].size(), 1u);
  EXPECT_FALSE(ca["authority"]["provisioners"][0].contains("claims"));
  EXPECT_THAT(r.err, Not(HasSubstr("SSH")));
  EXPECT_THAT(r.err, Not(HasSubstr("Templates folder")));
}

TEST_F(CaInitTest, SshWithPkiOnlyWritesTheKeysButNoConfiguration) {
  // step generates the SSH keys whenever --ssh is given; --pki only skips ca.json and the
  // templates.
  std::vector<std::string> args = {"ca",     "init", "--pki",           "--ssh",
                                   "--name", "Only", "--password-file", password_file_};
  CliResult r = RunCli(args);
  ASSERT_TRUE(r.status.ok()) << r.status;
  for (const char* f : kSshFiles) EXPECT_EQ(Mode(H(f)), 0600) << f;
  EXPECT_THAT(r.err, HasSubstr("SSH host private key: " + H("secrets/ssh_host_ca_key")));
  EXPECT_FALSE(Exists(H("templates/ssh")));
  EXPECT_FALSE(Exists(H("config/ca.json")));
  EXPECT_THAT(r.err, Not(HasSubstr("Templates folder")));
}

TEST_F(CaInitTest, SshWithNoDb) {
  ASSERT_TRUE(RunCli(InitArgs({"--ssh", "--no-db"})).status.ok());
  nlohmann::ordered_json ca = ParseJsonFile(H("config/ca.json"));
  EXPECT_FALSE(ca.contains("db"));
  EXPECT_TRUE(ca.contains("ssh"));
  EXPECT_EQ(ca["authority"]["provisioners"].size(), 2u);
}

TEST_F(CaInitTest, SshRefusesToOverwriteATemplateWithoutForce) {
  if (testing::HasTerminal()) GTEST_SKIP() << "a terminal would be asked to confirm";
  ASSERT_EQ(::mkdir(home_.c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(H("templates").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(H("templates/ssh").c_str(), 0700), 0);
  testing::WriteAll(H("templates/ssh/ca.tpl"), "my own\n");
  CliResult r = RunCli(InitArgs({"--ssh"}));
  EXPECT_FALSE(r.status.ok());
  EXPECT_THAT(r.status.message(), HasSubstr("already exists"));
  EXPECT_EQ(ReadAll(H("templates/ssh/ca.tpl")), "my own\n");
  EXPECT_FALSE(Exists(H("secrets/ssh_host_ca_key")));
  EXPECT_FALSE(Exists(H("config/ca.json")));

  ASSERT_TRUE(RunCli(InitArgs({"--ssh", "--force"})).status.ok());
  EXPECT_NE(ReadAll(H("templates/ssh/ca.tpl")), "my own\n");
}

}  // namespace
}  // namespace cairn::cli
