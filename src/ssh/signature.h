#pragma once

// SSH signatures: the blob `string format, string signature` of RFC 4253 §6.6, with the
// formats of RFC 8709 (ssh-ed25519), RFC 5656 §3.1.2 (ecdsa-sha2-*, the signature being
// `mpint r, mpint s`) and RFC 8332 (rsa-sha2-256, rsa-sha2-512; PKCS#1 v1.5).
//
// SHA-1 is not used: nothing here signs with "ssh-rsa", and a "ssh-rsa" signature never
// verifies (OpenSSH itself stopped accepting them by default in 8.8).

#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/signer.h"
#include "ssh/key.h"

namespace cairn::ssh {

// Signature format names.
inline constexpr std::string_view kSigRsaSha256 = "rsa-sha2-256";
inline constexpr std::string_view kSigRsaSha512 = "rsa-sha2-512";
inline constexpr std::string_view kSigRsaSha1 = "ssh-rsa";  // refused

// SignatureAlgorithm chooses the signature format for RSA keys; the other key types have one
// format each (ssh-ed25519, ecdsa-sha2-nistp256 with SHA-256, -nistp384 with SHA-384, -nistp521
// with SHA-512).
enum class SignatureAlgorithm {
  kDefault,    // rsa-sha2-512 for RSA keys; the only format for the others
  kRsaSha256,  // rsa-sha2-256 (what step-ca uses for RSA CA keys); RSA keys only
  kRsaSha512,  // rsa-sha2-512; RSA keys only
};

// SignatureFormatFor returns the format name `alg` gives for a key of type `type`. Fails with
// kInvalidArgument when `alg` names an RSA format and the key is not RSA, or the key type is
// crypto::KeyType::kOther. Thread-safe.
Result<std::string_view> SignatureFormatFor(crypto::KeyType type, SignatureAlgorithm alg);

// SignData signs `data` with `signer` and returns the SSH signature blob. Fails with
// kInvalidArgument as SignatureFormatFor, or with what the signer fails with
// (kUnavailable/kInternal). Thread-safe when `signer` is.
Result<std::string> SignData(const crypto::Signer& signer, std::string_view data,
                             SignatureAlgorithm alg = SignatureAlgorithm::kDefault);

// SignatureFormat returns the format name at the start of a signature blob. Fails with
// kInvalidArgument when the blob does not start with a string.
Result<std::string_view> SignatureFormat(std::string_view signature_blob);

// VerifySignature checks an SSH signature blob over `data` with `key`. The format must suit the
// key (ssh-ed25519 for Ed25519, the key's own ecdsa-sha2-* name for ECDSA, rsa-sha2-256 or
// rsa-sha2-512 for RSA) and the blob must have no trailing bytes. RSA keys under 1024 bits are
// refused, as OpenSSH refuses them. Returns OK when the signature is valid; fails with
// kInvalidArgument otherwise ("ssh-rsa" SHA-1 signatures included). Thread-safe.
Status VerifySignature(const PublicKey& key, std::string_view data,
                       std::string_view signature_blob);

}  // namespace cairn::ssh
