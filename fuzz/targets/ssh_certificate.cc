// OpenSSH certificates (the sshpop header, `cairn ssh inspect`, agents): a certificate that
// parses keeps its exact bytes, survives its authorized_keys form, and verifying it (whatever
// the answer) does not crash.

#include <string_view>

#include "fuzz/fuzz.h"
#include "ssh/certificate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto cert = cairn::ssh::Certificate::Parse(in);
  if (!cert.ok()) return 0;
  FUZZ_CHECK(cert->Marshal() == in);
  auto line = cairn::ssh::Certificate::ParseAuthorizedKey(cert->MarshalAuthorizedKey("c"));
  FUZZ_CHECK(line.ok() && line->Marshal() == cert->Marshal());
  FUZZ_CHECK(line->serial() == cert->serial() && line->key_id() == cert->key_id());
  (void)cert->Verify();
  return 0;
}
