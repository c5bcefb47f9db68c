#pragma once

// Distinguished names and subject alternative names as plain values (no OpenSSL types), with
// the field names of Go's pkix.Name that step-ca templates use.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace cairn::pki {

// Name is an X.501 distinguished name. Encoding (see internal/x509_util.h) follows Go's
// pkix.Name.ToRDNSequence: C, ST, L, street, postalCode, O, OU, CN, serialNumber, then
// extra_names; several values of one attribute share a multi-valued RDN; each value is a
// PrintableString when it only uses PrintableString characters, else a UTF8String. Empty
// strings are skipped. An attribute that extra_names also carries is left to extra_names (Go's
// appendRDNs rule); emailAddress (1.2.840.113549.1.9.1) extra names are IA5Strings, as x509util
// writes them.
struct Name {
  std::vector<std::string> country;              // 2.5.4.6
  std::vector<std::string> organization;         // 2.5.4.10
  std::vector<std::string> organizational_unit;  // 2.5.4.11
  std::vector<std::string> locality;             // 2.5.4.7
  std::vector<std::string> province;             // 2.5.4.8
  std::vector<std::string> street_address;       // 2.5.4.9
  std::vector<std::string> postal_code;          // 2.5.4.17
  std::string serial_number;                     // 2.5.4.5
  std::string common_name;                       // 2.5.4.3
  // extra_names are further attributes as (dotted OID, value), each in its own RDN. When
  // parsing, attributes not listed above (emailAddress, DC, ...) land here.
  std::vector<std::pair<std::string, std::string>> extra_names;

  // empty reports whether the name has no attribute at all.
  bool empty() const;
  bool operator==(const Name&) const = default;
};

// SubjectAltNames holds the four SAN kinds step-ca issues. IPs are in text form (IPv4 dotted
// quad, IPv6 canonical RFC 5952 text).
struct SubjectAltNames {
  std::vector<std::string> dns;
  std::vector<std::string> ips;
  std::vector<std::string> emails;
  std::vector<std::string> uris;

  // empty reports whether there is no SAN at all.
  bool empty() const { return dns.empty() && ips.empty() && emails.empty() && uris.empty(); }
  // size returns the total number of names.
  size_t size() const { return dns.size() + ips.size() + emails.size() + uris.size(); }
  bool operator==(const SubjectAltNames&) const = default;
};

// EncodeNameDer returns the DER encoding of `name` (the RDNSequence, as above), e.g. for a
// directoryName GeneralName. Fails with kInvalidArgument on invalid UTF-8 or a malformed
// extra-name OID. Thread-safe.
Result<std::string> EncodeNameDer(const Name& name);

// DecodeNameDer parses a DER Name (as NameToX509's inverse: attributes Name has no field for
// go to extra_names). Fails with kInvalidArgument when malformed or with trailing data.
// Thread-safe.
Result<Name> DecodeNameDer(std::string_view der);

// SplitSans classifies free-form names the way step (x509util.SplitSANs) does: an IP literal
// is an IP (stored canonical), a string that parses as a URL with a scheme is a URI, a string
// containing '@' is an email, anything else is a DNS name. Order within each kind is kept.
// Thread-safe.
SubjectAltNames SplitSans(const std::vector<std::string>& names);

// CanonicalIp returns the canonical text of an IPv4 or IPv6 literal as Go's net.IP.String
// writes it: IPv4 dotted quad (also for IPv4-mapped IPv6 addresses, "::ffff:1.2.3.4" ->
// "1.2.3.4"), other IPv6 per RFC 5952 in hex; or "" when `text` is not an IP literal.
std::string CanonicalIp(std::string_view text);

}  // namespace cairn::pki
