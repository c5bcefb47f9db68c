#pragma once

// Signer is how certificates, CRLs, OCSP responses and tokens get signed without the caller
// holding the private key: a key in a file (KeySigner) now, an HSM or cloud KMS later. Only
// the public key and a "sign these bytes" operation cross the interface.

#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/digest.h"
#include "crypto/key.h"

namespace cairn::crypto {

// DefaultHashFor returns the digest step-ca pairs with a signing key: SHA-256 for P-256 and
// RSA, SHA-384 for P-384, SHA-512 for P-521, kNone for Ed25519 (SHA-256 for kOther).
HashAlg DefaultHashFor(const PublicKey& key);

// Signer signs messages with a private key it keeps to itself. Implementations must be
// thread-safe: one Signer serves all requests of a CA.
class Signer {
 public:
  virtual ~Signer() = default;

  // public_key returns the public half of the signing key.
  virtual PublicKey public_key() const = 0;

  // Sign hashes `message` with `hash` and signs the digest; for Ed25519 (`hash` must be
  // kNone) it signs the message itself. Returns the signature as X.509 and JWS-over-DER users
  // expect it: a DER ECDSA-Sig-Value for EC keys, a PKCS#1 v1.5 signature for RSA keys, the
  // 64 raw bytes for Ed25519. Fails with kInvalidArgument when `hash` does not suit the key
  // (kNone with EC/RSA, anything else with Ed25519), kUnavailable/kInternal when the key
  // store fails.
  virtual Result<std::string> Sign(HashAlg hash, std::string_view message) const = 0;
};

// KeySigner is a Signer over a PrivateKey held in memory. Thread-safe.
class KeySigner final : public Signer {
 public:
  explicit KeySigner(PrivateKey key) : key_(std::move(key)) {}

  // DefaultHashFor is crypto::DefaultHashFor, kept here for callers that think of it as part of
  // the signer.
  static HashAlg DefaultHashFor(const PublicKey& key) { return crypto::DefaultHashFor(key); }

  PublicKey public_key() const override { return key_.public_key(); }
  Result<std::string> Sign(HashAlg hash, std::string_view message) const override;

  // key returns the wrapped private key.
  const PrivateKey& key() const { return key_; }

 private:
  PrivateKey key_;
};

// VerifySignature checks `signature` over `message` with `key`, in the encodings Sign
// produces (DER ECDSA, PKCS#1 v1.5 RSA, raw Ed25519). Returns OK when valid; fails with
// kInvalidArgument when the signature does not verify or `hash` does not suit the key.
// Thread-safe.
Status VerifySignature(const PublicKey& key, HashAlg hash, std::string_view message,
                       std::string_view signature);

// EcdsaDerToRaw converts a DER ECDSA-Sig-Value to the fixed-width r || s form of JWS (RFC 7518
// §3.4), each integer left-padded to `field_bytes` (32 for P-256, 48 for P-384, 66 for P-521).
// Fails with kInvalidArgument on malformed DER or integers wider than `field_bytes`.
Result<std::string> EcdsaDerToRaw(std::string_view der, size_t field_bytes);
// EcdsaRawToDer converts r || s (two equal halves) to a DER ECDSA-Sig-Value. Fails with
// kInvalidArgument when the length is odd or zero.
Result<std::string> EcdsaRawToDer(std::string_view raw);
// EcdsaFieldBytes returns the r/s width for an EC key type (32, 48, 66), or 0 for other types.
size_t EcdsaFieldBytes(KeyType type);

}  // namespace cairn::crypto
