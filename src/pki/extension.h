#pragma once

// X.509 extensions as plain values, key usage bits and extended key usage names.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cairn::pki {

// Extension is one certificate (or requested CSR) extension.
struct Extension {
  std::string oid;        // dotted decimal, e.g. "2.5.29.17"
  bool critical = false;  //
  std::string value;      // DER contents of extnValue (inside the OCTET STRING)
  bool operator==(const Extension&) const = default;
};

// Well-known extension OIDs.
inline constexpr const char* kOidSubjectKeyId = "2.5.29.14";
inline constexpr const char* kOidKeyUsage = "2.5.29.15";
inline constexpr const char* kOidSubjectAltName = "2.5.29.17";
inline constexpr const char* kOidBasicConstraints = "2.5.29.19";
inline constexpr const char* kOidNameConstraints = "2.5.29.30";
inline constexpr const char* kOidCrlDistributionPoints = "2.5.29.31";
inline constexpr const char* kOidCertificatePolicies = "2.5.29.32";
inline constexpr const char* kOidAuthorityKeyId = "2.5.29.35";
inline constexpr const char* kOidExtKeyUsage = "2.5.29.37";
inline constexpr const char* kOidAuthorityInfoAccess = "1.3.6.1.5.5.7.1.1";

// KeyUsage bits, numbered as Go's x509.KeyUsage (bit i = KeyUsage bit i of RFC 5280 §4.2.1.3).
enum KeyUsage : uint32_t {
  kDigitalSignature = 1u << 0,
  kContentCommitment = 1u << 1,  // a.k.a. nonRepudiation
  kKeyEncipherment = 1u << 2,
  kDataEncipherment = 1u << 3,
  kKeyAgreement = 1u << 4,
  kCertSign = 1u << 5,
  kCrlSign = 1u << 6,
  kEncipherOnly = 1u << 7,
  kDecipherOnly = 1u << 8,
};

// ParseKeyUsage maps a step template name ("digitalSignature", "certSign", "crlSign",
// "contentCommitment" or "nonRepudiation", ...; case and '_' ignored, as x509util does) to its
// bit. Fails with kInvalidArgument on an unknown name.
Result<uint32_t> ParseKeyUsage(std::string_view name);
// KeyUsageNames returns the names of the bits set in `bits`, in bit order.
std::vector<std::string> KeyUsageNames(uint32_t bits);

// ExtKeyUsageOid maps an extended key usage name (serverAuth, clientAuth, codeSigning,
// emailProtection, ipsecEndSystem, ipsecTunnel, ipsecUser, timeStamping, ocspSigning, any,
// microsoftServerGatedCrypto, netscapeServerGatedCrypto, microsoftCommercialCodeSigning,
// microsoftKernelCodeSigning; case and '_' ignored) or a dotted OID to a dotted OID. Fails
// with kInvalidArgument otherwise.
Result<std::string> ExtKeyUsageOid(std::string_view name_or_oid);
// ExtKeyUsageName maps a dotted OID to its name above, or returns the OID itself if unknown.
std::string ExtKeyUsageName(std::string_view oid);

// IsDottedOid reports whether `s` is a syntactically valid dotted OID ("1.2.3"; at least two
// arcs, first arc 0..2, no leading zeros, at most 128 characters).
bool IsDottedOid(std::string_view s);

}  // namespace cairn::pki
