#include "pki/csr.h"

#include "crypto/pem.h"
#include "crypto/signer.h"
#include "pki/internal/x509_util.h"

namespace cairn::pki {
namespace {

const EVP_MD* MdFor(crypto::HashAlg hash) {
  switch (hash) {
    case crypto::HashAlg::kSha256:
      return EVP_sha256();
    case crypto::HashAlg::kSha384:
      return EVP_sha384();
    case crypto::HashAlg::kSha512:
      return EVP_sha512();
    case crypto::HashAlg::kNone:
      break;
  }
  return nullptr;
}

std::string SignatureAlgorithmName(const X509_REQ* req) {
  const X509_ALGOR* alg = nullptr;
  X509_REQ_get0_signature(req, nullptr, &alg);
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  switch (OBJ_obj2nid(obj)) {
    case NID_ecdsa_with_SHA256:
      return "ECDSA-SHA256";
    case NID_ecdsa_with_SHA384:
      return "ECDSA-SHA384";
    case NID_ecdsa_with_SHA512:
      return "ECDSA-SHA512";
    case NID_sha256WithRSAEncryption:
      return "SHA256-RSA";
    case NID_sha384WithRSAEncryption:
      return "SHA384-RSA";
    case NID_sha512WithRSAEncryption:
      return "SHA512-RSA";
    case NID_sha1WithRSAEncryption:
      return "SHA1-RSA";
    case NID_ED25519:
      return "Ed25519";
    default:
      return internal::ObjToText(obj);
  }
}

}  // namespace

Result<CertificateRequest> CertificateRequest::FromDer(std::string_view der) {
  if (der.size() > kMaxCsrDer) return InvalidArgumentError("certificate request too large");
  const auto* start = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* p = start;
  ossl::UniquePtr<X509_REQ> req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) {
    ossl::ClearErrors();
    return InvalidArgumentError("error parsing certificate request: malformed DER");
  }
  if (p != start + der.size()) {
    return InvalidArgumentError("error parsing certificate request: trailing data");
  }
  if (X509_REQ_get0_pubkey(req.get()) == nullptr) {
    ossl::ClearErrors();
    return InvalidArgumentError("error parsing certificate request: unsupported public key");
  }
  auto rep = std::make_shared<Rep>();
  rep->req = std::move(req);
  rep->der = std::string(der);
  return CertificateRequest(std::move(rep));
}

Result<CertificateRequest> CertificateRequest::FromPem(std::string_view pem) {
  if (pem.size() > kMaxCsrDer) return InvalidArgumentError("certificate request PEM too large");
  CAIRN_ASSIGN_OR_RETURN(auto blocks, crypto::ParsePemBlocks(pem, kMaxCsrDer));
  for (const auto& b : blocks) {
    if (b.type == "CERTIFICATE REQUEST" || b.type == "NEW CERTIFICATE REQUEST") {
      return FromDer(b.bytes);
    }
  }
  return InvalidArgumentError("no CERTIFICATE REQUEST PEM block found");
}

std::string CertificateRequest::pem() const {
  return crypto::EncodePem("CERTIFICATE REQUEST", rep_->der);
}

Status CertificateRequest::VerifySignature() const {
  const crypto::PublicKey key = public_key();
  if (key.type() == crypto::KeyType::kOther) {
    return InvalidArgumentError("certificate request has an unsupported public key type");
  }
  if (X509_REQ_verify(get(), key.get()) != 1) {
    ossl::ClearErrors();
    return InvalidArgumentError("certificate request signature is not valid");
  }
  return Status();
}

Name CertificateRequest::subject() const {
  return internal::X509ToName(X509_REQ_get_subject_name(get()));
}
std::string CertificateRequest::subject_cn() const {
  return internal::NameCommonName(X509_REQ_get_subject_name(get()));
}
std::string CertificateRequest::subject_string() const {
  return internal::NameToString(X509_REQ_get_subject_name(get()));
}
std::string CertificateRequest::raw_subject() const {
  return internal::NameDer(X509_REQ_get_subject_name(get()));
}

std::vector<Extension> CertificateRequest::extensions() const {
  std::vector<Extension> out;
  ossl::UniquePtr<STACK_OF(X509_EXTENSION)> exts(X509_REQ_get_extensions(get()));
  ossl::ClearErrors();
  if (!exts) return out;
  for (int i = 0; i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    out.push_back(internal::ExtensionFrom(sk_X509_EXTENSION_value(exts.get(), i)));
  }
  return out;
}

SubjectAltNames CertificateRequest::sans() const {
  ossl::UniquePtr<STACK_OF(X509_EXTENSION)> exts(X509_REQ_get_extensions(get()));
  ossl::ClearErrors();
  if (!exts) return {};
  ossl::UniquePtr<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(exts.get(), NID_subject_alt_name, nullptr, nullptr)));
  ossl::ClearErrors();
  return internal::ParseGeneralNames(names.get());
}

std::vector<std::string> CertificateRequest::dns_names() const { return sans().dns; }
std::vector<std::string> CertificateRequest::ip_addresses() const { return sans().ips; }
std::vector<std::string> CertificateRequest::email_addresses() const { return sans().emails; }
std::vector<std::string> CertificateRequest::uris() const { return sans().uris; }

crypto::PublicKey CertificateRequest::public_key() const {
  // FromDer guaranteed the key decodes.
  return crypto::PublicKey::Wrap(ossl::UpRef(X509_REQ_get0_pubkey(get())));
}

std::string CertificateRequest::signature_algorithm() const {
  return SignatureAlgorithmName(get());
}

Result<CertificateRequest> CreateCsr(const Name& subject, const SubjectAltNames& sans,
                                     const crypto::PrivateKey& key) {
  ossl::UniquePtr<X509_REQ> req(X509_REQ_new());
  if (!req) return ossl::ErrorStatus("X509_REQ_new");
  if (X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
    return ossl::ErrorStatus("X509_REQ_set_version");
  }
  CAIRN_ASSIGN_OR_RETURN(auto name, internal::NameToX509(subject));
  if (X509_REQ_set_subject_name(req.get(), name.get()) != 1) {
    return ossl::ErrorStatus("X509_REQ_set_subject_name");
  }
  if (X509_REQ_set_pubkey(req.get(), key.public_key().get()) != 1) {
    return ossl::ErrorStatus("X509_REQ_set_pubkey");
  }
  if (!sans.empty()) {
    CAIRN_ASSIGN_OR_RETURN(auto names, internal::BuildGeneralNames(sans));
    ossl::UniquePtr<STACK_OF(X509_EXTENSION)> exts(sk_X509_EXTENSION_new_null());
    ossl::UniquePtr<X509_EXTENSION> san(
        X509V3_EXT_i2d(NID_subject_alt_name, /*crit=*/0, names.get()));
    if (!exts || !san || sk_X509_EXTENSION_push(exts.get(), san.get()) == 0) {
      return ossl::ErrorStatus("subjectAltName");
    }
    (void)san.release();
    if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
      return ossl::ErrorStatus("X509_REQ_add_extensions");
    }
  }
  if (X509_REQ_sign(req.get(), key.get(), MdFor(crypto::DefaultHashFor(key.public_key()))) <= 0) {
    return ossl::ErrorStatus("X509_REQ_sign");
  }
  unsigned char* out = nullptr;
  int n = i2d_X509_REQ(req.get(), &out);
  if (n <= 0) return ossl::ErrorStatus("i2d_X509_REQ");
  ossl::UniquePtr<unsigned char> owned(out);
  return CertificateRequest::FromDer(
      std::string_view(reinterpret_cast<char*>(out), static_cast<size_t>(n)));
}

}  // namespace cairn::pki
