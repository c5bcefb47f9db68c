#pragma once

// Builds small test PKIs (root -> intermediate -> leaf) with pki::SignCertificate. Test-only.

#include <map>
#include <memory>
#include <string>

#include "base/clock.h"
#include "crypto/key.h"
#include "crypto/signer.h"
#include "pki/builder.h"
#include "pki/certificate.h"
#include "testing/fakes.h"

namespace cairn::pki::testing {

// kStart is the FakeClock default: 2026-01-01T00:00:00Z.
inline Time Start() { return FromUnixSeconds(1767225600); }
inline Time Hours(int64_t h) { return Start() + std::chrono::hours(h); }

// SharedKey returns a process-wide key per type (RSA generation is slow).
inline const crypto::PrivateKey& SharedKey(crypto::KeyType type, int slot = 0) {
  static auto* keys = new std::map<std::pair<crypto::KeyType, int>, crypto::PrivateKey>();
  auto it = keys->find({type, slot});
  if (it == keys->end()) {
    auto k = crypto::PrivateKey::Generate({.type = type, .rsa_bits = 2048});
    CAIRN_CHECK(k.ok());
    it = keys->emplace(std::make_pair(type, slot), std::move(k).value()).first;
  }
  return it->second;
}

// Ca is a CA certificate with its signer.
struct Ca {
  Certificate cert;
  std::shared_ptr<crypto::KeySigner> signer;
};

// CaTemplate returns step's root (path_len 1) or intermediate (path_len 0) template.
inline CertificateTemplate CaTemplate(const std::string& cn, int path_len,
                                      const std::string& serial) {
  CertificateTemplate t;
  t.subject.common_name = cn;
  t.subject.organization = {"Cairn Test"};
  t.serial_decimal = serial;
  t.not_before = Start();
  t.not_after = Hours(24 * 3650);
  t.key_usage = kCertSign | kCrlSign;
  t.basic_constraints = {.present = true, .is_ca = true, .max_path_len = path_len};
  return t;
}

// MakeRoot makes a self-signed root with a key of `type`.
inline Ca MakeRoot(crypto::KeyType type, const std::string& cn = "Test Root CA", int slot = 0) {
  const auto& key = SharedKey(type, slot);
  auto signer = std::make_shared<crypto::KeySigner>(key);
  auto cert = SignCertificate(CaTemplate(cn, 1, "1000"), key.public_key(), nullptr, *signer);
  CAIRN_CHECK(cert.ok());
  return Ca{std::move(cert).value(), signer};
}

// MakeIntermediate makes an intermediate under `parent`.
inline Ca MakeIntermediate(const Ca& parent, crypto::KeyType type,
                           const std::string& cn = "Test Intermediate CA", int slot = 1) {
  const auto& key = SharedKey(type, slot);
  auto cert =
      SignCertificate(CaTemplate(cn, 0, "2000"), key.public_key(), &parent.cert, *parent.signer);
  CAIRN_CHECK(cert.ok());
  return Ca{std::move(cert).value(), std::make_shared<crypto::KeySigner>(key)};
}

// LeafTemplate returns step's default leaf: digitalSignature, serverAuth+clientAuth, 24h.
inline CertificateTemplate LeafTemplate(const std::string& cn, const SubjectAltNames& sans) {
  CertificateTemplate t;
  t.subject.common_name = cn;
  t.sans = sans;
  t.serial_decimal = "3000";
  t.not_before = Start();
  t.not_after = Hours(24);
  t.key_usage = kDigitalSignature;
  t.ext_key_usage = {"serverAuth", "clientAuth"};
  return t;
}

}  // namespace cairn::pki::testing
