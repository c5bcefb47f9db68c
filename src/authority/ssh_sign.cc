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
#include "templates/template.h"

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

// IsValidForAddUser is step-ca's rule for the add-user certificate: a user certificate with one
// principal (or two, the second an e-mail, as OIDC makes them).
Status IsValidForAddUser(const ssh::Certificate& cert) {
  if (cert.type() != ssh::CertType::kUser) {
    return PermissionDeniedError("certificate is not a user certificate");
  }
  const auto& pr = cert.principals();
  if (pr.empty()) return PermissionDeniedError("certificate does not have any principals");
  // OIDC adds the e-mail as a second principal; '@' cannot be its first character.
  if (pr.size() == 1 ||
      (pr.size() == 2 && pr[1].find('@') != std::string::npos && pr[1].find('@') > 0)) {
    return Status();
  }
  return PermissionDeniedError("certificate does not have only one principal");
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
  auto out = [&]() -> Result<SshIssued> {
    CAIRN_ASSIGN_OR_RETURN(SshPrepared prepared, PrepareSsh(request, attempt));
    return FinishSsh(request, prepared, attempt);
  }();
  Count(env_.metrics ? env_.metrics->ssh_signed : nullptr, attempt, out.ok());
  return out;
}

void Authority::SignSshAsync(const SshSignRequest& request,
                             std::function<void(Result<SshIssued>)> done) {
  auto attempt = std::make_shared<Attempt>();
  auto finish = [this, attempt](const SshSignRequest& req, const SshPrepared& prepared,
                                const std::function<void(Result<SshIssued>)>& on_done) {
    auto out = FinishSsh(req, prepared, *attempt);
    Count(env_.metrics ? env_.metrics->ssh_signed : nullptr, *attempt, out.ok());
    on_done(std::move(out));
  };
  Result<SshPrepared> prepared = PrepareSsh(request, *attempt);
  if (!prepared.ok()) {
    Count(env_.metrics ? env_.metrics->ssh_signed : nullptr, *attempt, false);
    done(prepared.status());
    return;
  }
  // Requests of provisioners with SSH webhooks go to the slow-work queue: an I/O thread must
  // never wait on a remote server.
  if (env_.slow_work == nullptr || !prepared->token.provisioner->options().has_ssh_webhooks()) {
    finish(request, *prepared, done);
    return;
  }
  auto task = std::make_shared<
      std::tuple<SshSignRequest, SshPrepared, std::function<void(Result<SshIssued>)>>>(
      request, std::move(prepared).value(), std::move(done));
  if (!env_.slow_work->TrySubmit(
          [task, finish] { finish(std::get<0>(*task), std::get<1>(*task), std::get<2>(*task)); })) {
    Count(env_.metrics ? env_.metrics->ssh_signed : nullptr, *attempt, false);
    std::get<2> (*task)(
        UnavailableError("too many requests waiting for webhooks")
            .WithPublicMessage("too many requests waiting for webhooks; retry later"));
  }
}

Result<Authority::SshPrepared> Authority::PrepareSsh(const SshSignRequest& request,
                                                     Attempt& attempt) const {
  if (!ssh_user_signer_ && !ssh_host_signer_) {
    std::string msg = "the certificate authority is not configured to sign SSH certificates";
    return UnimplementedError(msg).WithPublicMessage(msg);
  }
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
  // The token: parsed and matched to its provisioner here, verified by it in FinishSsh.
  CAIRN_ASSIGN_OR_RETURN(LoadedToken token, LoadToken(request.ott, attempt));
  return SshPrepared{std::move(key).value(), *valid_after_req, *valid_before_req, std::move(token)};
}

Result<SshIssued> Authority::FinishSsh(const SshSignRequest& request, const SshPrepared& prepared,
                                       Attempt& attempt) {
  using provisioner::TokenRejection;
  const Time now = env_.clock.Now();
  const LoadedToken& token = prepared.token;
  const ssh::PublicKey& key = prepared.key;
  const TimeOrDuration& valid_after_req = prepared.valid_after;
  const TimeOrDuration& valid_before_req = prepared.valid_before;
  const provisioner::Provisioner* p = token.provisioner;
  const nlohmann::json& claims = token.claims;
  CAIRN_ASSIGN_OR_RETURN(provisioner::SshSignPlan plan,
                         p->AuthorizeSshSign({.now = now, .rejection = &attempt.rejection},
                                             token.jws, provisioners_->audiences()));
  const std::string subject = claims.value("sub", nlohmann::json("")).is_string()
                                  ? claims.value("sub", std::string())
                                  : std::string();

  // The request within what the token fixes (step-ca's sshCertOptionsValidator).
  if (!plan.cert_type.empty() && !request.cert_type.empty() &&
      request.cert_type != plan.cert_type) {
    return Forbidden("ssh certificate type does not match - got " + request.cert_type + ", want " +
                     plan.cert_type);
  }
  if (!plan.principals.empty() && !request.principals.empty()) {
    // Case-insensitive, as step-ca compares them.
    std::set<std::string> allowed;
    for (const auto& pr : plan.principals) allowed.insert(ToLower(pr));
    for (const auto& pr : request.principals) {
      if (!allowed.count(ToLower(pr))) {
        return Forbidden("ssh certificate principals does not match - principal " + pr +
                         " is not in the token");
      }
    }
  }
  auto token_after = TimeOrDuration::Parse(plan.valid_after);
  auto token_before = TimeOrDuration::Parse(plan.valid_before);
  if (!token_after.ok() || !token_before.ok()) return BadRequest("invalid validity in the token");
  if (token_after->is_set() && valid_after_req.is_set() &&
      valid_after_req.Resolve(now) != token_after->Resolve(now)) {
    return Forbidden("ssh certificate validAfter does not match the token");
  }
  if (token_before->is_set() && valid_before_req.is_set() &&
      valid_before_req.Resolve(now) != token_before->Resolve(now)) {
    return Forbidden("ssh certificate validBefore does not match the token");
  }

  // The template data: what the token says, else its subject (JWK AuthorizeSSHSign). The
  // request is there as .Insecure.CR.
  const provisioner::Options& opts = p->options();
  templates::SshTemplateData d;
  d.type = plan.cert_type.empty() ? "user" : plan.cert_type;
  d.key_id = plan.key_id.empty() ? subject : plan.key_id;
  d.principals = plan.principals.empty() ? std::vector<std::string>{subject} : plan.principals;
  if (d.type == "user") d.extensions = ssh::DefaultUserExtensions();
  d.token = templates::Value::FromJson(plan.token_claims);
  d.request = {.key_type = key.type(),
               .type = request.cert_type,
               .key_id = request.key_id,
               .principals = request.principals};
  if (opts.ssh.data.is_object()) {
    for (const auto& [k, v] : opts.ssh.data.items()) {
      d.provisioner_data[k] = templates::Value::FromJson(v);
    }
  }
  if (opts.ssh.tmpl.has_value()) {
    d.user = request.template_data.is_object() ? templates::Value::FromJson(request.template_data)
                                               : templates::Value::MakeMap({});
  }
  CAIRN_ASSIGN_OR_RETURN(ssh::CertificateTemplate tmpl,
                         BuildSshTemplate(request, *p, key, d, valid_after_req, valid_before_req,
                                          *token_after, *token_before, plan.claims));

  const bool user = tmpl.type == ssh::CertType::kUser;
  const crypto::Signer* signer = user ? ssh_user_signer_.get() : ssh_host_signer_.get();
  CAIRN_ASSIGN_OR_RETURN(ssh::Certificate cert, SignSshTemplate(std::move(tmpl), *signer));

  // Recorded, with the token, before anyone sees it.
  const std::string token_id =
      plan.token_id.empty() ? internal::TokenHash(request.ott) : plan.token_id;
  Status recorded = env_.store.RecordSshCertificate(MakeSshRecord(cert, p, now), token_id);
  if (recorded.code() == StatusCode::kAlreadyExists) {
    auto existing = env_.store.GetSshCertificate(std::to_string(cert.serial()));
    if (!existing.ok() || !existing->has_value()) {
      attempt.rejection = TokenRejection::kReplayed;
      return UnauthenticatedError("token already used");
    }
  }
  CAIRN_RETURN_IF_ERROR(recorded);
  std::string cred = p->credential_id();
  SshIssued out{std::move(cert), cred.empty() ? p->name() : p->name() + " (" + cred + ")"};

  // The add-user certificate (step-ca's SignSSHAddUser), when asked for and possible.
  if (!request.add_user_public_key.empty() && IsValidForAddUser(out.cert).ok()) {
    CAIRN_ASSIGN_OR_RETURN(out.add_user_cert,
                           SignSshAddUser(request.add_user_public_key, out.cert, p, now));
  }
  return out;
}

Result<ssh::CertificateTemplate> Authority::BuildSshTemplate(
    const SshSignRequest& request, const provisioner::Provisioner& p, const ssh::PublicKey& key,
    const templates::SshTemplateData& d, const TimeOrDuration& request_after,
    const TimeOrDuration& request_before, const TimeOrDuration& token_after,
    const TimeOrDuration& token_before, const config::EffectiveClaims& claims) const {
  const provisioner::Options& opts = p.options();
  const Time now = env_.clock.Now();
  const bool webhooks = opts.has_ssh_webhooks();
  templates::Value data;
  if (opts.ssh.tmpl.has_value() || webhooks) data = templates::SshDataValue(d);

  // Enriching webhooks see the request; their data becomes .Webhooks.<name>.
  if (webhooks) {
    nlohmann::ordered_json payload;
    payload["provisionerName"] = p.name();
    payload["sshCertificateRequest"] = {{"publicKey", Base64Encode(key.Marshal())},
                                        {"type", request.cert_type},
                                        {"keyID", request.key_id},
                                        {"principals", request.principals}};
    CAIRN_RETURN_IF_ERROR(CallWebhooks(webhook::Kind::kEnriching, webhook::CertType::kSsh, p,
                                       std::move(payload), request.request_id, data.mutable_map()));
  }

  // The certificate template: the provisioner's, else step's default (the five fields of the
  // data, built directly: the same certificate the default template renders).
  templates::SshCertificateSpec spec;
  if (opts.ssh.tmpl.has_value()) {
    auto rendered = opts.ssh.tmpl->Execute(data);
    if (!rendered.ok()) {
      // `fail` in a template is the author's answer to the user: 400 with its message.
      if (templates::IsFailError(rendered.status())) {
        return rendered.status().WithExactPublicMessage(rendered.status().public_message());
      }
      env_.log.Warn("ssh template failed",
                    {{"provisioner", p.name()}, {"error", rendered.status().message()}});
      return InternalError(rendered.status().message())
          .WithPublicMessage("error applying certificate template");
    }
    auto parsed = templates::ParseSshCertificateJson(*rendered);
    if (!parsed.ok()) {
      env_.log.Warn("ssh template output rejected",
                    {{"provisioner", p.name()}, {"error", parsed.status().message()}});
      return InternalError(parsed.status().message())
          .WithPublicMessage("error applying certificate template: " + parsed.status().message());
    }
    spec = std::move(parsed).value();
  } else {
    spec.type = d.type == "host" ? templates::SshCertType::kHost : templates::SshCertType::kUser;
    spec.key_id = d.key_id;
    spec.principals = d.principals;
    if (d.extensions) spec.extensions = *d.extensions;
    if (d.critical_options) spec.critical_options = *d.critical_options;
  }
  const bool user = spec.type == templates::SshCertType::kUser;

  // Validity (step-ca's order): the template's, then the request's, then the token's, then the
  // provisioner's default from now (backdated when the start is not given).
  auto unix = [](Time t) { return static_cast<uint64_t>(std::max<int64_t>(0, ToUnixSeconds(t))); };
  uint64_t valid_after = spec.valid_after ? unix(*spec.valid_after) : 0;
  uint64_t valid_before = spec.valid_before ? unix(*spec.valid_before) : 0;
  if (request_after.is_set()) valid_after = unix(request_after.Resolve(now));
  if (request_before.is_set()) valid_before = unix(request_before.Resolve(now));
  if (valid_after > 0 && valid_before > 0 && valid_after > valid_before) {
    return BadRequest("ssh certificate validAfter cannot be greater than validBefore");
  }
  if (token_after.is_set()) valid_after = unix(token_after.Resolve(now));
  if (token_before.is_set()) valid_before = unix(token_before.Resolve(now));
  const int64_t backdate_s =
      std::chrono::duration_cast<std::chrono::seconds>(config_.backdate).count();
  const uint64_t now_s = unix(now);
  uint64_t backdate = 0;
  if (valid_after == 0) {
    backdate = static_cast<uint64_t>(std::max<int64_t>(0, backdate_s));
    valid_after = now_s;
  }
  const Duration def =
      user ? claims.default_user_ssh_cert_duration : claims.default_host_ssh_cert_duration;
  if (valid_before == 0) {
    valid_before = valid_after + static_cast<uint64_t>(
                                     std::chrono::duration_cast<std::chrono::seconds>(def).count());
  }
  if (valid_after > backdate) valid_after -= backdate;

  // step-ca's sshCertValidityValidator.
  if (valid_before < now_s) return BadRequest("ssh certificate validBefore cannot be in the past");
  if (valid_before < valid_after) {
    return BadRequest("ssh certificate validBefore cannot be before validAfter");
  }
  const Duration life = std::chrono::seconds(static_cast<int64_t>(std::min<uint64_t>(
      valid_before - valid_after, static_cast<uint64_t>(INT64_MAX / 2000000000))));
  CAIRN_RETURN_IF_ERROR(internal::CheckSshDuration(user, life, claims, config_.backdate));

  // step-ca's sshCertDefaultValidator (principals may be empty only through a template).
  if (spec.key_id.empty()) return Forbidden("ssh certificate key id cannot be empty");
  const crypto::Signer* signer = user ? ssh_user_signer_.get() : ssh_host_signer_.get();
  if (signer == nullptr) {
    std::string msg = std::string("the certificate authority is not configured to sign SSH ") +
                      (user ? "user" : "host") + " certificates";
    return UnimplementedError(msg).WithPublicMessage(msg);
  }

  // Name policies: the authority's, then the provisioner's.
  const policy::SshCertType ptype = user ? policy::SshCertType::kUser : policy::SshCertType::kHost;
  if (Status s = policy_.ssh.Check(ptype, spec.principals); !s.ok()) return s;
  if (Status s = opts.policy.ssh.Check(ptype, spec.principals); !s.ok()) return s;

  // Authorizing webhooks see the certificate about to be signed (webhook.SSHCertificate: the
  // rendered sshutil.Certificate with the final validity and the key).
  if (webhooks) {
    nlohmann::ordered_json c;
    c["nonce"] = spec.nonce.empty() ? nlohmann::ordered_json()
                                    : nlohmann::ordered_json(Base64Encode(spec.nonce));
    c["serial"] = spec.serial.value_or(0);
    c["type"] = user ? "user" : "host";
    c["keyId"] = spec.key_id;
    c["principals"] = spec.principals;
    c["criticalOptions"] = spec.critical_options.empty()
                               ? nlohmann::ordered_json()
                               : nlohmann::ordered_json(spec.critical_options);
    c["extensions"] = spec.extensions.empty() ? nlohmann::ordered_json()
                                              : nlohmann::ordered_json(spec.extensions);
    c["reserved"] = spec.reserved.empty() ? nlohmann::ordered_json()
                                          : nlohmann::ordered_json(Base64Encode(spec.reserved));
    c["publicKey"] = Base64Encode(key.Marshal());
    c["signatureKey"] = nullptr;
    c["validBefore"] = valid_before;
    c["validAfter"] = valid_after;
    nlohmann::ordered_json payload;
    payload["provisionerName"] = p.name();
    payload["sshCertificate"] = std::move(c);
    CAIRN_RETURN_IF_ERROR(CallWebhooks(webhook::Kind::kAuthorizing, webhook::CertType::kSsh, p,
                                       std::move(payload), request.request_id, data.mutable_map()));
  }

  ssh::CertificateTemplate tmpl{.key = key};
  tmpl.serial = spec.serial.value_or(0);
  tmpl.type = user ? ssh::CertType::kUser : ssh::CertType::kHost;
  tmpl.key_id = std::move(spec.key_id);
  tmpl.principals = std::move(spec.principals);
  tmpl.allow_any_principal = true;  // only a custom template can leave them empty
  tmpl.valid_after = valid_after;
  tmpl.valid_before = valid_before;
  tmpl.critical_options = std::move(spec.critical_options);
  tmpl.extensions = std::move(spec.extensions);
  tmpl.nonce = std::move(spec.nonce);
  return tmpl;
}

Result<ssh::Certificate> Authority::SignSshTemplate(ssh::CertificateTemplate tmpl,
                                                    const crypto::Signer& signer) const {
  // step-ca's serial: a random uint64 (never 0); its nonce: 32 random ASCII characters.
  while (tmpl.serial == 0) {
    CAIRN_ASSIGN_OR_RETURN(tmpl.serial, env_.random.Uint64());
  }
  if (tmpl.nonce.empty()) {
    CAIRN_ASSIGN_OR_RETURN(tmpl.nonce, env_.random.Alphanumeric(32));
  }
  const bool rsa_ca = signer.public_key().type() == crypto::KeyType::kRsa;
  return ssh::SignCertificate(
      tmpl, signer, env_.random,
      rsa_ca ? ssh::SignatureAlgorithm::kRsaSha256 : ssh::SignatureAlgorithm::kDefault);
}

store::SshCertificateRecord Authority::MakeSshRecord(const ssh::Certificate& cert,
                                                     const provisioner::Provisioner* p,
                                                     Time now) const {
  store::SshCertificateRecord rec;
  rec.serial = std::to_string(cert.serial());
  rec.cert = cert.Marshal();
  rec.type = cert.type() == ssh::CertType::kUser ? 1 : 2;
  rec.key_id = cert.key_id();
  rec.principals = cert.principals();
  rec.valid_after = cert.valid_after();
  rec.valid_before = cert.valid_before();
  if (p != nullptr) {
    rec.provisioner_id = p->id();
    rec.provisioner_name = p->name();
  }
  rec.issued_at = now;
  return rec;
}

Result<ssh::Certificate> Authority::SignSshAddUser(const std::string& public_key_b64,
                                                   const ssh::Certificate& subject,
                                                   const provisioner::Provisioner* p, Time now) {
  if (!ssh_user_signer_) {
    std::string msg = "user certificate signing is not enabled";
    return UnimplementedError(msg).WithPublicMessage(msg);
  }
  auto blob = Base64Decode(public_key_b64);
  if (!blob.ok() || blob->empty()) return BadRequest("error parsing addUserPublicKey");
  auto key = ssh::PublicKey::Parse(*blob);
  if (!key.ok()) return BadRequest("error parsing addUserPublicKey: " + key.status().message());
  if (Status s = internal::CheckPublicKey(key->crypto_key()); !s.ok()) return s;
  const std::string& principal = subject.principals()[0];
  const std::string add_user = config_.ssh ? config_.ssh->add_user_principal : "provisioner";
  std::string command = config_.ssh ? config_.ssh->add_user_command
                                    : "sudo useradd -m <principal>; nc -q0 localhost 22";
  for (size_t at = command.find("<principal>"); at != std::string::npos;
       at = command.find("<principal>", at + principal.size())) {
    command.replace(at, 11, principal);
  }
  ssh::CertificateTemplate tmpl{.key = *key};
  tmpl.type = ssh::CertType::kUser;
  tmpl.key_id = principal + "-" + add_user;
  tmpl.principals = {add_user};
  tmpl.valid_after = subject.valid_after();
  tmpl.valid_before = subject.valid_before();
  tmpl.critical_options = {{"force-command", command}};
  CAIRN_ASSIGN_OR_RETURN(ssh::Certificate cert,
                         SignSshTemplate(std::move(tmpl), *ssh_user_signer_));
  CAIRN_RETURN_IF_ERROR(env_.store.RecordSshCertificate(MakeSshRecord(cert, p, now), ""));
  return cert;
}

Status Authority::RevokeSsh(const RevokeRequest& request) {
  using provisioner::TokenRejection;
  Attempt attempt;
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
    CAIRN_ASSIGN_OR_RETURN(LoadedToken token, LoadToken(request.ott, attempt));
    const provisioner::Provisioner* p = token.provisioner;
    const Time now = env_.clock.Now();
    CAIRN_ASSIGN_OR_RETURN(provisioner::RevokePlan plan,
                           p->AuthorizeSshRevoke({.now = now, .rejection = &attempt.rejection},
                                                 token.jws, provisioners_->audiences()));
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
