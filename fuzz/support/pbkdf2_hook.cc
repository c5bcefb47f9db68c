#include "fuzz/support/pbkdf2_hook.h"

#include <dlfcn.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace cairn::fuzz {
namespace {

Pbkdf2Calls seen;  // one input at a time, on one thread

}  // namespace

void ResetPbkdf2Calls() { seen = Pbkdf2Calls(); }
Pbkdf2Calls Pbkdf2CallsSeen() { return seen; }

}  // namespace cairn::fuzz

// PKCS5_PBKDF2_HMAC interposes libcrypto's function (see pbkdf2_hook.h).
extern "C" int PKCS5_PBKDF2_HMAC(const char* pass, int passlen, const unsigned char* salt,
                                 int saltlen, int iter, const EVP_MD* digest, int keylen,
                                 unsigned char* out) {
  using Fn =
      int (*)(const char*, int, const unsigned char*, int, int, const EVP_MD*, int, unsigned char*);
  static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "PKCS5_PBKDF2_HMAC"));
  if (real == nullptr) {
    std::fprintf(stderr, "pbkdf2_hook: libcrypto's PKCS5_PBKDF2_HMAC not found\n");
    std::abort();
  }
  auto& s = cairn::fuzz::seen;
  s.min_iterations = s.calls == 0 ? iter : std::min<int64_t>(s.min_iterations, iter);
  s.max_iterations = std::max<int64_t>(s.max_iterations, iter);
  ++s.calls;
  return real(pass, passlen, salt, saltlen, std::min(iter, cairn::fuzz::kPbkdf2FuzzIterationCap),
              digest, keylen, out);
}
