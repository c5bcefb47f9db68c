#pragma once

// step's SSH certificate templates (go.step.sm/crypto sshutil, stepca.md §6.5): the data they
// see, the built-in templates, and the JSON schema a rendered template produces
// (sshutil.Certificate), decoded into an SshCertificateSpec for the SSH signer.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "pki/certificate.h"
#include "templates/value.h"

namespace cairn::templates {

// kDefaultSshTemplate is sshutil.DefaultTemplate: the five validated fields.
inline constexpr std::string_view kDefaultSshTemplate = R"({
	"type": {{ toJson .Type }},
	"keyId": {{ toJson .KeyID }},
	"principals": {{ toJson .Principals }},
	"extensions": {{ toJson .Extensions }},
	"criticalOptions": {{ toJson .CriticalOptions }}
})";

// kDefaultSshAdminTemplate is sshutil.DefaultAdminTemplate (OIDC admins): type, key id and
// principals from the request; extensions and critical options only for user certificates.
inline constexpr std::string_view kDefaultSshAdminTemplate = R"({
	"type": {{ toJson .Insecure.CR.Type }},
	"keyId": {{ toJson .Insecure.CR.KeyID }},
	"principals": {{ toJson .Insecure.CR.Principals }}
{{- if eq .Insecure.CR.Type "user" }}
	, "extensions": {{ toJson .Extensions }},
	"criticalOptions": {{ toJson .CriticalOptions }}
{{- end }}
})";

// kDefaultSshIidTemplate is sshutil.DefaultIIDTemplate (AWS, GCP, Azure): the request's
// principals when given, else the computed ones; never critical options.
inline constexpr std::string_view kDefaultSshIidTemplate = R"({
	"type": {{ toJson .Type }},
	"keyId": {{ toJson .KeyID }},
{{- if .Insecure.CR.Principals }}
	"principals": {{ toJson .Insecure.CR.Principals }},
{{- else }}
	"principals": {{ toJson .Principals }},
{{- end }}
	"extensions": {{ toJson .Extensions }}
})";

// kSshCertificateRequestTemplate is sshutil.CertificateRequestTemplate: whatever the request
// asks for, with the default user extensions for user certificates.
inline constexpr std::string_view kSshCertificateRequestTemplate = R"({
	"type": {{ toJson .Insecure.CR.Type }},
	"keyId": {{ toJson .Insecure.CR.KeyID }},
	"principals": {{ toJson .Insecure.CR.Principals }}
{{- if eq .Insecure.CR.Type "user" }}
	, "extensions": {
		"permit-X11-forwarding":   "",
		"permit-agent-forwarding": "",
		"permit-port-forwarding":  "",
		"permit-pty":              "",
		"permit-user-rc":          ""
	}
{{- end }}
})";

// SshCertType is an OpenSSH certificate type (PROTOCOL.certkeys: 1 user, 2 host).
enum class SshCertType { kUser = 1, kHost = 2 };

// SshCertTypeName returns "user" or "host".
std::string_view SshCertTypeName(SshCertType type);

// DefaultSshExtensions returns sshutil.DefaultExtensions: for user certificates
// permit-X11-forwarding, permit-agent-forwarding, permit-port-forwarding, permit-pty and
// permit-user-rc, all with empty values; none for host certificates.
std::map<std::string, std::string> DefaultSshExtensions(SshCertType type);

// SshRequestData is sshutil.CertificateRequest: what the client asked for, unvalidated
// (`.Insecure.CR`).
struct SshRequestData {
  // key_type is the key's SSH algorithm name ("ssh-ed25519", "ecdsa-sha2-nistp256",
  // "ssh-rsa", ...); empty when there is no key. It picks the Go type templates see
  // (`typeOf .Insecure.CR.Key`).
  std::string key_type;
  std::string type;  // "user", "host", or what the request said
  std::string key_id;
  std::vector<std::string> principals;
};

// SshTemplateData is what the authority knows when it renders an SSH template.
struct SshTemplateData {
  std::string type;  // "user" or "host" (.Type)
  std::string key_id;
  std::vector<std::string> principals;
  // extensions / critical_options become .Extensions / .CriticalOptions; nullopt leaves them
  // nil (toJson writes null), as step's data does for host certificates and unset options.
  std::optional<std::map<std::string, std::string>> extensions;
  std::optional<std::map<std::string, std::string>> critical_options;
  // token becomes .Token unless nil.
  Value token;
  // request becomes .Insecure.CR.
  SshRequestData request;
  // user becomes .Insecure.User unless nil (custom templates only).
  Value user;
  // authorization_crt / authorization_chain become .AuthorizationCrt / .AuthorizationChain.
  std::optional<pki::Certificate> authorization_crt;
  std::vector<pki::Certificate> authorization_chain;
  // webhooks becomes .Webhooks unless empty.
  Map webhooks;
  // provisioner_data (the provisioner's templateData) is set at the top level over the keys
  // above, before Webhooks and Insecure.
  Map provisioner_data;
};

// SshDataValue builds the template data Map: Type, KeyID, Principals, Extensions,
// CriticalOptions, Token, Insecure {CR {Key, Type, KeyID, Principals}, User},
// AuthorizationCrt, AuthorizationChain, Webhooks, plus provisioner_data. Thread-safe.
Value SshDataValue(const SshTemplateData& data);

// SshCertificateSpec is a rendered SSH template (sshutil.Certificate without the key and
// signature, which the CA supplies).
struct SshCertificateSpec {
  SshCertType type = SshCertType::kUser;
  std::string key_id;
  std::vector<std::string> principals;
  std::map<std::string, std::string> extensions;
  std::map<std::string, std::string> critical_options;
  // serial, valid_after and valid_before are set only when the template gives them (a zero Go
  // time or serial 0 counts as unset, as sshutil treats them).
  std::optional<uint64_t> serial;
  std::optional<Time> valid_after;
  std::optional<Time> valid_before;
  // nonce and reserved are raw bytes ("" when unset; the CA makes a nonce).
  std::string nonce;
  std::string reserved;
};

// kMaxSshListItems bounds principals, extensions and critical options of one certificate.
inline constexpr size_t kMaxSshListItems = 1000;

// ParseSshCertificateJson decodes `rendered` with sshutil.Certificate's schema: "type" ("user"
// or "host", case ignored; required), "keyId", "principals" (array of strings), "extensions" and
// "criticalOptions" (objects of strings), "serial" (unsigned integer), "validAfter" and
// "validBefore" (RFC 3339), "nonce" and "reserved" (base64). Keys match case-insensitively,
// unknown keys and anything after the first JSON value are ignored (Go's json.Decoder).
// Fails with kInvalidArgument naming the field, or beyond 1 MiB of text, 32 levels of nesting
// or kMaxSshListItems items. Thread-safe.
Result<SshCertificateSpec> ParseSshCertificateJson(std::string_view rendered);

}  // namespace cairn::templates
