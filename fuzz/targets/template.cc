// Go text/template (templates/): certificate templates from ca.json and the request data they
// see (token claims, templateData, the CSR). The input is the template text, optionally
// followed by a NUL byte and a JSON object: its "templateData" members go to the top level of
// the data (as a provisioner's templateData does), "token" becomes .Token, "user"
// .Insecure.User, and "ssh": true switches from the X.509 data and functions to the SSH ones.
//  - Parsing and executing are deterministic: the same template and data (fresh data each time,
//    as sprig's set/unset mutate maps; a fixed clock; a reset random source) parse and render
//    the same twice (output, or status code and message);
//  - output never exceeds Limits::max_output_bytes; errors are Statuses, never kOk-with-garbage;
//  - the rendered text goes through the certificate schema parsers (ParseCertificateJson,
//    ParseSshCertificateJson), which are deterministic, fail with kInvalidArgument, and for
//    X.509 are stable: CertificateJson of the parsed template parses back to the same JSON.

#include "templates/template.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/json_depth.h"
#include "crypto/key.h"
#include "fuzz/fuzz.h"
#include "fuzz/support/fuzz_env.h"
#include "pki/csr.h"
#include "templates/funcs.h"
#include "templates/ssh_template.h"
#include "templates/value.h"
#include "templates/x509_data.h"
#include "templates/x509_template.h"

namespace {

namespace tpl = cairn::templates;

// A real CSR (openssl req, EC P-256, CN fuzz.example, DNS/IP/email SANs) for .Insecure.CR.
constexpr std::string_view kCsrPem = R"(-----BEGIN CERTIFICATE REQUEST-----
MIIBIjCByAIBADAmMRUwEwYDVQQDDAxmdXp6LmV4YW1wbGUxDTALBgNVBAoMBEZ1
enowWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAScR1z/ICIOXSXQCzdYDBJ2t2kC
dKZvM4RDWDMN896bQzuzfdSWaO4auyGfovV4mgTj5Mr9Ljf9AqVtShwSUM7toEAw
PgYJKoZIhvcNAQkOMTEwLzAtBgNVHREEJjAkggxmdXp6LmV4YW1wbGWHBAoAAAGB
DmFAZnV6ei5leGFtcGxlMAoGCCqGSM49BAMCA0kAMEYCIQDtDpoBC4YMkvDZC2SB
bk5xwIgbMAmRos6FCy0dJWuAHQIhAI0QH5oHW+/IJMY2z1n/nYbYfYWmod6iuYhm
V1LdR/FL
-----END CERTIFICATE REQUEST-----
)";

struct Env {
  cairn::fuzz::FixedClock clock;
  cairn::fuzz::SeededRandom random;
  tpl::FuncMap x509_funcs;
  tpl::FuncMap ssh_funcs;
  cairn::pki::CertificateRequest csr;

  Env() : csr(cairn::pki::CertificateRequest::FromPem(kCsrPem).value()) {
    tpl::FuncEnv fenv{&clock, &random};
    x509_funcs = tpl::X509FuncMap(fenv);
    ssh_funcs = tpl::StepFuncMap(fenv);
  }
};

Env& TheEnv() {
  static Env* env = new Env();
  return *env;
}

// Data builds a fresh data Value from the input's JSON (templates may mutate it).
tpl::Value Data(const nlohmann::json& j, bool ssh) {
  const Env& env = TheEnv();
  tpl::Map provisioner_data;
  if (auto it = j.find("templateData"); it != j.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) provisioner_data[k] = tpl::Value::FromJson(v);
  }
  tpl::Value token =
      tpl::Value::FromJson(j.contains("token") ? j["token"]
                                               : nlohmann::json{{"sub", "fuzz.example"},
                                                                {"iss", "fuzz"},
                                                                {"aud", "https://ca/1.0/sign"},
                                                                {"sans", {"a", "b"}}});
  tpl::Value user = j.contains("user") ? tpl::Value::FromJson(j["user"]) : tpl::Value();
  if (ssh) {
    tpl::SshTemplateData d;
    d.type = "user";
    d.key_id = "fuzz@example";
    d.principals = {"fuzz", "fuzz@example"};
    d.extensions = tpl::DefaultSshExtensions(tpl::SshCertType::kUser);
    d.token = token;
    d.request = {"ssh-ed25519", "user", "fuzz@example", {"fuzz"}};
    d.user = user;
    d.provisioner_data = std::move(provisioner_data);
    return tpl::SshDataValue(d);
  }
  tpl::X509TemplateData d;
  cairn::pki::Name subject;
  subject.common_name = "fuzz.example";
  d.subject = subject;
  d.sans = tpl::CreateSans({"fuzz.example", "10.0.0.1", "a@fuzz.example"});
  d.token = token;
  d.csr = env.csr;
  d.user = user;
  d.provisioner_data = std::move(provisioner_data);
  return tpl::X509DataValue(d);
}

void CheckX509Json(const std::string& rendered) {
  auto parsed = tpl::ParseCertificateJson(rendered);
  auto twice = tpl::ParseCertificateJson(rendered);
  FUZZ_CHECK(parsed.ok() == twice.ok());
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == cairn::StatusCode::kInvalidArgument);
    FUZZ_CHECK(parsed.status().message() == twice.status().message());
    return;
  }
  const auto& key = TheEnv().csr.public_key();
  const nlohmann::ordered_json j1 = tpl::CertificateJson(parsed->tmpl, key, true);
  auto again = tpl::ParseCertificateJson(j1.dump());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(tpl::CertificateJson(again->tmpl, key, true) == j1);
}

void CheckSshJson(const std::string& rendered) {
  auto parsed = tpl::ParseSshCertificateJson(rendered);
  auto twice = tpl::ParseSshCertificateJson(rendered);
  FUZZ_CHECK(parsed.ok() == twice.ok());
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == cairn::StatusCode::kInvalidArgument);
    FUZZ_CHECK(parsed.status().message() == twice.status().message());
    return;
  }
  FUZZ_CHECK(parsed->principals == twice->principals && parsed->key_id == twice->key_id);
  FUZZ_CHECK(parsed->principals.size() <= tpl::kMaxSshListItems);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view text = in;
  nlohmann::json j = nlohmann::json::object();
  if (size_t nul = in.find('\0'); nul != std::string_view::npos) {
    text = in.substr(0, nul);
    std::string_view json = in.substr(nul + 1);
    if (cairn::JsonNestingDepth(json) <= 32) {
      j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) j = nlohmann::json::object();
    }
  }
  const bool ssh = j.value("ssh", false) == true;
  Env& env = TheEnv();
  const tpl::Limits limits;

  auto t = tpl::Template::Parse("fuzz", text, ssh ? env.ssh_funcs : env.x509_funcs, limits);
  auto t2 = tpl::Template::Parse("fuzz", text, ssh ? env.ssh_funcs : env.x509_funcs, limits);
  FUZZ_CHECK(t.ok() == t2.ok());
  if (!t.ok()) {
    FUZZ_CHECK(t.status().code() == t2.status().code());
    FUZZ_CHECK(t.status().message() == t2.status().message());
    return 0;
  }

  env.random.Reset();
  auto out = t->Execute(Data(j, ssh));
  env.random.Reset();
  auto out2 = t2->Execute(Data(j, ssh));
  FUZZ_CHECK(out.ok() == out2.ok());
  // FUZZ_VERBOSE=1 shows what each input rendered (for checking that seeds reach their paths).
  static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "template: %.400s\n",
                 out.ok() ? out->c_str() : out.status().message().c_str());
  }
  if (!out.ok()) {
    FUZZ_CHECK(out.status().code() == out2.status().code());
    FUZZ_CHECK(out.status().message() == out2.status().message());
    FUZZ_CHECK(out.status().code() != cairn::StatusCode::kInternal);
    return 0;
  }
  FUZZ_CHECK(*out == *out2);
  FUZZ_CHECK(out->size() <= limits.max_output_bytes);

  if (ssh) {
    CheckSshJson(*out);
  } else {
    CheckX509Json(*out);
  }
  return 0;
}
