#include "jose/internal/pkey_util.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

namespace cairn::jose::internal {

std::string KeyCurve(EVP_PKEY* pkey) {
  if (pkey == nullptr) return "";
  if (EVP_PKEY_is_a(pkey, "ED25519")) return "Ed25519";
  if (!EVP_PKEY_is_a(pkey, "EC")) return "";
  char name[80];
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) !=
      1) {
    ossl::ClearErrors();
    return "";
  }
  // OpenSSL reports the short name ("prime256v1"); a key made from "P-256" may report the
  // NIST name. Accept both.
  int nid = OBJ_sn2nid(name);
  if (nid == NID_undef) nid = EC_curve_nist2nid(name);
  switch (nid) {
    case NID_X9_62_prime256v1:
      return "P-256";
    case NID_secp384r1:
      return "P-384";
    case NID_secp521r1:
      return "P-521";
    default:
      return "";
  }
}

int CoordinateSize(const std::string& crv) {
  if (crv == "P-256") return 32;
  if (crv == "P-384") return 48;
  if (crv == "P-521") return 66;
  return 0;
}

bool IsRsa(EVP_PKEY* pkey) { return pkey != nullptr && EVP_PKEY_is_a(pkey, "RSA"); }

}  // namespace cairn::jose::internal
