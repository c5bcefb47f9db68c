#pragma once

// The off-the-clock half of the response check: every certificate a server returned is parsed
// and must carry the public key of its request's CSR and the requested name (SAN dNSName, and
// the CN when there is one), be issued by the expected issuer and verify with its key. The
// issuer itself must chain to the root. Runs on every core.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "load.h"
#include "workload.h"

namespace cairn::bench {

// CheckResult counts the outcome.
struct CheckResult {
  uint64_t valid = 0;
  uint64_t invalid = 0;
  std::vector<std::string> error_samples;  // the first few
};

// CheckIssuer loads the issuer certificate (first one of the PEM file `issuer_path`) and
// checks that it chains to the root(s) in `root_path`. Fails with kInvalidArgument (or
// kNotFound for a missing file) saying why.
Status CheckIssuer(const std::string& issuer_path, const std::string& root_path);

// CheckCertificates checks `responses` against `workload` and the issuer certificate (PEM
// file `issuer_path`, chained to `root_path`). Fails (kInvalidArgument) only when the issuer
// cannot be loaded or does not chain to the root; bad certificates are counted, not failures.
Result<CheckResult> CheckCertificates(const std::vector<Response>& responses,
                                      const Workload& workload, const std::string& issuer_path,
                                      const std::string& root_path);

}  // namespace cairn::bench
