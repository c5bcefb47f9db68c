#include "pki/ocsp.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <array>
#include <chrono>
#include <cstdio>

#include "crypto/der.h"
#include "crypto/digest.h"
#include "crypto/ossl_ptr.h"
#include "pki/internal/x509_util.h"

namespace cairn::pki {
namespace {

namespace der = crypto::der;

// Tags not in crypto/der.h.
constexpr uint8_t kEnumerated = 0x0a;
constexpr uint8_t kGeneralizedTime = 0x18;

// DER contents of the OIDs used here.
constexpr std::string_view kOidSha1 = "\x2b\x0e\x03\x02\x1a";
constexpr std::string_view kOidSha256 = "\x60\x86\x48\x01\x65\x03\x04\x02\x01";
constexpr std::string_view kOidSha384 = "\x60\x86\x48\x01\x65\x03\x04\x02\x02";
constexpr std::string_view kOidSha512 = "\x60\x86\x48\x01\x65\x03\x04\x02\x03";
constexpr std::string_view kOidBasicResponse = "\x2b\x06\x01\x05\x05\x07\x30\x01\x01";
constexpr std::string_view kOidNonce = "\x2b\x06\x01\x05\x05\x07\x30\x01\x02";
constexpr std::string_view kOidAcceptableResponses = "\x2b\x06\x01\x05\x05\x07\x30\x01\x04";
constexpr std::string_view kOidPreferredSigAlgs = "\x2b\x06\x01\x05\x05\x07\x30\x01\x08";
constexpr std::string_view kOidOcspSigningDer = "\x2b\x06\x01\x05\x05\x07\x03\x09";
constexpr std::string_view kOidEcdsaSha256 = "\x2a\x86\x48\xce\x3d\x04\x03\x02";
constexpr std::string_view kOidEcdsaSha384 = "\x2a\x86\x48\xce\x3d\x04\x03\x03";
constexpr std::string_view kOidEcdsaSha512 = "\x2a\x86\x48\xce\x3d\x04\x03\x04";
constexpr std::string_view kOidSha1Rsa = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05";
constexpr std::string_view kOidSha256Rsa = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b";
constexpr std::string_view kOidSha384Rsa = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c";
constexpr std::string_view kOidSha512Rsa = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d";
constexpr std::string_view kOidEd25519 = "\x2b\x65\x70";

// kMaxExtensions bounds the extensions of one Extensions field we read.
constexpr size_t kMaxExtensions = 32;
// kMaxSerialOctets bounds a CertID serial number (RFC 5280 allows 20; some CAs wrote 21).
constexpr size_t kMaxSerialOctets = 32;

std::string Null() { return std::string("\x05\x00", 2); }

// --- CertID hash algorithms -----------------------------------------------------------------

struct HashInfo {
  CertIdHash hash;
  std::string_view oid;  // DER contents
  const char* dotted;
  size_t size;
};
constexpr std::array<HashInfo, 4> kHashes = {{
    {CertIdHash::kSha1, kOidSha1, "1.3.14.3.2.26", 20},
    {CertIdHash::kSha256, kOidSha256, "2.16.840.1.101.3.4.2.1", 32},
    {CertIdHash::kSha384, kOidSha384, "2.16.840.1.101.3.4.2.2", 48},
    {CertIdHash::kSha512, kOidSha512, "2.16.840.1.101.3.4.2.3", 64},
}};

const HashInfo* FindHash(CertIdHash hash) {
  for (const auto& h : kHashes) {
    if (h.hash == hash) return &h;
  }
  return nullptr;
}

std::string HashWith(CertIdHash hash, std::string_view data) {
  switch (hash) {
    case CertIdHash::kSha1:
      return crypto::Sha1(data);
    case CertIdHash::kSha256:
      return crypto::Sha256(data);
    case CertIdHash::kSha384:
      return crypto::Sha384(data);
    case CertIdHash::kSha512:
      return crypto::Sha512(data);
    case CertIdHash::kUnknown:
      break;
  }
  return std::string();
}

// OidText returns the dotted form of an OBJECT IDENTIFIER element (whole TLV), or "" when it
// is malformed.
std::string OidText(std::string_view oid_element) {
  const auto* p = reinterpret_cast<const unsigned char*>(oid_element.data());
  ossl::UniquePtr<ASN1_OBJECT> obj(
      d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(oid_element.size())));
  if (!obj) {
    ossl::ClearErrors();
    return std::string();
  }
  return internal::ObjToText(obj.get());
}

// --- Serial numbers -------------------------------------------------------------------------

// SerialToDecimal decodes a DER INTEGER element (whole TLV).
Result<std::string> SerialToDecimal(const der::Element& e) {
  if (e.tag != der::kInteger || e.contents.empty() || e.contents.size() > kMaxSerialOctets) {
    return InvalidArgumentError("ocsp: malformed serial number");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(e.full.data());
  ossl::UniquePtr<ASN1_STRING> serial(
      d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(e.full.size())));
  if (!serial || p != reinterpret_cast<const unsigned char*>(e.full.data()) + e.full.size()) {
    ossl::ClearErrors();  // non-minimal encodings land here (OpenSSL: illegal padding)
    return InvalidArgumentError("ocsp: malformed serial number");
  }
  ossl::UniquePtr<BIGNUM> bn(ASN1_INTEGER_to_BN(serial.get(), nullptr));
  if (!bn) return ossl::ErrorStatus("ASN1_INTEGER_to_BN");
  ossl::UniquePtr<char> dec(BN_bn2dec(bn.get()));
  if (!dec) return ossl::ErrorStatus("BN_bn2dec");
  return std::string(dec.get());
}

// SerialToDer encodes a decimal serial number as a DER INTEGER element.
Result<std::string> SerialToDer(std::string_view decimal) {
  std::string_view digits = decimal;
  if (!digits.empty() && digits[0] == '-') digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 100) {
    return InvalidArgumentError("ocsp: serial number must be a decimal integer");
  }
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return InvalidArgumentError("ocsp: serial number must be a decimal integer");
    }
  }
  const std::string text(decimal);
  BIGNUM* raw = nullptr;
  if (BN_dec2bn(&raw, text.c_str()) == 0) return ossl::ErrorStatus("BN_dec2bn");
  ossl::UniquePtr<BIGNUM> bn(raw);
  ossl::UniquePtr<ASN1_STRING> serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) return ossl::ErrorStatus("BN_to_ASN1_INTEGER");
  unsigned char* out = nullptr;
  const int len = i2d_ASN1_INTEGER(serial.get(), &out);
  if (len <= 0) return ossl::ErrorStatus("i2d_ASN1_INTEGER");
  ossl::UniquePtr<unsigned char> owned(out);
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(len));
}

// --- Times ----------------------------------------------------------------------------------

// GeneralizedTime encodes `t` as "YYYYMMDDHHMMSSZ" (seconds precision, RFC 5280 §4.1.2.5.2).
std::string GeneralizedTime(Time t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{secs - day};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d%02u%02u%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return der::Tlv(kGeneralizedTime, buf);
}

// ParseGeneralizedTime reads "YYYYMMDDHHMMSS[.fff]Z" (contents of a GeneralizedTime) for years
// 1950..2261; a fraction of a second is dropped.
Result<Time> ParseGeneralizedTime(std::string_view s) {
  const Status bad = InvalidArgumentError("ocsp: malformed GeneralizedTime");
  if (s.size() < 15 || s.size() > 32 || s.back() != 'Z') return bad;
  auto num = [&](size_t pos, size_t len, int* out) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!num(0, 4, &year) || !num(4, 2, &month) || !num(6, 2, &day) || !num(8, 2, &hour) ||
      !num(10, 2, &minute) || !num(12, 2, &second)) {
    return bad;
  }
  const std::string_view rest = s.substr(14, s.size() - 15);
  if (!rest.empty()) {
    if (rest.size() < 2 || rest[0] != '.') return bad;
    for (char c : rest.substr(1)) {
      if (c < '0' || c > '9') return bad;
    }
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year(year),
                           std::chrono::month(static_cast<unsigned>(month)),
                           std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) return bad;
  // Time counts nanoseconds in 64 bits: it ends in 2262.
  if (year < 1950 || year > 2261) return InvalidArgumentError("ocsp: time out of range");
  const sys_seconds at = sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second);
  return time_point_cast<Time::duration>(at);
}

Result<Time> ReadGeneralizedTime(der::Reader& r) {
  CAIRN_ASSIGN_OR_RETURN(std::string_view contents, r.Expect(kGeneralizedTime));
  return ParseGeneralizedTime(contents);
}

// --- CertID ---------------------------------------------------------------------------------

// ParseCertIdElement decodes a CertID element (whole TLV in e.full).
Result<CertId> ParseCertIdElement(const der::Element& e) {
  const Status bad = InvalidArgumentError("ocsp: malformed CertID");
  if (e.tag != der::kSequence) return bad;
  der::Reader fields(e.contents);
  auto alg = fields.Expect(der::kSequence);
  auto name_hash = fields.Expect(der::kOctetString);
  auto key_hash = fields.Expect(der::kOctetString);
  auto serial = fields.Next();
  if (!alg.ok() || !name_hash.ok() || !key_hash.ok() || !serial.ok() || !fields.empty()) {
    return bad;
  }
  der::Reader alg_fields(*alg);
  auto oid = alg_fields.Next();
  if (!oid.ok() || oid->tag != der::kObjectIdentifier || oid->contents.empty()) return bad;
  std::optional<der::Element> params;
  if (!alg_fields.empty()) {
    auto p = alg_fields.Next();
    if (!p.ok() || !alg_fields.empty()) return bad;
    params = *p;
  }

  CertId id;
  id.hash = CertIdHash::kUnknown;
  for (const auto& h : kHashes) {
    if (oid->contents == h.oid) {
      // Known digests take NULL or absent parameters (RFC 5754 §2) and have a fixed size.
      if (params && (params->tag != der::kNull || !params->contents.empty())) return bad;
      if (name_hash->size() != h.size || key_hash->size() != h.size) return bad;
      id.hash = h.hash;
      id.hash_oid = h.dotted;
    }
  }
  if (id.hash == CertIdHash::kUnknown) {
    id.hash_oid = OidText(oid->full);
    if (id.hash_oid.empty()) return bad;
    if (name_hash->size() > 128 || key_hash->size() > 128) return bad;
  }
  id.issuer_name_hash = std::string(*name_hash);
  id.issuer_key_hash = std::string(*key_hash);
  CAIRN_ASSIGN_OR_RETURN(id.serial_decimal, SerialToDecimal(*serial));
  id.der = std::string(e.full);
  return id;
}

// EncodeCertId encodes a CertID from its fields.
Result<std::string> EncodeCertId(CertIdHash hash, std::string_view name_hash,
                                 std::string_view key_hash, std::string_view serial_decimal) {
  const HashInfo* info = FindHash(hash);
  if (info == nullptr) return InvalidArgumentError("ocsp: CertID hash algorithm is unknown");
  if (name_hash.size() != info->size || key_hash.size() != info->size) {
    return InvalidArgumentError("ocsp: CertID digests have the wrong size");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string serial, SerialToDer(serial_decimal));
  // Parameters NULL, as OpenSSL's OCSP_cert_id_new writes them.
  const std::string alg =
      der::Tlv(der::kSequence, der::Tlv(der::kObjectIdentifier, info->oid) + Null());
  return der::Tlv(der::kSequence, alg + der::Tlv(der::kOctetString, name_hash) +
                                      der::Tlv(der::kOctetString, key_hash) + serial);
}

// --- Extensions -----------------------------------------------------------------------------

struct RawExtension {
  std::string_view oid;  // DER contents
  bool critical = false;
  std::string_view value;
};

// ParseExtensions decodes the contents of an Extensions SEQUENCE.
Result<std::vector<RawExtension>> ParseExtensions(std::string_view seq_contents) {
  const Status bad = InvalidArgumentError("ocsp: malformed extensions");
  std::vector<RawExtension> out;
  der::Reader list(seq_contents);
  while (!list.empty()) {
    if (out.size() == kMaxExtensions) return InvalidArgumentError("ocsp: too many extensions");
    auto ext = list.Expect(der::kSequence);
    if (!ext.ok()) return bad;
    der::Reader f(*ext);
    RawExtension e;
    auto oid = f.Expect(der::kObjectIdentifier);
    if (!oid.ok() || oid->empty()) return bad;
    e.oid = *oid;
    if (f.PeekTag(der::kBoolean)) {
      auto b = f.Expect(der::kBoolean);
      if (!b.ok() || b->size() != 1) return bad;
      e.critical = (*b)[0] != 0;
    }
    auto value = f.Expect(der::kOctetString);
    if (!value.ok() || !f.empty()) return bad;
    e.value = *value;
    out.push_back(e);
  }
  return out;
}

// ReadExplicitExtensions reads an [n] EXPLICIT Extensions field.
Result<std::vector<RawExtension>> ReadExplicitExtensions(der::Reader& r, int n) {
  CAIRN_ASSIGN_OR_RETURN(std::string_view wrapped, r.Expect(der::ContextTag(n, true)));
  der::Reader inner(wrapped);
  auto seq = inner.Expect(der::kSequence);
  if (!seq.ok() || !inner.empty()) return InvalidArgumentError("ocsp: malformed extensions");
  return ParseExtensions(*seq);
}

// FindNonce returns the nonce among `exts`. Fails on a duplicate, empty or oversized nonce.
Result<std::optional<std::string>> FindNonce(const std::vector<RawExtension>& exts) {
  std::optional<std::string> nonce;
  for (const auto& e : exts) {
    if (e.oid != kOidNonce) continue;
    if (nonce) return InvalidArgumentError("ocsp: duplicate nonce extension");
    if (e.value.empty() || e.value.size() > kMaxOcspNonceBytes) {
      return InvalidArgumentError("ocsp: nonce is empty or too long");
    }
    nonce = std::string(e.value);
  }
  return nonce;
}

// ReadVersion reads an optional [0] EXPLICIT Version and requires v1 (0).
Status ReadVersion(der::Reader& r) {
  if (!r.PeekTag(der::ContextTag(0, true))) return Status();
  auto wrapped = r.Expect(der::ContextTag(0, true));
  if (!wrapped.ok()) return InvalidArgumentError("ocsp: malformed version");
  der::Reader inner(*wrapped);
  auto v = inner.Expect(der::kInteger);
  if (!v.ok() || !inner.empty()) return InvalidArgumentError("ocsp: malformed version");
  auto value = der::ParseInt64(*v);
  if (!value.ok() || *value != 0) return InvalidArgumentError("ocsp: unsupported version");
  return Status();
}

// --- Signature algorithms -------------------------------------------------------------------

struct SigAlgInfo {
  std::string_view oid;  // DER contents
  const char* name;      // Go's name
  crypto::HashAlg hash;
  bool rsa;  // params NULL; RSA key
  bool ec;   // EC key
  bool verifiable;
};
constexpr std::array<SigAlgInfo, 8> kSigAlgs = {{
    {kOidEcdsaSha256, "ECDSA-SHA256", crypto::HashAlg::kSha256, false, true, true},
    {kOidEcdsaSha384, "ECDSA-SHA384", crypto::HashAlg::kSha384, false, true, true},
    {kOidEcdsaSha512, "ECDSA-SHA512", crypto::HashAlg::kSha512, false, true, true},
    {kOidSha256Rsa, "SHA256-RSA", crypto::HashAlg::kSha256, true, false, true},
    {kOidSha384Rsa, "SHA384-RSA", crypto::HashAlg::kSha384, true, false, true},
    {kOidSha512Rsa, "SHA512-RSA", crypto::HashAlg::kSha512, true, false, true},
    {kOidEd25519, "Ed25519", crypto::HashAlg::kNone, false, false, true},
    {kOidSha1Rsa, "SHA1-RSA", crypto::HashAlg::kNone, true, false, false},
}};

bool IsEc(crypto::KeyType t) {
  return t == crypto::KeyType::kEcP256 || t == crypto::KeyType::kEcP384 ||
         t == crypto::KeyType::kEcP521;
}

// SignatureAlgorithmFor returns the AlgorithmIdentifier (DER) and digest for signing with
// `key` at crypto::DefaultHashFor it (a private copy of the builder's logic).
Result<std::pair<std::string, crypto::HashAlg>> SignatureAlgorithmFor(
    const crypto::PublicKey& key) {
  const crypto::HashAlg hash = crypto::DefaultHashFor(key);
  for (const auto& a : kSigAlgs) {
    if (!a.verifiable || a.hash != hash) continue;
    const bool fits = (a.ec && IsEc(key.type())) ||
                      (a.rsa && key.type() == crypto::KeyType::kRsa) ||
                      (!a.ec && !a.rsa && key.type() == crypto::KeyType::kEd25519);
    if (!fits) continue;
    std::string contents = der::Tlv(der::kObjectIdentifier, a.oid);
    if (a.rsa) contents += Null();  // RFC 4055 §5
    return std::make_pair(der::Tlv(der::kSequence, contents), hash);
  }
  return FailedPreconditionError("ocsp: unsupported responder key type " +
                                 std::string(crypto::KeyTypeName(key.type())));
}

// --- Keys -----------------------------------------------------------------------------------

// KeyBits returns the contents of `cert`'s subjectPublicKey BIT STRING (no unused-bits octet).
Result<std::string> KeyBits(const Certificate& cert) {
  const ASN1_BIT_STRING* bits = X509_get0_pubkey_bitstr(cert.get());
  if (bits == nullptr) return InvalidArgumentError("ocsp: certificate has no public key");
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(bits)),
                     static_cast<size_t>(ASN1_STRING_length(bits)));
}

// NamesResponder reports whether the ResponderID of `resp` names `cert`.
bool NamesResponder(const ParsedOcspResponse& resp, const Certificate& cert) {
  if (!resp.responder_key_hash.empty()) {
    auto bits = KeyBits(cert);
    return bits.ok() && crypto::Sha1(*bits) == resp.responder_key_hash;
  }
  return !resp.responder_name_der.empty() && cert.raw_subject() == resp.responder_name_der;
}

// --- Responses ------------------------------------------------------------------------------

Result<std::string> EncodeSingleResponse(const SingleResponse& r) {
  std::string cert_id;
  if (r.id.der.empty()) {
    CAIRN_ASSIGN_OR_RETURN(cert_id, EncodeCertId(r.id.hash, r.id.issuer_name_hash,
                                                 r.id.issuer_key_hash, r.id.serial_decimal));
  } else {
    der::Reader reader(r.id.der);
    auto e = reader.Next();
    if (!e.ok() || !reader.empty() || !ParseCertIdElement(*e).ok()) {
      return InvalidArgumentError("ocsp: malformed CertID in template");
    }
    cert_id = r.id.der;
  }
  if (r.status != SingleResponse::Status::kRevoked && r.reason_code != -1) {
    return InvalidArgumentError("ocsp: a reason code is only for revoked certificates");
  }
  std::string status;
  switch (r.status) {
    case SingleResponse::Status::kGood:
      status = der::Tlv(der::ContextTag(0, false), "");
      break;
    case SingleResponse::Status::kRevoked: {
      std::string info = GeneralizedTime(r.revoked_at);
      if (r.reason_code != -1) {
        if (r.reason_code < 0 || r.reason_code > 10 || r.reason_code == 7) {
          return InvalidArgumentError("ocsp: invalid CRLReason " + std::to_string(r.reason_code));
        }
        info += der::Tlv(der::ContextTag(0, true),
                         der::Tlv(kEnumerated, std::string(1, static_cast<char>(r.reason_code))));
      }
      status = der::Tlv(der::ContextTag(1, true), info);
      break;
    }
    case SingleResponse::Status::kUnknown:
      status = der::Tlv(der::ContextTag(2, false), "");
      break;
  }
  std::string body = cert_id + status + GeneralizedTime(r.this_update);
  if (r.next_update) {
    if (TruncateToSeconds(*r.next_update) < TruncateToSeconds(r.this_update)) {
      return InvalidArgumentError("ocsp: nextUpdate is before thisUpdate");
    }
    body += der::Tlv(der::ContextTag(0, true), GeneralizedTime(*r.next_update));
  }
  return der::Tlv(der::kSequence, body);
}

Result<SingleResponse> ParseSingleResponse(std::string_view contents) {
  const Status bad = InvalidArgumentError("ocsp: malformed SingleResponse");
  der::Reader f(contents);
  SingleResponse r;
  auto id = f.Next();
  if (!id.ok()) return bad;
  CAIRN_ASSIGN_OR_RETURN(r.id, ParseCertIdElement(*id));
  auto status = f.Next();
  if (!status.ok()) return bad;
  if (status->tag == der::ContextTag(0, false) && status->contents.empty()) {
    r.status = SingleResponse::Status::kGood;
  } else if (status->tag == der::ContextTag(2, false) && status->contents.empty()) {
    r.status = SingleResponse::Status::kUnknown;
  } else if (status->tag == der::ContextTag(1, true)) {
    r.status = SingleResponse::Status::kRevoked;
    der::Reader info(status->contents);
    CAIRN_ASSIGN_OR_RETURN(r.revoked_at, ReadGeneralizedTime(info));
    if (!info.empty()) {
      auto wrapped = info.Expect(der::ContextTag(0, true));
      if (!wrapped.ok() || !info.empty()) return bad;
      der::Reader reason(*wrapped);
      auto value = reason.Expect(kEnumerated);
      if (!value.ok() || !reason.empty()) return bad;
      auto code = der::ParseInt64(*value);
      if (!code.ok() || *code < 0 || *code > 10 || *code == 7) return bad;
      r.reason_code = static_cast<int>(*code);
    }
  } else {
    return bad;
  }
  CAIRN_ASSIGN_OR_RETURN(r.this_update, ReadGeneralizedTime(f));
  if (f.PeekTag(der::ContextTag(0, true))) {
    auto wrapped = f.Expect(der::ContextTag(0, true));
    if (!wrapped.ok()) return bad;
    der::Reader inner(*wrapped);
    CAIRN_ASSIGN_OR_RETURN(r.next_update, ReadGeneralizedTime(inner));
    if (!inner.empty()) return bad;
  }
  if (f.PeekTag(der::ContextTag(1, true))) {
    CAIRN_RETURN_IF_ERROR(ReadExplicitExtensions(f, 1));  // singleExtensions: not used
  }
  if (!f.empty()) return bad;
  return r;
}

// ParseBasicResponse fills `out` from a DER BasicOCSPResponse.
Status ParseBasicResponse(std::string_view basic_der, ParsedOcspResponse* out) {
  const Status bad = InvalidArgumentError("ocsp: malformed BasicOCSPResponse");
  der::Reader top(basic_der);
  auto basic = top.Expect(der::kSequence);
  if (!basic.ok() || !top.empty()) return bad;
  der::Reader f(*basic);
  auto tbs = f.Next();
  auto alg = f.Expect(der::kSequence);
  auto sig = f.Expect(der::kBitString);
  if (!tbs.ok() || tbs->tag != der::kSequence || !alg.ok() || !sig.ok() || sig->empty() ||
      (*sig)[0] != 0) {
    return bad;
  }
  out->tbs_response_data = std::string(tbs->full);
  out->signature = std::string(sig->substr(1));

  // signatureAlgorithm
  der::Reader alg_fields(*alg);
  auto oid = alg_fields.Next();
  if (!oid.ok() || oid->tag != der::kObjectIdentifier) return bad;
  out->signature_algorithm.clear();
  for (const auto& a : kSigAlgs) {
    if (oid->contents == a.oid) out->signature_algorithm = a.name;
  }
  if (out->signature_algorithm.empty()) out->signature_algorithm = OidText(oid->full);
  if (out->signature_algorithm.empty()) return bad;

  // certs [0] EXPLICIT SEQUENCE OF Certificate
  if (f.PeekTag(der::ContextTag(0, true))) {
    auto wrapped = f.Expect(der::ContextTag(0, true));
    if (!wrapped.ok()) return bad;
    der::Reader inner(*wrapped);
    auto list = inner.Expect(der::kSequence);
    if (!list.ok() || !inner.empty()) return bad;
    der::Reader certs(*list);
    while (!certs.empty()) {
      if (out->certs.size() == kMaxOcspResponseCerts) {
        return ResourceExhaustedError("ocsp: too many certificates in response");
      }
      auto cert = certs.Next();
      if (!cert.ok()) return bad;
      auto parsed = Certificate::FromDer(cert->full);
      if (!parsed.ok()) return InvalidArgumentError("ocsp: malformed certificate in response");
      out->certs.push_back(std::move(parsed).value());
    }
  }
  if (!f.empty()) return bad;

  // tbsResponseData
  der::Reader rd(tbs->contents);
  CAIRN_RETURN_IF_ERROR(ReadVersion(rd));
  auto rid = rd.Next();
  if (!rid.ok()) return bad;
  der::Reader rid_inner(rid->contents);
  if (rid->tag == der::ContextTag(1, true)) {
    auto name = rid_inner.Next();
    if (!name.ok() || name->tag != der::kSequence || !rid_inner.empty()) return bad;
    out->responder_name_der = std::string(name->full);
  } else if (rid->tag == der::ContextTag(2, true)) {
    auto hash = rid_inner.Expect(der::kOctetString);
    if (!hash.ok() || hash->empty() || hash->size() > 64 || !rid_inner.empty()) return bad;
    out->responder_key_hash = std::string(*hash);
  } else {
    return bad;
  }
  CAIRN_ASSIGN_OR_RETURN(out->produced_at, ReadGeneralizedTime(rd));
  auto responses = rd.Expect(der::kSequence);
  if (!responses.ok()) return bad;
  der::Reader list(*responses);
  while (!list.empty()) {
    if (out->responses.size() == kMaxOcspSingleResponses) {
      return ResourceExhaustedError("ocsp: too many SingleResponses");
    }
    auto one = list.Expect(der::kSequence);
    if (!one.ok()) return bad;
    CAIRN_ASSIGN_OR_RETURN(SingleResponse r, ParseSingleResponse(*one));
    out->responses.push_back(std::move(r));
  }
  if (rd.PeekTag(der::ContextTag(1, true))) {
    CAIRN_ASSIGN_OR_RETURN(auto exts, ReadExplicitExtensions(rd, 1));
    CAIRN_ASSIGN_OR_RETURN(out->nonce, FindNonce(exts));
  }
  if (!rd.empty()) return bad;
  return Status();
}

}  // namespace

std::string_view CertIdHashName(CertIdHash hash) {
  switch (hash) {
    case CertIdHash::kSha1:
      return "SHA1";
    case CertIdHash::kSha256:
      return "SHA256";
    case CertIdHash::kSha384:
      return "SHA384";
    case CertIdHash::kSha512:
      return "SHA512";
    case CertIdHash::kUnknown:
      break;
  }
  return "unknown";
}

Result<OcspRequest> ParseOcspRequest(std::string_view input) {
  if (input.empty()) return InvalidArgumentError("ocsp: empty request");
  if (input.size() > kMaxOcspRequestBytes) {
    return ResourceExhaustedError("ocsp: request larger than " +
                                  std::to_string(kMaxOcspRequestBytes) + " bytes");
  }
  const Status bad = InvalidArgumentError("ocsp: malformed request");
  der::Reader top(input);
  auto outer = top.Expect(der::kSequence);
  if (!outer.ok()) return bad;
  if (!top.empty()) return InvalidArgumentError("ocsp: trailing data after request");

  OcspRequest req;
  der::Reader fields(*outer);
  auto tbs = fields.Expect(der::kSequence);
  if (!tbs.ok()) return bad;
  if (!fields.empty()) {
    // optionalSignature [0] EXPLICIT Signature
    auto sig = fields.Expect(der::ContextTag(0, true));
    if (!sig.ok() || !fields.empty()) return bad;
    der::Reader inner(*sig);
    auto seq = inner.Expect(der::kSequence);
    if (!seq.ok() || !inner.empty()) return bad;
    req.signed_request = true;
  }

  der::Reader t(*tbs);
  CAIRN_RETURN_IF_ERROR(ReadVersion(t));
  if (t.PeekTag(der::ContextTag(1, true))) {
    if (!t.Next().ok()) return bad;  // requestorName: not used
  }
  auto list = t.Expect(der::kSequence);
  if (!list.ok()) return bad;
  if (t.PeekTag(der::ContextTag(2, true))) {
    CAIRN_ASSIGN_OR_RETURN(auto exts, ReadExplicitExtensions(t, 2));
    CAIRN_ASSIGN_OR_RETURN(req.nonce, FindNonce(exts));
    for (const auto& e : exts) {
      const bool understood =
          e.oid == kOidNonce || e.oid == kOidAcceptableResponses || e.oid == kOidPreferredSigAlgs;
      if (e.critical && !understood) {
        return InvalidArgumentError("ocsp: unsupported critical request extension");
      }
    }
  }
  if (!t.empty()) return bad;

  der::Reader items(*list);
  while (!items.empty()) {
    if (req.ids.size() == kMaxOcspRequestCertIds) {
      return ResourceExhaustedError("ocsp: more than " + std::to_string(kMaxOcspRequestCertIds) +
                                    " CertIDs in one request");
    }
    auto item = items.Expect(der::kSequence);
    if (!item.ok()) return bad;
    der::Reader one(*item);
    auto cert_id = one.Next();
    if (!cert_id.ok()) return bad;
    CAIRN_ASSIGN_OR_RETURN(CertId id, ParseCertIdElement(*cert_id));
    if (one.PeekTag(der::ContextTag(0, true))) {
      // singleRequestExtensions: none is used, but they must be well-formed.
      CAIRN_RETURN_IF_ERROR(ReadExplicitExtensions(one, 0));
    }
    if (!one.empty()) return bad;
    req.ids.push_back(std::move(id));
  }
  if (req.ids.empty()) return InvalidArgumentError("ocsp: request lists no certificate");
  return req;
}

Result<IssuerHashes> ComputeIssuerHashes(const Certificate& issuer, CertIdHash hash) {
  if (FindHash(hash) == nullptr) {
    return InvalidArgumentError("ocsp: CertID hash algorithm is unknown");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string bits, KeyBits(issuer));
  return IssuerHashes{HashWith(hash, issuer.raw_subject()), HashWith(hash, bits)};
}

bool Matches(const CertId& id, const Certificate& issuer) {
  auto hashes = ComputeIssuerHashes(issuer, id.hash);
  return hashes.ok() && hashes->name_hash == id.issuer_name_hash &&
         hashes->key_hash == id.issuer_key_hash;
}

Result<CertId> MakeCertId(const Certificate& issuer, std::string_view serial_decimal,
                          CertIdHash hash) {
  CAIRN_ASSIGN_OR_RETURN(IssuerHashes hashes, ComputeIssuerHashes(issuer, hash));
  CertId id;
  id.hash = hash;
  id.hash_oid = FindHash(hash)->dotted;
  CAIRN_ASSIGN_OR_RETURN(id.der,
                         EncodeCertId(hash, hashes.name_hash, hashes.key_hash, serial_decimal));
  // Read the serial back so it is in canonical form ("007" -> "7").
  der::Reader r(id.der);
  CAIRN_ASSIGN_OR_RETURN(der::Element e, r.Next());
  CAIRN_ASSIGN_OR_RETURN(CertId parsed, ParseCertIdElement(e));
  id.serial_decimal = std::move(parsed.serial_decimal);
  id.issuer_name_hash = std::move(hashes.name_hash);
  id.issuer_key_hash = std::move(hashes.key_hash);
  return id;
}

Result<std::string> SignOcspResponse(const ResponseTemplate& tmpl,
                                     const Certificate& responder_cert,
                                     const crypto::Signer& signer,
                                     const std::vector<Certificate>& certs_to_include) {
  const crypto::PublicKey signer_key = signer.public_key();
  if (!signer_key.Equals(responder_cert.public_key())) {
    return FailedPreconditionError("ocsp: signer key does not match the responder certificate");
  }
  CAIRN_ASSIGN_OR_RETURN(auto sig_alg, SignatureAlgorithmFor(signer_key));
  if (tmpl.responses.empty()) return InvalidArgumentError("ocsp: response lists no certificate");
  if (tmpl.responses.size() > kMaxOcspSingleResponses) {
    return InvalidArgumentError("ocsp: too many SingleResponses");
  }
  if (certs_to_include.size() > kMaxOcspResponseCerts) {
    return InvalidArgumentError("ocsp: too many certificates to include");
  }
  if (tmpl.nonce && (tmpl.nonce->empty() || tmpl.nonce->size() > kMaxOcspNonceBytes)) {
    return InvalidArgumentError("ocsp: nonce is empty or too long");
  }

  CAIRN_ASSIGN_OR_RETURN(std::string key_bits, KeyBits(responder_cert));
  std::string responses;
  for (const auto& r : tmpl.responses) {
    CAIRN_ASSIGN_OR_RETURN(std::string one, EncodeSingleResponse(r));
    responses += one;
  }
  // ResponseData; version v1 is the DEFAULT and so absent in DER.
  std::string data =
      der::Tlv(der::ContextTag(2, true),
               der::Tlv(der::kOctetString, crypto::Sha1(key_bits))) +  // ResponderID byKey
      GeneralizedTime(tmpl.produced_at) +
      der::Tlv(der::kSequence, responses);
  if (tmpl.nonce) {
    const std::string ext = der::Tlv(der::kSequence, der::Tlv(der::kObjectIdentifier, kOidNonce) +
                                                         der::Tlv(der::kOctetString, *tmpl.nonce));
    data += der::Tlv(der::ContextTag(1, true), der::Tlv(der::kSequence, ext));
  }
  const std::string tbs = der::Tlv(der::kSequence, data);

  CAIRN_ASSIGN_OR_RETURN(std::string signature, signer.Sign(sig_alg.second, tbs));
  std::string basic =
      tbs + sig_alg.first + der::Tlv(der::kBitString, std::string(1, '\0') + signature);
  if (!certs_to_include.empty()) {
    std::string certs;
    for (const auto& c : certs_to_include) certs += c.der();
    basic += der::Tlv(der::ContextTag(0, true), der::Tlv(der::kSequence, certs));
  }
  const std::string response_bytes =
      der::Tlv(der::kSequence, der::Tlv(der::kObjectIdentifier, kOidBasicResponse) +
                                   der::Tlv(der::kOctetString, der::Tlv(der::kSequence, basic)));
  return der::Tlv(der::kSequence, der::Tlv(kEnumerated, std::string(1, '\0')) +
                                      der::Tlv(der::ContextTag(0, true), response_bytes));
}

std::string_view OcspResponseStatusName(OcspResponseStatus status) {
  switch (status) {
    case OcspResponseStatus::kSuccessful:
      return "successful";
    case OcspResponseStatus::kMalformedRequest:
      return "malformedRequest";
    case OcspResponseStatus::kInternalError:
      return "internalError";
    case OcspResponseStatus::kTryLater:
      return "tryLater";
    case OcspResponseStatus::kSigRequired:
      return "sigRequired";
    case OcspResponseStatus::kUnauthorized:
      return "unauthorized";
  }
  return "unknown";
}

std::string OcspErrorResponse(OcspResponseStatus status) {
  if (status == OcspResponseStatus::kSuccessful) status = OcspResponseStatus::kInternalError;
  return der::Tlv(der::kSequence, der::Tlv(kEnumerated, std::string(1, static_cast<char>(status))));
}

Result<ParsedOcspResponse> ParseOcspResponse(std::string_view input) {
  if (input.empty()) return InvalidArgumentError("ocsp: empty response");
  if (input.size() > kMaxOcspResponseBytes) {
    return ResourceExhaustedError("ocsp: response larger than " +
                                  std::to_string(kMaxOcspResponseBytes) + " bytes");
  }
  const Status bad = InvalidArgumentError("ocsp: malformed response");
  der::Reader top(input);
  auto outer = top.Expect(der::kSequence);
  if (!outer.ok()) return bad;
  if (!top.empty()) return InvalidArgumentError("ocsp: trailing data after response");
  der::Reader f(*outer);
  auto status = f.Expect(kEnumerated);
  if (!status.ok()) return bad;
  auto code = der::ParseInt64(*status);
  if (!code.ok() || *code < 0 || *code > 6 || *code == 4) {
    return InvalidArgumentError("ocsp: unknown response status");
  }
  ParsedOcspResponse out;
  out.status = static_cast<OcspResponseStatus>(*code);
  std::optional<std::string_view> response_bytes;
  if (!f.empty()) {
    auto wrapped = f.Expect(der::ContextTag(0, true));
    if (!wrapped.ok() || !f.empty()) return bad;
    response_bytes = *wrapped;
  }
  if (out.status != OcspResponseStatus::kSuccessful) return out;  // responseBytes ignored
  if (!response_bytes) return InvalidArgumentError("ocsp: successful response without body");
  der::Reader rb(*response_bytes);
  auto seq = rb.Expect(der::kSequence);
  if (!seq.ok() || !rb.empty()) return bad;
  der::Reader rb_fields(*seq);
  auto type = rb_fields.Expect(der::kObjectIdentifier);
  auto body = rb_fields.Expect(der::kOctetString);
  if (!type.ok() || !body.ok() || !rb_fields.empty()) return bad;
  if (*type != kOidBasicResponse) {
    return InvalidArgumentError("ocsp: response type is not id-pkix-ocsp-basic");
  }
  CAIRN_RETURN_IF_ERROR(ParseBasicResponse(*body, &out));
  return out;
}

Status VerifyOcspSignature(const ParsedOcspResponse& response, const Certificate& signer_cert) {
  if (response.status != OcspResponseStatus::kSuccessful) {
    return FailedPreconditionError("ocsp: response status is " +
                                   std::string(OcspResponseStatusName(response.status)));
  }
  if (!NamesResponder(response, signer_cert)) {
    return UnauthenticatedError("ocsp: the ResponderID does not name the certificate");
  }
  const SigAlgInfo* alg = nullptr;
  for (const auto& a : kSigAlgs) {
    if (response.signature_algorithm == a.name) alg = &a;
  }
  if (alg == nullptr || !alg->verifiable) {
    return UnimplementedError("ocsp: unsupported signature algorithm " +
                              response.signature_algorithm);
  }
  const crypto::PublicKey key = signer_cert.public_key();
  const bool fits = (alg->ec && IsEc(key.type())) ||
                    (alg->rsa && key.type() == crypto::KeyType::kRsa) ||
                    (!alg->ec && !alg->rsa && key.type() == crypto::KeyType::kEd25519);
  if (!fits) {
    return UnauthenticatedError("ocsp: signature algorithm " + response.signature_algorithm +
                                " does not suit the responder key");
  }
  Status s =
      crypto::VerifySignature(key, alg->hash, response.tbs_response_data, response.signature);
  if (!s.ok()) return UnauthenticatedError("ocsp: response signature does not verify");
  return Status();
}

Status VerifyOcspResponse(const ParsedOcspResponse& response, const Certificate& issuer, Time at) {
  if (response.status != OcspResponseStatus::kSuccessful) {
    return FailedPreconditionError("ocsp: response status is " +
                                   std::string(OcspResponseStatusName(response.status)));
  }
  const Certificate* signer = nullptr;
  if (NamesResponder(response, issuer)) {
    signer = &issuer;
  } else {
    for (const auto& cert : response.certs) {
      if (NamesResponder(response, cert)) {
        signer = &cert;
        break;
      }
    }
    if (signer == nullptr) {
      return UnauthenticatedError(
          "ocsp: the responder certificate is not the issuer's and is "
          "not in the response");
    }
    if (!signer->IsIssuedBy(issuer)) {
      return UnauthenticatedError("ocsp: the responder certificate is not issued by the issuer");
    }
    bool ocsp_signing = false;
    for (const auto& eku : signer->ext_key_usage()) {
      auto oid = ExtKeyUsageOid(eku);
      if (oid.ok() && *oid == kOidOcspSigning) ocsp_signing = true;
    }
    if (!ocsp_signing) {
      return UnauthenticatedError("ocsp: the responder certificate lacks id-kp-OCSPSigning");
    }
    if (at < signer->not_before() || at > signer->not_after()) {
      return UnauthenticatedError("ocsp: the responder certificate is not valid at this time");
    }
  }
  for (const auto& r : response.responses) {
    if (!Matches(r.id, issuer)) {
      return UnauthenticatedError("ocsp: the response covers a certificate of another issuer");
    }
  }
  return VerifyOcspSignature(response, *signer);
}

std::vector<Extension> OcspResponderExtensions() {
  return {
      Extension{kOidExtKeyUsage, false,
                der::Tlv(der::kSequence, der::Tlv(der::kObjectIdentifier, kOidOcspSigningDer))},
      Extension{kOidOcspNoCheck, false, Null()},
  };
}

}  // namespace cairn::pki
