#include "acme/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace cairn::acme {

bool RateLimiter::Allow(const std::string& key, const RateLimit& limit, Time now,
                        Duration* retry_after) {
  if (!limit.enabled()) return true;
  const double per_second =
      limit.limit / std::chrono::duration_cast<std::chrono::duration<double>>(limit.window).count();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxKeys) {
      // Drop the buckets idle longest (they would be full again anyway, or nearly).
      std::vector<std::pair<Time, std::string>> by_age;
      by_age.reserve(buckets_.size());
      for (const auto& [k, b] : buckets_) by_age.emplace_back(b.updated, k);
      std::nth_element(by_age.begin(), by_age.begin() + by_age.size() / 2, by_age.end());
      for (size_t i = 0; i < by_age.size() / 2; ++i) buckets_.erase(by_age[i].second);
    }
    it = buckets_.emplace(key, Bucket{static_cast<double>(limit.limit), now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::max(
      0.0, std::chrono::duration_cast<std::chrono::duration<double>>(now - b.updated).count());
  b.tokens = std::min<double>(limit.limit, b.tokens + elapsed * per_second);
  // A clock that steps back must not credit the same time twice when it comes forward again.
  b.updated = std::max(b.updated, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  if (retry_after != nullptr) {
    const double wait = (1.0 - b.tokens) / per_second;
    *retry_after =
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(std::ceil(wait)));
  }
  return false;
}

}  // namespace cairn::acme
