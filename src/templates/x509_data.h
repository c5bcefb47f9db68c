#pragma once

// The data step-ca gives its X.509 templates (go.step.sm/crypto x509util, stepca.md §6.1), as
// template Values, and the JSON forms of a CSR and of a certificate-to-be that step-ca's
// webhooks receive (webhook.X509CertificateRequest / webhook.X509Certificate).
//
// Values follow x509util's Go types: Struct type names ("x509util.Subject",
// "x509util.CertificateRequest", "*rsa.PublicKey", ...), Go field names for templates and the
// json tags for toJson. Where a Go value prints or marshals through a method the Value model
// cannot carry, the JSON form wins (templates feed `toJson` output back into the certificate):
//   - byte slices (RawSubject, Signature, key ids) are base64 strings, as encoding/json writes
//     them;
//   - KeyUsage / ExtKeyUsage are lists of names, IP addresses and URIs lists of strings;
//   - a nil Go slice is an empty list (so `len`, `range` and `index` work), which toJson writes
//     as [] where Go writes null; CertificateRequestJson/CertificateJson below are exact.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "crypto/key.h"
#include "pki/builder.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "pki/name.h"
#include "templates/value.h"

namespace cairn::templates {

// SanEntry is one x509util.SubjectAlternativeName: its type ("dns", "email", "ip", "uri",
// "permanentIdentifier", ...) and value.
struct SanEntry {
  std::string type;
  std::string value;
  bool operator==(const SanEntry&) const = default;
};

// CreateSans classifies free-form names as x509util.CreateSANs does (pki::SplitSans's rules):
// all DNS names first, then IPs (canonical text), emails, URIs; empty names are skipped.
// Thread-safe.
std::vector<SanEntry> CreateSans(const std::vector<std::string>& names);

// SubjectValue returns `name` as an x509util.Subject: Go fields Country, Organization,
// OrganizationalUnit, Locality, Province, StreetAddress, PostalCode (lists), SerialNumber,
// CommonName, ExtraNames (x509util.DistinguishedName {Type, Value}), with x509util's json
// names and omitempty (so toJson of {CN: "x"} is {"commonName":"x"}). Thread-safe.
Value SubjectValue(const pki::Name& name);

// SansValue returns CreateSans(names) as a list of x509util.SubjectAlternativeName (Go fields
// Type, Value, ASN1Value; json type, value, asn1Value omitempty): what step puts in `.SANs`.
Value SansValue(const std::vector<std::string>& names);
// SansValueOf is SansValue for already-typed entries (e.g. ACME's permanentIdentifier).
Value SansValueOf(const std::vector<SanEntry>& sans);

// PublicKeyValue returns the Go value of a public key as templates see it: a Struct of type
// "*rsa.PublicKey" (N as decimal text, E; plus Size, the modulus length in bytes, standing in
// for the method), "*ecdsa.PublicKey" (Curve.Params.Name/BitSize, X, Y as decimal text) or
// "ed25519.PublicKey" (no fields), so `typeIs "*rsa.PublicKey" .Insecure.CR.PublicKey` works.
// Other kinds (and unreadable keys) give nil. Thread-safe.
Value PublicKeyValue(const crypto::PublicKey& key);

// PublicKeyAlgorithmName returns Go's x509.PublicKeyAlgorithm name: "RSA", "ECDSA", "Ed25519",
// or "0" (Go's text for an unknown algorithm).
std::string PublicKeyAlgorithmName(const crypto::PublicKey& key);

// CertificateRequestValue returns the CSR as x509util.NewCertificateRequestFromX509 builds
// `.Insecure.CR`: Version, Subject, RawSubject, DNSNames, EmailAddresses, IPAddresses, URIs,
// SANs (empty), Extensions (the SAN extension marked critical when the subject is empty),
// KeyUsage, ExtKeyUsage, UnknownExtKeyUsage, BasicConstraints (parsed from the requested
// extensions; malformed ones are ignored, as in Go), SignatureAlgorithm (always "", as step),
// and the json:"-" fields ChallengePassword, PublicKey, PublicKeyAlgorithm, Signature, Signer.
// Thread-safe.
Value CertificateRequestValue(const pki::CertificateRequest& csr);

// CertificateValue returns a certificate as templates see a Go *x509.Certificate (e.g.
// `.AuthorizationCrt` of X5C): Raw, SerialNumber (decimal text), Issuer and Subject (pkix.Name:
// Country ... CommonName, Names), NotBefore, NotAfter, KeyUsage (bits), IsCA, MaxPathLen,
// DNSNames, EmailAddresses, IPAddresses, URIs, SubjectKeyId, AuthorityKeyId, PublicKey,
// PublicKeyAlgorithm, SignatureAlgorithm. A subset of Go's fields: the ones templates read.
// Thread-safe.
Value CertificateValue(const pki::Certificate& cert);

// X509TemplateData is what the authority knows when it renders an X.509 template.
struct X509TemplateData {
  // subject / sans become `.Subject` / `.SANs` when set (IID provisioners leave SANs unset).
  std::optional<pki::Name> subject;
  std::optional<std::vector<SanEntry>> sans;
  // token becomes `.Token` (the token's claims, usually a Map) unless nil.
  Value token;
  // csr becomes `.Insecure.CR`.
  std::optional<pki::CertificateRequest> csr;
  // user becomes `.Insecure.User` unless nil (step only passes it to custom templates).
  Value user;
  // authorization_crt / authorization_chain become `.AuthorizationCrt` / `.AuthorizationChain`
  // (X5C) when set.
  std::optional<pki::Certificate> authorization_crt;
  std::vector<pki::Certificate> authorization_chain;
  // webhooks becomes `.Webhooks` (name -> enriching webhook data) unless empty.
  Map webhooks;
  // provisioner_data is the provisioner's templateData: its keys are set at the top level over
  // the keys above (step unmarshals it into the same map), before Webhooks and Insecure.
  Map provisioner_data;
};

// X509DataValue builds the template data Map from `data`, in step's order (see the fields).
// Thread-safe.
Value X509DataValue(const X509TemplateData& data);

// SubjectJson returns x509util.Subject's JSON for `name` (omitempty fields).
nlohmann::ordered_json SubjectJson(const pki::Name& name);

// CertificateRequestJson returns the `x509CertificateRequest` of a step-ca webhook request:
// x509util.CertificateRequest's JSON exactly as Go marshals it (nil slices as null, key usages
// as names, "signatureAlgorithm": ""), plus "publicKey" (base64 DER SubjectPublicKeyInfo),
// "publicKeyAlgorithm" and "raw" (base64 DER of the CSR). Thread-safe.
nlohmann::ordered_json CertificateRequestJson(const pki::CertificateRequest& csr);

// CertificateJson returns the `x509Certificate` of a step-ca webhook request for the
// certificate about to be signed from `tmpl` for `key`: x509util.Certificate's JSON (subject,
// sans as typed entries — step's default templates set "sans", not "dnsNames" —, extensions,
// key usages, key ids, URLs, policies, basic and name constraints, signatureAlgorithm), plus
// "publicKey", "publicKeyAlgorithm", "notBefore", "notAfter" (RFC 3339) and "raw": null.
// "serialNumber" is null unless `include_serial` (step sends the template's serial, usually
// none); a serial beyond 64 bits is then written as a decimal string (nlohmann cannot carry
// Go's big JSON number). Thread-safe.
nlohmann::ordered_json CertificateJson(const pki::CertificateTemplate& tmpl,
                                       const crypto::PublicKey& key, bool include_serial = false);

}  // namespace cairn::templates
