#pragma once

// OpenSSH key revocation lists (PROTOCOL.krl), as sshd's RevokedKeys and `ssh-keygen -Q` read
// them. MarshalKrl writes an unsigned KRL (OpenSSH >= 9.4 refuses KRL signature sections; a KRL
// is meant to travel over trusted channels or be signed externally).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "ssh/key.h"

namespace cairn::ssh {

// kMaxKrl bounds the encoded KRL; MarshalKrl fails with kResourceExhausted beyond it.
inline constexpr size_t kMaxKrl = 16 << 20;

// KrlSerialRange revokes every serial in [first, last] (inclusive).
struct KrlSerialRange {
  uint64_t first = 0;
  uint64_t last = 0;
};

// KrlCertificates revokes certificates signed by one CA key, by serial or by key id.
struct KrlCertificates {
  // ca_key is the CA whose certificates are revoked; nullopt means certificates of any CA,
  // which only makes sense for key ids (serials then are refused).
  std::optional<PublicKey> ca_key;
  // serials lists revoked serial numbers (order and duplicates do not matter; 0 is refused, as
  // OpenSSH refuses it: it marks unnumbered certificates).
  std::vector<uint64_t> serials;
  // serial_ranges lists revoked ranges (first >= 1, first <= last).
  std::vector<KrlSerialRange> serial_ranges;
  // key_ids lists revoked key ids (each non-empty, no NUL; an empty id would revoke every
  // certificate without one).
  std::vector<std::string> key_ids;
};

// KrlSpec is the content of a KRL.
struct KrlSpec {
  // version increases each time the KRL changes.
  uint64_t version = 0;
  // generated is when the KRL was made (whole seconds are kept; must not be before 1970).
  Time generated;
  // comment is free text, shown by `ssh-keygen -Q -l`.
  std::string comment;
  // certificates: one entry per CA (entries with nothing to revoke are left out).
  std::vector<KrlCertificates> certificates;
  // revoked_keys are plain keys revoked outright, written by the SHA-256 of their blob
  // (KRL_SECTION_FINGERPRINT_SHA256, OpenSSH >= 7.9). Certificates of such a key are revoked
  // too.
  std::vector<PublicKey> revoked_keys;
  // revoked_key_sha256 are further revoked plain keys given directly as SHA-256 digests (32
  // bytes each) of their blobs, for callers that store only the digest.
  std::vector<std::string> revoked_key_sha256;
};

// MarshalKrl encodes `spec` as a binary KRL: the header, then per CA a certificates section
// with a serial list (sorted, duplicates dropped), one serial range subsection per range and a
// key id subsection, then one SHA-256 fingerprint section with the sorted, distinct digests.
// Fails with kInvalidArgument for a serial 0, a bad range, serials without a CA key, an empty
// key id or one with a NUL, a digest that is not 32 bytes, or a time before 1970;
// kResourceExhausted when the KRL would exceed kMaxKrl. Thread-safe.
Result<std::string> MarshalKrl(const KrlSpec& spec);

}  // namespace cairn::ssh
