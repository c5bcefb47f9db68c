// X.509 certificates and CSRs in DER (x5c headers, mTLS peers, /sign CSRs): what parses keeps
// its DER, and its PEM form parses back to the same DER.

#include <string_view>

#include "fuzz/fuzz.h"
#include "pki/certificate.h"
#include "pki/csr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto cert = cairn::pki::Certificate::FromDer(in); cert.ok()) {
    auto again = cairn::pki::Certificate::FromPem(cert->pem());
    FUZZ_CHECK(again.ok() && again->der() == cert->der());
  }
  if (auto csr = cairn::pki::CertificateRequest::FromDer(in); csr.ok()) {
    auto again = cairn::pki::CertificateRequest::FromDer(csr->der());
    FUZZ_CHECK(again.ok() && again->der() == csr->der());
    (void)csr->VerifySignature();
  }
  return 0;
}
