#pragma once

// OpenSSH private keys: the "openssh-key-v1" format of PROTOCOL.key, as `ssh-keygen -N ''`
// writes it (the "-----BEGIN OPENSSH PRIVATE KEY-----" PEM-like armour), and the private key
// fields OpenSSH serializes both there and in ssh-agent's ADD_IDENTITY messages
// (draft-miller-ssh-agent §4.2). Supported key types: ssh-ed25519, ecdsa-sha2-nistp256/384/521
// and ssh-rsa.
//
// Only unencrypted keys (cipher and KDF "none") are read or written: OpenSSH encrypts its own
// format with bcrypt-pbkdf, a KDF OpenSSL does not have. Password-protected keys are written as
// encrypted PKCS#8 PEM instead, which OpenSSH reads too (crypto::PrivateKey::ToPkcs8Pem).

#include <cstddef>
#include <string>
#include <string_view>

#include "base/random.h"
#include "base/result.h"
#include "crypto/key.h"
#include "ssh/certificate.h"
#include "ssh/key.h"

namespace cairn::ssh {

// kMaxPrivateKeyFile bounds the text ParseOpenSshPrivateKey reads (an RSA 16384-bit key is
// about 13 KiB of armoured text).
inline constexpr size_t kMaxPrivateKeyFile = 64 << 10;
// kMaxPrivateKeyComment bounds the comment of a private key (ParseOpenSshPrivateKey) and of an
// agent identity.
inline constexpr size_t kMaxPrivateKeyComment = 4096;

// OpenSshPrivateKey is a parsed openssh-key-v1 private key: the key, its SSH public key and the
// comment stored with it.
struct OpenSshPrivateKey {
  crypto::PrivateKey key;
  PublicKey public_key;
  std::string comment;
};

// MarshalOpenSshPrivateKey encodes `key` in OpenSSH's unencrypted "openssh-key-v1" format with
// `comment`, as `ssh-keygen -N ''` writes it (armoured, 70-column base64 lines). The two check
// integers come from `random`. Fails with kInvalidArgument for a comment over
// kMaxPrivateKeyComment, kInternal if OpenSSL fails to export the key, or as `random` fails.
// The result holds secret material. Thread-safe when `random` is.
Result<std::string> MarshalOpenSshPrivateKey(const crypto::PrivateKey& key,
                                             std::string_view comment, Random& random);

// ParseOpenSshPrivateKey reads an unencrypted openssh-key-v1 private key (the first "OPENSSH
// PRIVATE KEY" block of `text`). The private key must match the public key stored beside it
// (checked: the Ed25519 public half, the ECDSA point, the RSA modulus and exponent, and an
// OpenSSL pairwise check of the key). Fails with kInvalidArgument when there is no such block,
// the base64 or the structure is malformed (bad magic, check integers that differ, padding
// other than 1, 2, 3, ..., trailing bytes), the file holds other than exactly one key, the key
// type is unsupported or the halves do not match; with kUnimplemented for an encrypted key
// ("bcrypt KDF not supported; use a PEM key"); with kResourceExhausted when `text` exceeds
// kMaxPrivateKeyFile or the comment kMaxPrivateKeyComment. Thread-safe.
Result<OpenSshPrivateKey> ParseOpenSshPrivateKey(std::string_view text);

// MarshalPrivateKeyFields returns the key fields OpenSSH's sshkey_private_serialize writes, the
// form shared by the openssh-key-v1 private section and ssh-agent's ADD_IDENTITY (without the
// trailing comment). Without a certificate (`cert` null): string type, the public fields, then
// the private ones (Ed25519: string A, string seed||A; ECDSA: string curve, string Q, mpint d;
// RSA: mpint n, e, d, iqmp, p, q). With a certificate of `key`: string the certificate type,
// string the certificate, then the private fields only (Ed25519: string A, string seed||A;
// ECDSA: mpint d; RSA: mpint d, iqmp, p, q). Fails with kInvalidArgument when `cert` certifies
// another key, kInternal if OpenSSL fails. The result holds secret material. Thread-safe.
Result<std::string> MarshalPrivateKeyFields(const crypto::PrivateKey& key,
                                            const Certificate* cert = nullptr);

}  // namespace cairn::ssh
