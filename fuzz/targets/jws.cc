// Compact JWS (every one-time token, ACME's JWS in compact form): a token that parses has an
// object header with a string "alg" equal to ParsedJws::alg, a signing input that is the
// token's first two parts exactly, and parses the same way twice.

#include "jose/jws.h"

#include <string_view>

#include "fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto jws = cairn::jose::ParseCompact(in);
  if (!jws.ok()) return 0;
  FUZZ_CHECK(jws->header.is_object());
  auto alg = jws->header.find("alg");
  FUZZ_CHECK(alg != jws->header.end() && alg->is_string() && alg->get<std::string>() == jws->alg);
  FUZZ_CHECK(in.substr(0, jws->signing_input.size()) == jws->signing_input);
  auto again = cairn::jose::ParseCompact(in);
  FUZZ_CHECK(again.ok() && again->payload == jws->payload && again->signature == jws->signature);
  return 0;
}
