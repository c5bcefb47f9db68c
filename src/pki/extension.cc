#include "pki/extension.h"

#include <array>
#include <cctype>

namespace cairn::pki {
namespace {

struct NamedBit {
  const char* name;
  uint32_t bit;
};
constexpr std::array<NamedBit, 9> kKeyUsages = {{
    {"digitalSignature", kDigitalSignature},
    {"contentCommitment", kContentCommitment},
    {"keyEncipherment", kKeyEncipherment},
    {"dataEncipherment", kDataEncipherment},
    {"keyAgreement", kKeyAgreement},
    {"certSign", kCertSign},
    {"crlSign", kCrlSign},
    {"encipherOnly", kEncipherOnly},
    {"decipherOnly", kDecipherOnly},
}};

struct NamedOid {
  const char* name;
  const char* oid;
};
constexpr std::array<NamedOid, 14> kExtKeyUsages = {{
    {"any", "2.5.29.37.0"},
    {"serverAuth", "1.3.6.1.5.5.7.3.1"},
    {"clientAuth", "1.3.6.1.5.5.7.3.2"},
    {"codeSigning", "1.3.6.1.5.5.7.3.3"},
    {"emailProtection", "1.3.6.1.5.5.7.3.4"},
    {"ipsecEndSystem", "1.3.6.1.5.5.7.3.5"},
    {"ipsecTunnel", "1.3.6.1.5.5.7.3.6"},
    {"ipsecUser", "1.3.6.1.5.5.7.3.7"},
    {"timeStamping", "1.3.6.1.5.5.7.3.8"},
    {"ocspSigning", "1.3.6.1.5.5.7.3.9"},
    {"microsoftServerGatedCrypto", "1.3.6.1.4.1.311.10.3.3"},
    {"netscapeServerGatedCrypto", "2.16.840.1.113730.4.1"},
    {"microsoftCommercialCodeSigning", "1.3.6.1.4.1.311.2.1.22"},
    {"microsoftKernelCodeSigning", "1.3.6.1.4.1.311.61.1.1"},
}};

// Normalize lower-cases and drops '_' so "digital_signature" matches "digitalSignature".
std::string Normalize(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '_') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

Result<uint32_t> ParseKeyUsage(std::string_view name) {
  const std::string n = Normalize(name);
  if (n == "nonrepudiation") return static_cast<uint32_t>(kContentCommitment);
  for (const auto& ku : kKeyUsages) {
    if (Normalize(ku.name) == n) return ku.bit;
  }
  return InvalidArgumentError("unsupported key usage '" + std::string(name) + "'");
}

std::vector<std::string> KeyUsageNames(uint32_t bits) {
  std::vector<std::string> out;
  for (const auto& ku : kKeyUsages) {
    if (bits & ku.bit) out.emplace_back(ku.name);
  }
  return out;
}

Result<std::string> ExtKeyUsageOid(std::string_view name_or_oid) {
  if (IsDottedOid(name_or_oid)) return std::string(name_or_oid);
  const std::string n = Normalize(name_or_oid);
  for (const auto& e : kExtKeyUsages) {
    if (Normalize(e.name) == n) return std::string(e.oid);
  }
  return InvalidArgumentError("unsupported extended key usage '" + std::string(name_or_oid) + "'");
}

std::string ExtKeyUsageName(std::string_view oid) {
  for (const auto& e : kExtKeyUsages) {
    if (oid == e.oid) return e.name;
  }
  return std::string(oid);
}

bool IsDottedOid(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  int arcs = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t end = s.find('.', i);
    if (end == std::string_view::npos) end = s.size();
    std::string_view arc = s.substr(i, end - i);
    if (arc.empty() || arc.size() > 19) return false;
    for (char c : arc) {
      if (c < '0' || c > '9') return false;
    }
    if (arc.size() > 1 && arc[0] == '0') return false;
    if (arcs == 0 && (arc.size() != 1 || arc[0] > '2')) return false;
    ++arcs;
    i = end + 1;
    if (end == s.size()) break;
  }
  return arcs >= 2;
}

}  // namespace cairn::pki
