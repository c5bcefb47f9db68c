// The pieces of POST /sign, one benchmark each, and the crypto floor they are measured against:
//   BM_Floor                one ECDSA P-256 sign + two verifies through OpenSSL EVP
//   BM_TokenVerify          parse the compact JWS, find the provisioner, AuthorizeSign
//   BM_CsrParseVerify       parse the PEM CSR, verify its self-signature
//   BM_TemplateBuild        SignPlan + CSR -> pki::CertificateTemplate (no templates yet)
//   BM_CertificateBuildSign pki::SignCertificate with a P-256 / RSA-2048 intermediate
//   BM_SignRequestJson      the request body JSON in, the response JSON out

#include <benchmark/benchmark.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "api/ca_api.h"
#include "authority/authority.h"
#include "base/clock.h"
#include "base/duration.h"
#include "base/encoding.h"
#include "bench/micro/micro_ca.h"
#include "crypto/digest.h"
#include "crypto/ossl_ptr.h"
#include "crypto/random.h"
#include "crypto/signer.h"
#include "http/response.h"
#include "jose/jws.h"
#include "pki/builder.h"
#include "pki/csr.h"
#include "pki/name.h"
#include "provisioner/collection.h"

namespace cairn::bench {
namespace {

// Fetches the shared CA or skips the benchmark.
const MicroCa* CaOrSkip(benchmark::State& state) {
  auto ca = SharedCa();
  if (!Ok(state, ca.status(), "building the CA")) return nullptr;
  return *ca;
}

// ---------------------------------------------------------------------------------------------
// BM_Floor: the cryptography a sign request cannot avoid with P-256 everywhere: one signature
// (the certificate) and two verifications (the token, the CSR), over 512-byte messages.

void BM_Floor(benchmark::State& state) {
  ossl::UniquePtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return state.SkipWithError("EVP_EC_gen failed");
  std::string message(512, '\0');
  for (size_t i = 0; i < message.size(); ++i) message[i] = static_cast<char>(i * 131 + 7);
  const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
  std::vector<unsigned char> sig(EVP_PKEY_get_size(key.get()));
  for (auto _ : state) {
    ossl::UniquePtr<EVP_MD_CTX> sctx(EVP_MD_CTX_new());
    size_t sig_len = sig.size();
    if (EVP_DigestSignInit(sctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(sctx.get(), sig.data(), &sig_len, msg, message.size()) != 1) {
      state.SkipWithError("EVP_DigestSign failed");
      break;
    }
    bool verified = true;
    for (int i = 0; i < 2; ++i) {
      ossl::UniquePtr<EVP_MD_CTX> vctx(EVP_MD_CTX_new());
      verified = verified &&
                 EVP_DigestVerifyInit(vctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
                 EVP_DigestVerify(vctx.get(), sig.data(), sig_len, msg, message.size()) == 1;
    }
    if (!verified) {
      state.SkipWithError("EVP_DigestVerify failed");
      break;
    }
    benchmark::DoNotOptimize(sig.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Floor);

// ---------------------------------------------------------------------------------------------
// BM_TokenVerify: what Authority::Sign does with the `ott` (stepca.md §2.2-2.4): parse the
// compact JWS and its claims, find the provisioner by kid/iss in the ca.json-built Collection,
// check iat against the start time, and JwkProvisioner::AuthorizeSign with the real audiences
// (signature, iss, aud with port stripping, nbf/exp, sub). Replay of a jti is only refused at
// the store, so this check is repeatable: 1024 distinct tokens are cycled.

void BM_TokenVerify(benchmark::State& state) {
  const MicroCa* ca = CaOrSkip(state);
  if (ca == nullptr) return;
  auto collection = provisioner::Collection::Build(ca->config, BenchLogger());
  if (!Ok(state, collection.status(), "building provisioners")) return;
  const size_t n = std::min<size_t>(1024, static_cast<size_t>(state.max_iterations));
  auto tokens = ca->Tokens(n);
  if (!Ok(state, tokens.status(), "making tokens")) return;
  const provisioner::Collection& c = **collection;
  const double start_time = static_cast<double>(ToUnixSeconds(SystemClock::Default().Now()) - 60);
  size_t i = 0;
  for (auto _ : state) {
    const std::string& ott = (*tokens)[i++ % n];
    auto jws = jose::ParseCompact(ott);
    if (!Ok(state, jws.status(), "parsing token")) break;
    nlohmann::json claims = nlohmann::json::parse(jws->payload, nullptr, false);
    const provisioner::Provisioner* p = c.LoadByToken(jws->header, claims);
    if (p == nullptr) {
      state.SkipWithError("provisioner not found");
      break;
    }
    auto iat = claims.find("iat");
    if (iat == claims.end() || !iat->is_number() || iat->get<double>() < start_time) {
      state.SkipWithError("bad iat");
      break;
    }
    auto plan = p->AuthorizeSign({.now = SystemClock::Default().Now()}, *jws, c.audiences());
    if (!Ok(state, plan.status(), "AuthorizeSign")) break;
    benchmark::DoNotOptimize(plan->token_id.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["distinct_tokens"] = static_cast<double>(n);
}
BENCHMARK(BM_TokenVerify);

// ---------------------------------------------------------------------------------------------
// BM_CsrParseVerify: pki::CertificateRequest::FromPem + VerifySignature (P-256, SHA-256).

void BM_CsrParseVerify(benchmark::State& state) {
  const MicroCa* ca = CaOrSkip(state);
  if (ca == nullptr) return;
  for (auto _ : state) {
    auto csr = pki::CertificateRequest::FromPem(ca->csr_pem);
    if (!Ok(state, csr.status(), "parsing CSR")) break;
    if (!Ok(state, csr->VerifySignature(), "verifying CSR")) break;
    benchmark::DoNotOptimize(csr->der().data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CsrParseVerify);

// ---------------------------------------------------------------------------------------------
// BM_TemplateBuild: Cairn has no certificate templates yet. What turns a SignPlan and a CSR
// into a pki::CertificateTemplate today is the middle of Authority::Sign (src/authority/
// sign.cc), which is private; this is a faithful copy of it: the checks of the CSR against the
// plan (common name, key, SANs as sets), step's default leaf template, the authority's default
// subject (authority.template), the validity and its limits, the provisioner extension's DER
// and a random serial. Keep it in step with sign.cc.

bool SameSet(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return std::set<std::string>(a.begin(), a.end()) == std::set<std::string>(b.begin(), b.end());
}

// ApplyDefaultSubject is a copy of sign.cc's (private) function of that name.
void ApplyDefaultSubject(const nlohmann::json& tmpl, pki::Name& name) {
  if (!tmpl.is_object()) return;
  auto list = [&](const char* key, std::vector<std::string>& out) {
    if (!out.empty()) return;
    auto it = tmpl.find(key);
    if (it == tmpl.end()) return;
    if (it->is_string()) out.push_back(it->get<std::string>());
    if (it->is_array()) {
      for (const auto& v : *it) {
        if (v.is_string()) out.push_back(v.get<std::string>());
      }
    }
  };
  list("country", name.country);
  list("organization", name.organization);
  list("organizationalUnit", name.organizational_unit);
  list("locality", name.locality);
  list("province", name.province);
  list("streetAddress", name.street_address);
  list("postalCode", name.postal_code);
  if (name.serial_number.empty() && tmpl.value("serialNumber", nlohmann::json()).is_string()) {
    name.serial_number = tmpl["serialNumber"].get<std::string>();
  }
  if (name.common_name.empty() && tmpl.value("commonName", nlohmann::json()).is_string()) {
    name.common_name = tmpl["commonName"].get<std::string>();
  }
}

// BuildTemplate is the copy of Authority::Sign between the CSR signature check and
// pki::SignCertificate, for a request without notBefore/notAfter.
Status BuildTemplate(const provisioner::SignPlan& plan, const pki::CertificateRequest& csr,
                     const config::CaConfig& config, Time now, Random& random,
                     pki::CertificateTemplate& tmpl, crypto::PublicKey& key) {
  const std::string cn = csr.subject_cn();
  if (!cn.empty() && std::find(plan.allowed_common_names.begin(), plan.allowed_common_names.end(),
                               cn) == plan.allowed_common_names.end()) {
    return PermissionDeniedError("common name not allowed");
  }
  key = csr.public_key();
  if (key.type() == crypto::KeyType::kOther) return InvalidArgumentError("key not supported");
  if (key.type() == crypto::KeyType::kRsa && key.bits() < 2048) {
    return PermissionDeniedError("RSA key too small");
  }
  const pki::SubjectAltNames sans = pki::SplitSans(plan.sans);
  const std::vector<std::string> got[] = {csr.dns_names(), csr.email_addresses(),
                                          csr.ip_addresses(), csr.uris()};
  const std::vector<std::string>* want[] = {&sans.dns, &sans.emails, &sans.ips, &sans.uris};
  for (int i = 0; i < 4; ++i) {
    if (!got[i].empty() && !SameSet(got[i], *want[i])) {
      return PermissionDeniedError("SANs not allowed");
    }
  }
  tmpl = pki::CertificateTemplate();
  tmpl.subject.common_name = plan.subject;
  ApplyDefaultSubject(config.authority_template, tmpl.subject);
  tmpl.sans = sans;
  tmpl.key_usage = pki::kDigitalSignature;
  if (key.type() == crypto::KeyType::kRsa) tmpl.key_usage |= pki::kKeyEncipherment;
  tmpl.ext_key_usage = {"serverAuth", "clientAuth"};
  const Time nb = TruncateToSeconds(now);
  const Time na =
      nb + std::chrono::duration_cast<Time::duration>(plan.claims.default_tls_cert_duration);
  tmpl.not_before = nb - std::chrono::duration_cast<Time::duration>(config.backdate);
  tmpl.not_after = na;
  const Duration d = tmpl.not_after - tmpl.not_before;
  if (na < nb || d < plan.claims.min_tls_cert_duration ||
      d > plan.claims.max_tls_cert_duration + config.backdate) {
    return PermissionDeniedError("bad validity");
  }
  if (!plan.claims.disable_smallstep_extensions) {
    CAIRN_ASSIGN_OR_RETURN(std::string ext_der, plan.extension.Encode());
    tmpl.extra_extensions.push_back({pki::kProvisionerExtensionOid, false, std::move(ext_der)});
  }
  CAIRN_ASSIGN_OR_RETURN(tmpl.serial_decimal, pki::RandomSerial(random));
  return Status();
}

// PlanAndCsr authorizes one token of `ca` and parses its CSR (fixture set-up).
Status PlanAndCsr(const MicroCa& ca, std::optional<provisioner::SignPlan>& plan,
                  std::optional<pki::CertificateRequest>& csr) {
  CAIRN_ASSIGN_OR_RETURN(auto collection, provisioner::Collection::Build(ca.config, BenchLogger()));
  CAIRN_ASSIGN_OR_RETURN(std::string token, ca.Token());
  CAIRN_ASSIGN_OR_RETURN(jose::ParsedJws jws, jose::ParseCompact(token));
  nlohmann::json claims = nlohmann::json::parse(jws.payload, nullptr, false);
  const provisioner::Provisioner* p = collection->LoadByToken(jws.header, claims);
  if (p == nullptr) return NotFoundError("provisioner not found");
  CAIRN_ASSIGN_OR_RETURN(
      plan, p->AuthorizeSign({.now = SystemClock::Default().Now()}, jws, collection->audiences()));
  CAIRN_ASSIGN_OR_RETURN(csr, pki::CertificateRequest::FromPem(ca.csr_pem));
  return Status();
}

void BM_TemplateBuild(benchmark::State& state) {
  const MicroCa* ca = CaOrSkip(state);
  if (ca == nullptr) return;
  std::optional<provisioner::SignPlan> plan;
  std::optional<pki::CertificateRequest> csr;
  if (!Ok(state, PlanAndCsr(*ca, plan, csr), "preparing plan and CSR")) return;
  Random& random = crypto::OsslRandom::Default();
  pki::CertificateTemplate tmpl;
  crypto::PublicKey key = ca->leaf_key->public_key();
  for (auto _ : state) {
    if (!Ok(state,
            BuildTemplate(*plan, *csr, ca->config, SystemClock::Default().Now(), random, tmpl, key),
            "building template")) {
      break;
    }
    benchmark::DoNotOptimize(tmpl.serial_decimal.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TemplateBuild);

// ---------------------------------------------------------------------------------------------
// BM_CertificateBuildSign: pki::SignCertificate of the leaf template (P-256 subject key) by the
// intermediate through crypto::KeySigner. Arg 0: P-256 intermediate (ECDSA-SHA256), Arg 1:
// RSA-2048 intermediate (SHA256-RSA PKCS#1 v1.5).

void BM_CertificateBuildSign(benchmark::State& state) {
  const MicroCa* ca = CaOrSkip(state);
  if (ca == nullptr) return;
  const bool rsa = state.range(0) == 1;
  state.SetLabel(rsa ? "RSA-2048 issuer" : "P-256 issuer");
  std::optional<provisioner::SignPlan> plan;
  std::optional<pki::CertificateRequest> csr;
  if (!Ok(state, PlanAndCsr(*ca, plan, csr), "preparing plan and CSR")) return;
  pki::CertificateTemplate tmpl;
  crypto::PublicKey key = ca->leaf_key->public_key();
  if (!Ok(state,
          BuildTemplate(*plan, *csr, ca->config, SystemClock::Default().Now(),
                        crypto::OsslRandom::Default(), tmpl, key),
          "building template")) {
    return;
  }
  const pki::Certificate& issuer = rsa ? *ca->rsa_intermediate : *ca->intermediate;
  const crypto::KeySigner signer(rsa ? *ca->rsa_int_key : *ca->int_key);
  for (auto _ : state) {
    auto cert = pki::SignCertificate(tmpl, key, &issuer, signer);
    if (!Ok(state, cert.status(), "SignCertificate")) break;
    benchmark::DoNotOptimize(cert->der().data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CertificateBuildSign)->Arg(0)->Arg(1);

// ---------------------------------------------------------------------------------------------
// BM_SignRequestJson: the JSON work of the /sign handler (src/api/ca_api.cc) around
// Authority::Sign. api::ParseJsonBody is public; the field extraction (StringFieldChecked) and
// RenderIssued are private to ca_api.cc and copied here: parse the body, take csr/ott/
// notBefore/notAfter/templateData into an authority::SignRequest, then render {crt, ca,
// certChain, tlsOptions} through http::Response::SetJson with the request-log fields of the
// issued certificate. BM_ApiSignHandler (bm_authority.cc) measures the real handler whole.

Result<std::string> StringField(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) return InvalidArgumentError(std::string(name) + " must be a string");
  if (it->get_ref<const std::string&>().size() > 64 * 1024) {
    return InvalidArgumentError(std::string(name) + " is too long");
  }
  return it->get<std::string>();
}

Status DecodeSignRequest(std::string_view text, authority::SignRequest& sr) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json body, api::ParseJsonBody(text));
  for (auto [field, out] :
       {std::pair{"csr", &sr.csr_pem}, std::pair{"ott", &sr.ott},
        std::pair{"notBefore", &sr.not_before}, std::pair{"notAfter", &sr.not_after}}) {
    CAIRN_ASSIGN_OR_RETURN(*out, StringField(body, field));
  }
  if (auto it = body.find("templateData"); it != body.end()) sr.template_data = *it;
  if (sr.csr_pem.empty() || sr.ott.empty()) return InvalidArgumentError("missing csr or ott");
  return Status();
}

void RenderIssued(const config::CaConfig& config, const authority::Issued& issued,
                  http::Response& r) {
  nlohmann::json chain = nlohmann::json::array();
  for (const auto& c : issued.chain) chain.push_back(c.pem());
  nlohmann::json body = {{"crt", issued.leaf.pem()},
                         {"ca", issued.chain.size() > 1 ? issued.chain[1].pem() : std::string()},
                         {"certChain", std::move(chain)},
                         {"tlsOptions",
                          {{"cipherSuites", config.tls.cipher_suites},
                           {"minVersion", config.tls.min_version},
                           {"maxVersion", config.tls.max_version},
                           {"renegotiation", config.tls.renegotiation}}}};
  r.SetJson(201, body);
  const pki::Certificate& c = issued.leaf;
  r.log_fields["serial"] = c.serial_decimal();
  r.log_fields["subject"] = c.subject_cn();
  r.log_fields["issuer"] = c.issuer_string();
  r.log_fields["sans"] = {{"dns", c.dns_names()},
                          {"email", c.email_addresses()},
                          {"ip", c.ip_addresses()},
                          {"uri", c.uris()}};
  r.log_fields["valid-from"] = FormatRfc3339(c.not_before());
  r.log_fields["valid-to"] = FormatRfc3339(c.not_after());
  r.log_fields["public-key"] = c.public_key().Describe();
  if (!issued.provisioner.empty()) r.log_fields["provisioner"] = issued.provisioner;
}

void BM_SignRequestJson(benchmark::State& state) {
  const MicroCa* ca = CaOrSkip(state);
  if (ca == nullptr) return;
  auto token = ca->Token();
  if (!Ok(state, token.status(), "making token")) return;
  const std::string body = ca->SignRequestBody(*token);
  // The certificate to render: one real issuance, done once.
  std::optional<provisioner::SignPlan> plan;
  std::optional<pki::CertificateRequest> csr;
  if (!Ok(state, PlanAndCsr(*ca, plan, csr), "preparing plan and CSR")) return;
  pki::CertificateTemplate tmpl;
  crypto::PublicKey key = ca->leaf_key->public_key();
  if (!Ok(state,
          BuildTemplate(*plan, *csr, ca->config, SystemClock::Default().Now(),
                        crypto::OsslRandom::Default(), tmpl, key),
          "building template")) {
    return;
  }
  auto leaf = pki::SignCertificate(tmpl, key, &*ca->intermediate, crypto::KeySigner(*ca->int_key));
  if (!Ok(state, leaf.status(), "SignCertificate")) return;
  const authority::Issued issued{*leaf,
                                 {*leaf, *ca->intermediate},
                                 ca->provisioner_name + " (" + ca->provisioner_key.kid() + ")"};
  for (auto _ : state) {
    authority::SignRequest sr;
    if (!Ok(state, DecodeSignRequest(body, sr), "decoding request")) break;
    benchmark::DoNotOptimize(sr.ott.data());
    http::Response response;
    RenderIssued(ca->config, issued, response);
    benchmark::DoNotOptimize(response.body.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_SignRequestJson);

}  // namespace
}  // namespace cairn::bench
