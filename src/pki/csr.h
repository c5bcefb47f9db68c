#pragma once

// CertificateRequest: an immutable parsed PKCS#10 CSR, and CreateCsr for the client side.

#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/key.h"
#include "crypto/ossl_ptr.h"
#include "pki/extension.h"
#include "pki/name.h"

namespace cairn::pki {

// kMaxCsrDer bounds one CSR (DER, and the PEM text FromPem reads): 1 MiB.
inline constexpr size_t kMaxCsrDer = 1 << 20;

// CertificateRequest is an immutable parsed CSR. Parsing does not check the signature; call
// VerifySignature. Copies share one immutable representation. Thread-safe for concurrent const use.
class CertificateRequest {
 public:
  // FromDer parses one DER CSR. Fails with kInvalidArgument when malformed, with trailing
  // data, with a public key OpenSSL cannot decode, or larger than kMaxCsrDer.
  static Result<CertificateRequest> FromDer(std::string_view der);
  // FromPem parses the first "CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST" block (other
  // blocks are skipped, as step does). Fails with kInvalidArgument when there is none, or as
  // FromDer.
  static Result<CertificateRequest> FromPem(std::string_view pem);

  // der returns the DER encoding as parsed.
  const std::string& der() const;
  // pem returns the "CERTIFICATE REQUEST" PEM block with a trailing newline.
  std::string pem() const;

  // VerifySignature checks the CSR's self-signature with its own public key. Fails with
  // kInvalidArgument when the signature is bad or the key kind is not supported
  // (crypto::KeyType::kOther), like Go's CheckSignature.
  Status VerifySignature() const;

  // subject returns the requested subject; subject_cn its (last) common name or "";
  // subject_string the one-line form of Go's pkix.Name.String(); raw_subject the DER.
  Name subject() const;
  std::string subject_cn() const;
  std::string subject_string() const;
  std::string raw_subject() const;
  // dns_names, ip_addresses, email_addresses, uris return the SANs of the requested
  // subjectAltName extension; sans returns them all.
  std::vector<std::string> dns_names() const;
  std::vector<std::string> ip_addresses() const;
  std::vector<std::string> email_addresses() const;
  std::vector<std::string> uris() const;
  SubjectAltNames sans() const;
  // extensions returns the requested extensions (extensionRequest attribute), in order.
  std::vector<Extension> extensions() const;
  // public_key returns the CSR's public key (any kind; see crypto::KeyType::kOther).
  crypto::PublicKey public_key() const;
  // signature_algorithm returns Go's name of the signature algorithm (as Certificate's).
  std::string signature_algorithm() const;

  // get_subject lends the subject name (owned by this object). Do not modify it.
  const X509_NAME* get_subject() const;

 private:
  // Rep is the parsed CSR, shared by copies. The CSR is read field by field rather than with
  // d2i_X509_REQ, which decodes the public key through OpenSSL 3.0's generic decoder (~150 µs,
  // global locks); the key comes from crypto::PublicKey's fast import instead.
  struct Rep;
  explicit CertificateRequest(std::shared_ptr<const Rep> rep) : rep_(std::move(rep)) {}
  std::shared_ptr<const Rep> rep_;
};

// CreateCsr builds and signs a CSR (version 1) for `subject` with the SANs in a non-critical
// subjectAltName extension request (none when `sans` is empty), signed by `key` with
// crypto::DefaultHashFor its public key (Ed25519 signs without a digest). Fails with
// kInvalidArgument on invalid names, kInternal if OpenSSL fails. Thread-safe.
Result<CertificateRequest> CreateCsr(const Name& subject, const SubjectAltNames& sans,
                                     const crypto::PrivateKey& key);

}  // namespace cairn::pki
