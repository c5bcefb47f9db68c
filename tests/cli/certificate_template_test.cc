// `cairn certificate create --template/--set/--set-file`: step's offline certificate templates,
// rendered with the CA's template engine.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/duration.h"
#include "cli/cli.h"
#include "cli/cli_test_util.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "pki/extension.h"
#include "pki/name.h"

namespace cairn::cli {
namespace {

using testing::CliResult;
using ::testing::ElementsAre;
using testing::Exists;
using ::testing::HasSubstr;
using testing::ReadAll;
using testing::RunCliWith;
using testing::Shell;
using testing::TempDir;
using ::testing::UnorderedElementsAre;
using testing::WriteAll;

// A leaf template adding a custom extension (a fixed value, and one encoded from user data) and
// a URI SAN built from .Insecure.User.user.
constexpr const char* kLeafTemplate = R"({
	"subject": {{ toJson .Subject }},
	"sans": {{ toJson .SANs }},
	"uris": {{ toJson (printf "spiffe://example.org/user/%s" .Insecure.User.user) }},
	"extensions": [
		{"id": "1.3.6.1.4.1.99999.1", "critical": false, "value": "DAVoZWxsbw=="},
		{"id": "1.3.6.1.4.1.99999.2", "critical": true, "value": {{ asn1Enc (printf "utf8:%s" .Insecure.User.user) | toJson }}}
	],
	"keyUsage": ["digitalSignature"],
	"extKeyUsage": ["clientAuth"]
})";

// The X5C-style template of step's documentation: a person's email becomes the common name's
// local part.
constexpr const char* kEmailTemplate = R"({
	"subject": {"commonName": {{ toJson ((splitList "@" .Subject.CommonName) | first) }}},
	"sans": {{ toJson .SANs }},
	"keyUsage": ["digitalSignature"],
	"extKeyUsage": ["clientAuth"]
})";

class CertificateTemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("STEPPATH", dir_.Join("home").c_str(), 1);
    CliResult r = Run({"Template Root", P("root.crt"), P("root.key"), "--profile", "root-ca",
                       "--no-password", "--insecure"});
    ASSERT_TRUE(r.status.ok()) << r.status;
  }
  void TearDown() override { ::unsetenv("STEPPATH"); }

  std::string P(const std::string& name) const { return dir_.Join(name); }

  // Run runs `cairn certificate create <args>`.
  CliResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"certificate", "create"});
    return RunCliWith(RegisterCertificateCommands, args);
  }

  // Template writes `text` to <dir>/<name> and returns its path.
  std::string Template(const std::string& name, const std::string& text) {
    WriteAll(P(name), text);
    return P(name);
  }

  pki::Certificate Cert(const std::string& name) {
    auto c = pki::Certificate::FromPem(ReadAll(P(name)));
    EXPECT_TRUE(c.ok()) << c.status();
    return *c;
  }

  TempDir dir_;
};

TEST_F(CertificateTemplateTest, LeafTemplateAddsExtensionAndUriSanFromUserData) {
  std::string tpl = Template("leaf.tpl", kLeafTemplate);
  CliResult r = Run({"svc.example.com", P("leaf.crt"), P("leaf.key"), "--template", tpl, "--set",
                     "user=alice", "--ca", P("root.crt"), "--ca-key", P("root.key"),
                     "--no-password", "--insecure"});
  ASSERT_TRUE(r.status.ok()) << r.status;

  pki::Certificate leaf = Cert("leaf.crt");
  pki::Certificate root = Cert("root.crt");
  EXPECT_TRUE(leaf.IsIssuedBy(root));
  EXPECT_EQ(leaf.subject_cn(), "svc.example.com");
  // .SANs defaults to the subject; "uris" adds the URI built from --set user=alice.
  EXPECT_THAT(leaf.dns_names(), ElementsAre("svc.example.com"));
  EXPECT_THAT(leaf.uris(), ElementsAre("spiffe://example.org/user/alice"));
  auto fixed = leaf.FindExtension("1.3.6.1.4.1.99999.1");
  ASSERT_TRUE(fixed.has_value());
  EXPECT_FALSE(fixed->critical);
  EXPECT_EQ(fixed->value, std::string("\x0c\x05hello", 7));  // UTF8String "hello"
  auto encoded = leaf.FindExtension("1.3.6.1.4.1.99999.2");
  ASSERT_TRUE(encoded.has_value());
  EXPECT_TRUE(encoded->critical);
  EXPECT_EQ(encoded->value, std::string("\x0c\x05"
                                        "alice",
                                        7));
  EXPECT_EQ(leaf.key_usage(), pki::kDigitalSignature);
  EXPECT_THAT(leaf.ext_key_usage(), ElementsAre("clientAuth"));
  EXPECT_FALSE(leaf.is_ca());
  // Without flags or template times: now and 24 hours (step's template validity).
  EXPECT_EQ(leaf.not_after() - leaf.not_before(), std::chrono::hours(24));

  // openssl reads the same certificate: the chain verifies (past the critical extension openssl
  // does not know) and the extension is there.
  EXPECT_EQ(Shell("openssl verify -ignore_critical -CAfile '" + P("root.crt") + "' '" +
                  P("leaf.crt") + "'"),
            0);
  EXPECT_NE(Shell("openssl verify -CAfile '" + P("root.crt") + "' '" + P("leaf.crt") + "'"), 0);
  EXPECT_EQ(Shell("openssl x509 -in '" + P("leaf.crt") +
                  "' -noout -text | grep -q '1.3.6.1.4.1.99999.1'"),
            0);
  EXPECT_EQ(Shell("openssl x509 -in '" + P("leaf.crt") +
                  "' -noout -text | grep -q 'URI:spiffe://example.org/user/alice'"),
            0);
}

TEST_F(CertificateTemplateTest, EmailBecomesCommonNameThroughSprig) {
  std::string tpl = Template("email.tpl", kEmailTemplate);
  // No --ca: a template certificate is self-signed with the new key.
  CliResult r = Run({"alice@example.com", P("alice.crt"), P("alice.key"), "--template", tpl,
                     "--no-password", "--insecure"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  pki::Certificate c = Cert("alice.crt");
  EXPECT_EQ(c.subject_cn(), "alice");
  EXPECT_THAT(c.email_addresses(), ElementsAre("alice@example.com"));
  EXPECT_TRUE(c.dns_names().empty());
  // Self-signed: the issuer is the subject and the certificate's own key verifies it (not
  // IsIssuedBy, which wants a keyCertSign issuer).
  EXPECT_EQ(c.subject_string(), c.issuer_string());
  EXPECT_EQ(X509_verify(c.get(), X509_get0_pubkey(c.get())), 1);
}

TEST_F(CertificateTemplateTest, FailPrintsTheTemplateMessage) {
  std::string tpl = Template("fail.tpl",
                             "{{ if not .Insecure.User.ok }}{{ fail \"no way\" }}{{ end }}"
                             "{\"subject\": {{ toJson .Subject }}}");
  CliResult r =
      Run({"foo", P("foo.crt"), P("foo.key"), "--template", tpl, "--no-password", "--insecure"});
  ASSERT_FALSE(r.status.ok());
  // What `cairn` prints on stderr: the author's message, nothing else.
  EXPECT_EQ(r.status.message(), "no way");
  EXPECT_FALSE(Exists(P("foo.crt")));
  EXPECT_FALSE(Exists(P("foo.key")));

  // The same template passes when the data says so.
  r = Run({"foo", P("foo.crt"), P("foo.key"), "--template", tpl, "--set", "ok=true",
           "--no-password", "--insecure"});
  EXPECT_TRUE(r.status.ok()) << r.status;
}

TEST_F(CertificateTemplateTest, TemplateErrorsNameFileLineAndColumn) {
  // A syntax error: Go's parse errors carry the template name (here the file) and the line.
  std::string bad = Template("bad.tpl", "{\n\t\"subject\": {{ toJson .Subject }\n}");
  CliResult r =
      Run({"foo", P("foo.crt"), P("foo.key"), "--template", bad, "--no-password", "--insecure"});
  ASSERT_FALSE(r.status.ok());
  EXPECT_THAT(r.status.message(), HasSubstr("error parsing template: template: " + bad + ":2: "));
  EXPECT_THAT(r.status.message(), HasSubstr("unexpected \"}\" in operand"));
  EXPECT_FALSE(Exists(P("foo.crt")));

  // An execution error: file, line and column of the failing action.
  std::string exec = Template("exec.tpl", "{\n\t\"subject\": {{ .Subject.CommonName.Foo }}\n}");
  r = Run({"foo", P("foo.crt"), P("foo.key"), "--template", exec, "--no-password", "--insecure"});
  ASSERT_FALSE(r.status.ok());
  EXPECT_THAT(r.status.message(), HasSubstr("error executing template: template: " + exec + ":2:"));
  EXPECT_THAT(r.status.message(), HasSubstr(exec + ":2:23: executing \"" + exec +
                                            "\" at <.Subject.CommonName.Foo>: can't evaluate "
                                            "field Foo in type string"));

  // Output that is not the certificate schema.
  std::string json = Template("json.tpl", "{\"keyUsage\": [\"noSuchUsage\"]}");
  r = Run({"foo", P("foo.crt"), P("foo.key"), "--template", json, "--no-password", "--insecure"});
  ASSERT_FALSE(r.status.ok());
  EXPECT_THAT(r.status.message(), HasSubstr("error unmarshaling certificate: keyUsage"));
}

TEST_F(CertificateTemplateTest, SetOverridesSetFile) {
  WriteAll(P("data.json"), R"({"user": "bob", "org": "Acme", "unit": "HQ", "n": 1})");
  std::string tpl = Template("data.tpl", R"({
	"subject": {
		"commonName": {{ toJson .Insecure.User.user }},
		"organization": {{ toJson .Insecure.User.org }},
		"organizationalUnit": [{{ toJson .Insecure.User.unit }}, {{ printf "%v-%s" .Insecure.User.n (typeOf .Insecure.User.n) | toJson }}, {{ toJson .Insecure.User.raw }}]
	}
})");
  CliResult r =
      Run({"ignored", P("d.crt"), P("d.key"), "--template", tpl, "--set-file", P("data.json"),
           "--set", "user=alice", "--set", "n=2", "--set", "unit=\"Engineering\"", "--set",
           "raw={not json", "--no-password", "--insecure"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  pki::Name subject = Cert("d.crt").subject();
  EXPECT_EQ(subject.common_name, "alice");                 // --set wins over --set-file
  EXPECT_THAT(subject.organization, ElementsAre("Acme"));  // --set-file alone
  // JSON values are decoded ("Engineering", 2 as a float64); others stay strings. (The three
  // values share one RDN, a DER SET, so they come back in DER order.)
  EXPECT_THAT(subject.organizational_unit,
              UnorderedElementsAre("Engineering", "2-float64", "{not json"));
}

TEST_F(CertificateTemplateTest, SetWithoutEqualsIsAUsageError) {
  std::string tpl = Template("leaf.tpl", kLeafTemplate);
  CliResult r = Run({"foo", P("foo.crt"), P("foo.key"), "--template", tpl, "--set", "user",
                     "--no-password", "--insecure"});
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(), "invalid value 'user' for flag '--set'");
  EXPECT_FALSE(Exists(P("foo.crt")));
}

TEST_F(CertificateTemplateTest, SetFileMustBeAJsonObject) {
  std::string tpl = Template("leaf.tpl", kLeafTemplate);
  for (const std::string& content :
       {std::string("[1, 2]"), std::string("\"text\""), std::string("{\"a\": ")}) {
    WriteAll(P("data.json"), content);
    CliResult r = Run({"foo", P("foo.crt"), P("foo.key"), "--template", tpl, "--set-file",
                       P("data.json"), "--no-password", "--insecure"});
    ASSERT_FALSE(r.status.ok()) << content;
    EXPECT_THAT(r.status.message(), HasSubstr("error unmarshaling " + P("data.json")));
  }
}

TEST_F(CertificateTemplateTest, FlagCombinationsFollowStep) {
  std::string tpl = Template("email.tpl", kEmailTemplate);
  struct Case {
    std::vector<std::string> flags;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"--profile", "leaf"}, "flag '--profile' is incompatible with '--template'"},
      {{"--ca", P("root.crt")}, "'--ca-key'"},
      {{"--ca-key", P("root.key")}, "'--ca'"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"a@example.com", P("a.crt"),  P("a.key"), "--template", tpl,
                                     "--no-password", "--insecure"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    CliResult r = Run(args);
    ASSERT_FALSE(r.status.ok()) << c.flags[0];
    EXPECT_THAT(r.status.message(), HasSubstr(c.error)) << c.flags[0];
  }
}

TEST_F(CertificateTemplateTest, TemplateSerialAndValidityAndCaFields) {
  std::string tpl = Template("ca.tpl", R"({
	"subject": {"commonName": {{ toJson .Subject.CommonName }}, "organization": "Acme"},
	"serialNumber": 4242,
	"notBefore": "2030-01-01T00:00:00Z",
	"notAfter": "2031-01-01T00:00:00Z",
	"keyUsage": ["certSign", "crlSign"],
	"basicConstraints": {"isCA": true, "maxPathLen": 2}
})");
  CliResult r = Run({"Acme Intermediate", P("i.crt"), P("i.key"), "--template", tpl, "--ca",
                     P("root.crt"), "--ca-key", P("root.key"), "--no-password", "--insecure"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  pki::Certificate c = Cert("i.crt");
  EXPECT_EQ(c.serial_decimal(), "4242");
  EXPECT_TRUE(c.is_ca());
  EXPECT_EQ(c.max_path_len(), 2);
  EXPECT_EQ(c.key_usage(), pki::kCertSign | pki::kCrlSign);
  EXPECT_THAT(c.subject().organization, ElementsAre("Acme"));
  EXPECT_EQ(FormatRfc3339(c.not_before()), "2030-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(c.not_after()), "2031-01-01T00:00:00Z");
  EXPECT_TRUE(c.IsIssuedBy(Cert("root.crt")));

  // --not-after wins over the template.
  r = Run({"Acme Intermediate", P("j.crt"), P("j.key"), "--template", tpl, "--ca", P("root.crt"),
           "--ca-key", P("root.key"), "--not-after", "2032-01-01T00:00:00Z", "--no-password",
           "--insecure"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(FormatRfc3339(Cert("j.crt").not_after()), "2032-01-01T00:00:00Z");
}

TEST_F(CertificateTemplateTest, CsrTemplate) {
  // step's documented example: a request whose subject comes from the template.
  std::string tpl = Template("csr.tpl", R"({
    "subject": {
        "country": "US",
        "organization": "Coyote Corporation",
        "commonName": "{{ .Subject.CommonName }}"
    },
	"sans": {{ toJson .SANs }}
})");
  CliResult r = Run({"Wile E. Coyote", P("c.csr"), P("c.key"), "--csr", "--template", tpl, "--san",
                     "coyote@acme.corp", "--no-password", "--insecure"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  auto csr = pki::CertificateRequest::FromPem(ReadAll(P("c.csr")));
  ASSERT_TRUE(csr.ok()) << csr.status();
  EXPECT_TRUE(csr->VerifySignature().ok());
  EXPECT_EQ(csr->subject_cn(), "Wile E. Coyote");
  EXPECT_THAT(csr->subject().organization, ElementsAre("Coyote Corporation"));
  EXPECT_THAT(csr->subject().country, ElementsAre("US"));
  EXPECT_THAT(csr->email_addresses(), ElementsAre("coyote@acme.corp"));

  // What cairn cannot put in a request is refused, not dropped.
  std::string ext = Template("csr-ext.tpl", R"({"subject": {"commonName": "x"}, "extensions": [)"
                                            R"({"id": "1.2.3.4", "value": "BQA="}]})");
  r = Run({"x", P("x.csr"), P("x.key"), "--csr", "--template", ext, "--no-password", "--insecure"});
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), StatusCode::kUnimplemented);
  EXPECT_THAT(r.status.message(), HasSubstr("extensions"));
}

TEST_F(CertificateTemplateTest, PublicKeyWithSkipCsrSignatureSeesItsKey) {
  // Make a key, keep only its public half, and have a CA sign a template certificate for it.
  CliResult r = Run({"k", P("k.crt"), P("k.key"), "--profile", "self-signed", "--subtle", "--kty",
                     "RSA", "--no-password", "--insecure"});
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(Shell("openssl pkey -in '" + P("k.key") + "' -pubout -out '" + P("k.pub") + "'"), 0);
  std::string tpl = Template("pub.tpl", R"({
	"subject": {{ toJson .Subject }},
{{- if typeIs "*rsa.PublicKey" .Insecure.CR.PublicKey }}
	"keyUsage": ["keyEncipherment", "digitalSignature"]
{{- else }}
	"keyUsage": ["digitalSignature"]
{{- end }}
})");
  r = Run({"pub", P("pub.crt"), "--key", P("k.pub"), "--skip-csr-signature", "--template", tpl,
           "--ca", P("root.crt"), "--ca-key", P("root.key")});
  ASSERT_TRUE(r.status.ok()) << r.status;
  pki::Certificate c = Cert("pub.crt");
  EXPECT_EQ(c.key_usage(), pki::kDigitalSignature | pki::kKeyEncipherment);
  EXPECT_TRUE(c.public_key().Equals(Cert("k.crt").public_key()));
}

}  // namespace
}  // namespace cairn::cli
