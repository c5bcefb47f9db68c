#pragma once

// Certificate revocation lists (RFC 5280 §5): building and signing version 2 CRLs (full and
// delta), parsing and verifying them.
//
// A CRL is assembled here byte by byte (TBSCertList, then its signature from Signer::Sign, then
// CertificateList), so the CA key never has to be an EVP_PKEY in this process: it may live in
// an HSM or a cloud KMS. OpenSSL 3.0 could not do it for us: it has no setter for the
// TBSCertList's signature AlgorithmIdentifier, and X509_CRL_sign wants an EVP_PKEY. Parsing and
// signature verification go through OpenSSL (d2i_X509_CRL, X509_CRL_verify).
//
// What SignCrl writes, for step-ca's CRL (authority/tls.go GenerateCertificateRevocationList)
// and RFC 5280's profile:
//   CertificateList {
//     TBSCertList {
//       version v2,
//       signature = signatureAlgorithm: crypto::DefaultHashFor(issuer key) (ecdsa-with-SHA256
//         for P-256, -SHA384 for P-384, -SHA512 for P-521, sha256WithRSAEncryption, Ed25519),
//       issuer = the issuer certificate's subject, byte for byte,
//       thisUpdate, nextUpdate: UTCTime for 1950..2049, GeneralizedTime from 2050 (§5.1.2.4,
//         §5.1.2.5), whole seconds,
//       revokedCertificates: the entries in the order given; absent when there are none
//         (§5.1.2.6); each { serial, revocationDate, reasonCode entry extension unless the
//         reason is kCrlReasonNone or kCrlReasonUnspecified },
//       crlExtensions, in this order:
//         authorityKeyIdentifier { keyIdentifier = the issuer's SKI } (omitted when the issuer
//           certificate has no SKI),
//         cRLNumber,
//         issuingDistributionPoint (critical) { distributionPoint fullName = idp_uri,
//           onlyContainsUserCerts TRUE (step-ca's) | onlyContainsCACerts TRUE | neither },
//           when idp_uri is set,
//         deltaCRLIndicator (critical) = the base CRL number, for delta CRLs,
//         freshestCRL { one DistributionPoint with a fullName URI per freshest_crl_uris },
//           full CRLs only (§5.2.6)
//     },
//     signatureAlgorithm, signatureValue
//   }

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/signer.h"
#include "pki/certificate.h"

namespace cairn::pki {

// kMaxCrlDer bounds the DER CRL ParseCrl and VerifyCrlSignature read (32 MiB).
inline constexpr size_t kMaxCrlDer = 32 << 20;
// kMaxCrlEntries bounds the revoked certificates of one CRL, built or parsed. At the largest
// entry SignCrl writes (a 20-octet serial, a GeneralizedTime and a reasonCode: 57 bytes) the
// CRL stays under kMaxCrlDer; parsing that many entries takes OpenSSL about 100 MB and a second.
inline constexpr size_t kMaxCrlEntries = 500'000;
// kMaxSignedCrlEntries bounds what SignCrl writes: the CA's own revocations, trusted, and far
// more than any relying party should parse in one CRL (a CA that large wants OCSP, or CRLs
// partitioned by distribution point). At 5,000,000 entries a CRL is about 250 MB.
inline constexpr size_t kMaxSignedCrlEntries = 5'000'000;
// kMaxCrlUriLength bounds idp_uri and each of freshest_crl_uris (bytes).
inline constexpr size_t kMaxCrlUriLength = 2048;
// kMaxFreshestCrlUris bounds freshest_crl_uris.
inline constexpr size_t kMaxFreshestCrlUris = 16;

// CRLReason values (RFC 5280 §5.3.1), for RevokedEntry::reason_code. 7 is not used.
// kCrlReasonNone (not a CRLReason) means "no reasonCode extension".
inline constexpr int kCrlReasonNone = -1;
inline constexpr int kCrlReasonUnspecified = 0;
inline constexpr int kCrlReasonKeyCompromise = 1;
inline constexpr int kCrlReasonCaCompromise = 2;
inline constexpr int kCrlReasonAffiliationChanged = 3;
inline constexpr int kCrlReasonSuperseded = 4;
inline constexpr int kCrlReasonCessationOfOperation = 5;
inline constexpr int kCrlReasonCertificateHold = 6;
// kCrlReasonRemoveFromCrl may appear only in delta CRLs (RFC 5280 §5.3.1).
inline constexpr int kCrlReasonRemoveFromCrl = 8;
inline constexpr int kCrlReasonPrivilegeWithdrawn = 9;
inline constexpr int kCrlReasonAaCompromise = 10;

// RevokedEntry is one revoked certificate of a CRL.
struct RevokedEntry {
  // serial_decimal is the certificate's serial number: a positive decimal integer of at most 20
  // octets (RFC 5280 §4.1.2.2). Leading zeros are allowed and ignored.
  std::string serial_decimal;
  // revoked_at is the revocationDate; sub-second precision is dropped.
  Time revoked_at;
  // reason_code is a CRLReason (kCrlReason*), or kCrlReasonNone for no reasonCode extension.
  // SignCrl writes no reasonCode for kCrlReasonUnspecified either: RFC 5280 §5.3.1 says the
  // extension SHOULD be absent rather than say "unspecified" (Go's x509 omits it too), so such
  // an entry parses back as kCrlReasonNone.
  int reason_code = kCrlReasonNone;

  bool operator==(const RevokedEntry&) const = default;
};

// CrlScope is what an issuingDistributionPoint says the CRL covers (RFC 5280 §5.2.5).
enum class CrlScope {
  kAllCertificates,   // neither onlyContainsUserCerts nor onlyContainsCACerts
  kUserCertificates,  // onlyContainsUserCerts TRUE (what step-ca writes)
  kCaCertificates,    // onlyContainsCACerts TRUE
};

// CrlTemplate is everything a CRL says except its issuer and signature.
struct CrlTemplate {
  // number_decimal is the cRLNumber: a non-negative decimal integer of at most 20 octets,
  // increasing with each CRL of this scope (RFC 5280 §5.2.3). Required.
  std::string number_decimal;
  // this_update / next_update bound the CRL's validity; next_update must be after
  // this_update. Both are required and are written in whole seconds (sub-seconds dropped).
  Time this_update;
  Time next_update;
  // entries are written in this order. A serial may appear only once.
  std::vector<RevokedEntry> entries;
  // idp_uri, when non-empty, adds the critical issuingDistributionPoint extension with a
  // distributionPoint whose fullName is this URI (step-ca's: crl.idpURL, or
  // https://<dnsNames[0]>/1.0/crl). Certificates in scope must then carry a cRLDistributionPoints
  // with this URI: verifiers (OpenSSL among them) otherwise treat the CRL as out of scope.
  std::string idp_uri;
  // idp_scope is written in the issuingDistributionPoint (ignored without idp_uri). step-ca
  // writes kUserCertificates.
  CrlScope idp_scope = CrlScope::kUserCertificates;
  // delta_base_number_decimal, when set, makes this a delta CRL (RFC 5280 §5.2.4): the critical
  // deltaCRLIndicator carries this base CRL number, which must be lower than number_decimal
  // (complete and delta CRLs share one numbering sequence, §5.2.3).
  std::optional<std::string> delta_base_number_decimal;
  // freshest_crl_uris, on a full CRL, add the freshestCRL extension (2.5.29.46, non-critical)
  // pointing at the delta CRLs. A delta CRL must not carry it (RFC 5280 §5.2.6).
  std::vector<std::string> freshest_crl_uris;
  // max_entries bounds `entries` (at most kMaxSignedCrlEntries whatever it says).
  size_t max_entries = kMaxSignedCrlEntries;
};

// SignCrl builds the version 2 CRL described by `tmpl` for `issuer` (see the top of this file)
// and signs it through `signer`, whose key must be the issuer certificate's. Returns the DER.
// The cost grows linearly with the number of entries (100,000 entries take well under a
// second). Fails with:
//   kInvalidArgument on a bad template: a missing, malformed, negative or over-20-octet CRL
//     number or base number, a base number not below the number, a zero/malformed/over-20-octet
//     or repeated serial, a time before 1950 (UTCTime's first year), next_update not after
//     this_update, a reason code out of 0..10 or 7 (kCrlReasonNone aside), kCrlReasonRemoveFromCrl
//     in a full CRL, a URI that is not printable ASCII "scheme:rest" or longer than
//     kMaxCrlUriLength, freshest_crl_uris on a delta CRL or more than kMaxFreshestCrlUris of them;
//   kResourceExhausted with more than kMaxSignedCrlEntries entries;
//   kFailedPrecondition when the signer's key is not the issuer's, the issuer's subject is
//     empty (RFC 5280 §5.1.2.3) or its key cannot sign (crypto::KeyType::kOther);
//   or the signer's failure.
// The issuer's keyUsage (cRLSign) is not checked, as step-ca does not. Thread-safe when
// `signer` is.
Result<std::string> SignCrl(const CrlTemplate& tmpl, const Certificate& issuer,
                            const crypto::Signer& signer);

// ParsedCrl is what ParseCrl reads from a CRL.
struct ParsedCrl {
  // version is 1 or 2.
  int version = 2;
  // raw_issuer is the DER of the issuer name.
  std::string raw_issuer;
  // authority_key_id is the authorityKeyIdentifier's keyIdentifier, "" when absent.
  std::string authority_key_id;
  // number_decimal is the cRLNumber, "" when absent (version 1 CRLs).
  std::string number_decimal;
  // this_update / next_update are clamped to what Time can hold (years 1677..2262): a
  // nextUpdate of 99991231235959Z reads as 2262-04-11T23:47:16Z.
  Time this_update;
  // next_update is nullopt when the CRL has none.
  std::optional<Time> next_update;
  // entries are in CRL order; reason_code is kCrlReasonNone without a reasonCode extension.
  // Other entry extensions (invalidityDate, certificateIssuer) are not reported.
  std::vector<RevokedEntry> entries;
  // delta_base_number_decimal is the deltaCRLIndicator's base CRL number (delta CRLs only).
  std::optional<std::string> delta_base_number_decimal;
  // has_idp reports an issuingDistributionPoint extension; idp_uri is the first URI of its
  // fullName ("" when none) and idp_scope its onlyContainsUserCerts / onlyContainsCACerts.
  bool has_idp = false;
  std::string idp_uri;
  CrlScope idp_scope = CrlScope::kAllCertificates;
  // freshest_crl_uris are the fullName URIs of the freshestCRL extension, in order.
  std::vector<std::string> freshest_crl_uris;
  // signature_algorithm is Go's name of the signature algorithm for ECDSA, PKCS#1 v1.5 RSA and
  // Ed25519 ("ECDSA-SHA256", "SHA256-RSA", "Ed25519", ...; see
  // Certificate::signature_algorithm), the dotted OID for others (RSASSA-PSS included).
  std::string signature_algorithm;
};

// ParseCrl parses one DER CRL. It does not check the signature (see VerifyCrlSignature).
// Fails with kInvalidArgument when the input is malformed, has trailing data, has different
// inner and outer signature algorithms (RFC 5280 §5.1.1.2), has a malformed, repeated or
// unreadable extension among those reported, a time it cannot read or a reason code outside
// 0..10; kResourceExhausted when it is larger than kMaxCrlDer or has more than kMaxCrlEntries
// entries. Thread-safe.
Result<ParsedCrl> ParseCrl(std::string_view der);

// VerifyCrlSignature checks that the DER CRL `der` was issued by `issuer`: its issuer name is
// the certificate's subject and the certificate's key verifies its signature. Times, scope and
// the issuer's keyUsage are not checked. Fails with kUnauthenticated when the name differs or
// the signature does not verify, or as ParseCrl's size and structure checks. Thread-safe.
Status VerifyCrlSignature(std::string_view der, const Certificate& issuer);

}  // namespace cairn::pki
