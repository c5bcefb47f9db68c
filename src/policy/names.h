#pragma once

// Name parsing for the policy engine, each piece mirroring the Go function step-ca relies on
// (net.ParseIP / ParseCIDR / SplitHostPort, net.IP.String, url.Parse, strconv.Quote, and
// crypto/x509's domainToReverseLabels / parseRFC2821Mailbox), so that names are classified and
// matched exactly as step-ca does. All functions are pure and thread-safe.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::policy {

// IpAddress is an IPv4 or IPv6 address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is held
// as IPv4, as Go's net.IP.To4 treats it.
struct IpAddress {
  bool v4 = true;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses bytes[0..3]

  // ToString formats like Go's net.IP.String: dotted quad for IPv4, RFC 5952 for IPv6.
  std::string ToString() const;
  bool operator==(const IpAddress&) const = default;
};

// ParseIpAddress parses an IP literal like Go's net.ParseIP (dotted quad without leading
// zeros, or IPv6 text without zone); nullopt when `text` is not an IP literal.
std::optional<IpAddress> ParseIpAddress(std::string_view text);

// IpNetwork is an address range: `base` masked to `prefix_len` bits of its family.
struct IpNetwork {
  IpAddress base;
  int prefix_len = 0;

  // Contains reports whether `ip` is in the range; IPv4 and IPv4-mapped IPv6 addresses are the
  // same thing, IPv4 ranges never contain other IPv6 addresses and vice versa (Go's
  // IPNet.Contains).
  bool Contains(const IpAddress& ip) const;
  // ToString renders "base/prefix".
  std::string ToString() const;
};

// ParseCidr parses "address/prefix" like Go's net.ParseCIDR (host bits are cleared; an IPv6
// range inside ::ffff:0:0/96 becomes the equivalent IPv4 range); nullopt on error.
std::optional<IpNetwork> ParseCidr(std::string_view text);

// ParseIpOrCidr parses a CIDR, or a single address as a /32 (IPv4) or /128 (IPv6) range, like
// step-ca's WithPermittedIPsOrCIDRs; nullopt when it is neither.
std::optional<IpNetwork> ParseIpOrCidr(std::string_view text);

// SplitHostPort splits "host:port" / "[host]:port" like Go's net.SplitHostPort; nullopt on
// error (no port, too many colons, stray brackets). The port may be empty.
std::optional<std::pair<std::string, std::string>> SplitHostPort(std::string_view hostport);

// ParsedUrl is the part of Go's url.URL the policy engine needs.
struct ParsedUrl {
  std::string scheme;  // lower-cased; empty when none
  std::string host;    // the authority's host[:port], %-decoded; empty when none
};

// ParseUrl parses like Go's url.Parse (a faithful subset: control characters, scheme syntax,
// opaque URIs, authority with userinfo, bracketed IPv6 hosts, port digits, host characters and
// %-escapes are checked as Go does); nullopt where url.Parse returns an error.
std::optional<ParsedUrl> ParseUrl(std::string_view text);

// Mailbox is an RFC 2821 mailbox split into its local part (quotes and escapes removed) and
// domain.
struct Mailbox {
  std::string local;
  std::string domain;
};

// ParseMailbox parses an email address like crypto/x509's parseRFC2821Mailbox: dot-atom or
// quoted local part, '@', and a domain accepted by ReverseLabels; nullopt otherwise.
std::optional<Mailbox> ParseMailbox(std::string_view text);

// ReverseLabels splits "foo.example.com" into {"com", "example", "foo"} like crypto/x509's
// domainToReverseLabels: nullopt for a trailing dot, an empty label, or any byte outside
// 33..126. A single leading dot is tolerated (it yields no label), as in Go.
std::optional<std::vector<std::string_view>> ReverseLabels(std::string_view domain);

// NameKind is the SAN type a free-form name is classified as.
enum class NameKind { kDns, kIp, kEmail, kUri };

// ClassifyName classifies like go.step.sm/crypto x509util.SplitSANs: an IP literal is kIp, a
// string url.Parse accepts with a non-empty scheme is kUri, one containing '@' is kEmail, and
// anything else is kDns.
NameKind ClassifyName(std::string_view name);

// GoQuote quotes `s` like Go's %q verb (strconv.Quote): double quotes, backslash escapes for
// '"', '\\' and control characters, \xNN for invalid UTF-8 bytes, printable UTF-8 kept.
std::string GoQuote(std::string_view s);

}  // namespace cairn::policy
