// Issuance and revocation for protocol front ends (ACME; later SCEP) that authorize requests
// themselves instead of with a one-time token.

#include "authority/authority.h"
#include "authority/internal/sign_util.h"
#include "pki/csr.h"

namespace cairn::authority {
using internal::BadRequest;

Result<Issued> Authority::SignForPlan(const PlanSignRequest& request) {
  Attempt attempt;
  attempt.provisioner = request.provisioner;
  Result<Issued> out = [&]() -> Result<Issued> {
    if (request.provisioner == nullptr) return InternalError("SignForPlan without a provisioner");
    auto csr = pki::CertificateRequest::FromDer(request.csr_der);
    if (!csr.ok()) return BadRequest("invalid certificate request: " + csr.status().message());
    if (Status s = csr->VerifySignature(); !s.ok()) {
      return BadRequest("invalid certificate request");
    }
    Prepared prepared;
    prepared.provisioner = request.provisioner;
    prepared.plan = request.plan;
    prepared.csr = std::move(csr).value();
    prepared.not_before = request.not_before;
    prepared.not_after = request.not_after;
    SignRequest sign;
    sign.template_data = request.template_data;
    sign.request_id = request.request_id;
    CAIRN_ASSIGN_OR_RETURN(Signed signed_cert, FinishSign(sign, prepared));
    store::CertificateRecord rec = MakeRecord(signed_cert.leaf, signed_cert.provisioner, "");
    Status recorded =
        request.record ? request.record(rec) : env_.store.RecordCertificate(rec, /*token_id=*/"");
    CAIRN_RETURN_IF_ERROR(recorded);
    return MakeIssued(std::move(signed_cert.leaf), signed_cert.provisioner);
  }();
  Count(env_.metrics ? env_.metrics->x509_signed : nullptr, attempt, out.ok());
  return out;
}

Status Authority::CheckNamePolicies(const provisioner::Provisioner& p,
                                    const std::vector<std::string>& dns,
                                    const std::vector<std::string>& ips) const {
  policy::X509Names names;
  names.dns = dns;
  names.ips = ips;
  if (Status s = policy_.x509.Check(names); !s.ok()) return s;
  return p.options().policy.x509.Check(names);
}

Status Authority::RevokeIssued(const pki::Certificate& cert, int reason_code, std::string reason,
                               bool acme) {
  Attempt attempt;
  attempt.provisioner = ProvisionerFor(cert);
  Status s = [&]() -> Status {
    if (!cert.IsIssuedBy(intermediates_.front())) {
      return BadRequest("the certificate was not issued by this authority");
    }
    if (reason_code < 0 || reason_code > 10) return BadRequest("reasonCode out of bounds");
    store::RevocationRecord rec;
    rec.serial = cert.serial_decimal();
    rec.reason_code = reason_code;
    rec.reason = std::move(reason);
    rec.revoked_at = env_.clock.Now();
    rec.expires_at = cert.not_after();
    rec.acme = acme;
    if (attempt.provisioner != nullptr) rec.provisioner_id = attempt.provisioner->id();
    Status st = env_.store.Revoke(rec, /*token_id=*/"");
    if (st.code() == StatusCode::kAlreadyExists) {
      return FailedPreconditionError("certificate already revoked")
          .WithPublicMessage("certificate with serial number '" + rec.serial +
                             "' is already revoked");
    }
    if (st.ok()) PublishRevocation(rec.serial);
    return st;
  }();
  Count(env_.metrics ? env_.metrics->x509_revoked : nullptr, attempt, s.ok());
  return s;
}

}  // namespace cairn::authority
