#include "crypto/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/ossl_ptr.h"

namespace cairn::crypto {
namespace {

std::string DigestWith(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  CAIRN_CHECK(EVP_Digest(data.data(), data.size(), out, &n, md, nullptr) == 1);
  return std::string(reinterpret_cast<const char*>(out), n);
}

const EVP_MD* MdFor(HashAlg hash) {
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
  return nullptr;
}

}  // namespace

std::string_view HashAlgName(HashAlg hash) {
  switch (hash) {
    case HashAlg::kSha256:
      return "SHA256";
    case HashAlg::kSha384:
      return "SHA384";
    case HashAlg::kSha512:
      return "SHA512";
    case HashAlg::kNone:
      break;
  }
  return "none";
}

std::string Sha1(std::string_view data) { return DigestWith(EVP_sha1(), data); }
std::string Sha256(std::string_view data) { return DigestWith(EVP_sha256(), data); }
std::string Sha384(std::string_view data) { return DigestWith(EVP_sha384(), data); }
std::string Sha512(std::string_view data) { return DigestWith(EVP_sha512(), data); }

Result<std::string> Digest(HashAlg hash, std::string_view data) {
  const EVP_MD* md = MdFor(hash);
  if (md == nullptr) return InvalidArgumentError("digest: no hash algorithm given");
  return DigestWith(md, data);
}

Result<std::string> Hmac(HashAlg hash, std::string_view key, std::string_view data) {
  const EVP_MD* md = MdFor(hash);
  if (md == nullptr) return InvalidArgumentError("hmac: no hash algorithm given");
  if (key.size() > INT32_MAX) return InvalidArgumentError("hmac: key too long");
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  // HMAC() refuses a null key pointer even with length 0; an empty key is legal (RFC 2104).
  static const unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (HMAC(md, key_ptr, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n) == nullptr) {
    return ossl::ErrorStatus("HMAC");
  }
  return std::string(reinterpret_cast<const char*>(out), n);
}

}  // namespace cairn::crypto
