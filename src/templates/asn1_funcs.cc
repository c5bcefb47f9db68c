// The X.509 template helpers of step's x509util (options.go, extensions.go): asn1Enc,
// asn1Marshal, asn1Seq and asn1Set, which produce base64 DER for extension values. The value
// encodings follow Go's encoding/asn1 Marshal, which x509util calls.

#include <algorithm>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/der.h"
#include "templates/funcs.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates {

namespace {

using internal::ArgString;

constexpr uint8_t kNumericString = 0x12;
constexpr uint8_t kUtcTime = 0x17;
constexpr uint8_t kGeneralizedTime = 0x18;
constexpr size_t kMaxDer = 1 << 20;

Status Structural(std::string_view msg) {
  return InvalidArgumentError("asn1: structure error: " + std::string(msg));
}

// Params are encoding/asn1's field parameters.
struct Params {
  bool explicit_tag = false;
  bool has_tag = false;
  int64_t tag = 0;
  int tag_class = 2;  // context-specific unless application/private
  bool set = false;
  uint8_t string_type = 0;
  uint8_t time_type = 0;
};

Params ParseParams(std::string_view str) {
  Params p;
  while (!str.empty()) {
    size_t comma = str.find(',');
    std::string_view part = str.substr(0, comma);
    str = comma == std::string_view::npos ? std::string_view() : str.substr(comma + 1);
    if (part == "explicit") {
      p.explicit_tag = true;
    } else if (part == "ia5") {
      p.string_type = crypto::der::kIa5String;
    } else if (part == "printable") {
      p.string_type = crypto::der::kPrintableString;
    } else if (part == "numeric") {
      p.string_type = kNumericString;
    } else if (part == "utf8") {
      p.string_type = crypto::der::kUtf8String;
    } else if (part == "utc") {
      p.time_type = kUtcTime;
    } else if (part == "generalized") {
      p.time_type = kGeneralizedTime;
    } else if (part.starts_with("tag:")) {
      auto n = internal::ParseGoInt(part.substr(4), 10);
      if (n.ok() && *n >= 0 && *n < (int64_t{1} << 28)) {
        p.has_tag = true;
        p.tag = *n;
      }
    } else if (part == "set") {
      p.set = true;
    } else if (part == "application") {
      p.tag_class = 1;
    } else if (part == "private") {
      p.tag_class = 3;
    }
  }
  return p;
}

// Identifier encodes an identifier octet string for (class, constructed, number).
std::string Identifier(int cls, bool constructed, int64_t number) {
  std::string out;
  uint8_t first = static_cast<uint8_t>((cls << 6) | (constructed ? 0x20 : 0));
  if (number < 31) {
    out += static_cast<char>(first | static_cast<uint8_t>(number));
    return out;
  }
  out += static_cast<char>(first | 0x1f);
  std::string base128;
  for (int64_t n = number; n > 0; n >>= 7) {
    base128.insert(base128.begin(), static_cast<char>((n & 0x7f) | (base128.empty() ? 0 : 0x80)));
  }
  return out + base128;
}

std::string Length(size_t n) {
  // The length octets of der::Tlv: take them from an encoding of that many bytes.
  std::string tlv = crypto::der::Tlv(crypto::der::kOctetString, std::string(n, '\0'));
  return tlv.substr(1, tlv.size() - 1 - n);
}

// Element is one encoded value before tagging: its universal tag and contents.
struct Element {
  uint8_t tag;
  bool constructed;
  std::string contents;
};

// Finish applies implicit/explicit tagging from `p` and returns the full DER.
std::string Finish(const Element& e, const Params& p) {
  if (!p.has_tag) {
    return std::string(1, static_cast<char>(e.tag | (e.constructed ? 0x20 : 0))) +
           Length(e.contents.size()) + e.contents;
  }
  if (p.explicit_tag) {
    std::string inner = std::string(1, static_cast<char>(e.tag | (e.constructed ? 0x20 : 0))) +
                        Length(e.contents.size()) + e.contents;
    return Identifier(p.tag_class, true, p.tag) + Length(inner.size()) + inner;
  }
  return Identifier(p.tag_class, e.constructed, p.tag) + Length(e.contents.size()) + e.contents;
}

bool IsPrintable(unsigned char b, bool allow_asterisk, bool allow_ampersand) {
  return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
         (b >= '\'' && b <= ')') || (b >= '+' && b <= '/') || b == ' ' || b == ':' || b == '=' ||
         b == '?' || (allow_asterisk && b == '*') || (allow_ampersand && b == '&');
}

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    char32_t r = internal::DecodeRune(s, i);
    if (r == internal::kRuneError && i - start == 1) return false;
  }
  return true;
}

Result<Element> MarshalString(std::string_view s, const Params& p) {
  uint8_t tag = p.string_type;
  if (tag == 0) {
    tag = crypto::der::kPrintableString;
    for (unsigned char c : s) {
      if (c >= 0x80 || !IsPrintable(c, false, false)) {
        if (!ValidUtf8(s)) return InvalidArgumentError("asn1: string not valid UTF-8");
        tag = crypto::der::kUtf8String;
        break;
      }
    }
  } else if (tag == crypto::der::kPrintableString) {
    for (unsigned char c : s) {
      if (!IsPrintable(c, true, false)) {
        return Structural("PrintableString contains invalid character");
      }
    }
  } else if (tag == crypto::der::kIa5String) {
    for (unsigned char c : s) {
      if (c > 127) return Structural("IA5String contains invalid character");
    }
  } else if (tag == kNumericString) {
    for (unsigned char c : s) {
      if (!((c >= '0' && c <= '9') || c == ' ')) {
        return Structural("NumericString contains invalid character");
      }
    }
  }
  return Element{tag, false, std::string(s)};
}

Result<Element> MarshalTime(const GoTime& t, const Params& p) {
  std::string s = internal::FormatGoTime(t, "20060102150405");
  int64_t year = 0;
  bool digits = s.size() == 14 &&
                std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) year = std::stoll(s.substr(0, 4));
  bool outside_utc = !digits || year < 1950 || year >= 2050;
  uint8_t tag = (p.time_type == kGeneralizedTime || outside_utc) ? kGeneralizedTime : kUtcTime;
  if (!digits) return Structural("cannot represent time as GeneralizedTime");
  std::string body = tag == kUtcTime ? s.substr(2) : s;
  int off = t.utc_offset_seconds;
  if (off / 60 == 0) {
    body += 'Z';
  } else {
    body += off > 0 ? '+' : '-';
    int m = (off < 0 ? -off : off) / 60;
    int hh = m / 60 % 100, mm = m % 60;
    body += static_cast<char>('0' + hh / 10);
    body += static_cast<char>('0' + hh % 10);
    body += static_cast<char>('0' + mm / 10);
    body += static_cast<char>('0' + mm % 10);
  }
  return Element{tag, false, body};
}

Result<Element> MarshalOid(const std::vector<int64_t>& arcs) {
  if (arcs.size() < 2 || arcs[0] > 2 || arcs[0] < 0 || arcs[1] < 0 ||
      (arcs[0] < 2 && arcs[1] >= 40)) {
    return Structural("invalid object identifier");
  }
  std::string out;
  auto base128 = [&](uint64_t n) {
    std::string b;
    do {
      b.insert(b.begin(), static_cast<char>((n & 0x7f) | (b.empty() ? 0 : 0x80)));
      n >>= 7;
    } while (n > 0);
    out += b;
  };
  base128(static_cast<uint64_t>(arcs[0]) * 40 + static_cast<uint64_t>(arcs[1]));
  for (size_t i = 2; i < arcs.size(); ++i) {
    if (arcs[i] < 0) return Structural("invalid object identifier");
    base128(static_cast<uint64_t>(arcs[i]));
  }
  return Element{crypto::der::kObjectIdentifier, false, out};
}

Element MarshalInt(int64_t v) {
  std::string der = crypto::der::Int64(v);
  crypto::der::Reader r(der);
  auto e = r.Next();
  return Element{crypto::der::kInteger, false, std::string(e->contents)};
}

Element MarshalBool(bool b) {
  return Element{crypto::der::kBoolean, false, std::string(1, b ? '\xff' : '\0')};
}

// MarshalValue is asn1.MarshalWithParams(v, params) for the values templates hold.
Result<std::string> MarshalValue(const Value& v, const Params& p, int depth) {
  if (depth > internal::kMaxNesting) return Structural("value nested too deeply");
  bool is_string = v.kind() == Value::Kind::kString;
  bool is_time = v.kind() == Value::Kind::kTime;
  if (v.is_nil()) return InvalidArgumentError("asn1: cannot marshal nil value");
  if (p.time_type != 0 && !is_time) {
    return Structural("explicit time type given to non-time member");
  }
  if (p.string_type != 0 && !is_string) {
    return Structural("explicit string type given to non-string member");
  }
  Element e{};
  switch (v.kind()) {
    case Value::Kind::kString: {
      CAIRN_ASSIGN_OR_RETURN(e, MarshalString(v.as_string(), p));
      break;
    }
    case Value::Kind::kInt:
      e = MarshalInt(v.as_int());
      break;
    case Value::Kind::kDuration:
      e = MarshalInt(v.as_duration().count());
      break;
    case Value::Kind::kBool:
      e = MarshalBool(v.as_bool());
      break;
    case Value::Kind::kTime: {
      CAIRN_ASSIGN_OR_RETURN(e, MarshalTime(v.as_time(), p));
      break;
    }
    case Value::Kind::kList: {
      std::vector<std::string> items;
      size_t total = 0;
      for (const Value& item : v.as_list()) {
        CAIRN_ASSIGN_OR_RETURN(std::string der, MarshalValue(item, Params{}, depth + 1));
        total += der.size();
        if (total > kMaxDer) return ResourceExhaustedError("asn1Marshal: value too large");
        items.push_back(std::move(der));
      }
      if (p.set) std::sort(items.begin(), items.end());  // DER SET OF order
      e.tag = p.set ? 0x11 : 0x10;
      e.constructed = true;
      for (const std::string& s : items) e.contents += s;
      break;
    }
    default:
      return Structural("unknown Go type: " + v.TypeName());
  }
  return Finish(e, p);
}

// MarshalTyped is x509util's marshalValue(value, params) for asn1Enc.
Result<std::string> MarshalTyped(std::string_view value, std::string_view params_str) {
  // x509util.parseFieldParameters: the type word is removed from the params for int, oid,
  // bool and raw, kept for string and time types.
  std::string type;
  std::string params;
  std::string_view rest = params_str;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    auto add = [&](std::string_view s) {
      if (!params.empty()) params += ',';
      params += s;
    };
    if (part == "utf8" || part == "ia5" || part == "numeric" || part == "printable" ||
        part == "utc" || part == "generalized") {
      type = std::string(part);
      add(part);
    } else if (part == "int" || part == "oid" || part == "bool" || part == "boolean" ||
               part == "raw") {
      type = std::string(part);
    } else if (!part.empty()) {
      add(part);
    }
  }
  Params p = ParseParams(params);
  if (type == "int") {
    auto i = internal::ParseGoInt(value, 10);
    if (!i.ok()) {
      std::string msg = i.status().message();
      // strconv.Atoi reports itself as Atoi.
      if (msg.starts_with("strconv.ParseInt")) msg.replace(0, 16, "strconv.Atoi");
      return InvalidArgumentError("invalid int value: " + msg);
    }
    return MarshalValue(Value::Int(*i), p, 0);
  }
  if (type == "oid") {
    std::vector<int64_t> arcs;
    if (!value.empty()) {
      for (const std::string& part : Split(value, '.')) {
        auto n = internal::ParseGoInt(part, 10);
        if (!n.ok()) {
          return InvalidArgumentError("invalid oid value: error unmarshaling json: " +
                                      std::string(value) + " is not an ASN1 object identifier");
        }
        arcs.push_back(*n);
      }
    }
    CAIRN_ASSIGN_OR_RETURN(Element e, MarshalOid(arcs));
    return Finish(e, p);
  }
  if (type == "raw") {
    auto raw = Base64Decode(value);
    if (!raw.ok()) return InvalidArgumentError("illegal base64 data: " + raw.status().message());
    return *raw;
  }
  if (type == "bool" || type == "boolean") {
    static const std::vector<std::string_view> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
    static const std::vector<std::string_view> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
    bool b;
    if (std::find(kTrue.begin(), kTrue.end(), value) != kTrue.end()) {
      b = true;
    } else if (std::find(kFalse.begin(), kFalse.end(), value) != kFalse.end()) {
      b = false;
    } else {
      return InvalidArgumentError("invalid bool value: strconv.ParseBool: parsing " +
                                  internal::GoQuoteString(value) + ": invalid syntax");
    }
    return MarshalValue(Value::Bool(b), p, 0);
  }
  if (type == "utc" || type == "generalized") {
    auto t = internal::ParseGoTime("2006-01-02 15:04:05.999999999 -0700 MST", value);
    if (!t.ok()) {
      auto t2 = internal::ParseGoTime("2006-01-02T15:04:05Z07:00", value);
      if (!t2.ok())
        return InvalidArgumentError("invalid " + type + " value: " + t.status().message());
      t = t2;
    }
    return MarshalValue(Value::Time(*t), p, 0);
  }
  if (type == "utf8") {
    if (!ValidUtf8(value)) return InvalidArgumentError("invalid utf8 value");
    return MarshalValue(Value::String(std::string(value)), p, 0);
  }
  if (type == "ia5") {
    for (unsigned char c : value) {
      if (c > 127) return InvalidArgumentError("invalid ia5 value");
    }
    return MarshalValue(Value::String(std::string(value)), p, 0);
  }
  if (type == "numeric") {
    for (unsigned char c : value) {
      if (!((c >= '0' && c <= '9') || c == ' ')) {
        return InvalidArgumentError("invalid numeric value");
      }
    }
    return MarshalValue(Value::String(std::string(value)), p, 0);
  }
  // printable, or an unknown type: PrintableString (x509util allows '*' and '&' here, Go's
  // encoder then rejects '&').
  for (unsigned char c : value) {
    if (!IsPrintable(c, true, true)) return InvalidArgumentError("invalid printable value");
  }
  if (type.empty()) p.string_type = crypto::der::kPrintableString;
  return MarshalValue(Value::String(std::string(value)), p, 0);
}

Func Container(std::string name, uint8_t tag) {
  return [name, tag](std::span<const Value> args) -> Result<Value> {
    std::string contents;
    for (const Value& a : args) {
      CAIRN_ASSIGN_OR_RETURN(std::string b64, ArgString(a));
      auto der = Base64Decode(b64);
      if (!der.ok()) return InvalidArgumentError("illegal base64 data: " + der.status().message());
      contents += *der;
      if (contents.size() > kMaxDer) return ResourceExhaustedError(name + ": value too large");
    }
    return Value::String(Base64Encode(crypto::der::Tlv(tag, contents)));
  };
}

}  // namespace

void AddX509Functions(FuncMap& funcs) {
  funcs["asn1Enc"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(internal::CheckArgs("asn1Enc", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string str, ArgString(args[0]));
    std::string_view value = str;
    std::string_view params = "printable";
    size_t colon = value.find(':');
    if (colon != std::string_view::npos) {
      params = value.substr(0, colon);
      value = value.substr(colon + 1);
    }
    CAIRN_ASSIGN_OR_RETURN(std::string der, MarshalTyped(value, params));
    return Value::String(Base64Encode(der));
  };
  funcs["asn1Marshal"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(internal::CheckArgsAtLeast("asn1Marshal", args, 1));
    std::string params;
    for (size_t i = 1; i < args.size(); ++i) {
      CAIRN_ASSIGN_OR_RETURN(std::string p, ArgString(args[i]));
      if (i > 1) params += ',';
      params += p;
    }
    CAIRN_ASSIGN_OR_RETURN(std::string der, MarshalValue(args[0], ParseParams(params), 0));
    return Value::String(Base64Encode(der));
  };
  funcs["asn1Seq"] = Container("asn1Seq", crypto::der::kSequence);
  funcs["asn1Set"] = Container("asn1Set", crypto::der::kSet);
}

}  // namespace cairn::templates
