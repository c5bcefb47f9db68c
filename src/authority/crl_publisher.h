#pragma once

// The CA's certificate revocation lists (stepca.md §9, RFC 5280 §5): a full CRL of every
// revoked certificate not expired for more than an hour, signed by the intermediate, and, when
// enabled, a delta CRL of what was revoked since that full CRL (RFC 5280 §5.2.4). Numbers come
// from the store's counter "crl.number", so they increase across restarts and across CA
// processes sharing a database; full and delta CRLs share the sequence, as RFC 5280 requires.
//
// Generation runs on the publisher's own thread: at start, every renewPeriod, and within a
// second of a revocation (Revoked). Cost grows with the revoked set, never with all
// certificates.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/log.h"
#include "base/result.h"
#include "config/config.h"
#include "crypto/signer.h"
#include "pki/certificate.h"
#include "store/store.h"

namespace cairn::authority {

// CrlPublisher keeps the current CRLs. Thread-safe.
class CrlPublisher {
 public:
  struct Options {
    config::CrlConfig config;
    // full_url is the full CRL's issuing distribution point (and what certificates point to).
    std::string full_url;
    // delta_url is the delta CRL's distribution point (FreshestCRL of the full CRL).
    std::string delta_url;
  };
  // Crl is one published CRL.
  struct Crl {
    std::string der;
    std::string pem;
    int64_t number = 0;
    Time this_update;
    Time next_update;
  };

  // Start generates the first CRLs and starts the publisher's thread. `issuer`, `signer`,
  // `store`, `clock` and `log` must outlive the publisher. Fails when the first generation
  // fails (the store or the signer).
  static Result<std::unique_ptr<CrlPublisher>> Start(Options options,
                                                     const pki::Certificate& issuer,
                                                     const crypto::Signer& signer,
                                                     store::Store& store, Clock& clock,
                                                     Logger& log);
  ~CrlPublisher();
  CrlPublisher(const CrlPublisher&) = delete;
  CrlPublisher& operator=(const CrlPublisher&) = delete;

  // full returns the current full CRL; delta the current delta CRL (null when deltas are off).
  std::shared_ptr<const Crl> full() const;
  std::shared_ptr<const Crl> delta() const;

  // Revoked asks for new CRLs: they are published within a second (revocations that arrive
  // meanwhile share one generation).
  void Revoked();
  // Generate makes and publishes new CRLs now: a full CRL that becomes the base of the delta
  // CRLs (when enabled), and an (empty) delta on it. Revoked() instead makes a new full CRL and
  // a delta on the current base.
  Status Generate();

 private:
  CrlPublisher(Options options, const pki::Certificate& issuer, const crypto::Signer& signer,
               store::Store& store, Clock& clock, Logger& log)
      : options_(std::move(options)),
        issuer_(issuer),
        signer_(signer),
        store_(store),
        clock_(clock),
        log_(log) {}
  void Loop();
  // GenerateImpl makes a full CRL and, with deltas on, a delta CRL whose base is the new full
  // CRL (`rebase`) or the current base.
  Status GenerateImpl(bool rebase);
  Result<std::shared_ptr<const Crl>> Make(bool delta, const Crl* base);

  const Options options_;
  const pki::Certificate& issuer_;
  const crypto::Signer& signer_;
  store::Store& store_;
  Clock& clock_;
  Logger& log_;

  std::mutex generate_mu_;  // one generation at a time
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;             // guarded by mu_
  bool pending_ = false;              // guarded by mu_
  std::shared_ptr<const Crl> full_;   // guarded by mu_
  std::shared_ptr<const Crl> delta_;  // guarded by mu_
  std::shared_ptr<const Crl> base_;   // the delta CRLs' base full CRL; guarded by mu_
  std::thread thread_;
};

}  // namespace cairn::authority
