#include "ssh/krl.h"

#include <algorithm>

#include "crypto/digest.h"
#include "ssh/wire.h"

namespace cairn::ssh {
namespace {

// PROTOCOL.krl §1-4.
constexpr uint64_t kKrlMagic = 0x5353484b524c0a00ULL;  // "SSHKRL\n\0"
constexpr uint32_t kKrlFormatVersion = 1;
constexpr uint8_t kSectionCertificates = 1;
constexpr uint8_t kSectionFingerprintSha256 = 5;
constexpr uint8_t kCertSectionSerialList = 0x20;
constexpr uint8_t kCertSectionSerialRange = 0x21;
constexpr uint8_t kCertSectionKeyId = 0x23;

Status TooLarge() {
  return ResourceExhaustedError("ssh: KRL larger than " + std::to_string(kMaxKrl) + " bytes");
}

Result<std::string> EncodeCertificates(const KrlCertificates& certs) {
  WireWriter w;
  w.PutString(certs.ca_key ? std::string_view(certs.ca_key->Marshal()) : std::string_view());
  w.PutString("");  // reserved
  if (!certs.ca_key && (!certs.serials.empty() || !certs.serial_ranges.empty())) {
    return InvalidArgumentError("ssh: KRL serials need a CA key");
  }
  if (!certs.serials.empty()) {
    std::vector<uint64_t> serials = certs.serials;
    std::sort(serials.begin(), serials.end());
    serials.erase(std::unique(serials.begin(), serials.end()), serials.end());
    if (serials.front() == 0) return InvalidArgumentError("ssh: KRL cannot revoke serial 0");
    if (serials.size() > kMaxKrl / 8) return TooLarge();
    WireWriter list;
    for (uint64_t s : serials) list.PutUint64(s);
    w.PutByte(kCertSectionSerialList);
    w.PutString(list.data());
  }
  for (const auto& range : certs.serial_ranges) {
    if (range.first == 0 || range.first > range.last) {
      return InvalidArgumentError("ssh: invalid KRL serial range");
    }
    if (w.size() > kMaxKrl) return TooLarge();
    WireWriter r;
    r.PutUint64(range.first);
    r.PutUint64(range.last);
    w.PutByte(kCertSectionSerialRange);
    w.PutString(r.data());
  }
  if (!certs.key_ids.empty()) {
    WireWriter ids;
    for (const auto& id : certs.key_ids) {
      if (id.empty() || id.find('\0') != std::string::npos) {
        return InvalidArgumentError("ssh: KRL key ids must be non-empty and contain no NUL byte");
      }
      if (ids.size() + id.size() > kMaxKrl) return TooLarge();
      ids.PutString(id);
    }
    w.PutByte(kCertSectionKeyId);
    w.PutString(ids.data());
  }
  return w.Take();
}

}  // namespace

Result<std::string> MarshalKrl(const KrlSpec& spec) {
  const int64_t generated = ToUnixSeconds(spec.generated);
  if (generated < 0) return InvalidArgumentError("ssh: KRL generation time before 1970");
  if (spec.comment.size() > kMaxKrl) return TooLarge();
  WireWriter w;
  w.PutUint64(kKrlMagic);
  w.PutUint32(kKrlFormatVersion);
  w.PutUint64(spec.version);
  w.PutUint64(static_cast<uint64_t>(generated));
  w.PutUint64(0);   // flags: none defined
  w.PutString("");  // reserved
  w.PutString(spec.comment);

  for (const auto& certs : spec.certificates) {
    if (certs.serials.empty() && certs.serial_ranges.empty() && certs.key_ids.empty()) continue;
    CAIRN_ASSIGN_OR_RETURN(std::string section, EncodeCertificates(certs));
    if (w.size() + section.size() > kMaxKrl) return TooLarge();
    w.PutByte(kSectionCertificates);
    w.PutString(section);
  }

  // PROTOCOL.krl §4: hashes in numeric (big-endian) order, which for equal-length byte strings
  // is lexicographic order.
  std::vector<std::string> hashes;
  hashes.reserve(spec.revoked_keys.size() + spec.revoked_key_sha256.size());
  for (const auto& key : spec.revoked_keys) hashes.push_back(crypto::Sha256(key.Marshal()));
  for (const auto& h : spec.revoked_key_sha256) {
    if (h.size() != 32) return InvalidArgumentError("ssh: KRL key digest is not 32 bytes");
    hashes.push_back(h);
  }
  if (!hashes.empty()) {
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    if (w.size() + hashes.size() * 36 > kMaxKrl) return TooLarge();
    WireWriter section;
    for (const auto& h : hashes) section.PutString(h);
    w.PutByte(kSectionFingerprintSha256);
    w.PutString(section.data());
  }
  if (w.size() > kMaxKrl) return TooLarge();
  return w.Take();
}

}  // namespace cairn::ssh
