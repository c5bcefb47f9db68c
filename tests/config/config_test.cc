#include "config/config.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "testing/fakes.h"

namespace cairn::config {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using OJson = nlohmann::ordered_json;

std::string Testdata(const std::string& name) {
  return std::string(CAIRN_CONFIG_TESTDATA) + "/" + name;
}

CaConfig MustLoad(const std::string& name) {
  auto c = LoadCaConfig(Testdata(name));
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(c).value() : CaConfig{};
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "cairn_config_XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

int FileMode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

// A minimal valid config; tests change one thing.
OJson Minimal() {
  return OJson::parse(R"({
    "root": "/x/root_ca.crt", "crt": "/x/intermediate_ca.crt", "key": "/x/intermediate_ca_key",
    "address": ":9000", "dnsNames": ["ca.example.com"],
    "authority": {"provisioners": [
      {"type": "JWK", "name": "ops", "key": {"kty": "EC", "kid": "kid-ops"}}]}})");
}

TEST(CaConfigTest, ParsesWhatStepCaInitWrites) {
  CaConfig c = MustLoad("init_ca.json");
  EXPECT_THAT(c.roots, ElementsAre("/home/carl/.step/certs/root_ca.crt"));
  EXPECT_TRUE(c.federated_roots.empty());  // "federatedRoots": null
  EXPECT_EQ(c.crt, "/home/carl/.step/certs/intermediate_ca.crt");
  EXPECT_EQ(c.key, "/home/carl/.step/secrets/intermediate_ca_key");
  EXPECT_EQ(c.address, ":443");
  EXPECT_EQ(c.insecure_address, "");
  EXPECT_THAT(c.dns_names, ElementsAre("ca.example.com", "localhost"));
  ASSERT_TRUE(c.db.has_value());
  EXPECT_EQ(c.db->type, "badgerv2");
  EXPECT_EQ(c.db->data_source, "/home/carl/.step/db");
  ASSERT_TRUE(c.logger.has_value());
  EXPECT_EQ(c.logger->format, "text");
  EXPECT_EQ(c.logger->trace_header, "X-Smallstep-Id");
  EXPECT_EQ(c.tls.min_version, 1.2);
  EXPECT_EQ(c.tls.max_version, 1.3);
  EXPECT_FALSE(c.tls.renegotiation);
  EXPECT_THAT(c.tls.cipher_suites, ElementsAre("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                                               "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
  EXPECT_EQ(c.common_name, "Step Online CA");
  EXPECT_EQ(c.backdate, minutes(1));
  EXPECT_FALSE(c.enable_admin);
  EXPECT_TRUE(c.password.empty());
  EXPECT_FALSE(c.IsRegistrationAuthority());
  ASSERT_EQ(c.provisioners.size(), 1u);
  const ProvisionerConfig& p = c.provisioners[0];
  EXPECT_EQ(p.type, "JWK");
  EXPECT_EQ(p.name, "joe@example.com");
  EXPECT_EQ(p.raw["key"]["kid"], "2wSN_CmexXWig_DnpVZsYFdMH1Stc86BIBzN0rt5ipE");
  EXPECT_THAT(p.raw["encryptedKey"].get<std::string>(), ::testing::StartsWith("eyJhbGciOiJQQkVT"));
  EXPECT_EQ(p.claims, Claims{});
  EXPECT_EQ(c.FindProvisioner("joe@example.com"), &c.provisioners[0]);
  EXPECT_EQ(c.FindProvisioner("JOE@example.com"), nullptr);
  EXPECT_EQ(c.path, Testdata("init_ca.json"));
  CAIRN_EXPECT_OK(Validate(c));
}

TEST(CaConfigTest, ParsesStepCaTestdataShapedConfig) {
  CaConfig c = MustLoad("stepca_testdata_ca.json");
  EXPECT_THAT(c.roots, ElementsAre("../ca/testdata/secrets/root_ca.crt",
                                   "../ca/testdata/secrets/rotated_root_ca.crt"));
  EXPECT_THAT(c.federated_roots, ElementsAre("../ca/testdata/secrets/federated_ca.crt"));
  EXPECT_EQ(c.password, "password");
  EXPECT_EQ(c.address, "127.0.0.1:0");
  EXPECT_FALSE(c.logger.has_value());  // it is spelled "_logger" there: disabled
  EXPECT_FALSE(c.db.has_value());      // no db: in-memory store
  EXPECT_EQ(c.backdate, seconds(0));
  EXPECT_EQ(c.authority_claims.max_tls_cert_duration, hours(48));
  EXPECT_EQ(c.authority_claims.enable_ssh_ca, true);
  EXPECT_EQ(c.authority_template["country"], "US");
  EXPECT_EQ(c.authority_template["organization"], "Smallstep");
  EXPECT_THAT(c.tls.cipher_suites, ElementsAre("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
                                               "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
                                               "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));

  std::vector<std::string> names, types;
  for (const auto& p : c.provisioners) {
    names.push_back(p.name);
    types.push_back(p.type);
  }
  EXPECT_THAT(names, ElementsAre("max", "mike", "step-cli", "mariano", "maxey", "acme", "Google",
                                 "scep", "from-a-newer-step-ca"));
  EXPECT_THAT(types,
              ElementsAre("jwk", "jwk", "jwk", "jwk", "jwk", "ACME", "OIDC", "SCEP", "FutureType"));
  EXPECT_TRUE(IsKnownProvisionerType("jwk"));
  EXPECT_TRUE(IsKnownProvisionerType("k8ssa"));
  EXPECT_FALSE(IsKnownProvisionerType("FutureType"));

  const ProvisionerConfig* mariano = c.FindProvisioner("mariano");
  ASSERT_NE(mariano, nullptr);
  EXPECT_EQ(mariano->claims.min_tls_cert_duration, seconds(1));
  const ProvisionerConfig* acme = c.FindProvisioner("acme");
  ASSERT_NE(acme, nullptr);
  EXPECT_EQ(acme->raw["forceCN"], true);
  EXPECT_EQ(acme->raw["options"]["x509"]["templateData"]["team"], "infra");
  EXPECT_EQ(c.FindProvisioner("scep")->raw["encryptionAlgorithmIdentifier"], 2);
  EXPECT_EQ(c.FindProvisioner("from-a-newer-step-ca")->raw["someOption"]["nested"][1], 2.5);

  // Effective claims: provisioner, then authority.claims, then the built-ins.
  EffectiveClaims m = ResolveClaims(mariano->claims, c.authority_claims);
  EXPECT_EQ(m.min_tls_cert_duration, seconds(1));
  EXPECT_EQ(m.default_tls_cert_duration, hours(24));
  EXPECT_EQ(m.max_tls_cert_duration, hours(48));
  EXPECT_TRUE(m.enable_ssh_ca);
  EffectiveClaims maxey = ResolveClaims(c.FindProvisioner("maxey")->claims, c.authority_claims);
  EXPECT_EQ(maxey.default_tls_cert_duration, hours(72));
  EXPECT_EQ(maxey.max_tls_cert_duration, hours(72));
  EXPECT_TRUE(maxey.disable_renewal);
  EffectiveClaims a = ResolveClaims(acme->claims, c.authority_claims);
  EXPECT_EQ(a.min_tls_cert_duration, minutes(1));
  EXPECT_EQ(a.default_tls_cert_duration, minutes(2));

  CAIRN_EXPECT_OK(Validate(c));
}

TEST(CaConfigTest, AppliesStepCaDefaults) {
  auto c = ParseCaConfig(R"({"address": ":443", "root": "r", "crt": "c", "key": "k",
                             "tls": {"maxVersion": 1.2}})",
                         "");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->dns_names, ElementsAre("localhost", "127.0.0.1", "::1"));
  EXPECT_EQ(c->common_name, "Step Online CA");
  EXPECT_EQ(c->tls.min_version, 1.2);
  EXPECT_EQ(c->tls.max_version, 1.2);
  EXPECT_EQ(c->tls.cipher_suites.size(), 2u);
  EXPECT_EQ(c->backdate, minutes(1));
  EXPECT_TRUE(c->provisioners.empty());
  EXPECT_TRUE(c->authority_template.is_null());
  CAIRN_EXPECT_OK(Validate(*c));
}

TEST(CaConfigTest, MatchesKeysIgnoringCaseLikeGo) {
  auto c = ParseCaConfig(R"({"Address": ":443", "ROOT": "r", "crt": "c", "Key": "k",
                             "DNSNames": ["ca"], "Authority": {"Provisioners": [
                               {"Type": "jwk", "Name": "n", "Claims": {"MinTLSCertDuration": "1m"}}]}})",
                         "");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->address, ":443");
  EXPECT_THAT(c->dns_names, ElementsAre("ca"));
  ASSERT_EQ(c->provisioners.size(), 1u);
  EXPECT_EQ(c->provisioners[0].name, "n");
  EXPECT_EQ(c->provisioners[0].claims.min_tls_cert_duration, minutes(1));
}

TEST(CaConfigTest, RegistrationAuthorityNeedsNoKeys) {
  OJson j = Minimal();
  j.erase("root");
  j.erase("crt");
  j.erase("key");
  j["authority"]["type"] = "StepCAS";
  auto c = ParseCaConfigJson(j, "ra.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->IsRegistrationAuthority());
  CAIRN_EXPECT_OK(Validate(*c));
}

struct InvalidFile {
  const char* file;
  bool fails_parse;  // else it parses and Validate rejects it
  const char* want;
};

class InvalidFixtureTest : public ::testing::TestWithParam<InvalidFile> {};

TEST_P(InvalidFixtureTest, IsRejected) {
  const InvalidFile& f = GetParam();
  auto c = LoadCaConfig(Testdata(f.file));
  Status s = c.ok() ? Validate(*c) : c.status();
  EXPECT_EQ(c.ok(), !f.fails_parse) << c.status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(s.message(), HasSubstr(f.want));
  EXPECT_THAT(s.message(), HasSubstr(f.file));  // the message names the file
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, InvalidFixtureTest,
    ::testing::Values(InvalidFile{"invalid/no_port.json", false, "missing port in address"},
                      InvalidFile{"invalid/tls_min_above_max.json", false,
                                  "tls minVersion (1.3) cannot exceed tls maxVersion (1.2)"},
                      InvalidFile{"invalid/bad_duration.json", true,
                                  "authority.provisioners[0] (\"ops\").claims.maxTLSCertDuration"},
                      InvalidFile{"invalid/duplicate_names.json", false,
                                  "cannot add multiple provisioners with the same name"},
                      InvalidFile{"invalid/no_root.json", false, "root cannot be empty"}),
    [](const ::testing::TestParamInfo<InvalidFile>& p) {
      std::string name = std::filesystem::path(p.param.file).stem();
      return name;
    });

struct InvalidCase {
  const char* name;
  std::function<void(OJson&)> edit;
  bool fails_parse;
  const char* want;
};

TEST(CaConfigTest, RejectsInvalidConfigs) {
  const InvalidCase cases[] = {
      {"empty address", [](OJson& j) { j["address"] = ""; }, false, "address cannot be empty"},
      {"too many colons", [](OJson& j) { j["address"] = "::1:443"; }, false, "too many colons"},
      {"empty dnsNames", [](OJson& j) { j["dnsNames"] = OJson::array(); }, false,
       "dnsNames cannot be empty"},
      {"empty root in list",
       [](OJson& j) {
         j["root"] = {"/a", ""};
       },
       false, "root cannot be empty"},
      {"no crt", [](OJson& j) { j.erase("crt"); }, false, "crt cannot be empty"},
      {"no key", [](OJson& j) { j["key"] = ""; }, false, "key cannot be empty"},
      {"tls 1.4",
       [](OJson& j) {
         j["tls"] = {{"maxVersion", 1.4}};
       },
       false, "tls.maxVersion 1.4 is not a TLS version"},
      {"tls version string",
       [](OJson& j) {
         j["tls"] = {{"minVersion", "1.2"}};
       },
       true, "tls.minVersion must be a number"},
      {"unknown cipher",
       [](OJson& j) {
         j["tls"] = {{"cipherSuites", OJson::array({"TLS_NULL_WITH_NULL"})}};
       },
       false, "unknown cipher suite TLS_NULL_WITH_NULL"},
      {"negative backdate", [](OJson& j) { j["authority"]["backdate"] = "-1m"; }, false,
       "authority.backdate cannot be less than 0"},
      {"bad backdate", [](OJson& j) { j["authority"]["backdate"] = "1 minute"; }, true,
       "authority.backdate"},
      {"authority claims max < min",
       [](OJson& j) {
         j["authority"]["claims"] = {{"minTLSCertDuration", "2h"}, {"maxTLSCertDuration", "1h"}};
       },
       false, "authority.claims: maxTLSCertDuration (1h0m0s) cannot be less than"},
      {"provisioner claims default < min",
       [](OJson& j) {
         j["authority"]["provisioners"][0]["claims"] = {{"minTLSCertDuration", "1h"},
                                                        {"defaultTLSCertDuration", "30m"}};
       },
       false, "(\"ops\"): claims: defaultTLSCertDuration (30m0s) cannot be less than"},
      {"two K8sSA",
       [](OJson& j) {
         j["authority"]["provisioners"].push_back({{"type", "K8sSA"}, {"name", "k1"}});
         j["authority"]["provisioners"].push_back({{"type", "k8ssa"}, {"name", "k2"}});
       },
       false, "more than one kubernetes service account provisioner"},
      {"duplicate OIDC client",
       [](OJson& j) {
         j["authority"]["provisioners"].push_back(
             {{"type", "OIDC"}, {"name", "google"}, {"clientID", "abc"}});
         j["authority"]["provisioners"].push_back(
             {{"type", "oidc"}, {"name", "google-2"}, {"clientID", "abc"}});
       },
       false, "same token identifier"},
      {"provisioner without type",
       [](OJson& j) {
         j["authority"]["provisioners"].push_back({{"name", "x"}});
       },
       false, "(\"x\") has no type"},
      {"provisioner without name",
       [](OJson& j) {
         j["authority"]["provisioners"].push_back({{"type", "ACME"}});
       },
       false, "authority.provisioners[1] has no name"},
      {"provisioner not an object",
       [](OJson& j) { j["authority"]["provisioners"].push_back("jwk"); }, true,
       "authority.provisioners[1] must be an object"},
      {"claims not an object",
       [](OJson& j) { j["authority"]["provisioners"][0]["claims"] = "24h"; }, true,
       "claims must be an object"},
      {"flag not a bool", [](OJson& j) { j["authority"]["enableAdmin"] = "yes"; }, true,
       "authority.enableAdmin must be true or false"},
      {"root a number", [](OJson& j) { j["root"] = 7; }, true,
       "root must be a string or an array of strings"},
      {"db not an object", [](OJson& j) { j["db"] = "badger"; }, true, "db must be an object"},
      {"provisioners not an array",
       [](OJson& j) { j["authority"]["provisioners"] = OJson::object(); }, true,
       "authority.provisioners must be an array"},
      {"top level array", [](OJson& j) { j = OJson::array(); }, true, "must be a JSON object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    OJson j = Minimal();
    c.edit(j);
    auto parsed = ParseCaConfigJson(j, "/etc/ca.json");
    Status s = parsed.ok() ? Validate(*parsed) : parsed.status();
    EXPECT_EQ(!parsed.ok(), c.fails_parse) << s;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(s.message(), HasSubstr(c.want));
    EXPECT_THAT(s.message(), ::testing::StartsWith("/etc/ca.json: "));
  }
  // The untouched minimal config is valid: each failure above is the edit's.
  auto ok = ParseCaConfigJson(Minimal(), "");
  ASSERT_TRUE(ok.ok());
  CAIRN_EXPECT_OK(Validate(*ok));
}

TEST(CaConfigTest, JwkProvisionersMayNotShareANameEvenWithDifferentKids) {
  // Older step-ca testdata had two "max" JWKs with different kids; current step-ca refuses
  // duplicate names, and so do we.
  OJson j = Minimal();
  j["authority"]["provisioners"].push_back(
      {{"type", "JWK"}, {"name", "ops"}, {"key", {{"kid", "another-kid"}}}});
  auto c = ParseCaConfigJson(j, "");
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(Validate(*c).message(), HasSubstr("same name"));
}

TEST(CaConfigTest, SyntaxErrorsNeverQuoteTheInput) {
  for (const char* text :
       {R"({"password": "hunter2-secret", "address": })",
        R"({"address": ":443", "password": "hunter2-secret)", R"({"password": hunter2-secret})"}) {
    SCOPED_TRACE(text);
    auto c = ParseCaConfig(text, "ca.json");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(c.status().message(), HasSubstr("invalid JSON"));
    EXPECT_THAT(c.status().message(), HasSubstr("line 1"));
    EXPECT_THAT(c.status().message(), Not(HasSubstr("hunter2")));
  }
  auto typed = ParseCaConfig(R"({"password": ["hunter2-secret"]})", "ca.json");
  ASSERT_FALSE(typed.ok());
  EXPECT_THAT(typed.status().message(), HasSubstr("password must be a string"));
  EXPECT_THAT(typed.status().message(), Not(HasSubstr("hunter2")));
}

TEST(CaConfigTest, BoundsNesting) {
  std::string deep =
      R"({"address": ":1", "x": )" + std::string(100, '[') + std::string(100, ']') + "}";
  auto c = ParseCaConfig(deep, "ca.json");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("nested deeper than"));
  // Brackets inside strings do not count.
  auto ok = ParseCaConfig(R"({"address": ":1", "x": ")" + std::string(100, '[') + R"("})", "");
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST(CaConfigTest, LoadReportsMissingFile) {
  auto c = LoadCaConfig(Testdata("does-not-exist.json"));
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
}

TEST(CaConfigEditTest, RoundTripKeepsEverythingItDoesNotUnderstand) {
  TempDir dir;
  const CaConfig original = MustLoad("stepca_testdata_ca.json");
  CaConfig c = original;
  CAIRN_ASSERT_OK(c.AddProvisioner(OJson::parse(
      R"({"type": "X5C", "name": "x5c", "roots": "LS0tLS1CRUdJTi0tLS0t", "claims":
          {"maxTLSCertDuration": "8h"}})")));
  ASSERT_NE(c.FindProvisioner("x5c"), nullptr);
  EXPECT_EQ(c.FindProvisioner("x5c")->claims.max_tls_cert_duration, hours(8));
  EXPECT_EQ(c.provisioners.size(), original.provisioners.size() + 1);
  EXPECT_EQ(c.raw["authority"]["provisioners"].back()["roots"], "LS0tLS1CRUdJTi0tLS0t");
  CAIRN_ASSERT_OK(c.RemoveProvisioner("x5c"));
  EXPECT_EQ(c.FindProvisioner("x5c"), nullptr);

  const std::string out = dir.File("ca.json");
  CAIRN_ASSERT_OK(SaveCaConfig(c, out));
  auto reloaded = LoadCaConfig(out);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  // ordered_json compares objects member by member in order: same keys, values and order.
  EXPECT_EQ(reloaded->raw, original.raw);
  EXPECT_EQ(reloaded->raw["_logger"]["format"], "text");
  EXPECT_EQ(reloaded->raw["authority"]["minCertDuration"], "1m");
  EXPECT_EQ(reloaded->raw["monitoring"]["type"], "newrelic");

  // Written the way step writes ca.json: tab-indented, newline-terminated; private because the
  // file holds a password.
  auto text = ReadFile(out);
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, ::testing::StartsWith("{\n\t\"root\": [\n\t\t\"../ca/testdata"));
  EXPECT_EQ(text->back(), '\n');
  EXPECT_EQ(FileMode(out), 0600);
}

TEST(CaConfigEditTest, SaveKeepsTheModeOfTheFileItReplaces) {
  TempDir dir;
  CaConfig c = MustLoad("init_ca.json");  // no password
  const std::string fresh = dir.File("fresh.json");
  CAIRN_ASSERT_OK(SaveCaConfig(c, fresh));
  EXPECT_EQ(FileMode(fresh), 0644);
  const std::string restricted = dir.File("restricted.json");
  { std::ofstream(restricted) << "{}"; }
  ASSERT_EQ(::chmod(restricted.c_str(), 0640), 0);
  CAIRN_ASSERT_OK(SaveCaConfig(c, restricted));
  EXPECT_EQ(FileMode(restricted), 0640);
  auto back = LoadCaConfig(restricted);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->raw, c.raw);
}

TEST(CaConfigEditTest, AddRejectsDuplicatesAndMalformedObjects) {
  CaConfig c = MustLoad("init_ca.json");
  const OJson before = c.raw;
  Status dup = c.AddProvisioner({{"type", "ACME"}, {"name", "joe@example.com"}});
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists) << dup;
  EXPECT_EQ(c.AddProvisioner({{"name", "no-type"}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.AddProvisioner({{"type", "ACME"}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.AddProvisioner(OJson::array()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.AddProvisioner(
                 {{"type", "ACME"}, {"name", "a"}, {"claims", {{"minTLSCertDuration", "1d"}}}})
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(c.raw, before);
  EXPECT_EQ(c.provisioners.size(), 1u);
}

TEST(CaConfigEditTest, AddCreatesTheListWhenMissing) {
  auto c = ParseCaConfig(R"({"address": ":443", "extra": 1})", "");
  ASSERT_TRUE(c.ok());
  CAIRN_ASSERT_OK(c->AddProvisioner({{"type", "ACME"}, {"name", "acme"}}));
  ASSERT_EQ(c->provisioners.size(), 1u);
  EXPECT_EQ(c->raw.dump(), R"({"address":":443","extra":1,"authority":{"provisioners":[)"
                           R"({"type":"ACME","name":"acme"}]}})");
}

TEST(CaConfigEditTest, RemoveUnknownIsNotFound) {
  CaConfig c = MustLoad("init_ca.json");
  EXPECT_EQ(c.RemoveProvisioner("nobody").code(), StatusCode::kNotFound);
  EXPECT_EQ(c.RemoveProvisioner("JOE@EXAMPLE.COM").code(), StatusCode::kNotFound);
  CAIRN_ASSERT_OK(c.RemoveProvisioner("joe@example.com"));
  EXPECT_TRUE(c.provisioners.empty());
  EXPECT_TRUE(c.raw["authority"]["provisioners"].is_array());
}

TEST(CaConfigEditTest, UpdateAppliesAMergePatch) {
  CaConfig c = MustLoad("stepca_testdata_ca.json");
  CAIRN_ASSERT_OK(
      c.UpdateProvisioner("mariano", OJson::parse(R"({"claims": {"maxTLSCertDuration": "12h"},
                                  "encryptedKey": null, "options": {"x509": {}}})")));
  const ProvisionerConfig* m = c.FindProvisioner("mariano");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->claims.min_tls_cert_duration, seconds(1));  // merged, not replaced
  EXPECT_EQ(m->claims.max_tls_cert_duration, hours(12));
  EXPECT_FALSE(m->raw.contains("encryptedKey"));  // null deletes
  EXPECT_TRUE(m->raw.contains("options"));
  EXPECT_EQ(m->raw["key"]["kid"], "FLIV7q23CXHrg75J2OSbvzwKJJqoxCYixjmsJirneOg");
  // The edit reached the document that will be saved, in place.
  EXPECT_EQ(c.raw["authority"]["provisioners"][3]["claims"]["maxTLSCertDuration"], "12h");

  CAIRN_ASSERT_OK(c.UpdateProvisioner("mariano", {{"name", "mariano2"}}));
  EXPECT_EQ(c.FindProvisioner("mariano"), nullptr);
  EXPECT_NE(c.FindProvisioner("mariano2"), nullptr);

  const OJson before = c.raw;
  EXPECT_EQ(c.UpdateProvisioner("mariano2", {{"name", "max"}}).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(c.UpdateProvisioner("nobody", {{"name", "x"}}).code(), StatusCode::kNotFound);
  EXPECT_EQ(c.UpdateProvisioner("max", OJson::array()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.UpdateProvisioner("max", {{"name", nullptr}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.UpdateProvisioner("max", {{"claims", {{"enableSSHCA", "yes"}}}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(c.raw, before);
}

TEST(ResolvePathTest, Table) {
  struct Case {
    const char* p;
    const char* want;
  } cases[] = {
      {"", ""},
      {"/etc/step/certs/root_ca.crt", "/etc/step/certs/root_ca.crt"},
      {"certs/root_ca.crt", "/home/u/.step/certs/root_ca.crt"},
      {"./secrets/key", "/home/u/.step/./secrets/key"},
      {"pkcs11:id=7331;object=intermediate", "pkcs11:id=7331;object=intermediate"},
      {"awskms:key-id=abc", "awskms:key-id=abc"},
      {"yubikey:slot-id=9c", "yubikey:slot-id=9c"},
      {"https://ca.example.com/roots.pem", "https://ca.example.com/roots.pem"},
      {"templates/x509/leaf.tpl", "/home/u/.step/templates/x509/leaf.tpl"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ResolvePath("/home/u/.step", c.p), c.want) << c.p;
  }
}

}  // namespace
}  // namespace cairn::config

namespace cairn::config {
namespace {

constexpr const char* kBase = R"("address": ":443", "root": "r", "crt": "c", "key": "k")";

Result<CaConfig> Parse(const std::string& extra) {
  return ParseCaConfig("{" + std::string(kBase) + (extra.empty() ? "" : ", " + extra) + "}", "");
}

TEST(RevocationConfigTest, CrlAndOcspBlocksWithDefaults) {
  auto off = Parse("");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->crl.enabled);
  EXPECT_FALSE(off->ocsp.enabled);

  auto c = Parse(R"("insecureAddress": ":8080",
                    "crl": {"enabled": true, "generateOnRevoke": true, "cacheDuration": "12h",
                            "renewPeriod": "6h", "idpURL": "http://ca.example.com/crl",
                            "delta": true},
                    "ocsp": {"enabled": true})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->crl.enabled);
  EXPECT_TRUE(c->crl.generate_on_revoke);
  EXPECT_EQ(c->crl.cache_duration, std::chrono::hours(12));
  EXPECT_EQ(c->crl.renew_period, std::chrono::hours(6));
  EXPECT_EQ(c->crl.idp_url, "http://ca.example.com/crl");
  EXPECT_TRUE(c->crl.delta);
  EXPECT_TRUE(c->ocsp.enabled);
  EXPECT_EQ(c->ocsp.path, "/ocsp");
  EXPECT_EQ(c->ocsp.lifetime, std::chrono::hours(24));
  EXPECT_TRUE(c->ocsp.delegated);
  EXPECT_EQ(c->ocsp.responder_lifetime, std::chrono::hours(24 * 7));
  EXPECT_EQ(c->ocsp.cache_size, 100000);
  CAIRN_EXPECT_OK(Validate(*c));
  // A defaulted CRL has step-ca's 24h lifetime.
  EXPECT_EQ(Parse(R"("crl": {"enabled": true})")->crl.cache_duration, std::chrono::hours(24));
}

TEST(RevocationConfigTest, RefusesBadRevocationSettings) {
  const char* bad[] = {
      R"("crl": {"enabled": true, "cacheDuration": "10s"})",
      R"("crl": {"enabled": true, "cacheDuration": "1h", "renewPeriod": "2h"})",
      R"("crl": {"enabled": true, "idpURL": "ftp://x/crl"})",
      R"("ocsp": {"enabled": true, "path": "ocsp"})",
      R"("ocsp": {"enabled": true, "path": "/ocsp/{x}"})",
      R"("ocsp": {"enabled": true, "lifetime": "30s"})",
      R"("ocsp": {"enabled": true, "responderLifetime": "10m"})",
      R"("ocsp": {"enabled": true, "url": "ldap://x"})",
      R"("insecureAddress": "no-port")",
  };
  for (const char* extra : bad) {
    auto c = Parse(extra);
    Status s = c.ok() ? Validate(*c) : c.status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << extra;
  }
  EXPECT_FALSE(Parse(R"("ocsp": {"enabled": true, "cacheSize": -1})").ok());
  EXPECT_FALSE(Parse(R"("crl": {"enabled": "yes"})").ok());
}

}  // namespace
}  // namespace cairn::config

namespace cairn::config {
namespace {

TEST(SshConfigTest, SshAndTemplatesBlocks) {
  auto c = ParseCaConfig(R"({"address": ":443", "root": "r", "crt": "c", "key": "k",
      "ssh": {"hostKey": "secrets/ssh_host_ca_key", "userKey": "secrets/ssh_user_ca_key",
              "keys": [{"type": "user", "federated": true, "key": {"kty": "EC"}}]},
      "templates": {"ssh": {
          "user": [{"name": "config.tpl", "type": "snippet", "template": "templates/ssh/config.tpl",
                    "path": "~/.ssh/config", "comment": "#"}],
          "host": [{"name": "sshd_config.tpl", "type": "snippet",
                    "template": "templates/ssh/sshd_config.tpl", "path": "/etc/ssh/sshd_config",
                    "comment": "#", "requires": ["Certificate", "Key"]}]},
        "data": {"team": "ops"}}})",
                         "");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->ssh.has_value());
  EXPECT_EQ(c->ssh->host_key, "secrets/ssh_host_ca_key");
  EXPECT_EQ(c->ssh->user_key, "secrets/ssh_user_ca_key");
  EXPECT_EQ(c->ssh->add_user_principal, "provisioner");
  ASSERT_EQ(c->ssh->keys.size(), 1u);
  EXPECT_TRUE(c->ssh->keys[0].federated);
  ASSERT_EQ(c->templates.ssh_user.size(), 1u);
  EXPECT_EQ(c->templates.ssh_user[0].template_path, "templates/ssh/config.tpl");
  ASSERT_EQ(c->templates.ssh_host.size(), 1u);
  EXPECT_THAT(c->templates.ssh_host[0].requires_keys, ElementsAre("Certificate", "Key"));
  EXPECT_EQ(c->templates.data["team"], "ops");
  CAIRN_EXPECT_OK(Validate(*c));

  auto none = ParseCaConfig(R"({"address": ":443", "root": "r", "crt": "c", "key": "k"})", "");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->ssh.has_value());

  auto bad = ParseCaConfig(R"({"address": ":443", "root": "r", "crt": "c", "key": "k",
      "templates": {"ssh": {"user": [{"name": "x", "type": "weird"}]}}})",
                           "");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(Validate(*bad).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::config

// Cairn's own `cairn.http` block: the HTTP server's limits.
namespace cairn::config {
namespace {

Result<CaConfig> ParseWith(const std::string& extra) {
  return ParseCaConfig(R"({"address": ":443", "root": "r", "crt": "c", "key": "k")" +
                           (extra.empty() ? "" : ", " + extra) + "}",
                       "");
}

TEST(HttpLimitsConfigTest, DefaultsAndOverrides) {
  auto d = ParseWith("");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->http_limits.read_timeout, std::chrono::seconds(30));
  EXPECT_EQ(d->http_limits.write_timeout, std::chrono::seconds(30));
  EXPECT_EQ(d->http_limits.idle_timeout, std::chrono::seconds(60));
  EXPECT_EQ(d->http_limits.max_connections, 4096);
  CAIRN_EXPECT_OK(Validate(*d));

  auto c = ParseWith(R"("cairn": {"http": {"readTimeout": "2s", "writeTimeout": "1500ms",
                                             "idleTimeout": "1m30s", "maxConnections": 50}})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->http_limits.read_timeout, std::chrono::seconds(2));
  EXPECT_EQ(c->http_limits.write_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c->http_limits.idle_timeout, std::chrono::seconds(90));
  EXPECT_EQ(c->http_limits.max_connections, 50);
  CAIRN_EXPECT_OK(Validate(*c));

  // Only what is given changes; an empty or null block is the defaults.
  auto partial = ParseWith(R"("cairn": {"http": {"idleTimeout": "5s"}})");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->http_limits.idle_timeout, std::chrono::seconds(5));
  EXPECT_EQ(partial->http_limits.read_timeout, std::chrono::seconds(30));
  EXPECT_EQ(ParseWith(R"("cairn": {})")->http_limits.max_connections, 4096);
  EXPECT_EQ(ParseWith(R"("cairn": {"http": null})")->http_limits.max_connections, 4096);
  // Other members of `cairn` are not this block's business.
  EXPECT_TRUE(ParseWith(R"("cairn": {"http": {}, "other": 1})").ok());
}

TEST(HttpLimitsConfigTest, RefusesBadLimitsWithClearMessages) {
  struct Case {
    const char* block;
    const char* message;
  };
  const Case cases[] = {
      {R"("cairn": 5)", "cairn must be an object"},
      {R"("cairn": {"http": []})", "cairn.http must be an object"},
      {R"("cairn": {"http": {"readTimeout": "soon"}})", "cairn.http.readTimeout"},
      {R"("cairn": {"http": {"writeTimeout": true}})",
       "cairn.http.writeTimeout must be a duration"},
      {R"("cairn": {"http": {"readTimeout": "0s"}})",
       "cairn.http.readTimeout must be between 100ms and 1h0m0s, got 0s"},
      {R"("cairn": {"http": {"idleTimeout": "-1s"}})", "cairn.http.idleTimeout must be between"},
      {R"("cairn": {"http": {"writeTimeout": "2h"}})", "cairn.http.writeTimeout must be between"},
      {R"("cairn": {"http": {"readTimeout": "50ms"}})", "cairn.http.readTimeout must be between"},
      {R"("cairn": {"http": {"maxConnections": 0}})",
       "cairn.http.maxConnections must be between 1 and 1000000"},
      {R"("cairn": {"http": {"maxConnections": 99999999999}})",
       "cairn.http.maxConnections must be between 1 and 1000000"},
      {R"("cairn": {"http": {"maxConnections": "10"}})",
       "cairn.http.maxConnections must be an integer"},
      {R"("cairn": {"http": {"maxConnections": 1.5}})",
       "cairn.http.maxConnections must be an integer"},
      {R"("cairn": {"http": {"readTimout": "2s"}})", "cairn.http: unknown field \"readTimout\""},
  };
  for (const Case& tc : cases) {
    auto c = ParseWith(tc.block);
    Status s = c.ok() ? Validate(*c) : c.status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << tc.block;
    EXPECT_THAT(s.message(), HasSubstr(tc.message)) << tc.block;
  }
}

// `cairn ca provisioner add` and friends save ca.json from `raw`: the block survives an edit,
// member order included, and step-ca's own fields are untouched.
TEST(HttpLimitsConfigTest, SurvivesProvisionerEditsAndSave) {
  TempDir dir;
  auto c = ParseWith(R"("cairn": {"http": {"readTimeout": "3s", "maxConnections": 64}},
                        "authority": {"provisioners": []})");
  ASSERT_TRUE(c.ok()) << c.status();
  CAIRN_ASSERT_OK(c->AddProvisioner(OJson::parse(R"({"type": "ACME", "name": "acme"})")));
  const std::string out = dir.File("ca.json");
  CAIRN_ASSERT_OK(SaveCaConfig(*c, out));
  auto reloaded = LoadCaConfig(out);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ(reloaded->raw["cairn"], OJson::parse(R"({"http": {"readTimeout": "3s",
                                                              "maxConnections": 64}})"));
  EXPECT_EQ(reloaded->http_limits.read_timeout, std::chrono::seconds(3));
  EXPECT_EQ(reloaded->http_limits.max_connections, 64);
  ASSERT_NE(reloaded->FindProvisioner("acme"), nullptr);
}

}  // namespace
}  // namespace cairn::config
