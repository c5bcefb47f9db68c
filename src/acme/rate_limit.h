#pragma once

// Rate limits of the ACME server (beyond step-ca): token buckets keyed by what is limited (an
// account, a client IP address). They live in the CA process: several cairn-ca instances behind
// a load balancer each enforce the limit on what reaches them.

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "provisioner/acme/acme_provisioner.h"

namespace cairn::acme {

using provisioner::RateLimit;

// RateLimiter keeps one token bucket per key. Thread-safe. At most kMaxKeys keys are kept;
// beyond that the fullest buckets (those idle longest) are dropped, which only ever errs
// toward allowing.
class RateLimiter {
 public:
  static constexpr size_t kMaxKeys = 100000;

  // Allow takes one token from `key`'s bucket under `limit`. On refusal it returns false and
  // sets `retry_after` to the time until a token is back. Always true when the limit is off.
  bool Allow(const std::string& key, const RateLimit& limit, Time now, Duration* retry_after);

 private:
  struct Bucket {
    double tokens = 0;
    Time updated{};
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
};

}  // namespace cairn::acme
