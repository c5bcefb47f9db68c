#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "store/store.h"

namespace cairn::acme {

// NonceSource makes and consumes ACME anti-replay nonces (RFC 8555 §6.5). A nonce is
// base64url(expiry ‖ random ‖ HMAC-SHA256 over both, truncated to 16 bytes) under a key kept in
// the store, so any CA process sharing the database accepts it and making one writes nothing.
// Consuming one checks the MAC and the expiry, then records it in the store's used tokens in a
// durable, unique write: a nonce works once, across processes. Thread-safe.
class NonceSource {
 public:
  // Create loads the key from the store (creating it on first use). Fails as the store does.
  static Result<std::unique_ptr<NonceSource>> Create(store::Store& store, Random& random,
                                                     const Clock& clock, Duration lifetime);

  // Make returns a fresh nonce. Fails only when the random source does.
  Result<std::string> Make();
  // Consume accepts `nonce` once. badNonce (reason) for a malformed, foreign, expired or used
  // nonce; the store's error when it cannot record the use.
  Status Consume(std::string_view nonce);
  // PurgeUsed forgets the nonces used more than a lifetime (plus a minute of clock skew) ago:
  // they have expired, so their use need not be remembered. Failures are returned, not fatal.
  Result<int64_t> PurgeUsed();

 private:
  NonceSource(store::Store& store, Random& random, const Clock& clock, Duration lifetime,
              std::string key)
      : store_(store), random_(random), clock_(clock), lifetime_(lifetime), key_(std::move(key)) {}
  std::string Mac(std::string_view data) const;

  store::Store& store_;
  Random& random_;
  const Clock& clock_;
  const Duration lifetime_;
  const std::string key_;
};

}  // namespace cairn::acme
