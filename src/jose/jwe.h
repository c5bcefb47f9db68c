#pragma once

// Password-based JSON Web Encryption (RFC 7516 with RFC 7518 §4.8 PBES2 key wrapping and §5
// content encryption): what step uses for provisioner `encryptedKey`s (compact) and for
// `*.jwk` key files (JSON serialization), stepca.md §5.
//
// Supported for decryption: alg PBES2-HS256+A128KW, PBES2-HS384+A192KW, PBES2-HS512+A256KW;
// enc A128GCM, A192GCM, A256GCM, A128CBC-HS256, A192CBC-HS384, A256CBC-HS512. Encryption
// always uses PBES2-HS256+A128KW (step's choice) with any of those enc values. Compression
// ("zip") and critical extensions ("crit") are rejected. All functions are thread-safe.
//
// Cost note: one PBKDF2 run with p2c iterations per call (600,000 iterations of HMAC-SHA-256
// is a few hundred milliseconds); p2c is bounded on input so a hostile JWE cannot demand more
// than kMaxPbes2Count.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "jose/jwk.h"

namespace cairn::jose {

// kDefaultPbes2Count is step's current PBES2 iteration count (100,000 before 2023).
inline constexpr int kDefaultPbes2Count = 600000;
// kMinPbes2Count / kMaxPbes2Count bound the p2c accepted on input and output.
inline constexpr int kMinPbes2Count = 1000;
inline constexpr int kMaxPbes2Count = 10000000;
// kMaxJweSize bounds a JWE (either serialization), in bytes.
inline constexpr size_t kMaxJweSize = 1024 * 1024;

// EncryptPbes2Compact encrypts `plaintext` under `password` and returns the compact JWE. The
// protected header is {"alg":"PBES2-HS256+A128KW","cty":cty,"enc":enc,"p2c":p2c,"p2s":salt}
// (cty omitted when empty; members sorted as go-jose writes them) with a fresh 16-byte salt,
// CEK and IV from OpenSSL's CSPRNG. Fails with kInvalidArgument for an empty password, an
// unsupported enc or p2c outside [kMinPbes2Count, kMaxPbes2Count]; kInternal if OpenSSL fails.
Result<std::string> EncryptPbes2Compact(std::string_view plaintext, std::string_view password,
                                        int p2c = kDefaultPbes2Count,
                                        std::string_view enc = "A256GCM",
                                        std::string_view cty = "jwk+json");

// EncryptPbes2Json is EncryptPbes2Compact returning the flattened JSON serialization, laid out
// as step writes `*.jwk` files: members protected, encrypted_key, iv, ciphertext, tag in that
// order, indented by two spaces, no trailing newline.
Result<std::string> EncryptPbes2Json(std::string_view plaintext, std::string_view password,
                                     int p2c = kDefaultPbes2Count, std::string_view enc = "A256GCM",
                                     std::string_view cty = "jwk+json");

// Decrypt decrypts a password-based JWE given in compact form or as JSON (flattened, or general
// with exactly one recipient; header parameters may sit in the protected, shared unprotected
// or per-recipient header, but not twice). Surrounding whitespace is ignored. p2c and p2s are
// taken from the header (p2c within [kMinPbes2Count, kMaxPbes2Count], salt 8..1024 bytes).
// Fails with kInvalidArgument: "decrypting JWE: wrong password?" when the key unwrap integrity
// check fails, "decrypting JWE: authentication failed" when the content was tampered with, and
// a descriptive message for malformed or unsupported input.
Result<std::string> Decrypt(std::string_view jwe, std::string_view password);

// PeekHeader returns the JOSE header of a JWE (the union of its protected and unprotected
// headers) without decrypting it. Fails with kInvalidArgument when malformed.
Result<nlohmann::json> PeekHeader(std::string_view jwe);

// EncryptJwk encrypts a private JWK (its ToJsonString(true) form) as a compact JWE with cty
// "jwk+json" and enc A256GCM: the format of ca.json's provisioner `encryptedKey`. Fails with
// kInvalidArgument when the key is not private or on the EncryptPbes2Compact conditions.
Result<std::string> EncryptJwk(const Jwk& private_jwk, std::string_view password,
                               int p2c = kDefaultPbes2Count);

// DecryptJwk decrypts a JWE (any form Decrypt accepts) and parses the plaintext as a JWK.
// Fails as Decrypt and Jwk::Parse do.
Result<Jwk> DecryptJwk(std::string_view jwe, std::string_view password);

}  // namespace cairn::jose
