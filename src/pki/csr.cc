#include "pki/csr.h"

#include <optional>

#include "crypto/der.h"
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

std::string SignatureAlgorithmName(const X509_ALGOR* alg) {
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
    case NID_ecdsa_with_SHA1:
      return "ECDSA-SHA1";
    case NID_md5WithRSAEncryption:
      return "MD5-RSA";
    case NID_ED25519:
      return "Ed25519";
    default:
      return internal::ObjToText(obj);
  }
}

// The DER contents of the attribute types that carry requested extensions: PKCS#9
// extensionRequest and Microsoft's older msExtReq (both read by X509_REQ_get_extensions).
constexpr std::string_view kOidExtensionRequest("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e", 9);
constexpr std::string_view kOidMsExtReq("\x2b\x06\x01\x04\x01\x82\x37\x02\x01\x0e", 10);

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Status Malformed(std::string_view what) {
  return InvalidArgumentError("error parsing certificate request: " + std::string(what));
}

}  // namespace

struct CertificateRequest::Rep {
  std::string der;
  std::string_view tbs;  // CertificationRequestInfo, a view into der
  ossl::UniquePtr<X509_NAME> subject;
  ossl::UniquePtr<STACK_OF(X509_EXTENSION)> extensions;  // null when none were requested
  SubjectAltNames sans;
  std::optional<crypto::PublicKey> key;
  ossl::UniquePtr<X509_ALGOR> signature_algorithm;
  std::string signature;
};

Result<CertificateRequest> CertificateRequest::FromDer(std::string_view der) {
  if (der.size() > kMaxCsrDer) return InvalidArgumentError("certificate request too large");
  auto rep = std::make_shared<Rep>();
  rep->der = std::string(der);
  // CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm,
  // signature BIT STRING } (RFC 2986 §4).
  crypto::der::Reader top(std::string_view(rep->der));
  auto outer = top.Expect(crypto::der::kSequence);
  if (!outer.ok()) return Malformed("malformed DER");
  if (!top.empty()) return Malformed("trailing data");
  crypto::der::Reader fields(*outer);
  auto info = fields.Next();
  auto alg = fields.Next();
  auto sig = fields.Expect(crypto::der::kBitString);
  if (!info.ok() || info->tag != crypto::der::kSequence || !alg.ok() ||
      alg->tag != crypto::der::kSequence || !sig.ok() || !fields.empty()) {
    return Malformed("malformed DER");
  }
  rep->tbs = info->full;
  if (sig->empty() || (*sig)[0] != 0) return Malformed("malformed signature");
  rep->signature = std::string(sig->substr(1));
  const unsigned char* p = Bytes(alg->full);
  rep->signature_algorithm.reset(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(alg->full.size())));
  if (!rep->signature_algorithm || p != Bytes(alg->full) + alg->full.size()) {
    ossl::ClearErrors();
    return Malformed("malformed signature algorithm");
  }
  // CertificationRequestInfo ::= SEQUENCE { version INTEGER (v1 = 0), subject Name,
  // subjectPKInfo, attributes [0] IMPLICIT SET OF Attribute }.
  crypto::der::Reader r(info->contents);
  auto version = r.Expect(crypto::der::kInteger);
  if (!version.ok() || crypto::der::ParseInt64(*version).value_or(-1) != 0) {
    return Malformed("unsupported version");
  }
  auto name = r.Next();
  if (!name.ok() || name->tag != crypto::der::kSequence) return Malformed("malformed subject");
  p = Bytes(name->full);
  rep->subject.reset(d2i_X509_NAME(nullptr, &p, static_cast<long>(name->full.size())));
  if (!rep->subject || p != Bytes(name->full) + name->full.size()) {
    ossl::ClearErrors();
    return Malformed("malformed subject");
  }
  auto spki = r.Next();
  if (!spki.ok() || spki->tag != crypto::der::kSequence) return Malformed("malformed public key");
  auto key = crypto::PublicKey::FromDerAnyKind(spki->full);
  if (!key.ok()) return Malformed("unsupported public key");
  rep->key = std::move(key).value();
  if (!r.empty()) {
    auto attrs = r.Expect(crypto::der::ContextTag(0, /*constructed=*/true));
    if (!attrs.ok() || !r.empty()) return Malformed("malformed attributes");
    crypto::der::Reader list(*attrs);
    while (!list.empty()) {
      // Attribute ::= SEQUENCE { type OBJECT IDENTIFIER, values SET OF ANY }
      auto attr = list.Expect(crypto::der::kSequence);
      if (!attr.ok()) return Malformed("malformed attribute");
      crypto::der::Reader a(*attr);
      auto type = a.Expect(crypto::der::kObjectIdentifier);
      auto values = a.Expect(crypto::der::kSet);
      if (!type.ok() || !values.ok() || !a.empty()) return Malformed("malformed attribute");
      if (*type != kOidExtensionRequest && *type != kOidMsExtReq) continue;
      if (rep->extensions) return Malformed("more than one extension request");
      crypto::der::Reader v(*values);
      auto exts = v.Next();
      if (!exts.ok() || exts->tag != crypto::der::kSequence || !v.empty()) {
        return Malformed("malformed extension request");
      }
      p = Bytes(exts->full);
      rep->extensions.reset(d2i_X509_EXTENSIONS(nullptr, &p, static_cast<long>(exts->full.size())));
      if (!rep->extensions || p != Bytes(exts->full) + exts->full.size()) {
        ossl::ClearErrors();
        return Malformed("malformed extension request");
      }
    }
  }
  if (rep->extensions) {
    ossl::UniquePtr<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(
        X509V3_get_d2i(rep->extensions.get(), NID_subject_alt_name, nullptr, nullptr)));
    ossl::ClearErrors();
    rep->sans = internal::ParseGeneralNames(names.get());
  }
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

const std::string& CertificateRequest::der() const { return rep_->der; }
const X509_NAME* CertificateRequest::get_subject() const { return rep_->subject.get(); }

std::string CertificateRequest::pem() const {
  return crypto::EncodePem("CERTIFICATE REQUEST", rep_->der);
}

Status CertificateRequest::VerifySignature() const {
  const crypto::PublicKey& key = *rep_->key;
  if (key.type() == crypto::KeyType::kOther) {
    return InvalidArgumentError("certificate request has an unsupported public key type");
  }
  const Status bad = InvalidArgumentError("certificate request signature is not valid");
  const ASN1_OBJECT* obj = nullptr;
  int param_type = V_ASN1_UNDEF;
  X509_ALGOR_get0(&obj, &param_type, nullptr, rep_->signature_algorithm.get());
  const bool ec = key.type() == crypto::KeyType::kEcP256 ||
                  key.type() == crypto::KeyType::kEcP384 || key.type() == crypto::KeyType::kEcP521;
  const bool rsa = key.type() == crypto::KeyType::kRsa;
  const EVP_MD* md = nullptr;
  bool fits = false;
  switch (OBJ_obj2nid(obj)) {
    case NID_ecdsa_with_SHA1:
      md = EVP_sha1(), fits = ec;
      break;
    case NID_ecdsa_with_SHA256:
      md = EVP_sha256(), fits = ec;
      break;
    case NID_ecdsa_with_SHA384:
      md = EVP_sha384(), fits = ec;
      break;
    case NID_ecdsa_with_SHA512:
      md = EVP_sha512(), fits = ec;
      break;
    case NID_sha1WithRSAEncryption:
      md = EVP_sha1(), fits = rsa;
      break;
    case NID_sha256WithRSAEncryption:
      md = EVP_sha256(), fits = rsa;
      break;
    case NID_sha384WithRSAEncryption:
      md = EVP_sha384(), fits = rsa;
      break;
    case NID_sha512WithRSAEncryption:
      md = EVP_sha512(), fits = rsa;
      break;
    case NID_ED25519:
      fits = key.type() == crypto::KeyType::kEd25519 && param_type == V_ASN1_UNDEF;
      break;
    case NID_md5WithRSAEncryption:
    case NID_md2WithRSAEncryption:
    case NID_md4WithRSAEncryption:
      return bad;  // broken hashes (Go refuses them too)
    default: {
      // Anything rarer (RSASSA-PSS, ...): OpenSSL's own CSR verification, slower but complete.
      const unsigned char* p = Bytes(rep_->der);
      ossl::UniquePtr<X509_REQ> req(d2i_X509_REQ(nullptr, &p, static_cast<long>(rep_->der.size())));
      const bool ok = req && X509_REQ_verify(req.get(), key.get()) == 1;
      ossl::ClearErrors();
      return ok ? Status() : bad;
    }
  }
  if (!fits) return bad;
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), Bytes(rep_->signature), rep_->signature.size(),
                                   Bytes(rep_->tbs), rep_->tbs.size()) == 1;
  ossl::ClearErrors();
  return ok ? Status() : bad;
}

Name CertificateRequest::subject() const { return internal::X509ToName(rep_->subject.get()); }
std::string CertificateRequest::subject_cn() const {
  return internal::NameCommonName(rep_->subject.get());
}
std::string CertificateRequest::subject_string() const {
  return internal::NameToString(rep_->subject.get());
}
std::string CertificateRequest::raw_subject() const {
  return internal::NameDer(rep_->subject.get());
}

std::vector<Extension> CertificateRequest::extensions() const {
  std::vector<Extension> out;
  const STACK_OF(X509_EXTENSION)* exts = rep_->extensions.get();
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    out.push_back(internal::ExtensionFrom(sk_X509_EXTENSION_value(exts, i)));
  }
  return out;
}

SubjectAltNames CertificateRequest::sans() const { return rep_->sans; }
std::vector<std::string> CertificateRequest::dns_names() const { return rep_->sans.dns; }
std::vector<std::string> CertificateRequest::ip_addresses() const { return rep_->sans.ips; }
std::vector<std::string> CertificateRequest::email_addresses() const { return rep_->sans.emails; }
std::vector<std::string> CertificateRequest::uris() const { return rep_->sans.uris; }

crypto::PublicKey CertificateRequest::public_key() const { return *rep_->key; }

std::string CertificateRequest::signature_algorithm() const {
  return SignatureAlgorithmName(rep_->signature_algorithm.get());
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
