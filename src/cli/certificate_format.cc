#include "cli/certificate_format.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/der.h"
#include "crypto/digest.h"
#include "pki/extension.h"
#include "pki/provisioner_extension.h"

namespace cairn::cli::tools {
namespace {

namespace der = crypto::der;

// --- DER helpers -----------------------------------------------------------------------------

// OidToString renders the contents of an OBJECT IDENTIFIER in dotted form ("" if malformed).
std::string OidToString(std::string_view contents) {
  if (contents.empty() || contents.size() > 128) return "";
  std::string out;
  uint64_t value = 0;
  bool first = true;
  for (size_t i = 0; i < contents.size(); ++i) {
    auto b = static_cast<uint8_t>(contents[i]);
    if (value > (uint64_t{1} << 56)) return "";
    value = (value << 7) | (b & 0x7f);
    if (b & 0x80) continue;
    if (first) {
      uint64_t arc0 = value < 40 ? 0 : (value < 80 ? 1 : 2);
      out = std::to_string(arc0) + "." + std::to_string(value - arc0 * 40);
      first = false;
    } else {
      out += "." + std::to_string(value);
    }
    value = 0;
  }
  return out;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// DecodeString turns an ASN.1 string of any of the directory string types into UTF-8. Returns
// false for non-string types.
bool DecodeString(uint8_t tag, std::string_view c, std::string* out) {
  out->clear();
  switch (tag) {
    case 0x0c:  // UTF8String
    case 0x12:  // NumericString
    case 0x13:  // PrintableString
    case 0x16:  // IA5String
    case 0x1a:  // VisibleString
      *out = std::string(c);
      return true;
    case 0x14:  // T61String: read as Latin-1, as Go does
      for (char ch : c) AppendUtf8(*out, static_cast<uint8_t>(ch));
      return true;
    case 0x1e:  // BMPString (UTF-16BE)
      if (c.size() % 2 != 0) return false;
      for (size_t i = 0; i + 1 < c.size(); i += 2) {
        AppendUtf8(*out, (static_cast<uint8_t>(c[i]) << 8) | static_cast<uint8_t>(c[i + 1]));
      }
      return true;
    case 0x1c:  // UniversalString (UTF-32BE)
      if (c.size() % 4 != 0) return false;
      for (size_t i = 0; i + 3 < c.size(); i += 4) {
        uint32_t cp = (static_cast<uint32_t>(static_cast<uint8_t>(c[i])) << 24) |
                      (static_cast<uint32_t>(static_cast<uint8_t>(c[i + 1])) << 16) |
                      (static_cast<uint32_t>(static_cast<uint8_t>(c[i + 2])) << 8) |
                      static_cast<uint8_t>(c[i + 3]);
        if (cp > 0x10ffff) return false;
        AppendUtf8(*out, cp);
      }
      return true;
    default:
      return false;
  }
}

struct Attribute {
  std::string oid;
  std::string value;
  bool is_string = false;
};

// ParseName returns the attributes of a DER Name (SEQUENCE OF SET OF AttributeTypeAndValue),
// in encoding order.
Result<std::vector<Attribute>> ParseName(std::string_view name_der) {
  der::Reader outer(name_der);
  CAIRN_ASSIGN_OR_RETURN(std::string_view rdns, outer.Expect(der::kSequence));
  std::vector<Attribute> out;
  der::Reader rdn_reader(rdns);
  while (!rdn_reader.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::string_view set, rdn_reader.Expect(der::kSet));
    der::Reader atv_reader(set);
    while (!atv_reader.empty()) {
      CAIRN_ASSIGN_OR_RETURN(std::string_view atv, atv_reader.Expect(der::kSequence));
      der::Reader r(atv);
      CAIRN_ASSIGN_OR_RETURN(std::string_view oid, r.Expect(der::kObjectIdentifier));
      CAIRN_ASSIGN_OR_RETURN(der::Element value, r.Next());
      Attribute a;
      a.oid = OidToString(oid);
      a.is_string = DecodeString(value.tag, value.contents, &a.value);
      out.push_back(std::move(a));
      if (out.size() > 256) return InvalidArgumentError("name has too many attributes");
    }
  }
  return out;
}

struct Spki {
  std::string full;
  std::string algorithm;  // dotted OID
  std::string curve;      // dotted OID of the EC named curve, if any
  std::string key;        // BIT STRING payload (unused-bits octet removed)
};

Result<Spki> ParseSpki(std::string_view full) {
  Spki s;
  s.full = std::string(full);
  der::Reader outer(full);
  CAIRN_ASSIGN_OR_RETURN(std::string_view seq, outer.Expect(der::kSequence));
  der::Reader r(seq);
  CAIRN_ASSIGN_OR_RETURN(std::string_view alg, r.Expect(der::kSequence));
  der::Reader ar(alg);
  CAIRN_ASSIGN_OR_RETURN(std::string_view oid, ar.Expect(der::kObjectIdentifier));
  s.algorithm = OidToString(oid);
  if (ar.PeekTag(der::kObjectIdentifier)) {
    CAIRN_ASSIGN_OR_RETURN(std::string_view curve, ar.Expect(der::kObjectIdentifier));
    s.curve = OidToString(curve);
  }
  CAIRN_ASSIGN_OR_RETURN(std::string_view bits, r.Expect(der::kBitString));
  if (bits.empty()) return InvalidArgumentError("empty public key");
  s.key = std::string(bits.substr(1));
  return s;
}

// ParsedCertificate holds the pieces of a certificate's DER the renderings need.
struct ParsedCertificate {
  int version = 1;  // as Go counts: 1, 2 or 3
  std::string tbs;  // full TBSCertificate TLV
  std::vector<Attribute> issuer;
  std::vector<Attribute> subject;
  std::string subject_der;
  Spki spki;
  std::string issuer_uid;
  std::string subject_uid;
  std::string signature_oid;
  std::string signature;
};

std::string BitStringBytes(std::string_view contents) {
  return contents.empty() ? std::string() : std::string(contents.substr(1));
}

Result<ParsedCertificate> ParseCertificateDer(std::string_view cert_der) {
  ParsedCertificate p;
  der::Reader outer(cert_der);
  CAIRN_ASSIGN_OR_RETURN(std::string_view cert, outer.Expect(der::kSequence));
  der::Reader cr(cert);
  CAIRN_ASSIGN_OR_RETURN(der::Element tbs, cr.Next());
  if (tbs.tag != der::kSequence) return InvalidArgumentError("malformed certificate");
  p.tbs = std::string(tbs.full);
  CAIRN_ASSIGN_OR_RETURN(std::string_view sig_alg, cr.Expect(der::kSequence));
  der::Reader sar(sig_alg);
  CAIRN_ASSIGN_OR_RETURN(std::string_view sig_oid, sar.Expect(der::kObjectIdentifier));
  p.signature_oid = OidToString(sig_oid);
  CAIRN_ASSIGN_OR_RETURN(std::string_view sig, cr.Expect(der::kBitString));
  p.signature = BitStringBytes(sig);

  der::Reader tr(tbs.contents);
  if (tr.PeekTag(der::ContextTag(0, true))) {
    CAIRN_ASSIGN_OR_RETURN(std::string_view v, tr.Expect(der::ContextTag(0, true)));
    der::Reader vr(v);
    CAIRN_ASSIGN_OR_RETURN(std::string_view vi, vr.Expect(der::kInteger));
    CAIRN_ASSIGN_OR_RETURN(int64_t version, der::ParseInt64(vi));
    p.version = static_cast<int>(version) + 1;
  }
  CAIRN_RETURN_IF_ERROR(tr.Expect(der::kInteger).status());   // serial
  CAIRN_RETURN_IF_ERROR(tr.Expect(der::kSequence).status());  // signature algorithm
  CAIRN_ASSIGN_OR_RETURN(der::Element issuer, tr.Next());
  CAIRN_ASSIGN_OR_RETURN(p.issuer, ParseName(issuer.full));
  CAIRN_RETURN_IF_ERROR(tr.Expect(der::kSequence).status());  // validity
  CAIRN_ASSIGN_OR_RETURN(der::Element subject, tr.Next());
  p.subject_der = std::string(subject.full);
  CAIRN_ASSIGN_OR_RETURN(p.subject, ParseName(subject.full));
  CAIRN_ASSIGN_OR_RETURN(der::Element spki, tr.Next());
  CAIRN_ASSIGN_OR_RETURN(p.spki, ParseSpki(spki.full));
  if (tr.PeekTag(der::ContextTag(1, false))) {
    CAIRN_ASSIGN_OR_RETURN(std::string_view uid, tr.Expect(der::ContextTag(1, false)));
    p.issuer_uid = BitStringBytes(uid);
  }
  if (tr.PeekTag(der::ContextTag(2, false))) {
    CAIRN_ASSIGN_OR_RETURN(std::string_view uid, tr.Expect(der::ContextTag(2, false)));
    p.subject_uid = BitStringBytes(uid);
  }
  return p;
}

struct ParsedRequest {
  int version = 0;
  std::vector<Attribute> subject;
  Spki spki;
  std::string signature_oid;
  std::string signature;
  std::string tbs;
};

Result<ParsedRequest> ParseRequestDer(std::string_view csr_der) {
  ParsedRequest p;
  der::Reader outer(csr_der);
  CAIRN_ASSIGN_OR_RETURN(std::string_view csr, outer.Expect(der::kSequence));
  der::Reader cr(csr);
  CAIRN_ASSIGN_OR_RETURN(der::Element info, cr.Next());
  if (info.tag != der::kSequence) return InvalidArgumentError("malformed certificate request");
  p.tbs = std::string(info.full);
  CAIRN_ASSIGN_OR_RETURN(std::string_view sig_alg, cr.Expect(der::kSequence));
  der::Reader sar(sig_alg);
  CAIRN_ASSIGN_OR_RETURN(std::string_view sig_oid, sar.Expect(der::kObjectIdentifier));
  p.signature_oid = OidToString(sig_oid);
  CAIRN_ASSIGN_OR_RETURN(std::string_view sig, cr.Expect(der::kBitString));
  p.signature = BitStringBytes(sig);
  der::Reader ir(info.contents);
  CAIRN_ASSIGN_OR_RETURN(std::string_view v, ir.Expect(der::kInteger));
  CAIRN_ASSIGN_OR_RETURN(int64_t version, der::ParseInt64(v));
  p.version = static_cast<int>(version);
  CAIRN_ASSIGN_OR_RETURN(der::Element subject, ir.Next());
  CAIRN_ASSIGN_OR_RETURN(p.subject, ParseName(subject.full));
  CAIRN_ASSIGN_OR_RETURN(der::Element spki, ir.Next());
  CAIRN_ASSIGN_OR_RETURN(p.spki, ParseSpki(spki.full));
  return p;
}

// --- Public keys -----------------------------------------------------------------------------

constexpr const char* kOidRsa = "1.2.840.113549.1.1.1";
constexpr const char* kOidEc = "1.2.840.10045.2.1";
constexpr const char* kOidEd25519 = "1.3.101.112";
constexpr const char* kOidDsa = "1.2.840.10040.4.1";

std::string CurveName(const std::string& oid) {
  if (oid == "1.2.840.10045.3.1.7") return "P-256";
  if (oid == "1.3.132.0.34") return "P-384";
  if (oid == "1.3.132.0.35") return "P-521";
  if (oid == "1.3.132.0.33") return "P-224";
  return oid;
}

int CurveBits(const std::string& name) {
  if (name == "P-256") return 256;
  if (name == "P-384") return 384;
  if (name == "P-521") return 521;
  if (name == "P-224") return 224;
  return 0;
}

// StripZeros removes leading zero octets (big.Int.Bytes()).
std::string StripZeros(std::string_view b) {
  size_t i = 0;
  while (i < b.size() && b[i] == '\0') ++i;
  return std::string(b.substr(i));
}

int BitLen(std::string_view magnitude) {
  std::string m = StripZeros(magnitude);
  if (m.empty()) return 0;
  int top = 0;
  for (auto b = static_cast<uint8_t>(m[0]); b != 0; b >>= 1) ++top;
  return static_cast<int>((m.size() - 1) * 8) + top;
}

struct RsaKey {
  std::string modulus;  // magnitude, no leading zeros
  uint64_t exponent = 0;
};

Result<RsaKey> ParseRsaKey(std::string_view key) {
  der::Reader outer(key);
  CAIRN_ASSIGN_OR_RETURN(std::string_view seq, outer.Expect(der::kSequence));
  der::Reader r(seq);
  CAIRN_ASSIGN_OR_RETURN(std::string_view n, r.Expect(der::kInteger));
  CAIRN_ASSIGN_OR_RETURN(std::string_view e, r.Expect(der::kInteger));
  RsaKey k;
  k.modulus = StripZeros(n);
  std::string ex = StripZeros(e);
  if (ex.size() > 8) return InvalidArgumentError("RSA exponent too large");
  for (char c : ex) k.exponent = (k.exponent << 8) | static_cast<uint8_t>(c);
  return k;
}

// EcPoint splits an uncompressed point into X and Y (leading zeros removed).
bool EcPoint(std::string_view key, std::string* x, std::string* y) {
  if (key.size() < 3 || key[0] != 0x04 || (key.size() - 1) % 2 != 0) return false;
  size_t n = (key.size() - 1) / 2;
  *x = StripZeros(key.substr(1, n));
  *y = StripZeros(key.substr(1 + n, n));
  return true;
}

// PublicKeyAlgorithmName is Go's x509.PublicKeyAlgorithm String().
std::string PublicKeyAlgorithmName(const std::string& oid) {
  if (oid == kOidRsa) return "RSA";
  if (oid == kOidEc) return "ECDSA";
  if (oid == kOidEd25519) return "Ed25519";
  if (oid == kOidDsa) return "DSA";
  return "";
}

// ShortKeyDescription is certinfo's "<algorithm> <params>" ("ECDSA P-256", "RSA 2048",
// "Ed25519 256").
std::string ShortKeyDescription(const Spki& spki) {
  if (spki.algorithm == kOidRsa) {
    auto k = ParseRsaKey(spki.key);
    if (k.ok()) return "RSA " + std::to_string(((BitLen(k->modulus) + 7) / 8) * 8);
    return "RSA unknown";
  }
  if (spki.algorithm == kOidEc) return "ECDSA " + CurveName(spki.curve);
  if (spki.algorithm == kOidEd25519) return "Ed25519 " + std::to_string(spki.key.size() * 8);
  if (spki.algorithm == kOidDsa) return "DSA unknown";
  return spki.algorithm;
}

// --- Text helpers ----------------------------------------------------------------------------

std::string Spaces(int n) { return std::string(static_cast<size_t>(n), ' '); }

std::string HexByte(uint8_t b, bool upper = false) {
  char buf[3];
  std::snprintf(buf, sizeof(buf), upper ? "%02X" : "%02x", b);
  return buf;
}

// HexBlock renders bytes as "aa:bb:..." with a line break and `indent` spaces before every
// `per_line` bytes (certinfo's layout for keys and signatures).
std::string HexBlock(std::string_view bytes, size_t per_line, int indent) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i % per_line == 0) out += "\n" + Spaces(indent);
    out += HexByte(static_cast<uint8_t>(bytes[i]));
    if (i + 1 != bytes.size()) out += ":";
  }
  return out;
}

std::string HexColonUpper(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) out += ":";
    out += HexByte(static_cast<uint8_t>(bytes[i]), true);
  }
  return out;
}

// ValidityTime renders Go's "Jan 2 15:04:05 2006 MST" in UTC.
std::string ValidityTime(Time t) {
  std::time_t secs = static_cast<std::time_t>(ToUnixSeconds(t));
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s %d %02d:%02d:%02d %d UTC", kMonths[tm.tm_mon], tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
  return buf;
}

// AttributeLabel renders one name attribute as certinfo does.
std::string AttributeLabel(const Attribute& a) {
  static const std::pair<const char*, const char*> kLabels[] = {
      {"2.5.4.3", "CN"},
      {"2.5.4.5", "SERIALNUMBER"},
      {"2.5.4.6", "C"},
      {"2.5.4.7", "L"},
      {"2.5.4.8", "ST"},
      {"2.5.4.9", "STREET"},
      {"2.5.4.10", "O"},
      {"2.5.4.11", "OU"},
      {"2.5.4.17", "POSTALCODE"},
      {"1.2.840.113549.1.9.1", "emailAddress"},
      {"0.9.2342.19200300.100.1.25", "DC"},
      {"0.9.2342.19200300.100.1.1", "UID"}};
  for (const auto& [oid, label] : kLabels) {
    if (a.oid == oid) return std::string(label) + "=" + a.value;
  }
  if (StartsWith(a.oid, "2.5.4.") || !a.is_string) return "UnknownOID=" + a.oid;
  return a.oid + "=" + a.value;
}

std::string NameLine(const std::vector<Attribute>& attrs) {
  std::vector<std::string> parts;
  for (const Attribute& a : attrs) parts.push_back(AttributeLabel(a));
  return Join(parts, ",");
}

// Sanitize renders bytes as text the way certinfo prints unknown extensions: valid UTF-8
// printable characters as themselves, anything else as '.'.
std::string Sanitize(std::string_view bytes) {
  std::string out;
  size_t i = 0;
  while (i < bytes.size()) {
    auto b = static_cast<uint8_t>(bytes[i]);
    size_t len = b < 0x80           ? 1
                 : (b >> 5) == 0x6  ? 2
                 : (b >> 4) == 0xe  ? 3
                 : (b >> 3) == 0x1e ? 4
                                    : 0;
    bool valid = len > 0 && i + len <= bytes.size();
    uint32_t cp = 0;
    if (valid) {
      cp = len == 1 ? b : (b & (0xff >> (len + 1)));
      for (size_t k = 1; k < len; ++k) {
        auto c = static_cast<uint8_t>(bytes[i + k]);
        if ((c & 0xc0) != 0x80) {
          valid = false;
          break;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
    }
    if (!valid) {
      out.push_back('.');
      ++i;
      continue;
    }
    bool printable = (cp >= 0x20 && cp < 0x7f) || (cp >= 0xa0 && cp != 0xfffd && cp != 0xad);
    if (printable) {
      out.append(bytes.substr(i, len));
    } else {
      out.push_back('.');
    }
    i += len;
  }
  return out;
}

std::string ExtHeader(std::string_view name, const pki::Extension& ext) {
  return Spaces(12) + std::string(name) + ":" + (ext.critical ? " critical\n" : "\n");
}

std::string KeyUsageText(uint32_t ku) {
  static const std::pair<uint32_t, const char*> kUsages[] = {
      {pki::kDigitalSignature, "Digital Signature"},
      {pki::kContentCommitment, "Content Commitment"},
      {pki::kKeyEncipherment, "Key Encipherment"},
      {pki::kDataEncipherment, "Data Encipherment"},
      {pki::kKeyAgreement, "Key Agreement"},
      {pki::kCertSign, "Certificate Sign"},
      {pki::kCrlSign, "CRL Sign"},
      {pki::kEncipherOnly, "Encipher Only"},
      {pki::kDecipherOnly, "Decipher Only"}};
  std::vector<std::string> names;
  for (const auto& [bit, name] : kUsages) {
    if (ku & bit) names.push_back(name);
  }
  if (names.empty()) return Spaces(16) + "None\n";
  return Spaces(16) + Join(names, ", ") + "\n";
}

// ParseKeyUsageValue decodes a keyUsage BIT STRING into Go's KeyUsage bits.
uint32_t ParseKeyUsageValue(std::string_view value) {
  der::Reader r(value);
  auto bits = r.Expect(der::kBitString);
  if (!bits.ok() || bits->size() < 2) return 0;
  uint32_t ku = 0;
  for (size_t byte = 1; byte < bits->size() && byte < 3; ++byte) {
    auto b = static_cast<uint8_t>((*bits)[byte]);
    for (int bit = 0; bit < 8; ++bit) {
      if (b & (0x80 >> bit)) ku |= 1u << ((byte - 1) * 8 + static_cast<size_t>(bit));
    }
  }
  return ku;
}

std::string ExtKeyUsageLabel(const std::string& name, bool csr) {
  static const std::pair<const char*, const char*> kLabels[] = {
      {"any", "Any Usage"},
      {"serverAuth", "Server Authentication"},
      {"clientAuth", "Client Authentication"},
      {"codeSigning", "Code Signing"},
      {"emailProtection", "E-mail Protection"},
      {"ipsecEndSystem", "IPSec End System"},
      {"ipsecTunnel", "IPSec Tunnel"},
      {"ipsecUser", "IPSec User"},
      {"timeStamping", "Time Stamping"},
      {"ocspSigning", "OCSP Signing"}};
  for (const auto& [n, label] : kLabels) {
    if (name == n) return label;
  }
  static const std::pair<const char*, const char*> kMicrosoft[] = {
      {"microsoftServerGatedCrypto", "Microsoft Server Gated Crypto"},
      {"netscapeServerGatedCrypto", "Netscape Server Gated Crypto"},
      {"microsoftCommercialCodeSigning", "Microsoft Commercial Code Signing"},
      {"microsoftKernelCodeSigning", "Microsoft Kernel Code Signing"}};
  for (const auto& [n, label] : kMicrosoft) {
    if (name == n) return csr ? label : "UNKNOWN";
  }
  if (name == "2.23.133.8.1") return "EK Certificate";
  return csr ? "UNKNOWN(" + name + ")" : name;
}

// EkuNames decodes an extKeyUsage value into names (pki::ExtKeyUsageName).
std::vector<std::string> EkuNames(std::string_view value) {
  std::vector<std::string> out;
  der::Reader r(value);
  auto seq = r.Expect(der::kSequence);
  if (!seq.ok()) return out;
  der::Reader sr(*seq);
  while (!sr.empty()) {
    auto oid = sr.Expect(der::kObjectIdentifier);
    if (!oid.ok()) break;
    out.push_back(pki::ExtKeyUsageName(OidToString(*oid)));
  }
  return out;
}

// GeneralNameUris returns the URIs ([6] IA5String) among a run of GeneralName elements.
std::vector<std::string> GeneralNameUris(std::string_view names) {
  std::vector<std::string> out;
  der::Reader r(names);
  while (!r.empty()) {
    auto e = r.Next();
    if (!e.ok()) break;
    if (e->tag == der::ContextTag(6, false)) out.emplace_back(e->contents);
  }
  return out;
}

// CrlDistributionPoints returns the fullName URIs of a cRLDistributionPoints value.
std::vector<std::string> CrlDistributionPoints(std::string_view value) {
  std::vector<std::string> out;
  der::Reader r(value);
  auto seq = r.Expect(der::kSequence);
  if (!seq.ok()) return out;
  der::Reader dps(*seq);
  while (!dps.empty()) {
    auto dp = dps.Expect(der::kSequence);
    if (!dp.ok()) break;
    der::Reader dr(*dp);
    if (!dr.PeekTag(der::ContextTag(0, true))) continue;
    auto dpn = dr.Expect(der::ContextTag(0, true));
    if (!dpn.ok()) continue;
    der::Reader nr(*dpn);
    if (!nr.PeekTag(der::ContextTag(0, true))) continue;
    auto full = nr.Expect(der::ContextTag(0, true));
    if (!full.ok()) continue;
    for (std::string& u : GeneralNameUris(*full)) out.push_back(std::move(u));
  }
  return out;
}

// AuthorityInfoAccess returns the OCSP and CA issuer URIs of an AIA value.
void AuthorityInfoAccess(std::string_view value, std::vector<std::string>* ocsp,
                         std::vector<std::string>* issuers) {
  der::Reader r(value);
  auto seq = r.Expect(der::kSequence);
  if (!seq.ok()) return;
  der::Reader ads(*seq);
  while (!ads.empty()) {
    auto ad = ads.Expect(der::kSequence);
    if (!ad.ok()) break;
    der::Reader ar(*ad);
    auto method = ar.Expect(der::kObjectIdentifier);
    if (!method.ok()) continue;
    std::string m = OidToString(*method);
    for (std::string& u : GeneralNameUris(ar.rest())) {
      if (m == "1.3.6.1.5.5.7.48.1") ocsp->push_back(std::move(u));
      if (m == "1.3.6.1.5.5.7.48.2") issuers->push_back(std::move(u));
    }
  }
}

// PolicyOids returns the policy identifiers of a certificatePolicies value.
std::vector<std::string> PolicyOids(std::string_view value) {
  std::vector<std::string> out;
  der::Reader r(value);
  auto seq = r.Expect(der::kSequence);
  if (!seq.ok()) return out;
  der::Reader pr(*seq);
  while (!pr.empty()) {
    auto pi = pr.Expect(der::kSequence);
    if (!pi.ok()) break;
    der::Reader ir(*pi);
    auto oid = ir.Expect(der::kObjectIdentifier);
    if (oid.ok()) out.push_back(OidToString(*oid));
  }
  return out;
}

std::string IpNetText(std::string_view bytes) {
  auto ip_text = [](std::string_view b) -> std::string {
    if (b.size() == 4) {
      return std::to_string(static_cast<uint8_t>(b[0])) + "." +
             std::to_string(static_cast<uint8_t>(b[1])) + "." +
             std::to_string(static_cast<uint8_t>(b[2])) + "." +
             std::to_string(static_cast<uint8_t>(b[3]));
    }
    std::string hex;
    for (size_t i = 0; i < b.size(); i += 2) {
      if (i > 0) hex += ":";
      char buf[8];
      std::snprintf(buf, sizeof(buf), "%x",
                    (static_cast<uint8_t>(b[i]) << 8) | static_cast<uint8_t>(b[i + 1]));
      hex += buf;
    }
    std::string canon = pki::CanonicalIp(hex);
    return canon.empty() ? hex : canon;
  };
  if (bytes.size() != 8 && bytes.size() != 32) return HexColonUpper(bytes);
  std::string_view ip = bytes.substr(0, bytes.size() / 2);
  std::string_view mask = bytes.substr(bytes.size() / 2);
  int ones = 0;
  for (char c : mask) {
    for (auto b = static_cast<uint8_t>(c); b & 0x80; b = static_cast<uint8_t>(b << 1)) ++ones;
  }
  return ip_text(ip) + "/" + std::to_string(ones);
}

struct NameConstraintsView {
  std::vector<std::string> dns, email, uri, ip;
};

void ParseSubtrees(std::string_view subtrees, NameConstraintsView* v) {
  der::Reader r(subtrees);
  while (!r.empty()) {
    auto st = r.Expect(der::kSequence);
    if (!st.ok()) break;
    der::Reader sr(*st);
    auto base = sr.Next();
    if (!base.ok()) continue;
    if (base->tag == der::ContextTag(2, false)) v->dns.emplace_back(base->contents);
    if (base->tag == der::ContextTag(1, false)) v->email.emplace_back(base->contents);
    if (base->tag == der::ContextTag(6, false)) v->uri.emplace_back(base->contents);
    if (base->tag == der::ContextTag(7, false)) v->ip.push_back(IpNetText(base->contents));
  }
}

void NameConstraints(std::string_view value, NameConstraintsView* permitted,
                     NameConstraintsView* excluded) {
  der::Reader r(value);
  auto seq = r.Expect(der::kSequence);
  if (!seq.ok()) return;
  der::Reader nr(*seq);
  while (!nr.empty()) {
    auto e = nr.Next();
    if (!e.ok()) break;
    if (e->tag == der::ContextTag(0, true)) ParseSubtrees(e->contents, permitted);
    if (e->tag == der::ContextTag(1, true)) ParseSubtrees(e->contents, excluded);
  }
}

std::string NameConstraintsText(const NameConstraintsView& v) {
  std::string out;
  auto line = [&out](const char* label, const std::vector<std::string>& items) {
    if (items.empty()) return;
    out += Spaces(18) + label + ": " + Join(items, ", ") + "\n";
  };
  line("DNS", v.dns);
  line("Email", v.email);
  line("URI", v.uri);
  line("IP Range", v.ip);
  return out;
}

// OtherNames renders the otherName entries of a subjectAltName value.
std::string OtherNamesText(std::string_view value) {
  std::string out;
  der::Reader r(value);
  auto seq = r.Expect(der::kSequence);
  if (!seq.ok()) return out;
  der::Reader nr(*seq);
  while (!nr.empty()) {
    auto e = nr.Next();
    if (!e.ok()) break;
    if (e->tag != der::ContextTag(0, true)) continue;
    der::Reader on(e->contents);
    auto oid = on.Expect(der::kObjectIdentifier);
    if (!oid.ok()) continue;
    auto val = on.Next();
    if (!val.ok()) continue;
    std::string type = OidToString(*oid);
    if (type == "1.3.6.1.5.5.7.8.3") {  // permanentIdentifier, RFC 4043
      der::Reader vr(val->contents);
      auto pi = vr.Expect(der::kSequence);
      if (pi.ok()) {
        der::Reader pr(*pi);
        std::string line;
        if (pr.PeekTag(der::kUtf8String)) {
          auto id = pr.Expect(der::kUtf8String);
          if (id.ok()) line = Spaces(16) + "Permanent Identifier: " + std::string(*id);
        }
        if (pr.PeekTag(der::kObjectIdentifier)) {
          auto assigner = pr.Expect(der::kObjectIdentifier);
          if (assigner.ok()) line += ", Assigner: " + OidToString(*assigner);
        }
        out += line + "\n";
        continue;
      }
    }
    out +=
        Spaces(16) + "OtherName: Type: " + type + ", Value: 0x" + HexEncode(val->contents) + "\n";
  }
  return out;
}

std::string ProvisionerTypeLabel(int type) {
  if (type == 0) return "NOOP";
  std::string_view name = pki::ProvisionerTypeName(type);
  if (name.empty()) return std::to_string(type) + " (unknown)";
  return std::string(name);
}

// StepRaText renders step's registration-authority extension (OID ...64.2).
bool StepRaText(std::string_view value, std::string* out) {
  der::Reader r(value);
  auto seq = r.Expect(der::kSequence);
  if (!seq.ok() || !r.empty()) return false;
  der::Reader sr(*seq);
  auto type = sr.Next();
  std::string type_text;
  if (!type.ok() || !DecodeString(type->tag, type->contents, &type_text)) return false;
  *out += Spaces(16) + "Type: " + type_text + "\n";
  std::vector<std::string> pairs;
  while (!sr.empty()) {
    auto e = sr.Next();
    if (!e.ok()) return false;
    std::string s;
    if (DecodeString(e->tag, e->contents, &s)) {
      *out += Spaces(16) + "CertificateID: " + s + "\n";
    } else if (e->tag == der::kSequence) {
      der::Reader pr(e->contents);
      while (!pr.empty()) {
        auto p = pr.Next();
        if (!p.ok()) return false;
        std::string v;
        DecodeString(p->tag, p->contents, &v);
        pairs.push_back(v);
      }
    }
  }
  for (size_t i = 0; i < pairs.size(); i += 2) {
    *out += Spaces(16) + pairs[i] + ": " + (i + 1 < pairs.size() ? pairs[i + 1] : "-") + "\n";
  }
  return true;
}

std::string SanLines(const pki::SubjectAltNames& sans) {
  std::string out;
  auto line = [&out](const char* label, const std::vector<std::string>& items) {
    if (items.empty()) return;
    std::vector<std::string> parts;
    for (const std::string& i : items) parts.push_back(std::string(label) + i);
    out += Spaces(16) + Join(parts, ", ") + "\n";
  };
  line("DNS:", sans.dns);
  line("email:", sans.emails);
  line("IP Address:", sans.ips);
  line("URI:", sans.uris);
  return out;
}

std::string PublicKeyText(const Spki& spki) {
  std::string out = Spaces(12) + "Public Key Algorithm: ";
  if (spki.algorithm == kOidRsa) {
    auto k = ParseRsaKey(spki.key);
    if (k.ok()) {
      char exp[64];
      std::snprintf(exp, sizeof(exp), "%llu (0x%llx)", static_cast<unsigned long long>(k->exponent),
                    static_cast<unsigned long long>(k->exponent));
      return out + "RSA\n" + Spaces(16) + "Public-Key: (" + std::to_string(BitLen(k->modulus)) +
             " bit)\n" + Spaces(16) + "Modulus:" + HexBlock(k->modulus, 15, 20) + "\n" +
             Spaces(16) + "Exponent: " + exp + "\n";
    }
  } else if (spki.algorithm == kOidEc) {
    std::string x, y;
    if (EcPoint(spki.key, &x, &y)) {
      std::string curve = CurveName(spki.curve);
      return out + "ECDSA\n" + Spaces(16) + "Public-Key: (" + std::to_string(CurveBits(curve)) +
             " bit)\n" + Spaces(16) + "X:" + HexBlock(x, 15, 20) + "\n" + Spaces(16) +
             "Y:" + HexBlock(y, 15, 20) + "\n" + Spaces(16) + "Curve: " + curve + "\n";
    }
  } else if (spki.algorithm == kOidEd25519) {
    return out + "Ed25519\n" + Spaces(16) + "Public-Key: (" + std::to_string(spki.key.size()) +
           " bit)" + HexBlock(spki.key, 15, 20) + "\n";
  }
  // Unknown (or undecodable) keys: the algorithm and the raw key bytes.
  return out + (spki.algorithm.empty() ? "Unknown" : spki.algorithm) + "\n" + Spaces(16) +
         "Public-Key:\n" + Spaces(16) + "Raw Bytes:" + HexBlock(spki.key, 15, 20) + "\n";
}

std::string SignatureText(const std::string& algorithm, std::string_view sig) {
  return Spaces(4) + "Signature Algorithm: " + algorithm + HexBlock(sig, 18, 9) + "\n";
}

std::string Abbreviated(const std::string& s) {
  if (s.size() <= 8) return s;
  return s.substr(0, 4) + "..." + s.substr(s.size() - 4);
}

std::string ShortSubjectLines(const std::string& cn, const pki::SubjectAltNames& sans) {
  std::vector<std::string> names;
  if (!cn.empty()) names.push_back(cn);
  auto add = [&](const std::vector<std::string>& items) {
    for (const std::string& s : items) {
      if (s != cn) names.push_back(s);
    }
  };
  add(sans.dns);
  add(sans.ips);
  add(sans.emails);
  add(sans.uris);
  if (names.empty()) return "  Subject: \n";
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "  Subject:     " : "               ") + names[i] + "\n";
  }
  return out;
}

// --- JSON helpers ----------------------------------------------------------------------------

std::string SignatureAlgorithmOid(const std::string& name) {
  static const std::pair<const char*, const char*> kAlgs[] = {
      {"SHA1-RSA", "1.2.840.113549.1.1.5"},       {"SHA256-RSA", "1.2.840.113549.1.1.11"},
      {"SHA384-RSA", "1.2.840.113549.1.1.12"},    {"SHA512-RSA", "1.2.840.113549.1.1.13"},
      {"SHA256-RSAPSS", "1.2.840.113549.1.1.10"}, {"SHA384-RSAPSS", "1.2.840.113549.1.1.10"},
      {"SHA512-RSAPSS", "1.2.840.113549.1.1.10"}, {"ECDSA-SHA1", "1.2.840.10045.4.1"},
      {"ECDSA-SHA256", "1.2.840.10045.4.3.2"},    {"ECDSA-SHA384", "1.2.840.10045.4.3.3"},
      {"ECDSA-SHA512", "1.2.840.10045.4.3.4"},    {"Ed25519", "1.3.101.112"}};
  for (const auto& [n, oid] : kAlgs) {
    if (name == n) return oid;
  }
  return name;
}

nlohmann::ordered_json OidArray(const std::string& dotted) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const std::string& part : Split(dotted, '.')) {
    try {
      arr.push_back(std::stoll(part));
    } catch (const std::exception&) {
      return nlohmann::ordered_json::array();
    }
  }
  return arr;
}

nlohmann::ordered_json SignatureAlgorithmJson(const std::string& name, const std::string& oid) {
  nlohmann::ordered_json j;
  j["name"] = name;
  // zcrypto writes this OID as a dotted string (pkix.AuxOID); extension ids stay int arrays.
  j["oid"] = oid.empty() ? SignatureAlgorithmOid(name) : oid;
  return j;
}

// NameJson renders a name with zcrypto's pkix.Name JSON keys, in zcrypto's order.
nlohmann::ordered_json NameJson(const std::vector<Attribute>& attrs) {
  static const std::pair<const char*, const char*> kKeys[] = {
      {"2.5.4.3", "common_name"},
      {"2.5.4.5", "serial_number"},
      {"2.5.4.6", "country"},
      {"2.5.4.7", "locality"},
      {"2.5.4.8", "province"},
      {"2.5.4.9", "street_address"},
      {"2.5.4.10", "organization"},
      {"2.5.4.11", "organizational_unit"},
      {"2.5.4.17", "postal_code"},
      {"0.9.2342.19200300.100.1.25", "domain_component"},
      {"1.2.840.113549.1.9.1", "email_address"},
      {"2.5.4.42", "given_name"},
      {"2.5.4.4", "surname"}};
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [oid, key] : kKeys) {
    nlohmann::ordered_json values = nlohmann::ordered_json::array();
    for (const Attribute& a : attrs) {
      if (a.oid == oid) values.push_back(a.value);
    }
    if (!values.empty()) j[key] = values;
  }
  return j;
}

std::string DnString(const std::vector<Attribute>& attrs) {
  std::vector<std::string> parts;
  for (const Attribute& a : attrs) parts.push_back(AttributeLabel(a));
  return Join(parts, ", ");
}

std::string Rfc3339(Time t) { return FormatRfc3339(t); }

nlohmann::ordered_json PublicKeyJson(const Spki& spki, std::string* algorithm_name) {
  *algorithm_name = PublicKeyAlgorithmName(spki.algorithm);
  nlohmann::ordered_json j;
  if (spki.algorithm == kOidRsa) {
    auto k = ParseRsaKey(spki.key);
    if (k.ok()) {
      j["exponent"] = k->exponent;
      j["modulus"] = Base64Encode(k->modulus);
      j["length"] = BitLen(k->modulus);
    }
  } else if (spki.algorithm == kOidEc) {
    std::string x, y;
    if (EcPoint(spki.key, &x, &y)) {
      std::string curve = CurveName(spki.curve);
      j["curve"] = curve;
      j["length"] = CurveBits(curve);
      j["x"] = Base64Encode(x);
      j["y"] = Base64Encode(y);
    }
  } else if (spki.algorithm == kOidEd25519) {
    j["key"] = Base64Encode(spki.key);
  }
  return j;
}

nlohmann::ordered_json EkuJson(const std::vector<std::string>& names) {
  static const std::pair<const char*, const char*> kKeys[] = {
      {"any", "any"},
      {"serverAuth", "server_auth"},
      {"clientAuth", "client_auth"},
      {"codeSigning", "code_signing"},
      {"emailProtection", "email_protection"},
      {"ipsecEndSystem", "ipsec_end_system"},
      {"ipsecTunnel", "ipsec_tunnel"},
      {"ipsecUser", "ipsec_user"},
      {"timeStamping", "time_stamping"},
      {"ocspSigning", "ocsp_signing"},
      {"microsoftServerGatedCrypto", "microsoft_server_gated_crypto"},
      {"netscapeServerGatedCrypto", "netscape_server_gated_crypto"},
      {"microsoftCommercialCodeSigning", "microsoft_commercial_code_signing"},
      {"microsoftKernelCodeSigning", "microsoft_kernel_code_signing"}};
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  nlohmann::ordered_json unknown = nlohmann::ordered_json::array();
  for (const std::string& n : names) {
    bool found = false;
    for (const auto& [name, key] : kKeys) {
      if (n == name) {
        j[key] = true;
        found = true;
      }
    }
    if (!found) unknown.push_back(n);
  }
  if (!unknown.empty()) j["unknown"] = unknown;
  return j;
}

nlohmann::ordered_json KeyUsageJson(uint32_t ku) {
  static const std::pair<uint32_t, const char*> kKeys[] = {
      {pki::kDigitalSignature, "digital_signature"},
      {pki::kContentCommitment, "content_commitment"},
      {pki::kKeyEncipherment, "key_encipherment"},
      {pki::kDataEncipherment, "data_encipherment"},
      {pki::kKeyAgreement, "key_agreement"},
      {pki::kCertSign, "certificate_sign"},
      {pki::kCrlSign, "crl_sign"},
      {pki::kEncipherOnly, "encipher_only"},
      {pki::kDecipherOnly, "decipher_only"}};
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [bit, key] : kKeys) {
    if (ku & bit) j[key] = true;
  }
  j["value"] = ku;
  return j;
}

nlohmann::ordered_json SansJson(const pki::SubjectAltNames& sans) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (!sans.dns.empty()) j["dns_names"] = sans.dns;
  if (!sans.emails.empty()) j["email_addresses"] = sans.emails;
  if (!sans.ips.empty()) j["ip_addresses"] = sans.ips;
  if (!sans.uris.empty()) j["uniform_resource_identifiers"] = sans.uris;
  return j;
}

}  // namespace

// --- Certificates ------------------------------------------------------------------------------

Result<std::string> CertificateText(const pki::Certificate& cert) {
  CAIRN_ASSIGN_OR_RETURN(ParsedCertificate p, ParseCertificateDer(cert.der()));
  std::string out = "Certificate:\n" + Spaces(4) + "Data:\n";
  out += Spaces(8) + "Version: " + std::to_string(p.version) + " (0x" +
         std::to_string(std::max(p.version - 1, 0)) + ")\n";
  out += Spaces(8) + "Serial Number: " + cert.serial_decimal() + " (0x" + cert.serial_hex() + ")\n";
  out += Spaces(8) + "Signature Algorithm: " + cert.signature_algorithm() + "\n";
  out += Spaces(8) + "Issuer: " + NameLine(p.issuer) + "\n";
  out += Spaces(8) + "Validity\n";
  out += Spaces(12) + "Not Before: " + ValidityTime(cert.not_before()) + "\n";
  out += Spaces(12) + "Not After : " + ValidityTime(cert.not_after()) + "\n";
  out += Spaces(8) + "Subject:" + (p.subject.empty() ? "" : " " + NameLine(p.subject)) + "\n";
  out += Spaces(8) + "Subject Public Key Info:\n" + PublicKeyText(p.spki);
  auto uid_line = [](std::string_view label, const std::string& uid) {
    std::string line = Spaces(8) + std::string(label) + ": ";
    for (size_t i = 0; i < uid.size(); ++i) {
      if (i > 0) line += ":";
      line += HexByte(static_cast<uint8_t>(uid[i]));
    }
    return line + "\n";
  };
  if (!p.issuer_uid.empty()) out += uid_line("Issuer Unique ID", p.issuer_uid);
  if (!p.subject_uid.empty()) out += uid_line("Subject Unique ID", p.subject_uid);

  std::vector<pki::Extension> exts = cert.extensions();
  if (p.version == 3 && !exts.empty()) {
    out += Spaces(8) + "X509v3 extensions:\n";
    for (const pki::Extension& ext : exts) {
      const std::string& oid = ext.oid;
      if (oid == pki::kOidSubjectKeyId) {
        out += ExtHeader("X509v3 Subject Key Identifier", ext);
        out += Spaces(16) + HexColonUpper(cert.subject_key_id()) + "\n";
      } else if (oid == pki::kOidKeyUsage) {
        out += ExtHeader("X509v3 Key Usage", ext) + KeyUsageText(cert.key_usage());
      } else if (oid == pki::kOidSubjectAltName) {
        out += ExtHeader("X509v3 Subject Alternative Name", ext);
        out += SanLines(cert.sans()) + OtherNamesText(ext.value);
      } else if (oid == pki::kOidBasicConstraints) {
        out += ExtHeader("X509v3 Basic Constraints", ext);
        out += Spaces(16) + (cert.is_ca() ? "CA:TRUE" : "CA:FALSE");
        int path_len = cert.max_path_len();
        out += path_len >= 0 ? ", pathlen:" + std::to_string(path_len) + "\n" : "\n";
      } else if (oid == pki::kOidNameConstraints) {
        out += ExtHeader("X509v3 Name Constraints", ext);
        NameConstraintsView permitted, excluded;
        NameConstraints(ext.value, &permitted, &excluded);
        std::string p_text = NameConstraintsText(permitted);
        std::string e_text = NameConstraintsText(excluded);
        if (!p_text.empty()) out += Spaces(16) + "Permitted:\n" + p_text;
        if (!e_text.empty()) out += Spaces(16) + "Excluded:\n" + e_text;
      } else if (oid == pki::kOidCrlDistributionPoints) {
        out += ExtHeader("X509v3 CRL Distribution Points", ext);
        std::vector<std::string> uris = CrlDistributionPoints(ext.value);
        if (!uris.empty()) {
          std::vector<std::string> parts;
          for (const std::string& u : uris) parts.push_back("URI:" + u);
          out += Spaces(16) + "Full Name:\n" + Spaces(18) + Join(parts, ", ") + "\n";
        }
      } else if (oid == pki::kOidCertificatePolicies) {
        out += ExtHeader("X509v3 Certificate Policies", ext);
        for (const std::string& policy : PolicyOids(ext.value)) {
          out += Spaces(16) + "Policy: " + policy + "\n";
        }
      } else if (oid == pki::kOidAuthorityKeyId) {
        out += ExtHeader("X509v3 Authority Key Identifier", ext);
        out += Spaces(16) + HexColonUpper(cert.authority_key_id()) + "\n";
      } else if (oid == pki::kOidExtKeyUsage) {
        out += ExtHeader("X509v3 Extended Key Usage", ext);
        std::vector<std::string> labels;
        for (const std::string& n : cert.ext_key_usage())
          labels.push_back(ExtKeyUsageLabel(n, false));
        if (!labels.empty()) out += Spaces(16) + Join(labels, ", ") + "\n";
      } else if (StartsWith(oid, "2.5.29.") && Split(oid, '.').size() == 4) {
        out += "Unknown extension " + oid + "\n";
      } else if (oid == pki::kOidAuthorityInfoAccess) {
        out += ExtHeader("Authority Information Access", ext);
        std::vector<std::string> ocsp, issuers;
        AuthorityInfoAccess(ext.value, &ocsp, &issuers);
        auto uris = [](const std::vector<std::string>& v) {
          std::vector<std::string> parts;
          for (const std::string& u : v) parts.push_back("URI:" + u);
          return Join(parts, ",");
        };
        if (!ocsp.empty()) out += Spaces(16) + "OCSP - " + uris(ocsp) + "\n";
        if (!issuers.empty()) out += Spaces(16) + "CA Issuers - " + uris(issuers) + "\n";
      } else if (oid == "2.16.840.1.113730.1.13") {
        der::Reader r(ext.value);
        auto comment = r.Next();
        std::string text;
        if (!comment.ok() || !DecodeString(comment->tag, comment->contents, &text)) {
          text = Sanitize(ext.value);
        }
        out += ExtHeader("Netscape Comment", ext) + Spaces(16) + text + "\n";
      } else if (oid == pki::kProvisionerExtensionOid &&
                 pki::ProvisionerExtension::Decode(ext.value).ok()) {
        pki::ProvisionerExtension pe = *pki::ProvisionerExtension::Decode(ext.value);
        out += ExtHeader("X509v3 Step Provisioner", ext);
        out += Spaces(16) + "Type: " + ProvisionerTypeLabel(pe.type) + "\n";
        out += Spaces(16) + "Name: " + pe.name + "\n";
        if (!pe.credential_id.empty()) {
          out += Spaces(16) + "CredentialID: " + pe.credential_id + "\n";
        }
        for (size_t i = 0; i < pe.key_value_pairs.size(); i += 2) {
          out += Spaces(16) + pe.key_value_pairs[i] + ": " +
                 (i + 1 < pe.key_value_pairs.size() ? pe.key_value_pairs[i + 1] : "-") + "\n";
        }
      } else if (std::string ra;
                 oid == "1.3.6.1.4.1.37476.9000.64.2" && StepRaText(ext.value, &ra)) {
        out += ExtHeader("X509v3 Step Registration Authority", ext) + ra;
      } else {
        out += ExtHeader(oid, ext) + Spaces(16) + Sanitize(ext.value) + "\n";
      }
    }
  }
  out += SignatureText(cert.signature_algorithm(), p.signature);
  return out;
}

std::string CertificateShortText(const pki::Certificate& cert) {
  std::string type = "TLS";
  if (cert.is_ca()) type = cert.IsIssuedBy(cert) ? "Root CA" : "Intermediate CA";
  std::string key = "unknown";
  if (auto p = ParseCertificateDer(cert.der()); p.ok()) key = ShortKeyDescription(p->spki);
  std::string issuer_cn;
  if (auto p = ParseCertificateDer(cert.der()); p.ok()) {
    for (const Attribute& a : p->issuer) {
      if (a.oid == "2.5.4.3") issuer_cn = a.value;
    }
  }
  std::string out = "X.509v3 " + type + " Certificate (" + key +
                    ") [Serial: " + Abbreviated(cert.serial_decimal()) + "]\n";
  out += ShortSubjectLines(cert.subject_cn(), cert.sans());
  out += "  Issuer:      " + issuer_cn + "\n";
  if (auto pe = cert.provisioner_extension(); pe.has_value()) {
    std::string id = Abbreviated(pe->credential_id);
    out += "  Provisioner: " + pe->name + (id.empty() ? "" : " [ID: " + id + "]") + "\n";
  }
  out += "  Valid from:  " + FormatRfc3339(cert.not_before()) + "\n";
  out += "          to:  " + FormatRfc3339(cert.not_after()) + "\n";
  return out;
}

Result<nlohmann::ordered_json> CertificateJson(const pki::Certificate& cert) {
  CAIRN_ASSIGN_OR_RETURN(ParsedCertificate p, ParseCertificateDer(cert.der()));
  nlohmann::ordered_json j;
  j["version"] = p.version;
  j["serial_number"] = cert.serial_decimal();
  nlohmann::ordered_json sig_alg =
      SignatureAlgorithmJson(cert.signature_algorithm(), p.signature_oid);
  j["signature_algorithm"] = sig_alg;
  j["issuer"] = NameJson(p.issuer);
  j["issuer_dn"] = DnString(p.issuer);
  nlohmann::ordered_json validity;
  validity["start"] = Rfc3339(cert.not_before());
  validity["end"] = Rfc3339(cert.not_after());
  validity["length"] = ToUnixSeconds(cert.not_after()) - ToUnixSeconds(cert.not_before());
  j["validity"] = validity;
  j["subject"] = NameJson(p.subject);
  j["subject_dn"] = DnString(p.subject);

  nlohmann::ordered_json ski;
  std::string key_alg;
  nlohmann::ordered_json key = PublicKeyJson(p.spki, &key_alg);
  ski["key_algorithm"] = nlohmann::ordered_json{{"name", key_alg}};
  if (p.spki.algorithm == kOidRsa) ski["rsa_public_key"] = key;
  if (p.spki.algorithm == kOidEc) ski["ecdsa_public_key"] = key;
  if (p.spki.algorithm == kOidEd25519) ski["ed25519_public_key"] = key;
  ski["fingerprint_sha256"] = HexEncode(crypto::Sha256(p.spki.full));
  j["subject_key_info"] = ski;

  nlohmann::ordered_json exts = nlohmann::ordered_json::object();
  nlohmann::ordered_json unknown = nlohmann::ordered_json::array();
  bool has_ct = false;
  for (const pki::Extension& ext : cert.extensions()) {
    const std::string& oid = ext.oid;
    if (oid == pki::kOidKeyUsage) {
      exts["key_usage"] = KeyUsageJson(cert.key_usage());
    } else if (oid == pki::kOidBasicConstraints) {
      nlohmann::ordered_json bc;
      bc["is_ca"] = cert.is_ca();
      if (cert.max_path_len() >= 0) bc["max_path_len"] = cert.max_path_len();
      exts["basic_constraints"] = bc;
    } else if (oid == pki::kOidSubjectAltName) {
      exts["subject_alt_name"] = SansJson(cert.sans());
    } else if (oid == pki::kOidNameConstraints) {
      NameConstraintsView permitted, excluded;
      NameConstraints(ext.value, &permitted, &excluded);
      nlohmann::ordered_json nc;
      nc["critical"] = ext.critical;
      if (!permitted.dns.empty()) nc["permitted_names"] = permitted.dns;
      if (!permitted.email.empty()) nc["permitted_email_addresses"] = permitted.email;
      if (!permitted.ip.empty()) nc["permitted_ip_addresses"] = permitted.ip;
      if (!permitted.uri.empty()) nc["permitted_uris"] = permitted.uri;
      if (!excluded.dns.empty()) nc["excluded_names"] = excluded.dns;
      if (!excluded.email.empty()) nc["excluded_email_addresses"] = excluded.email;
      if (!excluded.ip.empty()) nc["excluded_ip_addresses"] = excluded.ip;
      if (!excluded.uri.empty()) nc["excluded_uris"] = excluded.uri;
      exts["name_constraints"] = nc;
    } else if (oid == pki::kOidCrlDistributionPoints) {
      exts["crl_distribution_points"] = CrlDistributionPoints(ext.value);
    } else if (oid == pki::kOidAuthorityKeyId) {
      exts["authority_key_id"] = HexEncode(cert.authority_key_id());
    } else if (oid == pki::kOidSubjectKeyId) {
      exts["subject_key_id"] = HexEncode(cert.subject_key_id());
    } else if (oid == pki::kOidExtKeyUsage) {
      exts["extended_key_usage"] = EkuJson(cert.ext_key_usage());
    } else if (oid == pki::kOidCertificatePolicies) {
      nlohmann::ordered_json policies = nlohmann::ordered_json::array();
      for (const std::string& policy : PolicyOids(ext.value)) {
        policies.push_back(nlohmann::ordered_json{{"id", policy}});
      }
      exts["certificate_policies"] = policies;
    } else if (oid == pki::kOidAuthorityInfoAccess) {
      std::vector<std::string> ocsp, issuers;
      AuthorityInfoAccess(ext.value, &ocsp, &issuers);
      nlohmann::ordered_json aia = nlohmann::ordered_json::object();
      if (!ocsp.empty()) aia["ocsp_urls"] = ocsp;
      if (!issuers.empty()) aia["issuer_urls"] = issuers;
      exts["authority_info_access"] = aia;
    } else {
      if (oid == "1.3.6.1.4.1.11129.2.4.2" || oid == "1.3.6.1.4.1.11129.2.4.3") has_ct = true;
      nlohmann::ordered_json u;
      u["id"] = OidArray(oid);
      u["critical"] = ext.critical;
      u["value"] = Base64Encode(ext.value);
      unknown.push_back(u);
    }
  }
  if (!exts.empty()) j["extensions"] = exts;
  if (!unknown.empty()) j["unknown_extensions"] = unknown;

  bool self_signed = cert.IsIssuedBy(cert);
  nlohmann::ordered_json sig;
  sig["signature_algorithm"] = sig_alg;
  sig["value"] = Base64Encode(p.signature);
  sig["valid"] = self_signed;
  sig["self_signed"] = self_signed;
  j["signature"] = sig;
  j["fingerprint_sha1"] = HexEncode(crypto::Sha1(cert.der()));
  j["fingerprint_sha256"] = cert.fingerprint_sha256_hex();
  if (!has_ct) j["tbs_noct_fingerprint"] = HexEncode(crypto::Sha256(p.tbs));
  j["spki_subject_fingerprint"] = HexEncode(crypto::Sha256(p.spki.full + p.subject_der));
  j["tbs_fingerprint"] = HexEncode(crypto::Sha256(p.tbs));
  j["validation_level"] = "unknown";
  std::set<std::string> names;
  // zcrypto lists the common name only when it looks like a host name or address.
  std::string cn = cert.subject_cn();
  if (!cn.empty() && cn.find_first_of(" \t") == std::string::npos &&
      (cn.find('.') != std::string::npos || !pki::CanonicalIp(cn).empty())) {
    names.insert(cn);
  }
  for (const std::string& n : cert.dns_names()) names.insert(n);
  for (const std::string& n : cert.uris()) names.insert(n);
  for (const std::string& n : cert.ip_addresses()) names.insert(n);
  if (!names.empty()) j["names"] = std::vector<std::string>(names.begin(), names.end());
  j["redacted"] = false;
  return j;
}

// --- Certificate requests ------------------------------------------------------------------

Result<std::string> CertificateRequestText(const pki::CertificateRequest& csr) {
  CAIRN_ASSIGN_OR_RETURN(ParsedRequest p, ParseRequestDer(csr.der()));
  std::string out = "Certificate Request:\n" + Spaces(4) + "Data:\n";
  out += Spaces(8) + "Version: " + std::to_string(p.version) + " (0x" +
         std::to_string(std::max(p.version - 1, 0)) + ")\n";
  out += Spaces(8) + "Subject:" + (p.subject.empty() ? "" : " " + NameLine(p.subject)) + "\n";
  out += Spaces(8) + "Subject Public Key Info:\n" + PublicKeyText(p.spki);
  std::vector<pki::Extension> exts = csr.extensions();
  if (p.version == 0 && !exts.empty()) {
    out += Spaces(8) + "Requested Extensions:\n";
    std::vector<pki::Extension> unknown;
    for (const pki::Extension& ext : exts) {
      if (ext.oid == pki::kOidSubjectKeyId) {
        der::Reader r(ext.value);
        auto id = r.Expect(der::kOctetString);
        out += ExtHeader("X509v3 Subject Key Identifier", ext) + Spaces(16) +
               HexColonUpper(id.ok() ? *id : std::string_view()) + "\n";
      } else if (ext.oid == pki::kOidSubjectAltName) {
        out += ExtHeader("X509v3 Subject Alternative Name", ext) + SanLines(csr.sans()) +
               OtherNamesText(ext.value);
      } else if (ext.oid == pki::kOidKeyUsage) {
        out += ExtHeader("X509v3 Key Usage", ext) + KeyUsageText(ParseKeyUsageValue(ext.value));
      } else if (ext.oid == pki::kOidBasicConstraints) {
        der::Reader r(ext.value);
        auto seq = r.Expect(der::kSequence);
        bool is_ca = false;
        int64_t path_len = -1;
        if (seq.ok()) {
          der::Reader br(*seq);
          if (br.PeekTag(der::kBoolean)) {
            auto b = br.Expect(der::kBoolean);
            is_ca = b.ok() && !b->empty() && (*b)[0] != 0;
          }
          if (br.PeekTag(der::kInteger)) {
            auto n = br.Expect(der::kInteger);
            if (n.ok()) path_len = der::ParseInt64(*n).value_or(-1);
          }
        }
        out += ExtHeader("X509v3 Basic Constraints", ext) + Spaces(16) +
               (is_ca ? "CA:TRUE" : "CA:FALSE") +
               (path_len >= 0 ? ", pathlen:" + std::to_string(path_len) : std::string()) + "\n";
      } else if (ext.oid == pki::kOidExtKeyUsage) {
        std::vector<std::string> labels;
        for (const std::string& n : EkuNames(ext.value))
          labels.push_back(ExtKeyUsageLabel(n, true));
        out += ExtHeader("X509v3 Extended Key Usage", ext);
        if (!labels.empty()) out += Spaces(16) + Join(labels, ", ") + "\n";
      } else {
        unknown.push_back(ext);
      }
    }
    if (!unknown.empty()) {
      out += Spaces(8) + "Attributes:\n";
      for (const pki::Extension& ext : unknown) {
        std::string text = Sanitize(ext.value);
        out += ExtHeader(ext.oid, ext) + Spaces(16) + text + "\n";
        if (text != ext.value) {
          std::string hex;
          for (size_t i = 0; i < ext.value.size(); ++i) {
            if (i > 0) hex += ":";
            hex += HexByte(static_cast<uint8_t>(ext.value[i]));
          }
          out += Spaces(16) + hex + "\n";
        }
      }
    }
  }
  out += SignatureText(csr.signature_algorithm(), p.signature);
  return out;
}

std::string CertificateRequestShortText(const pki::CertificateRequest& csr) {
  std::string key = "unknown";
  if (auto p = ParseRequestDer(csr.der()); p.ok()) key = ShortKeyDescription(p->spki);
  return "X.509v3 Certificate Signing Request (" + key + ")\n" +
         ShortSubjectLines(csr.subject_cn(), csr.sans());
}

Result<nlohmann::ordered_json> CertificateRequestJson(const pki::CertificateRequest& csr) {
  CAIRN_ASSIGN_OR_RETURN(ParsedRequest p, ParseRequestDer(csr.der()));
  nlohmann::ordered_json j;
  j["Raw"] = Base64Encode(csr.der());
  j["RawTBSCertificateRequest"] = Base64Encode(p.tbs);
  j["RawSubjectPublicKeyInfo"] = Base64Encode(p.spki.full);
  j["RawSubject"] = Base64Encode(csr.raw_subject());
  j["Version"] = p.version;
  j["Signature"] = Base64Encode(p.signature);
  j["SignatureAlgorithm"] = SignatureAlgorithmJson(csr.signature_algorithm(), p.signature_oid);
  std::string key_alg;
  nlohmann::ordered_json key = PublicKeyJson(p.spki, &key_alg);
  j["PublicKeyAlgorithm"] = nlohmann::ordered_json{{"name", key_alg}};
  j["PublicKey"] = key;
  j["Subject"] = NameJson(p.subject);
  nlohmann::ordered_json exts = nlohmann::ordered_json::array();
  for (const pki::Extension& ext : csr.extensions()) {
    nlohmann::ordered_json e;
    e["Id"] = OidArray(ext.oid);
    e["Critical"] = ext.critical;
    e["Value"] = Base64Encode(ext.value);
    exts.push_back(e);
  }
  j["Extensions"] = exts;
  pki::SubjectAltNames sans = csr.sans();
  j["DNSNames"] = sans.dns;
  j["EmailAddresses"] = sans.emails;
  j["IPAddresses"] = sans.ips;
  j["URIs"] = sans.uris;
  return j;
}

}  // namespace cairn::cli::tools
