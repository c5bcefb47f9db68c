#pragma once

// Human- and machine-readable renderings of certificates and CSRs, as `step certificate
// inspect` prints them: the OpenSSL-like text of smallstep/certinfo, its --short form, and a
// JSON form with the field names of zcrypto's certificate JSON. Private to src/cli.

#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "pki/certificate.h"
#include "pki/csr.h"

namespace cairn::cli::tools {

// CertificateText renders `cert` like `step certificate inspect` (certinfo.CertificateText):
// "Certificate:", "Data:", version, serial "N (0xhex)", signature algorithm, issuer, validity,
// subject, public key, X509v3 extensions (including "X509v3 Step Provisioner:" with Type, Name
// and CredentialID), and the signature. Fails with kInvalidArgument when the DER cannot be
// taken apart.
Result<std::string> CertificateText(const pki::Certificate& cert);

// CertificateShortText renders step's --short form:
//   X.509v3 TLS Certificate (ECDSA P-256) [Serial: 1234...5678]
//     Subject:     name
//                  other SANs
//     Issuer:      issuer CN
//     Provisioner: name [ID: kid...]
//     Valid from:  RFC 3339
//             to:  RFC 3339
// ("Root CA" / "Intermediate CA" instead of "TLS" for CA certificates).
std::string CertificateShortText(const pki::Certificate& cert);

// CertificateRequestText / CertificateRequestShortText are the same for a CSR.
Result<std::string> CertificateRequestText(const pki::CertificateRequest& csr);
std::string CertificateRequestShortText(const pki::CertificateRequest& csr);

// CertificateJson renders the certificate with zcrypto's JSON field names (version,
// serial_number, signature_algorithm, issuer, issuer_dn, validity, subject, subject_dn,
// subject_key_info, extensions, unknown_extensions, signature, fingerprint_sha1,
// fingerprint_sha256, tbs_noct_fingerprint, spki_subject_fingerprint, tbs_fingerprint,
// validation_level, names, redacted). fingerprint_md5 and the EC curve parameters are left out.
Result<nlohmann::ordered_json> CertificateJson(const pki::Certificate& cert);

// CertificateRequestJson renders a CSR as Go's default JSON of a certificate request (Raw,
// Version, Signature, SignatureAlgorithm, PublicKeyAlgorithm, PublicKey, Subject, Extensions,
// DNSNames, EmailAddresses, IPAddresses, URIs).
Result<nlohmann::ordered_json> CertificateRequestJson(const pki::CertificateRequest& csr);

}  // namespace cairn::cli::tools
