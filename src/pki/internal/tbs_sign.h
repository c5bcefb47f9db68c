#pragma once

// Signing a to-be-signed structure (TBSCertificate, TBSCertList, ...) through crypto::Signer,
// and the AlgorithmIdentifier that names the signature (pki internal; only pki/*.cc include
// this). The caller's key never has to be an EVP_PKEY here, except for RSASSA-PSS, which the
// Signer interface does not offer (see SignTbs).

#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "crypto/signer.h"

namespace cairn::pki::internal {

// SignatureChoice is how a TBS structure is signed: the digest, and RSASSA-PSS or not.
struct SignatureChoice {
  crypto::HashAlg hash = crypto::HashAlg::kSha256;
  bool pss = false;
};

// DefaultSignatureChoice returns step's choice for a signing key: crypto::DefaultHashFor(key)
// with PKCS#1 v1.5 padding for RSA.
SignatureChoice DefaultSignatureChoice(const crypto::PublicKey& key);

// SetAlgorithmIdentifier writes into `alg` the AlgorithmIdentifier for a key of `type` signing
// with `choice`: ecdsa-with-SHA256/384/512 (no parameters), sha256/384/512WithRSAEncryption
// (NULL parameters, RFC 4055 §5), RSASSA-PSS (parameters as Go writes them: the hash and MGF1
// with it, salt length = digest length) or Ed25519 (no parameters). Fails with
// kFailedPrecondition for a key type or hash that cannot go together (or kOther keys).
Status SetAlgorithmIdentifier(X509_ALGOR* alg, crypto::KeyType type, const SignatureChoice& choice);

// SignatureAlgorithmDer returns the DER AlgorithmIdentifier SetAlgorithmIdentifier writes.
// Fails as SetAlgorithmIdentifier.
Result<std::string> SignatureAlgorithmDer(crypto::KeyType type, const SignatureChoice& choice);

// SignTbs signs the DER `tbs` through `signer` as `choice` says and returns the signature
// value (the octets of the signature BIT STRING). RSASSA-PSS needs a crypto::KeySigner (its
// private key is driven directly, with salt length = digest length and MGF1 with the same
// digest); for any other Signer it fails with kUnimplemented. Otherwise fails as
// Signer::Sign. Thread-safe when `signer` is.
Result<std::string> SignTbs(const crypto::Signer& signer, const SignatureChoice& choice,
                            std::string_view tbs);

}  // namespace cairn::pki::internal
