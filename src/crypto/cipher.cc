#include "crypto/cipher.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "crypto/ossl_ptr.h"

namespace cairn::crypto {

Result<std::string> Aes256CbcNoPadding(bool encrypt, std::string_view key, std::string_view iv,
                                       std::string_view in) {
  if (key.size() != 32 || iv.size() != 16 || in.size() % 16 != 0) {
    return InvalidArgumentError("AES-256-CBC: wrong key, iv or input size");
  }
  ossl::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return InternalError("EVP_CIPHER_CTX_new failed");
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr,
                        reinterpret_cast<const unsigned char*>(key.data()),
                        reinterpret_cast<const unsigned char*>(iv.data()), encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
    return InternalError("AES-256-CBC init failed");
  }
  std::string out(in.size() + 16, '\0');
  int n1 = 0, n2 = 0;
  if (EVP_CipherUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n1,
                       reinterpret_cast<const unsigned char*>(in.data()),
                       static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + n1, &n2) != 1) {
    return InternalError("AES-256-CBC failed");
  }
  out.resize(static_cast<size_t>(n1 + n2));
  return out;
}

Result<std::string> Scrypt(std::string_view password, std::string_view salt, uint64_t n, uint64_t r,
                           uint64_t p, uint64_t max_mem, size_t out_len) {
  std::string key(out_len, '\0');
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n, r, p,
                     max_mem, reinterpret_cast<unsigned char*>(key.data()), key.size()) != 1) {
    return InvalidArgumentError("scrypt failed");
  }
  return key;
}

}  // namespace cairn::crypto
