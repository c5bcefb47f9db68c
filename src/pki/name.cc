#include "pki/name.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include "pki/internal/x509_util.h"

namespace cairn::pki {
namespace {

// HasUrlScheme mirrors Go's url.Parse scheme detection: a letter, then letters, digits, '+',
// '-' or '.', then ':'. Go's parser also fails on control characters, which we check too.
bool HasUrlScheme(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ':') return true;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return false;
}

}  // namespace

bool Name::empty() const {
  return country.empty() && organization.empty() && organizational_unit.empty() &&
         locality.empty() && province.empty() && street_address.empty() && postal_code.empty() &&
         serial_number.empty() && common_name.empty() && extra_names.empty();
}

Result<std::string> EncodeNameDer(const Name& name) {
  CAIRN_ASSIGN_OR_RETURN(auto x, internal::NameToX509(name));
  std::string der = internal::NameDer(x.get());
  if (der.empty()) return InvalidArgumentError("cannot encode name");
  return der;
}

Result<Name> DecodeNameDer(std::string_view der) {
  if (der.size() > internal::kMaxDer) return InvalidArgumentError("name too large");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = p + der.size();
  ossl::UniquePtr<X509_NAME> name(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
  if (!name || p != end) {
    ossl::ClearErrors();
    return InvalidArgumentError("malformed name");
  }
  return internal::X509ToName(name.get());
}

std::string CanonicalIp(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return "";
  const std::string s(text);
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    return inet_ntop(AF_INET, buf, out, sizeof(out)) ? std::string(out) : "";
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    // Go's net.IP.String: an IPv4-mapped address prints as IPv4; every other IPv6 address in
    // RFC 5952 hex (glibc would print IPv4-compatible ones such as "::ffff:1" as "::255.255.0.1").
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(buf, buf + 12, kMapped)) {
      return inet_ntop(AF_INET, buf + 12, out, sizeof(out)) ? std::string(out) : "";
    }
    uint16_t groups[8];
    for (int i = 0; i < 8; ++i)
      groups[i] = static_cast<uint16_t>((buf[2 * i] << 8) | buf[2 * i + 1]);
    // The longest run of two or more zero groups (the first on a tie) becomes "::".
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
      if (groups[i] != 0) {
        ++i;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) ++j;
      if (j - i > best_len && j - i >= 2) {
        best = i;
        best_len = j - i;
      }
      i = j;
    }
    std::string r;
    for (int i = 0; i < 8; ++i) {
      if (i == best) {
        r += "::";
        i += best_len - 1;
        continue;
      }
      if (!r.empty() && r.back() != ':') r += ':';
      char hex[8];
      std::snprintf(hex, sizeof(hex), "%x", groups[i]);
      r += hex;
    }
    return r;
  }
  return "";
}

SubjectAltNames SplitSans(const std::vector<std::string>& names) {
  SubjectAltNames out;
  for (const auto& n : names) {
    if (std::string ip = CanonicalIp(n); !ip.empty()) {
      out.ips.push_back(std::move(ip));
    } else if (HasUrlScheme(n)) {
      out.uris.push_back(n);
    } else if (n.find('@') != std::string::npos) {
      out.emails.push_back(n);
    } else {
      out.dns.push_back(n);
    }
  }
  return out;
}

}  // namespace cairn::pki
