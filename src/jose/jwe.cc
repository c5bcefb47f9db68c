#include "jose/jwe.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/status.h"
#include "base/strings.h"
#include "crypto/random.h"
#include "jose/internal/json_util.h"

namespace cairn::jose {
namespace {

constexpr size_t kSaltSize = 16;
constexpr size_t kMinSaltSize = 8;  // RFC 7518 §4.8.1.1
constexpr size_t kMaxSaltSize = 1024;
constexpr size_t kMaxPasswordSize = 64 * 1024;
constexpr size_t kMaxHeaderSize = 16 * 1024;

struct KwAlg {
  std::string_view name;
  const EVP_MD* (*md)();
  const EVP_CIPHER* (*wrap)();
  int kek_size;
};

constexpr KwAlg kKwAlgs[] = {
    {"PBES2-HS256+A128KW", EVP_sha256, EVP_aes_128_wrap, 16},
    {"PBES2-HS384+A192KW", EVP_sha384, EVP_aes_192_wrap, 24},
    {"PBES2-HS512+A256KW", EVP_sha512, EVP_aes_256_wrap, 32},
};

enum class Mode { kGcm, kCbcHmac };

struct EncAlg {
  std::string_view name;
  Mode mode;
  size_t cek_size;  // total CEK (for CBC-HMAC: MAC key ‖ ENC key)
  size_t iv_size;
  size_t tag_size;
  const EVP_CIPHER* (*cipher)();
  const EVP_MD* (*md)();  // CBC-HMAC only
};

const EVP_MD* NoMd() { return nullptr; }

constexpr EncAlg kEncAlgs[] = {
    {"A128GCM", Mode::kGcm, 16, 12, 16, EVP_aes_128_gcm, NoMd},
    {"A192GCM", Mode::kGcm, 24, 12, 16, EVP_aes_192_gcm, NoMd},
    {"A256GCM", Mode::kGcm, 32, 12, 16, EVP_aes_256_gcm, NoMd},
    // RFC 7518 §5.2.3-5.2.5.
    {"A128CBC-HS256", Mode::kCbcHmac, 32, 16, 16, EVP_aes_128_cbc, EVP_sha256},
    {"A192CBC-HS384", Mode::kCbcHmac, 48, 16, 24, EVP_aes_192_cbc, EVP_sha384},
    {"A256CBC-HS512", Mode::kCbcHmac, 64, 16, 32, EVP_aes_256_cbc, EVP_sha512},
};

const KwAlg* FindKw(std::string_view name) {
  for (const KwAlg& a : kKwAlgs) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const EncAlg* FindEnc(std::string_view name) {
  for (const EncAlg& a : kEncAlgs) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

Status JweError(std::string msg) { return InvalidArgumentError("invalid JWE: " + std::move(msg)); }

const unsigned char* U(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Secret is a std::string that is wiped when it goes out of scope (CEK, KEK, plaintext).
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string s) : s_(std::move(s)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() {
    if (!s_.empty()) OPENSSL_cleanse(s_.data(), s_.size());
  }
  std::string& get() { return s_; }
  const std::string& get() const { return s_; }

 private:
  std::string s_;
};

// DeriveKek runs RFC 7518 §4.8.1.1: PBKDF2(password, UTF8(alg) ‖ 0x00 ‖ p2s, p2c).
Status DeriveKek(const KwAlg& kw, std::string_view password, const std::string& salt, int p2c,
                 Secret& out) {
  std::string salt_input(kw.name);
  salt_input.push_back('\0');
  salt_input.append(salt);
  out.get().assign(static_cast<size_t>(kw.kek_size), '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), U(salt_input),
                        static_cast<int>(salt_input.size()), p2c, kw.md(), kw.kek_size,
                        U(out.get())) != 1) {
    return ossl::ErrorStatus("PKCS5_PBKDF2_HMAC");
  }
  return Status::Ok();
}

// KeyWrap runs RFC 3394 AES key wrap (encrypt) or unwrap (decrypt) with OpenSSL's wrap
// ciphers. On unwrap, a failed integrity check returns false with no OpenSSL error kept.
Result<std::optional<std::string>> KeyWrap(const KwAlg& kw, const Secret& kek,
                                           const std::string& in, bool wrap) {
  ossl::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return ossl::ErrorStatus("EVP_CIPHER_CTX_new");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_CipherInit_ex(ctx.get(), kw.wrap(), nullptr, U(kek.get()), nullptr, wrap ? 1 : 0) != 1) {
    return ossl::ErrorStatus("EVP_CipherInit_ex(aes-wrap)");
  }
  std::string out(in.size() + 16, '\0');
  int len = 0;
  int fin = 0;
  if (EVP_CipherUpdate(ctx.get(), U(out), &len, U(in), static_cast<int>(in.size())) <= 0 ||
      EVP_CipherFinal_ex(ctx.get(), U(out) + len, &fin) <= 0) {
    if (wrap) return ossl::ErrorStatus("AES key wrap");
    ossl::ClearErrors();
    OPENSSL_cleanse(out.data(), out.size());
    return std::optional<std::string>();
  }
  out.resize(static_cast<size_t>(len + fin));
  return std::optional<std::string>(std::move(out));
}

// CbcHmacTag computes RFC 7518 §5.2.2.1 step 5/6: the first tag_size bytes of
// HMAC(MAC_KEY, AAD ‖ IV ‖ CT ‖ AL).
Result<std::string> CbcHmacTag(const EncAlg& enc, const std::string& mac_key,
                               const std::string& aad, const std::string& iv,
                               const std::string& ct) {
  const uint64_t al = static_cast<uint64_t>(aad.size()) * 8;
  std::string input = aad + iv + ct;
  for (int i = 7; i >= 0; --i) input.push_back(static_cast<char>((al >> (8 * i)) & 0xff));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(enc.md(), mac_key.data(), static_cast<int>(mac_key.size()), U(input), input.size(), mac,
           &len) == nullptr) {
    return ossl::ErrorStatus("HMAC");
  }
  return std::string(reinterpret_cast<char*>(mac), enc.tag_size);
}

struct Sealed {
  std::string ciphertext;
  std::string tag;
};

Result<Sealed> Seal(const EncAlg& enc, const Secret& cek, const std::string& iv,
                    const std::string& aad, std::string_view plaintext) {
  Sealed out;
  ossl::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return ossl::ErrorStatus("EVP_CIPHER_CTX_new");
  const std::string_view pt = plaintext;
  out.ciphertext.assign(pt.size() + 32, '\0');
  int len = 0;
  int fin = 0;
  if (enc.mode == Mode::kGcm) {
    if (EVP_EncryptInit_ex(ctx.get(), enc.cipher(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                            nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, U(cek.get()), U(iv)) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), U(out.ciphertext), &len, U(pt), static_cast<int>(pt.size())) !=
            1 ||
        EVP_EncryptFinal_ex(ctx.get(), U(out.ciphertext) + len, &fin) != 1) {
      return ossl::ErrorStatus("AES-GCM encrypt");
    }
    out.ciphertext.resize(static_cast<size_t>(len + fin));
    out.tag.assign(enc.tag_size, '\0');
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(enc.tag_size),
                            U(out.tag)) != 1) {
      return ossl::ErrorStatus("AES-GCM tag");
    }
    return out;
  }
  // CBC-HMAC: CEK = MAC_KEY ‖ ENC_KEY (RFC 7518 §5.2.2.1).
  const size_t half = enc.cek_size / 2;
  Secret mac_key(cek.get().substr(0, half));
  Secret enc_key(cek.get().substr(half));
  if (EVP_EncryptInit_ex(ctx.get(), enc.cipher(), nullptr, U(enc_key.get()), U(iv)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), U(out.ciphertext), &len, U(pt), static_cast<int>(pt.size())) !=
          1 ||
      EVP_EncryptFinal_ex(ctx.get(), U(out.ciphertext) + len, &fin) != 1) {
    return ossl::ErrorStatus("AES-CBC encrypt");
  }
  out.ciphertext.resize(static_cast<size_t>(len + fin));
  CAIRN_ASSIGN_OR_RETURN(out.tag, CbcHmacTag(enc, mac_key.get(), aad, iv, out.ciphertext));
  return out;
}

Result<std::string> Open(const EncAlg& enc, const Secret& cek, const std::string& iv,
                         const std::string& aad, const std::string& ciphertext,
                         const std::string& tag) {
  const Status auth_failed = InvalidArgumentError("decrypting JWE: authentication failed");
  if (iv.size() != enc.iv_size) return JweError("iv has the wrong length");
  if (tag.size() != enc.tag_size) return JweError("tag has the wrong length");
  ossl::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return ossl::ErrorStatus("EVP_CIPHER_CTX_new");
  std::string pt(ciphertext.size() + 32, '\0');
  int len = 0;
  int fin = 0;
  if (enc.mode == Mode::kGcm) {
    std::string tag_copy = tag;  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer
    if (EVP_DecryptInit_ex(ctx.get(), enc.cipher(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                            nullptr) != 1 ||
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, U(cek.get()), U(iv)) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1 ||
        EVP_DecryptUpdate(ctx.get(), U(pt), &len, U(ciphertext),
                          static_cast<int>(ciphertext.size())) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_copy.size()),
                            U(tag_copy)) != 1) {
      return ossl::ErrorStatus("AES-GCM decrypt");
    }
    if (EVP_DecryptFinal_ex(ctx.get(), U(pt) + len, &fin) != 1) {
      ossl::ClearErrors();
      OPENSSL_cleanse(pt.data(), pt.size());
      return auth_failed;
    }
    pt.resize(static_cast<size_t>(len + fin));
    return pt;
  }
  const size_t half = enc.cek_size / 2;
  Secret mac_key(cek.get().substr(0, half));
  Secret enc_key(cek.get().substr(half));
  // Authenticate before decrypting (no padding oracle).
  CAIRN_ASSIGN_OR_RETURN(std::string expected, CbcHmacTag(enc, mac_key.get(), aad, iv, ciphertext));
  if (!ConstantTimeEquals(expected, tag)) return auth_failed;
  if (EVP_DecryptInit_ex(ctx.get(), enc.cipher(), nullptr, U(enc_key.get()), U(iv)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), U(pt), &len, U(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), U(pt) + len, &fin) != 1) {
    ossl::ClearErrors();
    OPENSSL_cleanse(pt.data(), pt.size());
    return auth_failed;
  }
  pt.resize(static_cast<size_t>(len + fin));
  return pt;
}

// JweParts is a JWE in either serialization, decoded.
struct JweParts {
  nlohmann::json header;      // joint header: protected ∪ unprotected ∪ recipient
  std::string protected_b64;  // as received; its ASCII is the AAD
  std::string aad_b64;        // JSON "aad" member, if any
  std::string encrypted_key, iv, ciphertext, tag;
};

Status MergeHeader(nlohmann::json& into, const nlohmann::json& from, std::string_view what) {
  if (from.is_null()) return Status::Ok();
  if (!from.is_object()) return JweError(std::string(what) + " is not a JSON object");
  for (const auto& [name, value] : from.items()) {
    // RFC 7516 §7.2.1: header parameter names in the three headers MUST be disjoint.
    if (into.contains(name)) return JweError("header parameter \"" + name + "\" appears twice");
    into[name] = value;
  }
  return Status::Ok();
}

Result<JweParts> ParseJwe(std::string_view text) {
  text = Trim(text);
  if (text.size() > kMaxJweSize) return JweError("too large");
  JweParts parts;
  parts.header = nlohmann::json::object();
  if (!text.empty() && text.front() == '{') {
    CAIRN_ASSIGN_OR_RETURN(nlohmann::json j, internal::ParseJsonObject(text, "JWE", kMaxJweSize));
    nlohmann::json recipient;
    if (auto r = j.find("recipients"); r != j.end()) {
      if (!r->is_array() || r->size() != 1) {
        return JweError("exactly one recipient is supported");
      }
      recipient = (*r)[0];
      if (!recipient.is_object()) return JweError("recipient is not a JSON object");
      if (j.contains("header") || j.contains("encrypted_key")) {
        return JweError("mixes general and flattened serialization");
      }
    } else {
      recipient = nlohmann::json::object();
      if (auto h = j.find("header"); h != j.end()) recipient["header"] = *h;
      if (auto k = j.find("encrypted_key"); k != j.end()) recipient["encrypted_key"] = *k;
    }
    CAIRN_ASSIGN_OR_RETURN(auto prot, internal::GetString(j, "protected", "JWE"));
    parts.protected_b64 = prot.value_or("");
    CAIRN_ASSIGN_OR_RETURN(auto aad, internal::GetString(j, "aad", "JWE"));
    parts.aad_b64 = aad.value_or("");
    if (!parts.aad_b64.empty() && !Base64UrlDecode(parts.aad_b64).ok()) {
      return JweError("aad is not base64url");
    }
    CAIRN_ASSIGN_OR_RETURN(parts.encrypted_key,
                           internal::GetB64(recipient, "encrypted_key", "JWE", true));
    CAIRN_ASSIGN_OR_RETURN(parts.iv, internal::GetB64(j, "iv", "JWE", true));
    CAIRN_ASSIGN_OR_RETURN(parts.ciphertext, internal::GetB64(j, "ciphertext", "JWE", true));
    CAIRN_ASSIGN_OR_RETURN(parts.tag, internal::GetB64(j, "tag", "JWE", true));
    if (!parts.protected_b64.empty()) {
      auto decoded = Base64UrlDecode(parts.protected_b64);
      if (!decoded.ok()) return JweError("protected header is not base64url");
      CAIRN_ASSIGN_OR_RETURN(parts.header, internal::ParseJsonObject(
                                               *decoded, "JWE protected header", kMaxHeaderSize));
    }
    CAIRN_RETURN_IF_ERROR(
        MergeHeader(parts.header, j.value("unprotected", nlohmann::json()), "unprotected header"));
    CAIRN_RETURN_IF_ERROR(
        MergeHeader(parts.header, recipient.value("header", nlohmann::json()), "recipient header"));
    return parts;
  }
  std::vector<std::string> fields = Split(text, '.');
  if (fields.size() != 5) return JweError("compact form needs five dot-separated parts");
  if (fields[0].empty()) return JweError("empty protected header");
  parts.protected_b64 = fields[0];
  std::string* outs[4] = {&parts.encrypted_key, &parts.iv, &parts.ciphertext, &parts.tag};
  for (int i = 0; i < 4; ++i) {
    auto decoded = Base64UrlDecode(fields[static_cast<size_t>(i) + 1]);
    if (!decoded.ok()) return JweError("part " + std::to_string(i + 2) + " is not base64url");
    *outs[i] = std::move(decoded).value();
  }
  auto header_json = Base64UrlDecode(parts.protected_b64);
  if (!header_json.ok()) return JweError("protected header is not base64url");
  CAIRN_ASSIGN_OR_RETURN(parts.header, internal::ParseJsonObject(
                                           *header_json, "JWE protected header", kMaxHeaderSize));
  return parts;
}

struct Pbes2Params {
  const KwAlg* kw;
  const EncAlg* enc;
  int p2c;
  std::string salt;
};

Result<Pbes2Params> CheckHeader(const nlohmann::json& h) {
  Pbes2Params p{};
  CAIRN_ASSIGN_OR_RETURN(auto alg, internal::GetString(h, "alg", "JWE header"));
  if (!alg.has_value()) return JweError("header has no \"alg\"");
  p.kw = FindKw(*alg);
  if (p.kw == nullptr) return JweError("unsupported alg \"" + *alg + "\" (want PBES2)");
  CAIRN_ASSIGN_OR_RETURN(auto enc, internal::GetString(h, "enc", "JWE header"));
  if (!enc.has_value()) return JweError("header has no \"enc\"");
  p.enc = FindEnc(*enc);
  if (p.enc == nullptr) return JweError("unsupported enc \"" + *enc + "\"");
  if (h.contains("zip")) return JweError("compressed JWE (\"zip\") is not supported");
  if (h.contains("crit")) return JweError("unsupported critical header (\"crit\")");
  auto p2c = h.find("p2c");
  if (p2c == h.end() || !p2c->is_number_integer()) return JweError("missing or invalid \"p2c\"");
  const int64_t count =
      p2c->is_number_unsigned()
          ? static_cast<int64_t>(std::min<uint64_t>(p2c->get<uint64_t>(), uint64_t{1} << 40))
          : p2c->get<int64_t>();
  if (count < kMinPbes2Count || count > kMaxPbes2Count) {
    return JweError("p2c " + std::to_string(count) + " is outside [" +
                    std::to_string(kMinPbes2Count) + ", " + std::to_string(kMaxPbes2Count) + "]");
  }
  p.p2c = static_cast<int>(count);
  CAIRN_ASSIGN_OR_RETURN(p.salt, internal::GetB64(h, "p2s", "JWE header", true));
  if (p.salt.size() < kMinSaltSize || p.salt.size() > kMaxSaltSize) {
    return JweError("p2s must be 8..1024 bytes");
  }
  return p;
}

struct Encrypted {
  std::string protected_b64, encrypted_key, iv, ciphertext, tag;
};

Result<Encrypted> EncryptPbes2(std::string_view plaintext, std::string_view password, int p2c,
                               std::string_view enc_name, std::string_view cty) {
  if (password.empty()) return InvalidArgumentError("encrypting JWE: empty password");
  if (password.size() > kMaxPasswordSize) {
    return InvalidArgumentError("encrypting JWE: password too long");
  }
  if (p2c < kMinPbes2Count || p2c > kMaxPbes2Count) {
    return InvalidArgumentError("encrypting JWE: p2c out of range");
  }
  if (plaintext.size() > kMaxJweSize / 2) {
    return InvalidArgumentError("encrypting JWE: plaintext too large");
  }
  const EncAlg* enc = FindEnc(enc_name);
  if (enc == nullptr) {
    return InvalidArgumentError("encrypting JWE: unsupported enc \"" + std::string(enc_name) +
                                "\"");
  }
  const KwAlg& kw = kKwAlgs[0];  // PBES2-HS256+A128KW, as step
  auto& rng = crypto::OsslRandom::Default();
  CAIRN_ASSIGN_OR_RETURN(std::string salt, rng.Bytes(kSaltSize));
  CAIRN_ASSIGN_OR_RETURN(std::string iv, rng.Bytes(enc->iv_size));
  Secret cek;
  CAIRN_ASSIGN_OR_RETURN(cek.get(), rng.Bytes(enc->cek_size));

  nlohmann::json header = {
      {"alg", kw.name}, {"enc", enc->name}, {"p2c", p2c}, {"p2s", Base64UrlEncode(salt)}};
  if (!cty.empty()) header["cty"] = std::string(cty);
  CAIRN_ASSIGN_OR_RETURN(std::string header_json, internal::DumpJson(header));

  Encrypted out;
  out.protected_b64 = Base64UrlEncode(header_json);
  Secret kek;
  CAIRN_RETURN_IF_ERROR(DeriveKek(kw, password, salt, p2c, kek));
  CAIRN_ASSIGN_OR_RETURN(auto wrapped, KeyWrap(kw, kek, cek.get(), /*wrap=*/true));
  out.encrypted_key = Base64UrlEncode(*wrapped);
  CAIRN_ASSIGN_OR_RETURN(Sealed sealed, Seal(*enc, cek, iv, out.protected_b64, plaintext));
  out.iv = Base64UrlEncode(iv);
  out.ciphertext = Base64UrlEncode(sealed.ciphertext);
  out.tag = Base64UrlEncode(sealed.tag);
  return out;
}

}  // namespace

Result<std::string> EncryptPbes2Compact(std::string_view plaintext, std::string_view password,
                                        int p2c, std::string_view enc, std::string_view cty) {
  CAIRN_ASSIGN_OR_RETURN(Encrypted e, EncryptPbes2(plaintext, password, p2c, enc, cty));
  return e.protected_b64 + "." + e.encrypted_key + "." + e.iv + "." + e.ciphertext + "." + e.tag;
}

Result<std::string> EncryptPbes2Json(std::string_view plaintext, std::string_view password, int p2c,
                                     std::string_view enc, std::string_view cty) {
  CAIRN_ASSIGN_OR_RETURN(Encrypted e, EncryptPbes2(plaintext, password, p2c, enc, cty));
  nlohmann::ordered_json j;
  j["protected"] = e.protected_b64;
  j["encrypted_key"] = e.encrypted_key;
  j["iv"] = e.iv;
  j["ciphertext"] = e.ciphertext;
  j["tag"] = e.tag;
  return j.dump(2);
}

Result<std::string> Decrypt(std::string_view jwe, std::string_view password) {
  if (password.size() > kMaxPasswordSize) {
    return InvalidArgumentError("decrypting JWE: password too long");
  }
  CAIRN_ASSIGN_OR_RETURN(JweParts parts, ParseJwe(jwe));
  CAIRN_ASSIGN_OR_RETURN(Pbes2Params params, CheckHeader(parts.header));
  // RFC 3394: the wrapped key is the CEK plus one 64-bit block.
  if (parts.encrypted_key.size() != params.enc->cek_size + 8) {
    return JweError("encrypted_key has the wrong length for " + std::string(params.enc->name));
  }
  Secret kek;
  CAIRN_RETURN_IF_ERROR(DeriveKek(*params.kw, password, params.salt, params.p2c, kek));
  CAIRN_ASSIGN_OR_RETURN(auto unwrapped,
                         KeyWrap(*params.kw, kek, parts.encrypted_key, /*wrap=*/false));
  if (!unwrapped.has_value()) return InvalidArgumentError("decrypting JWE: wrong password?");
  Secret cek(std::move(*unwrapped));
  if (cek.get().size() != params.enc->cek_size) return JweError("CEK has the wrong length");
  // RFC 7516 §5.2 step 14: AAD = ASCII(protected) [‖ '.' ‖ ASCII(aad)].
  std::string aad = parts.protected_b64;
  if (!parts.aad_b64.empty()) aad += "." + parts.aad_b64;
  return Open(*params.enc, cek, parts.iv, aad, parts.ciphertext, parts.tag);
}

Result<nlohmann::json> PeekHeader(std::string_view jwe) {
  CAIRN_ASSIGN_OR_RETURN(JweParts parts, ParseJwe(jwe));
  return std::move(parts.header);
}

Result<std::string> EncryptJwk(const Jwk& private_jwk, std::string_view password, int p2c) {
  if (private_jwk.kty().empty() || !private_jwk.is_private()) {
    return InvalidArgumentError("EncryptJwk: the key is not private");
  }
  Secret plaintext(private_jwk.ToJsonString(/*include_private=*/true));
  return EncryptPbes2Compact(plaintext.get(), password, p2c, "A256GCM", "jwk+json");
}

Result<Jwk> DecryptJwk(std::string_view jwe, std::string_view password) {
  CAIRN_ASSIGN_OR_RETURN(std::string decrypted, Decrypt(jwe, password));
  Secret plaintext(std::move(decrypted));
  return Jwk::Parse(plaintext.get());
}

}  // namespace cairn::jose
