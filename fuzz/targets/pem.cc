// PEM text (certificate bundles, CSRs, public and private keys, as `cairn` and cairn-ca read
// them from files, flags and request bodies): the block layer and each parser above it.
//  - Blocks: every block re-encodes to a block that parses back to the same type, headers and
//    bytes (PEM -> DER -> PEM -> DER), and pki::ParsePemBlocks agrees with crypto's.
//  - Certificates: a bundle gives exactly the DER of its CERTIFICATE blocks, in order; each
//    certificate's PEM parses back to the same DER.
//  - CSRs: the DER of the request block is kept; its PEM form parses back to it.
//  - Public keys: the DER is kept; PEM -> key -> PEM -> key gives the same DER.
//  - Private keys: key -> PEM (step's form and PKCS#8) -> key gives the same key, with the same
//    public half. Encrypted keys are opened with a fixed password; PBKDF2 runs capped (see
//    support/pbkdf2_hook.h) and never beyond the iteration bound key.cc promises.
// Each parser answers the same twice (status code and result).

#include "crypto/pem.h"

#include <string>
#include <string_view>
#include <vector>

#include "crypto/key.h"
#include "fuzz/fuzz.h"
#include "fuzz/support/pbkdf2_hook.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "pki/pem.h"

namespace {

using cairn::crypto::PemBlock;

constexpr std::string_view kPassword = "fuzz-password";
// key.cc's bound on PBKDF2 iterations for an encrypted PKCS#8 key read from a file.
constexpr int64_t kMaxKeyPbkdf2Iterations = 10'000'000;

void CheckBlocks(std::string_view in) {
  auto blocks = cairn::crypto::ParsePemBlocks(in);
  auto pairs = cairn::pki::ParsePemBlocks(in);
  FUZZ_CHECK(blocks.ok() == pairs.ok());
  if (!blocks.ok()) {
    FUZZ_CHECK(blocks.status().code() == pairs.status().code());
    return;
  }
  FUZZ_CHECK(blocks->size() == pairs->size());
  std::string all;
  for (size_t i = 0; i < blocks->size(); ++i) {
    const PemBlock& b = (*blocks)[i];
    FUZZ_CHECK((*pairs)[i].first == b.type && (*pairs)[i].second == b.bytes);
    const std::string pem = cairn::crypto::EncodePem(b);
    auto again = cairn::crypto::ParsePemBlocks(pem);
    FUZZ_CHECK(again.ok() && again->size() == 1);
    // Headers are written Proc-Type first (as Go does), so compare the re-encoded forms.
    FUZZ_CHECK((*again)[0].type == b.type && (*again)[0].bytes == b.bytes);
    FUZZ_CHECK((*again)[0].headers.size() == b.headers.size());
    FUZZ_CHECK(cairn::crypto::EncodePem((*again)[0]) == pem);
    if (b.headers.empty()) FUZZ_CHECK(cairn::pki::EncodePem(b.type, b.bytes) == pem);
    all += pem;
  }
  // The blocks re-encoded one after the other parse back to the same list.
  auto whole = cairn::crypto::ParsePemBlocks(all);
  FUZZ_CHECK(whole.ok() && whole->size() == blocks->size());
  for (size_t i = 0; i < blocks->size(); ++i) {
    FUZZ_CHECK((*whole)[i].type == (*blocks)[i].type && (*whole)[i].bytes == (*blocks)[i].bytes);
  }
}

void CheckCertificates(std::string_view in) {
  auto bundle = cairn::pki::Certificate::ParsePemBundle(in);
  if (bundle.ok()) {
    auto blocks = cairn::crypto::ParsePemBlocks(in);
    FUZZ_CHECK(blocks.ok());
    std::vector<std::string> ders;
    for (const auto& b : *blocks) {
      if (b.type == "CERTIFICATE") ders.push_back(b.bytes);
    }
    FUZZ_CHECK(ders.size() == bundle->size());
    for (size_t i = 0; i < ders.size(); ++i) {
      const auto& cert = (*bundle)[i];
      FUZZ_CHECK(cert.der() == ders[i]);
      FUZZ_CHECK(cert.pem() == cairn::crypto::EncodePem("CERTIFICATE", cert.der()));
      auto again = cairn::pki::Certificate::FromPem(cert.pem());
      FUZZ_CHECK(again.ok() && again->der() == cert.der());
      FUZZ_CHECK(again->serial_decimal() == cert.serial_decimal());
      FUZZ_CHECK(again->not_before() == cert.not_before() &&
                 again->not_after() == cert.not_after());
    }
  }
  auto one = cairn::pki::Certificate::FromPem(in);
  if (one.ok()) {
    // Exactly one CERTIFICATE block, so a bundle of one (when within the bundle's block bound).
    auto blocks = cairn::crypto::ParsePemBlocks(in);
    FUZZ_CHECK(blocks.ok());
    if (blocks->size() <= cairn::pki::kMaxBundleCertificates) {
      FUZZ_CHECK(bundle.ok() && bundle->size() == 1 && (*bundle)[0].der() == one->der());
    }
  }
}

void CheckCsr(std::string_view in) {
  auto csr = cairn::pki::CertificateRequest::FromPem(in);
  auto twice = cairn::pki::CertificateRequest::FromPem(in);
  FUZZ_CHECK(csr.ok() == twice.ok());
  if (!csr.ok()) return;
  FUZZ_CHECK(csr->der() == twice->der());
  auto again = cairn::pki::CertificateRequest::FromPem(
      cairn::crypto::EncodePem("CERTIFICATE REQUEST", csr->der()));
  FUZZ_CHECK(again.ok() && again->der() == csr->der());
  (void)csr->VerifySignature();
}

void CheckPublicKey(std::string_view in) {
  auto key = cairn::crypto::PublicKey::FromPem(in);
  if (!key.ok()) return;
  auto der = key->ToDer();
  FUZZ_CHECK(der.ok());
  // The DER is kept as given: it is the first PUBLIC KEY block's bytes.
  auto blocks = cairn::crypto::ParsePemBlocks(in);
  FUZZ_CHECK(blocks.ok());
  for (const auto& b : *blocks) {
    if (b.type != "PUBLIC KEY") continue;
    FUZZ_CHECK(b.bytes == *der);
    break;
  }
  const std::string pem = key->ToPem();
  FUZZ_CHECK(pem == cairn::crypto::EncodePem("PUBLIC KEY", *der));
  auto again = cairn::crypto::PublicKey::FromPem(pem);
  FUZZ_CHECK(again.ok() && again->Equals(*key) && again->type() == key->type());
  auto der2 = again->ToDer();
  FUZZ_CHECK(der2.ok() && *der2 == *der);
}

void CheckPrivateKey(std::string_view in) {
  cairn::fuzz::ResetPbkdf2Calls();
  auto key = cairn::crypto::PrivateKey::FromPem(in, kPassword);
  const auto calls = cairn::fuzz::Pbkdf2CallsSeen();
  FUZZ_CHECK(calls.calls == 0 ||
             (calls.min_iterations >= 1 && calls.max_iterations <= kMaxKeyPbkdf2Iterations));
  auto twice = cairn::crypto::PrivateKey::FromPem(in, kPassword);
  FUZZ_CHECK(key.ok() == twice.ok());
  if (!key.ok()) {
    FUZZ_CHECK(key.status().code() == twice.status().code());
    return;
  }
  FUZZ_CHECK(key->type() != cairn::crypto::KeyType::kOther);
  auto der = key->ToPkcs8Der();
  auto der_twice = twice->ToPkcs8Der();
  FUZZ_CHECK(der.ok() && der_twice.ok() && *der == *der_twice);
  // Step's PEM form (SEC1 / PKCS#1 / PKCS#8 by kind) and PKCS#8 PEM both read back the same.
  for (bool pkcs8 : {false, true}) {
    auto pem = pkcs8 ? key->ToPkcs8Pem() : key->ToPem();
    FUZZ_CHECK(pem.ok());
    auto again = cairn::crypto::PrivateKey::FromPem(*pem);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->type() == key->type());
    FUZZ_CHECK(again->public_key().Equals(key->public_key()));
    auto der2 = again->ToPkcs8Der();
    FUZZ_CHECK(der2.ok() && *der2 == *der);
  }
  auto from_der = cairn::crypto::PrivateKey::FromDer(*der);
  FUZZ_CHECK(from_der.ok() && from_der->public_key().Equals(key->public_key()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckBlocks(in);
  CheckCertificates(in);
  CheckCsr(in);
  CheckPublicKey(in);
  CheckPrivateKey(in);
  return 0;
}
