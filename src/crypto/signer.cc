#include "crypto/signer.h"

#include <openssl/ecdsa.h>

#include "crypto/ossl_ptr.h"

namespace cairn::crypto {
namespace {

// MdFor returns the EVP_MD to pass to EVP_DigestSign/VerifyInit, checking that the hash suits
// the key: Ed25519 is PureEdDSA (no digest); EC and RSA need one.
Result<const EVP_MD*> MdFor(KeyType type, HashAlg hash) {
  if (type == KeyType::kEd25519) {
    if (hash != HashAlg::kNone) return InvalidArgumentError("Ed25519 signs without a hash");
    return static_cast<const EVP_MD*>(nullptr);
  }
  switch (hash) {
    case HashAlg::kSha256:
      return EVP_sha256();
    case HashAlg::kSha384:
      return EVP_sha384();
    case HashAlg::kSha512:
      return EVP_sha512();
    case HashAlg::kNone:
      break;
  }
  return InvalidArgumentError(std::string(KeyTypeName(type)) + " keys need a hash algorithm");
}

}  // namespace

HashAlg DefaultHashFor(const PublicKey& key) {
  switch (key.type()) {
    case KeyType::kEcP384:
      return HashAlg::kSha384;
    case KeyType::kEcP521:
      return HashAlg::kSha512;
    case KeyType::kEd25519:
      return HashAlg::kNone;
    case KeyType::kEcP256:
    case KeyType::kRsa:
    case KeyType::kOther:
      break;
  }
  return HashAlg::kSha256;
}

Result<std::string> KeySigner::Sign(HashAlg hash, std::string_view message) const {
  CAIRN_ASSIGN_OR_RETURN(const EVP_MD* md, MdFor(key_.type(), hash));
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::ErrorStatus("EVP_MD_CTX_new");
  // RSA keys default to PKCS#1 v1.5 padding, which is what X.509 and RS256 want.
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1) {
    return ossl::ErrorStatus("EVP_DigestSignInit");
  }
  const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, msg, message.size()) != 1) {
    return ossl::ErrorStatus("EVP_DigestSign");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, msg,
                     message.size()) != 1) {
    return ossl::ErrorStatus("EVP_DigestSign");
  }
  sig.resize(len);
  return sig;
}

Status VerifySignature(const PublicKey& key, HashAlg hash, std::string_view message,
                       std::string_view signature) {
  if (key.type() == KeyType::kOther) return InvalidArgumentError("unsupported key type");
  CAIRN_ASSIGN_OR_RETURN(const EVP_MD* md, MdFor(key.type(), hash));
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::ErrorStatus("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1) {
    return ossl::ErrorStatus("EVP_DigestVerifyInit");
  }
  const int rc = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (rc != 1) {
    ossl::ClearErrors();
    return InvalidArgumentError("signature verification failed");
  }
  return Status();
}

size_t EcdsaFieldBytes(KeyType type) {
  switch (type) {
    case KeyType::kEcP256:
      return 32;
    case KeyType::kEcP384:
      return 48;
    case KeyType::kEcP521:
      return 66;
    default:
      break;
  }
  return 0;
}

Result<std::string> EcdsaDerToRaw(std::string_view der, size_t field_bytes) {
  if (field_bytes == 0 || field_bytes > 66) return InvalidArgumentError("bad ECDSA field size");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* start = p;
  ossl::UniquePtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != start + der.size()) {
    ossl::ClearErrors();
    return InvalidArgumentError("malformed ECDSA signature");
  }
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  std::string raw(2 * field_bytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, static_cast<int>(field_bytes)) < 0 ||
      BN_bn2binpad(s, out + field_bytes, static_cast<int>(field_bytes)) < 0) {
    ossl::ClearErrors();
    return InvalidArgumentError("ECDSA signature too wide");
  }
  return raw;
}

Result<std::string> EcdsaRawToDer(std::string_view raw) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 2 * 66) {
    return InvalidArgumentError("malformed raw ECDSA signature");
  }
  const size_t half = raw.size() / 2;
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  ossl::UniquePtr<BIGNUM> r(BN_bin2bn(in, static_cast<int>(half), nullptr));
  ossl::UniquePtr<BIGNUM> s(BN_bin2bn(in + half, static_cast<int>(half), nullptr));
  ossl::UniquePtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  if (!r || !s || !sig) return ossl::ErrorStatus("ECDSA_SIG_new");
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return ossl::ErrorStatus("ECDSA_SIG_set0");
  (void)r.release();
  (void)s.release();
  unsigned char* out = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &out);
  if (n <= 0) return ossl::ErrorStatus("i2d_ECDSA_SIG");
  ossl::UniquePtr<unsigned char> owned(out);
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

}  // namespace cairn::crypto
