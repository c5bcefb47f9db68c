#pragma once

// The client-side cryptography of cairn-acme-bench, kept out of the timed loop where it can
// be: ES256 account keys with their JWK and thumbprint computed once, the flattened JWS of
// each ACME POST (RFC 8555 §6.2) built as text and signed through a reusable EVP_PKEY_CTX, and
// a pool of P-256 CSRs for an IP identifier made before the run.

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/ossl_ptr.h"
#include "der.h"

namespace cairn::bench::acme {

// AccountKey is an ACME account key: EC P-256, signing ES256. Not thread-safe (its signing
// context is reused); one per worker.
class AccountKey {
 public:
  // Generate makes a fresh key. Fails with kInternal if OpenSSL fails.
  static Result<AccountKey> Generate();

  // jwk is the public JWK in the canonical member order of RFC 7638
  // ({"crv","kty","x","y"}), usable as the "jwk" header member as it is.
  const std::string& jwk() const { return jwk_; }
  // thumbprint is base64url(SHA-256(jwk())) (RFC 7638), the tail of every key authorization.
  const std::string& thumbprint() const { return thumbprint_; }

  // Sign returns the flattened JWS JSON of an ACME POST to `url`: protected header {"alg":
  // "ES256", "kid" (when `kid` is not empty) or "jwk", "nonce", "url"}, `payload` (empty: a
  // POST-as-GET) and the raw r||s signature. Fails with kInternal if signing fails.
  Result<std::string> Sign(std::string_view url, std::string_view nonce, std::string_view kid,
                           std::string_view payload);

  EVP_PKEY* pkey() const { return key_.get(); }

 private:
  AccountKey() = default;
  ossl::UniquePtr<EVP_PKEY> key_;
  std::unique_ptr<der::EcdsaSha256> signer_;
  std::string jwk_;
  std::string thumbprint_;
};

// Csr is one prepared certificate request: its key and the base64url DER to send.
struct Csr {
  ossl::UniquePtr<EVP_PKEY> key;
  std::string der_b64url;
};

// MakeIpCsrs makes `count` CSRs, each with its own P-256 key, an empty subject and one SAN
// iPAddress `ip` (signed ecdsa-with-SHA256). Fails with kInvalidArgument for a bad address,
// kInternal if OpenSSL fails.
Result<std::vector<Csr>> MakeIpCsrs(size_t count, const std::string& ip);

// RawEcdsaSignature converts a DER ECDSA signature to the fixed-size r||s of JWS (RFC 7518
// §3.4), each `half` bytes. nullopt when the DER is malformed or a value is too long.
std::optional<std::string> RawEcdsaSignature(std::string_view der, size_t half);

}  // namespace cairn::bench::acme
