// SSHPOP renewals and rekeys of SSH host certificates (POST /ssh/renew and /ssh/rekey;
// stepca.md §1.5, §2.9; step-ca's authority/ssh.go RenewSSH and RekeySSH).

#include <chrono>

#include "authority/authority.h"
#include "authority/internal/sign_util.h"
#include "base/duration.h"
#include "base/encoding.h"
#include "jose/jws.h"

namespace cairn::authority {
namespace {

using internal::BadRequest;
using internal::Forbidden;

// kMaxRenewedLifetime bounds the validity length copied from an old certificate (no CA
// issues more; it keeps the arithmetic below far from overflowing).
constexpr uint64_t kMaxRenewedLifetime = 100ull * 366 * 24 * 3600;

}  // namespace

Result<SshIssued> Authority::RenewSsh(std::string_view ott) {
  Attempt attempt;
  auto out = RenewSshImpl(ott, nullptr, attempt);
  Count(env_.metrics ? env_.metrics->ssh_renewed : nullptr, attempt, out.ok());
  return out;
}

Result<SshIssued> Authority::RekeySsh(std::string_view ott, std::string_view public_key) {
  Attempt attempt;
  auto out = [&]() -> Result<SshIssued> {
    auto blob = Base64Decode(public_key);
    if (!blob.ok() || blob->empty()) return BadRequest("error parsing publicKey");
    auto key = ssh::PublicKey::Parse(*blob);
    if (!key.ok()) return BadRequest("error parsing publicKey: " + key.status().message());
    return RenewSshImpl(ott, &*key, attempt);
  }();
  Count(env_.metrics ? env_.metrics->ssh_rekeyed : nullptr, attempt, out.ok());
  return out;
}

Result<SshIssued> Authority::RenewSshImpl(std::string_view ott, const ssh::PublicKey* new_key,
                                          Attempt& attempt) {
  using provisioner::TokenRejection;
  const bool rekey = new_key != nullptr;
  if (!ssh_user_signer_ && !ssh_host_signer_) {
    std::string msg = "ssh certificate flows are not enabled";
    return UnimplementedError(msg).WithPublicMessage(msg);
  }
  if (ott.empty()) return BadRequest("missing or empty ott");
  const Time now = env_.clock.Now();

  // The token: its provisioner (by the #sshpop/<name> fragment of its audience), then the
  // provisioner's checks.
  CAIRN_ASSIGN_OR_RETURN(LoadedToken token, LoadToken(ott, attempt));
  const provisioner::Provisioner* p = token.provisioner;
  const provisioner::TokenContext ctx{.now = now, .rejection = &attempt.rejection};
  CAIRN_ASSIGN_OR_RETURN(provisioner::SshPopPlan plan,
                         rekey ? p->AuthorizeSshRekey(ctx, token.jws, provisioners_->audiences())
                               : p->AuthorizeSshRenew(ctx, token.jws, provisioners_->audiences()));
  if (!plan.cert) return InternalError("the provisioner returned no sshpop certificate");
  const ssh::Certificate& old = *plan.cert;
  const char* verb = rekey ? "rekey" : "renew";

  if (old.valid_after() == 0 || old.valid_before() == 0 || old.valid_before() == ssh::kForever ||
      old.valid_before() <= old.valid_after() ||
      old.valid_before() - old.valid_after() > kMaxRenewedLifetime) {
    return BadRequest(std::string("cannot ") + verb + " a certificate without validity period");
  }

  // A revoked certificate proves nothing.
  const std::string old_serial = std::to_string(old.serial());
  CAIRN_ASSIGN_OR_RETURN(auto revoked, env_.store.GetSshRevocation(old_serial));
  if (revoked.has_value()) {
    std::string msg =
        "The request lacked necessary authorization to be completed: certificate has been "
        "revoked";
    return UnauthenticatedError("authority.authorizeSSHCertificate: certificate " + old_serial +
                                " has been revoked")
        .WithExactPublicMessage(msg);
  }

  const bool user = old.type() == ssh::CertType::kUser;
  const crypto::Signer* signer = user ? ssh_user_signer_.get() : ssh_host_signer_.get();
  if (signer == nullptr) {
    std::string msg = std::string(user ? "user" : "host") + " certificate signing is not enabled";
    return UnimplementedError(msg).WithPublicMessage(msg);
  }

  // The old certificate's validity length, from now − backdate.
  const uint64_t lifetime = old.valid_before() - old.valid_after();
  const int64_t backdate =
      std::chrono::duration_cast<std::chrono::seconds>(config_.backdate).count();
  const int64_t after = ToUnixSeconds(now) - backdate;
  if (after <= 0) return InternalError("the clock is before the epoch");

  ssh::CertificateTemplate tmpl{.key = rekey ? *new_key : old.key()};
  tmpl.type = old.type();
  tmpl.key_id = old.key_id();
  tmpl.principals = old.principals();
  tmpl.allow_any_principal = old.principals().empty();
  tmpl.valid_after = static_cast<uint64_t>(after);
  tmpl.valid_before = static_cast<uint64_t>(after) + lifetime;
  tmpl.critical_options = old.critical_options();
  tmpl.extensions = old.extensions();

  if (rekey) {
    // step-ca's rekey validators: the public key, the validity within the host (or user)
    // durations of the provisioner, the default fields.
    if (Status s = internal::CheckPublicKey(new_key->crypto_key()); !s.ok()) return s;
    CAIRN_RETURN_IF_ERROR(internal::CheckSshDuration(
        user, std::chrono::seconds(static_cast<int64_t>(lifetime)), plan.claims, config_.backdate));
    if (tmpl.key_id.empty()) return Forbidden("ssh certificate key id cannot be empty");
  }

  CAIRN_ASSIGN_OR_RETURN(ssh::Certificate cert, SignSshTemplate(std::move(tmpl), *signer));

  // Recorded, with the token, before anyone sees it: the token works once.
  store::SshCertificateRecord rec = MakeSshRecord(cert, p, now);
  const std::string token_id = plan.token_id.empty() ? internal::TokenHash(ott) : plan.token_id;
  Status recorded = env_.store.RecordSshCertificate(rec, token_id);
  if (recorded.code() == StatusCode::kAlreadyExists) {
    auto existing = env_.store.GetSshCertificate(rec.serial);
    if (!existing.ok() || !existing->has_value()) {
      attempt.rejection = TokenRejection::kReplayed;
      return UnauthenticatedError("token already used");
    }
  }
  CAIRN_RETURN_IF_ERROR(recorded);
  std::string cred = p->credential_id();
  return SshIssued{.cert = std::move(cert),
                   .provisioner = cred.empty() ? p->name() : p->name() + " (" + cred + ")"};
}

}  // namespace cairn::authority
