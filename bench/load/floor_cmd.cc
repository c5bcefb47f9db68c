// cairn-bench floor: the crypto floor of one issuance, measured on this machine. A JWK-token
// issuance must verify the token (one ECDSA P-256 verification), verify the CSR's signature
// (another) and sign the certificate (one ECDSA P-256 signature); nothing a CA can do makes
// that cheaper. Each operation goes through OpenSSL's EVP interface the way a CA uses it (a
// fresh EVP_MD_CTX, SHA-256 over ~1 KB of to-be-signed data), single thread, thread CPU time.

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"
#include "crypto/ossl_ptr.h"

namespace cairn::bench {
namespace {

constexpr size_t kTbsSize = 1024;

bool Sign(EVP_PKEY* key, const std::vector<unsigned char>& tbs, std::vector<unsigned char>& sig) {
  ossl::UniquePtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  size_t len = sig.size();
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(md.get(), sig.data(), &len, tbs.data(), tbs.size()) != 1) {
    return false;
  }
  sig.resize(len);
  return true;
}

bool Verify(EVP_PKEY* key, const std::vector<unsigned char>& tbs,
            const std::vector<unsigned char>& sig) {
  ossl::UniquePtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  return md && EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(md.get(), sig.data(), sig.size(), tbs.data(), tbs.size()) == 1;
}

// TimeLoop runs `op` until `seconds` of thread CPU time have passed; returns µs per call, or
// a negative value if op failed.
template <typename Op>
double TimeLoop(double seconds, Op op, long* iterations) {
  double start = ThreadCpuSeconds();
  long n = 0;
  double now = start;
  while (now - start < seconds) {
    for (int i = 0; i < 64; ++i) {
      if (!op()) return -1;
    }
    n += 64;
    now = ThreadCpuSeconds();
  }
  *iterations = n;
  return (now - start) * 1e6 / static_cast<double>(n);
}

}  // namespace

int RunFloor(const FloorFlags& f) {
  ossl::UniquePtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  std::vector<unsigned char> tbs(kTbsSize);
  if (!key || RAND_bytes(tbs.data(), static_cast<int>(tbs.size())) != 1) {
    std::fprintf(stderr, "cairn-bench floor: OpenSSL failed\n");
    return 1;
  }
  std::vector<unsigned char> sig(EVP_PKEY_get_size(key.get()));
  std::vector<unsigned char> scratch = sig;
  if (!Sign(key.get(), tbs, sig) || !Verify(key.get(), tbs, sig)) {
    std::fprintf(stderr, "cairn-bench floor: sign/verify self-test failed\n");
    return 1;
  }
  double part = f.seconds > 0 ? f.seconds / 2 : 1;
  long sign_n = 0, verify_n = 0;
  double sign_us = TimeLoop(
      part,
      [&] {
        scratch.resize(EVP_PKEY_get_size(key.get()));
        return Sign(key.get(), tbs, scratch);
      },
      &sign_n);
  double verify_us = TimeLoop(
      part, [&] { return Verify(key.get(), tbs, sig); }, &verify_n);
  if (sign_us < 0 || verify_us < 0) {
    std::fprintf(stderr, "cairn-bench floor: OpenSSL failed in the loop\n");
    return 1;
  }
  double floor_us = sign_us + 2 * verify_us;
  if (f.json) {
    nlohmann::json j = {
        {"floor_us", Round(floor_us, 1)},   {"sign_us", Round(sign_us, 2)},
        {"verify_us", Round(verify_us, 2)}, {"sign_iterations", sign_n},
        {"verify_iterations", verify_n},    {"openssl", OpenSSL_version(OPENSSL_VERSION)}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("crypto floor (1 ECDSA P-256 sign + 2 verifies, SHA-256 over %zu bytes): %.1f us\n",
                kTbsSize, floor_us);
    std::printf("  sign    %.2f us (%ld runs)\n  verify  %.2f us (%ld runs)\n  %s\n", sign_us,
                sign_n, verify_us, verify_n, OpenSSL_version(OPENSSL_VERSION));
  }
  return 0;
}

}  // namespace cairn::bench
