#include "ssh/private_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <cctype>
#include <memory>

#include "base/encoding.h"
#include "crypto/ossl_ptr.h"
#include "ssh/wire.h"

namespace cairn::ssh {
namespace {

// PROTOCOL.key: the armour and the magic that starts the binary encoding.
constexpr std::string_view kBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
constexpr std::string_view kEnd = "-----END OPENSSH PRIVATE KEY-----";
constexpr std::string_view kMagic("openssh-key-v1\0", 15);
// The private section of an unencrypted key is padded to the "none" cipher's block size.
constexpr size_t kBlockSize = 8;

// Secret is a byte string wiped when it goes away.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string s) : s_(std::move(s)) {}
  // A move copies and wipes the source (a short string's bytes live inside the object).
  Secret(Secret&& other) noexcept : s_(other.s_) {
    OPENSSL_cleanse(other.s_.data(), other.s_.size());
    other.s_.clear();
  }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret& operator=(Secret&&) = delete;
  ~Secret() { OPENSSL_cleanse(s_.data(), s_.size()); }
  std::string& str() { return s_; }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

// SecretBn is a BIGNUM that holds key material (cleared when freed).
struct BnClearFree {
  void operator()(BIGNUM* bn) const { BN_clear_free(bn); }
};
using SecretBn = std::unique_ptr<BIGNUM, BnClearFree>;

// BnParam returns the big-endian magnitude of a BIGNUM parameter of `pkey` (no leading zeros).
Result<std::string> BnParam(EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return ossl::ErrorStatus(name);
  SecretBn bn(raw);
  std::string out(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// PublicFields returns what follows the type name in a public key blob.
Result<std::string_view> PublicFields(const PublicKey& pub) {
  WireReader r(pub.Marshal());
  CAIRN_RETURN_IF_ERROR(r.ReadString().status());
  return r.rest();
}

// Ed25519Halves returns ENC(A) and seed || ENC(A) (RFC 8709's public key and OpenSSH's
// 64-byte private key).
Status Ed25519Halves(const crypto::PrivateKey& key, std::string& out_pk, Secret& out_sk) {
  std::string seed(32, '\0');
  size_t len = seed.size();
  if (EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(seed.data()),
                                   &len) != 1 ||
      len != 32) {
    OPENSSL_cleanse(seed.data(), seed.size());
    return ossl::ErrorStatus("reading the Ed25519 key");
  }
  out_pk.assign(32, '\0');
  len = out_pk.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(out_pk.data()),
                                  &len) != 1 ||
      len != 32) {
    OPENSSL_cleanse(seed.data(), seed.size());
    return ossl::ErrorStatus("reading the Ed25519 public key");
  }
  out_sk.str() = seed + out_pk;
  OPENSSL_cleanse(seed.data(), seed.size());
  return Status();
}

// RsaPrivate holds the private RSA numbers OpenSSH serializes.
struct RsaPrivate {
  Secret d, iqmp, p, q;
};

Status ReadRsaPrivate(const crypto::PrivateKey& key, RsaPrivate& out) {
  CAIRN_ASSIGN_OR_RETURN(out.d.str(), BnParam(key.get(), OSSL_PKEY_PARAM_RSA_D));
  CAIRN_ASSIGN_OR_RETURN(out.p.str(), BnParam(key.get(), OSSL_PKEY_PARAM_RSA_FACTOR1));
  CAIRN_ASSIGN_OR_RETURN(out.q.str(), BnParam(key.get(), OSSL_PKEY_PARAM_RSA_FACTOR2));
  CAIRN_ASSIGN_OR_RETURN(out.iqmp.str(), BnParam(key.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
  return Status();
}

// --- parsing ---------------------------------------------------------------------------------

Status Malformed(std::string_view why) {
  return InvalidArgumentError("ssh: malformed OpenSSH private key: " + std::string(why));
}

// ToPrivateKey hands an EVP_PKEY built from numbers to crypto through PKCS#8, which checks its
// kind and derives the public key.
Result<crypto::PrivateKey> ToPrivateKey(EVP_PKEY* pkey) {
  ossl::UniquePtr<PKCS8_PRIV_KEY_INFO> p8(EVP_PKEY2PKCS8(pkey));
  if (!p8) return ossl::ErrorStatus("EVP_PKEY2PKCS8");
  unsigned char* der = nullptr;
  const int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  if (len <= 0) return ossl::ErrorStatus("i2d_PKCS8_PRIV_KEY_INFO");
  Secret bytes(std::string(reinterpret_cast<const char*>(der), static_cast<size_t>(len)));
  OPENSSL_clear_free(der, static_cast<size_t>(len));
  auto key = crypto::PrivateKey::FromDer(bytes.str());
  if (!key.ok()) return Malformed("invalid key: " + key.status().message());
  return key;
}

// PairwiseCheck has OpenSSL confirm that the private half of `pkey` matches its public half.
Status PairwiseCheck(EVP_PKEY* pkey) {
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return ossl::ErrorStatus("EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    ERR_clear_error();
    return Malformed("the private key does not match the public key");
  }
  return Status();
}

Result<crypto::PrivateKey> FromData(const char* type, OSSL_PARAM_BLD* bld) {
  ossl::UniquePtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return ossl::ErrorStatus("OSSL_PARAM_BLD_to_param");
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  const bool ok = ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
                  EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) == 1;
  if (!ok) {
    ERR_clear_error();
    return Malformed("invalid key numbers");
  }
  ossl::UniquePtr<EVP_PKEY> pkey(raw);
  CAIRN_RETURN_IF_ERROR(PairwiseCheck(pkey.get()));
  return ToPrivateKey(pkey.get());
}

SecretBn ToBn(std::string_view magnitude) {
  return SecretBn(BN_bin2bn(reinterpret_cast<const unsigned char*>(magnitude.data()),
                            static_cast<int>(magnitude.size()), nullptr));
}

Result<crypto::PrivateKey> ParseEd25519(WireReader& r, const PublicKey& pub) {
  CAIRN_ASSIGN_OR_RETURN(std::string_view pk, r.ReadString(kMaxKeyBlob));
  CAIRN_ASSIGN_OR_RETURN(std::string_view sk, r.ReadString(kMaxKeyBlob));
  CAIRN_ASSIGN_OR_RETURN(std::string_view want, PublicFields(pub));
  WireReader wr(want);
  CAIRN_ASSIGN_OR_RETURN(std::string_view want_pk, wr.ReadString());
  if (pk != want_pk) return Malformed("the private key does not match the public key");
  if (sk.size() != 64 || sk.substr(32) != pk) return Malformed("invalid ssh-ed25519 private key");
  ossl::UniquePtr<EVP_PKEY> pkey(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(sk.data()), 32));
  if (!pkey) return ossl::ErrorStatus("EVP_PKEY_new_raw_private_key");
  // The public half derived from the seed must be the one stored.
  std::string derived(32, '\0');
  size_t len = derived.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), reinterpret_cast<unsigned char*>(derived.data()),
                                  &len) != 1 ||
      derived != pk) {
    ERR_clear_error();
    return Malformed("the private key does not match the public key");
  }
  return ToPrivateKey(pkey.get());
}

Result<crypto::PrivateKey> ParseEcdsa(WireReader& r, const PublicKey& pub) {
  CAIRN_ASSIGN_OR_RETURN(std::string_view curve, r.ReadString(kMaxKeyBlob));
  CAIRN_ASSIGN_OR_RETURN(std::string_view point, r.ReadString(kMaxKeyBlob));
  CAIRN_ASSIGN_OR_RETURN(std::string_view d, r.ReadMpint(kMaxKeyBlob));
  WireWriter fields;
  fields.PutString(curve);
  fields.PutString(point);
  CAIRN_ASSIGN_OR_RETURN(std::string_view want, PublicFields(pub));
  if (fields.data() != want) return Malformed("the private key does not match the public key");
  const char* group = nullptr;
  switch (pub.key_type()) {
    case crypto::KeyType::kEcP256:
      group = "P-256";
      break;
    case crypto::KeyType::kEcP384:
      group = "P-384";
      break;
    default:
      group = "P-521";
      break;
  }
  SecretBn priv = ToBn(d);
  ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!priv || !bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1) {
    return ossl::ErrorStatus("building EC key parameters");
  }
  return FromData("EC", bld.get());
}

Result<crypto::PrivateKey> ParseRsa(WireReader& r, const PublicKey& pub) {
  std::string_view n, e, d, iqmp, p, q;
  for (std::string_view* v : {&n, &e, &d, &iqmp, &p, &q}) {
    CAIRN_ASSIGN_OR_RETURN(*v, r.ReadMpint(kMaxKeyBlob));
  }
  WireWriter fields;
  fields.PutMpint(e);
  fields.PutMpint(n);
  CAIRN_ASSIGN_OR_RETURN(std::string_view want, PublicFields(pub));
  if (fields.data() != want) return Malformed("the private key does not match the public key");
  if (p.empty() || q.empty() || d.empty() || iqmp.empty()) return Malformed("invalid RSA key");
  SecretBn bn_n = ToBn(n), bn_e = ToBn(e), bn_d = ToBn(d), bn_iqmp = ToBn(iqmp), bn_p = ToBn(p),
           bn_q = ToBn(q), dmp1(BN_secure_new()), dmq1(BN_secure_new()), p1(BN_secure_new()),
           q1(BN_secure_new());
  ossl::UniquePtr<BN_CTX> bn_ctx(BN_CTX_secure_new());
  // OpenSSH does not store the CRT exponents: d mod (p-1) and d mod (q-1).
  if (!bn_n || !bn_e || !bn_d || !bn_iqmp || !bn_p || !bn_q || !dmp1 || !dmq1 || !p1 || !q1 ||
      !bn_ctx || !BN_sub(p1.get(), bn_p.get(), BN_value_one()) ||
      !BN_sub(q1.get(), bn_q.get(), BN_value_one()) || BN_is_zero(p1.get()) ||
      BN_is_zero(q1.get()) || !BN_mod(dmp1.get(), bn_d.get(), p1.get(), bn_ctx.get()) ||
      !BN_mod(dmq1.get(), bn_d.get(), q1.get(), bn_ctx.get())) {
    ERR_clear_error();
    return Malformed("invalid RSA key");
  }
  ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, bn_d.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, bn_p.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, bn_q.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, bn_iqmp.get()) != 1) {
    return ossl::ErrorStatus("building RSA key parameters");
  }
  return FromData("RSA", bld.get());
}

// Unarmour returns the binary encoding inside the first OPENSSH PRIVATE KEY block.
Result<Secret> Unarmour(std::string_view text) {
  const size_t begin = text.find(kBegin);
  if (begin == std::string_view::npos) {
    return InvalidArgumentError("ssh: no OPENSSH PRIVATE KEY block found");
  }
  const size_t body = begin + kBegin.size();
  const size_t end = text.find(kEnd, body);
  if (end == std::string_view::npos) return Malformed("missing END line");
  Secret b64;
  for (char c : text.substr(body, end - body)) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) b64.str().push_back(c);
  }
  auto bin = Base64Decode(b64.str());
  if (!bin.ok()) return Malformed("invalid base64");
  return Secret(std::move(bin).value());
}

// PrivateSectionPadding checks the padding after the comment: 1, 2, 3, ... up to the block.
Status CheckPadding(std::string_view pad) {
  if (pad.size() >= kBlockSize) return Malformed("too much padding");
  for (size_t i = 0; i < pad.size(); ++i) {
    if (static_cast<uint8_t>(pad[i]) != i + 1) return Malformed("invalid padding");
  }
  return Status();
}

}  // namespace

Result<std::string> MarshalPrivateKeyFields(const crypto::PrivateKey& key,
                                            const Certificate* cert) {
  CAIRN_ASSIGN_OR_RETURN(PublicKey pub, PublicKey::FromCrypto(key.public_key()));
  if (cert != nullptr && !cert->key().Equals(pub)) {
    return InvalidArgumentError("ssh: the certificate is not for this key");
  }
  WireWriter w;
  if (cert != nullptr) {
    w.PutString(cert->type_name());
    w.PutString(cert->Marshal());
  }
  switch (key.type()) {
    case crypto::KeyType::kEd25519: {
      std::string pk;
      Secret sk;
      CAIRN_RETURN_IF_ERROR(Ed25519Halves(key, pk, sk));
      if (cert == nullptr) w.PutString(pub.type());
      w.PutString(pk);
      w.PutString(sk.str());
      break;
    }
    case crypto::KeyType::kRsa: {
      RsaPrivate rsa;
      CAIRN_RETURN_IF_ERROR(ReadRsaPrivate(key, rsa));
      if (cert == nullptr) {
        CAIRN_ASSIGN_OR_RETURN(std::string n, BnParam(key.get(), OSSL_PKEY_PARAM_RSA_N));
        CAIRN_ASSIGN_OR_RETURN(std::string e, BnParam(key.get(), OSSL_PKEY_PARAM_RSA_E));
        w.PutString(pub.type());
        w.PutMpint(n);
        w.PutMpint(e);
      }
      for (const Secret* v : {&rsa.d, &rsa.iqmp, &rsa.p, &rsa.q}) w.PutMpint(v->str());
      break;
    }
    case crypto::KeyType::kEcP256:
    case crypto::KeyType::kEcP384:
    case crypto::KeyType::kEcP521: {
      Secret d;
      CAIRN_ASSIGN_OR_RETURN(d.str(), BnParam(key.get(), OSSL_PKEY_PARAM_PRIV_KEY));
      if (cert == nullptr) w.PutRaw(pub.Marshal());  // string type, string curve, string Q
      w.PutMpint(d.str());
      break;
    }
    case crypto::KeyType::kOther:
      return InvalidArgumentError("ssh: unsupported key type");
  }
  return w.Take();
}

Result<std::string> MarshalOpenSshPrivateKey(const crypto::PrivateKey& key,
                                             std::string_view comment, Random& random) {
  if (comment.size() > kMaxPrivateKeyComment) {
    return InvalidArgumentError("ssh: private key comment longer than " +
                                std::to_string(kMaxPrivateKeyComment) + " bytes");
  }
  CAIRN_ASSIGN_OR_RETURN(PublicKey pub, PublicKey::FromCrypto(key.public_key()));
  CAIRN_ASSIGN_OR_RETURN(uint64_t check64, random.Uint64());
  const auto check = static_cast<uint32_t>(check64);
  Secret fields;
  CAIRN_ASSIGN_OR_RETURN(fields.str(), MarshalPrivateKeyFields(key));

  WireWriter priv;
  priv.PutUint32(check);
  priv.PutUint32(check);
  priv.PutRaw(fields.str());
  priv.PutString(comment);
  for (uint8_t pad = 1; priv.size() % kBlockSize != 0; ++pad) priv.PutByte(pad);
  Secret section(priv.Take());

  WireWriter w;
  w.PutRaw(kMagic);
  w.PutString("none");  // cipher
  w.PutString("none");  // KDF
  w.PutString("");      // KDF options
  w.PutUint32(1);       // one key
  w.PutString(pub.Marshal());
  w.PutString(section.str());
  Secret bin(w.Take());
  Secret b64(Base64Encode(bin.str()));
  std::string pem = std::string(kBegin) + "\n";
  for (size_t i = 0; i < b64.str().size(); i += 70) {
    pem.append(b64.str(), i, 70);
    pem.push_back('\n');
  }
  pem.append(kEnd);
  pem.push_back('\n');
  return pem;
}

Result<OpenSshPrivateKey> ParseOpenSshPrivateKey(std::string_view text) {
  if (text.size() > kMaxPrivateKeyFile) {
    return ResourceExhaustedError("ssh: private key file larger than " +
                                  std::to_string(kMaxPrivateKeyFile) + " bytes");
  }
  CAIRN_ASSIGN_OR_RETURN(Secret bin, Unarmour(text));
  std::string_view data = bin.str();
  if (!data.starts_with(kMagic)) return Malformed("bad magic");
  WireReader r(data.substr(kMagic.size()));
  CAIRN_ASSIGN_OR_RETURN(std::string_view cipher, r.ReadString(256));
  CAIRN_ASSIGN_OR_RETURN(std::string_view kdf, r.ReadString(256));
  CAIRN_ASSIGN_OR_RETURN(std::string_view kdf_options, r.ReadString(kMaxPrivateKeyFile));
  if (cipher != "none" || kdf != "none") {
    return UnimplementedError(
        "ssh: the OpenSSH private key is encrypted (cipher " + std::string(cipher) + ", KDF " +
        std::string(kdf) +
        "): bcrypt KDF not supported; use a PEM key (ssh-keygen -p -m PEM, or decrypt it with "
        "ssh-keygen -p -N '')");
  }
  if (!kdf_options.empty()) return Malformed("KDF options without a KDF");
  CAIRN_ASSIGN_OR_RETURN(uint32_t nkeys, r.ReadUint32());
  if (nkeys != 1) return Malformed("want exactly one key, found " + std::to_string(nkeys));
  CAIRN_ASSIGN_OR_RETURN(std::string_view pub_blob, r.ReadString(kMaxKeyBlob));
  CAIRN_ASSIGN_OR_RETURN(PublicKey pub, PublicKey::Parse(pub_blob));
  CAIRN_ASSIGN_OR_RETURN(std::string_view section, r.ReadString(kMaxPrivateKeyFile));
  CAIRN_RETURN_IF_ERROR(r.ExpectEnd("OpenSSH private key"));
  if (section.size() % kBlockSize != 0) return Malformed("private section not block-aligned");

  WireReader s(section);
  CAIRN_ASSIGN_OR_RETURN(uint32_t check1, s.ReadUint32());
  CAIRN_ASSIGN_OR_RETURN(uint32_t check2, s.ReadUint32());
  if (check1 != check2) return Malformed("check integers differ (wrong passphrase or corrupt)");
  CAIRN_ASSIGN_OR_RETURN(std::string_view type, s.ReadString(256));
  if (type != pub.type()) {
    return Malformed("private key type " + std::string(type) + " does not match the public key " +
                     pub.type());
  }
  Result<crypto::PrivateKey> key = InvalidArgumentError("ssh: unsupported key type");
  switch (pub.key_type()) {
    case crypto::KeyType::kEd25519:
      key = ParseEd25519(s, pub);
      break;
    case crypto::KeyType::kRsa:
      key = ParseRsa(s, pub);
      break;
    case crypto::KeyType::kEcP256:
    case crypto::KeyType::kEcP384:
    case crypto::KeyType::kEcP521:
      key = ParseEcdsa(s, pub);
      break;
    case crypto::KeyType::kOther:
      break;
  }
  if (!key.ok()) return key.status();
  auto comment = s.ReadString(kMaxPrivateKeyComment);
  if (!comment.ok()) {
    if (comment.status().code() == StatusCode::kResourceExhausted) {
      return ResourceExhaustedError("ssh: private key comment longer than " +
                                    std::to_string(kMaxPrivateKeyComment) + " bytes");
    }
    return comment.status();
  }
  CAIRN_RETURN_IF_ERROR(CheckPadding(s.rest()));
  // The key crypto derived must be the one the file names (whole blob, every field).
  CAIRN_ASSIGN_OR_RETURN(PublicKey derived, PublicKey::FromCrypto(key->public_key()));
  if (!derived.Equals(pub)) return Malformed("the private key does not match the public key");
  return OpenSshPrivateKey{.key = std::move(key).value(),
                           .public_key = std::move(pub),
                           .comment = std::string(*comment)};
}

}  // namespace cairn::ssh
