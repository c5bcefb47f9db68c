// The X.509 issuance paths of the Authority: sign, renew, rekey (stepca.md §2.4, §7, §8).

#include <algorithm>
#include <set>

#include "authority/authority.h"
#include "authority/internal/sign_util.h"
#include "base/duration.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "jose/jws.h"
#include "jose/jwt.h"
#include "pki/builder.h"
#include "pki/csr.h"
#include "pki/name.h"
#include "pki/verify.h"

namespace cairn::authority {
using internal::ApplyDefaultSubject;
using internal::BadRequest;
using internal::CheckPublicKey;
using internal::CheckSans;
using internal::CheckValidity;
using internal::Forbidden;
using internal::TokenHash;
namespace {}  // namespace

void Authority::Count(metrics::Family<metrics::Counter>* family, const Attempt& attempt,
                      bool ok) const {
  const AuthorityMetrics* m = env_.metrics;
  if (m == nullptr) return;
  if (family != nullptr) {
    // (Both arms string_view: a ternary with "" would make a temporary std::string.)
    std::string_view name =
        attempt.provisioner ? std::string_view(attempt.provisioner->name()) : std::string_view();
    family->With({name, ok ? "true" : "false"}).Inc();
  }
  if (attempt.rejection != provisioner::TokenRejection::kNone && m->token_rejections) {
    m->token_rejections->With({provisioner::TokenRejectionName(attempt.rejection)}).Inc();
  }
}

void Authority::CountKms(bool ok) const {
  const AuthorityMetrics* m = env_.metrics;
  if (m == nullptr) return;
  metrics::Counter* c = ok ? m->kms_signed : m->kms_errors;
  if (c != nullptr) c->Inc();
}

Result<Issued> Authority::Sign(const SignRequest& request) {
  Attempt attempt;
  Result<Issued> out = [&]() -> Result<Issued> {
    CAIRN_ASSIGN_OR_RETURN(Signed signed_cert, SignImpl(request, attempt));
    // Durable before returned: the token is consumed in the same transaction.
    CAIRN_RETURN_IF_ERROR(RecordResult(
        Record(signed_cert.leaf, signed_cert.provisioner, signed_cert.token_id, ""), attempt));
    return MakeIssued(std::move(signed_cert.leaf), signed_cert.provisioner);
  }();
  Count(env_.metrics ? env_.metrics->x509_signed : nullptr, attempt, out.ok());
  return out;
}

void Authority::SignAsync(const SignRequest& request, std::function<void(Result<Issued>)> done) {
  auto attempt = std::make_shared<Attempt>();
  Result<Prepared> prepared = PrepareSign(request, *attempt);
  auto fail = [&](Status s) {
    Count(env_.metrics ? env_.metrics->x509_signed : nullptr, *attempt, false);
    done(std::move(s));
  };
  if (!prepared.ok()) return fail(prepared.status());
  // finish signs and records; it runs here, or on the slow-work queue when the provisioner
  // calls webhooks (an I/O thread must never wait on a remote server).
  auto finish = [this, attempt](const SignRequest& req, Prepared& prep,
                                std::function<void(Result<Issued>)> on_done) {
    Result<Signed> signed_cert = FinishSign(req, prep);
    if (!signed_cert.ok()) {
      Count(env_.metrics ? env_.metrics->x509_signed : nullptr, *attempt, false);
      on_done(signed_cert.status());
      return;
    }
    const pki::Certificate leaf = signed_cert->leaf;
    const provisioner::Provisioner* p = signed_cert->provisioner;
    // The callback runs on the store's writer once the commit is durable.
    RecordAsync(leaf, p, signed_cert->token_id, "",
                [this, leaf, p, attempt, on_done = std::move(on_done)](Status s) mutable {
                  Result<Issued> out = s.ok() ? Result<Issued>(MakeIssued(leaf, p))
                                              : Result<Issued>(RecordResult(s, *attempt));
                  Count(env_.metrics ? env_.metrics->x509_signed : nullptr, *attempt, out.ok());
                  on_done(std::move(out));
                });
  };
  if (env_.slow_work != nullptr && prepared->provisioner->options().has_x509_webhooks()) {
    auto task =
        std::make_shared<std::tuple<SignRequest, Prepared, std::function<void(Result<Issued>)>>>(
            request, std::move(prepared).value(), std::move(done));
    bool queued = env_.slow_work->TrySubmit([task, finish] {
      finish(std::get<0>(*task), std::get<1>(*task), std::move(std::get<2>(*task)));
    });
    if (!queued) {
      Count(env_.metrics ? env_.metrics->x509_signed : nullptr, *attempt, false);
      std::get<2> (*task)(
          UnavailableError("too many requests waiting for webhooks")
              .WithPublicMessage("too many requests waiting for webhooks; retry later"));
    }
    return;
  }
  finish(request, *prepared, std::move(done));
}

Status Authority::RecordResult(Status s, Attempt& attempt) const {
  if (s.code() == StatusCode::kUnauthenticated) {
    attempt.rejection = provisioner::TokenRejection::kReplayed;
  }
  return s;
}

Result<Authority::Signed> Authority::SignImpl(const SignRequest& request, Attempt& attempt) {
  CAIRN_ASSIGN_OR_RETURN(Prepared prepared, PrepareSign(request, attempt));
  return FinishSign(request, prepared);
}

Result<Authority::LoadedToken> Authority::LoadToken(std::string_view ott, Attempt& attempt) const {
  using provisioner::TokenRejection;
  auto reject = [&](TokenRejection why, std::string message) {
    attempt.rejection = why;
    return UnauthenticatedError(std::move(message));
  };
  auto jws = jose::ParseCompact(ott);
  if (!jws.ok()) {
    return reject(TokenRejection::kMalformed, "error parsing token: " + jws.status().message());
  }
  // The claims are read before any signature is checked: parse them with the JOSE module's
  // bounds (size, nesting depth, no repeated member), as the header was.
  auto parsed_claims = jose::ParseClaims(*jws);
  if (!parsed_claims.ok()) {
    return reject(TokenRejection::kMalformed,
                  "error parsing token: " + parsed_claims.status().message());
  }
  nlohmann::json claims = parsed_claims->json();
  const provisioner::Provisioner* p = provisioners_->LoadByToken(jws->header, claims);
  if (p == nullptr) {
    return reject(TokenRejection::kUnknownProvisioner, "provisioner not found or invalid audience");
  }
  attempt.provisioner = p;
  if (!config_.disable_issued_at_check) {
    auto iat = claims.find("iat");
    if (iat != claims.end() && iat->is_number() &&
        iat->get<double>() < static_cast<double>(ToUnixSeconds(options_.start_time))) {
      return reject(TokenRejection::kIssuedBeforeStart,
                    "token issued before the bootstrap of certificate authority");
    }
  }
  return LoadedToken{std::move(jws).value(), std::move(claims), p};
}

Result<Authority::Prepared> Authority::PrepareSign(const SignRequest& request, Attempt& attempt) {
  const Time now = env_.clock.Now();
  auto csr = pki::CertificateRequest::FromPem(request.csr_pem);
  if (!csr.ok()) return BadRequest("invalid certificate request: " + csr.status().message());
  auto not_before = TimeOrDuration::Parse(request.not_before);
  if (!not_before.ok()) return BadRequest("invalid notBefore: " + not_before.status().message());
  auto not_after = TimeOrDuration::Parse(request.not_after);
  if (!not_after.ok()) return BadRequest("invalid notAfter: " + not_after.status().message());

  // 1. The token: which provisioner, is it genuine, what does it allow.
  CAIRN_ASSIGN_OR_RETURN(LoadedToken token, LoadToken(request.ott, attempt));
  const provisioner::Provisioner* p = token.provisioner;
  CAIRN_ASSIGN_OR_RETURN(provisioner::SignPlan plan,
                         p->AuthorizeSign({.now = now, .rejection = &attempt.rejection}, token.jws,
                                          provisioners_->audiences()));
  const std::string token_id = plan.token_id.empty() ? TokenHash(request.ott) : plan.token_id;

  // 2. The request: a genuine CSR for names and a key the token allows.
  if (Status s = csr->VerifySignature(); !s.ok()) {
    return BadRequest("invalid certificate request");
  }
  Prepared out;
  out.provisioner = p;
  out.plan = std::move(plan);
  out.csr = std::move(csr).value();
  out.not_before = *not_before;
  out.not_after = *not_after;
  out.token_id = token_id;
  return out;
}

Result<Authority::Signed> Authority::FinishSign(const SignRequest& request, Prepared& prepared) {
  const provisioner::Provisioner* p = prepared.provisioner;
  const pki::CertificateRequest& csr = *prepared.csr;
  pki::CertificateTemplate tmpl;
  if (!p->options().has_x509_work() && policy_.x509.empty()) {
    // The common case: step's default leaf template, built directly.
    CAIRN_ASSIGN_OR_RETURN(
        tmpl, LeafTemplate(prepared.plan, csr, prepared.not_before, prepared.not_after));
  } else {
    templates::Map data;
    CAIRN_ASSIGN_OR_RETURN(tmpl, CustomTemplate(request, prepared, data));
  }
  CAIRN_RETURN_IF_ERROR(internal::CheckNameBounds(tmpl));
  const crypto::PublicKey key = csr.public_key();
  auto leaf = pki::SignCertificate(tmpl, key, &intermediates_.front(), *signer_);
  CountKms(leaf.ok());
  if (!leaf.ok()) return leaf.status();
  return Signed{std::move(leaf).value(), p, prepared.token_id};
}

Status Authority::CheckCsr(const provisioner::SignPlan& plan,
                           const pki::CertificateRequest& csr) const {
  if (!plan.csr_fingerprint.empty()) {
    auto want = Base64UrlDecode(plan.csr_fingerprint);
    if (!want.ok() || !ConstantTimeEquals(*want, crypto::Sha256(csr.der()))) {
      return Forbidden("certificate request fingerprint does not match \"" + plan.csr_fingerprint +
                       "\"");
    }
  }
  const std::string cn = csr.subject_cn();
  if (!cn.empty() && std::find(plan.allowed_common_names.begin(), plan.allowed_common_names.end(),
                               cn) == plan.allowed_common_names.end()) {
    return Forbidden("certificate request does not contain the valid common name - got " + cn +
                     ", want [" + Join(plan.allowed_common_names, " ") + "]");
  }
  CAIRN_RETURN_IF_ERROR(CheckPublicKey(csr.public_key()));
  return CheckSans(csr, pki::SplitSans(plan.sans));
}

void Authority::DefaultValidity(const provisioner::SignPlan& plan, const TimeOrDuration& not_before,
                                const TimeOrDuration& not_after,
                                pki::CertificateTemplate& tmpl) const {
  const Time now = env_.clock.Now();
  Duration backdate{0};
  Time nb = TruncateToSeconds(now);
  if (not_before.is_set()) {
    nb = not_before.Resolve(nb);
  } else {
    backdate = config_.backdate;
  }
  Time na =
      not_after.is_set()
          ? not_after.Resolve(nb)
          : nb + std::chrono::duration_cast<Time::duration>(plan.claims.default_tls_cert_duration);
  tmpl.not_before = nb - std::chrono::duration_cast<Time::duration>(backdate);
  tmpl.not_after = na;
}

Status Authority::FinalizeTemplate(const provisioner::SignPlan& plan,
                                   pki::CertificateTemplate& tmpl) const {
  CAIRN_RETURN_IF_ERROR(CheckValidity(tmpl.not_before, tmpl.not_after, env_.clock.Now(),
                                      plan.claims, config_.backdate));
  if (!plan.claims.disable_smallstep_extensions) {
    CAIRN_ASSIGN_OR_RETURN(std::string ext_der, plan.extension.Encode());
    // The CA's provisioner extension replaces any a template wrote.
    std::erase_if(tmpl.extra_extensions,
                  [](const pki::Extension& e) { return e.oid == pki::kProvisionerExtensionOid; });
    tmpl.extra_extensions.push_back({pki::kProvisionerExtensionOid, false, std::move(ext_der)});
  }
  if (tmpl.serial_decimal.empty()) {
    CAIRN_ASSIGN_OR_RETURN(tmpl.serial_decimal, pki::RandomSerial(env_.random));
  }
  AddRevocationPointers(tmpl);
  return Status();
}

void Authority::AddRevocationPointers(pki::CertificateTemplate& tmpl) const {
  // Where relying parties check this certificate, unless a template said otherwise.
  if (!urls_.crl.empty() && tmpl.crl_distribution_points.empty()) {
    tmpl.crl_distribution_points = {urls_.crl};
  }
  if (!urls_.ocsp.empty() && tmpl.ocsp_servers.empty()) tmpl.ocsp_servers = {urls_.ocsp};
}

Result<pki::CertificateTemplate> Authority::LeafTemplate(const provisioner::SignPlan& plan,
                                                         const pki::CertificateRequest& csr,
                                                         const TimeOrDuration& not_before,
                                                         const TimeOrDuration& not_after) const {
  CAIRN_RETURN_IF_ERROR(CheckCsr(plan, csr));
  // Step's default leaf template (stepca.md §6.2) and validity (§7).
  pki::CertificateTemplate tmpl;
  tmpl.subject.common_name = plan.subject;
  ApplyDefaultSubject(config_.authority_template, tmpl.subject);
  tmpl.sans = pki::SplitSans(plan.sans);
  tmpl.key_usage = pki::kDigitalSignature;
  if (csr.public_key().type() == crypto::KeyType::kRsa) tmpl.key_usage |= pki::kKeyEncipherment;
  tmpl.ext_key_usage = {"serverAuth", "clientAuth"};
  DefaultValidity(plan, not_before, not_after, tmpl);
  CAIRN_RETURN_IF_ERROR(FinalizeTemplate(plan, tmpl));
  return tmpl;
}

Result<pki::Certificate> Authority::VerifyPeer(
    const std::vector<std::string>& peer_chain_der) const {
  // The transport verified the chain against roots and intermediates during the handshake
  // (an invalid client certificate fails the handshake); here it is only read.
  if (peer_chain_der.empty()) {
    return BadRequest("missing client certificate");
  }
  auto leaf = pki::Certificate::FromDer(peer_chain_der.front());
  if (!leaf.ok()) return BadRequest("invalid client certificate");
  return leaf;
}

Result<Issued> Authority::RenewCertificate(const pki::Certificate& old,
                                           const crypto::PublicKey* new_key, std::string token_id,
                                           Attempt& attempt) {
  const Time now = env_.clock.Now();
  auto revoked = env_.store.GetRevocation(old.serial_decimal());
  if (!revoked.ok()) return revoked.status();
  if (revoked->has_value()) {
    return UnauthenticatedError("certificate has been revoked");
  }
  const provisioner::Provisioner* p = ProvisionerFor(old);
  attempt.provisioner = p;
  if (p != nullptr) {
    CAIRN_RETURN_IF_ERROR(p->AuthorizeRenew(now, old));
  } else {
    // Certificates without a known provisioner renew under the authority's claims, as step-ca's
    // permissive no-op provisioner does.
    CAIRN_RETURN_IF_ERROR(provisioner::ClaimsAuthorizeRenew(
        config::ResolveClaims(config::Claims{}, config_.authority_claims), now, old));
  }
  const Duration backdate = config_.backdate;
  const Duration lifetime =
      std::chrono::duration_cast<Duration>(old.not_after() - old.not_before()) - backdate;
  const Time nb = TruncateToSeconds(now) - std::chrono::duration_cast<Time::duration>(backdate);
  const Time na = TruncateToSeconds(now) + std::chrono::duration_cast<Time::duration>(lifetime);
  CAIRN_ASSIGN_OR_RETURN(std::string serial, pki::RandomSerial(env_.random));
  const crypto::PublicKey key = new_key ? *new_key : old.public_key();
  auto leaf = pki::RenewCertificate(old, serial, nb, na, key, intermediates_.front(), *signer_);
  CountKms(leaf.ok());
  if (!leaf.ok()) return leaf.status();
  if (Status s = Record(*leaf, p, token_id, old.serial_decimal()); !s.ok()) {
    if (s.code() == StatusCode::kUnauthenticated) {
      attempt.rejection = provisioner::TokenRejection::kReplayed;
    }
    return s;
  }
  return MakeIssued(std::move(leaf).value(), p);
}

Result<Issued> Authority::Renew(const std::vector<std::string>& peer_chain_der) {
  Attempt attempt;
  auto old = VerifyPeer(peer_chain_der);
  Result<Issued> out = old.ok() ? RenewCertificate(*old, nullptr, "", attempt) : old.status();
  Count(env_.metrics ? env_.metrics->x509_renewed : nullptr, attempt, out.ok());
  return out;
}

Result<Issued> Authority::Rekey(const std::vector<std::string>& peer_chain_der,
                                std::string_view csr_pem) {
  Attempt attempt;
  auto rekey = [&]() -> Result<Issued> {
    CAIRN_ASSIGN_OR_RETURN(pki::Certificate old, VerifyPeer(peer_chain_der));
    auto csr = pki::CertificateRequest::FromPem(csr_pem);
    if (!csr.ok()) return BadRequest("invalid certificate request: " + csr.status().message());
    if (!csr->VerifySignature().ok()) return BadRequest("invalid certificate request");
    const crypto::PublicKey key = csr->public_key();
    CAIRN_RETURN_IF_ERROR(CheckPublicKey(key));
    return RenewCertificate(old, &key, "", attempt);
  };
  Result<Issued> out = rekey();
  Count(env_.metrics ? env_.metrics->x509_rekeyed : nullptr, attempt, out.ok());
  return out;
}

Result<Issued> Authority::RenewWithToken(std::string_view token) {
  Attempt attempt;
  Result<Issued> out = RenewWithTokenImpl(token, attempt);
  Count(env_.metrics ? env_.metrics->x509_renewed : nullptr, attempt, out.ok());
  return out;
}

Result<Issued> Authority::RenewWithTokenImpl(std::string_view token, Attempt& attempt) {
  using provisioner::TokenRejection;
  // Until the chain and signature verify, a failure is a malformed token; after, a claim.
  TokenRejection stage = TokenRejection::kMalformed;
  auto fail = [&](std::string why, TokenRejection reason = TokenRejection::kNone) {
    attempt.rejection = reason == TokenRejection::kNone ? stage : reason;
    return UnauthenticatedError("error validating renew token: " + why);
  };
  auto jws = jose::ParseCompact(token);
  if (!jws.ok()) return fail(jws.status().message());
  auto x5c = jws->header.find("x5cInsecure");
  if (x5c == jws->header.end() || !x5c->is_array() || x5c->empty() || x5c->size() > 8) {
    return fail("missing x5cInsecure header");
  }
  std::vector<pki::Certificate> chain;
  for (const auto& entry : *x5c) {
    if (!entry.is_string()) return fail("bad x5cInsecure entry");
    auto der = Base64Decode(entry.get<std::string>());
    if (!der.ok()) return fail("bad x5cInsecure entry");
    auto cert = pki::Certificate::FromDer(*der);
    if (!cert.ok()) return fail("bad x5cInsecure certificate");
    chain.push_back(std::move(cert).value());
  }
  const pki::Certificate& leaf = chain.front();
  // The chain must be ours, but its validity period is ignored: that is the point of this flow.
  std::vector<pki::Certificate> untrusted(chain.begin() + 1, chain.end());
  untrusted.insert(untrusted.end(), intermediates_.begin(), intermediates_.end());
  pki::VerifyOptions vopts;
  vopts.at = leaf.not_after() - std::chrono::minutes(1);
  vopts.purpose = pki::VerifyOptions::Purpose::kClientAuth;
  if (Status s = pki::VerifyChain(leaf, untrusted, roots_, vopts); !s.ok()) {
    return fail(s.message(), TokenRejection::kSignature);
  }
  if ((leaf.key_usage() & pki::kDigitalSignature) == 0) {
    return fail("certificate cannot be used for digital signature");
  }
  static constexpr std::string_view kAlgs[] = {"ES256", "ES384", "ES512", "RS256", "RS384",
                                               "RS512", "PS256", "PS384", "PS512", "EdDSA"};
  if (Status s = jose::VerifyWithPkey(*jws, leaf.public_key().get(), kAlgs); !s.ok()) {
    return fail(s.message(), TokenRejection::kSignature);
  }
  stage = TokenRejection::kClaims;
  auto parsed_claims = jose::ParseClaims(*jws);
  if (!parsed_claims.ok()) return fail("bad claims: " + parsed_claims.status().message());
  const nlohmann::json& claims = parsed_claims->json();
  const provisioner::Provisioner* p = ProvisionerFor(leaf);
  attempt.provisioner = p;
  if (claims.value("sub", nlohmann::json()) != leaf.subject_cn()) {
    return fail("invalid subject claim (sub)");
  }
  jose::TimeCheck failed{};
  if (Status s = jose::ValidateTime(claims, env_.clock.Now(), std::chrono::minutes(1), &failed);
      !s.ok()) {
    return fail(s.message(), provisioner::RejectionFor(failed));
  }
  std::vector<std::string> aud;
  if (auto it = claims.find("aud"); it != claims.end()) {
    if (it->is_string()) aud.push_back(it->get<std::string>());
    if (it->is_array()) {
      for (const auto& a : *it) {
        if (a.is_string()) aud.push_back(a.get<std::string>());
      }
    }
  }
  if (!provisioner::MatchesAudience(aud, provisioners_->audiences().renew)) {
    return fail("invalid audience claim (aud)", TokenRejection::kAudience);
  }
  std::string iss = claims.value("iss", nlohmann::json("")).is_string()
                        ? claims.value("iss", std::string())
                        : std::string();
  if (iss != "step-ca-client/1.0" && (p == nullptr || iss != p->name())) {
    return fail("invalid issuer claim (iss)");
  }
  std::string jti = claims.value("jti", nlohmann::json("")).is_string()
                        ? claims.value("jti", std::string())
                        : std::string();
  return RenewCertificate(leaf, nullptr, jti.empty() ? TokenHash(token) : jti, attempt);
}

Status Authority::Revoke(const RevokeRequest& request,
                         const std::vector<std::string>& peer_chain_der) {
  Attempt attempt;
  Status s = RevokeImpl(request, peer_chain_der, attempt);
  Count(env_.metrics ? env_.metrics->x509_revoked : nullptr, attempt, s.ok());
  return s;
}

Status Authority::RevokeImpl(const RevokeRequest& request,
                             const std::vector<std::string>& peer_chain_der, Attempt& attempt) {
  using provisioner::TokenRejection;
  if (request.serial.empty()) return BadRequest("missing serial");
  CAIRN_ASSIGN_OR_RETURN(std::string serial, ParseSerial(request.serial));
  if (request.reason_code < 0 || request.reason_code > 10) {
    return BadRequest("reasonCode out of bounds");
  }
  if (!request.passive && !active_revocation()) {
    return UnimplementedError("non-passive revocation not implemented")
        .WithPublicMessage("non-passive revocation not implemented");
  }
  store::RevocationRecord rec;
  rec.serial = serial;
  rec.reason_code = request.reason_code;
  rec.reason = request.reason;
  rec.revoked_at = env_.clock.Now();
  if (!request.ott.empty()) {
    CAIRN_ASSIGN_OR_RETURN(LoadedToken token, LoadToken(request.ott, attempt));
    const provisioner::Provisioner* p = token.provisioner;
    CAIRN_ASSIGN_OR_RETURN(
        provisioner::RevokePlan plan,
        p->AuthorizeRevoke({.now = rec.revoked_at, .rejection = &attempt.rejection}, token.jws,
                           provisioners_->audiences()));
    if (plan.serial != serial) {
      return Forbidden("request serial number \"" + serial + "\" and token subject \"" +
                       plan.serial + "\" do not match");
    }
    rec.provisioner_id = p->id();
    rec.token_id = plan.token_id.empty() ? TokenHash(request.ott) : plan.token_id;
    auto stored = env_.store.GetCertificate(serial);
    if (stored.ok() && stored->has_value()) rec.expires_at = (*stored)->not_after;
  } else {
    if (peer_chain_der.empty()) return BadRequest("missing ott or client certificate");
    CAIRN_ASSIGN_OR_RETURN(pki::Certificate peer, VerifyPeer(peer_chain_der));
    if (peer.serial_decimal() != serial) {
      return Forbidden("request serial number \"" + serial + "\" and certificate serial number \"" +
                       peer.serial_decimal() + "\" do not match");
    }
    rec.mtls = true;
    rec.expires_at = peer.not_after();
    attempt.provisioner = ProvisionerFor(peer);
    if (const auto* p = attempt.provisioner) rec.provisioner_id = p->id();
  }
  Status s = env_.store.Revoke(rec, rec.token_id);
  if (s.code() == StatusCode::kAlreadyExists) {
    // Either the serial is already revoked or the token was used; tell them apart.
    auto existing = env_.store.GetRevocation(serial);
    if (existing.ok() && existing->has_value()) {
      return BadRequest("certificate with serial number '" + serial + "' is already revoked");
    }
    attempt.rejection = TokenRejection::kReplayed;
    return UnauthenticatedError("token already used");
  }
  if (s.ok()) PublishRevocation(serial);
  return s;
}

Result<ServerCredentials> Authority::IssueServerCertificate() {
  const Time now = TruncateToSeconds(env_.clock.Now());
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate({}));
  pki::CertificateTemplate tmpl;
  tmpl.subject.common_name = config_.common_name;
  tmpl.sans = pki::SplitSans(config_.dns_names);
  tmpl.key_usage = pki::kDigitalSignature | pki::kKeyEncipherment;
  tmpl.ext_key_usage = {"serverAuth", "clientAuth"};
  tmpl.not_before = now - std::chrono::minutes(1);
  tmpl.not_after = now + std::chrono::hours(24);
  CAIRN_ASSIGN_OR_RETURN(tmpl.serial_decimal, pki::RandomSerial(env_.random));
  // The CA's own certificate names its CRL and responder too (Windows clients check them).
  AddRevocationPointers(tmpl);
  CAIRN_ASSIGN_OR_RETURN(
      pki::Certificate cert,
      pki::SignCertificate(tmpl, key.public_key(), &intermediates_.front(), *signer_));
  // Every certificate the CA hands out is recorded, its own too: relying parties ask OCSP
  // about it, and it can be listed and revoked like any other.
  CAIRN_RETURN_IF_ERROR(env_.store.RecordCertificate(MakeRecord(cert, nullptr, ""), ""));
  ServerCredentials out;
  out.chain_pem = cert.pem();
  for (const pki::Certificate& c : intermediates_) out.chain_pem += c.pem();
  CAIRN_ASSIGN_OR_RETURN(out.key_pem, key.ToPem());
  out.not_before = tmpl.not_before;
  out.not_after = tmpl.not_after;
  return out;
}

}  // namespace cairn::authority
