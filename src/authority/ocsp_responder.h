#pragma once

// The CA's OCSP responder (RFC 6960, profiled by RFC 5019): answers good, revoked (time and
// reason) or unknown for certificates of the intermediate, from the store. Responses are
// pre-signed off the request path — at issuance (Issued), at revocation (Revoked, before the
// revoke call returns) and again when a third of their lifetime remains — and served from a
// bounded cache; a request with a nonce, for several certificates, or with a CertID hash other
// than SHA-1 is signed on demand. Responses are signed by a delegated responder certificate the
// responder issues itself from the intermediate (id-kp-OCSPSigning, id-pkix-ocsp-nocheck) and
// replaces when a third of its life remains, or by the intermediate itself.
//
// Several CA processes sharing a database each keep their own cache: a revocation made by one
// reaches the others' answers when their cached responses are refreshed (a third of
// `lifetime`), not at once.

#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "base/result.h"
#include "config/config.h"
#include "crypto/signer.h"
#include "pki/certificate.h"
#include "store/store.h"

namespace cairn::pki {
struct OcspRequest;
struct CertId;
}  // namespace cairn::pki

namespace cairn::authority {

// OcspAnswer is what the responder sends back: always a DER OCSPResponse (errors included).
struct OcspAnswer {
  std::string der;
  // cacheable is true for successful responses without a nonce: they carry RFC 5019's HTTP
  // caching headers (max-age up to next_update, ETag, Last-Modified).
  bool cacheable = false;
  Time this_update{};
  Time next_update{};
  // etag is the quoted hex SHA-256 of `der` (cacheable answers only).
  std::string etag;
  // status names the outcome for the request log: "good", "revoked", "unknown",
  // "malformedRequest", "unauthorized", "internalError".
  std::string status;
};

// OcspResponder signs and caches OCSP responses. Thread-safe.
class OcspResponder {
 public:
  // Start issues the delegated responder certificate (when configured) and starts the refresh
  // thread. Every reference must outlive the responder. Fails when the responder certificate
  // cannot be made.
  static Result<std::unique_ptr<OcspResponder>> Start(const config::OcspConfig& config,
                                                      std::string common_name,
                                                      const pki::Certificate& issuer,
                                                      const crypto::Signer& issuer_signer,
                                                      store::Store& store, Clock& clock,
                                                      Random& random, Logger& log);
  ~OcspResponder();
  OcspResponder(const OcspResponder&) = delete;
  OcspResponder& operator=(const OcspResponder&) = delete;

  // Respond answers a DER OCSPRequest: malformedRequest for bytes that are not one (or too
  // large), unauthorized for a CertID of another issuer or an unsupported hash, internalError
  // when the store fails.
  OcspAnswer Respond(std::string_view request_der);
  // Issued pre-signs the "good" response of a certificate just issued, on the refresh thread.
  void Issued(const pki::Certificate& leaf);
  // Revoked re-signs the response of `serial` as revoked before returning.
  void Revoked(const std::string& serial);
  // responder_certificate is the certificate that signs responses (the delegated one, or the
  // intermediate).
  pki::Certificate responder_certificate() const;

 private:
  struct Signer;  // the current responder: certificate, key, validity
  struct Entry {
    std::string der;
    Time this_update;
    Time next_update;
    std::string etag;
    std::string status;
    std::list<std::string>::iterator lru;
  };

  OcspResponder(const config::OcspConfig& config, std::string common_name,
                const pki::Certificate& issuer, const crypto::Signer& issuer_signer,
                store::Store& store, Clock& clock, Random& random, Logger& log);
  // RotateResponder issues a new delegated responder certificate (no-op when not delegated).
  Status RotateResponder();
  std::shared_ptr<const Signer> CurrentSigner() const;
  // SignOnDemand signs the answer to a request the cache cannot serve.
  Result<OcspAnswer> SignOnDemand(const struct pki::OcspRequest& request);
  // SignCached signs the response for `serial` under its SHA-1 CertID: what the cache keeps.
  Result<Entry> SignCached(const std::string& serial);
  void Put(const std::string& serial, Entry entry);
  std::optional<Entry> Lookup(const std::string& serial);
  // Refresh re-signs cached responses with less than a third of their lifetime left (at most
  // `max` of them).
  void Refresh(size_t max);
  void Loop();

  const config::OcspConfig config_;
  const std::string common_name_;
  const pki::Certificate& issuer_;
  const crypto::Signer& issuer_signer_;
  store::Store& store_;
  Clock& clock_;
  Random& random_;
  Logger& log_;

  // IsOurs reports whether a CertID names the issuer (hashes computed once, at Start).
  bool IsOurs(const struct pki::CertId& id) const;

  // issuer_hashes_ are the issuer's name and key hashes under each CertID hash, indexed by
  // pki::CertIdHash; filled by Start, read-only after.
  std::vector<std::pair<std::string, std::string>> issuer_hashes_;

  mutable std::mutex signer_mu_;
  std::shared_ptr<const Signer> signer_;  // guarded by signer_mu_

  std::mutex cache_mu_;
  std::unordered_map<std::string, Entry> cache_;  // serial -> SHA-1 CertID response
  std::list<std::string> lru_;                    // most recent first

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                // guarded by mu_
  std::vector<std::string> to_presign_;  // serials; guarded by mu_
  std::thread thread_;
};

}  // namespace cairn::authority
