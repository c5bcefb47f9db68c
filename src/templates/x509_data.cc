#include "templates/x509_data.h"

#include <chrono>
#include <utility>

#include "base/duration.h"
#include "base/encoding.h"
#include "crypto/der.h"
#include "pki/extension.h"
#include "templates/x509_asn1.h"

namespace cairn::templates {
namespace {

namespace der = crypto::der;
using x509_internal::BigEndianToDecimal;
using x509_internal::DecodeOidContents;

StructField F(std::string go, std::string json, Value v, bool omit_empty = false) {
  return StructField{std::move(go), std::move(json), omit_empty, std::move(v)};
}

Value Strings(const std::vector<std::string>& items) {
  List l;
  l.reserve(items.size());
  for (const auto& s : items) l.push_back(Value::String(s));
  return Value::MakeList(std::move(l));
}

Value TimeValue(Time t) {
  GoTime g;
  g.at = std::chrono::time_point_cast<std::chrono::nanoseconds>(t);
  return Value::Time(std::move(g));
}

// NullOr returns null for an empty list (Go's nil slice) and the strings otherwise.
nlohmann::ordered_json NullOr(const std::vector<std::string>& items) {
  if (items.empty()) return nullptr;
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (const auto& s : items) a.push_back(s);
  return a;
}

// --- The parts of a CSR pki does not expose ------------------------------------------------

// CsrParts are the version and signature of a DER CSR (RFC 2986 §4).
struct CsrParts {
  int64_t version = 0;
  std::string signature;
};

CsrParts SplitCsr(std::string_view csr_der) {
  CsrParts out;
  der::Reader top(csr_der);
  auto csr = top.Expect(der::kSequence);
  if (!csr.ok()) return out;
  der::Reader fields(*csr);
  auto info = fields.Expect(der::kSequence);
  auto alg = fields.Next();
  auto sig = fields.Expect(der::kBitString);
  if (info.ok()) {
    der::Reader cri(*info);
    if (auto v = cri.Expect(der::kInteger); v.ok()) {
      if (auto n = der::ParseInt64(*v); n.ok()) out.version = *n;
    }
  }
  if (alg.ok() && sig.ok() && !sig->empty()) out.signature = std::string(sig->substr(1));
  return out;
}

// ParsedRequestExtensions are what x509util reads out of a CSR's requested extensions.
struct ParsedRequestExtensions {
  uint32_t key_usage = 0;
  std::vector<std::string> ext_key_usage;          // names
  std::vector<std::string> unknown_ext_key_usage;  // dotted OIDs
  bool has_basic_constraints = false;
  bool is_ca = false;
  int64_t max_path_len = -1;
};

// ParseRequestExtensions mirrors x509util's parseCertificateRequestExtensions: each malformed
// extension is ignored (x509util ignores its error too).
ParsedRequestExtensions ParseRequestExtensions(const std::vector<pki::Extension>& exts) {
  ParsedRequestExtensions out;
  for (const auto& e : exts) {
    if (e.oid == pki::kOidKeyUsage) {
      der::Reader r(e.value);
      auto bits = r.Expect(der::kBitString);
      if (!bits.ok() || bits->empty()) continue;
      uint32_t usage = 0;
      for (int i = 0; i < 9; ++i) {
        const size_t byte = 1 + static_cast<size_t>(i / 8);
        if (byte < bits->size() && ((*bits)[byte] & (0x80 >> (i % 8)))) usage |= 1u << i;
      }
      out.key_usage = usage;
    } else if (e.oid == pki::kOidExtKeyUsage) {
      der::Reader r(e.value);
      auto seq = r.Expect(der::kSequence);
      if (!seq.ok()) continue;
      der::Reader items(*seq);
      std::vector<std::string> known, unknown;
      bool ok = true;
      while (!items.empty()) {
        auto oid = items.Expect(der::kObjectIdentifier);
        auto text = oid.ok() ? DecodeOidContents(*oid) : Result<std::string>(oid.status());
        if (!text.ok()) {
          ok = false;
          break;
        }
        const std::string name = pki::ExtKeyUsageName(*text);
        (name == *text ? unknown : known).push_back(name);
      }
      if (!ok) continue;
      out.ext_key_usage = std::move(known);
      out.unknown_ext_key_usage = std::move(unknown);
    } else if (e.oid == pki::kOidBasicConstraints) {
      der::Reader r(e.value);
      auto seq = r.Expect(der::kSequence);
      if (!seq.ok()) continue;
      der::Reader items(*seq);
      bool is_ca = false;
      int64_t path = -1;
      if (items.PeekTag(der::kBoolean)) {
        auto b = items.Expect(der::kBoolean);
        if (!b.ok() || b->size() != 1) continue;
        is_ca = (*b)[0] != 0;
      }
      if (items.PeekTag(der::kInteger)) {
        auto i = items.Expect(der::kInteger);
        auto v = i.ok() ? der::ParseInt64(*i) : Result<int64_t>(i.status());
        if (!v.ok()) continue;
        path = *v;
      }
      out.has_basic_constraints = true;
      out.is_ca = is_ca;
      out.max_path_len = path;
    }
  }
  return out;
}

// RequestExtensions returns the CSR's extensions with x509util's fixSubjectAltName applied: the
// SAN extension is critical when the subject is empty.
std::vector<pki::Extension> RequestExtensions(const pki::CertificateRequest& csr) {
  std::vector<pki::Extension> exts = csr.extensions();
  if (csr.raw_subject() == std::string("\x30\x00", 2)) {
    for (auto& e : exts) {
      if (e.oid == pki::kOidSubjectAltName) e.critical = true;
    }
  }
  return exts;
}

Value ExtensionsValue(const std::vector<pki::Extension>& exts) {
  List l;
  for (const auto& e : exts) {
    l.push_back(Value::MakeStruct(Struct{
        "x509util.Extension",
        {F("ID", "id", Value::String(e.oid)), F("Critical", "critical", Value::Bool(e.critical)),
         F("Value", "value", Value::String(Base64Encode(e.value)))}}));
  }
  return Value::MakeList(std::move(l));
}

nlohmann::ordered_json ExtensionsJson(const std::vector<pki::Extension>& exts) {
  if (exts.empty()) return nullptr;
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (const auto& e : exts) {
    a.push_back({{"id", e.oid}, {"critical", e.critical}, {"value", Base64Encode(e.value)}});
  }
  return a;
}

// SpkiKeyBits returns the subjectPublicKey BIT STRING octets of a DER SubjectPublicKeyInfo.
Result<std::string> SpkiKeyBits(std::string_view spki) {
  der::Reader top(spki);
  CAIRN_ASSIGN_OR_RETURN(auto seq, top.Expect(der::kSequence));
  der::Reader fields(seq);
  CAIRN_RETURN_IF_ERROR(fields.Next());
  CAIRN_ASSIGN_OR_RETURN(auto bits, fields.Expect(der::kBitString));
  if (bits.empty() || bits[0] != 0) return InvalidArgumentError("malformed key bits");
  return std::string(bits.substr(1));
}

std::string StripLeadingZeros(std::string_view v) {
  while (!v.empty() && v[0] == 0) v.remove_prefix(1);
  return std::string(v);
}

// PkixNameValue is a Go pkix.Name (no json tags: toJson uses the Go names).
Value PkixNameValue(const pki::Name& n) {
  List names;
  auto add = [&](const char* oid, const std::vector<std::string>& values) {
    for (const auto& v : values) {
      names.push_back(Value::MakeStruct(
          Struct{"pkix.AttributeTypeAndValue",
                 {F("Type", "Type", Value::String(oid)), F("Value", "Value", Value::String(v))}}));
    }
  };
  add("2.5.4.6", n.country);
  add("2.5.4.8", n.province);
  add("2.5.4.7", n.locality);
  add("2.5.4.9", n.street_address);
  add("2.5.4.17", n.postal_code);
  add("2.5.4.10", n.organization);
  add("2.5.4.11", n.organizational_unit);
  if (!n.common_name.empty()) add("2.5.4.3", {n.common_name});
  if (!n.serial_number.empty()) add("2.5.4.5", {n.serial_number});
  for (const auto& [oid, v] : n.extra_names) add(oid.c_str(), {v});
  return Value::MakeStruct(
      Struct{"pkix.Name",
             {
                 F("Country", "Country", Strings(n.country)),
                 F("Organization", "Organization", Strings(n.organization)),
                 F("OrganizationalUnit", "OrganizationalUnit", Strings(n.organizational_unit)),
                 F("Locality", "Locality", Strings(n.locality)),
                 F("Province", "Province", Strings(n.province)),
                 F("StreetAddress", "StreetAddress", Strings(n.street_address)),
                 F("PostalCode", "PostalCode", Strings(n.postal_code)),
                 F("SerialNumber", "SerialNumber", Value::String(n.serial_number)),
                 F("CommonName", "CommonName", Value::String(n.common_name)),
                 F("Names", "Names", Value::MakeList(std::move(names))),
                 F("ExtraNames", "ExtraNames", Value::MakeList({})),
             }});
}

Value SanEntryValue(const SanEntry& e) {
  return Value::MakeStruct(
      Struct{"x509util.SubjectAlternativeName",
             {F("Type", "type", Value::String(e.type)), F("Value", "value", Value::String(e.value)),
              F("ASN1Value", "asn1Value", Value(), /*omit_empty=*/true)}});
}

Value KeyUsageValue(uint32_t bits) { return Strings(pki::KeyUsageNames(bits)); }

nlohmann::ordered_json KeyUsageJson(uint32_t bits) { return NullOr(pki::KeyUsageNames(bits)); }

}  // namespace

std::vector<SanEntry> CreateSans(const std::vector<std::string>& names) {
  std::vector<std::string> kept;
  kept.reserve(names.size());
  for (const auto& n : names) {
    if (!n.empty()) kept.push_back(n);
  }
  const pki::SubjectAltNames split = pki::SplitSans(kept);
  std::vector<SanEntry> out;
  out.reserve(split.size());
  for (const auto& v : split.dns) out.push_back({"dns", v});
  for (const auto& v : split.ips) out.push_back({"ip", v});
  for (const auto& v : split.emails) out.push_back({"email", v});
  for (const auto& v : split.uris) out.push_back({"uri", v});
  return out;
}

Value SubjectValue(const pki::Name& n) {
  List extra;
  for (const auto& [oid, v] : n.extra_names) {
    extra.push_back(Value::MakeStruct(
        Struct{"x509util.DistinguishedName",
               {F("Type", "type", Value::String(oid)), F("Value", "value", Value::String(v))}}));
  }
  return Value::MakeStruct(Struct{
      "x509util.Subject",
      {
          F("Country", "country", Strings(n.country), true),
          F("Organization", "organization", Strings(n.organization), true),
          F("OrganizationalUnit", "organizationalUnit", Strings(n.organizational_unit), true),
          F("Locality", "locality", Strings(n.locality), true),
          F("Province", "province", Strings(n.province), true),
          F("StreetAddress", "streetAddress", Strings(n.street_address), true),
          F("PostalCode", "postalCode", Strings(n.postal_code), true),
          F("SerialNumber", "serialNumber", Value::String(n.serial_number), true),
          F("CommonName", "commonName", Value::String(n.common_name), true),
          F("ExtraNames", "extraNames", Value::MakeList(std::move(extra)), true),
      }});
}

nlohmann::ordered_json SubjectJson(const pki::Name& n) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  auto list = [&](const char* key, const std::vector<std::string>& v) {
    if (!v.empty()) j[key] = v;
  };
  list("country", n.country);
  list("organization", n.organization);
  list("organizationalUnit", n.organizational_unit);
  list("locality", n.locality);
  list("province", n.province);
  list("streetAddress", n.street_address);
  list("postalCode", n.postal_code);
  if (!n.serial_number.empty()) j["serialNumber"] = n.serial_number;
  if (!n.common_name.empty()) j["commonName"] = n.common_name;
  if (!n.extra_names.empty()) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& [oid, v] : n.extra_names) a.push_back({{"type", oid}, {"value", v}});
    j["extraNames"] = std::move(a);
  }
  return j;
}

Value SansValue(const std::vector<std::string>& names) { return SansValueOf(CreateSans(names)); }

Value SansValueOf(const std::vector<SanEntry>& sans) {
  List l;
  l.reserve(sans.size());
  for (const auto& e : sans) l.push_back(SanEntryValue(e));
  return Value::MakeList(std::move(l));
}

std::string PublicKeyAlgorithmName(const crypto::PublicKey& key) {
  switch (key.type()) {
    case crypto::KeyType::kRsa:
      return "RSA";
    case crypto::KeyType::kEcP256:
    case crypto::KeyType::kEcP384:
    case crypto::KeyType::kEcP521:
      return "ECDSA";
    case crypto::KeyType::kEd25519:
      return "Ed25519";
    case crypto::KeyType::kOther:
      break;
  }
  return "0";
}

Value PublicKeyValue(const crypto::PublicKey& key) {
  auto spki = key.ToDer();
  if (!spki.ok()) return Value();
  auto bits = SpkiKeyBits(*spki);
  if (!bits.ok()) return Value();
  switch (key.type()) {
    case crypto::KeyType::kRsa: {
      // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1)
      der::Reader r(*bits);
      auto seq = r.Expect(der::kSequence);
      if (!seq.ok()) return Value();
      der::Reader ints(*seq);
      auto n = ints.Expect(der::kInteger);
      auto e = ints.Expect(der::kInteger);
      if (!n.ok() || !e.ok()) return Value();
      auto e_value = der::ParseInt64(*e);
      const std::string modulus = StripLeadingZeros(*n);
      return Value::MakeStruct(
          Struct{"*rsa.PublicKey",
                 {F("N", "N", Value::String(BigEndianToDecimal(modulus))),
                  F("E", "E", Value::Int(e_value.ok() ? *e_value : 0)),
                  F("Size", "-", Value::Int(static_cast<int64_t>(modulus.size())))}});
    }
    case crypto::KeyType::kEcP256:
    case crypto::KeyType::kEcP384:
    case crypto::KeyType::kEcP521: {
      const int bit_size = key.bits();
      const size_t coord = static_cast<size_t>((bit_size + 7) / 8);
      if (bits->size() != 1 + 2 * coord || (*bits)[0] != 0x04) return Value();
      const char* curve = key.type() == crypto::KeyType::kEcP256   ? "P-256"
                          : key.type() == crypto::KeyType::kEcP384 ? "P-384"
                                                                   : "P-521";
      Value params = Value::MakeStruct(Struct{"*elliptic.CurveParams",
                                              {F("Name", "Name", Value::String(curve)),
                                               F("BitSize", "BitSize", Value::Int(bit_size))}});
      Value curve_value =
          Value::MakeStruct(Struct{"elliptic.Curve", {F("Params", "Params", params)}});
      return Value::MakeStruct(
          Struct{"*ecdsa.PublicKey",
                 {F("Curve", "Curve", curve_value),
                  F("X", "X", Value::String(BigEndianToDecimal(bits->substr(1, coord)))),
                  F("Y", "Y", Value::String(BigEndianToDecimal(bits->substr(1 + coord, coord))))}});
    }
    case crypto::KeyType::kEd25519:
      return Value::MakeStruct(Struct{"ed25519.PublicKey", {}});
    case crypto::KeyType::kOther:
      break;
  }
  return Value();
}

Value CertificateRequestValue(const pki::CertificateRequest& csr) {
  const CsrParts parts = SplitCsr(csr.der());
  const std::vector<pki::Extension> exts = RequestExtensions(csr);
  const ParsedRequestExtensions parsed = ParseRequestExtensions(exts);
  const crypto::PublicKey key = csr.public_key();
  Value basic;
  if (parsed.has_basic_constraints) {
    basic =
        Value::MakeStruct(Struct{"*x509util.BasicConstraints",
                                 {F("IsCA", "isCA", Value::Bool(parsed.is_ca)),
                                  F("MaxPathLen", "maxPathLen", Value::Int(parsed.max_path_len))}});
  }
  return Value::MakeStruct(Struct{
      "*x509util.CertificateRequest",
      {
          F("Version", "version", Value::Int(parts.version)),
          F("Subject", "subject", SubjectValue(csr.subject())),
          F("RawSubject", "rawSubject", Value::String(Base64Encode(csr.raw_subject()))),
          F("DNSNames", "dnsNames", Strings(csr.dns_names())),
          F("EmailAddresses", "emailAddresses", Strings(csr.email_addresses())),
          F("IPAddresses", "ipAddresses", Strings(csr.ip_addresses())),
          F("URIs", "uris", Strings(csr.uris())),
          F("SANs", "sans", Value::MakeList({})),
          F("Extensions", "extensions", ExtensionsValue(exts)),
          F("KeyUsage", "keyUsage", KeyUsageValue(parsed.key_usage)),
          F("ExtKeyUsage", "extKeyUsage", Strings(parsed.ext_key_usage)),
          F("UnknownExtKeyUsage", "unknownExtKeyUsage", Strings(parsed.unknown_ext_key_usage)),
          F("BasicConstraints", "basicConstraints", basic),
          F("SignatureAlgorithm", "signatureAlgorithm", Value::String("")),
          F("ChallengePassword", "-", Value::String("")),
          F("PublicKey", "-", PublicKeyValue(key)),
          F("PublicKeyAlgorithm", "-", Value::String(PublicKeyAlgorithmName(key))),
          F("Signature", "-", Value::String(Base64Encode(parts.signature))),
          F("Signer", "-", Value()),
      }});
}

Value CertificateValue(const pki::Certificate& cert) {
  const crypto::PublicKey key = cert.public_key();
  std::string serial = cert.serial_decimal();
  return Value::MakeStruct(Struct{
      "*x509.Certificate",
      {
          F("Raw", "Raw", Value::String(Base64Encode(cert.der()))),
          F("SignatureAlgorithm", "SignatureAlgorithm", Value::String(cert.signature_algorithm())),
          F("PublicKeyAlgorithm", "PublicKeyAlgorithm", Value::String(PublicKeyAlgorithmName(key))),
          F("PublicKey", "PublicKey", PublicKeyValue(key)),
          F("SerialNumber", "SerialNumber", Value::String(std::move(serial))),
          F("Issuer", "Issuer", PkixNameValue(pki::DecodeNameDer(cert.raw_issuer()).value_or({}))),
          F("Subject", "Subject", PkixNameValue(cert.subject())),
          F("NotBefore", "NotBefore", TimeValue(cert.not_before())),
          F("NotAfter", "NotAfter", TimeValue(cert.not_after())),
          F("KeyUsage", "KeyUsage", Value::Int(cert.key_usage())),
          F("IsCA", "IsCA", Value::Bool(cert.is_ca())),
          F("MaxPathLen", "MaxPathLen", Value::Int(cert.max_path_len())),
          F("SubjectKeyId", "SubjectKeyId", Value::String(Base64Encode(cert.subject_key_id()))),
          F("AuthorityKeyId", "AuthorityKeyId",
            Value::String(Base64Encode(cert.authority_key_id()))),
          F("DNSNames", "DNSNames", Strings(cert.dns_names())),
          F("EmailAddresses", "EmailAddresses", Strings(cert.email_addresses())),
          F("IPAddresses", "IPAddresses", Strings(cert.ip_addresses())),
          F("URIs", "URIs", Strings(cert.uris())),
      }});
}

Value X509DataValue(const X509TemplateData& data) {
  Map top;
  if (data.subject) top["Subject"] = SubjectValue(*data.subject);
  if (data.sans) top["SANs"] = SansValueOf(*data.sans);
  if (!data.token.is_nil()) top["Token"] = data.token;
  if (data.authorization_crt) top["AuthorizationCrt"] = CertificateValue(*data.authorization_crt);
  if (!data.authorization_chain.empty()) {
    List chain;
    for (const auto& c : data.authorization_chain) chain.push_back(CertificateValue(c));
    top["AuthorizationChain"] = Value::MakeList(std::move(chain));
  }
  for (const auto& [k, v] : data.provisioner_data) top[k] = v;
  if (!data.webhooks.empty()) {
    // step's SetWebhook adds to an existing map (e.g. one from the provisioner's data).
    auto it = top.find("Webhooks");
    if (it != top.end() && it->second.kind() == Value::Kind::kMap) {
      Map merged = it->second.as_map();
      for (const auto& [k, v] : data.webhooks) merged[k] = v;
      it->second = Value::MakeMap(std::move(merged));
    } else {
      top["Webhooks"] = Value::MakeMap(data.webhooks);
    }
  }
  if (data.csr || !data.user.is_nil()) {
    Map insecure;
    if (!data.user.is_nil()) insecure["User"] = data.user;
    if (data.csr) insecure["CR"] = CertificateRequestValue(*data.csr);
    top["Insecure"] = Value::MakeMap(std::move(insecure));
  }
  return Value::MakeMap(std::move(top));
}

nlohmann::ordered_json CertificateRequestJson(const pki::CertificateRequest& csr) {
  const CsrParts parts = SplitCsr(csr.der());
  const std::vector<pki::Extension> exts = RequestExtensions(csr);
  const ParsedRequestExtensions parsed = ParseRequestExtensions(exts);
  const crypto::PublicKey key = csr.public_key();
  nlohmann::ordered_json j;
  j["version"] = parts.version;
  j["subject"] = SubjectJson(csr.subject());
  j["rawSubject"] = Base64Encode(csr.raw_subject());
  j["dnsNames"] = NullOr(csr.dns_names());
  j["emailAddresses"] = NullOr(csr.email_addresses());
  j["ipAddresses"] = NullOr(csr.ip_addresses());
  j["uris"] = NullOr(csr.uris());
  j["sans"] = nullptr;
  j["extensions"] = ExtensionsJson(exts);
  j["keyUsage"] = KeyUsageJson(parsed.key_usage);
  // ExtKeyUsage's MarshalJSON always writes a list; UnknownExtKeyUsage writes null when nil.
  j["extKeyUsage"] = parsed.ext_key_usage;
  j["unknownExtKeyUsage"] = NullOr(parsed.unknown_ext_key_usage);
  if (parsed.has_basic_constraints) {
    j["basicConstraints"] = {{"isCA", parsed.is_ca}, {"maxPathLen", parsed.max_path_len}};
  } else {
    j["basicConstraints"] = nullptr;
  }
  j["signatureAlgorithm"] = "";
  auto spki = key.ToDer();
  j["publicKey"] = spki.ok() ? nlohmann::ordered_json(Base64Encode(*spki)) : nullptr;
  j["publicKeyAlgorithm"] = PublicKeyAlgorithmName(key);
  j["raw"] = Base64Encode(csr.der());
  return j;
}

nlohmann::ordered_json CertificateJson(const pki::CertificateTemplate& tmpl,
                                       const crypto::PublicKey& key, bool include_serial) {
  nlohmann::ordered_json j;
  j["version"] = 0;
  j["subject"] = SubjectJson(tmpl.subject);
  j["rawSubject"] =
      tmpl.raw_subject_der ? nlohmann::ordered_json(Base64Encode(*tmpl.raw_subject_der)) : nullptr;
  j["issuer"] = nlohmann::ordered_json::object();
  j["serialNumber"] = nullptr;
  if (include_serial && !tmpl.serial_decimal.empty()) {
    uint64_t v = 0;
    if (x509_internal::UnsignedDecimalToUint64(tmpl.serial_decimal, &v)) {
      j["serialNumber"] = v;
    } else {
      j["serialNumber"] = tmpl.serial_decimal;
    }
  }
  j["dnsNames"] = nullptr;
  j["emailAddresses"] = nullptr;
  j["ipAddresses"] = nullptr;
  j["uris"] = nullptr;
  nlohmann::ordered_json sans = nlohmann::ordered_json::array();
  for (const auto& v : tmpl.sans.dns) sans.push_back({{"type", "dns"}, {"value", v}});
  for (const auto& v : tmpl.sans.emails) sans.push_back({{"type", "email"}, {"value", v}});
  for (const auto& v : tmpl.sans.ips) sans.push_back({{"type", "ip"}, {"value", v}});
  for (const auto& v : tmpl.sans.uris) sans.push_back({{"type", "uri"}, {"value", v}});
  for (const auto& o : tmpl.other_sans) sans.push_back({{"type", o.type}, {"value", o.value}});
  j["sans"] = sans.empty() ? nlohmann::ordered_json(nullptr) : sans;
  j["extensions"] = ExtensionsJson(tmpl.extra_extensions);
  j["keyUsage"] = KeyUsageJson(tmpl.key_usage);
  std::vector<std::string> known, unknown;
  for (const auto& eku : tmpl.ext_key_usage) {
    auto oid = pki::ExtKeyUsageOid(eku);
    if (!oid.ok()) continue;
    const std::string name = pki::ExtKeyUsageName(*oid);
    (name == *oid ? unknown : known).push_back(name);
  }
  j["extKeyUsage"] = known;
  j["unknownExtKeyUsage"] = NullOr(unknown);
  auto b64_or_null = [](const std::string& v) {
    return v.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(Base64Encode(v));
  };
  j["subjectKeyId"] = b64_or_null(tmpl.explicit_subject_key_id);
  j["authorityKeyId"] = b64_or_null(tmpl.explicit_authority_key_id);
  j["ocspServer"] = NullOr(tmpl.ocsp_servers);
  j["issuingCertificateURL"] = NullOr(tmpl.issuing_certificate_urls);
  j["crlDistributionPoints"] = NullOr(tmpl.crl_distribution_points);
  j["policyIdentifiers"] = NullOr(tmpl.policy_identifiers);
  if (tmpl.basic_constraints.present) {
    j["basicConstraints"] = {{"isCA", tmpl.basic_constraints.is_ca},
                             {"maxPathLen", tmpl.basic_constraints.max_path_len}};
  } else {
    j["basicConstraints"] = nullptr;
  }
  const pki::NameConstraints& nc = tmpl.name_constraints;
  if (nc.empty() && !nc.critical) {
    j["nameConstraints"] = nullptr;
  } else {
    j["nameConstraints"] = {
        {"critical", nc.critical},
        {"permittedDNSDomains", NullOr(nc.permitted_dns_domains)},
        {"excludedDNSDomains", NullOr(nc.excluded_dns_domains)},
        {"permittedIPRanges", NullOr(nc.permitted_ip_ranges)},
        {"excludedIPRanges", NullOr(nc.excluded_ip_ranges)},
        {"permittedEmailAddresses", NullOr(nc.permitted_email_addresses)},
        {"excludedEmailAddresses", NullOr(nc.excluded_email_addresses)},
        {"permittedURIDomains", NullOr(nc.permitted_uri_domains)},
        {"excludedURIDomains", NullOr(nc.excluded_uri_domains)},
    };
  }
  j["signatureAlgorithm"] = tmpl.signature_algorithm;
  auto spki = key.ToDer();
  j["publicKey"] = spki.ok() ? nlohmann::ordered_json(Base64Encode(*spki)) : nullptr;
  j["publicKeyAlgorithm"] = PublicKeyAlgorithmName(key);
  j["notBefore"] = FormatRfc3339Nano(tmpl.not_before);
  j["notAfter"] = FormatRfc3339Nano(tmpl.not_after);
  j["raw"] = nullptr;
  return j;
}

}  // namespace cairn::templates
