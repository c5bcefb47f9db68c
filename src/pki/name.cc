#include "pki/name.h"

#include <arpa/inet.h>

#include <cctype>

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

std::string CanonicalIp(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return "";
  const std::string s(text);
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    return inet_ntop(AF_INET, buf, out, sizeof(out)) ? std::string(out) : "";
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    return inet_ntop(AF_INET6, buf, out, sizeof(out)) ? std::string(out) : "";
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
