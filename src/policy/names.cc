#include "policy/names.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "base/strings.h"
#include "policy/idna.h"

namespace cairn::policy {
namespace {

constexpr size_t kMaxIpText = 64;

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int Unhex(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

bool IsV4Mapped(const std::array<uint8_t, 16>& b) {
  for (int i = 0; i < 10; ++i) {
    if (b[i] != 0) return false;
  }
  return b[10] == 0xff && b[11] == 0xff;
}

IpAddress FromV4Mapped(const std::array<uint8_t, 16>& b) {
  IpAddress ip;
  ip.v4 = true;
  for (int i = 0; i < 4; ++i) ip.bytes[i] = b[12 + i];
  return ip;
}

// ParseRaw parses an IP literal without folding IPv4-mapped addresses; `*bits` gets 32 or 128.
std::optional<std::array<uint8_t, 16>> ParseRaw(std::string_view text, int* bits) {
  if (text.empty() || text.size() > kMaxIpText || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string s(text);
  std::array<uint8_t, 16> b{};
  if (inet_pton(AF_INET, s.c_str(), b.data()) == 1) {
    *bits = 32;
    return b;
  }
  if (inet_pton(AF_INET6, s.c_str(), b.data()) == 1) {
    *bits = 128;
    return b;
  }
  return std::nullopt;
}

void MaskBytes(std::array<uint8_t, 16>& b, int prefix, int bits) {
  for (int i = 0; i < bits / 8; ++i) {
    const int keep = prefix - i * 8;
    if (keep >= 8) continue;
    b[i] = keep <= 0 ? 0 : static_cast<uint8_t>(b[i] & (0xff << (8 - keep)));
  }
}

// ValidOptionalPort is Go url's validOptionalPort: "" or ':' followed by digits only.
bool ValidOptionalPort(std::string_view port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  for (char c : port.substr(1)) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// ValidEscapes reports whether every '%' starts a %XX escape (Go url.unescape's check for
// paths, fragments and userinfo).
bool ValidEscapes(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) return false;
    i += 2;
  }
  return true;
}

// ShouldEscapeHost is Go url's shouldEscape(c, encodeHost) for ASCII bytes.
bool ShouldEscapeHost(char c) {
  if (IsAlpha(c) || IsDigit(c)) return false;
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '[':
    case ']':
    case '<':
    case '>':
    case '"':
    case '-':
    case '_':
    case '.':
    case '~':
      return false;
    default:
      return true;
  }
}

// UnescapeHost is Go url.unescape(s, encodeHost) (zone=true for the RFC 6874 zone part, where
// any %XX is allowed).
std::optional<std::string> UnescapeHost(std::string_view s, bool zone) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) return std::nullopt;
      // RFC 3986 §3.2.2: in a host, %-encoding is only for non-ASCII bytes (and RFC 6874's %25).
      if (!zone && Unhex(s[i + 1]) < 8 && s.substr(i, 3) != "%25") return std::nullopt;
      out.push_back(static_cast<char>(Unhex(s[i + 1]) * 16 + Unhex(s[i + 2])));
      i += 2;
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x80 && ShouldEscapeHost(c)) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

// ParseHost is Go url's parseHost.
std::optional<std::string> ParseHost(std::string_view host) {
  if (!host.empty() && host[0] == '[') {
    const size_t close = host.rfind(']');
    if (close == std::string_view::npos) return std::nullopt;
    if (!ValidOptionalPort(host.substr(close + 1))) return std::nullopt;
    std::string_view inner = host.substr(1, close - 1);
    const size_t zone = inner.find("%25");
    // Go (since 1.25.2) requires the bracketed part to be an IPv6 address.
    int bits = 0;
    auto raw = ParseRaw(zone == std::string_view::npos ? inner : inner.substr(0, zone), &bits);
    if (!raw || bits != 128) return std::nullopt;
    if (zone != std::string_view::npos) {
      auto h1 = UnescapeHost(host.substr(0, 1 + zone), false);
      auto h2 = UnescapeHost(host.substr(1 + zone, close - 1 - zone), true);
      auto h3 = UnescapeHost(host.substr(close), false);
      if (!h1 || !h2 || !h3) return std::nullopt;
      return *h1 + *h2 + *h3;
    }
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    if (!ValidOptionalPort(host.substr(colon))) return std::nullopt;
  }
  return UnescapeHost(host, false);
}

bool ValidUserinfo(std::string_view s) {
  for (char c : s) {
    if (IsAlpha(c) || IsDigit(c)) continue;
    if (std::strchr("-._:~!$&'()*+,;=%@", c) != nullptr && c != '\0') continue;
    return false;
  }
  return true;
}

bool IsAtext(unsigned char c) {
  return IsAlpha(static_cast<char>(c)) || IsDigit(static_cast<char>(c)) ||
         (c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~.", c) != nullptr);
}

}  // namespace

std::string IpAddress::ToString() const {
  char buf[64];
  if (v4) {
    std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
    return buf;
  }
  // RFC 5952: the longest run (first on a tie) of two or more zero groups becomes "::".
  int best_start = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (bytes[2 * i] != 0 || bytes[2 * i + 1] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && bytes[2 * j] == 0 && bytes[2 * j + 1] == 0) ++j;
    if (j - i > best_len) best_start = i, best_len = j - i;
    i = j;
  }
  if (best_len < 2) best_start = -1;
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out.push_back(':');
    std::snprintf(buf, sizeof(buf), "%x", (bytes[2 * i] << 8) | bytes[2 * i + 1]);
    out += buf;
  }
  return out;
}

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  int bits = 0;
  auto raw = ParseRaw(text, &bits);
  if (!raw) return std::nullopt;
  if (bits == 32) {
    IpAddress ip;
    ip.v4 = true;
    ip.bytes = *raw;
    return ip;
  }
  if (IsV4Mapped(*raw)) return FromV4Mapped(*raw);
  IpAddress ip;
  ip.v4 = false;
  ip.bytes = *raw;
  return ip;
}

bool IpNetwork::Contains(const IpAddress& ip) const {
  if (ip.v4 != base.v4) return false;
  IpAddress masked = ip;
  MaskBytes(masked.bytes, prefix_len, ip.v4 ? 32 : 128);
  return masked == base;
}

std::string IpNetwork::ToString() const {
  return base.ToString() + "/" + std::to_string(prefix_len);
}

std::optional<IpNetwork> ParseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  int bits = 0;
  auto raw = ParseRaw(text.substr(0, slash), &bits);
  if (!raw) return std::nullopt;
  const std::string_view digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 6) return std::nullopt;
  int prefix = 0;
  for (char c : digits) {
    if (!IsDigit(c)) return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix > bits) return std::nullopt;
  MaskBytes(*raw, prefix, bits);
  IpNetwork net;
  if (bits == 32) {
    net.base.v4 = true;
    net.base.bytes = *raw;
    net.prefix_len = prefix;
  } else if (IsV4Mapped(*raw)) {
    // Only possible with prefix >= 96 (otherwise bytes 10-11 are masked away).
    net.base = FromV4Mapped(*raw);
    net.prefix_len = prefix - 96;
  } else {
    net.base.v4 = false;
    net.base.bytes = *raw;
    net.prefix_len = prefix;
  }
  return net;
}

std::optional<IpNetwork> ParseIpOrCidr(std::string_view text) {
  if (auto net = ParseCidr(text)) return net;
  if (auto ip = ParseIpAddress(text)) return IpNetwork{*ip, ip->v4 ? 32 : 128};
  return std::nullopt;
}

std::optional<std::pair<std::string, std::string>> SplitHostPort(std::string_view hostport) {
  const size_t last_colon = hostport.rfind(':');
  if (last_colon == std::string_view::npos) return std::nullopt;  // missing port
  std::string_view host;
  size_t j = 0, k = 0;
  if (hostport[0] == '[') {
    const size_t end = hostport.find(']');
    if (end == std::string_view::npos) return std::nullopt;
    if (end + 1 != last_colon) return std::nullopt;  // missing port / too many colons
    host = hostport.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.substr(0, last_colon);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // too many colons
  }
  if (hostport.find('[', j) != std::string_view::npos) return std::nullopt;
  if (hostport.find(']', k) != std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(host), std::string(hostport.substr(last_colon + 1)));
}

std::optional<ParsedUrl> ParseUrl(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
  }
  ParsedUrl out;
  std::string_view u = text;
  if (const size_t hash = text.find('#'); hash != std::string_view::npos) {
    if (!ValidEscapes(text.substr(hash + 1))) return std::nullopt;
    u = text.substr(0, hash);
  }
  if (u == "*") return out;
  // Scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" (Go url.getScheme).
  std::string_view rest = u;
  for (size_t i = 0; i < u.size(); ++i) {
    const char c = u[i];
    if (IsAlpha(c)) continue;
    if (IsDigit(c) || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return std::nullopt;  // missing protocol scheme
      out.scheme = ToLower(u.substr(0, i));
      rest = u.substr(i + 1);
    }
    break;
  }
  if (rest.size() >= 1 && rest.back() == '?' && rest.find('?') == rest.size() - 1) {
    rest.remove_suffix(1);
  } else if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    rest = rest.substr(0, q);
  }
  if (rest.empty() || rest[0] != '/') {
    if (!out.scheme.empty()) return out;  // opaque, e.g. "urn:x" or "mailto:a@b"
    const std::string_view segment = rest.substr(0, rest.find('/'));
    if (segment.find(':') != std::string_view::npos) return std::nullopt;
  }
  if ((!out.scheme.empty() || !rest.starts_with("///")) && rest.starts_with("//")) {
    std::string_view authority = rest.substr(2);
    const size_t slash = authority.find('/');
    rest = slash == std::string_view::npos ? std::string_view() : authority.substr(slash);
    authority = authority.substr(0, slash);
    const size_t at = authority.rfind('@');
    auto host = ParseHost(at == std::string_view::npos ? authority : authority.substr(at + 1));
    if (!host) return std::nullopt;
    if (at != std::string_view::npos) {
      const std::string_view userinfo = authority.substr(0, at);
      if (!ValidUserinfo(userinfo) || !ValidEscapes(userinfo)) return std::nullopt;
    }
    out.host = std::move(*host);
  }
  if (!ValidEscapes(rest)) return std::nullopt;  // the path
  return out;
}

std::optional<Mailbox> ParseMailbox(std::string_view in) {
  if (in.empty()) return std::nullopt;
  std::string local;
  size_t p = 0;
  if (in[0] == '"') {
    // Quoted-string = DQUOTE *qcontent DQUOTE (RFC 5321 §4.1.2); like Go we accept a space.
    p = 1;
    while (true) {
      if (p >= in.size()) return std::nullopt;
      const auto c = static_cast<unsigned char>(in[p++]);
      if (c == '"') break;
      if (c == '\\') {
        if (p >= in.size()) return std::nullopt;
        const auto d = static_cast<unsigned char>(in[p]);
        if (d == 11 || d == 12 || (d >= 1 && d <= 9) || (d >= 14 && d <= 127)) {
          local.push_back(static_cast<char>(d));
          ++p;
          continue;
        }
        return std::nullopt;
      }
      if (c == 11 || c == 12 || c == 32 || c == 33 || c == 127 || (c >= 1 && c <= 8) ||
          (c >= 14 && c <= 31) || (c >= 35 && c <= 91) || (c >= 93 && c <= 126)) {
        local.push_back(static_cast<char>(c));
        continue;
      }
      return std::nullopt;
    }
  } else {
    // Dot-atom; like Go, a backslash escapes the next byte outside quotes too.
    while (p < in.size()) {
      const auto c = static_cast<unsigned char>(in[p]);
      if (c == '\\') {
        ++p;
        if (p >= in.size()) return std::nullopt;
        local.push_back(in[p++]);
        continue;
      }
      if (!IsAtext(c)) break;
      local.push_back(static_cast<char>(c));
      ++p;
    }
    if (local.empty()) return std::nullopt;
    // RFC 3696 §3: no leading, trailing or consecutive periods.
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string::npos) {
      return std::nullopt;
    }
  }
  if (p >= in.size() || in[p] != '@') return std::nullopt;
  const std::string_view domain = in.substr(p + 1);
  if (!ReverseLabels(domain)) return std::nullopt;
  return Mailbox{std::move(local), std::string(domain)};
}

std::optional<std::vector<std::string_view>> ReverseLabels(std::string_view domain) {
  std::vector<std::string_view> labels;
  while (!domain.empty()) {
    const size_t dot = domain.rfind('.');
    if (dot == std::string_view::npos) {
      labels.push_back(domain);
      domain = {};
    } else {
      labels.push_back(domain.substr(dot + 1));
      domain = domain.substr(0, dot);
    }
  }
  if (!labels.empty() && labels[0].empty()) return std::nullopt;  // absolute name
  for (std::string_view label : labels) {
    if (label.empty()) return std::nullopt;
    for (char c : label) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 33 || u > 126) return std::nullopt;
    }
  }
  return labels;
}

NameKind ClassifyName(std::string_view name) {
  if (ParseIpAddress(name)) return NameKind::kIp;
  if (auto url = ParseUrl(name); url && !url->scheme.empty()) return NameKind::kUri;
  if (name.find('@') != std::string_view::npos) return NameKind::kEmail;
  return NameKind::kDns;
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  char buf[16];
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            std::snprintf(buf, sizeof(buf), "\\x%02x", c);
            out += buf;
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // Find the length of one UTF-8 sequence and check it.
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    const bool complete = len > 1 && i + len <= s.size();
    Result<std::u32string> cp = DecodeUtf8(complete ? s.substr(i, len) : s.substr(i, 1));
    if (!complete || !cp.ok() || cp->size() != 1) {
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
      ++i;
      continue;
    }
    const char32_t r = (*cp)[0];
    if (r <= 0xa0 || r == 0xad) {  // C1 controls, NBSP and SOFT HYPHEN: not printable in Go
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(r));
      out += buf;
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out.push_back('"');
  return out;
}

}  // namespace cairn::policy
