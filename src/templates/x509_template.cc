#include "templates/x509_template.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "base/duration.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/der.h"
#include "pki/extension.h"
#include "templates/x509_asn1.h"

namespace cairn::templates {
namespace {

using Json = nlohmann::ordered_json;
namespace der = crypto::der;
using x509_internal::EncodeOid;
using x509_internal::EncodeOidContents;

// Go's zero time.Time, 0001-01-01T00:00:00Z: x509util leaves notBefore/notAfter at it when the
// template does not set them.
constexpr const char* kGoZeroTime = "0001-01-01T00:00:00";

// ParseTime is ParseRfc3339 limited to the years a Time (nanoseconds since 1970 in 64 bits)
// holds.
Result<Time> ParseTime(const std::string& text) {
  int year = -1;
  if (text.size() >= 4 &&
      std::all_of(text.begin(), text.begin() + 4, [](char c) { return c >= '0' && c <= '9'; })) {
    year = std::stoi(text.substr(0, 4));
  }
  if (year >= 0 && (year < 1678 || year > 2261)) {
    return InvalidArgumentError("time \"" + text + "\" is out of range");
  }
  return ParseRfc3339(text);
}

Status FieldError(const std::string& field, const std::string& message) {
  return InvalidArgumentError(field + ": " + message);
}

// Kind returns a word for a JSON value's type, for error messages.
std::string Kind(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    default:
      return "a number";
  }
}

Result<Json> ParseJsonText(std::string_view text, const std::string& what) {
  return x509_internal::ParseFirstJsonValue(text, what, kMaxRenderedTemplate,
                                            kMaxTemplateJsonDepth);
}

// Fields indexes an object's members by lower-cased key; a later duplicate (or a key differing
// only in case) replaces an earlier one, as Go's decoder assigns them in order.
using Fields = std::map<std::string, const Json*>;

Fields IndexObject(const Json& obj) {
  Fields out;
  for (auto it = obj.begin(); it != obj.end(); ++it) out[ToLower(it.key())] = &it.value();
  return out;
}

const Json* Get(const Fields& f, const char* lower_key) {
  auto it = f.find(lower_key);
  return it == f.end() ? nullptr : it->second;
}

bool IsNull(const Json* v) { return v == nullptr || v->is_null(); }

Result<std::string> GetString(const Json* v, const std::string& field) {
  if (IsNull(v)) return std::string();
  if (!v->is_string()) return FieldError(field, "must be a string, not " + Kind(*v));
  return v->get<std::string>();
}

Result<bool> GetBool(const Json* v, const std::string& field) {
  if (IsNull(v)) return false;
  if (!v->is_boolean()) return FieldError(field, "must be a boolean, not " + Kind(*v));
  return v->get<bool>();
}

Result<int64_t> GetInt(const Json* v, const std::string& field) {
  if (IsNull(v)) return int64_t{0};
  if (v->is_number_integer() && !v->is_number_unsigned()) return v->get<int64_t>();
  if (v->is_number_unsigned() && v->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->get<uint64_t>());
  }
  return FieldError(field, "must be an integer");
}

// GetMultiString decodes x509util's MultiString: a string, or an array of strings (null: none).
Result<std::vector<std::string>> GetMultiString(const Json* v, const std::string& field,
                                                size_t max_items = kMaxTemplateListItems) {
  std::vector<std::string> out;
  if (IsNull(v)) return out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
    return out;
  }
  if (!v->is_array()) return FieldError(field, "must be a string or an array of strings");
  if (v->size() > max_items) {
    return FieldError(field, "has more than " + std::to_string(max_items) + " items");
  }
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    if (!item.is_string()) {
      return FieldError(field + "[" + std::to_string(i) + "]",
                        "must be a string, not " + Kind(item));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

// GetBytes decodes a Go []byte: a base64 string (null or "": none).
Result<std::string> GetBytes(const Json* v, const std::string& field) {
  if (IsNull(v)) return std::string();
  if (!v->is_string()) return FieldError(field, "must be a base64 string, not " + Kind(*v));
  auto decoded = Base64Decode(v->get<std::string>());
  if (!decoded.ok()) return FieldError(field, "invalid base64");
  return std::move(decoded).value();
}

Status CheckOid(const std::string& oid, const std::string& field) {
  if (!pki::IsDottedOid(oid)) {
    return FieldError(field, "'" + oid + "' is not a valid object identifier");
  }
  return Status();
}

// --- Names ----------------------------------------------------------------------------------

Result<pki::Name> ParseName(const Json* v, const std::string& field) {
  pki::Name n;
  if (IsNull(v)) return n;
  // x509util.Name.UnmarshalJSON: a string is the common name.
  if (v->is_string()) {
    n.common_name = v->get<std::string>();
    return n;
  }
  if (!v->is_object()) return FieldError(field, "must be an object or a string, not " + Kind(*v));
  const Fields f = IndexObject(*v);
  CAIRN_ASSIGN_OR_RETURN(n.country, GetMultiString(Get(f, "country"), field + ".country"));
  CAIRN_ASSIGN_OR_RETURN(n.organization,
                         GetMultiString(Get(f, "organization"), field + ".organization"));
  CAIRN_ASSIGN_OR_RETURN(n.organizational_unit, GetMultiString(Get(f, "organizationalunit"),
                                                               field + ".organizationalUnit"));
  CAIRN_ASSIGN_OR_RETURN(n.locality, GetMultiString(Get(f, "locality"), field + ".locality"));
  CAIRN_ASSIGN_OR_RETURN(n.province, GetMultiString(Get(f, "province"), field + ".province"));
  CAIRN_ASSIGN_OR_RETURN(n.street_address,
                         GetMultiString(Get(f, "streetaddress"), field + ".streetAddress"));
  CAIRN_ASSIGN_OR_RETURN(n.postal_code,
                         GetMultiString(Get(f, "postalcode"), field + ".postalCode"));
  CAIRN_ASSIGN_OR_RETURN(n.serial_number,
                         GetString(Get(f, "serialnumber"), field + ".serialNumber"));
  CAIRN_ASSIGN_OR_RETURN(n.common_name, GetString(Get(f, "commonname"), field + ".commonName"));
  const Json* extra = Get(f, "extranames");
  if (!IsNull(extra)) {
    const std::string ef = field + ".extraNames";
    if (!extra->is_array()) return FieldError(ef, "must be an array");
    if (extra->size() > kMaxTemplateListItems) return FieldError(ef, "has too many items");
    for (size_t i = 0; i < extra->size(); ++i) {
      const std::string item_field = ef + "[" + std::to_string(i) + "]";
      const Json& item = (*extra)[i];
      if (!item.is_object()) return FieldError(item_field, "must be an object");
      const Fields ef_fields = IndexObject(item);
      CAIRN_ASSIGN_OR_RETURN(std::string type,
                             GetString(Get(ef_fields, "type"), item_field + ".type"));
      CAIRN_RETURN_IF_ERROR(CheckOid(type, item_field + ".type"));
      const Json* value = Get(ef_fields, "value");
      // x509util keeps any JSON value and lets encoding/asn1 marshal it; strings are what
      // names carry (and all pki::Name holds).
      if (IsNull(value) || !value->is_string()) {
        return FieldError(item_field + ".value", "must be a string");
      }
      n.extra_names.emplace_back(std::move(type), value->get<std::string>());
    }
  }
  return n;
}

// --- SANs -----------------------------------------------------------------------------------

// IpText returns the canonical text of an IP as Go's net.ParseIP + String would (IPv4-mapped
// IPv6 addresses become IPv4, so they are encoded in 4 octets as Go's x509 does), or "".
std::string IpText(const std::string& s) { return pki::CanonicalIp(s); }

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n;
  }
  return true;
}

// IsPrintable is go.step.sm's asn1utils.IsPrintableString(s, asterisk=true, ampersand=true).
bool IsPrintable(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == ' ' || c == '\'' || c == '(' || c == ')' || c == '+' || c == ',' ||
                    c == '-' || c == '.' || c == '/' || c == ':' || c == '=' || c == '?' ||
                    c == '*' || c == '&';
    if (!ok) return false;
  }
  return true;
}

// ParseAsn1Time reads the times step's ASN.1 helpers accept: Go's Time.String() layout
// ("2006-01-02 15:04:05.999999999 -0700 MST", what `{{ now }}` prints) or RFC 3339.
Result<Time> ParseAsn1Time(const std::string& s) {
  if (auto t = ParseTime(s); t.ok()) return t;
  // "YYYY-MM-DD HH:MM:SS[.frac] ±HHMM ZONE" -> RFC 3339.
  const size_t zone_sep = s.rfind(' ');
  if (s.size() > 19 && s[10] == ' ' && zone_sep != std::string::npos && zone_sep > 20) {
    const size_t off_sep = s.rfind(' ', zone_sep - 1);
    if (off_sep != std::string::npos && off_sep >= 19 && zone_sep - off_sep == 6) {
      const std::string off = s.substr(off_sep + 1, 5);
      std::string rfc = s.substr(0, 10) + "T" + s.substr(11, off_sep - 11) + off.substr(0, 3) +
                        ":" + off.substr(3, 2);
      if (auto t = ParseTime(rfc); t.ok()) return t;
    }
  }
  return InvalidArgumentError("invalid time '" + s + "'");
}

std::string TwoDigits(int v) {
  std::string s = std::to_string(v);
  return s.size() < 2 ? "0" + s : s;
}

// AsnTime returns UTCTime ("YYMMDDHHMMSSZ") or GeneralizedTime ("YYYYMMDDHHMMSSZ") text.
Result<std::string> AsnTime(Time t, bool utc) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{secs - day};
  const int year = static_cast<int>(ymd.year());
  if (utc && (year < 1950 || year > 2049)) {
    return InvalidArgumentError("cannot represent time as UTCTime");
  }
  if (year < 0 || year > 9999) return InvalidArgumentError("cannot represent time");
  std::string y = std::to_string(year);
  y = std::string(4 - y.size(), '0') + y;
  if (utc) y = y.substr(2);
  return y + TwoDigits(static_cast<int>(static_cast<unsigned>(ymd.month()))) +
         TwoDigits(static_cast<int>(static_cast<unsigned>(ymd.day()))) +
         TwoDigits(static_cast<int>(hms.hours().count())) +
         TwoDigits(static_cast<int>(hms.minutes().count())) +
         TwoDigits(static_cast<int>(hms.seconds().count())) + "Z";
}

// MarshalValue is x509util's marshalValue(value, "explicit,"+params) for otherName SANs: the
// value as an ASN.1 type named in `params` (printable when none), wrapped in [0] EXPLICIT;
// "raw" takes base64 DER as is, without the wrapper.
Result<std::string> MarshalOtherValue(const std::string& value, const std::string& params) {
  std::string type;
  for (const auto& part : Split(params, ',')) {
    if (part == "utf8" || part == "ia5" || part == "numeric" || part == "printable" ||
        part == "int" || part == "oid" || part == "bool" || part == "boolean" || part == "utc" ||
        part == "generalized" || part == "raw") {
      type = part;
    } else if (part == "application" || part == "private" || part == "set") {
      // encoding/asn1 would honour these; Cairn does not re-implement that tagging.
      return InvalidArgumentError("unsupported ASN.1 parameter '" + part + "'");
    }
    // Anything else is ignored, as encoding/asn1 ignores unknown parameters.
  }
  std::string inner;
  if (type == "raw") {
    // base64.StdEncoding: padded, length a multiple of four.
    if (value.size() % 4 != 0) return InvalidArgumentError("invalid raw value (base64)");
    auto bytes = Base64Decode(value);
    if (!bytes.ok()) return InvalidArgumentError("invalid raw value (base64)");
    return std::move(bytes).value();
  } else if (type == "int") {
    // strconv.Atoi: optional sign, decimal digits, int64 range.
    std::string_view d = value;
    bool neg = false;
    if (!d.empty() && (d[0] == '+' || d[0] == '-')) {
      neg = d[0] == '-';
      d.remove_prefix(1);
    }
    uint64_t mag = 0;
    if (d.empty() || !x509_internal::UnsignedDecimalToUint64(d, &mag) ||
        mag > static_cast<uint64_t>(INT64_MAX) + (neg ? 1 : 0)) {
      return InvalidArgumentError("invalid int value");
    }
    const int64_t v = neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
    inner = der::Int64(v);
  } else if (type == "oid") {
    auto oid = EncodeOid(value);
    if (!oid.ok()) return InvalidArgumentError("invalid oid value");
    inner = std::move(oid).value();
  } else if (type == "utf8") {
    if (!IsValidUtf8(value)) return InvalidArgumentError("invalid utf8 value");
    inner = der::Tlv(der::kUtf8String, value);
  } else if (type == "ia5") {
    if (!IsAscii(value)) return InvalidArgumentError("invalid ia5 value");
    inner = der::Tlv(der::kIa5String, value);
  } else if (type == "numeric") {
    if (!std::all_of(value.begin(), value.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == ' '; })) {
      return InvalidArgumentError("invalid numeric value");
    }
    inner = der::Tlv(0x12, value);
  } else if (type == "utc" || type == "generalized") {
    auto t = ParseAsn1Time(value);
    if (!t.ok()) return InvalidArgumentError("invalid " + type + " value");
    CAIRN_ASSIGN_OR_RETURN(std::string text, AsnTime(*t, type == "utc"));
    inner = der::Tlv(type == "utc" ? 0x17 : 0x18, text);
  } else if (type == "bool" || type == "boolean") {
    // strconv.ParseBool.
    static const char* kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char* kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
    int b = -1;
    for (const char* t : kTrue) {
      if (value == t) b = 1;
    }
    for (const char* f : kFalse) {
      if (value == f) b = 0;
    }
    if (b < 0) return InvalidArgumentError("invalid bool value");
    inner = der::Tlv(der::kBoolean, b ? std::string(1, '\xff') : std::string(1, '\0'));
  } else {
    if (!IsPrintable(value)) return InvalidArgumentError("invalid printable value");
    inner = der::Tlv(der::kPrintableString, value);
  }
  return der::Tlv(der::ContextTag(0, true), inner);
}

// OtherName returns the GeneralName otherName [0] { type-id, [0] EXPLICIT value } where
// `explicit_value` already carries the [0] wrapper.
Result<std::string> OtherName(std::string_view oid, const std::string& explicit_value) {
  CAIRN_ASSIGN_OR_RETURN(std::string type_id, EncodeOid(oid));
  return der::Tlv(der::ContextTag(0, true), type_id + explicit_value);
}

constexpr const char* kOidPermanentIdentifier = "1.3.6.1.5.5.7.8.3";
constexpr const char* kOidHardwareModuleName = "1.3.6.1.5.5.7.8.4";
constexpr const char* kOidUserPrincipalName = "1.3.6.1.4.1.311.20.2.3";

// SanJsonData returns what x509util unmarshals for the SAN kinds whose value is JSON: the
// asn1Value when present, else the value's text parsed as JSON.
Result<std::optional<Json>> SanJsonData(const Json* asn1_value, const std::string& value) {
  if (!IsNull(asn1_value)) return std::optional<Json>(*asn1_value);
  if (value.empty()) return std::optional<Json>();
  CAIRN_ASSIGN_OR_RETURN(Json j, ParseJsonText(value, "value"));
  return std::optional<Json>(std::move(j));
}

// EncodeExtendedSan encodes one SAN of a kind pki::SubjectAltNames does not hold, as
// x509util's SubjectAlternativeName.RawValue does.
Result<std::string> EncodeExtendedSan(const std::string& type, const std::string& value,
                                      const Json* asn1_value) {
  if (type == "registeredID") {
    if (value.empty()) return InvalidArgumentError("empty registeredID value is not allowed");
    auto oid = EncodeOidContents(value);
    if (!oid.ok()) return InvalidArgumentError("error parsing OID for registeredID SAN");
    return der::Tlv(der::ContextTag(8, false), *oid);
  }
  if (type == "permanentIdentifier") {
    // PermanentIdentifier ::= SEQUENCE { identifierValue UTF8String OPTIONAL,
    //                                     assigner OBJECT IDENTIFIER OPTIONAL } (RFC 4043)
    std::string identifier, assigner;
    if (!IsNull(asn1_value)) {
      if (!asn1_value->is_object()) {
        return InvalidArgumentError("error unmarshaling PermanentIdentifier SAN");
      }
      const Fields f = IndexObject(*asn1_value);
      CAIRN_ASSIGN_OR_RETURN(identifier, GetString(Get(f, "identifier"), "asn1Value.identifier"));
      CAIRN_ASSIGN_OR_RETURN(assigner, GetString(Get(f, "assigner"), "asn1Value.assigner"));
    } else {
      identifier = value;
    }
    std::string body;
    if (!identifier.empty()) {
      if (!IsValidUtf8(identifier)) return InvalidArgumentError("invalid permanentIdentifier");
      body += der::Tlv(der::kUtf8String, identifier);
    }
    if (!assigner.empty()) {
      auto oid = EncodeOid(assigner);
      if (!oid.ok()) return InvalidArgumentError("error marshaling PermanentIdentifier SAN");
      body += *oid;
    }
    return OtherName(kOidPermanentIdentifier,
                     der::Tlv(der::ContextTag(0, true), der::Tlv(der::kSequence, body)));
  }
  if (type == "hardwareModuleName") {
    // HardwareModuleName ::= SEQUENCE { hwType OBJECT IDENTIFIER, hwSerialNum OCTET STRING }
    // (RFC 4108). x509util tags hwSerialNum [4] IMPLICIT ("asn1:tag:4"); so do we.
    CAIRN_ASSIGN_OR_RETURN(auto data, SanJsonData(asn1_value, value));
    if (!data) {
      return InvalidArgumentError("empty HardwareModuleName value or asn1Value is not allowed");
    }
    if (!data->is_object()) {
      return InvalidArgumentError("error unmarshaling HardwareModuleName SAN");
    }
    const Fields f = IndexObject(*data);
    CAIRN_ASSIGN_OR_RETURN(std::string hw_type, GetString(Get(f, "type"), "type"));
    CAIRN_ASSIGN_OR_RETURN(std::string serial, GetBytes(Get(f, "serialnumber"), "serialNumber"));
    auto oid = EncodeOid(hw_type);
    if (!oid.ok()) return InvalidArgumentError("error marshaling HardwareModuleName SAN");
    return OtherName(
        kOidHardwareModuleName,
        der::Tlv(der::ContextTag(0, true),
                 der::Tlv(der::kSequence, *oid + der::Tlv(der::ContextTag(4, false), serial))));
  }
  if (type == "dn") {
    CAIRN_ASSIGN_OR_RETURN(auto data, SanJsonData(asn1_value, value));
    if (!data) return InvalidArgumentError("empty DirectoryName value or asn1Value is not allowed");
    CAIRN_ASSIGN_OR_RETURN(pki::Name name, ParseName(&*data, "value"));
    auto encoded = pki::EncodeNameDer(name);
    if (!encoded.ok() || *encoded == std::string("\x30\x00", 2)) {
      return InvalidArgumentError("empty or malformed DirectoryName");
    }
    return der::Tlv(der::ContextTag(4, true), *encoded);
  }
  if (type == "userPrincipalName") {
    if (value.empty()) return InvalidArgumentError("empty UserPrincipalName value is not allowed");
    if (!IsValidUtf8(value)) return InvalidArgumentError("invalid UserPrincipalName value");
    return OtherName(kOidUserPrincipalName,
                     der::Tlv(der::ContextTag(0, true), der::Tlv(der::kUtf8String, value)));
  }
  if (type == "x400Address" || type == "ediPartyName") {
    return InvalidArgumentError("unimplemented SAN type " + type);
  }
  // Any other type must be an OID: an otherName whose value is "[asn1type:]value".
  if (!EncodeOidContents(type).ok()) return InvalidArgumentError("unsupported SAN type " + type);
  std::string params = "printable";
  std::string v = value;
  if (const size_t colon = value.find(':'); colon != std::string::npos) {
    params = value.substr(0, colon);
    v = value.substr(colon + 1);
  }
  auto marshaled = MarshalOtherValue(v, params);
  if (!marshaled.ok()) {
    return InvalidArgumentError("error marshaling ASN.1 value '" + value +
                                "': " + marshaled.status().message());
  }
  return OtherName(type, *marshaled);
}

// SanSink collects the SANs of a template in pki's two containers.
struct SanSink {
  pki::SubjectAltNames* sans;
  std::vector<pki::OtherSan>* others;
  size_t count = 0;

  Status Bump(const std::string& field) {
    if (++count > kMaxTemplateSans) {
      return FieldError(
          field, "more than " + std::to_string(kMaxTemplateSans) + " subject alternative names");
    }
    return Status();
  }
};

Status AddIps(SanSink& sink, const std::vector<std::string>& ips, const std::string& field) {
  for (const auto& ip : ips) {
    if (ip.empty()) continue;
    std::string text = IpText(ip);
    if (text.empty()) return FieldError(field, "ip " + ip + " is not valid");
    CAIRN_RETURN_IF_ERROR(sink.Bump(field));
    sink.sans->ips.push_back(std::move(text));
  }
  return Status();
}

Status AddStrings(SanSink& sink, std::vector<std::string>* into,
                  const std::vector<std::string>& values, const std::string& field) {
  for (const auto& v : values) {
    if (v.empty()) continue;
    CAIRN_RETURN_IF_ERROR(sink.Bump(field));
    into->push_back(v);
  }
  return Status();
}

Status AddSanEntries(SanSink& sink, const Json* sans) {
  if (IsNull(sans)) return Status();
  if (!sans->is_array()) return FieldError("sans", "must be an array");
  if (sans->size() > kMaxTemplateSans) {
    return FieldError("sans", "more than " + std::to_string(kMaxTemplateSans) + " items");
  }
  for (size_t i = 0; i < sans->size(); ++i) {
    const std::string field = "sans[" + std::to_string(i) + "]";
    const Json& item = (*sans)[i];
    if (!item.is_object()) return FieldError(field, "must be an object");
    const Fields f = IndexObject(item);
    CAIRN_ASSIGN_OR_RETURN(std::string type, GetString(Get(f, "type"), field + ".type"));
    CAIRN_ASSIGN_OR_RETURN(std::string value, GetString(Get(f, "value"), field + ".value"));
    const Json* asn1_value = Get(f, "asn1value");
    if (value.empty() && IsNull(asn1_value)) continue;  // x509util skips empty SANs
    if (type == "dns") {
      CAIRN_RETURN_IF_ERROR(AddStrings(sink, &sink.sans->dns, {value}, field));
    } else if (type == "email") {
      CAIRN_RETURN_IF_ERROR(AddStrings(sink, &sink.sans->emails, {value}, field));
    } else if (type == "ip") {
      CAIRN_RETURN_IF_ERROR(AddIps(sink, {value}, field));
    } else if (type == "uri") {
      CAIRN_RETURN_IF_ERROR(AddStrings(sink, &sink.sans->uris, {value}, field));
    } else if (type.empty() || type == "auto") {
      if (value.empty()) continue;
      const pki::SubjectAltNames split = pki::SplitSans({value});
      CAIRN_RETURN_IF_ERROR(AddStrings(sink, &sink.sans->dns, split.dns, field));
      CAIRN_RETURN_IF_ERROR(AddStrings(sink, &sink.sans->emails, split.emails, field));
      CAIRN_RETURN_IF_ERROR(AddIps(sink, split.ips, field));
      CAIRN_RETURN_IF_ERROR(AddStrings(sink, &sink.sans->uris, split.uris, field));
    } else {
      auto encoded = EncodeExtendedSan(type, value, asn1_value);
      if (!encoded.ok()) return FieldError(field, encoded.status().message());
      CAIRN_RETURN_IF_ERROR(sink.Bump(field));
      std::string shown = value;
      if (shown.empty() && !IsNull(asn1_value)) shown = asn1_value->dump();
      sink.others->push_back(pki::OtherSan{type, std::move(shown), std::move(encoded).value()});
    }
  }
  return Status();
}

// --- Other fields ---------------------------------------------------------------------------

Result<std::optional<Time>> GetTime(const Json* v, const std::string& field) {
  if (IsNull(v)) return std::optional<Time>();
  if (!v->is_string()) return FieldError(field, "must be an RFC 3339 time string");
  const std::string text = v->get<std::string>();
  // Go's zero time (what x509util marshals for an unset time) means unset.
  if (text.rfind(kGoZeroTime, 0) == 0) return std::optional<Time>();
  auto t = ParseTime(text);
  if (!t.ok()) return FieldError(field, t.status().message());
  return std::optional<Time>(*t);
}

Result<std::optional<std::string>> GetSerial(const Json* v) {
  if (IsNull(v)) return std::optional<std::string>();
  x509_internal::GoBigInt n;
  if (v->is_string()) {
    auto parsed = x509_internal::ParseGoBigInt(v->get<std::string>());
    if (!parsed.ok()) return FieldError("serialNumber", parsed.status().message());
    n = std::move(parsed).value();
  } else if (v->is_number_integer()) {
    CAIRN_ASSIGN_OR_RETURN(int64_t i, GetInt(v, "serialNumber"));
    n.negative = i < 0;
    n.decimal = std::to_string(i < 0 ? -static_cast<uint64_t>(i) : static_cast<uint64_t>(i));
  } else {
    return FieldError("serialNumber", "must be an integer or a string");
  }
  if (n.negative || n.decimal == "0") return FieldError("serialNumber", "must be positive");
  return std::optional<std::string>(n.decimal);
}

// kSignatureAlgorithms are x509util's names (matched ignoring case).
constexpr const char* kSignatureAlgorithms[] = {
    "MD2-RSA",       "MD5-RSA",       "SHA1-RSA",      "SHA256-RSA",
    "SHA384-RSA",    "SHA512-RSA",    "DSA-SHA1",      "DSA-SHA256",
    "ECDSA-SHA1",    "ECDSA-SHA256",  "ECDSA-SHA384",  "ECDSA-SHA512",
    "SHA256-RSAPSS", "SHA384-RSAPSS", "SHA512-RSAPSS", "Ed25519"};

Status CheckCidrs(const std::vector<std::string>& ranges, const std::string& field) {
  for (const auto& r : ranges) {
    const size_t slash = r.find('/');
    bool ok = slash != std::string::npos && !pki::CanonicalIp(r.substr(0, slash)).empty();
    if (ok) {
      const std::string bits = r.substr(slash + 1);
      const bool v4 = r.find(':') == std::string::npos;
      ok = !bits.empty() && bits.size() <= 3 &&
           std::all_of(bits.begin(), bits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
           !(bits.size() > 1 && bits[0] == '0') && std::stoi(bits) <= (v4 ? 32 : 128);
    }
    if (!ok) return FieldError(field, "invalid CIDR address: " + r);
  }
  return Status();
}

Status ParseNameConstraints(const Json* v, ParsedX509& out) {
  if (IsNull(v)) return Status();
  if (!v->is_object()) return FieldError("nameConstraints", "must be an object");
  const Fields f = IndexObject(*v);
  pki::NameConstraints& nc = out.tmpl.name_constraints;
  CAIRN_ASSIGN_OR_RETURN(nc.critical, GetBool(Get(f, "critical"), "nameConstraints.critical"));
  struct ListField {
    const char* key;
    const char* name;
    std::vector<std::string>* into;
  };
  const ListField lists[] = {
      {"permitteddnsdomains", "permittedDNSDomains", &nc.permitted_dns_domains},
      {"excludeddnsdomains", "excludedDNSDomains", &nc.excluded_dns_domains},
      {"permittedipranges", "permittedIPRanges", &nc.permitted_ip_ranges},
      {"excludedipranges", "excludedIPRanges", &nc.excluded_ip_ranges},
      {"permittedemailaddresses", "permittedEmailAddresses", &nc.permitted_email_addresses},
      {"excludedemailaddresses", "excludedEmailAddresses", &nc.excluded_email_addresses},
      {"permitteduridomains", "permittedURIDomains", &nc.permitted_uri_domains},
      {"excludeduridomains", "excludedURIDomains", &nc.excluded_uri_domains},
  };
  for (const auto& l : lists) {
    const std::string field = std::string("nameConstraints.") + l.name;
    CAIRN_ASSIGN_OR_RETURN(*l.into, GetMultiString(Get(f, l.key), field));
  }
  CAIRN_RETURN_IF_ERROR(CheckCidrs(nc.permitted_ip_ranges, "nameConstraints.permittedIPRanges"));
  CAIRN_RETURN_IF_ERROR(CheckCidrs(nc.excluded_ip_ranges, "nameConstraints.excludedIPRanges"));
  out.has_name_constraints = !nc.empty();
  return Status();
}

Status ParseExtensions(const Json* v, ParsedX509& out) {
  if (IsNull(v)) return Status();
  if (!v->is_array()) return FieldError("extensions", "must be an array");
  if (v->size() > kMaxTemplateListItems) return FieldError("extensions", "too many items");
  for (size_t i = 0; i < v->size(); ++i) {
    const std::string field = "extensions[" + std::to_string(i) + "]";
    const Json& item = (*v)[i];
    if (!item.is_object()) return FieldError(field, "must be an object");
    const Fields f = IndexObject(item);
    pki::Extension e;
    CAIRN_ASSIGN_OR_RETURN(e.oid, GetString(Get(f, "id"), field + ".id"));
    CAIRN_ASSIGN_OR_RETURN(e.critical, GetBool(Get(f, "critical"), field + ".critical"));
    CAIRN_ASSIGN_OR_RETURN(e.value, GetBytes(Get(f, "value"), field + ".value"));
    if (e.oid.empty()) continue;  // x509util skips extensions without an id
    CAIRN_RETURN_IF_ERROR(CheckOid(e.oid, field + ".id"));
    for (const auto& prior : out.tmpl.extra_extensions) {
      if (prior.oid == e.oid) return FieldError(field, "duplicate extension " + e.oid);
    }
    if (e.oid == pki::kOidSubjectAltName) out.san_extension_given = true;
    out.tmpl.extra_extensions.push_back(std::move(e));
  }
  return Status();
}

Status ParseKeyUsages(const Fields& top, ParsedX509& out) {
  CAIRN_ASSIGN_OR_RETURN(auto ku, GetMultiString(Get(top, "keyusage"), "keyUsage"));
  for (const auto& name : ku) {
    auto bit = pki::ParseKeyUsage(name);
    if (!bit.ok()) return FieldError("keyUsage", "unsupported keyUsage " + name);
    out.tmpl.key_usage |= *bit;
  }
  out.has_key_usage = out.tmpl.key_usage != 0;

  CAIRN_ASSIGN_OR_RETURN(auto eku, GetMultiString(Get(top, "extkeyusage"), "extKeyUsage"));
  for (const auto& name : eku) {
    // Names only here: OIDs go in unknownExtKeyUsage.
    auto oid = pki::IsDottedOid(name) ? Result<std::string>(InvalidArgumentError(""))
                                      : pki::ExtKeyUsageOid(name);
    if (!oid.ok()) return FieldError("extKeyUsage", "unsupported extKeyUsage " + name);
    out.tmpl.ext_key_usage.push_back(pki::ExtKeyUsageName(*oid));
  }
  CAIRN_ASSIGN_OR_RETURN(auto unknown,
                         GetMultiString(Get(top, "unknownextkeyusage"), "unknownExtKeyUsage"));
  for (const auto& oid : unknown) {
    CAIRN_RETURN_IF_ERROR(CheckOid(oid, "unknownExtKeyUsage"));
    out.tmpl.ext_key_usage.push_back(oid);
  }
  out.has_ext_key_usage = !out.tmpl.ext_key_usage.empty();
  return Status();
}

Result<ParsedX509> ParseCertificateObject(const Json& root) {
  if (!root.is_object()) {
    return InvalidArgumentError(
        "error unmarshaling certificate: the template must produce a "
        "JSON object, not " +
        Kind(root));
  }
  ParsedX509 out;
  pki::CertificateTemplate& t = out.tmpl;
  const Fields f = IndexObject(root);

  CAIRN_RETURN_IF_ERROR(GetInt(Get(f, "version"), "version"));  // Go ignores it

  if (const Json* subject = Get(f, "subject"); subject != nullptr) {
    out.has_subject = true;
    CAIRN_ASSIGN_OR_RETURN(t.subject, ParseName(subject, "subject"));
  }
  CAIRN_ASSIGN_OR_RETURN(std::string raw_subject, GetBytes(Get(f, "rawsubject"), "rawSubject"));
  if (!raw_subject.empty()) {
    out.has_raw_subject = true;
    t.raw_subject_der = std::move(raw_subject);
  }
  if (const Json* issuer = Get(f, "issuer"); !IsNull(issuer)) {
    CAIRN_ASSIGN_OR_RETURN(out.issuer, ParseName(issuer, "issuer"));
  }

  CAIRN_ASSIGN_OR_RETURN(auto serial, GetSerial(Get(f, "serialnumber")));
  if (serial) {
    out.has_serial = true;
    t.serial_decimal = std::move(*serial);
  }
  CAIRN_ASSIGN_OR_RETURN(auto not_before, GetTime(Get(f, "notbefore"), "notBefore"));
  CAIRN_ASSIGN_OR_RETURN(auto not_after, GetTime(Get(f, "notafter"), "notAfter"));
  if (not_before) {
    out.has_not_before = true;
    t.not_before = *not_before;
  }
  if (not_after) {
    out.has_not_after = true;
    t.not_after = *not_after;
  }

  CAIRN_RETURN_IF_ERROR(ParseExtensions(Get(f, "extensions"), out));

  // SANs. The four lists are decoded (and IPs checked) even when an explicit subjectAltName
  // extension makes x509util ignore them.
  pki::SubjectAltNames sans;
  std::vector<pki::OtherSan> others;
  SanSink sink{&sans, &others};
  CAIRN_ASSIGN_OR_RETURN(auto dns,
                         GetMultiString(Get(f, "dnsnames"), "dnsNames", kMaxTemplateSans));
  CAIRN_ASSIGN_OR_RETURN(
      auto emails, GetMultiString(Get(f, "emailaddresses"), "emailAddresses", kMaxTemplateSans));
  CAIRN_ASSIGN_OR_RETURN(auto ips,
                         GetMultiString(Get(f, "ipaddresses"), "ipAddresses", kMaxTemplateSans));
  CAIRN_ASSIGN_OR_RETURN(auto uris, GetMultiString(Get(f, "uris"), "uris", kMaxTemplateSans));
  CAIRN_RETURN_IF_ERROR(AddStrings(sink, &sans.dns, dns, "dnsNames"));
  CAIRN_RETURN_IF_ERROR(AddStrings(sink, &sans.emails, emails, "emailAddresses"));
  CAIRN_RETURN_IF_ERROR(AddIps(sink, ips, "ipAddresses"));
  for (const auto& u : uris) {
    if (std::any_of(u.begin(), u.end(), [](char c) { return c >= 0 && c < 0x20; })) {
      return FieldError("uris", "invalid URI '" + u + "'");
    }
  }
  CAIRN_RETURN_IF_ERROR(AddStrings(sink, &sans.uris, uris, "uris"));
  if (!out.san_extension_given) {
    CAIRN_RETURN_IF_ERROR(AddSanEntries(sink, Get(f, "sans")));
    t.sans = std::move(sans);
    t.other_sans = std::move(others);
    out.has_sans = !t.sans.empty() || !t.other_sans.empty();
  }

  CAIRN_RETURN_IF_ERROR(ParseKeyUsages(f, out));

  CAIRN_ASSIGN_OR_RETURN(t.explicit_subject_key_id,
                         GetBytes(Get(f, "subjectkeyid"), "subjectKeyId"));
  CAIRN_ASSIGN_OR_RETURN(t.explicit_authority_key_id,
                         GetBytes(Get(f, "authoritykeyid"), "authorityKeyId"));
  out.has_subject_key_id = !t.explicit_subject_key_id.empty();
  out.has_authority_key_id = !t.explicit_authority_key_id.empty();

  CAIRN_ASSIGN_OR_RETURN(t.ocsp_servers, GetMultiString(Get(f, "ocspserver"), "ocspServer"));
  CAIRN_ASSIGN_OR_RETURN(t.issuing_certificate_urls,
                         GetMultiString(Get(f, "issuingcertificateurl"), "issuingCertificateURL"));
  CAIRN_ASSIGN_OR_RETURN(t.crl_distribution_points,
                         GetMultiString(Get(f, "crldistributionpoints"), "crlDistributionPoints"));
  CAIRN_ASSIGN_OR_RETURN(t.policy_identifiers,
                         GetMultiString(Get(f, "policyidentifiers"), "policyIdentifiers"));
  for (const auto& oid : t.policy_identifiers) {
    CAIRN_RETURN_IF_ERROR(CheckOid(oid, "policyIdentifiers"));
  }

  if (const Json* bc = Get(f, "basicconstraints"); !IsNull(bc)) {
    if (!bc->is_object()) return FieldError("basicConstraints", "must be an object");
    const Fields bf = IndexObject(*bc);
    CAIRN_ASSIGN_OR_RETURN(bool is_ca, GetBool(Get(bf, "isca"), "basicConstraints.isCA"));
    CAIRN_ASSIGN_OR_RETURN(int64_t max_path,
                           GetInt(Get(bf, "maxpathlen"), "basicConstraints.maxPathLen"));
    if (max_path > INT32_MAX || max_path < INT32_MIN) {
      return FieldError("basicConstraints.maxPathLen", "out of range");
    }
    // x509util: 0 is pathlen 0 (MaxPathLenZero), negative is no limit.
    t.basic_constraints = {.present = true,
                           .is_ca = is_ca,
                           .max_path_len = max_path < 0 ? -1 : static_cast<int>(max_path)};
    out.has_basic_constraints = true;
  }
  CAIRN_RETURN_IF_ERROR(ParseNameConstraints(Get(f, "nameconstraints"), out));

  CAIRN_ASSIGN_OR_RETURN(std::string sig_alg,
                         GetString(Get(f, "signaturealgorithm"), "signatureAlgorithm"));
  if (!sig_alg.empty()) {
    const char* canonical = nullptr;
    for (const char* name : kSignatureAlgorithms) {
      if (EqualsIgnoreCase(sig_alg, name)) canonical = name;
    }
    if (canonical == nullptr) {
      return FieldError("signatureAlgorithm", "unsupported signatureAlgorithm " + sig_alg);
    }
    t.signature_algorithm = canonical;
    out.has_signature_algorithm = true;
  }
  return out;
}

}  // namespace

Result<ParsedX509> ParseCertificateJson(std::string_view rendered) {
  CAIRN_ASSIGN_OR_RETURN(Json root, ParseJsonText(rendered, "certificate"));
  return ParseCertificateObject(root);
}

Result<pki::Name> ParseNameJson(std::string_view json_text) {
  CAIRN_ASSIGN_OR_RETURN(Json root, ParseJsonText(json_text, "name"));
  return ParseName(&root, "name");
}

}  // namespace cairn::templates
