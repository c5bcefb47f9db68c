#include "jose/jwk.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/status.h"
#include "crypto/random.h"
#include "jose/internal/json_util.h"
#include "jose/internal/pkey_util.h"

namespace cairn::jose {
namespace {

constexpr size_t kMaxJwkSize = 64 * 1024;
constexpr int kMaxRsaBits = 16384;
constexpr int kMinRsaParseBits = 512;
constexpr size_t kMaxOctBytes = 1024;
constexpr size_t kEd25519Size = 32;

// SecretBn frees a BIGNUM holding private material with BN_clear_free.
struct SecretBnFree {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
using SecretBn = std::unique_ptr<BIGNUM, SecretBnFree>;

SecretBn BinToBn(const std::string& bytes) {
  return SecretBn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()), nullptr));
}

// BnToBin renders a BIGNUM big-endian, left-padded to `pad` bytes when pad > 0, else minimal.
std::string BnToBin(const BIGNUM* bn, int pad) {
  int len = pad > 0 ? pad : BN_num_bytes(bn);
  std::string out(static_cast<size_t>(len), '\0');
  if (pad > 0) {
    if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), pad) != pad) return "";
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  }
  return out;
}

// GetBnParam reads a BIGNUM parameter of `pkey`; nullptr (and a clean error queue) if absent.
SecretBn GetBnParam(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
    ossl::ClearErrors();
    return nullptr;
  }
  return SecretBn(bn);
}

std::string StripLeadingZeros(std::string s) {
  size_t i = 0;
  while (i + 1 < s.size() && s[i] == '\0') ++i;
  return s.substr(i);
}

int BitLength(const std::string& big_endian) {
  size_t i = 0;
  while (i < big_endian.size() && big_endian[i] == '\0') ++i;
  if (i == big_endian.size()) return 0;
  int bits = static_cast<int>((big_endian.size() - i - 1) * 8);
  for (auto b = static_cast<uint8_t>(big_endian[i]); b != 0; b >>= 1) ++bits;
  return bits;
}

void Cleanse(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

Status JwkError(std::string msg) { return InvalidArgumentError("invalid JWK: " + std::move(msg)); }

// CheckPkey runs OpenSSL's public check and, for key pairs, the pairwise consistency check
// (for EC: that the public point is d·G; for Ed25519 we compare explicitly instead).
Status CheckEcPkey(EVP_PKEY* pkey, bool has_private) {
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return ossl::ErrorStatus("EVP_PKEY_CTX_new_from_pkey");
  // EVP_PKEY_public_check: the point is on the curve, not at infinity, and of the group order.
  if (EVP_PKEY_public_check(ctx.get()) != 1) {
    ossl::ClearErrors();
    return JwkError("EC point is not on the curve");
  }
  if (has_private && EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    ossl::ClearErrors();
    return JwkError("EC private key does not match the public key");
  }
  return Status::Ok();
}

Result<ossl::UniquePtr<EVP_PKEY>> FromData(const char* type, OSSL_PARAM_BLD* bld, int selection) {
  ossl::UniquePtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return ossl::ErrorStatus("OSSL_PARAM_BLD_to_param");
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return ossl::ErrorStatus("EVP_PKEY_fromdata_init");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    ossl::ClearErrors();
    return JwkError(std::string("OpenSSL rejected the ") + type + " key parameters");
  }
  return ossl::UniquePtr<EVP_PKEY>(raw);
}

bool PushBn(OSSL_PARAM_BLD* bld, const char* name, const std::string& bytes,
            std::vector<SecretBn>& keep) {
  SecretBn bn = BinToBn(bytes);
  if (!bn) return false;
  if (OSSL_PARAM_BLD_push_BN(bld, name, bn.get()) != 1) return false;
  keep.push_back(std::move(bn));  // the builder references the BIGNUM until to_param
  return true;
}

}  // namespace

Jwk::Jwk(const Jwk& other)
    : kty_(other.kty_),
      crv_(other.crv_),
      kid_(other.kid_),
      alg_(other.alg_),
      use_(other.use_),
      x_(other.x_),
      y_(other.y_),
      n_(other.n_),
      e_(other.e_),
      d_(other.d_),
      p_(other.p_),
      q_(other.q_),
      dp_(other.dp_),
      dq_(other.dq_),
      qi_(other.qi_),
      k_(other.k_),
      pkey_(ossl::UpRef(other.pkey_.get())) {}

Jwk& Jwk::operator=(const Jwk& other) {
  if (this != &other) {
    Jwk copy(other);
    Wipe();
    *this = std::move(copy);
  }
  return *this;
}

Jwk::~Jwk() { Wipe(); }

void Jwk::Wipe() {
  Cleanse(d_);
  Cleanse(p_);
  Cleanse(q_);
  Cleanse(dp_);
  Cleanse(dq_);
  Cleanse(qi_);
  Cleanse(k_);
}

Result<Jwk> Jwk::Parse(std::string_view json) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, internal::ParseJsonObject(json, "JWK", kMaxJwkSize));
  return FromJson(j);
}

Result<Jwk> Jwk::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return JwkError("not a JSON object");
  Jwk key;
  CAIRN_ASSIGN_OR_RETURN(auto kty, internal::GetString(j, "kty", "JWK"));
  if (!kty.has_value()) return JwkError("missing kty");
  key.kty_ = *kty;
  CAIRN_ASSIGN_OR_RETURN(auto kid, internal::GetString(j, "kid", "JWK"));
  CAIRN_ASSIGN_OR_RETURN(auto alg, internal::GetString(j, "alg", "JWK"));
  CAIRN_ASSIGN_OR_RETURN(auto use, internal::GetString(j, "use", "JWK"));
  key.kid_ = kid.value_or("");
  key.alg_ = alg.value_or("");
  key.use_ = use.value_or("");

  auto b64 = [&](const char* name, bool required, std::string& out) -> Status {
    CAIRN_ASSIGN_OR_RETURN(out, internal::GetB64(j, name, "JWK", required));
    // A present but empty member is malformed (an empty "d" must not silently make a
    // private key public).
    if (out.empty() && j.contains(name)) {
      return JwkError(std::string("empty member \"") + name + "\"");
    }
    return Status::Ok();
  };
  if (key.kty_ == "EC" || key.kty_ == "OKP") {
    CAIRN_ASSIGN_OR_RETURN(auto crv, internal::GetString(j, "crv", "JWK"));
    if (!crv.has_value()) return JwkError("missing crv");
    key.crv_ = *crv;
    CAIRN_RETURN_IF_ERROR(b64("x", true, key.x_));
    if (key.kty_ == "EC") CAIRN_RETURN_IF_ERROR(b64("y", true, key.y_));
    CAIRN_RETURN_IF_ERROR(b64("d", false, key.d_));
  } else if (key.kty_ == "RSA") {
    if (j.contains("oth")) return JwkError("multi-prime RSA keys (oth) are not supported");
    CAIRN_RETURN_IF_ERROR(b64("n", true, key.n_));
    CAIRN_RETURN_IF_ERROR(b64("e", true, key.e_));
    CAIRN_RETURN_IF_ERROR(b64("d", false, key.d_));
    CAIRN_RETURN_IF_ERROR(b64("p", false, key.p_));
    CAIRN_RETURN_IF_ERROR(b64("q", false, key.q_));
    CAIRN_RETURN_IF_ERROR(b64("dp", false, key.dp_));
    CAIRN_RETURN_IF_ERROR(b64("dq", false, key.dq_));
    CAIRN_RETURN_IF_ERROR(b64("qi", false, key.qi_));
  } else if (key.kty_ == "oct") {
    CAIRN_RETURN_IF_ERROR(b64("k", true, key.k_));
  } else {
    return JwkError("unsupported kty \"" + key.kty_ + "\"");
  }
  CAIRN_RETURN_IF_ERROR(key.Validate());
  return key;
}

Status Jwk::Validate() {
  pkey_.reset();
  if (kty_ == "oct") {
    if (k_.empty() || k_.size() > kMaxOctBytes) return JwkError("oct key must be 1..1024 bytes");
    return Status::Ok();
  }
  if (kty_ == "EC") {
    const size_t size = static_cast<size_t>(internal::CoordinateSize(crv_));
    if (size == 0) return JwkError("unsupported EC curve \"" + crv_ + "\"");
    // RFC 7518 §6.2.1.2/§6.2.2.1: x, y and d are the full coordinate length.
    if (x_.size() != size || y_.size() != size) return JwkError("EC coordinate of wrong length");
    if (!d_.empty() && d_.size() != size) return JwkError("EC private key of wrong length");
    ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    if (!bld) return ossl::ErrorStatus("OSSL_PARAM_BLD_new");
    std::string point = "\x04" + x_ + y_;  // SEC 1 uncompressed point
    std::vector<SecretBn> keep;
    if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, crv_.c_str(), 0) !=
            1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1 ||
        (!d_.empty() && !PushBn(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d_, keep))) {
      return ossl::ErrorStatus("OSSL_PARAM_BLD_push");
    }
    CAIRN_ASSIGN_OR_RETURN(
        pkey_, FromData("EC", bld.get(), d_.empty() ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEYPAIR));
    Status s = CheckEcPkey(pkey_.get(), !d_.empty());
    if (!s.ok()) pkey_.reset();
    return s;
  }
  if (kty_ == "OKP") {
    if (crv_ != "Ed25519") return JwkError("unsupported OKP curve \"" + crv_ + "\"");
    if (x_.size() != kEd25519Size) return JwkError("Ed25519 public key of wrong length");
    if (!d_.empty() && d_.size() != kEd25519Size) {
      return JwkError("Ed25519 private key of wrong length");
    }
    const auto* x = reinterpret_cast<const unsigned char*>(x_.data());
    const auto* d = reinterpret_cast<const unsigned char*>(d_.data());
    EVP_PKEY* raw = d_.empty()
                        ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, x, x_.size())
                        : EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, d, d_.size());
    if (raw == nullptr) {
      ossl::ClearErrors();
      return JwkError("OpenSSL rejected the Ed25519 key");
    }
    pkey_.reset(raw);
    if (!d_.empty()) {
      // RFC 8037 §2: x is derived from d; a mismatch means a corrupt or forged key.
      unsigned char derived[kEd25519Size];
      size_t len = sizeof(derived);
      if (EVP_PKEY_get_raw_public_key(pkey_.get(), derived, &len) != 1 || len != kEd25519Size ||
          std::string(reinterpret_cast<char*>(derived), len) != x_) {
        ossl::ClearErrors();
        pkey_.reset();
        return JwkError("Ed25519 private key does not match the public key");
      }
    }
    return Status::Ok();
  }
  if (kty_ == "RSA") {
    n_ = StripLeadingZeros(n_);
    e_ = StripLeadingZeros(e_);
    const int bits = BitLength(n_);
    if (bits < kMinRsaParseBits || bits > kMaxRsaBits) {
      return JwkError("RSA modulus of " + std::to_string(bits) + " bits is out of range");
    }
    if ((static_cast<uint8_t>(n_.back()) & 1) == 0) return JwkError("RSA modulus is even");
    if (e_.size() > 8 || BitLength(e_) < 2 || (static_cast<uint8_t>(e_.back()) & 1) == 0) {
      return JwkError("RSA public exponent is invalid");
    }
    const bool has_crt = !p_.empty() || !q_.empty() || !dp_.empty() || !dq_.empty() || !qi_.empty();
    if (has_crt &&
        (d_.empty() || p_.empty() || q_.empty() || dp_.empty() || dq_.empty() || qi_.empty())) {
      return JwkError("RSA private key must have d and all of p, q, dp, dq, qi, or only d");
    }
    ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    if (!bld) return ossl::ErrorStatus("OSSL_PARAM_BLD_new");
    std::vector<SecretBn> keep;
    bool ok = PushBn(bld.get(), OSSL_PKEY_PARAM_RSA_N, n_, keep) &&
              PushBn(bld.get(), OSSL_PKEY_PARAM_RSA_E, e_, keep);
    if (ok && !d_.empty()) ok = PushBn(bld.get(), OSSL_PKEY_PARAM_RSA_D, d_, keep);
    if (ok && has_crt) {
      ok = PushBn(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p_, keep) &&
           PushBn(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q_, keep) &&
           PushBn(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dp_, keep) &&
           PushBn(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dq_, keep) &&
           PushBn(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi_, keep);
    }
    if (!ok) return ossl::ErrorStatus("OSSL_PARAM_BLD_push_BN");
    if (has_crt) {
      // A cheap consistency check (n = p·q); OpenSSL's pairwise check would also test the
      // primes for primality, which is too slow to run on every parse.
      ossl::UniquePtr<BN_CTX> bn_ctx(BN_CTX_new());
      SecretBn product(BN_new());
      SecretBn n = BinToBn(n_), p = BinToBn(p_), q = BinToBn(q_);
      if (!bn_ctx || !product || !n || !p || !q ||
          BN_mul(product.get(), p.get(), q.get(), bn_ctx.get()) != 1) {
        return ossl::ErrorStatus("BN_mul");
      }
      if (BN_cmp(product.get(), n.get()) != 0) return JwkError("RSA n != p*q");
    }
    CAIRN_ASSIGN_OR_RETURN(
        pkey_, FromData("RSA", bld.get(), d_.empty() ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEYPAIR));
    return Status::Ok();
  }
  return JwkError("unsupported kty \"" + kty_ + "\"");
}

Result<Jwk> Jwk::FromPkey(EVP_PKEY* pkey, bool include_private) {
  if (pkey == nullptr) return InvalidArgumentError("FromPkey: no key");
  Jwk key;
  const std::string crv = internal::KeyCurve(pkey);
  if (crv == "Ed25519") {
    key.kty_ = "OKP";
    key.crv_ = crv;
    unsigned char buf[kEd25519Size];
    size_t len = sizeof(buf);
    if (EVP_PKEY_get_raw_public_key(pkey, buf, &len) != 1 || len != kEd25519Size) {
      return ossl::ErrorStatus("EVP_PKEY_get_raw_public_key");
    }
    key.x_.assign(reinterpret_cast<char*>(buf), len);
    if (include_private) {
      len = sizeof(buf);
      if (EVP_PKEY_get_raw_private_key(pkey, buf, &len) != 1 || len != kEd25519Size) {
        ossl::ClearErrors();
        return InvalidArgumentError("FromPkey: the key has no private part");
      }
      key.d_.assign(reinterpret_cast<char*>(buf), len);
      OPENSSL_cleanse(buf, sizeof(buf));
    }
  } else if (!crv.empty()) {
    key.kty_ = "EC";
    key.crv_ = crv;
    const int size = internal::CoordinateSize(crv);
    SecretBn x = GetBnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
    SecretBn y = GetBnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!x || !y) return InternalError("FromPkey: EC key without public coordinates");
    key.x_ = BnToBin(x.get(), size);
    key.y_ = BnToBin(y.get(), size);
    if (include_private) {
      SecretBn d = GetBnParam(pkey, OSSL_PKEY_PARAM_PRIV_KEY);
      if (!d) return InvalidArgumentError("FromPkey: the key has no private part");
      key.d_ = BnToBin(d.get(), size);
    }
  } else if (internal::IsRsa(pkey)) {
    key.kty_ = "RSA";
    SecretBn n = GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_N);
    SecretBn e = GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) return InternalError("FromPkey: RSA key without n or e");
    key.n_ = BnToBin(n.get(), 0);
    key.e_ = BnToBin(e.get(), 0);
    if (include_private) {
      SecretBn d = GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_D);
      if (!d) return InvalidArgumentError("FromPkey: the key has no private part");
      key.d_ = BnToBin(d.get(), 0);
      SecretBn p = GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1);
      SecretBn q = GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2);
      SecretBn dp = GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1);
      SecretBn dq = GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT2);
      SecretBn qi = GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
      if (p && q && dp && dq && qi) {
        key.p_ = BnToBin(p.get(), 0);
        key.q_ = BnToBin(q.get(), 0);
        key.dp_ = BnToBin(dp.get(), 0);
        key.dq_ = BnToBin(dq.get(), 0);
        key.qi_ = BnToBin(qi.get(), 0);
      }
    }
  } else {
    return InvalidArgumentError("FromPkey: unsupported key type or curve");
  }
  CAIRN_RETURN_IF_ERROR(key.Validate());
  return key;
}

Result<Jwk> Jwk::FromSymmetric(std::string_view key_bytes) {
  Jwk key;
  key.kty_ = "oct";
  key.k_.assign(key_bytes);
  CAIRN_RETURN_IF_ERROR(key.Validate());
  return key;
}

namespace {

// GenerateUnlabelled makes the key material for Jwk::Generate.
Result<Jwk> GenerateUnlabelled(std::string_view kty, std::string_view crv, int size) {
  if (kty == "oct") {
    if (size == 0) size = 32;
    if (size < 16 || size > static_cast<int>(kMaxOctBytes)) {
      return InvalidArgumentError("oct key size must be 16..1024 bytes");
    }
    CAIRN_ASSIGN_OR_RETURN(std::string k,
                           crypto::OsslRandom::Default().Bytes(static_cast<size_t>(size)));
    Result<Jwk> made = Jwk::FromSymmetric(k);
    Cleanse(k);
    return made;
  }
  ossl::UniquePtr<EVP_PKEY> pkey;
  if (kty == "EC") {
    std::string curve(crv.empty() ? "P-256" : crv);
    if (internal::CoordinateSize(curve) == 0) {
      return InvalidArgumentError("unsupported EC curve \"" + curve + "\"");
    }
    pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve.c_str()));
  } else if (kty == "OKP") {
    if (!crv.empty() && crv != "Ed25519") {
      return InvalidArgumentError("unsupported OKP curve \"" + std::string(crv) + "\"");
    }
    pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  } else if (kty == "RSA") {
    if (size == 0) size = 2048;
    if (size < 2048 || size > 8192) {
      return InvalidArgumentError("RSA key size must be 2048..8192 bits");
    }
    pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(size)));
  } else {
    return InvalidArgumentError("unsupported kty \"" + std::string(kty) + "\"");
  }
  if (!pkey) return ossl::ErrorStatus("EVP_PKEY_Q_keygen");
  return Jwk::FromPkey(pkey.get(), /*include_private=*/true);
}

}  // namespace

Result<Jwk> Jwk::Generate(std::string_view kty, std::string_view crv, int size) {
  Result<Jwk> made = GenerateUnlabelled(kty, crv, size);
  if (!made.ok()) return made;
  Jwk& key = made.value();
  key.use_ = "sig";
  key.alg_ = key.DefaultAlg();
  key.kid_ = key.Thumbprint();
  return made;
}

nlohmann::json Jwk::ToJson(bool include_private) const {
  nlohmann::json j = nlohmann::json::object();
  if (kty_.empty()) return j;
  j["kty"] = kty_;
  if (!kid_.empty()) j["kid"] = kid_;
  if (!alg_.empty()) j["alg"] = alg_;
  if (!use_.empty()) j["use"] = use_;
  if (!crv_.empty()) j["crv"] = crv_;
  auto put = [&](const char* name, const std::string& v) {
    if (!v.empty()) j[name] = Base64UrlEncode(v);
  };
  put("x", x_);
  put("y", y_);
  put("n", n_);
  put("e", e_);
  if (include_private) {
    put("d", d_);
    put("p", p_);
    put("q", q_);
    put("dp", dp_);
    put("dq", dq_);
    put("qi", qi_);
    put("k", k_);
  }
  return j;
}

std::string Jwk::ToJsonString(bool include_private) const {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (kty_.empty()) return "{}";
  auto put_str = [&](const char* name, const std::string& v) {
    if (!v.empty()) j[name] = v;
  };
  auto put = [&](const char* name, const std::string& v) {
    if (!v.empty()) j[name] = Base64UrlEncode(v);
  };
  // go-jose's rawJSONWebKey field order.
  put_str("use", use_);
  put_str("kty", kty_);
  put_str("kid", kid_);
  put_str("crv", crv_);
  put_str("alg", alg_);
  if (include_private) put("k", k_);
  put("x", x_);
  put("y", y_);
  put("n", n_);
  put("e", e_);
  if (include_private) {
    put("d", d_);
    put("p", p_);
    put("q", q_);
    put("dp", dp_);
    put("dq", dq_);
    put("qi", qi_);
  }
  // kid/alg/use may come from setters with arbitrary bytes; never throw from here.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string Jwk::Thumbprint() const {
  // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace. All
  // values are base64url or fixed ASCII names, so no JSON escaping is needed.
  std::string canonical;
  if (kty_ == "EC") {
    canonical = "{\"crv\":\"" + crv_ + "\",\"kty\":\"EC\",\"x\":\"" + Base64UrlEncode(x_) +
                "\",\"y\":\"" + Base64UrlEncode(y_) + "\"}";
  } else if (kty_ == "RSA") {
    canonical = "{\"e\":\"" + Base64UrlEncode(e_) + "\",\"kty\":\"RSA\",\"n\":\"" +
                Base64UrlEncode(n_) + "\"}";
  } else if (kty_ == "OKP") {
    canonical = "{\"crv\":\"" + crv_ + "\",\"kty\":\"OKP\",\"x\":\"" + Base64UrlEncode(x_) + "\"}";
  } else if (kty_ == "oct") {
    canonical = "{\"k\":\"" + Base64UrlEncode(k_) + "\",\"kty\":\"oct\"}";
  } else {
    return "";
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const bool ok =
      EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(), nullptr) == 1;
  if (kty_ == "oct") Cleanse(canonical);
  CAIRN_CHECK(ok);  // SHA-256 over memory cannot fail short of memory exhaustion
  return Base64UrlEncode(std::string_view(reinterpret_cast<char*>(digest), len));
}

Result<ossl::UniquePtr<EVP_PKEY>> Jwk::ToPkey() const {
  if (!pkey_) {
    return InvalidArgumentError(kty_.empty() ? "empty JWK" : "a symmetric JWK has no EVP_PKEY");
  }
  return ossl::UpRef(pkey_.get());
}

Jwk Jwk::PublicKey() const {
  if (kty_ == "oct" || d_.empty()) return *this;
  Jwk pub;
  pub.kty_ = kty_;
  pub.crv_ = crv_;
  pub.kid_ = kid_;
  pub.alg_ = alg_;
  pub.use_ = use_;
  pub.x_ = x_;
  pub.y_ = y_;
  pub.n_ = n_;
  pub.e_ = e_;
  // The same public members already passed validation as part of the key pair, so
  // validating them alone cannot fail.
  Status s = pub.Validate();
  CAIRN_CHECK(s.ok());
  return pub;
}

bool Jwk::is_private() const { return kty_ == "oct" ? !k_.empty() : !d_.empty(); }

std::string Jwk::DefaultAlg() const {
  if (kty_ == "EC") {
    if (crv_ == "P-256") return "ES256";
    if (crv_ == "P-384") return "ES384";
    if (crv_ == "P-521") return "ES512";
    return "";
  }
  if (kty_ == "OKP") return "EdDSA";
  if (kty_ == "RSA") return "RS256";
  if (kty_ == "oct") return "HS256";
  return "";
}

int Jwk::rsa_bits() const { return kty_ == "RSA" ? BitLength(n_) : 0; }

int Jwk::ec_coordinate_size() const { return kty_ == "EC" ? internal::CoordinateSize(crv_) : 0; }

}  // namespace cairn::jose
