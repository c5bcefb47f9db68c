#include "acme_jws.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/encoding.h"
#include "common.h"
#include "crypto/digest.h"

namespace cairn::bench::acme {
namespace {

constexpr size_t kP256Half = 32;

// PublicPoint returns the uncompressed point 04||x||y of a P-256 key, or "".
std::string PublicPoint(EVP_PKEY* key) {
  unsigned char buf[1 + 2 * kP256Half];
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len) != 1 ||
      len != sizeof buf || buf[0] != 0x04) {
    return "";
  }
  return std::string(reinterpret_cast<const char*>(buf), len);
}

ossl::UniquePtr<EVP_PKEY> NewP256Key() { return ossl::UniquePtr<EVP_PKEY>(EVP_EC_gen("P-256")); }

}  // namespace

std::optional<std::string> RawEcdsaSignature(std::string_view der, size_t half) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::UniquePtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(2 * half, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, o, static_cast<int>(half)) < 0 ||
      BN_bn2binpad(s, o + half, static_cast<int>(half)) < 0) {
    return std::nullopt;
  }
  return out;
}

Result<AccountKey> AccountKey::Generate() {
  AccountKey k;
  k.key_ = NewP256Key();
  if (!k.key_) return ossl::ErrorStatus("EVP_EC_gen");
  std::string point = PublicPoint(k.key_.get());
  if (point.empty()) return InternalError("cannot read the account key's public point");
  auto signer = der::EcdsaSha256::Create(k.key_.get(), /*sign=*/true);
  if (!signer) return InternalError("cannot prepare the account key for signing");
  k.signer_ = std::make_unique<der::EcdsaSha256>(std::move(*signer));
  // RFC 7638 §3.2: the required members, sorted, no whitespace.
  k.jwk_ = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" +
           Base64UrlEncode(std::string_view(point).substr(1, kP256Half)) + "\",\"y\":\"" +
           Base64UrlEncode(std::string_view(point).substr(1 + kP256Half)) + "\"}";
  k.thumbprint_ = Base64UrlEncode(crypto::Sha256(k.jwk_));
  return k;
}

Result<std::string> AccountKey::Sign(std::string_view url, std::string_view nonce,
                                     std::string_view kid, std::string_view payload) {
  // Nonces and URLs come from the server: they are base64url and URLs, but escape anyway.
  std::string header = "{\"alg\":\"ES256\",";
  if (kid.empty()) {
    header += "\"jwk\":" + jwk_;
  } else {
    header += "\"kid\":\"" + JsonEscape(kid) + "\"";
  }
  header += ",\"nonce\":\"" + JsonEscape(nonce) + "\",\"url\":\"" + JsonEscape(url) + "\"}";
  std::string protected_b64 = Base64UrlEncode(header);
  std::string payload_b64 = payload.empty() ? std::string() : Base64UrlEncode(payload);
  std::string signing_input = protected_b64 + "." + payload_b64;
  std::string der = signer_->Sign(signing_input);
  if (der.empty()) return InternalError("ES256 signing failed");
  auto raw = RawEcdsaSignature(der, kP256Half);
  if (!raw) return InternalError("ES256 signature is malformed");
  std::string out;
  out.reserve(protected_b64.size() + payload_b64.size() + 160);
  out += "{\"protected\":\"";
  out += protected_b64;
  out += "\",\"payload\":\"";
  out += payload_b64;
  out += "\",\"signature\":\"";
  out += Base64UrlEncode(*raw);
  out += "\"}";
  return out;
}

Result<std::vector<Csr>> MakeIpCsrs(size_t count, const std::string& ip) {
  ossl::UniquePtr<ASN1_OCTET_STRING> addr(a2i_IPADDRESS(ip.c_str()));
  if (!addr) return InvalidArgumentError("not an IP address: " + ip);
  std::vector<Csr> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    Csr csr;
    csr.key = NewP256Key();
    if (!csr.key) return ossl::ErrorStatus("EVP_EC_gen");
    ossl::UniquePtr<X509_REQ> req(X509_REQ_new());
    if (!req || X509_REQ_set_version(req.get(), 0) != 1 ||
        X509_REQ_set_pubkey(req.get(), csr.key.get()) != 1) {
      return ossl::ErrorStatus("X509_REQ");
    }
    ossl::UniquePtr<GENERAL_NAMES> names(GENERAL_NAMES_new());
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (!names || name == nullptr) return ossl::ErrorStatus("GENERAL_NAME_new");
    GENERAL_NAME_set0_value(name, GEN_IPADD, ASN1_OCTET_STRING_dup(addr.get()));
    sk_GENERAL_NAME_push(names.get(), name);
    ossl::UniquePtr<STACK_OF(X509_EXTENSION)> exts(sk_X509_EXTENSION_new_null());
    X509_EXTENSION* san = X509V3_EXT_i2d(NID_subject_alt_name, 0, names.get());
    if (!exts || san == nullptr) return ossl::ErrorStatus("X509V3_EXT_i2d");
    sk_X509_EXTENSION_push(exts.get(), san);
    if (X509_REQ_add_extensions(req.get(), exts.get()) != 1 ||
        X509_REQ_sign(req.get(), csr.key.get(), EVP_sha256()) <= 0) {
      return ossl::ErrorStatus("X509_REQ_sign");
    }
    unsigned char* der = nullptr;
    int len = i2d_X509_REQ(req.get(), &der);
    if (len <= 0) return ossl::ErrorStatus("i2d_X509_REQ");
    csr.der_b64url = Base64UrlEncode(std::string_view(reinterpret_cast<char*>(der), len));
    OPENSSL_free(der);
    out.push_back(std::move(csr));
  }
  return out;
}

}  // namespace cairn::bench::acme
