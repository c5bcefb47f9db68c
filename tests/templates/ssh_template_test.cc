#include "templates/ssh_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/duration.h"
#include "templates/funcs.h"
#include "templates/template.h"
#include "testing/fakes.h"

namespace cairn::templates {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using StringMap = std::map<std::string, std::string>;

Result<SshCertificateSpec> Render(std::string_view text, const SshTemplateData& data) {
  CAIRN_ASSIGN_OR_RETURN(Template t, Template::Parse("template", text, StepFuncMap({})));
  CAIRN_ASSIGN_OR_RETURN(std::string out, t.Execute(SshDataValue(data)));
  return ParseSshCertificateJson(out);
}

SshTemplateData UserData() {
  SshTemplateData d;
  d.type = "user";
  d.key_id = "jane@example.com";
  d.principals = {"jane", "jane@example.com"};
  d.extensions = DefaultSshExtensions(SshCertType::kUser);
  d.request = {.key_type = "ssh-ed25519",
               .type = "user",
               .key_id = "requested-id",
               .principals = {"requested"}};
  return d;
}

TEST(SshDataTest, DefaultExtensions) {
  EXPECT_EQ(DefaultSshExtensions(SshCertType::kUser), (StringMap{{"permit-X11-forwarding", ""},
                                                                 {"permit-agent-forwarding", ""},
                                                                 {"permit-port-forwarding", ""},
                                                                 {"permit-pty", ""},
                                                                 {"permit-user-rc", ""}}));
  EXPECT_THAT(DefaultSshExtensions(SshCertType::kHost), IsEmpty());
  EXPECT_EQ(SshCertTypeName(SshCertType::kHost), "host");
}

TEST(SshDataTest, ValueShape) {
  SshTemplateData d = UserData();
  d.token = Value::MakeMap({{"sub", Value::String("jane")}});
  d.user = Value::MakeMap({{"shell", Value::String("zsh")}});
  d.webhooks = {{"ldap", Value::MakeMap({{"groups", Value::String("eng")}})}};
  d.provisioner_data = {{"Team", Value::String("blue")}};
  const Value v = SshDataValue(d);
  std::vector<std::string> keys;
  for (const auto& [k, _] : v.as_map()) keys.push_back(k);
  EXPECT_THAT(keys, ElementsAre("Extensions", "Insecure", "KeyID", "Principals", "Team", "Token",
                                "Type", "Webhooks"));
  const Value cr = *(*v.Field("Insecure")).Field("CR");
  EXPECT_EQ(cr.TypeName(), "sshutil.CertificateRequest");
  EXPECT_EQ((*cr.Field("Key")).TypeName(), "ssh.ed25519PublicKey");
  EXPECT_EQ((*cr.Field("KeyID")).as_string(), "requested-id");
  // sshutil.CertificateRequest has no json tags: Go field names; the key marshals as {}.
  EXPECT_EQ(cr.ToJson().dump(),
            R"({"Key":{},"Type":"user","KeyID":"requested-id","Principals":["requested"]})");
  EXPECT_EQ((*(*v.Field("Insecure")).Field("User")).Field("shell")->as_string(), "zsh");
  // No critical options were set: nil, as step's data has it.
  EXPECT_TRUE(v.Field("CriticalOptions")->is_nil());

  SshTemplateData rsa = UserData();
  rsa.request.key_type = "ssh-rsa";
  EXPECT_EQ(SshDataValue(rsa).Field("Insecure")->Field("CR")->Field("Key")->TypeName(),
            "*ssh.rsaPublicKey");
  rsa.request.key_type = "ecdsa-sha2-nistp384";
  EXPECT_EQ(SshDataValue(rsa).Field("Insecure")->Field("CR")->Field("Key")->TypeName(),
            "*ssh.ecdsaPublicKey");
}

TEST(SshTemplateTest, DefaultTemplate) {
  CAIRN_ASSERT_OK_AND_ASSIGN(SshCertificateSpec s, Render(kDefaultSshTemplate, UserData()));
  EXPECT_EQ(s.type, SshCertType::kUser);
  EXPECT_EQ(s.key_id, "jane@example.com");
  EXPECT_THAT(s.principals, ElementsAre("jane", "jane@example.com"));
  EXPECT_EQ(s.extensions, DefaultSshExtensions(SshCertType::kUser));
  EXPECT_THAT(s.critical_options, IsEmpty());
  EXPECT_FALSE(s.serial || s.valid_after || s.valid_before);

  SshTemplateData host;
  host.type = "host";
  host.key_id = "web1";
  host.principals = {"web1.internal"};
  host.critical_options = StringMap{{"force-command", "/bin/true"}};
  CAIRN_ASSERT_OK_AND_ASSIGN(SshCertificateSpec h, Render(kDefaultSshTemplate, host));
  EXPECT_EQ(h.type, SshCertType::kHost);
  EXPECT_THAT(h.extensions, IsEmpty());
  EXPECT_EQ(h.critical_options, (StringMap{{"force-command", "/bin/true"}}));
}

TEST(SshTemplateTest, AdminAndIidAndRequestTemplates) {
  SshTemplateData d = UserData();
  CAIRN_ASSERT_OK_AND_ASSIGN(SshCertificateSpec admin, Render(kDefaultSshAdminTemplate, d));
  EXPECT_EQ(admin.key_id, "requested-id");
  EXPECT_THAT(admin.principals, ElementsAre("requested"));
  EXPECT_EQ(admin.extensions, DefaultSshExtensions(SshCertType::kUser));

  d.request.type = "host";
  CAIRN_ASSERT_OK_AND_ASSIGN(SshCertificateSpec admin_host, Render(kDefaultSshAdminTemplate, d));
  EXPECT_EQ(admin_host.type, SshCertType::kHost);
  EXPECT_THAT(admin_host.extensions, IsEmpty());

  SshTemplateData iid;
  iid.type = "host";
  iid.key_id = "i-0123";
  iid.principals = {"computed.internal"};
  CAIRN_ASSERT_OK_AND_ASSIGN(SshCertificateSpec i1, Render(kDefaultSshIidTemplate, iid));
  EXPECT_THAT(i1.principals, ElementsAre("computed.internal"));
  iid.request.principals = {"asked.internal"};
  CAIRN_ASSERT_OK_AND_ASSIGN(SshCertificateSpec i2, Render(kDefaultSshIidTemplate, iid));
  EXPECT_THAT(i2.principals, ElementsAre("asked.internal"));

  SshTemplateData req = UserData();
  CAIRN_ASSERT_OK_AND_ASSIGN(SshCertificateSpec r, Render(kSshCertificateRequestTemplate, req));
  EXPECT_EQ(r.key_id, "requested-id");
  EXPECT_EQ(r.extensions, DefaultSshExtensions(SshCertType::kUser));
}

TEST(ParseSshCertificateJsonTest, EveryField) {
  CAIRN_ASSERT_OK_AND_ASSIGN(
      SshCertificateSpec s,
      ParseSshCertificateJson(R"({"Type": "HOST", "keyid": "k", "principals": ["a", "b"],
        "extensions": {"x": "1"}, "criticalOptions": {"source-address": "10.0.0.0/8"},
        "serial": 18446744073709551615, "validAfter": "2026-01-01T00:00:00Z",
        "validBefore": "2026-01-02T00:00:00+01:00", "nonce": "bm9uY2U=", "reserved": "",
        "unknown": true} trailing)"));
  EXPECT_EQ(s.type, SshCertType::kHost);
  EXPECT_EQ(s.key_id, "k");
  EXPECT_THAT(s.principals, ElementsAre("a", "b"));
  EXPECT_EQ(s.extensions, (StringMap{{"x", "1"}}));
  EXPECT_EQ(s.critical_options, (StringMap{{"source-address", "10.0.0.0/8"}}));
  EXPECT_EQ(s.serial, 18446744073709551615u);
  EXPECT_EQ(FormatRfc3339(*s.valid_after), "2026-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(*s.valid_before), "2026-01-01T23:00:00Z");
  EXPECT_EQ(s.nonce, "nonce");

  CAIRN_ASSERT_OK_AND_ASSIGN(
      SshCertificateSpec zero,
      ParseSshCertificateJson(R"({"type": "user", "serial": 0, "principals": null,
        "validAfter": "0001-01-01T00:00:00Z", "extensions": null})"));
  EXPECT_FALSE(zero.serial || zero.valid_after);
  EXPECT_THAT(zero.principals, IsEmpty());
}

TEST(ParseSshCertificateJsonTest, ErrorsNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"nope", "error unmarshaling certificate"},
      {"[]", "JSON object"},
      {R"({"keyId": "k"})", "type: the certificate type is required"},
      {R"({"type": "robot"})", "type: error unmarshaling 'robot'"},
      {R"({"type": 1})", "type: must be a string"},
      {R"({"type": "user", "keyId": 5})", "keyId"},
      {R"({"type": "user", "principals": "jane"})", "principals: must be an array"},
      {R"({"type": "user", "principals": ["a", 1]})", "principals[1]"},
      {R"({"type": "user", "extensions": {"x": 1}})", "extensions.x: must be a string"},
      {R"({"type": "user", "criticalOptions": ["x"]})", "criticalOptions"},
      {R"({"type": "user", "serial": -1})", "serial"},
      {R"({"type": "user", "serial": 1.5})", "serial"},
      {R"({"type": "user", "validAfter": "soon"})", "validAfter"},
      {R"({"type": "user", "validBefore": "1960-01-01T00:00:00Z"})", "validBefore"},
      {R"({"type": "user", "nonce": "%%"})", "nonce"},
  };
  for (const auto& [json, want] : cases) {
    SCOPED_TRACE(json);
    auto s = ParseSshCertificateJson(json);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(s.status().message(), HasSubstr(want));
  }
  std::string many = R"({"type": "user", "principals": [)";
  for (int i = 0; i < 1001; ++i) many += std::string(i ? "," : "") + "\"p\"";
  many += "]}";
  EXPECT_THAT(ParseSshCertificateJson(many).status().message(), HasSubstr("too many"));
}

}  // namespace
}  // namespace cairn::templates
