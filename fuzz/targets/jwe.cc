// Password-based JWE, compact and JSON (ca.json's encryptedKey, *.jwk key files, the
// /provisioners/{kid}/encrypted-key answer step clients decrypt), opened with a fixed password:
//  - decrypting never crashes and answers the same twice; a rejected input fails with
//    kInvalidArgument (jwe.h's only failure code for input);
//  - the PBES2 iteration bound is honoured: when the header's p2c is missing, not an integer or
//    outside [kMinPbes2Count, kMaxPbes2Count], no PBKDF2 runs at all; otherwise at most one
//    runs, with exactly the header's p2c (the hook in support/pbkdf2_hook.h sees every run, and
//    really computes at most 1000 rounds so that fuzzing stays fast; seeds use p2c = 1000);
//  - what decrypts re-encrypts (compact and JSON, with the header's enc) and decrypts back to
//    the same plaintext, and a decrypted JWK re-encrypts to the same key.

#include "jose/jwe.h"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz/fuzz.h"
#include "fuzz/support/pbkdf2_hook.h"
#include "jose/jwk.h"

namespace {

namespace jose = cairn::jose;

constexpr std::string_view kPassword = "fuzz-password";

// HeaderP2c returns the header's p2c as jwe.cc must read it: -1 when absent or not an integer,
// else its value (unsigned values saturated).
int64_t HeaderP2c(const nlohmann::json& header) {
  auto it = header.find("p2c");
  if (it == header.end() || !it->is_number_integer()) return -1;
  if (it->is_number_unsigned()) {
    uint64_t v = it->get<uint64_t>();
    return v > (uint64_t{1} << 40) ? int64_t{1} << 40 : static_cast<int64_t>(v);
  }
  return it->get<int64_t>();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto header = jose::PeekHeader(in);

  cairn::fuzz::ResetPbkdf2Calls();
  auto plain = jose::Decrypt(in, kPassword);
  const cairn::fuzz::Pbkdf2Calls calls = cairn::fuzz::Pbkdf2CallsSeen();

  FUZZ_CHECK(calls.calls <= 1);
  if (!header.ok()) {
    FUZZ_CHECK(!plain.ok() && calls.calls == 0);
    FUZZ_CHECK(header.status().code() == cairn::StatusCode::kInvalidArgument);
  } else {
    const int64_t p2c = HeaderP2c(*header);
    if (p2c < jose::kMinPbes2Count || p2c > jose::kMaxPbes2Count) {
      // Refused, not run.
      FUZZ_CHECK(!plain.ok() && calls.calls == 0);
    }
    if (calls.calls == 1) {
      FUZZ_CHECK(calls.max_iterations == p2c && calls.min_iterations == p2c);
    }
  }
  if (!plain.ok()) {
    FUZZ_CHECK(plain.status().code() == cairn::StatusCode::kInvalidArgument);
  }

  // Deterministic.
  auto twice = jose::Decrypt(in, kPassword);
  FUZZ_CHECK(twice.ok() == plain.ok());
  if (!plain.ok()) {
    FUZZ_CHECK(twice.status().message() == plain.status().message());
    return 0;
  }
  FUZZ_CHECK(*twice == *plain);
  FUZZ_CHECK(calls.calls == 1);

  // Round trip through both serializations, with the same content encryption.
  const std::string enc = (*header)["enc"].get<std::string>();
  auto compact = jose::EncryptPbes2Compact(*plain, kPassword, jose::kMinPbes2Count, enc);
  FUZZ_CHECK(compact.ok());
  auto back = jose::Decrypt(*compact, kPassword);
  FUZZ_CHECK(back.ok() && *back == *plain);
  auto json = jose::EncryptPbes2Json(*plain, kPassword, jose::kMinPbes2Count, enc);
  FUZZ_CHECK(json.ok());
  back = jose::Decrypt(*json, kPassword);
  FUZZ_CHECK(back.ok() && *back == *plain);

  // An encrypted JWK stays the same key.
  auto jwk = jose::DecryptJwk(in, kPassword);
  if (jwk.ok() && jwk->is_private()) {
    auto sealed = jose::EncryptJwk(*jwk, kPassword, jose::kMinPbes2Count);
    FUZZ_CHECK(sealed.ok());
    auto opened = jose::DecryptJwk(*sealed, kPassword);
    FUZZ_CHECK(opened.ok() && opened->ToJsonString(true) == jwk->ToJsonString(true));
  }
  return 0;
}
