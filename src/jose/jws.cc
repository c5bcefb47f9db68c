#include "jose/jws.h"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/status.h"
#include "base/strings.h"
#include "jose/internal/json_util.h"
#include "jose/internal/pkey_util.h"

namespace cairn::jose {
namespace {

constexpr int kMinRsaBits = 2048;

enum class Family { kEcdsa, kRsaPkcs1, kRsaPss, kEdDsa, kHmac };

struct AlgInfo {
  std::string_view name;
  Family family;
  const EVP_MD* (*md)();   // nullptr for EdDSA
  std::string_view curve;  // required curve for ECDSA / EdDSA
};

const EVP_MD* NoMd() { return nullptr; }

constexpr AlgInfo kAlgs[] = {
    {"ES256", Family::kEcdsa, EVP_sha256, "P-256"}, {"ES384", Family::kEcdsa, EVP_sha384, "P-384"},
    {"ES512", Family::kEcdsa, EVP_sha512, "P-521"}, {"RS256", Family::kRsaPkcs1, EVP_sha256, ""},
    {"RS384", Family::kRsaPkcs1, EVP_sha384, ""},   {"RS512", Family::kRsaPkcs1, EVP_sha512, ""},
    {"PS256", Family::kRsaPss, EVP_sha256, ""},     {"PS384", Family::kRsaPss, EVP_sha384, ""},
    {"PS512", Family::kRsaPss, EVP_sha512, ""},     {"EdDSA", Family::kEdDsa, NoMd, "Ed25519"},
    {"HS256", Family::kHmac, EVP_sha256, ""},       {"HS384", Family::kHmac, EVP_sha384, ""},
    {"HS512", Family::kHmac, EVP_sha512, ""},
};

const AlgInfo* FindAlg(std::string_view name) {
  for (const AlgInfo& a : kAlgs) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

Status VerifyError(std::string msg) {
  return UnauthenticatedError("verifying JWS: " + std::move(msg));
}

Status ParseError(std::string msg) {
  return InvalidArgumentError("invalid JWS: " + std::move(msg));
}

// CheckHeader applies the header rules shared by both serializations and returns the alg.
Result<std::string> CheckHeader(const nlohmann::json& header) {
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return ParseError("header has no string \"alg\"");
  std::string name = alg->get<std::string>();
  if (name.empty()) return ParseError("empty \"alg\"");
  // RFC 7518 §3.6: unsecured JWS are never accepted here, in any spelling.
  if (EqualsIgnoreCase(name, "none")) return ParseError("\"alg\": \"none\" is not accepted");
  // RFC 7515 §4.1.11: we implement no extension, so any "crit" makes the JWS unacceptable.
  if (header.contains("crit")) return ParseError("unsupported critical header (\"crit\")");
  // RFC 7797: "b64": false changes the signing input; we do not support it.
  if (auto b64 = header.find("b64"); b64 != header.end() && *b64 != true) {
    return ParseError("unencoded payload (\"b64\") is not supported");
  }
  return name;
}

// ParseParts builds a ParsedJws from the three base64url parts.
Result<ParsedJws> ParseParts(std::string_view header_b64, std::string_view payload_b64,
                             std::string_view signature_b64) {
  if (header_b64.empty()) return ParseError("empty header");
  if (signature_b64.empty()) return ParseError("empty signature");
  auto header_json = Base64UrlDecode(header_b64);
  if (!header_json.ok()) return ParseError("header is not base64url");
  auto payload = Base64UrlDecode(payload_b64);
  if (!payload.ok()) return ParseError("payload is not base64url");
  auto signature = Base64UrlDecode(signature_b64);
  if (!signature.ok()) return ParseError("signature is not base64url");
  ParsedJws out;
  CAIRN_ASSIGN_OR_RETURN(out.header,
                         internal::ParseJsonObject(*header_json, "JWS header", kMaxJwsSize));
  CAIRN_ASSIGN_OR_RETURN(out.alg, CheckHeader(out.header));
  out.payload = std::move(payload).value();
  out.signature = std::move(signature).value();
  out.signing_input.reserve(header_b64.size() + 1 + payload_b64.size());
  out.signing_input.append(header_b64).append(".").append(payload_b64);
  return out;
}

// CheckAllowed applies the caller's allow-list.
Status CheckAllowed(std::string_view alg, std::span<const std::string_view> allowed) {
  if (allowed.empty()) return Status::Ok();
  if (std::find(allowed.begin(), allowed.end(), alg) == allowed.end()) {
    return VerifyError("algorithm " + std::string(alg) + " is not allowed");
  }
  return Status::Ok();
}

// CheckAlgFitsPkey checks that an asymmetric alg suits `pkey` (type, curve, RSA size).
Status CheckAlgFitsPkey(const AlgInfo& alg, EVP_PKEY* pkey) {
  const std::string name(alg.name);
  switch (alg.family) {
    case Family::kEcdsa:
    case Family::kEdDsa:
      if (internal::KeyCurve(pkey) != alg.curve) {
        return VerifyError(name + " requires a " + std::string(alg.curve) + " key");
      }
      return Status::Ok();
    case Family::kRsaPkcs1:
    case Family::kRsaPss:
      if (!internal::IsRsa(pkey)) return VerifyError(name + " requires an RSA key");
      if (EVP_PKEY_get_bits(pkey) < kMinRsaBits) {
        return VerifyError("RSA keys must have at least 2048 bits");
      }
      return Status::Ok();
    case Family::kHmac:
      // Key confusion (RFC 8725 §2.1): HMAC is never keyed with an asymmetric key's bytes.
      return VerifyError(name + " cannot be used with an asymmetric key");
  }
  return VerifyError("unsupported algorithm");
}

// ConfigureRsa sets padding on the DigestSign/Verify context for RSA algorithms.
bool ConfigureRsa(const AlgInfo& alg, EVP_PKEY_CTX* pctx, bool sign) {
  if (alg.family == Family::kRsaPkcs1) {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  if (alg.family == Family::kRsaPss) {
    // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash. On verification we
    // accept any salt length, as go-jose does (crypto/rsa PSSSaltLengthAuto).
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, alg.md()) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(
               pctx, sign ? RSA_PSS_SALTLEN_DIGEST : RSA_PSS_SALTLEN_AUTO) == 1;
  }
  return true;
}

// EcdsaRawToDer converts a JOSE R‖S signature to the DER ECDSA-Sig-Value OpenSSL verifies.
Result<std::string> EcdsaRawToDer(std::string_view raw) {
  const size_t half = raw.size() / 2;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  ossl::UniquePtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(p, static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(p + half, static_cast<int>(half), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return ossl::ErrorStatus("ECDSA_SIG_set0");
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return ossl::ErrorStatus("i2d_ECDSA_SIG");
  ossl::UniquePtr<unsigned char> owned(der);
  return std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len));
}

// EcdsaDerToRaw converts OpenSSL's DER signature to R‖S, each left-padded to `size` bytes.
Result<std::string> EcdsaDerToRaw(std::string_view der, int size) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::UniquePtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return ossl::ErrorStatus("d2i_ECDSA_SIG");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(static_cast<size_t>(2 * size), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, o, size) != size || BN_bn2binpad(s, o + size, size) != size) {
    return InternalError("ECDSA signature component too large");
  }
  return out;
}

// VerifyAsymmetric checks `jws` against `pkey` once alg and key are known to fit.
Status VerifyAsymmetric(const AlgInfo& alg, const ParsedJws& jws, EVP_PKEY* pkey) {
  std::string sig = jws.signature;
  if (alg.family == Family::kEcdsa) {
    const size_t size = static_cast<size_t>(internal::CoordinateSize(std::string(alg.curve)));
    // RFC 7518 §3.4: exactly 2 × coordinate size; DER or short forms are rejected.
    if (sig.size() != 2 * size) return VerifyError("ECDSA signature has the wrong length");
    CAIRN_ASSIGN_OR_RETURN(sig, EcdsaRawToDer(sig));
  } else if (alg.family == Family::kEdDsa) {
    if (sig.size() != 64) return VerifyError("Ed25519 signature has the wrong length");
  } else if (sig.size() != static_cast<size_t>(EVP_PKEY_get_size(pkey))) {
    return VerifyError("RSA signature has the wrong length");
  }
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::ErrorStatus("EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, alg.md(), nullptr, pkey) != 1 ||
      !ConfigureRsa(alg, pctx, /*sign=*/false)) {
    return ossl::ErrorStatus("EVP_DigestVerifyInit", StatusCode::kInternal);
  }
  int rc = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
      reinterpret_cast<const unsigned char*>(jws.signing_input.data()), jws.signing_input.size());
  if (rc != 1) {
    ossl::ClearErrors();
    return VerifyError("invalid signature");
  }
  return Status::Ok();
}

Result<std::string> Hmac(const AlgInfo& alg, const std::string& key, std::string_view input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(alg.md(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
           &len) == nullptr) {
    return ossl::ErrorStatus("HMAC");
  }
  return std::string(reinterpret_cast<char*>(mac), len);
}

// CheckHmacKey enforces RFC 7518 §3.2: the key is at least as long as the hash output.
Status CheckHmacKey(const AlgInfo& alg, const Jwk& key, StatusCode code) {
  if (key.symmetric_key().size() < static_cast<size_t>(EVP_MD_get_size(alg.md()))) {
    return Status(code, std::string(alg.name) + " requires a key of at least " +
                            std::to_string(EVP_MD_get_size(alg.md())) + " bytes");
  }
  return Status::Ok();
}

// SignInput signs `input` with `key` under `alg_name`, returning the raw JOSE signature.
Result<std::string> SignInput(std::string_view input, const Jwk& key, const AlgInfo& alg) {
  if (alg.family == Family::kHmac) {
    if (!key.is_symmetric()) {
      return InvalidArgumentError(std::string(alg.name) + " requires a symmetric (oct) key");
    }
    CAIRN_RETURN_IF_ERROR(CheckHmacKey(alg, key, StatusCode::kInvalidArgument));
    return Hmac(alg, key.symmetric_key(), input);
  }
  if (key.is_symmetric() || key.pkey() == nullptr) {
    return InvalidArgumentError(std::string(alg.name) + " requires an asymmetric key");
  }
  if (!key.is_private()) return InvalidArgumentError("signing requires a private key");
  if (Status fit = CheckAlgFitsPkey(alg, key.pkey()); !fit.ok()) {
    return InvalidArgumentError(fit.message());
  }
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::ErrorStatus("EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestSignInit(ctx.get(), &pctx, alg.md(), nullptr, key.pkey()) != 1 ||
      !ConfigureRsa(alg, pctx, /*sign=*/true)) {
    return ossl::ErrorStatus("EVP_DigestSignInit");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) {
    return ossl::ErrorStatus("EVP_DigestSign");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     input.size()) != 1) {
    return ossl::ErrorStatus("EVP_DigestSign");
  }
  sig.resize(len);
  if (alg.family == Family::kEcdsa) return EcdsaDerToRaw(sig, key.ec_coordinate_size());
  return sig;
}

// BuildAndSign makes the protected header and signature; returns {header_b64, payload_b64,
// signature_b64}.
Result<std::vector<std::string>> BuildAndSign(std::string_view payload, const Jwk& key,
                                              nlohmann::json header, std::string_view alg) {
  if (header.is_null()) header = nlohmann::json::object();
  if (!header.is_object()) return InvalidArgumentError("JWS header must be a JSON object");
  const std::string alg_name = alg.empty() ? key.SigningAlg() : std::string(alg);
  const AlgInfo* info = FindAlg(alg_name);
  if (info == nullptr)
    return InvalidArgumentError("unsupported JWS algorithm \"" + alg_name + "\"");
  if (!key.alg().empty() && key.alg() != alg_name) {
    return InvalidArgumentError("key is for " + key.alg() + ", not " + alg_name);
  }
  header["alg"] = alg_name;
  CAIRN_ASSIGN_OR_RETURN(std::string header_json, internal::DumpJson(header));
  std::vector<std::string> parts = {Base64UrlEncode(header_json), Base64UrlEncode(payload)};
  CAIRN_ASSIGN_OR_RETURN(std::string sig, SignInput(parts[0] + "." + parts[1], key, *info));
  parts.push_back(Base64UrlEncode(sig));
  return parts;
}

}  // namespace

Result<ParsedJws> ParseCompact(std::string_view token) {
  if (token.size() > kMaxJwsSize) return ParseError("token is too large");
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return ParseError("not three dot-separated parts");
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return ParseError("not three dot-separated parts");
  }
  return ParseParts(token.substr(0, dot1), token.substr(dot1 + 1, dot2 - dot1 - 1),
                    token.substr(dot2 + 1));
}

Result<ParsedJws> ParseFlattened(std::string_view json) {
  CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, internal::ParseJsonObject(json, "JWS", kMaxJwsSize));
  if (j.contains("signatures")) return ParseError("general JSON serialization is not supported");
  if (j.contains("header")) return ParseError("unprotected header is not allowed");
  std::string parts[3];
  const char* names[3] = {"protected", "payload", "signature"};
  for (int i = 0; i < 3; ++i) {
    CAIRN_ASSIGN_OR_RETURN(auto v, internal::GetString(j, names[i], "JWS"));
    if (!v.has_value()) return ParseError(std::string("missing \"") + names[i] + "\"");
    parts[i] = std::move(*v);
  }
  return ParseParts(parts[0], parts[1], parts[2]);
}

Result<std::string> SignCompact(std::string_view payload, const Jwk& key,
                                nlohmann::json extra_header, std::string_view alg) {
  CAIRN_ASSIGN_OR_RETURN(auto parts, BuildAndSign(payload, key, std::move(extra_header), alg));
  return parts[0] + "." + parts[1] + "." + parts[2];
}

Result<std::string> SignFlattened(std::string_view payload, const Jwk& key,
                                  nlohmann::json protected_header, std::string_view alg) {
  CAIRN_ASSIGN_OR_RETURN(auto parts, BuildAndSign(payload, key, std::move(protected_header), alg));
  nlohmann::json out = {{"protected", parts[0]}, {"payload", parts[1]}, {"signature", parts[2]}};
  return out.dump();
}

Status Verify(const ParsedJws& jws, const Jwk& key, std::span<const std::string_view> allowed) {
  const AlgInfo* info = FindAlg(jws.alg);
  if (info == nullptr) return VerifyError("unsupported algorithm \"" + jws.alg + "\"");
  CAIRN_RETURN_IF_ERROR(CheckAllowed(jws.alg, allowed));
  if (!key.alg().empty() && key.alg() != jws.alg) {
    return VerifyError("token alg " + jws.alg + " does not match the key's alg " + key.alg());
  }
  if (key.is_symmetric()) {
    if (info->family != Family::kHmac) {
      return VerifyError(jws.alg + " cannot be used with a symmetric key");
    }
    CAIRN_RETURN_IF_ERROR(CheckHmacKey(*info, key, StatusCode::kUnauthenticated));
    CAIRN_ASSIGN_OR_RETURN(std::string mac, Hmac(*info, key.symmetric_key(), jws.signing_input));
    if (!ConstantTimeEquals(mac, jws.signature)) return VerifyError("invalid signature");
    return Status::Ok();
  }
  if (key.pkey() == nullptr) return VerifyError("empty key");
  CAIRN_RETURN_IF_ERROR(CheckAlgFitsPkey(*info, key.pkey()));
  return VerifyAsymmetric(*info, jws, key.pkey());
}

Status VerifyWithPkey(const ParsedJws& jws, EVP_PKEY* pkey,
                      std::span<const std::string_view> allowed) {
  if (pkey == nullptr) return VerifyError("no key");
  const AlgInfo* info = FindAlg(jws.alg);
  if (info == nullptr) return VerifyError("unsupported algorithm \"" + jws.alg + "\"");
  CAIRN_RETURN_IF_ERROR(CheckAllowed(jws.alg, allowed));
  CAIRN_RETURN_IF_ERROR(CheckAlgFitsPkey(*info, pkey));
  return VerifyAsymmetric(*info, jws, pkey);
}

}  // namespace cairn::jose
