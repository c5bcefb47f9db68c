#pragma once

// Public and private keys: generation, PEM/DER in the formats step reads and writes.
//
// Cairn issues and signs with ECDSA P-256/P-384/P-521, Ed25519 and RSA (PKCS#1 v1.5). Keys of
// other kinds can still appear inside certificates we only hold or verify (a DSA root in a
// bundle, a P-224 key); PublicKey::Wrap keeps them with type kOther so they can be carried and
// compared, but parsing a key from a user (FromDer/FromPem) rejects them.

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/ossl_ptr.h"

namespace cairn::crypto {

// KeyType is the kind of a key. kOther marks a key Cairn can hold but not use (see above).
enum class KeyType { kEcP256, kEcP384, kEcP521, kEd25519, kRsa, kOther };

// KeyTypeName returns "EC P-256", "EC P-384", "EC P-521", "Ed25519", "RSA" or "other".
std::string_view KeyTypeName(KeyType type);

// KeySpec says which key to generate.
struct KeySpec {
  KeyType type = KeyType::kEcP256;
  // rsa_bits is the modulus size for kRsa (2048..8192); ignored for other types.
  int rsa_bits = 2048;
};

// kMinRsaBits / kMaxRsaBits bound the RSA modulus sizes ParseKeySpec and Generate accept.
inline constexpr int kMinRsaBits = 2048;
inline constexpr int kMaxRsaBits = 8192;
// kMaxPasswordLength bounds key passwords (bytes).
inline constexpr size_t kMaxPasswordLength = 4096;
// kMaxKeyPemInput bounds the PEM text PrivateKey::FromPem and PublicKey::FromPem read.
inline constexpr size_t kMaxKeyPemInput = 1 << 20;

// ParseKeySpec interprets step's key flags: `kty` "EC" (crv "P-256" default, "P-384",
// "P-521"), "OKP" (crv "Ed25519", the default), "RSA" (`size` in bits, 0 means 2048; allowed
// 2048..8192, crv must be empty). An empty kty means EC. Fails with kInvalidArgument on any
// other combination. Thread-safe.
Result<KeySpec> ParseKeySpec(std::string_view kty, std::string_view crv = "", int size = 0);

// PublicKey is an immutable public key. Copies share the underlying EVP_PKEY (UpRef). Never
// null: every PublicKey holds a key (a moved-from object may only be destroyed or assigned to).
// Thread-safe for concurrent const use.
class PublicKey {
 public:
  // FromDer parses a DER SubjectPublicKeyInfo. Fails with kInvalidArgument when it is
  // malformed, has trailing data, or is of a kind Cairn does not support (KeyType::kOther).
  // EC P-256/384/521, RSA and Ed25519 keys are imported from their numbers, without OpenSSL
  // 3.0's slow generic decoder. The DER is kept: ToDer returns it as given.
  static Result<PublicKey> FromDer(std::string_view spki_der);
  // FromDerAnyKind parses like FromDer but keeps any kind OpenSSL reads, unsupported ones as
  // KeyType::kOther (for carrying keys of CSRs and certificates, which are judged later).
  static Result<PublicKey> FromDerAnyKind(std::string_view spki_der);
  // FromPem parses the first "PUBLIC KEY" block of `pem` (other blocks are skipped). Fails
  // with kInvalidArgument as FromDer, or when there is no such block.
  static Result<PublicKey> FromPem(std::string_view pem);
  // Wrap takes ownership of an EVP_PKEY holding at least a public key (e.g. from a
  // certificate). Any key kind is accepted; unsupported kinds get KeyType::kOther.
  // REQUIRES: pkey != nullptr.
  static PublicKey Wrap(ossl::UniquePtr<EVP_PKEY> pkey);
  // WrapWithDer is Wrap for a key whose SubjectPublicKeyInfo DER the caller already has (e.g.
  // from a certificate), so ToDer need not encode it again. REQUIRES: the DER is that key's.
  static PublicKey WrapWithDer(ossl::UniquePtr<EVP_PKEY> pkey, std::string spki_der);

  PublicKey(const PublicKey& other);
  PublicKey& operator=(const PublicKey& other);
  PublicKey(PublicKey&&) noexcept = default;
  PublicKey& operator=(PublicKey&&) noexcept = default;

  // ToDer returns the DER SubjectPublicKeyInfo (the DER it was parsed from, when it was).
  // Fails with kInternal only if OpenSSL fails.
  Result<std::string> ToDer() const;
  // ToPem returns the "PUBLIC KEY" PEM block (with trailing newline); empty if encoding fails.
  std::string ToPem() const;
  // type returns the key kind.
  KeyType type() const { return type_; }
  // bits returns the key size: 256/384/521 for EC, the modulus size for RSA, 256 for Ed25519,
  // OpenSSL's notion of size for other kinds.
  int bits() const { return bits_; }
  // Describe returns step-ca's log description: "ECDSA P-256", "Ed25519", "RSA 2048".
  std::string Describe() const;
  // Equals reports whether both hold the same public key.
  bool Equals(const PublicKey& other) const;
  // get lends the EVP_PKEY (owned by this object; valid while it lives). Do not modify it.
  EVP_PKEY* get() const { return pkey_.get(); }

 private:
  PublicKey(ossl::UniquePtr<EVP_PKEY> pkey, KeyType type, int bits)
      : pkey_(std::move(pkey)), type_(type), bits_(bits) {}
  ossl::UniquePtr<EVP_PKEY> pkey_;
  KeyType type_ = KeyType::kOther;
  int bits_ = 0;
  // spki_ caches the DER SubjectPublicKeyInfo when known (encoding it through OpenSSL 3.0
  // costs ~70 µs); shared by copies.
  std::shared_ptr<const std::string> spki_;
  friend class PrivateKey;
};

// PrivateKey is an immutable private key of a supported kind (never KeyType::kOther). Copies
// share the underlying EVP_PKEY (UpRef). Thread-safe for concurrent const use.
//
// Encrypted forms read: legacy OpenSSL PEM ("Proc-Type: 4,ENCRYPTED", "DEK-Info:
// AES-128-CBC|AES-192-CBC|AES-256-CBC|DES-EDE3-CBC,<iv hex>", key = EVP_BytesToKey(MD5,
// salt = first 8 IV bytes, 1 round)), which step writes for CA keys; and PKCS#8 "ENCRYPTED
// PRIVATE KEY" with PBES2/PBKDF2 (as step and OpenSSL write it, including Go's odd encoding of
// the PRF parameters) or any other scheme OpenSSL knows.
class PrivateKey {
 public:
  // Generate creates a fresh key from OpenSSL's CSPRNG. Fails with kInvalidArgument for
  // KeyType::kOther or an RSA size outside kMinRsaBits..kMaxRsaBits, kInternal if OpenSSL
  // fails.
  static Result<PrivateKey> Generate(const KeySpec& spec);
  // FromPem reads the first private-key block of `pem` ("EC PRIVATE KEY", "RSA PRIVATE KEY",
  // "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"; other blocks such as "EC PARAMETERS" are
  // skipped). Fails with kInvalidArgument when there is no such block, the key is malformed or
  // of an unsupported kind, the key is encrypted and `password` is empty ("key is encrypted, a
  // password is required"), or decryption fails ("decrypting key: wrong password?"); with
  // kResourceExhausted when the input or password exceeds its bound.
  static Result<PrivateKey> FromPem(std::string_view pem, std::string_view password = "");
  // FromDer reads an unencrypted DER key: PKCS#8 PrivateKeyInfo, SEC1 ECPrivateKey or PKCS#1
  // RSAPrivateKey. Fails with kInvalidArgument as FromPem.
  static Result<PrivateKey> FromDer(std::string_view der);

  PrivateKey(const PrivateKey& other);
  PrivateKey& operator=(const PrivateKey& other);
  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;

  // ToPem encodes the key as step does. Without a password: EC as SEC1 "EC PRIVATE KEY", RSA as
  // PKCS#1 "RSA PRIVATE KEY", Ed25519 as PKCS#8 "PRIVATE KEY". With a password: EC and RSA in
  // the legacy encrypted PEM format with AES-256-CBC (what `step ca init` writes; `openssl ec
  // -passin` reads it), Ed25519 as PKCS#8 "ENCRYPTED PRIVATE KEY" (PBES2, PBKDF2-HMAC-SHA256
  // with 100000 iterations, AES-256-CBC). Fails with kResourceExhausted for an over-long
  // password, kInternal if OpenSSL fails. The result holds secret material.
  Result<std::string> ToPem(std::string_view password = "") const;
  // ToPkcs8Pem encodes the key as PKCS#8 whatever its kind: "PRIVATE KEY" without a password,
  // "ENCRYPTED PRIVATE KEY" (as ToPem for Ed25519) with one. Fails as ToPem.
  Result<std::string> ToPkcs8Pem(std::string_view password = "") const;
  // ToPkcs8Der returns the unencrypted DER PrivateKeyInfo. Fails with kInternal only if
  // OpenSSL fails. The result holds secret material.
  Result<std::string> ToPkcs8Der() const;

  // public_key returns the matching public key (computed once, at construction).
  const PublicKey& public_key() const { return public_key_; }
  // type returns the key kind.
  KeyType type() const { return public_key_.type(); }
  // get lends the EVP_PKEY (owned by this object; valid while it lives). Do not modify it.
  EVP_PKEY* get() const { return pkey_.get(); }

 private:
  PrivateKey(ossl::UniquePtr<EVP_PKEY> pkey, PublicKey pub)
      : pkey_(std::move(pkey)), public_key_(std::move(pub)) {}
  // FromPkey checks the kind of `pkey` and derives its public key.
  static Result<PrivateKey> FromPkey(ossl::UniquePtr<EVP_PKEY> pkey);

  ossl::UniquePtr<EVP_PKEY> pkey_;
  PublicKey public_key_;
};

}  // namespace cairn::crypto
