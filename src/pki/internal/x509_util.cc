#include "pki/internal/x509_util.h"

#include <arpa/inet.h>

#include <algorithm>
#include <ctime>

#include "base/encoding.h"
#include "crypto/der.h"
#include "pki/internal/asn1_string.h"

namespace cairn::pki::internal {
namespace {

// Attribute OIDs of Name's fields.
constexpr const char* kOidCountry = "2.5.4.6";
constexpr const char* kOidOrganization = "2.5.4.10";
constexpr const char* kOidOrganizationalUnit = "2.5.4.11";
constexpr const char* kOidLocality = "2.5.4.7";
constexpr const char* kOidProvince = "2.5.4.8";
constexpr const char* kOidStreetAddress = "2.5.4.9";
constexpr const char* kOidPostalCode = "2.5.4.17";
constexpr const char* kOidSerialNumber = "2.5.4.5";
constexpr const char* kOidCommonName = "2.5.4.3";
// PKCS #9 emailAddress: x509util encodes its string values as IA5String.
constexpr const char* kOidEmailAddress = "1.2.840.113549.1.9.1";

bool IsAscii(std::string_view s);

// AddRdn appends the non-empty `values` of attribute `oid`, all in one (multi-valued) RDN as
// Go's pkix.Name.appendRDNs does. Single-valued RDNs for each extra name use one call each.
Status AddRdn(X509_NAME* name, const std::string& oid, const std::vector<std::string>& values) {
  bool first = true;
  for (const auto& v : values) {
    if (v.empty()) continue;
    if (!IsValidUtf8(v)) return InvalidArgumentError("name attribute is not valid UTF-8");
    if (v.size() > 64 << 10) return InvalidArgumentError("name attribute too long");
    CAIRN_ASSIGN_OR_RETURN(auto obj, TextToObj(oid));
    int type = IsGoPrintable(v) ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
    if (oid == kOidEmailAddress && IsAscii(v)) type = V_ASN1_IA5STRING;
    if (X509_NAME_add_entry_by_OBJ(name, obj.get(), type,
                                   reinterpret_cast<const unsigned char*>(v.data()),
                                   static_cast<int>(v.size()), -1, first ? 0 : -1) != 1) {
      return ossl::ErrorStatus("X509_NAME_add_entry_by_OBJ");
    }
    first = false;
  }
  return Status();
}

std::string Utf8Of(const ASN1_STRING* s) {
  unsigned char* out = nullptr;
  int n = ASN1_STRING_to_UTF8(&out, s);
  if (n < 0) {
    ossl::ClearErrors();
    return AsnString(s);
  }
  std::string r(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return r;
}

// GoAttributeName returns the short name Go's pkix uses in Name.String(), or nullptr.
const char* GoAttributeName(const std::string& oid) {
  if (oid == kOidCountry) return "C";
  if (oid == kOidOrganization) return "O";
  if (oid == kOidOrganizationalUnit) return "OU";
  if (oid == kOidCommonName) return "CN";
  if (oid == kOidSerialNumber) return "SERIALNUMBER";
  if (oid == kOidLocality) return "L";
  if (oid == kOidProvince) return "ST";
  if (oid == kOidStreetAddress) return "STREET";
  if (oid == kOidPostalCode) return "POSTALCODE";
  return nullptr;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) > 0x7f) return false;
  }
  return true;
}

Status PushIa5(GENERAL_NAMES* names, int type, const std::string& value) {
  if (!IsAscii(value)) return InvalidArgumentError("SAN '" + value + "' is not ASCII");
  ossl::UniquePtr<ASN1_STRING> ia5(ASN1_IA5STRING_new());
  ossl::UniquePtr<GENERAL_NAME> gn(GENERAL_NAME_new());
  if (!ia5 || !gn ||
      ASN1_STRING_set(ia5.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return ossl::ErrorStatus("GENERAL_NAME");
  }
  GENERAL_NAME_set0_value(gn.get(), type, ia5.release());
  if (sk_GENERAL_NAME_push(names, gn.get()) == 0) return ossl::ErrorStatus("sk_GENERAL_NAME_push");
  (void)gn.release();
  return Status();
}

}  // namespace

Result<ossl::UniquePtr<X509_NAME>> NameToX509(const Name& n) {
  ossl::UniquePtr<X509_NAME> name(X509_NAME_new());
  if (!name) return ossl::ErrorStatus("X509_NAME_new");
  // Go's pkix.Name.appendRDNs skips an attribute that ExtraNames also sets (ExtraNames win).
  auto add = [&](const char* oid, const std::vector<std::string>& values) -> Status {
    for (const auto& extra : n.extra_names) {
      if (extra.first == oid) return Status();
    }
    return AddRdn(name.get(), oid, values);
  };
  // Order of Go's pkix.Name.ToRDNSequence.
  CAIRN_RETURN_IF_ERROR(add(kOidCountry, n.country));
  CAIRN_RETURN_IF_ERROR(add(kOidProvince, n.province));
  CAIRN_RETURN_IF_ERROR(add(kOidLocality, n.locality));
  CAIRN_RETURN_IF_ERROR(add(kOidStreetAddress, n.street_address));
  CAIRN_RETURN_IF_ERROR(add(kOidPostalCode, n.postal_code));
  CAIRN_RETURN_IF_ERROR(add(kOidOrganization, n.organization));
  CAIRN_RETURN_IF_ERROR(add(kOidOrganizationalUnit, n.organizational_unit));
  CAIRN_RETURN_IF_ERROR(add(kOidCommonName, {n.common_name}));
  CAIRN_RETURN_IF_ERROR(add(kOidSerialNumber, {n.serial_number}));
  for (const auto& [oid, value] : n.extra_names) {
    if (!IsDottedOid(oid)) return InvalidArgumentError("invalid name attribute OID '" + oid + "'");
    CAIRN_RETURN_IF_ERROR(AddRdn(name.get(), oid, {value}));
  }
  return name;
}

Name X509ToName(const X509_NAME* x) {
  Name n;
  const int count = X509_NAME_entry_count(x);
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(x, i);
    const std::string oid = ObjToText(X509_NAME_ENTRY_get_object(e));
    std::string value = Utf8Of(X509_NAME_ENTRY_get_data(e));
    if (oid == kOidCountry) {
      n.country.push_back(std::move(value));
    } else if (oid == kOidOrganization) {
      n.organization.push_back(std::move(value));
    } else if (oid == kOidOrganizationalUnit) {
      n.organizational_unit.push_back(std::move(value));
    } else if (oid == kOidLocality) {
      n.locality.push_back(std::move(value));
    } else if (oid == kOidProvince) {
      n.province.push_back(std::move(value));
    } else if (oid == kOidStreetAddress) {
      n.street_address.push_back(std::move(value));
    } else if (oid == kOidPostalCode) {
      n.postal_code.push_back(std::move(value));
    } else if (oid == kOidSerialNumber) {
      n.serial_number = std::move(value);
    } else if (oid == kOidCommonName) {
      n.common_name = std::move(value);  // the last one wins, as in Go
    } else {
      n.extra_names.emplace_back(oid, std::move(value));
    }
  }
  return n;
}

std::string NameToString(const X509_NAME* name) {
  // Go's pkix.RDNSequence.String: RDNs last to first, the values of one RDN in DER order
  // joined by '+', short names for the attributes Go knows, "<oid>=#<hex DER>" for others.
  struct Rdn {
    std::vector<const X509_NAME_ENTRY*> entries;
  };
  std::vector<Rdn> rdns;
  int last_set = -1;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    const int set = X509_NAME_ENTRY_set(e);
    if (rdns.empty() || set != last_set) rdns.emplace_back();
    rdns.back().entries.push_back(e);
    last_set = set;
  }
  std::string out;
  for (auto rdn = rdns.rbegin(); rdn != rdns.rend(); ++rdn) {
    if (!out.empty()) out += ',';
    bool first = true;
    for (const X509_NAME_ENTRY* e : rdn->entries) {
      if (!first) out += '+';
      first = false;
      const std::string oid = ObjToText(X509_NAME_ENTRY_get_object(e));
      const std::string value = Utf8Of(X509_NAME_ENTRY_get_data(e));
      const char* short_name = GoAttributeName(oid);
      if (short_name == nullptr) {
        const uint8_t tag = IsGoPrintable(value) ? 0x13 : 0x0c;
        out += oid + "=#" + HexEncode(crypto::der::Tlv(tag, value));
        continue;
      }
      out += short_name;
      out += '=';
      for (size_t k = 0; k < value.size(); ++k) {
        const char c = value[k];
        bool escape = false;
        switch (c) {
          case ',':
          case '+':
          case '"':
          case '\\':
          case '<':
          case '>':
          case ';':
            escape = true;
            break;
          case ' ':
            escape = k == 0 || k == value.size() - 1;
            break;
          case '#':
            escape = k == 0;
            break;
          default:
            break;
        }
        if (escape) out += '\\';
        out += c;
      }
    }
  }
  return out;
}

std::string NameCommonName(const X509_NAME* name) {
  std::string cn;
  int pos = -1;
  while ((pos = X509_NAME_get_index_by_NID(name, NID_commonName, pos)) >= 0) {
    cn = Utf8Of(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, pos)));
  }
  return cn;
}

std::string NameDer(const X509_NAME* name) {
  unsigned char* out = nullptr;
  int n = i2d_X509_NAME(name, &out);
  if (n <= 0) {
    ossl::ClearErrors();
    return std::string();
  }
  std::string r(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return r;
}

std::string ObjToText(const ASN1_OBJECT* obj) {
  char buf[256];
  int n = OBJ_obj2txt(buf, sizeof(buf), obj, /*no_name=*/1);
  if (n <= 0) return std::string();
  if (static_cast<size_t>(n) < sizeof(buf)) return std::string(buf, static_cast<size_t>(n));
  std::string big(static_cast<size_t>(n) + 1, '\0');
  OBJ_obj2txt(big.data(), static_cast<int>(big.size()), obj, 1);
  big.resize(static_cast<size_t>(n));
  return big;
}

Result<ossl::UniquePtr<ASN1_OBJECT>> TextToObj(const std::string& oid) {
  if (!IsDottedOid(oid)) return InvalidArgumentError("invalid OID '" + oid + "'");
  ossl::UniquePtr<ASN1_OBJECT> obj(OBJ_txt2obj(oid.c_str(), /*no_name=*/1));
  if (!obj) {
    ossl::ClearErrors();
    return InvalidArgumentError("invalid OID '" + oid + "'");
  }
  return obj;
}

std::string AsnString(const ASN1_STRING* s) {
  if (s == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

Time ToTime(const ASN1_TIME* t) {
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    ossl::ClearErrors();
    return Time();
  }
  // Clamp times Time cannot hold, such as RFC 5280's 99991231235959Z for "no well-defined
  // expiration", rather than overflow.
  const int64_t secs = static_cast<int64_t>(timegm(&tm));
  return FromUnixSeconds(std::clamp(secs, -kMaxUnixSeconds, kMaxUnixSeconds));
}

Status SetTime(ASN1_TIME* out, Time t) {
  const int64_t secs = ToUnixSeconds(t);
  // 0000-01-01 .. 9999-12-31T23:59:59Z is what GeneralizedTime can carry.
  if (secs < -62167219200 || secs > 253402300799) {
    return InvalidArgumentError("certificate time out of range");
  }
  if (ASN1_TIME_set(out, static_cast<time_t>(secs)) == nullptr) {
    return ossl::ErrorStatus("ASN1_TIME_set", StatusCode::kInvalidArgument);
  }
  return Status();
}

SubjectAltNames ParseGeneralNames(const GENERAL_NAMES* names) {
  SubjectAltNames out;
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    int type = 0;
    const void* value = GENERAL_NAME_get0_value(gn, &type);
    switch (type) {
      case GEN_DNS:
        out.dns.push_back(AsnString(static_cast<const ASN1_STRING*>(value)));
        break;
      case GEN_EMAIL:
        out.emails.push_back(AsnString(static_cast<const ASN1_STRING*>(value)));
        break;
      case GEN_URI:
        out.uris.push_back(AsnString(static_cast<const ASN1_STRING*>(value)));
        break;
      case GEN_IPADD: {
        const std::string raw = AsnString(static_cast<const ASN1_STRING*>(value));
        char buf[INET6_ADDRSTRLEN];
        if (raw.size() == 4 && inet_ntop(AF_INET, raw.data(), buf, sizeof(buf))) {
          out.ips.emplace_back(buf);
        } else if (raw.size() == 16 && inet_ntop(AF_INET6, raw.data(), buf, sizeof(buf))) {
          out.ips.emplace_back(buf);
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

Result<ossl::UniquePtr<GENERAL_NAMES>> BuildGeneralNames(const SubjectAltNames& sans) {
  ossl::UniquePtr<GENERAL_NAMES> names(sk_GENERAL_NAME_new_null());
  if (!names) return ossl::ErrorStatus("sk_GENERAL_NAME_new_null");
  for (const auto& d : sans.dns) CAIRN_RETURN_IF_ERROR(PushIa5(names.get(), GEN_DNS, d));
  for (const auto& e : sans.emails) CAIRN_RETURN_IF_ERROR(PushIa5(names.get(), GEN_EMAIL, e));
  for (const auto& ip : sans.ips) {
    unsigned char buf[16];
    int len = 0;
    if (inet_pton(AF_INET, ip.c_str(), buf) == 1) {
      len = 4;
    } else if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) {
      len = 16;
    } else {
      return InvalidArgumentError("invalid IP address '" + ip + "'");
    }
    ossl::UniquePtr<ASN1_STRING> os(ASN1_OCTET_STRING_new());
    ossl::UniquePtr<GENERAL_NAME> gn(GENERAL_NAME_new());
    if (!os || !gn || ASN1_OCTET_STRING_set(os.get(), buf, len) != 1) {
      return ossl::ErrorStatus("GENERAL_NAME");
    }
    GENERAL_NAME_set0_value(gn.get(), GEN_IPADD, os.release());
    if (sk_GENERAL_NAME_push(names.get(), gn.get()) == 0) {
      return ossl::ErrorStatus("sk_GENERAL_NAME_push");
    }
    (void)gn.release();
  }
  for (const auto& u : sans.uris) CAIRN_RETURN_IF_ERROR(PushIa5(names.get(), GEN_URI, u));
  return names;
}

Extension ExtensionFrom(const X509_EXTENSION* ext) {
  Extension e;
  e.oid = ObjToText(X509_EXTENSION_get_object(const_cast<X509_EXTENSION*>(ext)));
  e.critical = X509_EXTENSION_get_critical(ext) == 1;
  e.value = AsnString(X509_EXTENSION_get_data(const_cast<X509_EXTENSION*>(ext)));
  return e;
}

Result<ossl::UniquePtr<X509_EXTENSION>> MakeExtension(const Extension& ext) {
  CAIRN_ASSIGN_OR_RETURN(auto obj, TextToObj(ext.oid));
  ossl::UniquePtr<ASN1_STRING> value(ASN1_OCTET_STRING_new());
  if (!value ||
      ASN1_OCTET_STRING_set(value.get(), reinterpret_cast<const unsigned char*>(ext.value.data()),
                            static_cast<int>(ext.value.size())) != 1) {
    return ossl::ErrorStatus("ASN1_OCTET_STRING_set");
  }
  ossl::UniquePtr<X509_EXTENSION> out(
      X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), ext.critical ? 1 : 0, value.get()));
  if (!out) return ossl::ErrorStatus("X509_EXTENSION_create_by_OBJ");
  return out;
}

}  // namespace cairn::pki::internal
