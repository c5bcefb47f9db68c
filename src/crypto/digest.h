#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn::crypto {

// HashAlg names the message digest of a signature or MAC. kNone is for Ed25519, which signs
// the message itself (RFC 8032 PureEdDSA).
enum class HashAlg { kSha256, kSha384, kSha512, kNone };

// HashAlgName returns "SHA256", "SHA384", "SHA512" or "none".
std::string_view HashAlgName(HashAlg hash);

// Sha1, Sha256, Sha384 and Sha512 return the raw digest of `data` (20, 32, 48, 64 bytes).
// SHA-1 is only for identifiers (subject key ids, OCSP CertID), never for signatures.
// They cannot fail (an OpenSSL failure here is a broken process and aborts). Thread-safe.
std::string Sha1(std::string_view data);
std::string Sha256(std::string_view data);
std::string Sha384(std::string_view data);
std::string Sha512(std::string_view data);

// Digest returns the raw digest of `data` under `hash`. Fails with kInvalidArgument for
// HashAlg::kNone. Thread-safe.
Result<std::string> Digest(HashAlg hash, std::string_view data);

// Hmac returns HMAC-`hash`(key, data) (RFC 2104), raw bytes. Fails with kInvalidArgument for
// HashAlg::kNone. Compare MACs with ConstantTimeEquals (base/strings.h). Thread-safe.
Result<std::string> Hmac(HashAlg hash, std::string_view key, std::string_view data);

}  // namespace cairn::crypto
