#pragma once

// OpenSSL key helpers shared by jwk.cc and jws.cc. Not part of the public API.

#include <string>

#include "crypto/ossl_ptr.h"

namespace cairn::jose::internal {

// KeyCurve returns the JOSE curve name of an EC or Ed25519 key ("P-256", "P-384", "P-521",
// "Ed25519"), or "" for anything else (RSA, unsupported curves, nullptr).
std::string KeyCurve(EVP_PKEY* pkey);

// CoordinateSize returns the byte length of one coordinate on a JOSE EC curve (32, 48, 66),
// or 0 for other names.
int CoordinateSize(const std::string& crv);

// IsRsa is true for an RSA key (not RSA-PSS-restricted keys).
bool IsRsa(EVP_PKEY* pkey);

}  // namespace cairn::jose::internal
