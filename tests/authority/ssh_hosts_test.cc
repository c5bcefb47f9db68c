// The SSH host inventory and configuration (authority/ssh_hosts.cc): step's default
// configuration templates render what step-ca renders (the known_hosts line is the host CA's
// .pub line behind "@cert-authority *"), template files and templates.data, `requires`, the
// federated keys of ssh.keys, check-host after a host certificate is signed, the hosts list,
// and the bastion.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "authority/authority.h"
#include "authority/ssh_ca_fixture.h"
#include "base/encoding.h"
#include "base/file.h"
#include "crypto/key.h"
#include "crypto/openssl_cli_for_test.h"
#include "crypto/signer.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "pki/builder.h"
#include "ssh/certificate.h"
#include "ssh/key.h"
#include "store/memory_store.h"
#include "testing/fakes.h"

namespace cairn::authority {
namespace {

using ::cairn::testing::TempDir;
using std::chrono::hours;
using std::chrono::minutes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Data = std::map<std::string, std::string>;

// The SSH CA of ssh_ca_fixture.h, with an Ed25519 host CA key.
class SshHostsTest : public SshCaTest {
 protected:
  SshHostsTest() { host_ca_spec_ = {.type = crypto::KeyType::kEd25519}; }

  // IssueHost signs a host certificate for `principals` through the token flow.
  void IssueHost(std::vector<std::string> principals) {
    auto key = crypto::PrivateKey::Generate({.type = crypto::KeyType::kEd25519}).value();
    SshSignRequest req{
        .public_key = Base64Encode(ssh::PublicKey::FromCrypto(key.public_key())->Marshal()),
        .ott = JwkToken(principals[0], "https://ca.example.com/1.0/ssh/sign",
                        {{"ssh", {{"certType", "host"}, {"principals", principals}}}}),
        .cert_type = "host"};
    auto issued = authority_->SignSsh(req);
    ASSERT_TRUE(issued.ok()) << issued.status().message();
  }

  // Render returns name -> content of the rendered templates of `type`.
  std::map<std::string, std::string> Render(const std::string& type, const Data& data) {
    auto out = authority_->GetSshConfig(type, data);
    EXPECT_TRUE(out.ok()) << out.status().message();
    std::map<std::string, std::string> m;
    if (out.ok()) {
      for (const auto& o : *out) m[o.name] = o.content.value_or("<null>");
    }
    return m;
  }

  // Jwk returns the public JWK of a fresh key and its SSH form.
  std::pair<nlohmann::json, ssh::PublicKey> FreshKey() {
    auto jwk = jose::Jwk::Generate("EC", "P-256").value();
    auto pkey = jwk.PublicKey().ToPkey().value();
    auto pub = ssh::PublicKey::FromCrypto(crypto::PublicKey::Wrap(std::move(pkey))).value();
    return {nlohmann::json::parse(jwk.PublicKey().ToJsonString(false)), pub};
  }

  static std::string Line(const ssh::PublicKey& k) { return k.MarshalAuthorizedKey(); }
};

const Data kUserData = {{"GOOS", "linux"},
                        {"StepPath", "/home/alice/.step"},
                        {"StepBasePath", "/home/alice/.step"},
                        {"StepSSHTemplateVersion", "v2"},
                        {"User", "alice"}};

TEST_F(SshHostsTest, StepsDefaultUserTemplatesRenderAsStepCaDoes) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto out, authority_->GetSshConfig("user", kUserData));
  ASSERT_EQ(out.size(), 4u);
  // Names, types, paths and comments in step's order (templates.DefaultSSHTemplates).
  EXPECT_EQ(out[0].name, "config.tpl");
  EXPECT_EQ(out[0].type, "snippet");
  EXPECT_EQ(out[0].path, "~/.ssh/config");
  EXPECT_EQ(out[0].comment, "#");
  EXPECT_EQ(out[1].name, "step_includes.tpl");
  EXPECT_EQ(out[1].type, "prepend-line");
  EXPECT_EQ(out[1].path, "${STEPPATH}/ssh/includes");
  EXPECT_EQ(out[2].name, "step_config.tpl");
  EXPECT_EQ(out[2].type, "file");
  EXPECT_EQ(out[2].path, "ssh/config");
  EXPECT_EQ(out[3].name, "known_hosts.tpl");
  EXPECT_EQ(out[3].path, "ssh/known_hosts");

  EXPECT_EQ(*out[0].content, "Host *\n\tInclude \"/home/alice/.step/ssh/includes\"");
  EXPECT_EQ(*out[1].content, "Include \"/home/alice/.step/ssh/config\"");
  EXPECT_EQ(*out[2].content,
            "Match exec \"step ssh check-host %h\"\n"
            "\tUser alice\n"
            "\tUserKnownHostsFile \"/home/alice/.step/ssh/known_hosts\"\n"
            "\tProxyCommand step ssh proxycommand %r %h %p\n");
  // The host CA's .pub line, as ssh-keygen writes it, behind @cert-authority.
  EXPECT_EQ(*out[3].content, "@cert-authority * " + Line(*host_ca_));
}

TEST_F(SshHostsTest, UserTemplateVariants) {
  Data d = kUserData;
  d["Context"] = "work";
  d["Provisioner"] = "admin";
  d["Console"] = "true";
  d.erase("User");
  auto m = Render("user", d);
  EXPECT_EQ(m["step_config.tpl"],
            "Match exec \"step ssh check-host --context work %h\"\n"
            "\tUserKnownHostsFile \"/home/alice/.step/ssh/known_hosts\"\n"
            "\tProxyCommand step ssh proxycommand --context work --console --provisioner admin "
            "%r %h %p\n");
  // Windows paths.
  d = kUserData;
  d["GOOS"] = "windows";
  d["StepPath"] = "C:\\Users\\alice\\.step";
  d["StepBasePath"] = "C:\\Users\\alice\\.step";
  m = Render("user", d);
  EXPECT_EQ(m["config.tpl"], "Host *\n\tInclude \"/Users/alice/.step/ssh/includes\"");
  EXPECT_EQ(m["step_includes.tpl"], "Include \"/Users/alice/.step/ssh/config\"");
}

TEST_F(SshHostsTest, OldClientsGetTheIncludesAsAPlainFile) {
  Data d = kUserData;
  d.erase("StepSSHTemplateVersion");
  CAIRN_ASSERT_OK_AND_ASSIGN(auto out, authority_->GetSshConfig("user", d));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1].type, "file");
  EXPECT_EQ(out[1].path, "ssh/includes");
}

TEST_F(SshHostsTest, HostTemplatesRequireTheirKeys) {
  auto missing = authority_->GetSshConfig("host", {{"Certificate", "ssh_host_ecdsa_key-cert.pub"}});
  ASSERT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().public_message(),
            "required variable 'Key' is missing, please use `--set <key=value>` flag");
  EXPECT_EQ(authority_->GetSshConfig("host", {}).status().code(), StatusCode::kInvalidArgument);

  auto m = Render("host",
                  {{"Certificate", "ssh_host_ecdsa_key-cert.pub"}, {"Key", "ssh_host_ecdsa_key"}});
  EXPECT_EQ(m["sshd_config.tpl"],
            "Match all\n"
            "\tTrustedUserCAKeys /etc/ssh/ca.pub\n"
            "\tHostCertificate /etc/ssh/ssh_host_ecdsa_key-cert.pub\n"
            "\tHostKey /etc/ssh/ssh_host_ecdsa_key");
  EXPECT_EQ(m["ca.tpl"], Line(*user_ca_));
}

TEST_F(SshHostsTest, RejectsUnknownTypesAndOversizedData) {
  EXPECT_EQ(authority_->GetSshConfig("admin", kUserData).status().code(),
            StatusCode::kInvalidArgument);
  Data many;
  for (size_t i = 0; i <= Authority::kMaxSshConfigData; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_EQ(authority_->GetSshConfig("user", many).status().code(), StatusCode::kInvalidArgument);
  Data big = kUserData;
  big["Big"] = std::string(Authority::kMaxSshConfigDataBytes, 'x');
  EXPECT_EQ(authority_->GetSshConfig("user", big).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SshHostsTest, WithoutSshKeysThereIsNoConfiguration) {
  config_json_.erase("ssh");
  Rebuild();
  EXPECT_EQ(authority_->GetSshConfig("user", kUserData).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(authority_->GetSshBastion("alice", "web").status().code(), StatusCode::kNotFound);
}

TEST_F(SshHostsTest, TemplateFilesAndTemplatesData) {
  CAIRN_ASSERT_OK(MakeDirs(dir_.File("templates/ssh"), 0700));
  CAIRN_ASSERT_OK(WriteFileAtomic(dir_.File("templates/ssh/custom.tpl"),
                                  "Host {{ .Domain }}\n\tUser {{ .User.User | upper }}\n"));
  // A file equal to step's default sshd_config.tpl, declared without `requires` (an older
  // ca.json): step-ca back-fills the required keys.
  CAIRN_ASSERT_OK(WriteFileAtomic(dir_.File("templates/ssh/sshd_config.tpl"),
                                  "Match all\n\tTrustedUserCAKeys /etc/ssh/ca.pub\n"
                                  "\tHostCertificate /etc/ssh/{{.User.Certificate}}\n"
                                  "\tHostKey /etc/ssh/{{.User.Key}}\n"));
  config_json_["templates"] = {
      {"ssh",
       {{"user",
         {{{"name", "custom.tpl"},
           {"type", "snippet"},
           {"template", "templates/ssh/custom.tpl"},
           {"path", "~/.ssh/custom"}},
          {{"name", "dir"}, {"type", "directory"}, {"path", "ssh/d"}, {"comment", ";"}}}},
        {"host",
         {{{"name", "sshd_config.tpl"},
           {"type", "snippet"},
           {"template", "templates/ssh/sshd_config.tpl"},
           {"path", "/etc/ssh/sshd_config"}}}}}},
      {"data", {{"Domain", "*.internal"}}}};
  Rebuild();
  CAIRN_ASSERT_OK_AND_ASSIGN(auto out, authority_->GetSshConfig("user", kUserData));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*out[0].content, "Host *.internal\n\tUser ALICE\n");
  EXPECT_EQ(out[0].comment, "#");  // defaulted for file templates
  EXPECT_EQ(out[1].type, "directory");
  EXPECT_EQ(out[1].comment, ";");
  EXPECT_FALSE(out[1].content.has_value());
  EXPECT_EQ(authority_->GetSshConfig("host", {{"Certificate", "c"}}).status().code(),
            StatusCode::kInvalidArgument);

  // A template that does not parse, or a missing template file, fails the start (as in
  // step-ca), naming the template.
  CAIRN_ASSERT_OK(WriteFileAtomic(dir_.File("templates/ssh/custom.tpl"), "{{ .Domain "));
  auto broken = TryRebuild();
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(broken.status().message(), HasSubstr("custom.tpl"));
  std::filesystem::remove(dir_.File("templates/ssh/custom.tpl"));
  EXPECT_FALSE(TryRebuild().ok());
}

TEST_F(SshHostsTest, FederatedKeysFromSshKeys) {
  auto [host_fed_jwk, host_fed] = FreshKey();
  auto [user_old_jwk, user_old] = FreshKey();
  auto [user_fed_jwk, user_fed] = FreshKey();
  config_json_["ssh"]["keys"] = {{{"type", "host"}, {"federated", true}, {"key", host_fed_jwk}},
                                 {{"type", "user"}, {"federated", false}, {"key", user_old_jwk}},
                                 {{"type", "user"}, {"federated", true}, {"key", user_fed_jwk}}};
  Rebuild();
  CAIRN_ASSERT_OK_AND_ASSIGN(auto roots, authority_->SshRootKeys());
  EXPECT_THAT(roots.user_keys, ElementsAre(*user_ca_, user_old));
  EXPECT_THAT(roots.host_keys, ElementsAre(*host_ca_));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto fed, authority_->SshFederationKeys());
  EXPECT_THAT(fed.user_keys, ElementsAre(*user_ca_, user_fed));
  EXPECT_THAT(fed.host_keys, ElementsAre(*host_ca_, host_fed));

  auto m = Render("user", kUserData);
  EXPECT_EQ(m["known_hosts.tpl"],
            "@cert-authority * " + Line(*host_ca_) + "@cert-authority * " + Line(host_fed));
  m = Render("host", {{"Certificate", "c"}, {"Key", "k"}});
  EXPECT_EQ(m["ca.tpl"], Line(*user_ca_) + Line(user_fed));

  // A private key in ssh.keys is refused.
  config_json_["ssh"]["keys"] = {
      {{"type", "host"},
       {"key", nlohmann::json::parse(prov_key_.ToJsonString(/*include_private=*/true))}}};
  EXPECT_EQ(TryRebuild().status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SshHostsTest, CheckHostAndHostsAfterSigningHostCertificates) {
  CAIRN_ASSERT_OK_AND_ASSIGN(bool before, authority_->CheckSshHost("web1.example.com", ""));
  EXPECT_FALSE(before);
  IssueHost({"Web1.Example.com", "10.0.0.5"});
  IssueHost({"db.example.com"});
  for (const char* h : {"web1.example.com", "WEB1.EXAMPLE.COM", "10.0.0.5", "db.example.com"}) {
    SCOPED_TRACE(h);
    CAIRN_ASSERT_OK_AND_ASSIGN(bool exists, authority_->CheckSshHost(h, "ignored-token"));
    EXPECT_TRUE(exists);
  }
  CAIRN_ASSERT_OK_AND_ASSIGN(bool other, authority_->CheckSshHost("web2.example.com", ""));
  EXPECT_FALSE(other);
  EXPECT_EQ(authority_->CheckSshHost("", "").status().code(), StatusCode::kInvalidArgument);

  CAIRN_ASSERT_OK_AND_ASSIGN(auto hosts, authority_->GetSshHosts());
  EXPECT_THAT(hosts, ElementsAre("10.0.0.5", "db.example.com", "web1.example.com"));
  // Host certificates last 30 days: a month later nothing is listed, but check-host remembers.
  clock_.Advance(hours(24 * 31));
  CAIRN_ASSERT_OK_AND_ASSIGN(hosts, authority_->GetSshHosts());
  EXPECT_THAT(hosts, IsEmpty());
  EXPECT_TRUE(*authority_->CheckSshHost("db.example.com", ""));

  config_json_["authority"]["disableGetSSHHosts"] = true;
  Rebuild();
  EXPECT_EQ(authority_->GetSshHosts().status().code(), StatusCode::kNotFound);
}

TEST_F(SshHostsTest, Bastion) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto none, authority_->GetSshBastion("alice", "web"));
  EXPECT_FALSE(none.has_value());
  config_json_["ssh"]["bastion"] = {{"hostname", "Bastion.Example.com"},
                                    {"user", "jump"},
                                    {"port", "2222"},
                                    {"cmd", "nc -q0 %h %p"},
                                    {"flags", "-A"}};
  Rebuild();
  CAIRN_ASSERT_OK_AND_ASSIGN(auto b, authority_->GetSshBastion("alice", "web.internal"));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->hostname, "Bastion.Example.com");
  EXPECT_EQ(b->user, "jump");
  EXPECT_EQ(b->port, "2222");
  EXPECT_EQ(b->cmd, "nc -q0 %h %p");
  EXPECT_EQ(b->flags, "-A");
  // Not for the bastion itself.
  CAIRN_ASSERT_OK_AND_ASSIGN(auto self, authority_->GetSshBastion("alice", "bastion.example.COM"));
  EXPECT_FALSE(self.has_value());
  EXPECT_EQ(authority_->GetSshBastion("alice", "").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::authority
