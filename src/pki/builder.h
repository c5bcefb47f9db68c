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
  // extra_extensions are added after the ones built above; one with the OID of a built
  // extension replaces it (as Go's ExtraExtensions). Two with the same OID are an error.
  std::vector<Extension> extra_extensions;
  // subject_key_id adds the SKI: SHA-1 of the subject public key bits (RFC 5280 §4.2.1.2 (1)).
  bool subject_key_id = true;
};

// SignCertificate builds a version 3 certificate from `tmpl` for `subject_key`, issued by
// `issuer` (nullptr: self-signed, the issuer name is the subject and `issuer_signer` must hold
// `subject_key`), and signs it through `issuer_signer` with crypto::DefaultHashFor its key.
// Extensions, in Go's order: keyUsage, extKeyUsage, basicConstraints, SKI, AKI (keyIdentifier =
// issuer's SKI, only when the issuer is another name and has an SKI), AIA, subjectAltName
// (omitted without SANs; critical when the subject is empty, RFC 5280 §4.2.1.6), certificate
// policies, CRL distribution points, then extra_extensions.
// Fails with kInvalidArgument on a bad template (missing/invalid serial, notAfter not after
// notBefore, invalid names, OIDs or IPs, duplicate extensions), kFailedPrecondition when the
// signer's key is not the issuer's, or the signer's failure. Thread-safe.
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
