#pragma once

// step's built-in X.509 templates (go.step.sm/crypto x509util/templates.go, stepca.md §6.2) and
// the JSON certificate schema a rendered template produces (x509util.Certificate, §6.4), turned
// into a pki::CertificateTemplate the builder signs.

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "pki/builder.h"
#include "pki/name.h"

namespace cairn::templates {

// kDefaultLeafTemplate is x509util.DefaultLeafTemplate: subject and SANs from the data, key
// usage digitalSignature (+keyEncipherment for RSA keys), EKU serverAuth + clientAuth. JWK,
// X5C, OIDC (non-admin), ACME (non-attested), SCEP, Nebula use it.
inline constexpr std::string_view kDefaultLeafTemplate = R"({
	"subject": {{ toJson .Subject }},
	"sans": {{ toJson .SANs }},
{{- if typeIs "*rsa.PublicKey" .Insecure.CR.PublicKey }}
	"keyUsage": ["keyEncipherment", "digitalSignature"],
{{- else }}
	"keyUsage": ["digitalSignature"],
{{- end }}
	"extKeyUsage": ["serverAuth", "clientAuth"]
})";

// kDefaultIidLeafTemplate is x509util.DefaultIIDLeafTemplate (AWS, GCP, Azure): the CSR's
// common name; `.SANs` when set (disableCustomSANs), else the CSR's names.
inline constexpr std::string_view kDefaultIidLeafTemplate = R"({
	"subject": {"commonName": {{ toJson .Insecure.CR.Subject.CommonName }}},
{{- if .SANs }}
	"sans": {{ toJson .SANs }},
{{- else }}
	"dnsNames": {{ toJson .Insecure.CR.DNSNames }},
	"emailAddresses": {{ toJson .Insecure.CR.EmailAddresses }},
	"ipAddresses": {{ toJson .Insecure.CR.IPAddresses }},
	"uris": {{ toJson .Insecure.CR.URIs }},
{{- end }}
{{- if typeIs "*rsa.PublicKey" .Insecure.CR.PublicKey }}
	"keyUsage": ["keyEncipherment", "digitalSignature"],
{{- else }}
	"keyUsage": ["digitalSignature"],
{{- end }}
	"extKeyUsage": ["serverAuth", "clientAuth"]
})";

// kDefaultAdminLeafTemplate is x509util.DefaultAdminLeafTemplate (OIDC admins, K8sSA): subject
// and names copied from the CSR.
inline constexpr std::string_view kDefaultAdminLeafTemplate = R"({
	"subject": {{ toJson .Insecure.CR.Subject }},
	"dnsNames": {{ toJson .Insecure.CR.DNSNames }},
	"emailAddresses": {{ toJson .Insecure.CR.EmailAddresses }},
	"ipAddresses": {{ toJson .Insecure.CR.IPAddresses }},
	"uris": {{ toJson .Insecure.CR.URIs }},
{{- if typeIs "*rsa.PublicKey" .Insecure.CR.PublicKey }}
	"keyUsage": ["keyEncipherment", "digitalSignature"],
{{- else }}
	"keyUsage": ["digitalSignature"],
{{- end }}
	"extKeyUsage": ["serverAuth", "clientAuth"]
})";

// kDefaultAttestedLeafTemplate is x509util.DefaultAttestedLeafTemplate (ACME device-attest-01):
// as the leaf template with EKU clientAuth only.
inline constexpr std::string_view kDefaultAttestedLeafTemplate = R"({
	"subject": {{ toJson .Subject }},
	"sans": {{ toJson .SANs }},
{{- if typeIs "*rsa.PublicKey" .Insecure.CR.PublicKey }}
	"keyUsage": ["keyEncipherment", "digitalSignature"],
{{- else }}
	"keyUsage": ["digitalSignature"],
{{- end }}
	"extKeyUsage": ["clientAuth"]
})";

// kDefaultIntermediateTemplate is x509util.DefaultIntermediateTemplate: certSign + crlSign, a CA
// with pathlen 0.
inline constexpr std::string_view kDefaultIntermediateTemplate = R"({
	"subject": {{ toJson .Subject }},
	"keyUsage": ["certSign", "crlSign"],
	"basicConstraints": {
		"isCA": true,
		"maxPathLen": 0
	}
})";

// kDefaultRootTemplate is x509util.DefaultRootTemplate: self-issued, certSign + crlSign, a CA
// with pathlen 1.
inline constexpr std::string_view kDefaultRootTemplate = R"({
	"subject": {{ toJson .Subject }},
	"issuer": {{ toJson .Subject }},
	"keyUsage": ["certSign", "crlSign"],
	"basicConstraints": {
		"isCA": true,
		"maxPathLen": 1
	}
})";

// kCertificateRequestTemplate is x509util.CertificateRequestTemplate: sign the CSR as it is.
inline constexpr std::string_view kCertificateRequestTemplate = R"({{ toJson .Insecure.CR }})";

// kDefaultCsrTemplate is x509util.DefaultCertificateRequestTemplate (what `step certificate
// create --csr` renders to build a CSR).
inline constexpr std::string_view kDefaultCsrTemplate = R"({
	"subject": {{ toJson .Subject }},
	"sans": {{ toJson .SANs }}
})";

// kMaxRenderedTemplate bounds the rendered template text ParseCertificateJson accepts (1 MiB).
inline constexpr size_t kMaxRenderedTemplate = 1 << 20;
// kMaxTemplateJsonDepth bounds the nesting of the rendered JSON.
inline constexpr int kMaxTemplateJsonDepth = 32;
// kMaxTemplateSans bounds the subject alternative names of one certificate (all kinds).
inline constexpr size_t kMaxTemplateSans = 1000;
// kMaxTemplateListItems bounds every other list of the schema (extensions, URLs, OIDs, name
// constraints, key usages, subject attributes).
inline constexpr size_t kMaxTemplateListItems = 1000;

// ParsedX509 is a rendered X.509 template: the certificate template and what the template set,
// so the authority knows which values are the template's and which it must supply (the CA
// always sets the issuer and public key; serial and validity only when not set here).
struct ParsedX509 {
  pki::CertificateTemplate tmpl;
  // issuer is the template's "issuer" (accepted, never used: the CA signs with its own name).
  std::optional<pki::Name> issuer;
  // has_* report which schema fields were given with a non-empty value.
  bool has_serial = false;
  bool has_not_before = false;  // a zero Go time ("0001-01-01T00:00:00Z") counts as unset
  bool has_not_after = false;
  bool has_subject = false;      // "subject" present (even {})
  bool has_raw_subject = false;  // "rawSubject" non-empty (then it is the subject)
  bool has_sans = false;         // any SAN in dnsNames, emailAddresses, ipAddresses, uris, sans
  bool has_key_usage = false;
  bool has_ext_key_usage = false;  // extKeyUsage or unknownExtKeyUsage
  bool has_basic_constraints = false;
  bool has_name_constraints = false;
  bool has_subject_key_id = false;
  bool has_authority_key_id = false;
  bool has_signature_algorithm = false;
  // san_extension_given reports an explicit subjectAltName (2.5.29.17) in "extensions": as in
  // x509util, it replaces every SAN field, which are then ignored (tmpl.sans stays empty).
  bool san_extension_given = false;
};

// ParseCertificateJson decodes `rendered` (the output of an X.509 template) with the schema of
// x509util.Certificate (stepca.md §6.4), matching object keys case-insensitively and ignoring
// unknown keys and anything after the first JSON value, as Go's json.Decoder does. It fills
// tmpl.subject (or raw_subject_der), serial_decimal (only when given), not_before/not_after
// (only when given), sans and other_sans, extra_extensions, key usages, key ids, AIA and CRL
// URLs, policies, basic and name constraints and the signature algorithm. SAN types: dns,
// email, ip, uri, auto (or ""), dn, registeredID, permanentIdentifier, hardwareModuleName,
// userPrincipalName and otherName by OID ("[type:]value" with step's ASN.1 types); x400Address
// and ediPartyName are refused ("unimplemented", as in x509util).
// Fails with kInvalidArgument naming the offending field ("sans[2]: ...", "keyUsage: ...") on
// malformed JSON or values, beyond kMaxRenderedTemplate / kMaxTemplateJsonDepth /
// kMaxTemplateSans / kMaxTemplateListItems. Thread-safe.
Result<ParsedX509> ParseCertificateJson(std::string_view rendered);

// ParseNameJson decodes an x509util.Name ("subject"/"issuer" shape, or a string meaning the
// common name) from JSON text. Fails with kInvalidArgument as ParseCertificateJson.
Result<pki::Name> ParseNameJson(std::string_view json_text);

}  // namespace cairn::templates
