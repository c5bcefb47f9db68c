#include "crypto/version.h"

#include <openssl/crypto.h>

namespace cairn::crypto {

std::string OpenSslVersion() { return OpenSSL_version(OPENSSL_VERSION); }

}  // namespace cairn::crypto
