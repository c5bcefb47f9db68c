#include "authority/crl_publisher.h"

#include <vector>

#include "crypto/pem.h"
#include "pki/crl.h"

namespace cairn::authority {
namespace {

// kExpiredGrace keeps a revoked certificate on the CRL for an hour after it expired, as
// step-ca does.
constexpr Duration kExpiredGrace = std::chrono::hours(1);
// kCoalesce is how long a revocation waits for others to share its generation.
constexpr Duration kCoalesce = std::chrono::milliseconds(100);

}  // namespace

Result<std::unique_ptr<CrlPublisher>> CrlPublisher::Start(Options options,
                                                          const pki::Certificate& issuer,
                                                          const crypto::Signer& signer,
                                                          store::Store& store, Clock& clock,
                                                          Logger& log) {
  std::unique_ptr<CrlPublisher> p(
      new CrlPublisher(std::move(options), issuer, signer, store, clock, log));
  CAIRN_RETURN_IF_ERROR(p->Generate().Annotate("generating the CRL"));
  p->thread_ = std::thread([raw = p.get()] { raw->Loop(); });
  return p;
}

CrlPublisher::~CrlPublisher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const CrlPublisher::Crl> CrlPublisher::full() const {
  std::lock_guard<std::mutex> lock(mu_);
  return full_;
}

std::shared_ptr<const CrlPublisher::Crl> CrlPublisher::delta() const {
  std::lock_guard<std::mutex> lock(mu_);
  return delta_;
}

void CrlPublisher::Revoked() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = true;
  }
  cv_.notify_all();
}

Result<std::shared_ptr<const CrlPublisher::Crl>> CrlPublisher::Make(bool delta, const Crl* base) {
  const Time now = TruncateToSeconds(clock_.Now());
  pki::CrlTemplate tmpl;
  tmpl.this_update = now;
  tmpl.next_update = now + options_.config.cache_duration;
  // Each page goes straight into the template: only the CRL's own fields are kept in memory.
  auto add = [&](const store::RevocationRecord& r) -> Status {
    if (r.expires_at != Time{} && r.expires_at + kExpiredGrace < now) return Status();
    // RFC 5280 §5.3.1: the reason code is omitted rather than "unspecified"; 7 is not a
    // reason; removeFromCRL (8) only exists in delta CRLs, for a certificate on hold that was
    // released, which a full CRL then simply no longer lists.
    int reason = r.reason_code;
    if (reason == pki::kCrlReasonUnspecified || reason == 7 || reason < 0 || reason > 10) {
      reason = pki::kCrlReasonNone;
    }
    if (reason == pki::kCrlReasonRemoveFromCrl && !delta) return Status();
    if (tmpl.entries.size() >= pki::kMaxSignedCrlEntries) {
      // Never a CRL that leaves revocations out: the previous one stays until it expires.
      return ResourceExhaustedError("more than " + std::to_string(pki::kMaxSignedCrlEntries) +
                                    " revoked certificates for one CRL");
    }
    tmpl.entries.push_back({r.serial, r.revoked_at, reason});
    return Status();
  };
  if (!delta) {
    std::string cursor;
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(auto page, store_.ListRevocations(cursor, store::kMaxListLimit));
      for (const auto& r : page) CAIRN_RETURN_IF_ERROR(add(r));
      if (page.size() < static_cast<size_t>(store::kMaxListLimit)) break;
      cursor = page.back().serial;
    }
    tmpl.idp_uri = options_.full_url;
    if (options_.config.delta) tmpl.freshest_crl_uris = {options_.delta_url};
  } else {
    Time since = base->this_update;
    std::string cursor;
    for (;;) {
      CAIRN_ASSIGN_OR_RETURN(auto page,
                             store_.ListRevocationsSince(since, cursor, store::kMaxListLimit));
      for (const auto& r : page) CAIRN_RETURN_IF_ERROR(add(r));
      if (page.size() < static_cast<size_t>(store::kMaxListLimit)) break;
      since = page.back().revoked_at;
      cursor = page.back().serial;
    }
    // A delta CRL has its base's scope (RFC 5280 §5.2.4): the same distribution point, which is
    // the one certificates name; relying parties find it through the full CRL's FreshestCRL.
    tmpl.idp_uri = options_.full_url;
    tmpl.delta_base_number_decimal = std::to_string(base->number);
  }
  CAIRN_ASSIGN_OR_RETURN(int64_t number, store_.IncrementCounter("crl.number"));
  tmpl.number_decimal = std::to_string(number);
  CAIRN_ASSIGN_OR_RETURN(std::string der, pki::SignCrl(tmpl, issuer_, signer_));
  auto crl = std::make_shared<Crl>();
  crl->pem = crypto::EncodePem("X509 CRL", der);
  crl->der = std::move(der);
  crl->number = number;
  crl->this_update = tmpl.this_update;
  crl->next_update = tmpl.next_update;
  return std::shared_ptr<const Crl>(std::move(crl));
}

Status CrlPublisher::Generate() { return GenerateImpl(/*rebase=*/true); }

Status CrlPublisher::GenerateImpl(bool rebase) {
  std::lock_guard<std::mutex> one_at_a_time(generate_mu_);
  CAIRN_ASSIGN_OR_RETURN(auto full, Make(/*delta=*/false, nullptr));
  std::shared_ptr<const Crl> delta;
  if (options_.config.delta) {
    // The delta's base is the last scheduled full CRL: a relying party holding it (or any newer
    // one, RFC 5280 §5.2.4) learns from the delta everything revoked since. A revocation makes
    // a new full CRL too, but keeps the base.
    std::shared_ptr<const Crl> base;
    {
      std::lock_guard<std::mutex> lock(mu_);
      base = base_;
    }
    if (rebase || !base) base = full;
    CAIRN_ASSIGN_OR_RETURN(delta, Make(/*delta=*/true, base.get()));
    std::lock_guard<std::mutex> lock(mu_);
    base_ = std::move(base);
  }
  std::lock_guard<std::mutex> lock(mu_);
  full_ = std::move(full);
  delta_ = std::move(delta);
  return Status();
}

void CrlPublisher::Loop() {
  const Duration period = options_.config.renew_period > Duration::zero()
                              ? options_.config.renew_period
                              : options_.config.cache_duration * 2 / 3;
  auto next = std::chrono::steady_clock::now() + period;
  for (;;) {
    bool scheduled = true;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, next, [&] { return stopping_ || pending_; });
      if (stopping_) return;
      if (pending_) {
        // Let revocations arriving together share one generation.
        cv_.wait_for(lock, kCoalesce, [&] { return stopping_; });
        if (stopping_) return;
        pending_ = false;
        scheduled = std::chrono::steady_clock::now() >= next;
      }
    }
    Status s = GenerateImpl(/*rebase=*/scheduled);
    if (!scheduled && s.ok()) continue;  // the renewal period still runs from the last base
    if (!s.ok()) {
      log_.Error("generating the CRL", {{"error", s.message()}});
      next = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    } else {
      next = std::chrono::steady_clock::now() + period;
    }
  }
}

}  // namespace cairn::authority
