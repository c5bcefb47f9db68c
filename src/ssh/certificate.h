#pragma once

// OpenSSH certificates (PROTOCOL.certkeys, the "-cert-v01@openssh.com" key types): signing from
// a template, parsing from wire bytes or a .pub line, and verification.
//
// Layout (RFC 4251 types): string type, string nonce, <key fields of the certified key>,
// uint64 serial, uint32 type, string key id, string valid principals, uint64 valid after,
// uint64 valid before, string critical options, string extensions, string reserved, string
// signature key, string signature. The signature covers every byte before its own field.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "crypto/signer.h"
#include "ssh/key.h"
#include "ssh/signature.h"

namespace cairn::ssh {

// Bounds on certificates, enforced when parsing and when signing. Going over one fails with
// kResourceExhausted.
inline constexpr size_t kMaxCertificate = 64 << 10;  // whole wire encoding
inline constexpr size_t kMaxPrincipals = 256;        // entries of valid principals
inline constexpr size_t kMaxPrincipalLength = 256;   // bytes per principal
inline constexpr size_t kMaxOptions = 64;            // critical options; extensions likewise
inline constexpr size_t kMaxOptionNameLength = 256;  // bytes per option/extension name
inline constexpr size_t kMaxKeyIdLength = 1024;      // bytes of key id
inline constexpr size_t kMaxNonceLength = 1024;      // bytes of nonce
// kNonceLength is the size of the nonce SignCertificate draws when the template has none.
inline constexpr size_t kNonceLength = 32;
// kForever is the valid_before of a certificate that does not expire (valid_after 0 means
// "since the epoch"), as OpenSSH writes them.
inline constexpr uint64_t kForever = UINT64_MAX;

// CertType is a certificate's type field (SSH_CERT_TYPE_USER / SSH_CERT_TYPE_HOST).
enum class CertType : uint32_t { kUser = 1, kHost = 2 };

// CertTypeName returns "user" or "host" (step-ca's certType values), "" for anything else.
std::string_view CertTypeName(CertType type);

// CertificateTypeName returns the certificate key type for a plain key type, e.g.
// "ssh-ed25519" -> "ssh-ed25519-cert-v01@openssh.com", or "" when there is none.
std::string CertificateTypeName(std::string_view key_type);

// DefaultUserExtensions returns the extensions step-ca's default user template grants, all flags
// with empty values: permit-X11-forwarding, permit-agent-forwarding, permit-port-forwarding,
// permit-pty, permit-user-rc. (Host certificates get none.) Thread-safe.
std::map<std::string, std::string> DefaultUserExtensions();

// CertificateTemplate is what SignCertificate certifies. Build it with designated initializers;
// `key` has no default. Option and extension values are the strings OpenSSH expects (e.g.
// force-command's command); an empty value is encoded as empty data, as flags such as
// permit-pty are, and any other value as a string inside the data string.
struct CertificateTemplate {
  // key is the certified (subject) public key.
  PublicKey key;
  // serial is the certificate's serial number (0 means "unnumbered" to OpenSSH; step-ca uses a
  // random uint64).
  uint64_t serial = 0;
  // type is user or host.
  CertType type = CertType::kUser;
  // key_id is the free-form identity logged by sshd (at most kMaxKeyIdLength bytes, no NUL).
  std::string key_id;
  // principals are the user or host names the certificate is valid for (each non-empty, at most
  // kMaxPrincipalLength bytes, no NUL; at most kMaxPrincipals). Must not be empty unless
  // allow_any_principal is set.
  std::vector<std::string> principals;
  // allow_any_principal permits an empty principal list, which OpenSSH takes as "valid for ANY
  // principal" where it does not require a list (authorized_keys cert-authority lines). step-ca
  // refuses such certificates; so does SignCertificate unless this is set.
  bool allow_any_principal = false;
  // valid_after / valid_before are seconds since the epoch; the certificate is valid for
  // valid_after <= now < valid_before. 0 / kForever mean unbounded. valid_after must be below
  // valid_before.
  uint64_t valid_after = 0;
  uint64_t valid_before = kForever;
  // critical_options and extensions: name -> value, encoded sorted by name (names non-empty, at
  // most kMaxOptionNameLength bytes, no NUL; at most kMaxOptions entries each).
  std::map<std::string, std::string> critical_options;
  std::map<std::string, std::string> extensions;
  // nonce is used as given when not empty (at most kMaxNonceLength bytes); empty means
  // kNonceLength random bytes drawn from SignCertificate's Random.
  std::string nonce;
};

// Certificate is an immutable parsed or freshly signed OpenSSH certificate. It keeps its exact
// wire bytes. Parsing does NOT verify the signature and does not check validity; call Verify
// (and CheckValidFor), and check that signature_key() is a CA you trust. Thread-safe for
// concurrent const use.
class Certificate {
 public:
  // Parse reads a certificate in the wire format (the whole of `wire`). Fails with
  // kInvalidArgument when it is truncated, has trailing bytes, is of an unsupported certificate
  // type ("unsupported key type"), has an invalid certified or signature key (a certificate as
  // signature key included), a type other than user/host, a key id, principal or option name
  // with a NUL, options not strictly sorted by name (duplicates included), an
  // option value that is neither empty nor exactly one string, or a malformed signature field;
  // kResourceExhausted when a bound above is exceeded.
  static Result<Certificate> Parse(std::string_view wire);
  // ParseAuthorizedKey reads a .pub / authorized_keys line
  // "<type>-cert-v01@openssh.com base64 [comment]" (the form of PublicKey::ParseAuthorizedKey).
  // When `out_comment` is not null it receives the comment. Fails as
  // PublicKey::ParseAuthorizedKey and Parse.
  static Result<Certificate> ParseAuthorizedKey(std::string_view line,
                                                std::string* out_comment = nullptr);

  // type_name returns the certificate key type, e.g. "ssh-ed25519-cert-v01@openssh.com".
  const std::string& type_name() const { return type_name_; }
  // nonce returns the CA-chosen random bytes.
  const std::string& nonce() const { return nonce_; }
  // key returns the certified public key.
  const PublicKey& key() const { return key_; }
  // serial returns the serial number.
  uint64_t serial() const { return serial_; }
  // type returns user or host.
  CertType type() const { return type_; }
  // key_id returns the key id.
  const std::string& key_id() const { return key_id_; }
  // principals returns the valid principals (empty: OpenSSH treats it as any principal).
  const std::vector<std::string>& principals() const { return principals_; }
  // valid_after / valid_before return the validity window (seconds since the epoch).
  uint64_t valid_after() const { return valid_after_; }
  uint64_t valid_before() const { return valid_before_; }
  // critical_options / extensions return the decoded options (value "" for empty data).
  const std::map<std::string, std::string>& critical_options() const { return critical_options_; }
  const std::map<std::string, std::string>& extensions() const { return extensions_; }
  // reserved returns the reserved field (empty in every certificate OpenSSH makes).
  const std::string& reserved() const { return reserved_; }
  // signature_key returns the CA key the certificate claims to be signed by.
  const PublicKey& signature_key() const { return signature_key_; }
  // signature returns the signature blob (string format, string signature).
  const std::string& signature() const { return signature_; }
  // signature_format returns the signature's format, e.g. "rsa-sha2-512", "ssh-ed25519".
  const std::string& signature_format() const { return signature_format_; }
  // signed_data returns the bytes the signature covers (a view into this object).
  std::string_view signed_data() const { return std::string_view(wire_).substr(0, signed_len_); }

  // Marshal returns the wire encoding (exactly the bytes parsed or signed).
  const std::string& Marshal() const { return wire_; }
  // MarshalAuthorizedKey returns "type base64" followed by " comment" when `comment` is not
  // empty, and a newline, as ssh-keygen writes -cert.pub files.
  std::string MarshalAuthorizedKey(std::string_view comment = "") const;

  // Verify checks the signature against signature_key() (see ssh::VerifySignature: "ssh-rsa"
  // SHA-1 signatures are refused, rsa-sha2-256/512 accepted). It does not say whether that key
  // is trusted. Fails with kInvalidArgument when the signature does not verify.
  Status Verify() const;
  // CheckValidity fails with kUnauthenticated when `now` is outside valid_after <= now <
  // valid_before ("not yet valid" / "expired").
  Status CheckValidity(Time now) const;
  // CheckValidFor checks what sshd and ssh check besides the signature: the type is `type`,
  // `principal` is one of principals() (an empty list matches nothing here, as where OpenSSH
  // requires a principal list), and CheckValidity(now). Fails with kUnauthenticated.
  Status CheckValidFor(CertType type, std::string_view principal, Time now) const;

 private:
  friend Result<Certificate> SignCertificate(const CertificateTemplate&, const crypto::Signer&,
                                             Random&, SignatureAlgorithm);
  Certificate(PublicKey key, PublicKey signature_key)
      : key_(std::move(key)), signature_key_(std::move(signature_key)) {}

  std::string wire_;
  size_t signed_len_ = 0;
  std::string type_name_;
  std::string nonce_;
  PublicKey key_;
  uint64_t serial_ = 0;
  CertType type_ = CertType::kUser;
  std::string key_id_;
  std::vector<std::string> principals_;
  uint64_t valid_after_ = 0;
  uint64_t valid_before_ = 0;
  std::map<std::string, std::string> critical_options_;
  std::map<std::string, std::string> extensions_;
  std::string reserved_;
  PublicKey signature_key_;
  std::string signature_;
  std::string signature_format_;
};

// SignCertificate builds and signs a v01 certificate of type CertificateTypeName(key type) for
// `tmpl`, with `ca`'s public key as the signature key and `alg` choosing the RSA format
// (rsa-sha2-512 by default; rsa-sha2-256 on request; never ssh-rsa/SHA-1). Fails with
// kInvalidArgument when a template field is invalid (see CertificateTemplate), the CA key is of
// an unsupported kind, or `alg` does not suit it; kResourceExhausted over a bound; and with what
// `ca` or `random` fail with. Thread-safe when `ca` and `random` are.
Result<Certificate> SignCertificate(const CertificateTemplate& tmpl, const crypto::Signer& ca,
                                    Random& random,
                                    SignatureAlgorithm alg = SignatureAlgorithm::kDefault);

}  // namespace cairn::ssh
