#include "crypto/ossl_ptr.h"

#include <openssl/err.h>

namespace cairn::ossl {

Status ErrorStatus(std::string_view context, StatusCode code) {
  std::string msg(context);
  bool first = true;
  unsigned long err;
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    msg += first ? ": " : "; ";
    msg += buf;
    first = false;
  }
  return Status(code, std::move(msg));
}

void ClearErrors() { ERR_clear_error(); }

UniquePtr<BIO> MemBio(std::string_view data) {
  return UniquePtr<BIO>(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) return std::string();
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace cairn::ossl
