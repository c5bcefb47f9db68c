// The SSH CA side of the Authority: loading the SSH CA keys and signing OpenSSH certificates
// for one-time tokens (stepca.md §1.5, §2.6, §6.5).

#include <algorithm>
#include <set>

#include "authority/authority.h"
#include "authority/internal/sign_util.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "jose/jws.h"

namespace cairn::authority {
namespace {

using internal::BadRequest;
using internal::Forbidden;

// LoadSshKey reads one SSH CA private key and returns its signer and public key.
Result<std::pair<std::unique_ptr<crypto::Signer>, ssh::PublicKey>> LoadSshKey(
    const std::string& home, const std::string& path, const std::string& password) {
  const std::string resolved = config::ResolvePath(home, path);
  CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadFile(resolved, 1 << 20));
  auto key = crypto::PrivateKey::FromPem(pem, password);
  if (!key.ok()) return key.status().Annotate("reading " + resolved);
  auto pub = ssh::PublicKey::FromCrypto(key->public_key());
  if (!pub.ok()) return pub.status().Annotate(resolved);
  std::unique_ptr<crypto::Signer> signer =
      std::make_unique<crypto::KeySigner>(std::move(key).value());
  return std::make_pair(std::move(signer), std::move(pub).value());
}

}  // namespace

Status Authority::LoadSshKeys(const std::string& home, const std::string& password) {
  if (!config_.ssh) return Status();
  if (!config_.ssh->user_key.empty()) {
    CAIRN_ASSIGN_OR_RETURN(auto k, LoadSshKey(home, config_.ssh->user_key, password));
    ssh_user_signer_ = std::move(k.first);
    ssh_user_public_ = std::move(k.second);
  }
  if (!config_.ssh->host_key.empty()) {
    CAIRN_ASSIGN_OR_RETURN(auto k, LoadSshKey(home, config_.ssh->host_key, password));
    ssh_host_signer_ = std::move(k.first);
    ssh_host_public_ = std::move(k.second);
  }
  return Status();
}

Result<SshIssued> Authority::SignSsh(const SshSignRequest& request) {
  Attempt attempt;
  auto out = SignSshImpl(request, attempt);
  Count(env_.metrics ? env_.metrics->ssh_signed : nullptr, attempt, out.ok());
  return out;
}

Result<SshIssued> Authority::SignSshImpl(const SshSignRequest& request, Attempt& attempt) {
  using provisioner::TokenRejection;
  if (!ssh_user_signer_ && !ssh_host_signer_) {
    std::string msg = "the certificate authority is not configured to sign SSH certificates";
    return UnimplementedError(msg).WithPublicMessage(msg);
  }
  const Time now = env_.clock.Now();

  // The key to certify.
  auto blob = Base64Decode(request.public_key);
  if (!blob.ok() || blob->empty()) return BadRequest("error parsing publicKey");
  auto key = ssh::PublicKey::Parse(*blob);
  if (!key.ok()) return BadRequest("error parsing publicKey: " + key.status().message());
  if (Status s = internal::CheckPublicKey(key->crypto_key()); !s.ok()) return s;
  auto valid_after_req = TimeOrDuration::Parse(request.valid_after);
  if (!valid_after_req.ok()) return BadRequest("invalid validAfter");
  auto valid_before_req = TimeOrDuration::Parse(request.valid_before);
  if (!valid_before_req.ok()) return BadRequest("invalid validBefore");
  if (!request.cert_type.empty() && request.cert_type != "user" && request.cert_type != "host") {
    return BadRequest("unknown certType " + request.cert_type);
  }

  // The token.
  auto reject = [&](TokenRejection why, std::string message) {
    attempt.rejection = why;
    return UnauthenticatedError(std::move(message));
  };
  auto jws = jose::ParseCompact(request.ott);
  if (!jws.ok()) {
    return reject(TokenRejection::kMalformed, "error parsing token: " + jws.status().message());
  }
  nlohmann::json claims = nlohmann::json::parse(jws->payload, nullptr, false);
  if (!claims.is_object()) return reject(TokenRejection::kMalformed, "error parsing token");
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
  CAIRN_ASSIGN_OR_RETURN(provisioner::SshSignPlan plan,
                         p->AuthorizeSshSign({.now = now, .rejection = &attempt.rejection}, *jws,
                                             provisioners_->audiences()));
  const std::string subject = claims.value("sub", nlohmann::json("")).is_string()
                                  ? claims.value("sub", std::string())
                                  : std::string();

  // What the certificate says: the request within what the token fixes (step-ca's
  // sshCertOptionsValidator), else the token's values, else step's defaults.
  std::string type = request.cert_type.empty() ? plan.cert_type : request.cert_type;
  if (!plan.cert_type.empty() && type != plan.cert_type) {
    return Forbidden("ssh certificate type does not match - got " + type + ", want " +
                     plan.cert_type);
  }
  if (type.empty()) type = "user";
  std::string key_id = request.key_id.empty() ? plan.key_id : request.key_id;
  if (!plan.key_id.empty() && key_id != plan.key_id) {
    return Forbidden("ssh certificate key id does not match - got " + key_id + ", want " +
                     plan.key_id);
  }
  if (key_id.empty()) key_id = subject;
  std::vector<std::string> principals =
      request.principals.empty() ? plan.principals : request.principals;
  if (!plan.principals.empty()) {
    // Case-insensitive, as step-ca compares them.
    std::set<std::string> allowed;
    for (const auto& pr : plan.principals) allowed.insert(ToLower(pr));
    for (const auto& pr : principals) {
      if (!allowed.count(ToLower(pr))) {
        return Forbidden("ssh certificate principals does not match - principal " + pr +
                         " is not in the token");
      }
    }
  }
  if (principals.empty() && !subject.empty()) principals = {subject};
  if (principals.empty()) return Forbidden("ssh certificate valid principals cannot be empty");
  if (key_id.empty()) return Forbidden("ssh certificate key id cannot be empty");
  const bool user = type == "user";
  const crypto::Signer* signer = user ? ssh_user_signer_.get() : ssh_host_signer_.get();
  if (signer == nullptr) {
    std::string msg = std::string("the certificate authority is not configured to sign SSH ") +
                      (user ? "user" : "host") + " certificates";
    return UnimplementedError(msg).WithPublicMessage(msg);
  }

  // Validity: the request, else the token, else now−backdate for the default duration; the
  // token's bounds, when set, must be kept.
  auto token_after = TimeOrDuration::Parse(plan.valid_after);
  auto token_before = TimeOrDuration::Parse(plan.valid_before);
  if (!token_after.ok() || !token_before.ok()) return BadRequest("invalid validity in the token");
  TimeOrDuration after = valid_after_req->is_set() ? *valid_after_req : *token_after;
  TimeOrDuration before = valid_before_req->is_set() ? *valid_before_req : *token_before;
  if (token_after->is_set() && valid_after_req->is_set() &&
      valid_after_req->Resolve(now) != token_after->Resolve(now)) {
    return Forbidden("ssh certificate validAfter does not match the token");
  }
  if (token_before->is_set() && valid_before_req->is_set() &&
      valid_before_req->Resolve(now) != token_before->Resolve(now)) {
    return Forbidden("ssh certificate validBefore does not match the token");
  }
  const config::EffectiveClaims& c = plan.claims;
  const Duration def = user ? c.default_user_ssh_cert_duration : c.default_host_ssh_cert_duration;
  const Duration min = user ? c.min_user_ssh_cert_duration : c.min_host_ssh_cert_duration;
  const Duration max = user ? c.max_user_ssh_cert_duration : c.max_host_ssh_cert_duration;
  const Time not_before =
      TruncateToSeconds(after.is_set() ? after.Resolve(now) : now - config_.backdate);
  const Time not_after =
      TruncateToSeconds(before.is_set() ? before.Resolve(now) : not_before + def);
  if (not_after <= not_before)
    return BadRequest("ssh certificate validBefore must be after validAfter");
  // The backdate does not count against the lifetime (step-ca's validator adds it back).
  const Duration life = not_after - std::max(not_before, now - config_.backdate);
  if (life < min || life > max + config_.backdate) {
    return Forbidden("requested ssh certificate duration is outside the provisioner's limits");
  }

  ssh::CertificateTemplate tmpl{.key = *key};
  CAIRN_ASSIGN_OR_RETURN(uint64_t serial, env_.random.Uint64());
  tmpl.serial = serial == 0 ? 1 : serial;
  tmpl.type = user ? ssh::CertType::kUser : ssh::CertType::kHost;
  tmpl.key_id = key_id;
  tmpl.principals = principals;
  tmpl.valid_after = static_cast<uint64_t>(std::max<int64_t>(0, ToUnixSeconds(not_before)));
  tmpl.valid_before = static_cast<uint64_t>(ToUnixSeconds(not_after));
  if (user) tmpl.extensions = ssh::DefaultUserExtensions();
  // step-ca's nonce: 32 random ASCII characters.
  CAIRN_ASSIGN_OR_RETURN(tmpl.nonce, env_.random.Alphanumeric(32));
  const bool rsa_ca = signer->public_key().type() == crypto::KeyType::kRsa;
  CAIRN_ASSIGN_OR_RETURN(ssh::Certificate cert,
                         ssh::SignCertificate(tmpl, *signer, env_.random,
                                              rsa_ca ? ssh::SignatureAlgorithm::kRsaSha256
                                                     : ssh::SignatureAlgorithm::kDefault));

  // Recorded, with the token, before anyone sees it.
  store::SshCertificateRecord rec;
  rec.serial = std::to_string(cert.serial());
  rec.cert = cert.Marshal();
  rec.type = user ? 1 : 2;
  rec.key_id = cert.key_id();
  rec.principals = cert.principals();
  rec.valid_after = cert.valid_after();
  rec.valid_before = cert.valid_before();
  rec.provisioner_id = p->id();
  rec.provisioner_name = p->name();
  rec.issued_at = now;
  const std::string token_id =
      plan.token_id.empty() ? internal::TokenHash(request.ott) : plan.token_id;
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
  return SshIssued{std::move(cert), cred.empty() ? p->name() : p->name() + " (" + cred + ")"};
}

Status Authority::RevokeSsh(const RevokeRequest& request) {
  using provisioner::TokenRejection;
  Attempt attempt;
  auto reject = [&](TokenRejection why, std::string message) {
    attempt.rejection = why;
    return UnauthenticatedError(std::move(message));
  };
  Status s = [&]() -> Status {
    if (request.serial.empty()) return BadRequest("missing serial");
    CAIRN_ASSIGN_OR_RETURN(std::string serial, ParseSerial(request.serial));
    if (request.reason_code < 0 || request.reason_code > 10) {
      return BadRequest("reasonCode out of bounds");
    }
    if (!request.passive) {
      return UnimplementedError("non-passive revocation not implemented")
          .WithPublicMessage("non-passive revocation not implemented");
    }
    if (request.ott.empty()) return BadRequest("missing ott");
    auto jws = jose::ParseCompact(request.ott);
    if (!jws.ok()) {
      return reject(TokenRejection::kMalformed, "error parsing token: " + jws.status().message());
    }
    nlohmann::json claims = nlohmann::json::parse(jws->payload, nullptr, false);
    if (!claims.is_object()) return reject(TokenRejection::kMalformed, "error parsing token");
    const provisioner::Provisioner* p = provisioners_->LoadByToken(jws->header, claims);
    if (p == nullptr) {
      return reject(TokenRejection::kUnknownProvisioner,
                    "provisioner not found or invalid audience");
    }
    attempt.provisioner = p;
    const Time now = env_.clock.Now();
    CAIRN_ASSIGN_OR_RETURN(provisioner::RevokePlan plan,
                           p->AuthorizeSshRevoke({.now = now, .rejection = &attempt.rejection},
                                                 *jws, provisioners_->audiences()));
    if (plan.serial != serial && plan.serial != request.serial) {
      return Forbidden("request serial number \"" + serial + "\" and token subject \"" +
                       plan.serial + "\" do not match");
    }
    store::RevocationRecord rec;
    rec.serial = serial;
    rec.provisioner_id = p->id();
    rec.reason_code = request.reason_code;
    rec.reason = request.reason;
    rec.revoked_at = now;
    rec.token_id = plan.token_id.empty() ? internal::TokenHash(request.ott) : plan.token_id;
    auto cert = env_.store.GetSshCertificate(serial);
    if (cert.ok() && cert->has_value() && (*cert)->valid_before != store::kSshForever) {
      rec.expires_at = FromUnixSeconds(static_cast<int64_t>((*cert)->valid_before));
    }
    Status st = env_.store.RevokeSsh(rec, rec.token_id);
    if (st.code() == StatusCode::kAlreadyExists) {
      auto existing = env_.store.GetSshRevocation(serial);
      if (existing.ok() && existing->has_value()) {
        return BadRequest("certificate with serial number '" + serial + "' is already revoked");
      }
      attempt.rejection = TokenRejection::kReplayed;
      return UnauthenticatedError("token already used");
    }
    return st;
  }();
  Count(nullptr, attempt, s.ok());
  return s;
}

}  // namespace cairn::authority
