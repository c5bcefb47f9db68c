#pragma once

// RAII over OpenSSL 3 objects, after BoringSSL's bssl::UniquePtr. Wrap every allocation at
// once; lend with .get(); call .release() only inside the argument list of a set0/add0/push
// that takes ownership; share with UpRef(). Only the low layers (crypto, pki, jose, ssh, http,
// kms) include this header.

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/param_build.h>
#include <openssl/pkcs7.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cairn::ossl {
namespace internal {
template <typename T>
struct DeleterImpl {};
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    DeleterImpl<T>::Free(p);
  }
};
}  // namespace internal

template <typename T>
using UniquePtr = std::unique_ptr<T, internal::Deleter>;

#define CAIRN_OSSL_DELETER(type, fn)     \
  namespace internal {                   \
  template <>                            \
  struct DeleterImpl<type> {             \
    static void Free(type* p) { fn(p); } \
  };                                     \
  }
#define CAIRN_OSSL_UP_REF(type, fn)       \
  inline UniquePtr<type> UpRef(type* p) { \
    if (p) fn(p);                         \
    return UniquePtr<type>(p);            \
  }

CAIRN_OSSL_DELETER(X509, X509_free)
CAIRN_OSSL_UP_REF(X509, X509_up_ref)
CAIRN_OSSL_DELETER(EVP_PKEY, EVP_PKEY_free)
CAIRN_OSSL_UP_REF(EVP_PKEY, EVP_PKEY_up_ref)
CAIRN_OSSL_DELETER(X509_CRL, X509_CRL_free)
CAIRN_OSSL_UP_REF(X509_CRL, X509_CRL_up_ref)
CAIRN_OSSL_DELETER(SSL_CTX, SSL_CTX_free)
CAIRN_OSSL_UP_REF(SSL_CTX, SSL_CTX_up_ref)
CAIRN_OSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
CAIRN_OSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free)
CAIRN_OSSL_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)
CAIRN_OSSL_DELETER(EVP_MAC, EVP_MAC_free)
CAIRN_OSSL_DELETER(EVP_MAC_CTX, EVP_MAC_CTX_free)
CAIRN_OSSL_DELETER(X509_REQ, X509_REQ_free)
CAIRN_OSSL_DELETER(X509_NAME, X509_NAME_free)
CAIRN_OSSL_DELETER(X509_EXTENSION, X509_EXTENSION_free)
CAIRN_OSSL_DELETER(X509_STORE, X509_STORE_free)
CAIRN_OSSL_DELETER(X509_STORE_CTX, X509_STORE_CTX_free)
CAIRN_OSSL_DELETER(X509_REVOKED, X509_REVOKED_free)
CAIRN_OSSL_DELETER(BIO, BIO_free_all)
CAIRN_OSSL_DELETER(BIGNUM, BN_free)
CAIRN_OSSL_DELETER(BN_CTX, BN_CTX_free)
// ASN1_INTEGER, ASN1_OCTET_STRING and ASN1_TIME are all ASN1_STRING in OpenSSL 3.
CAIRN_OSSL_DELETER(ASN1_STRING, ASN1_STRING_free)
CAIRN_OSSL_DELETER(ASN1_OBJECT, ASN1_OBJECT_free)
CAIRN_OSSL_DELETER(ASN1_TYPE, ASN1_TYPE_free)
CAIRN_OSSL_DELETER(GENERAL_NAME, GENERAL_NAME_free)
CAIRN_OSSL_DELETER(GENERAL_NAMES, GENERAL_NAMES_free)
CAIRN_OSSL_DELETER(BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free)
CAIRN_OSSL_DELETER(EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free)
CAIRN_OSSL_DELETER(AUTHORITY_KEYID, AUTHORITY_KEYID_free)
CAIRN_OSSL_DELETER(ECDSA_SIG, ECDSA_SIG_free)
CAIRN_OSSL_DELETER(OCSP_REQUEST, OCSP_REQUEST_free)
CAIRN_OSSL_DELETER(OCSP_RESPONSE, OCSP_RESPONSE_free)
CAIRN_OSSL_DELETER(OCSP_BASICRESP, OCSP_BASICRESP_free)
CAIRN_OSSL_DELETER(OCSP_CERTID, OCSP_CERTID_free)
CAIRN_OSSL_DELETER(PKCS7, PKCS7_free)
CAIRN_OSSL_DELETER(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)
CAIRN_OSSL_DELETER(OSSL_PARAM, OSSL_PARAM_free)
CAIRN_OSSL_DELETER(OSSL_DECODER_CTX, OSSL_DECODER_CTX_free)
CAIRN_OSSL_DELETER(OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free)
// Added for crypto/key and pki (keys, certificate extensions).
CAIRN_OSSL_DELETER(X509_ALGOR, X509_ALGOR_free)
CAIRN_OSSL_DELETER(X509_SIG, X509_SIG_free)
CAIRN_OSSL_DELETER(PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free)
CAIRN_OSSL_DELETER(AUTHORITY_INFO_ACCESS, AUTHORITY_INFO_ACCESS_free)
CAIRN_OSSL_DELETER(ACCESS_DESCRIPTION, ACCESS_DESCRIPTION_free)
CAIRN_OSSL_DELETER(CRL_DIST_POINTS, CRL_DIST_POINTS_free)
CAIRN_OSSL_DELETER(DIST_POINT, DIST_POINT_free)
CAIRN_OSSL_DELETER(CERTIFICATEPOLICIES, CERTIFICATEPOLICIES_free)
CAIRN_OSSL_DELETER(POLICYINFO, POLICYINFO_free)
CAIRN_OSSL_DELETER(X509_PUBKEY, X509_PUBKEY_free)

namespace internal {
struct X509StackFree {
  static void Free(STACK_OF(X509) * p) { sk_X509_pop_free(p, X509_free); }
};
template <>
struct DeleterImpl<STACK_OF(X509)> : X509StackFree {};
struct X509ExtensionStackFree {
  static void Free(STACK_OF(X509_EXTENSION) * p) {
    sk_X509_EXTENSION_pop_free(p, X509_EXTENSION_free);
  }
};
template <>
struct DeleterImpl<STACK_OF(X509_EXTENSION)> : X509ExtensionStackFree {};
struct OpensslCharFree {
  static void Free(char* p) { OPENSSL_free(p); }
};
template <>
struct DeleterImpl<char> : OpensslCharFree {};
struct OpensslByteFree {
  static void Free(unsigned char* p) { OPENSSL_free(p); }
};
template <>
struct DeleterImpl<unsigned char> : OpensslByteFree {};
}  // namespace internal

// ErrorStatus drains the OpenSSL error queue into a Status with code `code` whose message is
// "context: <reasons>". Call it right after a failed OpenSSL call.
Status ErrorStatus(std::string_view context, StatusCode code = StatusCode::kInternal);

// ClearErrors empties the error queue after a failure that is handled deliberately.
void ClearErrors();

// MemBio returns a read-only memory BIO over `data` (which must outlive the BIO).
UniquePtr<BIO> MemBio(std::string_view data);
// BioToString returns everything written to a memory BIO.
std::string BioToString(BIO* bio);

}  // namespace cairn::ossl
