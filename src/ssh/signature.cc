#include "ssh/signature.h"

#include "ssh/wire.h"

namespace cairn::ssh {
namespace {

// OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE.
constexpr int kMinVerifyRsaBits = 1024;

crypto::HashAlg EcdsaHash(crypto::KeyType type) {
  switch (type) {
    case crypto::KeyType::kEcP384:
      return crypto::HashAlg::kSha384;
    case crypto::KeyType::kEcP521:
      return crypto::HashAlg::kSha512;
    default:
      break;
  }
  return crypto::HashAlg::kSha256;  // RFC 5656 §6.2.1: nistp256 uses SHA-256
}

bool IsEcdsa(crypto::KeyType type) {
  return type == crypto::KeyType::kEcP256 || type == crypto::KeyType::kEcP384 ||
         type == crypto::KeyType::kEcP521;
}

}  // namespace

Result<std::string_view> SignatureFormatFor(crypto::KeyType type, SignatureAlgorithm alg) {
  if (type == crypto::KeyType::kRsa) {
    return alg == SignatureAlgorithm::kRsaSha256 ? kSigRsaSha256 : kSigRsaSha512;
  }
  if (alg != SignatureAlgorithm::kDefault) {
    return InvalidArgumentError("ssh: rsa-sha2-* signature algorithms need an RSA key");
  }
  const std::string_view name = SshKeyTypeName(type);
  if (name.empty()) return InvalidArgumentError("ssh: unsupported key type");
  return name;  // ssh-ed25519 and ecdsa-sha2-* name their signatures after the key type
}

Result<std::string> SignData(const crypto::Signer& signer, std::string_view data,
                             SignatureAlgorithm alg) {
  const crypto::KeyType type = signer.public_key().type();
  CAIRN_ASSIGN_OR_RETURN(std::string_view format, SignatureFormatFor(type, alg));
  WireWriter out;
  out.PutString(format);
  if (type == crypto::KeyType::kEd25519) {
    CAIRN_ASSIGN_OR_RETURN(std::string sig, signer.Sign(crypto::HashAlg::kNone, data));
    out.PutString(sig);
  } else if (IsEcdsa(type)) {
    CAIRN_ASSIGN_OR_RETURN(std::string der, signer.Sign(EcdsaHash(type), data));
    const size_t field = crypto::EcdsaFieldBytes(type);
    CAIRN_ASSIGN_OR_RETURN(std::string raw, crypto::EcdsaDerToRaw(der, field));
    WireWriter rs;
    rs.PutMpint(std::string_view(raw).substr(0, field));
    rs.PutMpint(std::string_view(raw).substr(field));
    out.PutString(rs.data());
  } else {
    const crypto::HashAlg hash =
        format == kSigRsaSha256 ? crypto::HashAlg::kSha256 : crypto::HashAlg::kSha512;
    CAIRN_ASSIGN_OR_RETURN(std::string sig, signer.Sign(hash, data));
    out.PutString(sig);
  }
  return out.Take();
}

Result<std::string_view> SignatureFormat(std::string_view signature_blob) {
  WireReader r(signature_blob);
  auto format = r.ReadString(256);
  if (!format.ok()) return InvalidArgumentError("ssh: malformed signature");
  return *format;
}

Status VerifySignature(const PublicKey& key, std::string_view data,
                       std::string_view signature_blob) {
  WireReader r(signature_blob);
  auto format = r.ReadString(256);
  auto sig = r.ReadString();
  if (!format.ok() || !sig.ok() || !r.empty()) {
    return InvalidArgumentError("ssh: malformed signature");
  }
  const crypto::KeyType type = key.key_type();
  if (type == crypto::KeyType::kEd25519) {
    if (*format != kKeyEd25519) {
      return InvalidArgumentError("ssh: signature format does not match the ssh-ed25519 key");
    }
    if (sig->size() != 64) return InvalidArgumentError("ssh: malformed ssh-ed25519 signature");
    return crypto::VerifySignature(key.crypto_key(), crypto::HashAlg::kNone, data, *sig);
  }
  if (IsEcdsa(type)) {
    if (*format != key.type()) {
      return InvalidArgumentError("ssh: signature format does not match the " + key.type() +
                                  " key");
    }
    // RFC 5656 §3.1.2: the signature is `mpint r, mpint s`; both are positive and no wider
    // than the curve's order.
    WireReader rs(*sig);
    const size_t field = crypto::EcdsaFieldBytes(type);
    auto sig_r = rs.ReadMpint(field + 1);
    auto sig_s = rs.ReadMpint(field + 1);
    if (!sig_r.ok() || !sig_s.ok() || !rs.empty() || sig_r->empty() || sig_s->empty() ||
        sig_r->size() > field || sig_s->size() > field) {
      return InvalidArgumentError("ssh: malformed " + key.type() + " signature");
    }
    std::string raw(2 * field, '\0');
    raw.replace(field - sig_r->size(), sig_r->size(), *sig_r);
    raw.replace(2 * field - sig_s->size(), sig_s->size(), *sig_s);
    CAIRN_ASSIGN_OR_RETURN(std::string der, crypto::EcdsaRawToDer(raw));
    return crypto::VerifySignature(key.crypto_key(), EcdsaHash(type), data, der);
  }
  if (type == crypto::KeyType::kRsa) {
    crypto::HashAlg hash;
    if (*format == kSigRsaSha256) {
      hash = crypto::HashAlg::kSha256;
    } else if (*format == kSigRsaSha512) {
      hash = crypto::HashAlg::kSha512;
    } else if (*format == kSigRsaSha1) {
      return InvalidArgumentError("ssh: ssh-rsa (SHA-1) signatures are not accepted");
    } else {
      return InvalidArgumentError("ssh: signature format does not match the ssh-rsa key");
    }
    if (key.bits() < kMinVerifyRsaBits) {
      return InvalidArgumentError("ssh: RSA key too small (" + std::to_string(key.bits()) +
                                  " bits)");
    }
    // OpenSSH left-pads a signature shorter than the modulus (ssh_rsa_verify); do the same.
    const size_t modulus_bytes = static_cast<size_t>((key.bits() + 7) / 8);
    if (sig->size() > modulus_bytes || sig->empty()) {
      return InvalidArgumentError("ssh: malformed RSA signature");
    }
    std::string padded(modulus_bytes - sig->size(), '\0');
    padded.append(*sig);
    return crypto::VerifySignature(key.crypto_key(), hash, data, padded);
  }
  return InvalidArgumentError("ssh: unsupported key type");
}

}  // namespace cairn::ssh
