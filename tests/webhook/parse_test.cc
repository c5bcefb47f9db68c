// ParseWebhooks, CheckWebhookUrl, AppliesTo and RedactWebhookSecrets.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "testing/fakes.h"
#include "webhook/webhook.h"

namespace cairn::webhook {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

nlohmann::json J(const char* text) { return nlohmann::json::parse(text); }

TEST(ParseWebhooksTest, NullAndEmptyMeanNone) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto none, ParseWebhooks(nlohmann::json()));
  EXPECT_TRUE(none.empty());
  CAIRN_ASSERT_OK_AND_ASSIGN(auto empty, ParseWebhooks(nlohmann::json::array()));
  EXPECT_TRUE(empty.empty());
}

TEST(ParseWebhooksTest, StepFieldsAndCairnSecrets) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto hooks, ParseWebhooks(J(R"([
    {"id":"2a4e","name":"people","url":"https://hooks.example.com/{{ .Token.sub }}?a=b",
     "kind":"ENRICHING","certType":"X509","disableTLSClientAuth":true,
     "secret":"c2VjcmV0","bearerToken":"tok"},
    {"name":"gate","url":"HTTPS://[::1]:8443/authz","kind":"authorizing",
     "basicAuth":{"username":"u","password":"p"}},
    {"name":"scep","url":"https://scep.example.com","kind":"ScepChallenge","certType":"ssh",
     "unknownField":[1,2,3]},
    {"name":"notify","url":"https://n.example.com/","kind":"NOTIFYING","certType":null,
     "id":null}
  ])")));
  ASSERT_EQ(hooks.size(), 4u);
  EXPECT_EQ(hooks[0].id, "2a4e");
  EXPECT_EQ(hooks[0].name, "people");
  EXPECT_EQ(hooks[0].url, "https://hooks.example.com/{{ .Token.sub }}?a=b");
  EXPECT_EQ(hooks[0].kind, Kind::kEnriching);
  EXPECT_EQ(hooks[0].cert_type, CertType::kX509);
  EXPECT_TRUE(hooks[0].disable_tls_client_auth);
  EXPECT_EQ(hooks[0].secret_b64, "c2VjcmV0");
  EXPECT_EQ(hooks[0].bearer_token, "tok");
  EXPECT_FALSE(hooks[0].basic_auth.has_value());

  EXPECT_EQ(hooks[1].kind, Kind::kAuthorizing);
  EXPECT_EQ(hooks[1].cert_type, CertType::kAll);
  EXPECT_FALSE(hooks[1].disable_tls_client_auth);
  ASSERT_TRUE(hooks[1].basic_auth.has_value());
  EXPECT_EQ(hooks[1].basic_auth->username, "u");
  EXPECT_EQ(hooks[1].basic_auth->password, "p");
  EXPECT_TRUE(hooks[1].id.empty());
  EXPECT_TRUE(hooks[1].secret_b64.empty());

  EXPECT_EQ(hooks[2].kind, Kind::kScepChallenge);
  EXPECT_EQ(hooks[2].cert_type, CertType::kSsh);
  EXPECT_EQ(hooks[3].kind, Kind::kNotifying);
  EXPECT_EQ(hooks[3].cert_type, CertType::kAll);
}

TEST(ParseWebhooksTest, FieldNamesMatchCaseInsensitivelyAsGo) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto hooks, ParseWebhooks(J(R"([
    {"ID":"x","Name":"n","URL":"https://h.example.com","KIND":"enriching","certtype":"all",
     "DisableTlsClientAuth":true}
  ])")));
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(hooks[0].id, "x");
  EXPECT_EQ(hooks[0].name, "n");
  EXPECT_EQ(hooks[0].kind, Kind::kEnriching);
  EXPECT_TRUE(hooks[0].disable_tls_client_auth);
}

TEST(ParseWebhooksTest, EmptyBasicAuthIsNoBasicAuth) {
  CAIRN_ASSERT_OK_AND_ASSIGN(auto hooks, ParseWebhooks(J(R"([
    {"name":"n","url":"https://h.example.com","kind":"ENRICHING","bearerToken":"t",
     "basicAuth":{"username":"","password":""}}
  ])")));
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_FALSE(hooks[0].basic_auth.has_value());
}

struct BadCase {
  const char* label;
  const char* json;
  const char* message;  // expected substring
};

class ParseWebhooksBadTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseWebhooksBadTest, Rejected) {
  const BadCase& c = GetParam();
  auto parsed = ParseWebhooks(J(c.json));
  ASSERT_FALSE(parsed.ok()) << c.label;
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr(c.message)) << c.label;
  // A secret never shows up in a message.
  EXPECT_THAT(parsed.status().message(), Not(HasSubstr("s3cr3t"))) << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseWebhooksBadTest,
    ::testing::Values(
        BadCase{"not array", R"({"name":"a"})", "must be an array"},
        BadCase{"entry not object", R"(["x"])", "webhooks[0]: must be an object"},
        BadCase{"missing name", R"([{"url":"https://h.example.com","kind":"ENRICHING"}])",
                "webhook name is required"},
        BadCase{"empty name", R"([{"name":"","url":"https://h.example.com","kind":"ENRICHING"}])",
                "webhook name is required"},
        BadCase{"duplicate",
                R"([{"name":"a","url":"https://h.example.com","kind":"ENRICHING"},
                    {"name":"a","url":"https://g.example.com","kind":"AUTHORIZING"}])",
                "webhooks[1] (\"a\"): duplicate webhook name"},
        BadCase{"missing kind", R"([{"name":"a","url":"https://h.example.com"}])",
                "webhook kind is required"},
        BadCase{"unknown kind", R"([{"name":"a","url":"https://h.example.com","kind":"LOGGING"}])",
                "webhook kind \"LOGGING\" is invalid"},
        BadCase{"NO_KIND", R"([{"name":"a","url":"https://h.example.com","kind":"NO_KIND"}])",
                "is invalid"},
        BadCase{
            "bad certType",
            R"([{"name":"a","url":"https://h.example.com","kind":"ENRICHING","certType":"PGP"}])",
            "webhook certType \"PGP\" is invalid"},
        BadCase{"missing url", R"([{"name":"a","kind":"ENRICHING"}])", "webhook url is invalid"},
        BadCase{"http url", R"([{"name":"a","url":"http://h.example.com","kind":"ENRICHING"}])",
                "webhook url must use https"},
        BadCase{"ftp url", R"([{"name":"a","url":"ftp://h.example.com","kind":"ENRICHING"}])",
                "webhook url must use https"},
        BadCase{"no host", R"([{"name":"a","url":"https:///path","kind":"ENRICHING"}])",
                "webhook url is invalid"},
        BadCase{"relative url", R"([{"name":"a","url":"/hook","kind":"ENRICHING"}])",
                "webhook url is invalid"},
        BadCase{"userinfo",
                R"([{"name":"a","url":"https://u:s3cr3t@h.example.com/","kind":"ENRICHING"}])",
                "webhook url may not contain username or password"},
        BadCase{"template in host",
                R"([{"name":"a","url":"https://{{.Host}}/x","kind":"ENRICHING"}])",
                "webhook url is invalid"},
        BadCase{"bad port",
                R"([{"name":"a","url":"https://h.example.com:44x/","kind":"ENRICHING"}])",
                "webhook url is invalid"},
        BadCase{
            "secret not base64",
            R"([{"name":"a","url":"https://h.example.com","kind":"ENRICHING","secret":"s3cr3t!!"}])",
            "webhook secret is not valid base64"},
        BadCase{
            "bearer and basic",
            R"([{"name":"a","url":"https://h.example.com","kind":"ENRICHING","bearerToken":"s3cr3t",
                     "basicAuth":{"username":"u","password":"s3cr3t"}}])",
            "both bearerToken and basicAuth"},
        BadCase{"bearer with newline",
                R"([{"name":"a","url":"https://h.example.com","kind":"ENRICHING",
                     "bearerToken":"s3cr3t\r\nX-Evil: 1"}])",
                "bearerToken may not contain control characters"},
        BadCase{"name not string",
                R"([{"name":5,"url":"https://h.example.com","kind":"ENRICHING"}])",
                "\"name\" must be a string"},
        BadCase{"disable not bool",
                R"([{"name":"a","url":"https://h.example.com","kind":"ENRICHING",
                     "disableTLSClientAuth":"true"}])",
                "\"disableTLSClientAuth\" must be a boolean"},
        BadCase{
            "basicAuth not object",
            R"([{"name":"a","url":"https://h.example.com","kind":"ENRICHING","basicAuth":"u:p"}])",
            "\"basicAuth\" must be an object"}),
    [](const ::testing::TestParamInfo<BadCase>& param_info) {
      std::string name;
      for (char c : std::string(param_info.param.label)) {
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      }
      return name;
    });

TEST(ParseWebhooksTest, BoundsTheNumberOfWebhooks) {
  nlohmann::json many = nlohmann::json::array();
  for (size_t i = 0; i <= kMaxWebhooks; ++i) {
    many.push_back({{"name", "h" + std::to_string(i)},
                    {"url", "https://h.example.com"},
                    {"kind", "ENRICHING"}});
  }
  EXPECT_EQ(ParseWebhooks(many).status().code(), StatusCode::kInvalidArgument);
  many.erase(many.size() - 1);
  CAIRN_EXPECT_OK(ParseWebhooks(many));
}

TEST(ParseWebhooksTest, BoundsFieldSizes) {
  nlohmann::json hooks = nlohmann::json::array();
  hooks.push_back({{"name", "a"},
                   {"url", "https://h.example.com/" + std::string(kMaxWebhookFieldBytes, 'a')},
                   {"kind", "ENRICHING"}});
  auto parsed = ParseWebhooks(hooks);
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("longer than"));
}

TEST(CheckWebhookUrlTest, Table) {
  struct Case {
    const char* url;
    bool allow_http;
    bool ok;
  };
  const Case cases[] = {
      {"https://h.example.com", false, true},
      {"https://h.example.com:8443/a/b?c=d#e", false, true},
      {"https://127.0.0.1:1/", false, true},
      {"https://[::1]:443/x", false, true},
      {"https://h.example.com/{{ .Token.sub }}", false, true},
      {"HtTpS://h.example.com", false, true},
      {"http://127.0.0.1/", false, false},
      {"http://127.0.0.1/", true, true},
      {"ftp://127.0.0.1/", true, false},
      {"https://", false, false},
      {"https://:443/", false, false},
      {"https:h.example.com", false, false},
      {"https://h.example.com\n/", false, false},
      {"https://h ost/", false, false},
      {"https://[::1/", false, false},
      {"https://user@h.example.com/", false, false},
      {"https://h.example.com:99999999/", false, false},
      {"", false, false},
      {"1https://h.example.com", false, false},
  };
  for (const Case& c : cases) {
    Status s = CheckWebhookUrl(c.url, c.allow_http);
    EXPECT_EQ(s.ok(), c.ok) << c.url << " " << s;
    if (!c.ok) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.url;
    }
  }
}

TEST(AppliesToTest, KindAndCertTypeAsStepCa) {
  Webhook all{.kind = Kind::kEnriching, .cert_type = CertType::kAll};
  Webhook x509{.kind = Kind::kEnriching, .cert_type = CertType::kX509};
  Webhook ssh{.kind = Kind::kAuthorizing, .cert_type = CertType::kSsh};
  EXPECT_TRUE(AppliesTo(all, Kind::kEnriching, CertType::kX509));
  EXPECT_TRUE(AppliesTo(all, Kind::kEnriching, CertType::kSsh));
  EXPECT_FALSE(AppliesTo(all, Kind::kAuthorizing, CertType::kX509));
  EXPECT_TRUE(AppliesTo(x509, Kind::kEnriching, CertType::kX509));
  EXPECT_FALSE(AppliesTo(x509, Kind::kEnriching, CertType::kSsh));
  EXPECT_TRUE(AppliesTo(x509, Kind::kEnriching, CertType::kAll));
  EXPECT_TRUE(AppliesTo(ssh, Kind::kAuthorizing, CertType::kSsh));
  EXPECT_FALSE(AppliesTo(ssh, Kind::kAuthorizing, CertType::kX509));
  EXPECT_FALSE(AppliesTo(ssh, Kind::kEnriching, CertType::kSsh));
}

TEST(NamesTest, RoundTripThroughParse) {
  for (Kind k : {Kind::kEnriching, Kind::kAuthorizing, Kind::kScepChallenge, Kind::kNotifying}) {
    for (CertType t : {CertType::kAll, CertType::kX509, CertType::kSsh}) {
      nlohmann::json hooks = nlohmann::json::array();
      hooks.push_back({{"name", "a"},
                       {"url", "https://h.example.com"},
                       {"kind", std::string(KindName(k))},
                       {"certType", std::string(CertTypeName(t))}});
      CAIRN_ASSERT_OK_AND_ASSIGN(auto parsed, ParseWebhooks(hooks));
      ASSERT_EQ(parsed.size(), 1u);
      EXPECT_EQ(parsed[0].kind, k);
      EXPECT_EQ(parsed[0].cert_type, t);
    }
  }
}

TEST(RedactWebhookSecretsTest, DropsCredentialsOnly) {
  auto hooks = nlohmann::ordered_json::parse(R"([
    {"id":"1","name":"a","url":"https://h.example.com","kind":"ENRICHING",
     "secret":"c2VjcmV0","bearerToken":"t","basicAuth":{"username":"u","password":"p"}},
    {"name":"b","Secret":"c2VjcmV0","BEARERTOKEN":"t","kind":"AUTHORIZING"},
    "not an object"
  ])");
  RedactWebhookSecrets(hooks);
  EXPECT_EQ(hooks.dump(),
            R"([{"id":"1","name":"a","url":"https://h.example.com","kind":"ENRICHING"},)"
            R"({"name":"b","kind":"AUTHORIZING"},"not an object"])");
  nlohmann::ordered_json not_array = {{"secret", "x"}};
  RedactWebhookSecrets(not_array);
  EXPECT_EQ(not_array.dump(), R"({"secret":"x"})");
}

}  // namespace
}  // namespace cairn::webhook
