#pragma once

// SSH public keys: the wire blobs of RFC 4253 §6.6 (ssh-rsa), RFC 5656 §3.1
// (ecdsa-sha2-nistp256/384/521) and RFC 8709 §4 (ssh-ed25519), the one-line
// "type base64 comment" form of .pub and authorized_keys files, and the fingerprints
// `ssh-keygen -l` prints.

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/key.h"
#include "ssh/wire.h"

namespace cairn::ssh {

// kMaxKeyBlob bounds a public key blob (an RSA 16384-bit key is about 2 KiB).
inline constexpr size_t kMaxKeyBlob = 16 << 10;
// kMaxRsaBits is the largest RSA modulus parsed (OpenSSL's and OpenSSH's limit).
inline constexpr int kMaxRsaBits = 16384;
// kMaxAuthorizedKeyLine bounds one "type base64 comment" line (a 64 KiB certificate in base64
// plus a comment).
inline constexpr size_t kMaxAuthorizedKeyLine = 128 << 10;

// Key type names on the wire.
inline constexpr std::string_view kKeyEd25519 = "ssh-ed25519";
inline constexpr std::string_view kKeyEcdsaP256 = "ecdsa-sha2-nistp256";
inline constexpr std::string_view kKeyEcdsaP384 = "ecdsa-sha2-nistp384";
inline constexpr std::string_view kKeyEcdsaP521 = "ecdsa-sha2-nistp521";
inline constexpr std::string_view kKeyRsa = "ssh-rsa";

// SshKeyTypeName returns the SSH key type name of a crypto key type ("ssh-ed25519",
// "ecdsa-sha2-nistp256", ..., "ssh-rsa"), or "" for crypto::KeyType::kOther. Thread-safe.
std::string_view SshKeyTypeName(crypto::KeyType type);

// PublicKey is an immutable SSH public key of a supported type: ssh-ed25519,
// ecdsa-sha2-nistp256/384/521 or ssh-rsa. It holds the wire blob (which defines the key's
// identity: fingerprints and equality are over it) and the matching crypto::PublicKey. There is
// no empty state. Copies share the underlying OpenSSL key. Thread-safe for concurrent const use.
//
// RSA keys of any modulus size up to kMaxRsaBits parse, so a key can be shown and refused by
// policy with a clear message: callers that accept keys for use must check bits() (Cairn's
// policy is at least 2048, crypto::kMinRsaBits). Keys that prove nothing are refused outright:
// RSA exponents that are even, below 3 or above 2^31-1, and EC points not on their curve.
class PublicKey {
 public:
  // FromCrypto converts a crypto key. Fails with kInvalidArgument "unsupported key type" for
  // crypto::KeyType::kOther, kInternal if OpenSSL fails to export the key.
  static Result<PublicKey> FromCrypto(const crypto::PublicKey& key);
  // Parse reads a public key blob in the SSH wire format (the whole of `blob`). Fails with
  // kInvalidArgument when it is truncated, has trailing bytes, holds an invalid key (EC point
  // not on its curve or compressed, Ed25519 key not 32 bytes, bad RSA exponent, non-minimal
  // mpint) or a key type other than the five above ("unsupported key type", certificate types
  // included); with kResourceExhausted when it exceeds kMaxKeyBlob or the RSA modulus exceeds
  // kMaxRsaBits.
  static Result<PublicKey> Parse(std::string_view blob);
  // ParseFields reads the key fields that follow the type name in a blob (an RSA key's e and n,
  // an ECDSA key's curve and point, an Ed25519 key's 32 bytes) for a key of type `type`, as
  // certificates embed them after their nonce, and leaves `reader` after them. Fails as Parse
  // (without the trailing-bytes check, which is the caller's).
  static Result<PublicKey> ParseFields(std::string_view type, WireReader& reader);
  // ParseAuthorizedKey reads one line of a .pub or authorized_keys file: "type base64
  // [comment]", separated by spaces or tabs, optional leading whitespace and trailing CR/LF.
  // Options before the type (authorized_keys "from=..." etc.) are not supported. The type must
  // match the blob's. When `out_comment` is not null it receives the comment ("" if none).
  // Fails with kInvalidArgument for a malformed line, invalid base64, a type mismatch, or as
  // Parse; kResourceExhausted for a line over kMaxAuthorizedKeyLine.
  static Result<PublicKey> ParseAuthorizedKey(std::string_view line,
                                              std::string* out_comment = nullptr);

  // type returns the key type name, e.g. "ssh-ed25519".
  const std::string& type() const { return type_; }
  // key_type returns the kind of key.
  crypto::KeyType key_type() const { return key_.type(); }
  // bits returns the key size: 256 for Ed25519, 256/384/521 for ECDSA, the modulus size for
  // RSA.
  int bits() const { return key_.bits(); }
  // crypto_key returns the key as a crypto::PublicKey (for signature verification).
  const crypto::PublicKey& crypto_key() const { return key_; }

  // Marshal returns the wire blob.
  const std::string& Marshal() const { return blob_; }
  // MarshalAuthorizedKey returns "type base64" followed by " comment" when `comment` is not
  // empty, and a newline, as ssh-keygen writes .pub files.
  std::string MarshalAuthorizedKey(std::string_view comment = "") const;

  // FingerprintSha256 returns "SHA256:" and the unpadded standard base64 of SHA-256(blob), as
  // `ssh-keygen -l -E sha256` prints it.
  std::string FingerprintSha256() const;
  // FingerprintMd5 returns "MD5:" and the lower-case hex bytes of MD5(blob) separated by
  // colons, as `ssh-keygen -l -E md5` prints it (legacy; for display only).
  std::string FingerprintMd5() const;

  // Equals reports whether both are the same key (same blob).
  bool Equals(const PublicKey& other) const { return blob_ == other.blob_; }
  bool operator==(const PublicKey& other) const { return Equals(other); }

 private:
  PublicKey(std::string type, std::string blob, crypto::PublicKey key)
      : type_(std::move(type)), blob_(std::move(blob)), key_(std::move(key)) {}
  std::string type_;
  std::string blob_;
  crypto::PublicKey key_;
};

}  // namespace cairn::ssh
