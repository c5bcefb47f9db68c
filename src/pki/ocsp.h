#pragma once

// OCSP (RFC 6960, in the RFC 5019 lightweight profile): parsing requests, signing responses
// through crypto::Signer, error responses, and parsing / verifying responses (for tests and the
// CLI).
//
// Responses are assembled here byte by byte (tbsResponseData, then its signature from
// Signer::Sign, then BasicOCSPResponse and OCSPResponse), so the responder key never has to be
// an EVP_PKEY in this process: it may live in an HSM or a cloud KMS.
//
// A responder built on this module answers:
//   - a request ParseOcspRequest rejects: OcspErrorResponse(kMalformedRequest);
//   - a CertID whose hash is CertIdHash::kUnknown, or whose issuer it does not serve:
//     OcspErrorResponse(kUnauthorized) (RFC 5019 §2.2.3);
//   - otherwise: SignOcspResponse with one SingleResponse per CertID, each echoing the CertID
//     exactly as received (CertId::der), and the nonce when the request had one.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/signer.h"
#include "pki/certificate.h"
#include "pki/extension.h"

namespace cairn::pki {

// kMaxOcspRequestBytes bounds a DER OCSPRequest ParseOcspRequest reads (16 KiB; RFC 5019
// requests are ~100 bytes; a signed one with a certificate chain still fits).
inline constexpr size_t kMaxOcspRequestBytes = 16 << 10;
// kMaxOcspRequestCertIds bounds the CertIDs of one request (RFC 5019 clients send one).
inline constexpr size_t kMaxOcspRequestCertIds = 16;
// kMaxOcspNonceBytes bounds the nonce extension's extnValue (RFC 8954 allows up to 32 octets
// of nonce; OpenSSL sends 18: an OCTET STRING of 16 random bytes).
inline constexpr size_t kMaxOcspNonceBytes = 128;
// kMaxOcspResponseBytes bounds a DER OCSPResponse ParseOcspResponse reads (256 KiB).
inline constexpr size_t kMaxOcspResponseBytes = 256 << 10;
// kMaxOcspSingleResponses bounds the SingleResponses of one response, signed or parsed.
inline constexpr size_t kMaxOcspSingleResponses = 256;
// kMaxOcspResponseCerts bounds the certificates carried in one response, signed or parsed.
inline constexpr size_t kMaxOcspResponseCerts = 16;

// OIDs of OCSP.
// kOidOcspNonce is id-pkix-ocsp-nonce (RFC 6960 §4.4.1).
inline constexpr const char* kOidOcspNonce = "1.3.6.1.5.5.7.48.1.2";
// kOidOcspNoCheck is id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
inline constexpr const char* kOidOcspNoCheck = "1.3.6.1.5.5.7.48.1.5";
// kOidOcspSigning is the extended key usage id-kp-OCSPSigning.
inline constexpr const char* kOidOcspSigning = "1.3.6.1.5.5.7.3.9";

// CertIdHash is the hashAlgorithm of a CertID. kUnknown marks any other algorithm: the request
// still parses, so the responder can answer "unauthorized" instead of "malformedRequest".
enum class CertIdHash { kSha1, kSha256, kSha384, kSha512, kUnknown };

// CertIdHashName returns "SHA1", "SHA256", "SHA384", "SHA512" or "unknown".
std::string_view CertIdHashName(CertIdHash hash);

// CertId is an OCSP CertID (RFC 6960 §4.1.1): which certificate a request asks about.
struct CertId {
  CertIdHash hash = CertIdHash::kSha1;
  // hash_oid is the dotted OID of hashAlgorithm (set by the parser for every algorithm, known
  // or not, and by MakeCertId).
  std::string hash_oid;
  // issuer_name_hash / issuer_key_hash are the raw digests: of the issuer's DER subject name,
  // and of the issuer's subjectPublicKey BIT STRING contents (without the unused-bits octet).
  std::string issuer_name_hash;
  std::string issuer_key_hash;
  // serial_decimal is the serial number in decimal ("-" prefixed if negative).
  std::string serial_decimal;
  // der is the CertID element as received (or as MakeCertId encoded it). SignOcspResponse
  // echoes it byte for byte; when empty, SignOcspResponse encodes the fields above.
  std::string der;
};

// OcspRequest is a parsed OCSPRequest.
struct OcspRequest {
  // ids are the CertIDs of the requestList, in order (1..kMaxOcspRequestCertIds).
  std::vector<CertId> ids;
  // nonce is the extnValue contents of the id-pkix-ocsp-nonce request extension, as is (for
  // OpenSSL and RFC 8954 clients, an OCTET STRING holding the random octets). Echo it back in
  // ResponseTemplate::nonce.
  std::optional<std::string> nonce;
  // signed_request reports an optionalSignature. Its signature is NOT verified (RFC 5019
  // responders need not); a responder that requires signed requests must check it itself.
  bool signed_request = false;
};

// ParseOcspRequest parses a DER OCSPRequest (the body of a POST, or the base64-decoded path of
// a GET). Structure is checked strictly: version (absent, or v1), an optional requestorName and
// request/single-request extensions are accepted and skipped, except the nonce. A CertID with an
// unknown hash algorithm parses with CertIdHash::kUnknown; one with a known algorithm whose
// digests have the wrong length is malformed.
// Fails with kInvalidArgument on empty input, malformed or truncated DER, trailing data, a
// version other than v1, an empty requestList, a malformed CertID or serial number, a duplicate
// or empty nonce or one over kMaxOcspNonceBytes, or a critical request extension this module
// does not understand (RFC 6960 §4.4); kResourceExhausted when `der` is over
// kMaxOcspRequestBytes or holds more than kMaxOcspRequestCertIds CertIDs. Thread-safe.
Result<OcspRequest> ParseOcspRequest(std::string_view der);

// IssuerHashes are the two digests of a CertID that identify its issuer.
struct IssuerHashes {
  std::string name_hash;  // hash of the issuer's DER subject name
  std::string key_hash;   // hash of the issuer's subjectPublicKey BIT STRING contents
};

// ComputeIssuerHashes returns the CertID digests for certificates issued by `issuer` (RFC 6960
// §4.1.1). Fails with kInvalidArgument for CertIdHash::kUnknown. Thread-safe.
Result<IssuerHashes> ComputeIssuerHashes(const Certificate& issuer, CertIdHash hash);

// Matches reports whether `id` names a certificate issued by `issuer` (both digests equal;
// false for CertIdHash::kUnknown). Not constant-time: the digests are public. Thread-safe.
bool Matches(const CertId& id, const Certificate& issuer);

// MakeCertId builds the CertID of the certificate with serial `serial_decimal` issued by
// `issuer`, with `der` filled, for pre-signing responses. SHA-1 by default: `openssl ocsp`,
// nginx and most clients ask with SHA-1 CertIDs, and a pre-signed response is only served for
// a request whose CertID it carries. Fails with kInvalidArgument for CertIdHash::kUnknown or a
// serial that is not a decimal integer (optional '-', at most 100 digits). Thread-safe.
Result<CertId> MakeCertId(const Certificate& issuer, std::string_view serial_decimal,
                          CertIdHash hash = CertIdHash::kSha1);

// SingleResponse is the status of one certificate.
struct SingleResponse {
  enum class Status { kGood, kRevoked, kUnknown };

  CertId id;
  Status status = Status::kGood;
  // revoked_at is the revocationTime (only for kRevoked).
  Time revoked_at;
  // reason_code is the CRLReason (RFC 5280 §5.3.1: 0 unspecified, 1 keyCompromise,
  // 2 cACompromise, 3 affiliationChanged, 4 superseded, 5 cessationOfOperation,
  // 6 certificateHold, 8 removeFromCRL, 9 privilegeWithdrawn, 10 aACompromise), or -1 for none.
  // Only for kRevoked.
  int reason_code = -1;
  Time this_update;
  // next_update, when set, must not be before this_update.
  std::optional<Time> next_update;
};

// ResponseTemplate is what SignOcspResponse signs.
struct ResponseTemplate {
  // responses: 1..kMaxOcspSingleResponses entries, in the order they are written.
  std::vector<SingleResponse> responses;
  Time produced_at;
  // nonce, when set, is written as the id-pkix-ocsp-nonce response extension's extnValue
  // (pass OcspRequest::nonce unchanged). Non-empty, at most kMaxOcspNonceBytes.
  std::optional<std::string> nonce;
};

// SignOcspResponse builds and signs a successful OCSPResponse of type id-pkix-ocsp-basic and
// returns its DER. The ResponderID is byKey (SHA-1 of `responder_cert`'s subjectPublicKey BIT
// STRING contents); times are GeneralizedTime truncated to seconds; the signature algorithm is
// crypto::DefaultHashFor the responder key (ecdsa-with-SHA256/384/512, sha256WithRSAEncryption,
// Ed25519). `certs_to_include` (at most kMaxOcspResponseCerts) go into the certs field in order;
// a delegated responder includes its own certificate, a CA signing directly includes none.
// `responder_cert` is either the CA that issued the certificates in question or a delegated
// responder certificate it issued (see OcspResponderExtensions); that is not checked here.
// Fails with kFailedPrecondition when `signer`'s key is not `responder_cert`'s or is of a kind
// that cannot sign, kInvalidArgument on a bad template (no or too many responses, a
// malformed CertID der, or a CertID without der whose hash is kUnknown or whose digests or
// serial are invalid, a reason code out of range or set on a non-revoked entry, next_update before
// this_update, a bad nonce, too many certificates), or the signer's failure. Thread-safe (as
// `signer`).
Result<std::string> SignOcspResponse(const ResponseTemplate& tmpl,
                                     const Certificate& responder_cert,
                                     const crypto::Signer& signer,
                                     const std::vector<Certificate>& certs_to_include);

// OcspResponseStatus is OCSPResponseStatus (RFC 6960 §4.2.1); 4 is not used.
enum class OcspResponseStatus {
  kSuccessful = 0,
  kMalformedRequest = 1,
  kInternalError = 2,
  kTryLater = 3,
  kSigRequired = 5,
  kUnauthorized = 6,
};

// OcspResponseStatusName returns RFC 6960's name: "successful", "malformedRequest",
// "internalError", "tryLater", "sigRequired", "unauthorized".
std::string_view OcspResponseStatusName(OcspResponseStatus status);

// OcspErrorResponse returns the DER OCSPResponse with `status` and no responseBytes
// (30 03 0A 01 <status>). kSuccessful, which needs responseBytes, is answered as
// kInternalError. Thread-safe.
std::string OcspErrorResponse(OcspResponseStatus status);

// ParsedOcspResponse is a parsed OCSPResponse. Everything but `status` is set only when it is
// kSuccessful (then the response type was id-pkix-ocsp-basic).
struct ParsedOcspResponse {
  OcspResponseStatus status = OcspResponseStatus::kSuccessful;
  // The ResponderID: exactly one of these is non-empty. responder_key_hash is byKey (SHA-1 of
  // the responder's public key bits); responder_name_der is byName (the DER Name).
  std::string responder_key_hash;
  std::string responder_name_der;
  Time produced_at;
  std::vector<SingleResponse> responses;
  // nonce is the extnValue contents of the id-pkix-ocsp-nonce response extension.
  std::optional<std::string> nonce;
  // signature_algorithm is Go's name ("ECDSA-SHA256", "SHA256-RSA", "Ed25519", ...; see
  // Certificate::signature_algorithm), the dotted OID for others.
  std::string signature_algorithm;
  // tbs_response_data is the signed DER ResponseData; signature the signature octets.
  std::string tbs_response_data;
  std::string signature;
  // certs are the certificates of the certs field, in order.
  std::vector<Certificate> certs;
};

// ParseOcspResponse parses a DER OCSPResponse. The signature is not checked (see
// VerifyOcspResponse). Fails with kInvalidArgument on malformed or truncated DER, trailing
// data, an unknown status, a successful response without responseBytes or of a type other than
// id-pkix-ocsp-basic, a ResponseData version other than v1, a malformed CertID, time or
// certificate; kResourceExhausted over kMaxOcspResponseBytes, kMaxOcspSingleResponses or
// kMaxOcspResponseCerts. Thread-safe.
Result<ParsedOcspResponse> ParseOcspResponse(std::string_view der);

// VerifyOcspSignature checks that `response` is successful, that its ResponderID names
// `signer_cert` (by key hash or subject) and that `signer_cert`'s key made its signature. No
// authorization or validity checks (see VerifyOcspResponse). Fails with kFailedPrecondition for
// an unsuccessful response, kUnimplemented for a signature algorithm this module does not
// verify (RSASSA-PSS, SHA-1, ...), kUnauthenticated when the ResponderID does not name
// `signer_cert`, the algorithm does not suit its key, or the signature does not verify.
// Thread-safe.
Status VerifyOcspSignature(const ParsedOcspResponse& response, const Certificate& signer_cert);

// VerifyOcspResponse checks `response` as a client does (RFC 6960 §4.2.2.2) for certificates
// issued by `issuer`: the signer is `issuer` itself, or a certificate carried in the response,
// named by the ResponderID, issued (signed) by `issuer`, with the id-kp-OCSPSigning extended
// key usage and valid at `at`; the signature verifies (VerifyOcspSignature); and every
// SingleResponse's CertID names `issuer` (Matches). thisUpdate/nextUpdate freshness is left to
// the caller. Fails as VerifyOcspSignature, and with kUnauthenticated when no authorized signer
// is found or a CertID names another issuer. Thread-safe.
Status VerifyOcspResponse(const ParsedOcspResponse& response, const Certificate& issuer, Time at);

// OcspResponderExtensions returns the extensions of a delegated OCSP responder certificate, to
// put in CertificateTemplate::extra_extensions: extendedKeyUsage id-kp-OCSPSigning and
// id-pkix-ocsp-nocheck (NULL value), both non-critical. The template should also set key_usage
// to kDigitalSignature and keep the certificate short-lived (nocheck means clients never check
// its revocation). Thread-safe.
std::vector<Extension> OcspResponderExtensions();

}  // namespace cairn::pki
