// OCSP requests (POST /ocsp bodies and GET /ocsp/<base64>): a request that parses names between
// one and kMaxOcspRequestCertIds certificates, each with its hash algorithm, a serial, and its
// CertID bytes taken from the request itself (responses echo them).

#include <string_view>

#include "fuzz/fuzz.h"
#include "pki/ocsp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto req = cairn::pki::ParseOcspRequest(in);
  if (!req.ok()) return 0;
  FUZZ_CHECK(!req->ids.empty() && req->ids.size() <= cairn::pki::kMaxOcspRequestCertIds);
  for (const auto& id : req->ids) {
    FUZZ_CHECK(!id.hash_oid.empty());
    FUZZ_CHECK(!id.serial_decimal.empty());
    FUZZ_CHECK(!id.der.empty() && in.find(id.der) != std::string_view::npos);
  }
  return 0;
}
