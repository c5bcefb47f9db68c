#include "ssh/certificate.h"

#include <array>

#include "ssh/internal/text.h"
#include "ssh/wire.h"

namespace cairn::ssh {
namespace {

constexpr std::string_view kCertSuffix = "-cert-v01@openssh.com";

// PlainKeyType maps a certificate type name to the type of the key it certifies, or "".
std::string_view PlainKeyType(std::string_view cert_type) {
  if (!cert_type.ends_with(kCertSuffix)) return "";
  std::string_view plain = cert_type.substr(0, cert_type.size() - kCertSuffix.size());
  for (std::string_view known :
       {kKeyEd25519, kKeyEcdsaP256, kKeyEcdsaP384, kKeyEcdsaP521, kKeyRsa}) {
    if (plain == known) return known;
  }
  return "";
}

// ParseOptions decodes a critical options or extensions field (PROTOCOL.certkeys "Critical
// options"): a sequence of (string name, string data), strictly sorted by name; data is empty
// or exactly one string, the value.
Result<std::map<std::string, std::string>> ParseOptions(std::string_view field,
                                                        std::string_view what) {
  std::map<std::string, std::string> out;
  WireReader r(field);
  std::string_view previous;
  while (!r.empty()) {
    if (out.size() == kMaxOptions) {
      return ResourceExhaustedError("ssh: more than " + std::to_string(kMaxOptions) + " " +
                                    std::string(what));
    }
    CAIRN_ASSIGN_OR_RETURN(std::string_view name, r.ReadCString(kMaxOptionNameLength));
    CAIRN_ASSIGN_OR_RETURN(std::string_view data, r.ReadString());
    if (!out.empty() && name <= previous) {
      return InvalidArgumentError("ssh: " + std::string(what) +
                                  " are not sorted by name or repeat a name");
    }
    previous = name;
    std::string value;
    if (!data.empty()) {
      WireReader d(data);
      auto inner = d.ReadString();
      if (!inner.ok() || !d.empty()) {
        return InvalidArgumentError("ssh: malformed value of " + std::string(what) +
                                    internal::Quoted(name));
      }
      value = std::string(*inner);
    }
    out.emplace(std::string(name), std::move(value));
  }
  return out;
}

// CheckOptions validates template options before encoding.
Status CheckOptions(const std::map<std::string, std::string>& options, std::string_view what) {
  if (options.size() > kMaxOptions) {
    return ResourceExhaustedError("ssh: more than " + std::to_string(kMaxOptions) + " " +
                                  std::string(what));
  }
  for (const auto& [name, value] : options) {
    if (name.empty() || name.find('\0') != std::string::npos) {
      return InvalidArgumentError("ssh: invalid name in " + std::string(what));
    }
    if (name.size() > kMaxOptionNameLength) {
      return ResourceExhaustedError("ssh: name in " + std::string(what) + " longer than " +
                                    std::to_string(kMaxOptionNameLength) + " bytes");
    }
    if (value.size() > kMaxCertificate) {
      return ResourceExhaustedError("ssh: value in " + std::string(what) + " too long");
    }
  }
  return Status();
}

// EncodeOptions encodes options sorted by name (std::map's order is byte order, which is
// OpenSSH's strcmp order): string name, then empty data for "" or string(value) wrapped in
// the data string.
std::string EncodeOptions(const std::map<std::string, std::string>& options) {
  WireWriter w;
  for (const auto& [name, value] : options) {
    w.PutString(name);
    if (value.empty()) {
      w.PutString("");
    } else {
      WireWriter inner;
      inner.PutString(value);
      w.PutString(inner.data());
    }
  }
  return w.Take();
}

}  // namespace

std::string_view CertTypeName(CertType type) {
  switch (type) {
    case CertType::kUser:
      return "user";
    case CertType::kHost:
      return "host";
  }
  return "";
}

std::string CertificateTypeName(std::string_view key_type) {
  for (std::string_view known :
       {kKeyEd25519, kKeyEcdsaP256, kKeyEcdsaP384, kKeyEcdsaP521, kKeyRsa}) {
    if (key_type == known) return std::string(key_type) + std::string(kCertSuffix);
  }
  return "";
}

std::map<std::string, std::string> DefaultUserExtensions() {
  return {
      {"permit-X11-forwarding", ""},  {"permit-agent-forwarding", ""},
      {"permit-port-forwarding", ""}, {"permit-pty", ""},
      {"permit-user-rc", ""},
  };
}

Result<Certificate> Certificate::Parse(std::string_view wire) {
  if (wire.size() > kMaxCertificate) {
    return ResourceExhaustedError("ssh: certificate longer than " +
                                  std::to_string(kMaxCertificate) + " bytes");
  }
  WireReader r(wire);
  CAIRN_ASSIGN_OR_RETURN(std::string_view type_name, r.ReadString(256));
  const std::string_view plain_type = PlainKeyType(type_name);
  if (plain_type.empty()) {
    return InvalidArgumentError("ssh: unsupported key type" + internal::Quoted(type_name) +
                                " (want an OpenSSH v01 certificate)");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string_view nonce, r.ReadString(kMaxNonceLength));
  CAIRN_ASSIGN_OR_RETURN(PublicKey key, PublicKey::ParseFields(plain_type, r));
  CAIRN_ASSIGN_OR_RETURN(uint64_t serial, r.ReadUint64());
  CAIRN_ASSIGN_OR_RETURN(uint32_t type, r.ReadUint32());
  if (type != static_cast<uint32_t>(CertType::kUser) &&
      type != static_cast<uint32_t>(CertType::kHost)) {
    return InvalidArgumentError("ssh: certificate type " + std::to_string(type) +
                                " is neither user (1) nor host (2)");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string_view key_id, r.ReadCString(kMaxKeyIdLength));
  CAIRN_ASSIGN_OR_RETURN(std::string_view principals_field, r.ReadString());
  std::vector<std::string> principals;
  WireReader p(principals_field);
  while (!p.empty()) {
    if (principals.size() == kMaxPrincipals) {
      return ResourceExhaustedError("ssh: more than " + std::to_string(kMaxPrincipals) +
                                    " principals");
    }
    CAIRN_ASSIGN_OR_RETURN(std::string_view principal, p.ReadCString(kMaxPrincipalLength));
    principals.emplace_back(principal);
  }
  CAIRN_ASSIGN_OR_RETURN(uint64_t valid_after, r.ReadUint64());
  CAIRN_ASSIGN_OR_RETURN(uint64_t valid_before, r.ReadUint64());
  CAIRN_ASSIGN_OR_RETURN(std::string_view critical_field, r.ReadString());
  CAIRN_ASSIGN_OR_RETURN(auto critical_options, ParseOptions(critical_field, "critical options"));
  CAIRN_ASSIGN_OR_RETURN(std::string_view extensions_field, r.ReadString());
  CAIRN_ASSIGN_OR_RETURN(auto extensions, ParseOptions(extensions_field, "extensions"));
  CAIRN_ASSIGN_OR_RETURN(std::string_view reserved, r.ReadString());
  CAIRN_ASSIGN_OR_RETURN(std::string_view signature_key_blob, r.ReadString(kMaxKeyBlob));
  // "Chained" certificates (a certificate as signature key) are not supported by OpenSSH;
  // PublicKey::Parse refuses certificate types as unsupported.
  auto signature_key = PublicKey::Parse(signature_key_blob);
  if (!signature_key.ok()) return signature_key.status().Annotate("signature key");
  const size_t signed_len = r.offset();
  CAIRN_ASSIGN_OR_RETURN(std::string_view signature, r.ReadString());
  CAIRN_RETURN_IF_ERROR(r.ExpectEnd("certificate"));
  CAIRN_ASSIGN_OR_RETURN(std::string_view format, SignatureFormat(signature));

  Certificate cert(std::move(key), std::move(signature_key).value());
  cert.wire_ = std::string(wire);
  cert.signed_len_ = signed_len;
  cert.type_name_ = std::string(type_name);
  cert.nonce_ = std::string(nonce);
  cert.serial_ = serial;
  cert.type_ = static_cast<CertType>(type);
  cert.key_id_ = std::string(key_id);
  cert.principals_ = std::move(principals);
  cert.valid_after_ = valid_after;
  cert.valid_before_ = valid_before;
  cert.critical_options_ = std::move(critical_options);
  cert.extensions_ = std::move(extensions);
  cert.reserved_ = std::string(reserved);
  cert.signature_ = std::string(signature);
  cert.signature_format_ = std::string(format);
  return cert;
}

Result<Certificate> Certificate::ParseAuthorizedKey(std::string_view line,
                                                    std::string* out_comment) {
  CAIRN_ASSIGN_OR_RETURN(auto parts, internal::SplitAuthorizedLine(line, kMaxCertificate));
  CAIRN_ASSIGN_OR_RETURN(Certificate cert, Parse(parts.blob));
  if (cert.type_name() != parts.type) {
    return InvalidArgumentError("ssh: key line type" + internal::Quoted(parts.type) +
                                " does not match its certificate (" + cert.type_name() + ")");
  }
  if (out_comment != nullptr) *out_comment = std::move(parts.comment);
  return cert;
}

std::string Certificate::MarshalAuthorizedKey(std::string_view comment) const {
  return internal::JoinAuthorizedLine(type_name_, wire_, comment);
}

Status Certificate::Verify() const {
  Status s = VerifySignature(signature_key_, signed_data(), signature_);
  if (!s.ok()) return s.Annotate("ssh: certificate signature");
  return s;
}

Status Certificate::CheckValidity(Time now) const {
  const int64_t seconds = ToUnixSeconds(now);
  const uint64_t t = seconds < 0 ? 0 : static_cast<uint64_t>(seconds);
  if (t < valid_after_) return UnauthenticatedError("ssh: certificate is not yet valid");
  if (t >= valid_before_) return UnauthenticatedError("ssh: certificate has expired");
  return Status();
}

Status Certificate::CheckValidFor(CertType type, std::string_view principal, Time now) const {
  if (type_ != type) {
    return UnauthenticatedError("ssh: certificate is a " + std::string(CertTypeName(type_)) +
                                " certificate, want " + std::string(CertTypeName(type)));
  }
  if (principals_.empty()) {
    return UnauthenticatedError("ssh: certificate lacks a principal list");
  }
  bool found = false;
  for (const auto& p : principals_) found = found || p == principal;
  if (!found) {
    return UnauthenticatedError("ssh: principal" + internal::Quoted(principal) +
                                " is not in the certificate");
  }
  return CheckValidity(now);
}

Result<Certificate> SignCertificate(const CertificateTemplate& tmpl, const crypto::Signer& ca,
                                    Random& random, SignatureAlgorithm alg) {
  if (tmpl.type != CertType::kUser && tmpl.type != CertType::kHost) {
    return InvalidArgumentError("ssh: certificate type must be user or host");
  }
  if (tmpl.key_id.find('\0') != std::string::npos) {
    return InvalidArgumentError("ssh: key id contains a NUL byte");
  }
  if (tmpl.key_id.size() > kMaxKeyIdLength) {
    return ResourceExhaustedError("ssh: key id longer than " + std::to_string(kMaxKeyIdLength) +
                                  " bytes");
  }
  if (tmpl.principals.empty() && !tmpl.allow_any_principal) {
    return InvalidArgumentError(
        "ssh: certificate principals cannot be empty (an empty list is valid for any principal)");
  }
  if (tmpl.principals.size() > kMaxPrincipals) {
    return ResourceExhaustedError("ssh: more than " + std::to_string(kMaxPrincipals) +
                                  " principals");
  }
  for (const auto& p : tmpl.principals) {
    if (p.empty() || p.find('\0') != std::string::npos) {
      return InvalidArgumentError("ssh: principals must be non-empty and contain no NUL byte");
    }
    if (p.size() > kMaxPrincipalLength) {
      return ResourceExhaustedError("ssh: principal longer than " +
                                    std::to_string(kMaxPrincipalLength) + " bytes");
    }
  }
  if (tmpl.valid_after >= tmpl.valid_before) {
    return InvalidArgumentError("ssh: valid_after must be before valid_before");
  }
  CAIRN_RETURN_IF_ERROR(CheckOptions(tmpl.critical_options, "critical options"));
  CAIRN_RETURN_IF_ERROR(CheckOptions(tmpl.extensions, "extensions"));
  if (tmpl.nonce.size() > kMaxNonceLength) {
    return ResourceExhaustedError("ssh: nonce longer than " + std::to_string(kMaxNonceLength) +
                                  " bytes");
  }
  auto ca_key = PublicKey::FromCrypto(ca.public_key());
  if (!ca_key.ok()) return ca_key.status().Annotate("CA key");
  // Refuse an unsuitable `alg` before drawing randomness or building anything.
  CAIRN_RETURN_IF_ERROR(SignatureFormatFor(ca_key->key_type(), alg));

  std::string nonce = tmpl.nonce;
  if (nonce.empty()) {
    CAIRN_ASSIGN_OR_RETURN(nonce, random.Bytes(kNonceLength));
  }

  const std::string type_name = CertificateTypeName(tmpl.key.type());
  WireWriter w;
  w.PutString(type_name);
  w.PutString(nonce);
  {
    // The certified key's fields are its blob without the leading type name.
    WireReader blob(tmpl.key.Marshal());
    CAIRN_RETURN_IF_ERROR(blob.ReadString());
    w.PutRaw(blob.rest());
  }
  w.PutUint64(tmpl.serial);
  w.PutUint32(static_cast<uint32_t>(tmpl.type));
  w.PutString(tmpl.key_id);
  WireWriter principals;
  for (const auto& p : tmpl.principals) principals.PutString(p);
  w.PutString(principals.data());
  w.PutUint64(tmpl.valid_after);
  w.PutUint64(tmpl.valid_before);
  w.PutString(EncodeOptions(tmpl.critical_options));
  w.PutString(EncodeOptions(tmpl.extensions));
  w.PutString("");  // reserved
  w.PutString(ca_key->Marshal());
  if (w.size() > kMaxCertificate) {
    return ResourceExhaustedError("ssh: certificate longer than " +
                                  std::to_string(kMaxCertificate) + " bytes");
  }
  const size_t signed_len = w.size();
  CAIRN_ASSIGN_OR_RETURN(std::string signature, SignData(ca, w.data(), alg));
  w.PutString(signature);
  if (w.size() > kMaxCertificate) {
    return ResourceExhaustedError("ssh: certificate longer than " +
                                  std::to_string(kMaxCertificate) + " bytes");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string_view format, SignatureFormat(signature));

  Certificate cert(tmpl.key, std::move(ca_key).value());
  cert.signature_format_ = std::string(format);
  cert.wire_ = w.Take();
  cert.signed_len_ = signed_len;
  cert.type_name_ = type_name;
  cert.nonce_ = std::move(nonce);
  cert.serial_ = tmpl.serial;
  cert.type_ = tmpl.type;
  cert.key_id_ = tmpl.key_id;
  cert.principals_ = tmpl.principals;
  cert.valid_after_ = tmpl.valid_after;
  cert.valid_before_ = tmpl.valid_before;
  cert.critical_options_ = tmpl.critical_options;
  cert.extensions_ = tmpl.extensions;
  cert.signature_ = std::move(signature);
  return cert;
}

}  // namespace cairn::ssh
