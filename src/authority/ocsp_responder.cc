#include "authority/ocsp_responder.h"

#include <algorithm>

#include "base/duration.h"
#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "pki/builder.h"
#include "pki/ocsp.h"

namespace cairn::authority {

// Signer is one responder: the certificate that signs, the key it signs with, and what goes
// into responses' certs field.
struct OcspResponder::Signer {
  pki::Certificate cert;
  std::shared_ptr<crypto::Signer> own;  // the delegated responder's key (null: the issuer's)
  const crypto::Signer* signer = nullptr;
  std::vector<pki::Certificate> include;
};

namespace {

// kRefreshEvery is how often the refresh thread looks at the cache and the responder.
constexpr Duration kRefreshEvery = std::chrono::seconds(10);
// kMaxPresignQueue bounds the certificates waiting to be pre-signed.
constexpr size_t kMaxPresignQueue = 100000;
// kRefreshBatch bounds the responses re-signed per refresh pass.
constexpr size_t kRefreshBatch = 5000;

OcspAnswer ErrorAnswer(pki::OcspResponseStatus status) {
  OcspAnswer a;
  a.der = pki::OcspErrorResponse(status);
  a.status = std::string(pki::OcspResponseStatusName(status));
  return a;
}

std::string StatusName(pki::SingleResponse::Status s) {
  switch (s) {
    case pki::SingleResponse::Status::kGood:
      return "good";
    case pki::SingleResponse::Status::kRevoked:
      return "revoked";
    case pki::SingleResponse::Status::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace

OcspResponder::OcspResponder(const config::OcspConfig& config, std::string common_name,
                             const pki::Certificate& issuer, const crypto::Signer& issuer_signer,
                             store::Store& store, Clock& clock, Random& random, Logger& log)
    : config_(config),
      common_name_(std::move(common_name)),
      issuer_(issuer),
      issuer_signer_(issuer_signer),
      store_(store),
      clock_(clock),
      random_(random),
      log_(log) {}

Result<std::unique_ptr<OcspResponder>> OcspResponder::Start(const config::OcspConfig& config,
                                                            std::string common_name,
                                                            const pki::Certificate& issuer,
                                                            const crypto::Signer& issuer_signer,
                                                            store::Store& store, Clock& clock,
                                                            Random& random, Logger& log) {
  std::unique_ptr<OcspResponder> r(new OcspResponder(config, std::move(common_name), issuer,
                                                     issuer_signer, store, clock, random, log));
  // The issuer's hashes, once: every request compares its CertID against them.
  for (auto hash : {pki::CertIdHash::kSha1, pki::CertIdHash::kSha256, pki::CertIdHash::kSha384,
                    pki::CertIdHash::kSha512}) {
    CAIRN_ASSIGN_OR_RETURN(pki::IssuerHashes h, pki::ComputeIssuerHashes(issuer, hash));
    const size_t i = static_cast<size_t>(hash);
    if (r->issuer_hashes_.size() <= i) r->issuer_hashes_.resize(i + 1);
    r->issuer_hashes_[i] = {std::move(h.name_hash), std::move(h.key_hash)};
  }
  if (config.delegated) {
    CAIRN_RETURN_IF_ERROR(r->RotateResponder().Annotate("issuing the OCSP responder certificate"));
  } else {
    auto s = std::make_shared<Signer>(Signer{issuer, nullptr, &issuer_signer, {}});
    r->signer_ = std::move(s);
  }
  r->thread_ = std::thread([raw = r.get()] { raw->Loop(); });
  return r;
}

OcspResponder::~OcspResponder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status OcspResponder::RotateResponder() {
  if (!config_.delegated) return Status();
  const Time now = TruncateToSeconds(clock_.Now());
  CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate({}));
  pki::CertificateTemplate t;
  t.subject.common_name = common_name_ + " OCSP Responder";
  CAIRN_ASSIGN_OR_RETURN(t.serial_decimal, pki::RandomSerial(random_));
  t.not_before = now - std::chrono::minutes(1);
  t.not_after = std::min(now + config_.responder_lifetime, issuer_.not_after());
  t.key_usage = pki::kDigitalSignature;
  t.extra_extensions = pki::OcspResponderExtensions();
  CAIRN_ASSIGN_OR_RETURN(pki::Certificate cert,
                         pki::SignCertificate(t, key.public_key(), &issuer_, issuer_signer_));
  // A certificate the CA hands out is a certificate it recorded.
  store::CertificateRecord rec;
  rec.serial = cert.serial_decimal();
  rec.der = cert.der();
  rec.provisioner_name = "ocsp-responder";
  rec.provisioner_type = "OCSP";
  rec.subject = cert.subject_string();
  rec.not_before = cert.not_before();
  rec.not_after = cert.not_after();
  rec.issued_at = now;
  CAIRN_RETURN_IF_ERROR(store_.RecordCertificate(rec, ""));
  auto own = std::make_shared<crypto::KeySigner>(std::move(key));
  auto s = std::make_shared<Signer>(Signer{cert, own, own.get(), {cert}});
  {
    std::lock_guard<std::mutex> lock(signer_mu_);
    signer_ = std::move(s);
  }
  // Responses of the previous responder stay valid, but new ones come from the new one.
  std::lock_guard<std::mutex> lock(cache_mu_);
  cache_.clear();
  lru_.clear();
  log_.Info("issued the OCSP responder certificate",
            {{"serial", cert.serial_decimal()}, {"not-after", FormatRfc3339(cert.not_after())}});
  return Status();
}

std::shared_ptr<const OcspResponder::Signer> OcspResponder::CurrentSigner() const {
  std::lock_guard<std::mutex> lock(signer_mu_);
  return signer_;
}

pki::Certificate OcspResponder::responder_certificate() const { return CurrentSigner()->cert; }

namespace {

// Lookup fills `single` from the store: unknown when the CA never issued `serial`, revoked
// with time and reason when it is revoked, else good.
Status FillStatus(store::Store& store, const std::string& serial, pki::SingleResponse& single) {
  CAIRN_ASSIGN_OR_RETURN(auto cert, store.GetCertificate(serial));
  if (!cert) {
    single.status = pki::SingleResponse::Status::kUnknown;
    return Status();
  }
  CAIRN_ASSIGN_OR_RETURN(auto revoked, store.GetRevocation(serial));
  if (revoked) {
    single.status = pki::SingleResponse::Status::kRevoked;
    single.revoked_at = revoked->revoked_at;
    single.reason_code = revoked->reason_code == 0 ? -1 : revoked->reason_code;
  } else {
    single.status = pki::SingleResponse::Status::kGood;
  }
  return Status();
}

}  // namespace

Result<OcspResponder::Entry> OcspResponder::SignCached(const std::string& serial) {
  auto signer = CurrentSigner();
  const Time now = TruncateToSeconds(clock_.Now());
  pki::SingleResponse single;
  CAIRN_ASSIGN_OR_RETURN(single.id, pki::MakeCertId(issuer_, serial, pki::CertIdHash::kSha1));
  CAIRN_RETURN_IF_ERROR(FillStatus(store_, serial, single));
  single.this_update = now;
  single.next_update = now + config_.lifetime;
  pki::ResponseTemplate tmpl;
  tmpl.produced_at = now;
  tmpl.responses.push_back(single);
  CAIRN_ASSIGN_OR_RETURN(
      std::string der, pki::SignOcspResponse(tmpl, signer->cert, *signer->signer, signer->include));
  Entry e;
  e.etag = "\"" + HexEncode(crypto::Sha256(der)) + "\"";
  e.der = std::move(der);
  e.this_update = now;
  e.next_update = *single.next_update;
  e.status = StatusName(single.status);
  return e;
}

void OcspResponder::Put(const std::string& serial, Entry entry) {
  if (config_.cache_size <= 0 || entry.status == "unknown") return;
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto it = cache_.find(serial);
  if (it != cache_.end()) {
    // A revocation is final: a response signed from an older read of the store (a pre-sign
    // or a request racing the revoke call) never replaces a "revoked" one.
    if (it->second.status == "revoked" && entry.status != "revoked") return;
    lru_.erase(it->second.lru);
    cache_.erase(it);
  }
  lru_.push_front(serial);
  entry.lru = lru_.begin();
  cache_.emplace(serial, std::move(entry));
  while (cache_.size() > static_cast<size_t>(config_.cache_size)) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
}

std::optional<OcspResponder::Entry> OcspResponder::Lookup(const std::string& serial) {
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto it = cache_.find(serial);
  if (it == cache_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second;
}

Result<OcspAnswer> OcspResponder::SignOnDemand(const pki::OcspRequest& request) {
  auto signer = CurrentSigner();
  const Time now = TruncateToSeconds(clock_.Now());
  pki::ResponseTemplate tmpl;
  tmpl.produced_at = now;
  tmpl.nonce = request.nonce;
  std::string status;
  for (const pki::CertId& id : request.ids) {
    pki::SingleResponse single;
    single.id = id;
    CAIRN_RETURN_IF_ERROR(FillStatus(store_, id.serial_decimal, single));
    single.this_update = now;
    single.next_update = now + config_.lifetime;
    status += (status.empty() ? "" : ",") + StatusName(single.status);
    tmpl.responses.push_back(std::move(single));
  }
  OcspAnswer a;
  CAIRN_ASSIGN_OR_RETURN(
      a.der, pki::SignOcspResponse(tmpl, signer->cert, *signer->signer, signer->include));
  a.this_update = now;
  a.next_update = now + config_.lifetime;
  a.status = status;
  return a;
}

OcspAnswer OcspResponder::Respond(std::string_view request_der) {
  auto request = pki::ParseOcspRequest(request_der);
  if (!request.ok() || request->ids.empty()) {
    return ErrorAnswer(pki::OcspResponseStatus::kMalformedRequest);
  }
  for (const pki::CertId& id : request->ids) {
    if (!IsOurs(id)) {
      return ErrorAnswer(pki::OcspResponseStatus::kUnauthorized);
    }
  }
  const bool cacheable =
      request->ids.size() == 1 && !request->nonce && request->ids[0].hash == pki::CertIdHash::kSha1;
  if (!cacheable) {
    auto a = SignOnDemand(*request);
    if (!a.ok()) {
      log_.Error("signing an OCSP response", {{"error", a.status().message()}});
      return ErrorAnswer(pki::OcspResponseStatus::kInternalError);
    }
    return *std::move(a);
  }
  const std::string& serial = request->ids[0].serial_decimal;
  const Time now = clock_.Now();
  std::optional<Entry> e = Lookup(serial);
  if (!e || now >= e->next_update - config_.lifetime / 3) {
    auto signed_entry = SignCached(serial);
    if (!signed_entry.ok()) {
      log_.Error("signing an OCSP response", {{"error", signed_entry.status().message()}});
      return ErrorAnswer(pki::OcspResponseStatus::kInternalError);
    }
    e = *signed_entry;
    Put(serial, *e);
  }
  OcspAnswer a;
  a.der = e->der;
  a.cacheable = e->status != "unknown";
  a.this_update = e->this_update;
  a.next_update = e->next_update;
  a.etag = e->etag;
  a.status = e->status;
  return a;
}

bool OcspResponder::IsOurs(const pki::CertId& id) const {
  const size_t i = static_cast<size_t>(id.hash);
  if (id.hash == pki::CertIdHash::kUnknown || i >= issuer_hashes_.size()) return false;
  return id.issuer_name_hash == issuer_hashes_[i].first &&
         id.issuer_key_hash == issuer_hashes_[i].second;
}

void OcspResponder::Issued(const pki::Certificate& leaf) {
  if (config_.cache_size <= 0) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (to_presign_.size() >= kMaxPresignQueue) return;  // signed on demand instead
    to_presign_.push_back(leaf.serial_decimal());
  }
  cv_.notify_all();
}

void OcspResponder::Revoked(const std::string& serial) {
  auto e = SignCached(serial);
  if (!e.ok()) {
    // The stale "good" must not be served: drop it, so the next request signs afresh.
    log_.Error("signing an OCSP response after a revocation", {{"error", e.status().message()}});
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (auto it = cache_.find(serial); it != cache_.end()) {
      lru_.erase(it->second.lru);
      cache_.erase(it);
    }
    return;
  }
  if (config_.cache_size > 0) Put(serial, *std::move(e));
}

void OcspResponder::Refresh(size_t max) {
  const Time now = clock_.Now();
  std::vector<std::string> stale;
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    for (const auto& [serial, e] : cache_) {
      if (now >= e.next_update - config_.lifetime / 3) stale.push_back(serial);
      if (stale.size() >= max) break;
    }
  }
  for (const std::string& serial : stale) {
    auto e = SignCached(serial);
    if (e.ok()) Put(serial, *std::move(e));
  }
}

void OcspResponder::Loop() {
  auto next_refresh = std::chrono::steady_clock::now() + kRefreshEvery;
  for (;;) {
    std::vector<std::string> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, next_refresh, [&] { return stopping_ || !to_presign_.empty(); });
      if (stopping_) return;
      batch.swap(to_presign_);
    }
    for (const std::string& serial : batch) {
      if (Lookup(serial)) continue;  // asked for (or revoked) meanwhile
      auto e = SignCached(serial);
      if (e.ok()) Put(serial, *std::move(e));
    }
    if (std::chrono::steady_clock::now() < next_refresh) continue;
    next_refresh = std::chrono::steady_clock::now() + kRefreshEvery;
    if (config_.delegated) {
      auto signer = CurrentSigner();
      if (signer->cert.not_after() - clock_.Now() < config_.responder_lifetime / 3) {
        if (Status s = RotateResponder(); !s.ok()) {
          log_.Error("replacing the OCSP responder certificate", {{"error", s.message()}});
        }
      }
    }
    Refresh(kRefreshBatch);
  }
}

}  // namespace cairn::authority
