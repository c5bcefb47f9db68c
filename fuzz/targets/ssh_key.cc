// SSH public keys (wire blobs, as /ssh/sign, /ssh/rekey and agents send them): a blob that
// parses is canonical — re-encoding the key it holds gives the same bytes — and its
// authorized_keys line parses back to the same key.

#include <string_view>

#include "fuzz/fuzz.h"
#include "ssh/key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto key = cairn::ssh::PublicKey::Parse(in);
  if (!key.ok()) return 0;
  FUZZ_CHECK(key->Marshal() == in);
  auto again = cairn::ssh::PublicKey::FromCrypto(key->crypto_key());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->Marshal() == key->Marshal());
  auto line = cairn::ssh::PublicKey::ParseAuthorizedKey(key->MarshalAuthorizedKey("c"));
  FUZZ_CHECK(line.ok() && line->Equals(*key));
  return 0;
}
