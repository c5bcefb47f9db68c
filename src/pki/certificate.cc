#include "pki/certificate.h"

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/pem.h"
#include "pki/internal/x509_util.h"

namespace cairn::pki {
namespace {

GENERAL_NAMES* SanExtension(X509* x) {
  return static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
}

// OpenSSL's KU_* flags (X509_get_key_usage) to Go's bit numbering (pki::KeyUsage).
uint32_t FromOpensslKeyUsage(uint32_t ku) {
  uint32_t out = 0;
  if (ku & KU_DIGITAL_SIGNATURE) out |= kDigitalSignature;
  if (ku & KU_NON_REPUDIATION) out |= kContentCommitment;
  if (ku & KU_KEY_ENCIPHERMENT) out |= kKeyEncipherment;
  if (ku & KU_DATA_ENCIPHERMENT) out |= kDataEncipherment;
  if (ku & KU_KEY_AGREEMENT) out |= kKeyAgreement;
  if (ku & KU_KEY_CERT_SIGN) out |= kCertSign;
  if (ku & KU_CRL_SIGN) out |= kCrlSign;
  if (ku & KU_ENCIPHER_ONLY) out |= kEncipherOnly;
  if (ku & KU_DECIPHER_ONLY) out |= kDecipherOnly;
  return out;
}

std::string HashSuffix(int md_nid) {
  switch (md_nid) {
    case NID_sha1:
      return "SHA1";
    case NID_sha256:
      return "SHA256";
    case NID_sha384:
      return "SHA384";
    case NID_sha512:
      return "SHA512";
    case NID_md5:
      return "MD5";
    default:
      return std::string();
  }
}

}  // namespace

Result<Certificate> Certificate::FromDer(std::string_view der) {
  if (der.size() > kMaxCertificateDer) return InvalidArgumentError("certificate too large");
  const auto* start = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* p = start;
  ossl::UniquePtr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) {
    ossl::ClearErrors();
    return InvalidArgumentError("error parsing certificate: malformed DER");
  }
  if (p != start + der.size()) {
    return InvalidArgumentError("error parsing certificate: trailing data");
  }
  // Compute OpenSSL's extension cache now (single-threaded) and refuse certificates whose
  // standard extensions do not parse, as Go's x509.ParseCertificate does.
  X509_check_purpose(x.get(), -1, 0);
  if (X509_get_extension_flags(x.get()) & EXFLAG_INVALID) {
    ossl::ClearErrors();
    return InvalidArgumentError("error parsing certificate: malformed extension");
  }
  if (X509_get0_pubkey(x.get()) == nullptr) {
    ossl::ClearErrors();
    return InvalidArgumentError("error parsing certificate: unsupported public key");
  }
  return Certificate(std::move(x), std::string(der));
}

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  if (pem.size() > kMaxCertificateDer) return InvalidArgumentError("certificate PEM too large");
  CAIRN_ASSIGN_OR_RETURN(auto blocks, crypto::ParsePemBlocks(pem, kMaxCertificateDer));
  const crypto::PemBlock* found = nullptr;
  for (const auto& b : blocks) {
    if (b.type != "CERTIFICATE") continue;
    if (found != nullptr) return InvalidArgumentError("PEM contains more than one certificate");
    found = &b;
  }
  if (found == nullptr) return InvalidArgumentError("no CERTIFICATE PEM block found");
  return FromDer(found->bytes);
}

Result<std::vector<Certificate>> Certificate::ParsePemBundle(std::string_view pem) {
  if (pem.size() > kMaxBundleInput) return ResourceExhaustedError("certificate bundle too large");
  CAIRN_ASSIGN_OR_RETURN(auto blocks,
                         crypto::ParsePemBlocks(pem, kMaxBundleInput, kMaxBundleCertificates));
  std::vector<Certificate> certs;
  for (const auto& b : blocks) {
    if (b.type != "CERTIFICATE") continue;
    auto c = FromDer(b.bytes);
    if (!c.ok()) return c.status().Annotate("certificate " + std::to_string(certs.size() + 1));
    certs.push_back(std::move(c).value());
  }
  if (certs.empty()) return InvalidArgumentError("no CERTIFICATE PEM block found");
  return certs;
}

Result<Certificate> Certificate::FromX509(X509* x509) {
  if (x509 == nullptr) return InvalidArgumentError("null certificate");
  unsigned char* out = nullptr;
  int n = i2d_X509(x509, &out);
  if (n <= 0) return ossl::ErrorStatus("i2d_X509", StatusCode::kInvalidArgument);
  ossl::UniquePtr<unsigned char> owned(out);
  return FromDer(std::string_view(reinterpret_cast<char*>(out), static_cast<size_t>(n)));
}

Certificate Certificate::FromSigned(ossl::UniquePtr<X509> built, std::string der,
                                    crypto::PublicKey key) {
  // OpenSSL computes the extension cache on first use (under the X509's lock); the builder
  // wrote valid extensions, so there is nothing to check eagerly here.
  Certificate out(std::move(built), std::move(der));
  out.key_ = std::move(key);
  out.parsed_ = std::make_shared<Parsed>();
  return out;
}

Certificate::Certificate(const Certificate& other)
    : x509_(ossl::UpRef(other.x509_.get())),
      der_(other.der_),
      key_(other.key_),
      parsed_(other.parsed_) {}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    x509_ = ossl::UpRef(other.x509_.get());
    der_ = other.der_;
    key_ = other.key_;
    parsed_ = other.parsed_;
  }
  return *this;
}

X509* Certificate::get() const {
  if (!parsed_) return x509_.get();
  // A built X509 carries its key only as bits; OpenSSL's verification wants it decoded.
  std::call_once(parsed_->once, [this] {
    const auto* p = reinterpret_cast<const unsigned char*>(der_->data());
    parsed_->x509.reset(d2i_X509(nullptr, &p, static_cast<long>(der_->size())));
    if (parsed_->x509) X509_check_purpose(parsed_->x509.get(), -1, 0);
    ossl::ClearErrors();
  });
  return parsed_->x509 ? parsed_->x509.get() : x509_.get();
}

const std::string& Certificate::der() const {
  static const std::string kEmpty;  // a moved-from Certificate
  return der_ ? *der_ : kEmpty;
}

std::string Certificate::pem() const { return crypto::EncodePem("CERTIFICATE", der()); }

std::string Certificate::serial_decimal() const {
  ossl::UniquePtr<BIGNUM> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509_.get()), nullptr));
  if (!bn) return std::string();
  ossl::UniquePtr<char> dec(BN_bn2dec(bn.get()));
  return dec ? std::string(dec.get()) : std::string();
}

std::string Certificate::serial_hex() const {
  ossl::UniquePtr<BIGNUM> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509_.get()), nullptr));
  if (!bn) return std::string();
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return bytes.empty() ? "00" : HexEncode(bytes);
}

Name Certificate::subject() const {
  return internal::X509ToName(X509_get_subject_name(x509_.get()));
}

std::string Certificate::subject_cn() const {
  return internal::NameCommonName(X509_get_subject_name(x509_.get()));
}

std::string Certificate::subject_string() const {
  return internal::NameToString(X509_get_subject_name(x509_.get()));
}

std::string Certificate::issuer_string() const {
  return internal::NameToString(X509_get_issuer_name(x509_.get()));
}

std::string Certificate::raw_subject() const {
  return internal::NameDer(X509_get_subject_name(x509_.get()));
}

std::string Certificate::raw_issuer() const {
  return internal::NameDer(X509_get_issuer_name(x509_.get()));
}

Time Certificate::not_before() const { return internal::ToTime(X509_get0_notBefore(x509_.get())); }
Time Certificate::not_after() const { return internal::ToTime(X509_get0_notAfter(x509_.get())); }

SubjectAltNames Certificate::sans() const {
  ossl::UniquePtr<GENERAL_NAMES> names(SanExtension(x509_.get()));
  ossl::ClearErrors();
  return internal::ParseGeneralNames(names.get());
}

std::vector<std::string> Certificate::dns_names() const { return sans().dns; }
std::vector<std::string> Certificate::ip_addresses() const { return sans().ips; }
std::vector<std::string> Certificate::email_addresses() const { return sans().emails; }
std::vector<std::string> Certificate::uris() const { return sans().uris; }

bool Certificate::is_ca() const { return (X509_get_extension_flags(x509_.get()) & EXFLAG_CA) != 0; }

int Certificate::max_path_len() const {
  const long len = X509_get_pathlen(x509_.get());
  return len < 0 ? -1 : static_cast<int>(len);
}

uint32_t Certificate::key_usage() const {
  if (!(X509_get_extension_flags(x509_.get()) & EXFLAG_KUSAGE)) return 0;
  return FromOpensslKeyUsage(X509_get_key_usage(x509_.get()));
}

std::vector<std::string> Certificate::ext_key_usage() const {
  std::vector<std::string> out;
  ossl::UniquePtr<EXTENDED_KEY_USAGE> eku(static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(x509_.get(), NID_ext_key_usage, nullptr, nullptr)));
  ossl::ClearErrors();
  if (!eku) return out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    out.push_back(ExtKeyUsageName(internal::ObjToText(sk_ASN1_OBJECT_value(eku.get(), i))));
  }
  return out;
}

std::string Certificate::subject_key_id() const {
  return internal::AsnString(X509_get0_subject_key_id(x509_.get()));
}

std::string Certificate::authority_key_id() const {
  return internal::AsnString(X509_get0_authority_key_id(x509_.get()));
}

crypto::PublicKey Certificate::public_key() const {
  if (key_) return *key_;
  // FromDer guaranteed the key decodes. Its DER is re-encoded from the parsed fields (cheap),
  // so that signing for this key later needs no encoder.
  X509_PUBKEY* spki = X509_get_X509_PUBKEY(x509_.get());
  unsigned char* out = nullptr;
  const int n = i2d_X509_PUBKEY(spki, &out);
  ossl::UniquePtr<unsigned char> owned(out);
  auto pkey = ossl::UpRef(X509_get0_pubkey(x509_.get()));
  if (n <= 0) {
    ossl::ClearErrors();
    return crypto::PublicKey::Wrap(std::move(pkey));
  }
  return crypto::PublicKey::WrapWithDer(
      std::move(pkey), std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n)));
}

std::string Certificate::fingerprint_sha256_hex() const { return HexEncode(crypto::Sha256(der())); }

std::string Certificate::signature_algorithm() const {
  int md_nid = NID_undef, pk_nid = NID_undef;
  if (X509_get_signature_info(x509_.get(), &md_nid, &pk_nid, nullptr, nullptr) == 1) {
    const std::string hash = HashSuffix(md_nid);
    if (pk_nid == EVP_PKEY_ED25519) return "Ed25519";
    if (!hash.empty()) {
      if (pk_nid == EVP_PKEY_EC) return "ECDSA-" + hash;
      if (pk_nid == EVP_PKEY_RSA) return hash + "-RSA";
      if (pk_nid == EVP_PKEY_RSA_PSS) return hash + "-RSAPSS";
    }
  }
  ossl::ClearErrors();
  const X509_ALGOR* alg = nullptr;
  X509_get0_signature(nullptr, &alg, x509_.get());
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  return internal::ObjToText(obj);
}

std::vector<Extension> Certificate::extensions() const {
  std::vector<Extension> out;
  const STACK_OF(X509_EXTENSION)* exts = X509_get0_extensions(x509_.get());
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    out.push_back(internal::ExtensionFrom(sk_X509_EXTENSION_value(exts, i)));
  }
  return out;
}

std::optional<Extension> Certificate::FindExtension(std::string_view oid) const {
  const STACK_OF(X509_EXTENSION)* exts = X509_get0_extensions(x509_.get());
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    const X509_EXTENSION* e = sk_X509_EXTENSION_value(exts, i);
    if (internal::ObjToText(X509_EXTENSION_get_object(const_cast<X509_EXTENSION*>(e))) == oid) {
      return internal::ExtensionFrom(e);
    }
  }
  return std::nullopt;
}

std::optional<ProvisionerExtension> Certificate::provisioner_extension() const {
  auto ext = FindExtension(kProvisionerExtensionOid);
  if (!ext) return std::nullopt;
  auto decoded = ProvisionerExtension::Decode(ext->value);
  if (!decoded.ok()) return std::nullopt;
  return std::move(decoded).value();
}

bool Certificate::IsIssuedBy(const Certificate& issuer) const {
  if (X509_check_issued(issuer.get(), get()) != X509_V_OK) return false;
  const bool ok = X509_verify(get(), X509_get0_pubkey(issuer.get())) == 1;
  ossl::ClearErrors();
  return ok;
}

}  // namespace cairn::pki
