#pragma once

// A hook on OpenSSL's PKCS5_PBKDF2_HMAC for the fuzz targets that decrypt password-protected
// inputs (JWE PBES2, encrypted PKCS#8). Linking pbkdf2_hook.cc into a target interposes the
// function (the executable's definition wins over libcrypto's) so that the target can
//  - see every PBKDF2 run the code under test asks for, with its iteration count, and assert the
//    bounds the code promises (a JWE whose p2c is out of range must be refused before any
//    PBKDF2 runs);
//  - keep fuzzing fast: the real PBKDF2 runs min(iterations, kPbkdf2FuzzIterationCap) rounds.
//    Seeds that must decrypt are therefore made with exactly kPbkdf2FuzzIterationCap
//    iterations; inputs asking for more derive a different key and fail to decrypt (the
//    "wrong password" path), deterministically.

#include <cstdint>

namespace cairn::fuzz {

// kPbkdf2FuzzIterationCap is the most PBKDF2 rounds the hook really runs (JWE's minimum p2c).
inline constexpr int kPbkdf2FuzzIterationCap = 1000;

// Pbkdf2Calls is what the hook saw since the last ResetPbkdf2Calls.
struct Pbkdf2Calls {
  int calls = 0;
  int64_t min_iterations = 0;  // over all calls (0 when none)
  int64_t max_iterations = 0;
};

// ResetPbkdf2Calls forgets what the hook saw; Pbkdf2CallsSeen returns it.
void ResetPbkdf2Calls();
Pbkdf2Calls Pbkdf2CallsSeen();

}  // namespace cairn::fuzz
