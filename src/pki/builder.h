#pragma once

// Building and signing certificates: from a template (issuance), or from an old certificate
// (renew / rekey). Signing goes through crypto::Signer, so the CA key may live anywhere.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "crypto/key.h"
#include "crypto/signer.h"
#include "pki/certificate.h"
#include "pki/extension.h"
#include "pki/name.h"

namespace cairn::pki {

// BasicConstraints of a template.
struct BasicConstraints {
  // present adds the (critical) basicConstraints extension.
  bool present = false;
  bool is_ca = false;
  // max_path_len is the pathLenConstraint for CAs: -1 for none, 0 or more otherwise. It is
  // ignored when is_ca is false (as x509util does).
  int max_path_len = -1;
};

// NameConstraints is the nameConstraints extension (RFC 5280 §4.2.1.10) as Go's x509 writes it:
// a permittedSubtrees then an excludedSubtrees element, each subtree only a base GeneralName
// (dNSName, iPAddress, rfc822Name, uniformResourceIdentifier, in that order per list), without
// minimum or maximum. The extension is added only when some list is non-empty.
struct NameConstraints {
  // critical marks the extension critical (Go's PermittedDNSDomainsCritical).
  bool critical = false;
  std::vector<std::string> permitted_dns_domains;
  std::vector<std::string> excluded_dns_domains;
  // IP ranges are CIDR text ("10.0.0.0/8", "2001:db8::/32"); host bits are masked off.
  std::vector<std::string> permitted_ip_ranges;
  std::vector<std::string> excluded_ip_ranges;
  std::vector<std::string> permitted_email_addresses;
  std::vector<std::string> excluded_email_addresses;
  std::vector<std::string> permitted_uri_domains;
  std::vector<std::string> excluded_uri_domains;

  // empty reports whether every list is empty (then no extension is written).
  bool empty() const;
  bool operator==(const NameConstraints&) const = default;
};

// OtherSan is a subjectAltName entry of a kind SubjectAltNames does not hold (otherName such as
// permanentIdentifier or userPrincipalName, registeredID, directoryName), already encoded.
struct OtherSan {
  // type and value are the template's words for it ("registeredID", "1.2.3.4"), kept for logs,
  // policies and webhooks; they are not encoded.
  std::string type;
  std::string value;
  // der is the complete GeneralName element (context-specific tag included). SignCertificate
  // refuses it unless it is exactly one well-formed GeneralName.
  std::string der;
  bool operator==(const OtherSan&) const = default;
};

// CertificateTemplate is everything a certificate says except its public key and issuer. The
// authority fills it from the rendered template, the request and the provisioner.
struct CertificateTemplate {
  using BasicConstraints = pki::BasicConstraints;

  Name subject;
  // raw_subject_der, when set, is used verbatim as the subject instead of `subject`.
  std::optional<std::string> raw_subject_der;
  // serial_decimal is a positive decimal integer of at most 20 octets. Required: SignCertificate
  // never invents one (use RandomSerial).
  std::string serial_decimal;
  Time not_before;
  Time not_after;
  SubjectAltNames sans;
  // other_sans follow the names of `sans` in the subjectAltName extension (after DNS, email,
  // IP and URI names).
  std::vector<OtherSan> other_sans;
  // key_usage is a KeyUsage bit set; 0 means no keyUsage extension.
  uint32_t key_usage = 0;
  bool key_usage_critical = true;
  // ext_key_usage holds names (see ExtKeyUsageOid) or dotted OIDs; empty means no extension.
  std::vector<std::string> ext_key_usage;
  BasicConstraints basic_constraints;
  std::vector<std::string> crl_distribution_points;   // URIs
  std::vector<std::string> ocsp_servers;              // AIA id-ad-ocsp URIs
  std::vector<std::string> issuing_certificate_urls;  // AIA id-ad-caIssuers URIs
  std::vector<std::string> policy_identifiers;        // dotted OIDs
  NameConstraints name_constraints;
  // extra_extensions are added after the ones built above; one with the OID of a built
  // extension replaces it (as Go's ExtraExtensions). Two with the same OID are an error.
  std::vector<Extension> extra_extensions;
  // subject_key_id adds the SKI: SHA-1 of the subject public key bits (RFC 5280 §4.2.1.2 (1)).
  bool subject_key_id = true;
  // explicit_subject_key_id, when non-empty, is the SKI written instead of the hash (a template's
  // "subjectKeyId"; Go uses it as given). Ignored when subject_key_id is false.
  std::string explicit_subject_key_id;
  // explicit_authority_key_id is the AKI keyIdentifier when Go would not take the issuer's SKI:
  // self-issued certificates and issuers without an SKI (a template's "authorityKeyId").
  std::string explicit_authority_key_id;
  // signature_algorithm is Go's name of the signature algorithm ("ECDSA-SHA384", "SHA512-RSA",
  // "SHA256-RSAPSS", "Ed25519", ...; case ignored); empty means crypto::DefaultHashFor the
  // issuer key. It must suit the issuer's key.
  std::string signature_algorithm;
};

// SignCertificate builds a version 3 certificate from `tmpl` for `subject_key`, issued by
// `issuer` (nullptr: self-signed, the issuer name is the subject and `issuer_signer` must hold
// `subject_key`), and signs it through `issuer_signer` with crypto::DefaultHashFor its key.
// Extensions, in Go's order: keyUsage, extKeyUsage, basicConstraints, SKI, AKI (keyIdentifier =
// issuer's SKI, only when the issuer is another name and has an SKI; else
// explicit_authority_key_id if set), AIA, subjectAltName (omitted without SANs; critical when
// the subject is empty, RFC 5280 §4.2.1.6), certificate policies, name constraints, CRL
// distribution points, then extra_extensions.
// With a signature_algorithm the certificate is signed with that digest (and RSASSA-PSS with
// salt length = digest length, MGF1 with the same digest, for the *-RSAPSS names; PSS needs a
// crypto::KeySigner, the only Signer whose key pki can drive with PSS padding).
// Fails with kInvalidArgument on a bad template (missing/invalid serial, notAfter not after
// notBefore, invalid names, OIDs, IPs, CIDRs or GeneralNames, duplicate extensions, an unknown,
// insecure (SHA-1, MD5) or key-mismatched signature algorithm), kUnimplemented for PSS through
// another Signer, kFailedPrecondition when the signer's key is not the issuer's, or the signer's
// failure. Thread-safe.
Result<Certificate> SignCertificate(const CertificateTemplate& tmpl,
                                    const crypto::PublicKey& subject_key, const Certificate* issuer,
                                    const crypto::Signer& issuer_signer);

// RenewCertificate issues the renewal (same `subject_key`) or rekey (a new key) of `old`, as
// step-ca does: the same raw subject and every extension of `old` in order except the
// authorityKeyIdentifier (and the subjectKeyIdentifier when the key changed), preceded by a
// fresh SKI when the key changed and a fresh AKI from `issuer`; a new serial and validity.
// Fails as SignCertificate.
Result<Certificate> RenewCertificate(const Certificate& old, const std::string& new_serial,
                                     Time not_before, Time not_after,
                                     const crypto::PublicKey& subject_key,
                                     const Certificate& issuer, const crypto::Signer& signer);

// RandomSerial returns a uniformly random positive integer below 2^128, in decimal (step-ca's
// serial numbers). Fails only if `random` fails.
Result<std::string> RandomSerial(Random& random);

}  // namespace cairn::pki
