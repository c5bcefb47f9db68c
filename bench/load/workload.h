#pragma once

// The prepared workload of `cairn-bench sign`: a pool of P-256 keys, one CSR per request (its
// name unique: bench-<i>.example.test), for Cairn one one-time token per request, and the
// complete HTTP/1.1 request bytes, all built before the clock starts, on every core.

#include <openssl/evp.h>

#include <cstddef>
#include <string>
#include <vector>

#include "base/result.h"
#include "common.h"
#include "crypto/ossl_ptr.h"

namespace cairn::bench {

// Mode is the server API the requests are for.
enum class Mode {
  kCairn,          // POST /sign {"csr","ott"}: step-ca's API with a JWK provisioner token
  kCfssl,          // POST /api/v1/cfssl/sign {"certificate_request","hosts"}
  kCfsslAuthsign,  // POST /api/v1/cfssl/authsign {"token": HMAC, "request": base64(sign req)}
};

// ParseMode maps "cairn", "cfssl", "cfssl-authsign". Fails with kInvalidArgument.
Result<Mode> ParseMode(std::string_view name);

// WorkloadOptions says what to prepare.
struct WorkloadOptions {
  Mode mode = Mode::kCairn;
  std::string url;        // https://host:port
  std::string root_path;  // PEM root(s): its fingerprint is the token's "sha"
  size_t count = 0;       // requests to prepare
  size_t key_pool = 64;   // distinct P-256 keys, reused round-robin
  // Cairn: the ca.json holding the JWK provisioner, its name and the file with the password
  // that decrypts its encryptedKey. token_validity_s bounds the tokens' exp.
  std::string ca_config;
  std::string provisioner;
  std::string password_file;
  double token_validity_s = 300;
  // cfssl-authsign: the HMAC key (hex) of the profile's auth_key; profile: the cfssl signing
  // profile to ask for ("" = default).
  std::string hmac_key_hex;
  std::string profile;
};

// Workload is the result: requests[i] is the whole HTTP request for name RequestName(i),
// whose CSR holds keys[i % keys.size()].
struct Workload {
  Mode mode = Mode::kCairn;
  std::vector<ossl::UniquePtr<EVP_PKEY>> keys;
  std::vector<std::string> spki;  // SubjectPublicKeyInfo DER of each key
  std::vector<std::string> requests;
  // reusable: a request may be sent more than once (cfssl has no one-time tokens).
  bool reusable = false;
};

// RequestName is the DNS name (CN and SAN) of request i.
std::string RequestName(size_t i);

// PrepareWorkload builds the workload on all cores. Fails with the first error met
// (unreadable ca.json, unknown provisioner, wrong password, bad HMAC key, OpenSSL failure).
Result<Workload> PrepareWorkload(const WorkloadOptions& options);

// CaIssuerPath returns the intermediate certificate path ("crt") of a ca.json. Fails with
// kNotFound / kInvalidArgument.
Result<std::string> CaIssuerPath(const std::string& ca_config);

}  // namespace cairn::bench
