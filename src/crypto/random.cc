#include "crypto/random.h"

#include <openssl/rand.h>

#include <climits>

#include "crypto/ossl_ptr.h"

namespace cairn::crypto {

Status OsslRandom::Fill(std::span<uint8_t> out) {
  size_t off = 0;
  while (off < out.size()) {
    size_t n = std::min<size_t>(out.size() - off, INT_MAX);
    if (RAND_bytes(out.data() + off, static_cast<int>(n)) != 1) {
      return ossl::ErrorStatus("RAND_bytes");
    }
    off += n;
  }
  return Status();
}

OsslRandom& OsslRandom::Default() {
  static OsslRandom r;
  return r;
}

}  // namespace cairn::crypto
