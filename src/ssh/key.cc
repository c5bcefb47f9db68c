#include "ssh/key.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "base/encoding.h"
#include "crypto/der.h"
#include "crypto/digest.h"
#include "crypto/ossl_ptr.h"
#include "ssh/internal/text.h"

namespace cairn::ssh {
namespace {

namespace der = crypto::der;

// DER contents of the OIDs of a SubjectPublicKeyInfo.
constexpr std::string_view kOidEcPublicKey("\x2a\x86\x48\xce\x3d\x02\x01", 7);
constexpr std::string_view kOidP256("\x2a\x86\x48\xce\x3d\x03\x01\x07", 8);
constexpr std::string_view kOidP384("\x2b\x81\x04\x00\x22", 5);
constexpr std::string_view kOidP521("\x2b\x81\x04\x00\x23", 5);
constexpr std::string_view kOidRsaEncryption("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9);
constexpr std::string_view kOidEd25519("\x2b\x65\x70", 3);

// EcCurve ties an SSH ECDSA key type to its curve (RFC 5656 §6.1, §10.1).
struct EcCurve {
  std::string_view type;        // "ecdsa-sha2-nistp256"
  std::string_view identifier;  // "nistp256"
  std::string_view oid;
  crypto::KeyType key_type;
  size_t field_bytes;
};
constexpr std::array<EcCurve, 3> kCurves = {{
    {kKeyEcdsaP256, "nistp256", kOidP256, crypto::KeyType::kEcP256, 32},
    {kKeyEcdsaP384, "nistp384", kOidP384, crypto::KeyType::kEcP384, 48},
    {kKeyEcdsaP521, "nistp521", kOidP521, crypto::KeyType::kEcP521, 66},
}};

const EcCurve* CurveByType(std::string_view type) {
  for (const auto& c : kCurves) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

const EcCurve* CurveByKeyType(crypto::KeyType type) {
  for (const auto& c : kCurves) {
    if (c.key_type == type) return &c;
  }
  return nullptr;
}

// DerUnsigned returns the DER INTEGER of a non-negative magnitude without leading zeros.
std::string DerUnsigned(std::string_view magnitude) {
  std::string contents;
  if (magnitude.empty() || (static_cast<uint8_t>(magnitude[0]) & 0x80) != 0) contents.push_back(0);
  contents.append(magnitude);
  return der::Tlv(der::kInteger, contents);
}

// Spki returns SubjectPublicKeyInfo { algorithm, BIT STRING key } (whole octets).
std::string Spki(std::string_view algorithm, std::string_view key) {
  std::string bits(1, '\0');
  bits.append(key);
  return der::Tlv(der::kSequence,
                  der::Tlv(der::kSequence, algorithm) + der::Tlv(der::kBitString, bits));
}

// ImportSpki hands a SubjectPublicKeyInfo we built to crypto, which validates the key (EC
// point on the curve, RSA exponent sane) and imports it through its fast path.
Result<crypto::PublicKey> ImportSpki(std::string_view what, const std::string& spki) {
  auto key = crypto::PublicKey::FromDer(spki);
  if (!key.ok()) return InvalidArgumentError("ssh: invalid " + std::string(what) + " key");
  return key;
}

// BnBytes returns the big-endian magnitude of a BIGNUM parameter of `pkey`.
Result<std::string> BnParam(EVP_PKEY* pkey, const char* name, size_t pad_to = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return ossl::ErrorStatus(name);
  ossl::UniquePtr<BIGNUM> bn(raw);
  const size_t len = std::max(pad_to, static_cast<size_t>(BN_num_bytes(bn.get())));
  std::string out(len, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(len)) <
      0) {
    return ossl::ErrorStatus("BN_bn2binpad");
  }
  return out;
}

// BitLength returns the number of significant bits of a magnitude without leading zeros.
int BitLength(std::string_view magnitude) {
  if (magnitude.empty()) return 0;
  int top = 0;
  for (auto b = static_cast<uint8_t>(magnitude[0]); b != 0; b >>= 1) ++top;
  return static_cast<int>((magnitude.size() - 1) * 8) + top;
}

}  // namespace

std::string_view SshKeyTypeName(crypto::KeyType type) {
  switch (type) {
    case crypto::KeyType::kEd25519:
      return kKeyEd25519;
    case crypto::KeyType::kEcP256:
      return kKeyEcdsaP256;
    case crypto::KeyType::kEcP384:
      return kKeyEcdsaP384;
    case crypto::KeyType::kEcP521:
      return kKeyEcdsaP521;
    case crypto::KeyType::kRsa:
      return kKeyRsa;
    case crypto::KeyType::kOther:
      break;
  }
  return "";
}

Result<PublicKey> PublicKey::FromCrypto(const crypto::PublicKey& key) {
  const std::string_view type = SshKeyTypeName(key.type());
  if (type.empty()) return InvalidArgumentError("ssh: unsupported key type");
  WireWriter w;
  w.PutString(type);
  if (key.type() == crypto::KeyType::kEd25519) {
    std::string pk(32, '\0');
    size_t len = pk.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(pk.data()), &len) !=
            1 ||
        len != 32) {
      return ossl::ErrorStatus("EVP_PKEY_get_raw_public_key");
    }
    w.PutString(pk);
  } else if (const EcCurve* curve = CurveByKeyType(key.type())) {
    // X and Y, not OpenSSL's encoded point, which could be in compressed form.
    CAIRN_ASSIGN_OR_RETURN(auto x,
                           BnParam(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, curve->field_bytes));
    CAIRN_ASSIGN_OR_RETURN(auto y,
                           BnParam(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, curve->field_bytes));
    w.PutString(curve->identifier);
    w.PutString("\x04" + x + y);
  } else {
    CAIRN_ASSIGN_OR_RETURN(auto e, BnParam(key.get(), OSSL_PKEY_PARAM_RSA_E));
    CAIRN_ASSIGN_OR_RETURN(auto n, BnParam(key.get(), OSSL_PKEY_PARAM_RSA_N));
    w.PutMpint(e);
    w.PutMpint(n);
  }
  return PublicKey(std::string(type), w.Take(), key);
}

Result<PublicKey> PublicKey::ParseFields(std::string_view type, WireReader& reader) {
  WireWriter blob;
  blob.PutString(type);
  Result<crypto::PublicKey> key = InvalidArgumentError("ssh: unsupported key type");
  if (type == kKeyEd25519) {
    // RFC 8709 §4: string "ssh-ed25519", string key (32 octets).
    CAIRN_ASSIGN_OR_RETURN(std::string_view pk, reader.ReadString(kMaxKeyBlob));
    if (pk.size() != 32) return InvalidArgumentError("ssh: invalid ssh-ed25519 key: want 32 bytes");
    blob.PutString(pk);
    key = ImportSpki(type, Spki(der::Tlv(der::kObjectIdentifier, kOidEd25519), pk));
  } else if (const EcCurve* curve = CurveByType(type)) {
    // RFC 5656 §3.1: string type, string curve identifier, string Q (SEC1 point).
    CAIRN_ASSIGN_OR_RETURN(std::string_view id, reader.ReadString(kMaxKeyBlob));
    CAIRN_ASSIGN_OR_RETURN(std::string_view point, reader.ReadString(kMaxKeyBlob));
    if (id != curve->identifier) {
      return InvalidArgumentError("ssh: curve" + internal::Quoted(id) +
                                  " does not match key type " + std::string(type));
    }
    // Uncompressed points only, as OpenSSH and Go write them: a compressed point would give
    // the same key a second blob and so a second fingerprint.
    if (point.size() != 1 + 2 * curve->field_bytes || point[0] != '\x04') {
      return InvalidArgumentError("ssh: invalid " + std::string(type) +
                                  " key: want an uncompressed point");
    }
    blob.PutString(id);
    blob.PutString(point);
    key = ImportSpki(type, Spki(der::Tlv(der::kObjectIdentifier, kOidEcPublicKey) +
                                    der::Tlv(der::kObjectIdentifier, curve->oid),
                                point));
  } else if (type == kKeyRsa) {
    // RFC 4253 §6.6: string "ssh-rsa", mpint e, mpint n.
    CAIRN_ASSIGN_OR_RETURN(std::string_view e, reader.ReadMpint(kMaxKeyBlob));
    CAIRN_ASSIGN_OR_RETURN(std::string_view n, reader.ReadMpint(kMaxKeyBlob));
    const int bits = BitLength(n);
    if (bits > kMaxRsaBits) {
      return ResourceExhaustedError("ssh: RSA modulus larger than " + std::to_string(kMaxRsaBits) +
                                    " bits");
    }
    if (bits < 2 || e.empty()) return InvalidArgumentError("ssh: invalid ssh-rsa key");
    blob.PutMpint(e);
    blob.PutMpint(n);
    key = ImportSpki(
        type, Spki(der::Tlv(der::kObjectIdentifier, kOidRsaEncryption) + der::Tlv(der::kNull, ""),
                   der::Tlv(der::kSequence, DerUnsigned(n) + DerUnsigned(e))));
  } else {
    return InvalidArgumentError("ssh: unsupported key type" + internal::Quoted(type));
  }
  if (!key.ok()) return key.status();
  return PublicKey(std::string(type), blob.Take(), std::move(key).value());
}

Result<PublicKey> PublicKey::Parse(std::string_view blob) {
  if (blob.size() > kMaxKeyBlob) {
    return ResourceExhaustedError("ssh: key blob longer than " + std::to_string(kMaxKeyBlob) +
                                  " bytes");
  }
  WireReader r(blob);
  CAIRN_ASSIGN_OR_RETURN(std::string_view type, r.ReadString(kMaxKeyBlob));
  CAIRN_ASSIGN_OR_RETURN(PublicKey key, ParseFields(type, r));
  CAIRN_RETURN_IF_ERROR(r.ExpectEnd("public key"));
  return key;
}

Result<PublicKey> PublicKey::ParseAuthorizedKey(std::string_view line, std::string* out_comment) {
  CAIRN_ASSIGN_OR_RETURN(auto parts, internal::SplitAuthorizedLine(line, kMaxKeyBlob));
  CAIRN_ASSIGN_OR_RETURN(PublicKey key, Parse(parts.blob));
  if (key.type() != parts.type) {
    return InvalidArgumentError("ssh: key line type" + internal::Quoted(parts.type) +
                                " does not match its key (" + key.type() + ")");
  }
  if (out_comment != nullptr) *out_comment = std::move(parts.comment);
  return key;
}

std::string PublicKey::MarshalAuthorizedKey(std::string_view comment) const {
  return internal::JoinAuthorizedLine(type_, blob_, comment);
}

std::string PublicKey::FingerprintSha256() const {
  std::string b64 = Base64Encode(crypto::Sha256(blob_));
  while (b64.ends_with('=')) b64.pop_back();
  return "SHA256:" + b64;
}

std::string PublicKey::FingerprintMd5() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // MD5 is in OpenSSL's default provider; failure here means a broken process.
  CAIRN_CHECK(EVP_Digest(blob_.data(), blob_.size(), md, &len, EVP_md5(), nullptr) == 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "MD5:";
  for (unsigned int i = 0; i < len; ++i) {
    if (i > 0) out.push_back(':');
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

}  // namespace cairn::ssh
