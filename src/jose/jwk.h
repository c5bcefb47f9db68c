#pragma once

// JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037) and their thumbprints (RFC 7638).
//
// A Jwk is an immutable-after-construction value: the key material, as decoded big-endian
// octets, plus the optional members kid, alg and use. Asymmetric keys also carry the matching
// OpenSSL key (built and validated once, at construction), so verifying with a Jwk costs no
// key parsing. Copies share that EVP_PKEY (OpenSSL reference count). Const methods are
// thread-safe; the setters are not.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/ossl_ptr.h"

namespace cairn::jose {

// Jwk is one JSON Web Key of type "EC" (P-256, P-384, P-521), "RSA", "OKP" (Ed25519) or "oct".
// Unknown members (key_ops, x5c, ...) are ignored on input and not written back.
class Jwk {
 public:
  // Jwk() is an empty key (kty() == ""); every operation on it fails. Use Parse, FromJson,
  // FromPkey or Generate to make a real one.
  Jwk() = default;
  Jwk(const Jwk& other);
  Jwk& operator=(const Jwk& other);
  Jwk(Jwk&&) noexcept = default;
  Jwk& operator=(Jwk&&) noexcept = default;
  // ~Jwk wipes the private members from memory.
  ~Jwk();

  // Parse parses a JWK from JSON text (at most 64 KiB, nesting bounded). Fails with
  // kInvalidArgument on malformed JSON, an unsupported kty/crv, missing or malformed members,
  // EC coordinates of the wrong length or not on the curve, a private part that does not match
  // the public part, or an RSA modulus over 16384 bits. Note: RSA keys below 2048 bits parse
  // (so they can be inspected) but JWS signing and verification refuse them.
  static Result<Jwk> Parse(std::string_view json);
  // FromJson is Parse over an already parsed JSON value (must be an object).
  static Result<Jwk> FromJson(const nlohmann::json& json);

  // FromPkey converts an OpenSSL key (EC P-256/384/521, RSA, Ed25519) to a JWK. With
  // `include_private` the private members are included, and the key must have them (else
  // kInvalidArgument). kid, alg and use are left empty. `pkey` is borrowed; the Jwk takes its
  // own reference. Fails with kInvalidArgument for other key types or curves.
  static Result<Jwk> FromPkey(EVP_PKEY* pkey, bool include_private);

  // FromSymmetric makes an "oct" key from raw key bytes (1 to 1024 bytes), else
  // kInvalidArgument.
  static Result<Jwk> FromSymmetric(std::string_view key_bytes);

  // Generate makes a fresh private key, as `step crypto jwk create` does:
  //   kty "EC"  : crv "P-256" (default when empty), "P-384" or "P-521"; size ignored;
  //   kty "OKP" : crv "Ed25519" (default when empty); size ignored;
  //   kty "RSA" : size = modulus bits, 0 → 2048; 2048 ≤ size ≤ 8192;
  //   kty "oct" : size = key bytes, 0 → 32; 16 ≤ size ≤ 1024.
  // The new key gets use "sig", alg = DefaultAlg() and kid = Thumbprint(). Randomness comes
  // from OpenSSL's CSPRNG. Fails with kInvalidArgument on bad parameters, kInternal if OpenSSL
  // fails.
  static Result<Jwk> Generate(std::string_view kty, std::string_view crv = "", int size = 0);

  // ToJson renders the key as a JSON object (nlohmann::json keeps members sorted, so the order
  // is stable). With !include_private only the public members are written (for "oct" keys,
  // whose material is all secret, only kty/kid/alg/use). kid/alg/use are written when set.
  nlohmann::json ToJson(bool include_private) const;
  // ToJsonString renders the key as compact JSON text with members in go-jose's order (use,
  // kty, kid, crv, alg, k, x, y, n, e, d, p, q, dp, dq, qi), which is the byte layout step
  // writes in key files and in encrypted provisioner keys.
  std::string ToJsonString(bool include_private) const;

  // Thumbprint returns the RFC 7638 SHA-256 thumbprint, base64url without padding: step's
  // `kid`. It depends only on the required public members. Empty for an empty Jwk.
  std::string Thumbprint() const;

  // ToPkey returns the OpenSSL key (private if is_private(), else public). The caller owns the
  // returned reference. Fails with kInvalidArgument for "oct" or empty keys.
  Result<ossl::UniquePtr<EVP_PKEY>> ToPkey() const;
  // pkey borrows the OpenSSL key (nullptr for "oct"/empty keys); valid while this Jwk lives.
  EVP_PKEY* pkey() const { return pkey_.get(); }

  // PublicKey returns a copy without private members (same kid/alg/use). For "oct" keys it
  // returns the key unchanged (a symmetric key has no public half).
  Jwk PublicKey() const;

  // is_private is true when the key carries private members (always true for "oct").
  bool is_private() const;
  // is_symmetric is true for kty "oct".
  bool is_symmetric() const { return kty_ == "oct"; }

  // DefaultAlg is the JWS algorithm implied by the key type: ES256/ES384/ES512 by curve,
  // EdDSA, RS256, HS256; "" for an empty key.
  std::string DefaultAlg() const;
  // SigningAlg is alg() when set, else DefaultAlg().
  std::string SigningAlg() const { return alg_.empty() ? DefaultAlg() : alg_; }

  // rsa_bits is the RSA modulus size in bits (0 for other key types).
  int rsa_bits() const;
  // ec_coordinate_size is the byte length of one EC coordinate (32/48/66), 0 for non-EC.
  int ec_coordinate_size() const;

  const std::string& kty() const { return kty_; }
  // crv is the curve for EC/OKP keys, "" otherwise.
  const std::string& crv() const { return crv_; }
  const std::string& kid() const { return kid_; }
  const std::string& alg() const { return alg_; }
  const std::string& use() const { return use_; }
  void set_kid(std::string kid) { kid_ = std::move(kid); }
  void set_alg(std::string alg) { alg_ = std::move(alg); }
  void set_use(std::string use) { use_ = std::move(use); }

  // symmetric_key returns the raw secret of an "oct" key ("" otherwise). Handle with care.
  const std::string& symmetric_key() const { return k_; }

 private:
  // Validate checks the members against kty/crv and builds pkey_ for asymmetric keys.
  Status Validate();
  void Wipe();

  std::string kty_, crv_, kid_, alg_, use_;
  // Decoded big-endian octets of the key members (RFC 7518 §6, RFC 8037 §2). Which ones are
  // set depends on kty. d_, p_, q_, dp_, dq_, qi_ and k_ are secret.
  std::string x_, y_, n_, e_, d_, p_, q_, dp_, dq_, qi_, k_;
  ossl::UniquePtr<EVP_PKEY> pkey_;
};

}  // namespace cairn::jose
