#include "pki/internal/tbs_sign.h"

#include <openssl/rsa.h>

#include "crypto/der.h"
#include "crypto/ossl_ptr.h"

namespace cairn::pki::internal {
namespace {

// PssParameters returns the DER RSASSA-PSS-params for `hash` as Go writes them (RFC 4055 §3.1):
// hashAlgorithm and MGF1 with that hash (explicit NULL parameters), saltLength = digest length,
// default trailerField.
std::string PssParameters(crypto::HashAlg hash) {
  namespace der = crypto::der;
  std::string hash_oid;
  int salt = 32;
  switch (hash) {
    case crypto::HashAlg::kSha384:
      hash_oid = "\x60\x86\x48\x01\x65\x03\x04\x02\x02";
      salt = 48;
      break;
    case crypto::HashAlg::kSha512:
      hash_oid = "\x60\x86\x48\x01\x65\x03\x04\x02\x03";
      salt = 64;
      break;
    default:
      hash_oid = "\x60\x86\x48\x01\x65\x03\x04\x02\x01";
      break;
  }
  const std::string hash_alg = der::Tlv(
      der::kSequence, der::Tlv(der::kObjectIdentifier, hash_oid) + der::Tlv(der::kNull, ""));
  const std::string mgf1_oid = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08";
  const std::string mgf =
      der::Tlv(der::kSequence, der::Tlv(der::kObjectIdentifier, mgf1_oid) + hash_alg);
  return der::Tlv(der::kSequence, der::Tlv(der::ContextTag(0, true), hash_alg) +
                                      der::Tlv(der::ContextTag(1, true), mgf) +
                                      der::Tlv(der::ContextTag(2, true), der::Int64(salt)));
}

// PssSign signs `tbs` with RSASSA-PSS. The Signer interface only offers PKCS#1 v1.5 for RSA, so
// this drives the private key of a KeySigner directly; other signers (HSMs, KMS) cannot.
Result<std::string> PssSign(const crypto::Signer& signer, crypto::HashAlg hash,
                            std::string_view tbs) {
  const auto* key_signer = dynamic_cast<const crypto::KeySigner*>(&signer);
  if (key_signer == nullptr) {
    return UnimplementedError("RSASSA-PSS signatures need a key held in memory");
  }
  const EVP_MD* md = hash == crypto::HashAlg::kSha384   ? EVP_sha384()
                     : hash == crypto::HashAlg::kSha512 ? EVP_sha512()
                                                        : EVP_sha256();
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key_signer->key().get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(tbs.data()),
                     tbs.size()) != 1) {
    return ossl::ErrorStatus("EVP_DigestSign (PSS)");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(tbs.data()), tbs.size()) != 1) {
    return ossl::ErrorStatus("EVP_DigestSign (PSS)");
  }
  sig.resize(len);
  return sig;
}

}  // namespace

SignatureChoice DefaultSignatureChoice(const crypto::PublicKey& key) {
  return SignatureChoice{crypto::DefaultHashFor(key), false};
}

Status SetAlgorithmIdentifier(X509_ALGOR* alg, crypto::KeyType type,
                              const SignatureChoice& choice) {
  int nid = NID_undef;
  int param_type = V_ASN1_UNDEF;
  using crypto::HashAlg;
  using crypto::KeyType;
  const HashAlg hash = choice.hash;
  switch (type) {
    case KeyType::kEcP256:
    case KeyType::kEcP384:
    case KeyType::kEcP521:
      nid = hash == HashAlg::kSha256   ? NID_ecdsa_with_SHA256
            : hash == HashAlg::kSha384 ? NID_ecdsa_with_SHA384
            : hash == HashAlg::kSha512 ? NID_ecdsa_with_SHA512
                                       : NID_undef;
      break;
    case KeyType::kRsa:
      if (choice.pss) {
        nid = hash == HashAlg::kNone ? NID_undef : NID_rsassaPss;
        param_type = V_ASN1_SEQUENCE;
        break;
      }
      // RFC 4055 §5: the parameters of sha*WithRSAEncryption are NULL.
      param_type = V_ASN1_NULL;
      nid = hash == HashAlg::kSha256   ? NID_sha256WithRSAEncryption
            : hash == HashAlg::kSha384 ? NID_sha384WithRSAEncryption
            : hash == HashAlg::kSha512 ? NID_sha512WithRSAEncryption
                                       : NID_undef;
      break;
    case KeyType::kEd25519:
      nid = hash == HashAlg::kNone ? NID_ED25519 : NID_undef;
      break;
    case KeyType::kOther:
      break;
  }
  if (nid == NID_undef) return FailedPreconditionError("unsupported signing key or hash");
  void* params = nullptr;
  ossl::UniquePtr<ASN1_STRING> seq;
  if (param_type == V_ASN1_SEQUENCE) {
    const std::string der = PssParameters(hash);
    seq.reset(ASN1_STRING_new());
    if (!seq || ASN1_STRING_set(seq.get(), der.data(), static_cast<int>(der.size())) != 1) {
      return ossl::ErrorStatus("ASN1_STRING_set");
    }
    params = seq.get();
  }
  if (X509_ALGOR_set0(alg, OBJ_nid2obj(nid), param_type, params) != 1) {
    return ossl::ErrorStatus("X509_ALGOR_set0");
  }
  (void)seq.release();  // owned by `alg` now
  return Status();
}

Result<std::string> SignatureAlgorithmDer(crypto::KeyType type, const SignatureChoice& choice) {
  ossl::UniquePtr<X509_ALGOR> alg(X509_ALGOR_new());
  if (!alg) return ossl::ErrorStatus("X509_ALGOR_new");
  CAIRN_RETURN_IF_ERROR(SetAlgorithmIdentifier(alg.get(), type, choice));
  unsigned char* der = nullptr;
  const int len = i2d_X509_ALGOR(alg.get(), &der);
  if (len <= 0) return ossl::ErrorStatus("i2d_X509_ALGOR");
  ossl::UniquePtr<unsigned char> owned(der);
  return std::string(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
}

Result<std::string> SignTbs(const crypto::Signer& signer, const SignatureChoice& choice,
                            std::string_view tbs) {
  if (choice.pss) return PssSign(signer, choice.hash, tbs);
  return signer.Sign(choice.hash, tbs);
}

}  // namespace cairn::pki::internal
