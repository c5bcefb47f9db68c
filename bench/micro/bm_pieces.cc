// The pieces of POST /sign, one benchmark each, and the crypto floor they are measured against:
//   BM_Floor                one ECDSA P-256 sign + two verifies through OpenSSL EVP
//   BM_TokenVerify          parse the compact JWS, find the provisioner, AuthorizeSign
//   BM_CsrParseVerify       parse the PEM CSR, verify its self-signature
//   BM_TemplateBuild        SignPlan + CSR -> pki::CertificateTemplate (no templates yet)
//   BM_CertificateBuildSign pki::SignCertificate with a P-256 / RSA-2048 intermediate
//   BM_SignRequestJson      the request body JSON in, the response JSON out

#include <benchmark/benchmark.h>

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
// into a pki::CertificateTemplate today is Authority::LeafTemplate, the middle of
// Authority::Sign: the checks of the CSR against the plan (common name, key, SANs as sets),
// step's default leaf template, the authority's default subject (authority.template), the
// validity and its limits, the provisioner extension's DER and a random serial.

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

// LeafFixture is an authority, one authorized plan, its CSR and the template for them.
struct LeafFixture {
  std::unique_ptr<AuthorityRun> run;
  std::optional<provisioner::SignPlan> plan;
  std::optional<pki::CertificateRequest> csr;
  pki::CertificateTemplate tmpl;
};

Status MakeLeafFixture(const MicroCa& ca, LeafFixture& f) {
  CAIRN_ASSIGN_OR_RETURN(f.run, MakeAuthorityRun(/*sqlite=*/false));
  CAIRN_RETURN_IF_ERROR(PlanAndCsr(ca, f.plan, f.csr));
  CAIRN_ASSIGN_OR_RETURN(f.tmpl, f.run->authority->LeafTemplate(*f.plan, *f.csr, {}, {}));
  return Status();
}

void BM_TemplateBuild(benchmark::State& state) {
  const MicroCa* ca = CaOrSkip(state);
  if (ca == nullptr) return;
  LeafFixture f;
  if (!Ok(state, MakeLeafFixture(*ca, f), "preparing plan and CSR")) return;
  for (auto _ : state) {
    auto tmpl = f.run->authority->LeafTemplate(*f.plan, *f.csr, {}, {});
    if (!Ok(state, tmpl.status(), "building template")) break;
    benchmark::DoNotOptimize(tmpl->serial_decimal.data());
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
  LeafFixture f;
  if (!Ok(state, MakeLeafFixture(*ca, f), "preparing plan and CSR")) return;
  const pki::CertificateTemplate& tmpl = f.tmpl;
  const crypto::PublicKey key = f.csr->public_key();
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
// BM_SignRequestJson: the JSON work of the /sign handler around Authority::Sign:
// api::ParseSignRequest (the body into an authority::SignRequest) and api::RenderIssued ({ca,
// certChain, crt, tlsOptions} and the request-log fields). BM_ApiSignHandler (bm_authority.cc)
// measures the real handler whole.

void BM_SignRequestJson(benchmark::State& state) {
  const MicroCa* ca = CaOrSkip(state);
  if (ca == nullptr) return;
  auto token = ca->Token();
  if (!Ok(state, token.status(), "making token")) return;
  const std::string body = ca->SignRequestBody(*token);
  // The certificate to render: one real issuance, done once.
  LeafFixture f;
  if (!Ok(state, MakeLeafFixture(*ca, f), "preparing plan and CSR")) return;
  auto leaf = pki::SignCertificate(f.tmpl, f.csr->public_key(), &*ca->intermediate,
                                   crypto::KeySigner(*ca->int_key));
  if (!Ok(state, leaf.status(), "SignCertificate")) return;
  const authority::Issued issued{*leaf,
                                 {*leaf, *ca->intermediate},
                                 ca->provisioner_name + " (" + ca->provisioner_key.kid() + ")"};
  for (auto _ : state) {
    authority::SignRequest sr;
    http::Response error;
    if (!api::ParseSignRequest(body, sr, error)) {
      state.SkipWithError(("decoding request: " + error.body).c_str());
      break;
    }
    benchmark::DoNotOptimize(sr.ott.data());
    http::Response response;
    api::RenderIssued(*f.run->authority, issued, response);
    benchmark::DoNotOptimize(response.body.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_SignRequestJson);

}  // namespace
}  // namespace cairn::bench
