#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authority/crl_publisher.h"
#include "authority/ocsp_responder.h"
#include "base/clock.h"
#include "base/duration.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/random.h"
#include "base/result.h"
#include "base/work_queue.h"
#include "config/config.h"
#include "crypto/signer.h"
#include "pki/builder.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "policy/policy.h"
#include "provisioner/collection.h"
#include "ssh/certificate.h"
#include "ssh/key.h"
#include "store/store.h"
#include "templates/ssh_template.h"
#include "templates/value.h"
#include "webhook/webhook.h"

namespace cairn::authority {

// AuthorityMetrics are the instruments an Authority updates; any may be null. Not owned. The
// x509 families are labelled (provisioner, success) as step-ca's are: provisioner is the
// provisioner's name ("" when none was found), success "true" or "false".
struct AuthorityMetrics {
  metrics::Family<metrics::Counter>* x509_signed = nullptr;
  // ssh_signed counts SSH certificates signed (step-ca's step_ca_ssh_signed_total).
  metrics::Family<metrics::Counter>* ssh_signed = nullptr;
  // ssh_renewed / ssh_rekeyed count SSHPOP renewals and rekeys (step_ca_ssh_renewed_total,
  // step_ca_ssh_rekeyed_total).
  metrics::Family<metrics::Counter>* ssh_renewed = nullptr;
  metrics::Family<metrics::Counter>* ssh_rekeyed = nullptr;
  metrics::Family<metrics::Counter>* x509_renewed = nullptr;
  metrics::Family<metrics::Counter>* x509_rekeyed = nullptr;
  metrics::Family<metrics::Counter>* x509_revoked = nullptr;
  // token_rejections is labelled (reason) with provisioner::TokenRejectionName.
  metrics::Family<metrics::Counter>* token_rejections = nullptr;
  // kms_signed and kms_errors count signatures made, and failed, with the CA key.
  metrics::Counter* kms_signed = nullptr;
  metrics::Counter* kms_errors = nullptr;
};

// Env is the outside world an Authority uses. Non-owning; every piece must outlive the
// Authority.
struct Env {
  Clock& clock;
  Random& random;
  store::Store& store;
  Logger& log;
  const AuthorityMetrics* metrics = nullptr;
  // slow_work runs requests that call webhooks, so that no I/O thread waits on a remote
  // server; null runs them on the caller's thread.
  WorkQueue* slow_work = nullptr;
};

// AuthorityOptions are what the configuration file does not say.
struct AuthorityOptions {
  // home is $STEPPATH/$CAIRNPATH; relative paths in ca.json are resolved against it.
  std::string home;
  // password decrypts the intermediate key; empty means "use ca.json's `password`".
  std::string password;
  // start_time: tokens issued before it are refused (stepca.md §2.1 step 2). It survives
  // configuration reloads, so pass the process start time.
  Time start_time{};
};

// SignRequest is the body of POST /sign, already decoded from JSON.
struct SignRequest {
  std::string csr_pem;
  std::string ott;
  std::string not_before;  // RFC 3339 or duration, "" = unset
  std::string not_after;
  nlohmann::json template_data;
  // request_id is the HTTP request's id, passed on to webhooks as X-Request-Id.
  std::string request_id;
};

// RevokeRequest is the body of POST /revoke.
struct RevokeRequest {
  std::string serial;  // decimal or 0x-hex
  std::string ott;
  int reason_code = 0;
  std::string reason;
  bool passive = true;
};

// PlanSignRequest is a certificate request that a protocol front end (ACME, later SCEP)
// authorized itself: it made the SignPlan from its own credential (an ACME order whose
// authorizations are valid) rather than from a one-time token.
struct PlanSignRequest {
  // provisioner is one of this authority's provisioners (its Collection owns it).
  const provisioner::Provisioner* provisioner = nullptr;
  provisioner::SignPlan plan;
  // csr_der is the certificate request, DER; its signature is checked here.
  std::string csr_der;
  TimeOrDuration not_before, not_after;
  // template_data is what templates see as .Insecure.User (null: none).
  nlohmann::json template_data;
  std::string request_id;
  // record stores the certificate instead of Store::RecordCertificate (ACME records its order
  // in the same transaction). Null: RecordCertificate without a token. The certificate is
  // returned only when it returns OK.
  std::function<Status(const store::CertificateRecord&)> record;
};

// Issued is a certificate the authority signed and recorded, with its chain and what the
// request log should say about it.
struct Issued {
  pki::Certificate leaf;
  std::vector<pki::Certificate> chain;  // leaf first, then intermediates; never the root
  std::string provisioner;              // "name (credential)" as step-ca logs it
};

// SshSignRequest is the body of POST /ssh/sign, decoded (stepca.md §1.5).
struct SshSignRequest {
  // public_key is the key to certify, in the SSH wire format.
  std::string public_key;
  std::string ott;
  std::string cert_type;  // "user", "host" or "" (the token's)
  std::string key_id;
  std::vector<std::string> principals;
  std::string valid_after;  // step's TimeDuration, "" = unset
  std::string valid_before;
  nlohmann::json template_data;
  // add_user_public_key (base64 SSH wire key), when set for a user certificate with one
  // principal, asks for step's add-user certificate as well.
  std::string add_user_public_key;
  std::string request_id;
};

// SshIssued is an SSH certificate the authority signed and recorded.
struct SshIssued {
  ssh::Certificate cert;
  std::string provisioner;  // "name (credential)" for the request log
  // add_user_cert is the add-user certificate, when one was asked for and allowed.
  std::optional<ssh::Certificate> add_user_cert;
};

// ServerCredentials are the CA's own TLS certificate and key (PEM).
struct ServerCredentials {
  std::string chain_pem;
  std::string key_pem;
  Time not_before;
  Time not_after;
};

// RevocationUrls are where relying parties check revocation; empty when that service is off.
struct RevocationUrls {
  std::string crl;        // the full CRL (cRLDistributionPoints of issued certificates)
  std::string delta_crl;  // the delta CRL (FreshestCRL of the full CRL)
  std::string ocsp;       // the OCSP responder (authorityInfoAccess id-ad-ocsp)
};

// Authority signs, renews, rekeys and revokes X.509 certificates for the provisioners of one
// ca.json. It knows provisioners only by interface and never parses HTTP. Immutable after
// Create (a configuration reload builds a new Authority); thread-safe.
class Authority {
 public:
  // Create loads roots, the intermediate and its key (decrypted with the password), and builds
  // the provisioners. Fails with kInvalidArgument (bad configuration), kNotFound (missing file)
  // or kInvalidArgument (wrong password).
  static Result<std::unique_ptr<Authority>> Create(const config::CaConfig& config,
                                                   const AuthorityOptions& options, Env env);

  // Sign authorizes a one-time token and signs the CSR. Fails with kInvalidArgument (bad CSR),
  // kUnauthenticated (token), kPermissionDenied (names, key size, lifetime).
  Result<Issued> Sign(const SignRequest& request);
  // SignAsync is Sign without waiting for the store: the checks and the signature run on the
  // caller's thread, then `done` receives the result once the record is durable, on the
  // store's writer thread (or on the caller's, at once, on failure). The authority must
  // outlive the call to `done`; `done` must be quick.
  void SignAsync(const SignRequest& request, std::function<void(Result<Issued>)> done);
  // Renew renews the certificate a client presented over mTLS (chain DER, leaf first).
  Result<Issued> Renew(const std::vector<std::string>& peer_chain_der);
  // RenewWithToken renews the certificate carried in an x5cInsecure token (stepca.md §2.8).
  Result<Issued> RenewWithToken(std::string_view token);
  // Rekey renews the mTLS client's certificate for the public key of `csr_pem`.
  Result<Issued> Rekey(const std::vector<std::string>& peer_chain_der, std::string_view csr_pem);
  // Revoke revokes a serial, authorized by a token (request.ott) or by the mTLS client
  // certificate (peer_chain_der) whose serial must match. kFailedPrecondition if already
  // revoked.
  Status Revoke(const RevokeRequest& request, const std::vector<std::string>& peer_chain_der);

  // SignForPlan signs a request a protocol front end authorized (see PlanSignRequest): the CSR
  // signature and its names against the plan, then the same pipeline as Sign (templates,
  // webhooks, policies, claims), then `record`. Fails as Sign does, and with record's error.
  Result<Issued> SignForPlan(const PlanSignRequest& request);
  // CheckNamePolicies applies the authority's and `p`'s X.509 name policies to DNS names and
  // IP addresses before anything is issued (an ACME order's identifiers). kPermissionDenied
  // naming the first name outside policy.
  Status CheckNamePolicies(const provisioner::Provisioner& p, const std::vector<std::string>& dns,
                           const std::vector<std::string>& ips) const;
  // RevokeIssued revokes `cert`, which must have been issued by this authority's intermediate,
  // for a protocol front end that authorized the revocation itself (ACME revokeCert).
  // kInvalidArgument when the certificate is not ours; kFailedPrecondition "already revoked".
  Status RevokeIssued(const pki::Certificate& cert, int reason_code, std::string reason, bool acme);

  // LeafTemplate is the middle of Sign, public so that its cost can be measured on its own:
  // it checks `csr` against `plan` (CSR fingerprint, common name, key kind and size, SANs as
  // sets) and builds step's default leaf template (stepca.md §6.2): subject and authority
  // template defaults, validity from `not_before`/`not_after` (unset: now, backdated, for the
  // provisioner's default duration) within the claims, the provisioner extension, a fresh
  // serial. The CSR's signature is not checked here. Fails as Sign does (kInvalidArgument,
  // kPermissionDenied).
  Result<pki::CertificateTemplate> LeafTemplate(const provisioner::SignPlan& plan,
                                                const pki::CertificateRequest& csr,
                                                const TimeOrDuration& not_before,
                                                const TimeOrDuration& not_after) const;

  // SetWebhookCredentials sets the certificate the authority presents to webhooks (its own
  // TLS certificate, as step-ca does). Thread-safe.
  void SetWebhookCredentials(const ServerCredentials& creds);

  // IssueServerCertificate mints the CA's own TLS certificate: a fresh P-256 key, CN =
  // commonName, SANs = dnsNames, 24h (stepca.md §1.1).
  Result<ServerCredentials> IssueServerCertificate();

  // ---- SSH CA (authority/ssh_sign.cc).

  // SignSsh authorizes an SSH sign token and signs the request's public key with the user or
  // host CA key (stepca.md §2.6, §6.5): the token's step.ssh claims bound the certificate type,
  // key id, principals and validity; unset values default to the token's, the validity to
  // now−backdate for the provisioner's default user/host duration within its min/max; user
  // certificates get step's default extensions. The certificate is recorded with the token's id
  // in one transaction before it is returned. Fails with kUnimplemented when ca.json has no key
  // for that certificate type, kInvalidArgument (bad key, type, times), kUnauthenticated
  // (token), kPermissionDenied (principals, key id or validity outside the token or claims).
  Result<SshIssued> SignSsh(const SshSignRequest& request);
  // SignSshAsync is SignSsh for the HTTP server: requests of provisioners with SSH webhooks
  // run on the slow-work queue (kUnavailable when it is full); `done` is called exactly once.
  void SignSshAsync(const SshSignRequest& request, std::function<void(Result<SshIssued>)> done);
  // RevokeSsh revokes an SSH certificate for a token (POST /ssh/revoke; stepca.md §1.5):
  // passive only, as step-ca; the token's subject must be the serial. Renewals and rekeys of a
  // revoked certificate are refused and `cairn ssh krl` lists it. kInvalidArgument (serial,
  // reason code, already revoked), kUnimplemented (not passive), kUnauthenticated (token).
  Status RevokeSsh(const RevokeRequest& request);
  // ssh_user_key / ssh_host_key are the SSH CA public keys (nullopt when not configured).
  const std::optional<ssh::PublicKey>& ssh_user_key() const { return ssh_user_public_; }
  const std::optional<ssh::PublicKey>& ssh_host_key() const { return ssh_host_public_; }

  // ---- SSH renew and rekey (authority/ssh_renew.cc).

  // RenewSsh renews the host certificate an SSHPOP token proves possession of (POST
  // /ssh/renew; stepca.md §1.5, §2.9): same key, type, key id, principals, critical options
  // and extensions, a new serial and nonce, the old certificate's validity length starting at
  // now−backdate, signed by the host CA key and recorded with the token's id in one
  // transaction before it is returned (a token works once). Fails with kUnimplemented when
  // the CA has no SSH keys (or none for the type), kUnauthenticated (token, revoked
  // certificate, renewal claims), kInvalidArgument (a user certificate, no validity period).
  Result<SshIssued> RenewSsh(std::string_view ott);
  // RekeySsh is RenewSsh for a new key: `public_key` is the standard base64 of its SSH wire
  // blob (as POST /ssh/rekey carries it). The SSHPOP certificate must be valid now, the new
  // key acceptable (RSA of 2048 bits or more, ECDSA, Ed25519) and the validity length within
  // the provisioner's host SSH durations. Fails as RenewSsh, and with kInvalidArgument (bad
  // key) or kPermissionDenied (key size, duration).
  Result<SshIssued> RekeySsh(std::string_view ott, std::string_view public_key);

  // ---- SSH KRL (authority/ssh_krl.cc).

  // SshKrl returns an OpenSSH KRL (PROTOCOL.krl, for sshd's RevokedKeys and ssh-keygen -Q) of
  // every SSH revocation in the store (BuildSshKrl with this CA's keys and clock). Beyond
  // step-ca (GET /ssh/krl). Fails with kUnimplemented when the CA has no SSH keys, else as
  // BuildSshKrl. Thread-safe.
  Result<std::string> SshKrl() const;
  // BuildSshKrl reads every SSH revocation from `store` (paged) and writes a KRL revoking
  // their serials under each configured CA key (user and host: a serial is listed under both,
  // as a revocation does not say which CA signed it and 64-bit random serials do not collide),
  // with version and generation time `now`. Revocations of certificates that expired more
  // than a day before `now` are left out (sshd refuses them anyway), as are serials that are
  // not 64-bit or are 0. Fails with kFailedPrecondition when both keys are unset, with the
  // store's errors, or kResourceExhausted when the KRL would exceed ssh::kMaxKrl. Thread-safe
  // when the store is.
  static Result<std::string> BuildSshKrl(store::Store& store,
                                         const std::optional<ssh::PublicKey>& user_key,
                                         const std::optional<ssh::PublicKey>& host_key, Time now);

  // ---- SSH hosts and configuration (authority/ssh_hosts.cc).

  // SshKeys are SSH CA public keys by certificate type (/ssh/roots, /ssh/federation).
  struct SshKeys {
    std::vector<ssh::PublicKey> user_keys;
    std::vector<ssh::PublicKey> host_keys;
  };
  // SshConfigOutput is one rendered configuration template (step-ca's templates.Output).
  struct SshConfigOutput {
    std::string name;
    std::string type;  // snippet, file, directory, prepend-line
    std::string path;
    std::string comment;
    // content is the rendered text; nullopt for a directory (JSON null).
    std::optional<std::string> content;
  };
  // SshBastion is ssh.bastion (step-ca's config.Bastion).
  struct SshBastion {
    std::string hostname, user, port, cmd, flags;
  };
  // kMaxSshConfigData bounds the entries of an /ssh/config request's data, and
  // kMaxSshConfigDataBytes their total size.
  static constexpr size_t kMaxSshConfigData = 256;
  static constexpr size_t kMaxSshConfigDataBytes = 64 << 10;

  // SshRootKeys returns the keys that verify this CA's SSH certificates (step-ca's
  // GetSSHRoots): the CA keys, then ca.json's ssh.keys that are not federated. Fails only with
  // kInvalidArgument when an ssh.keys JWK is not a supported public key. Thread-safe.
  Result<SshKeys> SshRootKeys() const;
  // SshFederationKeys returns the federation (step-ca's GetSSHFederation): the CA keys, then
  // ca.json's ssh.keys marked federated. Fails as SshRootKeys. Thread-safe.
  Result<SshKeys> SshFederationKeys() const;
  // CheckSshHost reports whether a host certificate was ever issued for `principal`
  // (case-insensitive; step-ca's CheckSSHHost). `token` is accepted and ignored, as step-ca
  // does without an injected check. kInvalidArgument for an empty or oversized principal, the
  // store's errors otherwise. Thread-safe.
  Result<bool> CheckSshHost(std::string_view principal, std::string_view token) const;
  // GetSshHosts lists the hostnames (lower-cased, sorted) with a host certificate that has not
  // expired and is not revoked (GET /ssh/hosts). kNotFound when authority.disableGetSSHHosts;
  // kResourceExhausted past kMaxSshHosts hosts; the store's errors. Thread-safe.
  static constexpr size_t kMaxSshHosts = 100000;
  Result<std::vector<std::string>> GetSshHosts() const;
  // GetSshBastion returns ssh.bastion for a connection of `user` to `hostname`, or nullopt
  // when none is configured or `hostname` is the bastion itself (compared case-insensitively;
  // step-ca's GetSSHBastion). kNotFound when ca.json has no ssh block; kInvalidArgument for an
  // empty hostname. Thread-safe.
  Result<std::optional<SshBastion>> GetSshBastion(std::string_view user,
                                                  std::string_view hostname) const;
  // GetSshConfig renders the SSH configuration templates of `type` ("user" or "host";
  // step-ca's GetSSHConfig): ca.json's templates.ssh (step's defaults when ca.json has no
  // templates block) over the request `data` as .User, templates.data at the top level and
  // .Step.SSH.{HostKey,UserKey,HostFederatedKeys,UserFederatedKeys} (each key a map with
  // "Type" and "Marshal", the wire blob). Fails with kNotFound when the CA has no SSH keys,
  // kInvalidArgument for another type, data over the bounds above, or a missing `requires`
  // key ("required variable 'Key' is missing, please use `--set <key=value>` flag"), and with
  // the template's errors (loading, parsing, executing). Thread-safe.
  Result<std::vector<SshConfigOutput>> GetSshConfig(
      std::string_view type, const std::map<std::string, std::string>& data) const;

  // ---- Active revocation (authority.cc; crl_publisher, ocsp_responder).

  // crl returns the CRL publisher (null when ca.json's crl is not enabled); ocsp the OCSP
  // responder (null unless ocsp.enabled).
  CrlPublisher* crl() const { return crl_.get(); }
  OcspResponder* ocsp() const { return ocsp_.get(); }
  // revocation_urls are the URLs written into issued certificates.
  const RevocationUrls& revocation_urls() const { return urls_; }
  // active_revocation reports whether revocations are published (CRL or OCSP enabled): then
  // every revocation reaches both within a second, whatever the request's `passive` says.
  bool active_revocation() const { return crl_ != nullptr || ocsp_ != nullptr; }
  // MakeRevocationUrls derives the URLs from ca.json: crl.idpURL / ocsp.url when given, else
  // http://<dnsNames[0]>:<insecure port>/crl and /ocsp when insecureAddress is set, else
  // https://<dnsNames[0]>:<port>/1.0/crl and /ocsp.
  static RevocationUrls MakeRevocationUrls(const config::CaConfig& config);

  // ---- Administration API (stepca.md §12; authority/admin.cc).

  // admin_enabled reports ca.json's authority.enableAdmin.
  bool admin_enabled() const { return config_.enable_admin; }
  // EnsureFirstAdmin gives a CA with the admin API enabled and no admin yet its first super
  // admin, as step-ca does on first start: subject "step", bound to the first JWK provisioner.
  // Without a JWK provisioner it logs why and creates nothing. Safe to call on every start and
  // from several processes (the store keeps one admin per subject and provisioner).
  Status EnsureFirstAdmin();
  // AuthorizeAdminToken checks an admin token (stepca.md §12): an x5c JWT whose chain verifies
  // to the CA's roots for clientAuth with digitalSignature, signed by the leaf, never used
  // before, within its validity (1 minute leeway), for audience https://<dnsName><path> (or
  // the bare path; ports ignored), issued by "step-admin-client/1.0" or the provisioner of the
  // leaf, with a subject; the admin is the leaf's CN, DNS or e-mail SAN on that provisioner.
  // Only super admins may change /admin/admins. Fails with kUnauthenticated naming the failed
  // check, kPermissionDenied for an admin without the rights.
  Result<store::AdminRecord> AuthorizeAdminToken(std::string_view token, std::string_view method,
                                                 std::string_view path);
  // CreateAdmin adds an admin for `subject` on provisioner `provisioner`. kInvalidArgument
  // for an empty subject or an unknown provisioner, kAlreadyExists for a duplicate.
  Result<store::AdminRecord> CreateAdmin(std::string_view subject, std::string_view provisioner,
                                         store::AdminType type);
  // UpdateAdmin changes an admin's type; kFailedPrecondition when that would leave no super
  // admin, kNotFound.
  Result<store::AdminRecord> UpdateAdmin(std::string_view id, store::AdminType type);
  // DeleteAdmin removes an admin; kFailedPrecondition for the last super admin, kNotFound.
  Status DeleteAdmin(std::string_view id);
  // EabProvisioner returns the ACME provisioner `name` whose EAB keys the admin API manages:
  // kNotFound for an unknown provisioner, kInvalidArgument when it is not ACME or does not
  // require EAB (as step-ca's API answers).
  Result<const provisioner::Provisioner*> EabProvisioner(std::string_view name) const;
  // CreateEabKey makes an EAB key (random 32-character id, 256-bit HMAC key) for ACME
  // provisioner `provisioner`, with an optional reference (at most 256 bytes, unique per
  // provisioner: kAlreadyExists).
  Result<store::AcmeEabKeyRecord> CreateEabKey(std::string_view provisioner,
                                               std::string_view reference);
  store::Store& store() const { return env_.store; }

  const std::vector<pki::Certificate>& roots() const { return roots_; }
  const std::vector<pki::Certificate>& federated_roots() const { return federated_roots_; }
  // intermediates is the configured `crt` bundle: the issuing certificate first.
  const std::vector<pki::Certificate>& intermediates() const { return intermediates_; }
  // intermediate_pems are intermediates() in PEM, encoded once (every issuance returns them).
  const std::vector<std::string>& intermediate_pems() const { return intermediate_pems_; }
  // RootBySha returns the root or federated root whose SHA-256 fingerprint is `sha` (hex, any
  // case, dashes ignored).
  std::optional<pki::Certificate> RootBySha(std::string_view sha) const;
  const provisioner::Collection& provisioners() const { return *provisioners_; }
  const config::CaConfig& config() const { return config_; }
  // ProvisionerFor returns the provisioner that issued `cert` (store record, then extension).
  const provisioner::Provisioner* ProvisionerFor(const pki::Certificate& cert) const;

 private:
  Authority(Env env) : env_(env) {}
  // Attempt is what one request learned on its way, for the metrics.
  struct Attempt {
    const provisioner::Provisioner* provisioner = nullptr;
    provisioner::TokenRejection rejection = provisioner::TokenRejection::kNone;
  };
  // LoadedToken is a one-time token parsed and matched to its provisioner; the provisioner has
  // not verified it yet.
  struct LoadedToken {
    jose::ParsedJws jws;
    nlohmann::json claims;
    const provisioner::Provisioner* provisioner = nullptr;
  };
  // LoadToken parses `ott`, finds its provisioner (stepca.md §2.2; noted in `attempt`) and,
  // unless authority.disableIssuedAtCheck, refuses a token issued before the CA started.
  // Fails with kUnauthenticated, the reason in attempt.rejection.
  Result<LoadedToken> LoadToken(std::string_view ott, Attempt& attempt) const;
  // Count adds one attempt to `family` (and to the token rejections when a token was refused).
  void Count(metrics::Family<metrics::Counter>* family, const Attempt& attempt, bool ok) const;
  // LoadSshKeys loads the SSH CA keys of ca.json's ssh block (decrypted with `password`).
  Status LoadSshKeys(const std::string& home, const std::string& password);
  // SshPrepared is an SSH sign request checked up to its token, which is parsed and matched to
  // its provisioner but not verified yet.
  struct SshPrepared {
    ssh::PublicKey key;
    TimeOrDuration valid_after, valid_before;
    LoadedToken token;
  };
  // PrepareSsh checks the request (CA keys configured, the public key, validity strings, the
  // certificate type) and loads its token.
  Result<SshPrepared> PrepareSsh(const SshSignRequest& request, Attempt& attempt) const;
  // FinishSsh verifies the token with its provisioner, builds the certificate through the
  // pipeline (BuildSshTemplate), signs and records it, and signs the add-user certificate.
  Result<SshIssued> FinishSsh(const SshSignRequest& request, const SshPrepared& prepared,
                              Attempt& attempt);
  // ---- SSH renew and rekey (authority/ssh_renew.cc).
  // RenewSshImpl is RenewSsh (new_key null) and RekeySsh without the metrics.
  Result<SshIssued> RenewSshImpl(std::string_view ott, const ssh::PublicKey* new_key,
                                 Attempt& attempt);
  // BuildSshTemplate runs the provisioner's SSH pipeline (stepca.md §6.5; step-ca's signSSH):
  // enriching webhooks, the template (custom or step's default), validity (template, request,
  // token, default with backdate), the validity and field validators, the name policies, and
  // the authorizing webhooks. The certificate is not numbered or signed yet.
  Result<ssh::CertificateTemplate> BuildSshTemplate(
      const SshSignRequest& request, const provisioner::Provisioner& p, const ssh::PublicKey& key,
      const templates::SshTemplateData& data, const TimeOrDuration& request_after,
      const TimeOrDuration& request_before, const TimeOrDuration& token_after,
      const TimeOrDuration& token_before, const config::EffectiveClaims& claims) const;
  // SignSshTemplate gives `tmpl` a random serial and nonce unless it has them and signs it
  // with `signer` (rsa-sha2-256 for RSA CA keys).
  Result<ssh::Certificate> SignSshTemplate(ssh::CertificateTemplate tmpl,
                                           const crypto::Signer& signer) const;
  // MakeSshRecord is the store record of an issued SSH certificate.
  store::SshCertificateRecord MakeSshRecord(const ssh::Certificate& cert,
                                            const provisioner::Provisioner* p, Time now) const;
  // SignSshAddUser signs and records step's add-user certificate for `subject` (principal
  // ssh.addUserPrincipal, force-command ssh.addUserCommand, the subject's validity).
  Result<ssh::Certificate> SignSshAddUser(const std::string& public_key_b64,
                                          const ssh::Certificate& subject,
                                          const provisioner::Provisioner* p, Time now);
  // StartRevocationServices starts the CRL publisher and the OCSP responder when enabled.
  Status StartRevocationServices();
  // PublishRevocation tells the revocation services that `serial` was just revoked.
  void PublishRevocation(const std::string& serial);
  // AddRevocationPointers adds the CRL distribution point and the OCSP responder URL of the
  // enabled services to `tmpl`, unless it has its own.
  void AddRevocationPointers(pki::CertificateTemplate& tmpl) const;
  // CountKms counts one signature with the CA key.
  void CountKms(bool ok) const;
  // Signed is a certificate signed but not yet recorded.
  struct Signed {
    pki::Certificate leaf;
    const provisioner::Provisioner* provisioner;
    std::string token_id;
  };
  // Prepared is a sign request whose token and CSR were checked.
  struct Prepared {
    const provisioner::Provisioner* provisioner = nullptr;
    provisioner::SignPlan plan;
    std::optional<pki::CertificateRequest> csr;
    TimeOrDuration not_before, not_after;
    std::string token_id;
  };
  // CheckCsr checks `csr` against `plan` (CSR fingerprint, common name, key, SANs as sets).
  Status CheckCsr(const provisioner::SignPlan& plan, const pki::CertificateRequest& csr) const;
  // DefaultValidity sets the template's validity from the request (unset: now, backdated, for
  // the provisioner's default duration).
  void DefaultValidity(const provisioner::SignPlan& plan, const TimeOrDuration& not_before,
                       const TimeOrDuration& not_after, pki::CertificateTemplate& tmpl) const;
  // FinalizeTemplate checks the validity against the claims, puts in the provisioner extension
  // and a fresh serial unless one is set.
  Status FinalizeTemplate(const provisioner::SignPlan& plan, pki::CertificateTemplate& tmpl) const;
  // SignImpl is PrepareSign then FinishSign.
  Result<Signed> SignImpl(const SignRequest& request, Attempt& attempt);
  // PrepareSign checks the request, the token and the CSR's signature.
  Result<Prepared> PrepareSign(const SignRequest& request, Attempt& attempt);
  // FinishSign builds the certificate (the default leaf template, or the provisioner's
  // pipeline: webhooks, inventories, its template, policies) and signs it.
  Result<Signed> FinishSign(const SignRequest& request, Prepared& prepared);
  // CustomTemplate runs the provisioner's pipeline up to the rendered certificate template.
  Result<pki::CertificateTemplate> CustomTemplate(const SignRequest& request, Prepared& prepared,
                                                  templates::Map& data) const;
  // CheckNames applies the authority's and the provisioner's name policies and the
  // provisioner's inventory rules to the certificate about to be signed.
  // `items` are the attributes of the inventory items found, by inventory name.
  Status CheckNames(const pki::CertificateTemplate& tmpl, const provisioner::Options& opts,
                    const std::map<std::string, nlohmann::json>& items) const;
  // CallWebhooks calls the provisioner's webhooks of `kind` for certificates of `type`;
  // enriching ones add their data to data["Webhooks"]. kPermissionDenied when one does not
  // allow the request.
  Status CallWebhooks(webhook::Kind kind, webhook::CertType type, const provisioner::Provisioner& p,
                      nlohmann::ordered_json payload, const std::string& request_id,
                      templates::Map& data) const;
  // RecordResult notes a replayed token in `attempt` and passes `s` on.
  Status RecordResult(Status s, Attempt& attempt) const;
  store::CertificateRecord MakeRecord(const pki::Certificate& cert,
                                      const provisioner::Provisioner* p,
                                      std::string renewed_from) const;
  void RecordAsync(const pki::Certificate& cert, const provisioner::Provisioner* p,
                   std::string token_id, std::string renewed_from,
                   std::function<void(Status)> done);
  Result<Issued> RenewWithTokenImpl(std::string_view token, Attempt& attempt);
  Status RevokeImpl(const RevokeRequest& request, const std::vector<std::string>& peer_chain_der,
                    Attempt& attempt);
  Result<Issued> RenewCertificate(const pki::Certificate& old, const crypto::PublicKey* new_key,
                                  std::string token_id, Attempt& attempt);
  Result<pki::Certificate> VerifyPeer(const std::vector<std::string>& peer_chain_der) const;
  Status Record(const pki::Certificate& cert, const provisioner::Provisioner* p,
                std::string_view token_id, std::string renewed_from);
  Issued MakeIssued(pki::Certificate leaf, const provisioner::Provisioner* p) const;

  Env env_;
  config::CaConfig config_;
  AuthorityOptions options_;
  std::vector<pki::Certificate> roots_;
  std::vector<pki::Certificate> federated_roots_;
  std::vector<pki::Certificate> intermediates_;
  std::vector<std::string> intermediate_pems_;
  std::unique_ptr<crypto::Signer> signer_;
  std::unique_ptr<provisioner::Collection> provisioners_;
  // The SSH CA keys (null when ca.json's ssh block does not name them).
  std::unique_ptr<crypto::Signer> ssh_user_signer_;
  std::unique_ptr<crypto::Signer> ssh_host_signer_;
  std::optional<ssh::PublicKey> ssh_user_public_;
  std::optional<ssh::PublicKey> ssh_host_public_;
  // The revocation services use signer_ and intermediates_: declared after them, destroyed
  // before them.
  RevocationUrls urls_;
  std::unique_ptr<CrlPublisher> crl_;
  std::unique_ptr<OcspResponder> ocsp_;
  // policy_ is authority.policy.
  policy::Policies policy_;
  mutable std::mutex webhook_mu_;
  std::shared_ptr<const webhook::Client> webhook_client_;  // guarded by webhook_mu_
  // ---- SSH hosts and configuration (authority/ssh_hosts.cc).
  // SshHostsState is what ssh_hosts.cc prepares when the authority is created: the keys of ssh.keys
  // and the parsed configuration templates.
  struct SshHostsState;
  // LoadSshHosts prepares it when the authority is created; a bad ssh.keys entry or template
  // fails the creation (kInvalidArgument, or the file's error).
  Status LoadSshHosts();
  const SshHostsState& SshHostsData() const;
  std::shared_ptr<const SshHostsState> ssh_hosts_;  // set by Create, then immutable
};

// ParseSerial normalises a serial given in decimal or 0x-prefixed hex to decimal.
Result<std::string> ParseSerial(std::string_view serial);

}  // namespace cairn::authority
