#include "crypto/key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <array>
#include <cstring>
#include <optional>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/der.h"
#include "crypto/pem.h"
#include "crypto/random.h"

namespace cairn::crypto {
namespace {

// Bounds on DER inputs; the largest supported key (RSA 8192 PKCS#1) is under 5 KiB.
constexpr size_t kMaxKeyDer = 64 << 10;
constexpr int kMaxParsedRsaBits = 16384;
// step's PBKDF2 iteration count for encrypted PKCS#8 (go.step.sm/crypto pemutil).
constexpr int kPbkdf2Iterations = 100000;
// Upper bound on PBKDF2 iterations we are willing to run for a key read from a file.
constexpr int64_t kMaxPbkdf2Iterations = 10'000'000;

constexpr std::string_view kWrongPassword = "decrypting key: wrong password?";

// Wiper clears a buffer holding secret material when it goes out of scope.
class Wiper {
 public:
  explicit Wiper(std::string& s) : s_(s) {}
  ~Wiper() {
    if (!s_.empty()) OPENSSL_cleanse(s_.data(), s_.size());
  }
  Wiper(const Wiper&) = delete;
  Wiper& operator=(const Wiper&) = delete;

 private:
  std::string& s_;
};

struct KeyKind {
  KeyType type;
  int bits;
};

KeyKind Classify(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char name[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &len) == 1) {
      std::string_view n(name, len);
      if (n == "prime256v1" || n == "P-256") return {KeyType::kEcP256, 256};
      if (n == "secp384r1" || n == "P-384") return {KeyType::kEcP384, 384};
      if (n == "secp521r1" || n == "P-521") return {KeyType::kEcP521, 521};
    }
    ossl::ClearErrors();
    return {KeyType::kOther, EVP_PKEY_get_bits(pkey)};
  }
  if (EVP_PKEY_is_a(pkey, "ED25519")) return {KeyType::kEd25519, 256};
  // EVP_PKEY_is_a(pkey, "RSA") is false for RSA-PSS keys, which we do not support.
  if (EVP_PKEY_is_a(pkey, "RSA")) return {KeyType::kRsa, EVP_PKEY_get_bits(pkey)};
  return {KeyType::kOther, EVP_PKEY_get_bits(pkey)};
}

Status CheckSupported(const KeyKind& kind) {
  if (kind.type == KeyType::kOther) {
    return InvalidArgumentError("unsupported key type (want EC P-256/P-384/P-521, Ed25519, RSA)");
  }
  if (kind.type == KeyType::kRsa && kind.bits > kMaxParsedRsaBits) {
    return InvalidArgumentError("RSA key too large");
  }
  return Status();
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// --- Unencrypted DER ----------------------------------------------------------------------

// ParsePkcs8 parses an unencrypted PrivateKeyInfo; nullptr (errors cleared) when it is not one.
ossl::UniquePtr<EVP_PKEY> ParsePkcs8(std::string_view der) {
  const unsigned char* p = Bytes(der);
  ossl::UniquePtr<PKCS8_PRIV_KEY_INFO> p8(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!p8 || p != Bytes(der) + der.size()) {
    ossl::ClearErrors();
    return nullptr;
  }
  ossl::UniquePtr<EVP_PKEY> pkey(EVP_PKCS82PKEY(p8.get()));
  if (!pkey) ossl::ClearErrors();
  return pkey;
}

// ParseTraditional parses SEC1 (EVP_PKEY_EC) or PKCS#1 (EVP_PKEY_RSA) DER.
ossl::UniquePtr<EVP_PKEY> ParseTraditional(int type, std::string_view der) {
  const unsigned char* p = Bytes(der);
  ossl::UniquePtr<EVP_PKEY> pkey(d2i_PrivateKey(type, nullptr, &p, static_cast<long>(der.size())));
  if (!pkey || p != Bytes(der) + der.size()) {
    ossl::ClearErrors();
    return nullptr;
  }
  return pkey;
}

// ParseKeyDer parses decrypted key bytes given the PEM type they came in.
Result<ossl::UniquePtr<EVP_PKEY>> ParseKeyDer(std::string_view type, std::string_view der,
                                              bool decrypted) {
  ossl::UniquePtr<EVP_PKEY> pkey;
  if (type == "EC PRIVATE KEY") {
    pkey = ParseTraditional(EVP_PKEY_EC, der);
  } else if (type == "RSA PRIVATE KEY") {
    pkey = ParseTraditional(EVP_PKEY_RSA, der);
  } else {
    pkey = ParsePkcs8(der);
  }
  if (!pkey) {
    // After a decryption whose padding happened to look right, garbage is the likely cause.
    if (decrypted) return InvalidArgumentError(std::string(kWrongPassword));
    return InvalidArgumentError("error parsing " + std::string(type) + ": malformed key");
  }
  return pkey;
}

// --- Legacy encrypted PEM (RFC 1421 headers, OpenSSL EVP_BytesToKey) ----------------------

struct LegacyCipher {
  std::string_view name;
  const EVP_CIPHER* (*cipher)();
};
constexpr std::array<LegacyCipher, 4> kLegacyCiphers = {{
    {"AES-128-CBC", EVP_aes_128_cbc},
    {"AES-192-CBC", EVP_aes_192_cbc},
    {"AES-256-CBC", EVP_aes_256_cbc},
    {"DES-EDE3-CBC", EVP_des_ede3_cbc},
}};

// CbcCrypt runs `cipher` in CBC mode with PKCS#7 padding. A decryption whose padding is wrong
// fails with kInvalidArgument kWrongPassword.
Result<std::string> CbcCrypt(const EVP_CIPHER* cipher, std::string_view key, std::string_view iv,
                             std::string_view in, bool encrypt) {
  ossl::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return ossl::ErrorStatus("EVP_CIPHER_CTX_new");
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, Bytes(key), Bytes(iv), encrypt ? 1 : 0) != 1) {
    return ossl::ErrorStatus("EVP_CipherInit_ex");
  }
  std::string out(in.size() + static_cast<size_t>(EVP_CIPHER_get_block_size(cipher)), '\0');
  int n1 = 0, n2 = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_CipherUpdate(ctx.get(), o, &n1, Bytes(in), static_cast<int>(in.size())) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return ossl::ErrorStatus("EVP_CipherUpdate");
  }
  if (EVP_CipherFinal_ex(ctx.get(), o + n1, &n2) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    if (!encrypt) {
      ossl::ClearErrors();
      return InvalidArgumentError(std::string(kWrongPassword));
    }
    return ossl::ErrorStatus("EVP_CipherFinal_ex");
  }
  // Clear the unused tail before shrinking; it may hold plaintext from an earlier block.
  OPENSSL_cleanse(out.data() + n1 + n2, out.size() - static_cast<size_t>(n1 + n2));
  out.resize(static_cast<size_t>(n1 + n2));
  return out;
}

// LegacyKey derives the cipher key as OpenSSL's PEM code (and Go's x509.DecryptPEMBlock) do:
// EVP_BytesToKey with MD5, one round, salt = the first 8 bytes of the IV.
Result<std::string> LegacyKey(const EVP_CIPHER* cipher, std::string_view iv,
                              std::string_view password) {
  std::string key(static_cast<size_t>(EVP_CIPHER_get_key_length(cipher)), '\0');
  int n = EVP_BytesToKey(cipher, EVP_md5(), Bytes(iv), Bytes(password),
                         static_cast<int>(password.size()), 1,
                         reinterpret_cast<unsigned char*>(key.data()), nullptr);
  if (n != static_cast<int>(key.size())) return ossl::ErrorStatus("EVP_BytesToKey");
  return key;
}

Result<std::string> DecryptLegacy(const PemBlock& block, std::string_view password) {
  std::string_view dek = block.Header("DEK-Info");
  size_t comma = dek.find(',');
  if (comma == std::string_view::npos) return InvalidArgumentError("malformed DEK-Info header");
  std::string_view name = Trim(dek.substr(0, comma));
  const EVP_CIPHER* cipher = nullptr;
  for (const auto& c : kLegacyCiphers) {
    if (EqualsIgnoreCase(c.name, name)) cipher = c.cipher();
  }
  if (cipher == nullptr) {
    return InvalidArgumentError("unsupported PEM encryption " + std::string(name));
  }
  auto iv = HexDecode(Trim(dek.substr(comma + 1)));
  if (!iv.ok() || iv->size() != static_cast<size_t>(EVP_CIPHER_get_iv_length(cipher)) ||
      iv->size() < 8) {
    return InvalidArgumentError("malformed DEK-Info header");
  }
  const size_t block_size = static_cast<size_t>(EVP_CIPHER_get_block_size(cipher));
  if (block.bytes.empty() || block.bytes.size() % block_size != 0) {
    return InvalidArgumentError("error decrypting key: invalid length");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string key, LegacyKey(cipher, *iv, password));
  Wiper wipe_key(key);
  return CbcCrypt(cipher, key, *iv, block.bytes, /*encrypt=*/false);
}

Result<std::string> EncryptLegacyPem(std::string_view type, std::string_view der,
                                     std::string_view password) {
  const EVP_CIPHER* cipher = EVP_aes_256_cbc();
  std::string iv(16, '\0');
  CAIRN_RETURN_IF_ERROR(
      OsslRandom::Default().Fill({reinterpret_cast<uint8_t*>(iv.data()), iv.size()}));
  CAIRN_ASSIGN_OR_RETURN(std::string key, LegacyKey(cipher, iv, password));
  Wiper wipe_key(key);
  PemBlock block;
  block.type = std::string(type);
  // Go's x509.EncryptPEMBlock writes the IV in lower-case hex; OpenSSL reads either case.
  block.headers = {{"Proc-Type", "4,ENCRYPTED"}, {"DEK-Info", "AES-256-CBC," + HexEncode(iv)}};
  CAIRN_ASSIGN_OR_RETURN(block.bytes, CbcCrypt(cipher, key, iv, der, /*encrypt=*/true));
  return EncodePem(block);
}

// --- Encrypted PKCS#8 ----------------------------------------------------------------------

// DER contents of the OIDs in PBES2 parameters (RFC 8018 appendix A/B).
constexpr std::string_view kOidPbes2 = "\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d";
constexpr std::string_view kOidPbkdf2 = "\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0c";
constexpr std::string_view kOidHmacSha1 = "\x2a\x86\x48\x86\xf7\x0d\x02\x07";
constexpr std::string_view kOidHmacSha224 = "\x2a\x86\x48\x86\xf7\x0d\x02\x08";
constexpr std::string_view kOidHmacSha256 = "\x2a\x86\x48\x86\xf7\x0d\x02\x09";
constexpr std::string_view kOidHmacSha384 = "\x2a\x86\x48\x86\xf7\x0d\x02\x0a";
constexpr std::string_view kOidHmacSha512 = "\x2a\x86\x48\x86\xf7\x0d\x02\x0b";
constexpr std::string_view kOidAes128Cbc = "\x60\x86\x48\x01\x65\x03\x04\x01\x02";
constexpr std::string_view kOidAes192Cbc = "\x60\x86\x48\x01\x65\x03\x04\x01\x16";
constexpr std::string_view kOidAes256Cbc = "\x60\x86\x48\x01\x65\x03\x04\x01\x2a";
constexpr std::string_view kOidDesEde3Cbc = "\x2a\x86\x48\x86\xf7\x0d\x03\x07";

// DecryptPbes2 decrypts an EncryptedPrivateKeyInfo protected with PBES2 + PBKDF2. We parse the
// parameters ourselves rather than through PKCS8_decrypt because step (Go) encodes the PRF
// AlgorithmIdentifier's parameters as the bytes 00 00, which OpenSSL rejects. Returns
// kUnimplemented when the scheme is not PBES2 (the caller then tries OpenSSL).
Result<std::string> DecryptPbes2(std::string_view der, std::string_view password) {
  const Status malformed = InvalidArgumentError("error parsing ENCRYPTED PRIVATE KEY: malformed");
  der::Reader top(der);
  auto epki = top.Expect(der::kSequence);
  if (!epki.ok() || !top.empty()) return malformed;
  der::Reader r(*epki);
  auto alg = r.Expect(der::kSequence);
  auto data = r.Expect(der::kOctetString);
  if (!alg.ok() || !data.ok() || !r.empty()) return malformed;
  der::Reader a(*alg);
  auto oid = a.Expect(der::kObjectIdentifier);
  if (!oid.ok()) return malformed;
  if (*oid != kOidPbes2) return UnimplementedError("not PBES2");
  auto params = a.Expect(der::kSequence);
  if (!params.ok()) return malformed;
  der::Reader p(*params);
  auto kdf = p.Expect(der::kSequence);
  auto enc = p.Expect(der::kSequence);
  if (!kdf.ok() || !enc.ok()) return malformed;

  der::Reader k(*kdf);
  auto kdf_oid = k.Expect(der::kObjectIdentifier);
  if (!kdf_oid.ok()) return malformed;
  if (*kdf_oid != kOidPbkdf2) return InvalidArgumentError("unsupported encrypted key: not PBKDF2");
  auto kdf_params = k.Expect(der::kSequence);
  if (!kdf_params.ok()) return malformed;
  der::Reader kp(*kdf_params);
  auto salt = kp.Expect(der::kOctetString);
  auto iter_raw = kp.Expect(der::kInteger);
  if (!salt.ok() || !iter_raw.ok()) return malformed;
  auto iter = der::ParseInt64(*iter_raw);
  if (!iter.ok() || *iter < 1 || *iter > kMaxPbkdf2Iterations || salt->size() > 1024) {
    return InvalidArgumentError("unsupported encrypted key: bad PBKDF2 parameters");
  }
  int64_t key_length = -1;
  if (kp.PeekTag(der::kInteger)) {
    auto kl = kp.Expect(der::kInteger);
    if (!kl.ok()) return malformed;
    auto v = der::ParseInt64(*kl);
    if (!v.ok()) return malformed;
    key_length = *v;
  }
  const EVP_MD* prf = EVP_sha1();  // RFC 8018 default
  if (kp.PeekTag(der::kSequence)) {
    auto prf_alg = kp.Expect(der::kSequence);
    if (!prf_alg.ok()) return malformed;
    der::Reader pr(*prf_alg);
    auto prf_oid = pr.Expect(der::kObjectIdentifier);
    if (!prf_oid.ok()) return malformed;
    // The parameters (NULL, absent, or Go's 00 00) are deliberately not examined.
    if (*prf_oid == kOidHmacSha1) {
      prf = EVP_sha1();
    } else if (*prf_oid == kOidHmacSha224) {
      prf = EVP_sha224();
    } else if (*prf_oid == kOidHmacSha256) {
      prf = EVP_sha256();
    } else if (*prf_oid == kOidHmacSha384) {
      prf = EVP_sha384();
    } else if (*prf_oid == kOidHmacSha512) {
      prf = EVP_sha512();
    } else {
      return InvalidArgumentError("unsupported encrypted key: unknown PBKDF2 PRF");
    }
  }

  der::Reader e(*enc);
  auto enc_oid = e.Expect(der::kObjectIdentifier);
  auto iv = e.Expect(der::kOctetString);
  if (!enc_oid.ok() || !iv.ok()) return malformed;
  const EVP_CIPHER* cipher = nullptr;
  if (*enc_oid == kOidAes128Cbc) {
    cipher = EVP_aes_128_cbc();
  } else if (*enc_oid == kOidAes192Cbc) {
    cipher = EVP_aes_192_cbc();
  } else if (*enc_oid == kOidAes256Cbc) {
    cipher = EVP_aes_256_cbc();
  } else if (*enc_oid == kOidDesEde3Cbc) {
    cipher = EVP_des_ede3_cbc();
  } else {
    return InvalidArgumentError("unsupported encrypted key: unknown cipher");
  }
  const int cipher_key_len = EVP_CIPHER_get_key_length(cipher);
  if ((key_length != -1 && key_length != cipher_key_len) ||
      iv->size() != static_cast<size_t>(EVP_CIPHER_get_iv_length(cipher))) {
    return malformed;
  }
  const size_t block_size = static_cast<size_t>(EVP_CIPHER_get_block_size(cipher));
  if (data->empty() || data->size() % block_size != 0) return malformed;

  std::string key(static_cast<size_t>(cipher_key_len), '\0');
  Wiper wipe_key(key);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), Bytes(*salt),
                        static_cast<int>(salt->size()), static_cast<int>(*iter), prf,
                        cipher_key_len, reinterpret_cast<unsigned char*>(key.data())) != 1) {
    return ossl::ErrorStatus("PKCS5_PBKDF2_HMAC");
  }
  return CbcCrypt(cipher, key, *iv, *data, /*encrypt=*/false);
}

// CheckPbeIterations bounds the iteration count of the older schemes (PBES1, PKCS#12 PBE), whose
// parameters are PBEParameter {salt OCTET STRING, iterationCount INTEGER}: OpenSSL runs any
// count it is given, so a hostile key file could make it run for hours.
Status CheckPbeIterations(std::string_view der) {
  const Status malformed = InvalidArgumentError("error parsing ENCRYPTED PRIVATE KEY: malformed");
  der::Reader top(der);
  auto epki = top.Expect(der::kSequence);
  if (!epki.ok()) return malformed;
  der::Reader r(*epki);
  auto alg = r.Expect(der::kSequence);
  if (!alg.ok()) return malformed;
  der::Reader a(*alg);
  auto oid = a.Expect(der::kObjectIdentifier);
  auto params = a.Expect(der::kSequence);
  if (!oid.ok() || !params.ok()) return malformed;
  der::Reader p(*params);
  auto salt = p.Expect(der::kOctetString);
  auto iter_raw = p.Expect(der::kInteger);
  if (!salt.ok() || !iter_raw.ok()) return malformed;
  auto iter = der::ParseInt64(*iter_raw);
  if (!iter.ok() || *iter < 1 || *iter > kMaxPbkdf2Iterations) {
    return InvalidArgumentError("unsupported encrypted key: bad PBE parameters");
  }
  return Status();
}

// DecryptPkcs8 returns the PrivateKeyInfo DER inside an EncryptedPrivateKeyInfo.
Result<std::string> DecryptPkcs8(std::string_view der, std::string_view password) {
  auto pbes2 = DecryptPbes2(der, password);
  if (pbes2.ok() || pbes2.status().code() != StatusCode::kUnimplemented) return pbes2;
  // Older schemes (PBES1, PKCS#12 PBE): let OpenSSL handle them, within our iteration bound.
  CAIRN_RETURN_IF_ERROR(CheckPbeIterations(der));
  const unsigned char* p = Bytes(der);
  ossl::UniquePtr<X509_SIG> sig(d2i_X509_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != Bytes(der) + der.size()) {
    ossl::ClearErrors();
    return InvalidArgumentError("error parsing ENCRYPTED PRIVATE KEY: malformed");
  }
  ossl::UniquePtr<PKCS8_PRIV_KEY_INFO> p8(
      PKCS8_decrypt(sig.get(), password.data(), static_cast<int>(password.size())));
  if (!p8) {
    ossl::ClearErrors();
    return InvalidArgumentError(std::string(kWrongPassword));
  }
  unsigned char* out = nullptr;
  int n = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &out);
  if (n <= 0) return ossl::ErrorStatus("i2d_PKCS8_PRIV_KEY_INFO");
  std::string result(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_clear_free(out, static_cast<size_t>(n));
  return result;
}

Result<std::string> Pkcs8Der(EVP_PKEY* pkey) {
  ossl::UniquePtr<PKCS8_PRIV_KEY_INFO> p8(EVP_PKEY2PKCS8(pkey));
  if (!p8) return ossl::ErrorStatus("EVP_PKEY2PKCS8");
  unsigned char* out = nullptr;
  int n = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &out);
  if (n <= 0) return ossl::ErrorStatus("i2d_PKCS8_PRIV_KEY_INFO");
  std::string result(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_clear_free(out, static_cast<size_t>(n));
  return result;
}

// EncryptPkcs8Pem writes an "ENCRYPTED PRIVATE KEY" as step does: PBES2 with PBKDF2-HMAC-SHA256
// (100000 iterations, 16-byte salt) and AES-256-CBC.
Result<std::string> EncryptPkcs8Pem(EVP_PKEY* pkey, std::string_view password) {
  ossl::UniquePtr<PKCS8_PRIV_KEY_INFO> p8(EVP_PKEY2PKCS8(pkey));
  if (!p8) return ossl::ErrorStatus("EVP_PKEY2PKCS8");
  uint8_t salt[16];
  uint8_t iv[16];
  CAIRN_RETURN_IF_ERROR(OsslRandom::Default().Fill(salt));
  CAIRN_RETURN_IF_ERROR(OsslRandom::Default().Fill(iv));
  ossl::UniquePtr<X509_ALGOR> pbe(PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), kPbkdf2Iterations, salt,
                                                    sizeof(salt), iv, NID_hmacWithSHA256));
  if (!pbe) return ossl::ErrorStatus("PKCS5_pbe2_set_iv");
  ossl::UniquePtr<X509_SIG> sig(
      PKCS8_set0_pbe(password.data(), static_cast<int>(password.size()), p8.get(), pbe.get()));
  if (!sig) return ossl::ErrorStatus("PKCS8_set0_pbe");
  (void)pbe.release();  // owned by `sig` now
  unsigned char* out = nullptr;
  int n = i2d_X509_SIG(sig.get(), &out);
  if (n <= 0) return ossl::ErrorStatus("i2d_X509_SIG");
  std::string der(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return EncodePem("ENCRYPTED PRIVATE KEY", der);
}

bool IsPrivateKeyType(std::string_view type) {
  return type == "EC PRIVATE KEY" || type == "RSA PRIVATE KEY" || type == "PRIVATE KEY" ||
         type == "ENCRYPTED PRIVATE KEY";
}

Status CheckPassword(std::string_view password) {
  if (password.size() > kMaxPasswordLength) return ResourceExhaustedError("password too long");
  return Status();
}

}  // namespace

std::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kEcP256:
      return "EC P-256";
    case KeyType::kEcP384:
      return "EC P-384";
    case KeyType::kEcP521:
      return "EC P-521";
    case KeyType::kEd25519:
      return "Ed25519";
    case KeyType::kRsa:
      return "RSA";
    case KeyType::kOther:
      break;
  }
  return "other";
}

Result<KeySpec> ParseKeySpec(std::string_view kty, std::string_view crv, int size) {
  KeySpec spec;
  if (kty.empty() || kty == "EC") {
    if (size != 0) return InvalidArgumentError("key size is not compatible with kty EC");
    if (crv.empty() || crv == "P-256") {
      spec.type = KeyType::kEcP256;
    } else if (crv == "P-384") {
      spec.type = KeyType::kEcP384;
    } else if (crv == "P-521") {
      spec.type = KeyType::kEcP521;
    } else {
      return InvalidArgumentError("invalid curve '" + std::string(crv) +
                                  "' for kty EC: use P-256, P-384 or P-521");
    }
    return spec;
  }
  if (kty == "OKP") {
    if (size != 0) return InvalidArgumentError("key size is not compatible with kty OKP");
    if (!crv.empty() && crv != "Ed25519") {
      return InvalidArgumentError("invalid curve '" + std::string(crv) +
                                  "' for kty OKP: use Ed25519");
    }
    spec.type = KeyType::kEd25519;
    return spec;
  }
  if (kty == "RSA") {
    if (!crv.empty()) return InvalidArgumentError("curve is not compatible with kty RSA");
    spec.type = KeyType::kRsa;
    spec.rsa_bits = size == 0 ? 2048 : size;
    if (spec.rsa_bits < kMinRsaBits || spec.rsa_bits > kMaxRsaBits) {
      return InvalidArgumentError("invalid RSA key size " + std::to_string(size) +
                                  ": use 2048 to 8192 bits");
    }
    return spec;
  }
  return InvalidArgumentError("invalid kty '" + std::string(kty) + "': use EC, OKP or RSA");
}

// --- PublicKey ------------------------------------------------------------------------------

namespace {

// The DER contents of the OIDs the fast path knows.
constexpr std::string_view kOidEcPublicKey("\x2a\x86\x48\xce\x3d\x02\x01", 7);
constexpr std::string_view kOidP256("\x2a\x86\x48\xce\x3d\x03\x01\x07", 8);
constexpr std::string_view kOidP384("\x2b\x81\x04\x00\x22", 5);
constexpr std::string_view kOidP521("\x2b\x81\x04\x00\x23", 5);
constexpr std::string_view kOidRsaEncryption("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9);
constexpr std::string_view kOidEd25519("\x2b\x65\x70", 3);

// PositiveInteger returns the magnitude of a DER INTEGER's contents, or nullopt when it is
// empty, non-minimal or not positive.
std::optional<std::string_view> PositiveInteger(std::string_view c) {
  if (c.empty() || (static_cast<uint8_t>(c[0]) & 0x80) != 0) return std::nullopt;
  if (c.size() > 1 && c[0] == 0 && (static_cast<uint8_t>(c[1]) & 0x80) == 0) return std::nullopt;
  while (!c.empty() && c[0] == 0) c.remove_prefix(1);
  if (c.empty()) return std::nullopt;
  return c;
}

ossl::UniquePtr<EVP_PKEY> FromData(const char* type, OSSL_PARAM* params) {
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* out = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ossl::ClearErrors();
    return nullptr;
  }
  return ossl::UniquePtr<EVP_PKEY>(out);
}

// EcParameters returns a parameters-only key of the named curve, made once per process. Copying
// it and setting the point costs a third of building the curve again (EVP_PKEY_fromdata
// recomputes its Montgomery constants every time).
const EVP_PKEY* EcParameters(std::string_view group) {
  static const auto make = [](const char* name) -> EVP_PKEY* {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(name), 0),
        OSSL_PARAM_construct_end()};
    ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* out = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_KEY_PARAMETERS, params) != 1) {
      ossl::ClearErrors();
      return nullptr;
    }
    return out;  // lives as long as the process
  };
  static EVP_PKEY* const p256 = make("P-256");
  static EVP_PKEY* const p384 = make("P-384");
  static EVP_PKEY* const p521 = make("P-521");
  return group == "P-256" ? p256 : group == "P-384" ? p384 : group == "P-521" ? p521 : nullptr;
}

// EcKeyFromPoint builds the public key `point` (an X9.62 encoded point) on `group`. The point
// is checked to lie on the curve, as the decoder checks it.
ossl::UniquePtr<EVP_PKEY> EcKeyFromPoint(std::string_view group, std::string_view point) {
  const EVP_PKEY* params = EcParameters(group);
  if (params == nullptr) return nullptr;
  ossl::UniquePtr<EVP_PKEY> pkey(EVP_PKEY_dup(const_cast<EVP_PKEY*>(params)));
  if (!pkey || EVP_PKEY_set1_encoded_public_key(pkey.get(), Bytes(point), point.size()) != 1) {
    ossl::ClearErrors();
    return nullptr;
  }
  return pkey;
}

// FastPkeyFromSpki builds the EVP_PKEY of an EC P-256/384/521, RSA or Ed25519
// SubjectPublicKeyInfo from its fields. OpenSSL 3.0's generic decoders (d2i_PUBKEY) cost about
// 150 µs and several global locks a call, more than an ECDSA verification; importing the key's
// numbers costs a tenth of that. The imported key is validated as the decoder would (an EC
// point must be on its curve). Returns null for anything it does not recognise (other kinds,
// unusual parameters, malformed input), which the caller hands to the generic decoder.
ossl::UniquePtr<EVP_PKEY> FastPkeyFromSpki(std::string_view spki) {
  der::Reader top(spki);
  auto seq = top.Expect(der::kSequence);
  if (!seq.ok() || !top.empty()) return nullptr;
  der::Reader fields(*seq);
  auto alg = fields.Expect(der::kSequence);
  auto bits = fields.Expect(der::kBitString);
  if (!alg.ok() || !bits.ok() || !fields.empty()) return nullptr;
  if (bits->empty() || (*bits)[0] != 0) return nullptr;  // whole octets only
  std::string_view key = bits->substr(1);
  der::Reader a(*alg);
  auto oid = a.Expect(der::kObjectIdentifier);
  if (!oid.ok()) return nullptr;
  if (*oid == kOidEcPublicKey) {
    auto curve = a.Expect(der::kObjectIdentifier);
    if (!curve.ok() || !a.empty()) return nullptr;
    const char* group = *curve == kOidP256   ? "P-256"
                        : *curve == kOidP384 ? "P-384"
                        : *curve == kOidP521 ? "P-521"
                                             : nullptr;
    // A one-octet point (00, the point at infinity) goes to the generic decoder and is refused
    // there, with the reason.
    if (group == nullptr || key.size() <= 1) return nullptr;
    return EcKeyFromPoint(group, key);
  }
  if (*oid == kOidRsaEncryption) {
    if (a.Expect(der::kNull).value_or("x") != "" || !a.empty()) return nullptr;
    der::Reader k(key);
    auto rsa = k.Expect(der::kSequence);
    if (!rsa.ok() || !k.empty()) return nullptr;
    der::Reader nums(*rsa);
    auto n = nums.Expect(der::kInteger);
    auto e = nums.Expect(der::kInteger);
    if (!n.ok() || !e.ok() || !nums.empty()) return nullptr;
    auto n_mag = PositiveInteger(*n);
    auto e_mag = PositiveInteger(*e);
    if (!n_mag || !e_mag || n_mag->size() > 2048) return nullptr;  // 16384-bit moduli at most
    ossl::UniquePtr<BIGNUM> bn_n(
        BN_bin2bn(Bytes(*n_mag), static_cast<int>(n_mag->size()), nullptr));
    ossl::UniquePtr<BIGNUM> bn_e(
        BN_bin2bn(Bytes(*e_mag), static_cast<int>(e_mag->size()), nullptr));
    ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    if (!bn_n || !bn_e || !bld ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
      ossl::ClearErrors();
      return nullptr;
    }
    ossl::UniquePtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    if (!params) {
      ossl::ClearErrors();
      return nullptr;
    }
    return FromData("RSA", params.get());
  }
  if (*oid == kOidEd25519) {
    if (!a.empty() || key.size() != 32) return nullptr;
    ossl::UniquePtr<EVP_PKEY> pkey(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(key), key.size()));
    if (!pkey) ossl::ClearErrors();
    return pkey;
  }
  return nullptr;
}

// CheckNotDegenerate refuses public keys that OpenSSL reads but that prove nothing: the EC
// point at infinity (any "signature" can be forged for it) and RSA exponents Go refuses too
// (below 3, even, or above 2^31-1; with e = 1 the padding itself is a valid signature).
Status CheckNotDegenerate(EVP_PKEY* pkey) {
  if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC) {
    unsigned char point[1 + 2 * 66];
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                        sizeof point, &len) != 1 ||
        len <= 1) {
      ossl::ClearErrors();
      return InvalidArgumentError("error parsing public key: invalid EC point");
    }
  } else if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA ||
             EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA_PSS) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &raw) != 1) {
      ossl::ClearErrors();
      return InvalidArgumentError("error parsing public key: missing RSA exponent");
    }
    ossl::UniquePtr<BIGNUM> e(raw);
    if (BN_is_negative(e.get()) || !BN_is_odd(e.get()) || BN_num_bits(e.get()) < 2 ||
        BN_num_bits(e.get()) > 31) {
      return InvalidArgumentError("error parsing public key: invalid RSA public exponent");
    }
  }
  return Status();
}

// DecodeSpki reads a SubjectPublicKeyInfo through OpenSSL's generic decoders.
Result<ossl::UniquePtr<EVP_PKEY>> DecodeSpki(std::string_view spki_der) {
  const unsigned char* p = Bytes(spki_der);
  ossl::UniquePtr<EVP_PKEY> pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!pkey) {
    ossl::ClearErrors();
    return InvalidArgumentError("error parsing public key: malformed SubjectPublicKeyInfo");
  }
  if (p != Bytes(spki_der) + spki_der.size()) {
    return InvalidArgumentError("error parsing public key: trailing data");
  }
  return pkey;
}

// ParseSpki reads a key of any kind OpenSSL reads, through the fast path when it can, and
// refuses the degenerate ones.
Result<ossl::UniquePtr<EVP_PKEY>> ParseSpki(std::string_view spki_der) {
  if (spki_der.size() > kMaxKeyDer) return InvalidArgumentError("public key too large");
  ossl::UniquePtr<EVP_PKEY> pkey = FastPkeyFromSpki(spki_der);
  // The fast path takes no one-octet point, the only encoding of the point at infinity, and
  // any other point it accepts lies on the curve: its EC keys need no check (reading the point
  // back out of OpenSSL to check it cost a sixth of parsing the key).
  if (pkey && EVP_PKEY_get_base_id(pkey.get()) == EVP_PKEY_EC) return pkey;
  if (!pkey) {
    CAIRN_ASSIGN_OR_RETURN(pkey, DecodeSpki(spki_der));
  }
  CAIRN_RETURN_IF_ERROR(CheckNotDegenerate(pkey.get()));
  return pkey;
}

}  // namespace

Result<PublicKey> PublicKey::FromDer(std::string_view spki_der) {
  CAIRN_ASSIGN_OR_RETURN(auto pkey, ParseSpki(spki_der));
  const KeyKind kind = Classify(pkey.get());
  CAIRN_RETURN_IF_ERROR(CheckSupported(kind));
  PublicKey out(std::move(pkey), kind.type, kind.bits);
  out.spki_ = std::make_shared<const std::string>(spki_der);
  return out;
}

Result<PublicKey> PublicKey::FromDerAnyKind(std::string_view spki_der) {
  CAIRN_ASSIGN_OR_RETURN(auto pkey, ParseSpki(spki_der));
  PublicKey out = Wrap(std::move(pkey));
  out.spki_ = std::make_shared<const std::string>(spki_der);
  return out;
}

PublicKey PublicKey::WrapWithDer(ossl::UniquePtr<EVP_PKEY> pkey, std::string spki_der) {
  PublicKey out = Wrap(std::move(pkey));
  out.spki_ = std::make_shared<const std::string>(std::move(spki_der));
  return out;
}

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  CAIRN_ASSIGN_OR_RETURN(auto blocks, ParsePemBlocks(pem, kMaxKeyPemInput));
  for (const auto& b : blocks) {
    if (b.type == "PUBLIC KEY") return FromDer(b.bytes);
  }
  return InvalidArgumentError("no PUBLIC KEY block found");
}

PublicKey PublicKey::Wrap(ossl::UniquePtr<EVP_PKEY> pkey) {
  CAIRN_CHECK(pkey != nullptr);
  const KeyKind kind = Classify(pkey.get());
  return PublicKey(std::move(pkey), kind.type, kind.bits);
}

PublicKey::PublicKey(const PublicKey& other)
    : pkey_(ossl::UpRef(other.pkey_.get())),
      type_(other.type_),
      bits_(other.bits_),
      spki_(other.spki_) {}

PublicKey& PublicKey::operator=(const PublicKey& other) {
  if (this != &other) {
    pkey_ = ossl::UpRef(other.pkey_.get());
    type_ = other.type_;
    bits_ = other.bits_;
    spki_ = other.spki_;
  }
  return *this;
}

Result<std::string> PublicKey::ToDer() const {
  if (spki_) return *spki_;
  unsigned char* out = nullptr;
  int n = i2d_PUBKEY(pkey_.get(), &out);
  if (n <= 0) return ossl::ErrorStatus("i2d_PUBKEY");
  ossl::UniquePtr<unsigned char> owned(out);
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

std::string PublicKey::ToPem() const {
  auto der = ToDer();
  if (!der.ok()) return std::string();
  return EncodePem("PUBLIC KEY", *der);
}

std::string PublicKey::Describe() const {
  // step-ca's log field: "<x509.PublicKeyAlgorithm> <curve name | modulus bits>".
  switch (type_) {
    case KeyType::kEcP256:
      return "ECDSA P-256";
    case KeyType::kEcP384:
      return "ECDSA P-384";
    case KeyType::kEcP521:
      return "ECDSA P-521";
    case KeyType::kEd25519:
      return "Ed25519";
    case KeyType::kRsa:
      return "RSA " + std::to_string(bits_);
    case KeyType::kOther:
      break;
  }
  const char* name = EVP_PKEY_get0_type_name(pkey_.get());
  return std::string(name ? name : "unknown") + " unknown";
}

bool PublicKey::Equals(const PublicKey& other) const {
  if (pkey_.get() == other.pkey_.get()) return true;
  if (!pkey_ || !other.pkey_) return false;
  const bool eq = EVP_PKEY_eq(pkey_.get(), other.pkey_.get()) == 1;
  ossl::ClearErrors();
  return eq;
}

// --- PrivateKey -----------------------------------------------------------------------------

Result<PrivateKey> PrivateKey::FromPkey(ossl::UniquePtr<EVP_PKEY> pkey) {
  const KeyKind kind = Classify(pkey.get());
  CAIRN_RETURN_IF_ERROR(CheckSupported(kind));
  // The public half is a separate EVP_PKEY so that a PublicKey never carries private material.
  unsigned char* out = nullptr;
  int n = i2d_PUBKEY(pkey.get(), &out);
  if (n <= 0) return ossl::ErrorStatus("i2d_PUBKEY");
  ossl::UniquePtr<unsigned char> owned(out);
  const unsigned char* p = out;
  ossl::UniquePtr<EVP_PKEY> pub(d2i_PUBKEY(nullptr, &p, n));
  if (!pub) return ossl::ErrorStatus("d2i_PUBKEY");
  return PrivateKey(std::move(pkey), PublicKey(std::move(pub), kind.type, kind.bits));
}

Result<PrivateKey> PrivateKey::Generate(const KeySpec& spec) {
  EVP_PKEY* raw = nullptr;
  switch (spec.type) {
    case KeyType::kEcP256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyType::kEcP384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyType::kEcP521:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      break;
    case KeyType::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case KeyType::kRsa:
      if (spec.rsa_bits < kMinRsaBits || spec.rsa_bits > kMaxRsaBits) {
        return InvalidArgumentError("invalid RSA key size " + std::to_string(spec.rsa_bits));
      }
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.rsa_bits));
      break;
    case KeyType::kOther:
      return InvalidArgumentError("cannot generate a key of type other");
  }
  if (raw == nullptr) return ossl::ErrorStatus("EVP_PKEY_Q_keygen");
  return FromPkey(ossl::UniquePtr<EVP_PKEY>(raw));
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem, std::string_view password) {
  if (pem.size() > kMaxKeyPemInput) return ResourceExhaustedError("key file too large");
  CAIRN_RETURN_IF_ERROR(CheckPassword(password));
  CAIRN_ASSIGN_OR_RETURN(auto blocks, ParsePemBlocks(pem, kMaxKeyPemInput));
  PemBlock* block = nullptr;
  for (auto& b : blocks) {
    if (IsPrivateKeyType(b.type)) {
      block = &b;
      break;
    }
  }
  if (block == nullptr) return InvalidArgumentError("no private key PEM block found");
  Wiper wipe_block(block->bytes);

  const bool legacy = block->Header("Proc-Type") == "4,ENCRYPTED";
  const bool pkcs8_encrypted = block->type == "ENCRYPTED PRIVATE KEY";
  if (!legacy && !pkcs8_encrypted) {
    CAIRN_ASSIGN_OR_RETURN(auto pkey, ParseKeyDer(block->type, block->bytes, false));
    return FromPkey(std::move(pkey));
  }
  if (password.empty()) return InvalidArgumentError("key is encrypted, a password is required");
  std::string der;
  Wiper wipe_der(der);
  if (legacy) {
    CAIRN_ASSIGN_OR_RETURN(der, DecryptLegacy(*block, password));
    if (pkcs8_encrypted) {
      std::string inner;
      Wiper wipe_inner(inner);
      CAIRN_ASSIGN_OR_RETURN(inner, DecryptPkcs8(der, password));
      der.swap(inner);
    }
  } else {
    CAIRN_ASSIGN_OR_RETURN(der, DecryptPkcs8(block->bytes, password));
  }
  CAIRN_ASSIGN_OR_RETURN(auto pkey, ParseKeyDer(pkcs8_encrypted ? "PRIVATE KEY" : block->type, der,
                                                /*decrypted=*/true));
  return FromPkey(std::move(pkey));
}

Result<PrivateKey> PrivateKey::FromDer(std::string_view der) {
  if (der.size() > kMaxKeyDer) return ResourceExhaustedError("key too large");
  ossl::UniquePtr<EVP_PKEY> pkey = ParsePkcs8(der);
  if (!pkey) pkey = ParseTraditional(EVP_PKEY_EC, der);
  if (!pkey) pkey = ParseTraditional(EVP_PKEY_RSA, der);
  if (!pkey) return InvalidArgumentError("error parsing private key: malformed DER");
  return FromPkey(std::move(pkey));
}

PrivateKey::PrivateKey(const PrivateKey& other)
    : pkey_(ossl::UpRef(other.pkey_.get())), public_key_(other.public_key_) {}

PrivateKey& PrivateKey::operator=(const PrivateKey& other) {
  if (this != &other) {
    pkey_ = ossl::UpRef(other.pkey_.get());
    public_key_ = other.public_key_;
  }
  return *this;
}

Result<std::string> PrivateKey::ToPkcs8Der() const { return Pkcs8Der(pkey_.get()); }

Result<std::string> PrivateKey::ToPkcs8Pem(std::string_view password) const {
  CAIRN_RETURN_IF_ERROR(CheckPassword(password));
  if (!password.empty()) return EncryptPkcs8Pem(pkey_.get(), password);
  CAIRN_ASSIGN_OR_RETURN(std::string der, Pkcs8Der(pkey_.get()));
  Wiper wipe(der);
  return EncodePem("PRIVATE KEY", der);
}

Result<std::string> PrivateKey::ToPem(std::string_view password) const {
  CAIRN_RETURN_IF_ERROR(CheckPassword(password));
  std::string_view pem_type;
  switch (public_key_.type()) {
    case KeyType::kEcP256:
    case KeyType::kEcP384:
    case KeyType::kEcP521:
      pem_type = "EC PRIVATE KEY";
      break;
    case KeyType::kRsa:
      pem_type = "RSA PRIVATE KEY";
      break;
    case KeyType::kEd25519:
    case KeyType::kOther:
      // Ed25519 has no traditional form; step writes PKCS#8 for it.
      return ToPkcs8Pem(password);
  }
  // i2d_PrivateKey writes the traditional form: SEC1 (with the named curve and public key, as
  // Go's x509.MarshalECPrivateKey) for EC, PKCS#1 for RSA.
  unsigned char* out = nullptr;
  int n = i2d_PrivateKey(pkey_.get(), &out);
  if (n <= 0) return ossl::ErrorStatus("i2d_PrivateKey");
  std::string der(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_clear_free(out, static_cast<size_t>(n));
  Wiper wipe(der);
  if (password.empty()) return EncodePem(pem_type, der);
  return EncryptLegacyPem(pem_type, der, password);
}

}  // namespace cairn::crypto
