#pragma once

// Just enough DER for cairn-bench to build CSRs and check certificates without OpenSSL 3.0's
// key encoders/decoders, which take ~100 µs and global locks per call (X509_REQ_set_pubkey,
// d2i_X509 both go through them) and would make preparing and checking 100,000s of requests
// slow. The cryptography stays OpenSSL's: signatures are made and verified with EVP_PKEY.

#include <openssl/evp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ossl_ptr.h"

namespace cairn::bench::der {

// Tlv returns the DER encoding of one element: tag, definite length, content.
std::string Tlv(uint8_t tag, std::string_view content);

// Reader walks the elements of a DER sequence's content.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  // Next reads the next element; false at the end or on malformed input (then ok() is false).
  bool Next(uint8_t* tag, std::string_view* content, std::string_view* whole = nullptr);
  bool ok() const { return ok_; }
  bool empty() const { return in_.empty(); }

 private:
  std::string_view in_;
  bool ok_ = true;
};

// EcdsaSha256 signs and verifies SHA-256 digests with one key through a reusable EVP_PKEY_CTX
// (no per-call algorithm fetch). One instance per thread.
class EcdsaSha256 {
 public:
  // Create prepares `key` for signing (sign = true) or verifying. Returns nullopt on failure.
  static std::optional<EcdsaSha256> Create(EVP_PKEY* key, bool sign);
  // Sign returns the DER ECDSA signature of SHA-256(data), or "" on failure.
  std::string Sign(std::string_view data);
  // Verify checks a DER ECDSA signature over SHA-256(data).
  bool Verify(std::string_view data, std::string_view sig);

 private:
  ossl::UniquePtr<EVP_PKEY_CTX> ctx_;
  size_t max_sig_ = 0;
};

// SpkiDer returns the SubjectPublicKeyInfo DER of `key` (i2d_PUBKEY; once per key).
std::string SpkiDer(EVP_PKEY* key);

// CsrPem builds a PKCS#10 request (CN = SAN dNSName = `name`) for the key whose SPKI is
// `spki`, signed by `signer` (ecdsa-with-SHA256), as PEM. "" on failure.
std::string CsrPem(const std::string& spki, const std::string& name, EcdsaSha256& signer);

// CertFields are the parts of an X.509 certificate cairn-bench checks.
struct CertFields {
  std::string_view tbs;        // the whole TBSCertificate element (what is signed)
  std::string_view signature;  // the DER ECDSA signature (BIT STRING content, no pad byte)
  std::string_view issuer;     // the issuer Name element
  std::string_view spki;       // the SubjectPublicKeyInfo element
  std::optional<std::string_view> common_name;  // the subject CN's value, if any
  std::vector<std::string_view> dns_names;      // SAN dNSNames
};

// ParseCertificate parses a DER certificate; nullopt when malformed.
std::optional<CertFields> ParseCertificate(std::string_view der);

// PemToDer decodes the first PEM block of `pem`; "" when there is none.
std::string PemToDer(std::string_view pem);

}  // namespace cairn::bench::der
