#pragma once

// Certificate path verification (OpenSSL's X509_verify_cert underneath).

#include <optional>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "pki/certificate.h"

namespace cairn::pki {

// kMaxIntermediates bounds the untrusted certificates a caller may pass.
inline constexpr size_t kMaxIntermediates = 32;

// VerifyOptions tunes VerifyChain.
struct VerifyOptions {
  // at is the verification time; nullopt means the system clock's now. Pass the injected
  // Clock's time (`{.at = clock.Now()}`) in code under test.
  std::optional<Time> at;
  // ignore_time skips every validity-period check.
  bool ignore_time = false;
  // Purpose is the extended key usage the leaf (and any CA in the path with an EKU) must allow.
  enum class Purpose { kAny, kServerAuth, kClientAuth };
  Purpose purpose = Purpose::kAny;
  // max_depth bounds the number of intermediates in the built path.
  int max_depth = 8;
};

// VerifyChain builds a path from `leaf` through `intermediates` to one of `roots` and checks
// signatures, validity at `opts.at`, CA constraints and the purpose. As in Go's x509.Verify, any
// certificate in `roots` is a trust anchor, self-signed or not. Fails with kUnauthenticated and
// OpenSSL's reason ("certificate has expired", "unable to get local issuer certificate", ...)
// with the depth and subject of the failing certificate; kInvalidArgument when there are no
// roots or more than kMaxIntermediates intermediates. Thread-safe.
Status VerifyChain(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                   const std::vector<Certificate>& roots, const VerifyOptions& opts = {});

// BuildVerifiedChain is VerifyChain that also returns the verified path, leaf first and the
// trust anchor last. Fails as VerifyChain.
Result<std::vector<Certificate>> BuildVerifiedChain(const Certificate& leaf,
                                                    const std::vector<Certificate>& intermediates,
                                                    const std::vector<Certificate>& roots,
                                                    const VerifyOptions& opts = {});

}  // namespace cairn::pki
