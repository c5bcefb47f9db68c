#include "pki/crl.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <memory>
#include <unordered_set>

#include "crypto/der.h"
#include "crypto/ossl_ptr.h"
#include "pki/internal/tbs_sign.h"
#include "pki/internal/x509_util.h"

namespace cairn::pki {
namespace {

namespace der = crypto::der;

// DER contents of the OIDs written here, all under id-ce (2.5.29, RFC 5280 §4.2 and §5.2).
constexpr std::string_view kDerOidAuthorityKeyId = "\x55\x1d\x23";            // 2.5.29.35
constexpr std::string_view kDerOidCrlNumber = "\x55\x1d\x14";                 // 2.5.29.20
constexpr std::string_view kDerOidReasonCode = "\x55\x1d\x15";                // 2.5.29.21
constexpr std::string_view kDerOidDeltaCrlIndicator = "\x55\x1d\x1b";         // 2.5.29.27
constexpr std::string_view kDerOidIssuingDistributionPoint = "\x55\x1d\x1c";  // 2.5.29.28
constexpr std::string_view kDerOidFreshestCrl = "\x55\x1d\x2e";               // 2.5.29.46

constexpr uint8_t kUtcTime = 0x17;
constexpr uint8_t kGeneralizedTime = 0x18;
constexpr uint8_t kEnumerated = 0x0a;

// The times a CRL can carry in RFC 5280's profile: UTCTime cannot say a year before 1950, and
// dates through 2049 MUST be UTCTime (§5.1.2.4); GeneralizedTime ends with year 9999.
constexpr int64_t kMinCrlTime = -631152000;    // 1950-01-01T00:00:00Z
constexpr int64_t kMaxCrlTime = 253402300799;  // 9999-12-31T23:59:59Z

// kMaxDecimalDigits bounds a decimal serial or CRL number before conversion (2^159 has 48
// digits; leading zeros are allowed).
constexpr size_t kMaxDecimalDigits = 64;

// --- Encoding -------------------------------------------------------------------------------

// DecimalToInteger returns the contents octets of the DER INTEGER whose value is `decimal`: a
// non-negative (positive unless `allow_zero`) decimal integer of at most 20 contents octets
// (RFC 5280 §4.1.2.2 for serials, §5.2.3 for CRL numbers). A plain base-256 conversion: it runs
// once per CRL entry, where a BIGNUM would cost allocations.
Result<std::string> DecimalToInteger(std::string_view decimal, bool allow_zero,
                                     std::string_view what) {
  const std::string name(what);
  if (decimal.empty()) return InvalidArgumentError(name + " is required");
  if (decimal.size() > kMaxDecimalDigits) return InvalidArgumentError(name + " is too long");
  // Little-endian base-256 magnitude; 21 octets are enough to see an overflow of 20.
  std::array<uint8_t, 22> mag{};
  size_t len = 0;
  for (char c : decimal) {
    if (c < '0' || c > '9') {
      return InvalidArgumentError(name + " must be a non-negative decimal integer");
    }
    unsigned carry = static_cast<unsigned>(c - '0');
    for (size_t i = 0; i < len; ++i) {
      const unsigned v = mag[i] * 10u + carry;
      mag[i] = static_cast<uint8_t>(v & 0xff);
      carry = v >> 8;
    }
    if (carry != 0) {
      if (len == 21) return InvalidArgumentError(name + " exceeds 20 octets");
      mag[len++] = static_cast<uint8_t>(carry);
    }
  }
  if (len == 0) {
    if (!allow_zero) return InvalidArgumentError(name + " must be positive");
    return std::string(1, '\0');
  }
  // Two's complement contents: a leading 0x00 when the top bit is set, at most 20 octets.
  const bool pad = (mag[len - 1] & 0x80) != 0;
  if (len + (pad ? 1 : 0) > 20) return InvalidArgumentError(name + " exceeds 20 octets");
  std::string out;
  out.reserve(len + 1);
  if (pad) out.push_back('\0');
  for (size_t i = len; i > 0; --i) out.push_back(static_cast<char>(mag[i - 1]));
  return out;
}

// IntegerLess compares the contents of two minimal non-negative DER INTEGERs.
bool IntegerLess(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;  // char_traits<char> compares as unsigned char, like memcmp
}

// CrlSeconds returns `t` in whole seconds (floored), or fails when the CRL cannot carry it.
Result<int64_t> CrlSeconds(Time t, std::string_view what) {
  const int64_t secs = std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
  if (secs < kMinCrlTime || secs > kMaxCrlTime) {
    return InvalidArgumentError(std::string(what) + " must be between 1950 and 9999");
  }
  return secs;
}

// AppendDigits writes `value` as `width` decimal digits at `*p` and advances it.
void AppendDigits(char** p, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i, value /= 10) (*p)[i] = static_cast<char>('0' + value % 10);
  *p += width;
}

// AppendTlv appends tag || length || contents to `out` (der::Tlv without a temporary: the
// entry loop runs once per revoked certificate).
void AppendTlv(std::string* out, uint8_t tag, std::string_view contents) {
  out->push_back(static_cast<char>(tag));
  const size_t len = contents.size();
  if (len < 0x80) {
    out->push_back(static_cast<char>(len));
  } else {
    char buf[8];
    int n = 0;
    for (size_t l = len; l > 0; l >>= 8) buf[n++] = static_cast<char>(l & 0xff);
    out->push_back(static_cast<char>(0x80 | n));
    while (n > 0) out->push_back(buf[--n]);
  }
  out->append(contents);
}

// AppendTime appends the Time element for `secs` (within kMinCrlTime..kMaxCrlTime): UTCTime
// YYMMDDHHMMSSZ through 2049, GeneralizedTime YYYYMMDDHHMMSSZ from 2050 (RFC 5280 §5.1.2.4).
// Calendar arithmetic only: gmtime_r takes glibc's timezone lock.
void AppendTime(std::string* out, int64_t secs) {
  using std::chrono::days;
  using std::chrono::seconds;
  const std::chrono::sys_seconds t{seconds(secs)};
  const auto day = std::chrono::floor<days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  const int year = static_cast<int>(ymd.year());
  const bool utc = year <= 2049;
  char text[16];
  char* p = text;
  if (utc) {
    AppendDigits(&p, static_cast<unsigned>(year % 100), 2);
  } else {
    AppendDigits(&p, static_cast<unsigned>(year), 4);
  }
  AppendDigits(&p, static_cast<unsigned>(ymd.month()), 2);
  AppendDigits(&p, static_cast<unsigned>(ymd.day()), 2);
  AppendDigits(&p, static_cast<unsigned>(hms.hours().count()), 2);
  AppendDigits(&p, static_cast<unsigned>(hms.minutes().count()), 2);
  AppendDigits(&p, static_cast<unsigned>(hms.seconds().count()), 2);
  *p++ = 'Z';
  AppendTlv(out, utc ? kUtcTime : kGeneralizedTime,
            std::string_view(text, static_cast<size_t>(p - text)));
}

std::string EncodeTime(int64_t secs) {
  std::string out;
  AppendTime(&out, secs);
  return out;
}

// ExtensionDer returns an Extension: SEQUENCE { extnID, critical (only when TRUE: DEFAULT
// FALSE is not encoded in DER), extnValue }.
std::string ExtensionDer(std::string_view oid, bool critical, std::string_view value) {
  std::string body = der::Tlv(der::kObjectIdentifier, oid);
  if (critical) body += der::Tlv(der::kBoolean, "\xff");
  body += der::Tlv(der::kOctetString, value);
  return der::Tlv(der::kSequence, body);
}

// DistributionPointField returns the distributionPoint field of a DistributionPoint or an
// IssuingDistributionPoint holding fullName = { uniformResourceIdentifier `uri` }: the
// DistributionPointName CHOICE takes an explicit [0], its fullName an implicit [0] GeneralNames,
// the URI is an implicit [6] IA5String.
std::string DistributionPointField(std::string_view uri) {
  return der::Tlv(der::ContextTag(0, true),
                  der::Tlv(der::ContextTag(0, true), der::Tlv(der::ContextTag(6, false), uri)));
}

// CheckUri accepts printable ASCII (no spaces) of the form scheme ":" rest, with an RFC 3986
// §3.1 scheme, as an IA5String GeneralName must be (RFC 5280 §4.2.1.6).
Status CheckUri(const std::string& uri, std::string_view what) {
  const std::string name(what);
  if (uri.empty()) return InvalidArgumentError(name + " is empty");
  if (uri.size() > kMaxCrlUriLength) return InvalidArgumentError(name + " is too long");
  for (char c : uri) {
    if (c < 0x21 || c > 0x7e) {
      return InvalidArgumentError(name + " '" + uri + "' must be printable ASCII without spaces");
    }
  }
  // ASCII classes by hand: <cctype> depends on the locale.
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const size_t colon = uri.find(':');
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < uri.size() && alpha(uri[0]);
  for (size_t i = 1; ok && i < colon; ++i) {
    const char c = uri[i];
    ok = alpha(c) || digit(c) || c == '+' || c == '-' || c == '.';
  }
  if (!ok) return InvalidArgumentError(name + " '" + uri + "' is not an absolute URI");
  return Status();
}

// ReasonExtensions returns the crlEntryExtensions of an entry with `reason`: empty (absent) for
// kCrlReasonNone and kCrlReasonUnspecified (RFC 5280 §5.3.1: SHOULD be absent rather than
// unspecified), else Extensions { reasonCode ENUMERATED }. `reason` is already checked. The
// eleven encodings are made once.
std::string_view ReasonExtensions(int reason) {
  static const auto* const kTable = [] {
    auto* table = new std::array<std::string, kCrlReasonAaCompromise + 1>();
    for (int r = kCrlReasonKeyCompromise; r <= kCrlReasonAaCompromise; ++r) {
      (*table)[static_cast<size_t>(r)] =
          der::Tlv(der::kSequence,
                   ExtensionDer(kDerOidReasonCode, false,
                                der::Tlv(kEnumerated, std::string(1, static_cast<char>(r)))));
    }
    return table;
  }();
  if (reason <= kCrlReasonUnspecified) return std::string_view();
  return (*kTable)[static_cast<size_t>(reason)];
}

Status CheckReason(int reason, bool delta) {
  if (reason == kCrlReasonNone) return Status();
  if (reason < 0 || reason > kCrlReasonAaCompromise || reason == 7) {
    return InvalidArgumentError("reason code " + std::to_string(reason) +
                                " is not a CRLReason (0..10, 7 unused)");
  }
  if (reason == kCrlReasonRemoveFromCrl && !delta) {
    return InvalidArgumentError("reason code removeFromCRL (8) may only appear in delta CRLs");
  }
  return Status();
}

// IsEmptyName reports whether the DER Name `name` has no RDN.
bool IsEmptyName(std::string_view name) {
  der::Reader r(name);
  auto seq = r.Expect(der::kSequence);
  return !seq.ok() || seq->empty();
}

// --- Decoding -------------------------------------------------------------------------------

struct IdpFree {
  void operator()(ISSUING_DIST_POINT* p) const { ISSUING_DIST_POINT_free(p); }
};

Status Malformed(std::string_view what) {
  return InvalidArgumentError("malformed CRL: " + std::string(what));
}

// CheckLayout walks the CertificateList with the strict DER reader before OpenSSL decodes it:
// it bounds the number of entries (each costs OpenSSL a few allocations), refuses trailing
// data and requires the inner and outer signature algorithms to be the same (RFC 5280
// §5.1.1.2), which X509_CRL_verify does not check.
Status CheckLayout(std::string_view in) {
  der::Reader top(in);
  auto list = top.Expect(der::kSequence);
  if (!list.ok()) return Malformed("not a SEQUENCE");
  if (!top.empty()) return Malformed("trailing data");
  der::Reader fields(*list);
  auto tbs = fields.Expect(der::kSequence);
  auto outer_alg = fields.Next();
  auto sig = fields.Expect(der::kBitString);
  if (!tbs.ok() || !outer_alg.ok() || outer_alg->tag != der::kSequence || !sig.ok() ||
      !fields.empty()) {
    return Malformed("CertificateList");
  }
  der::Reader t(*tbs);
  if (t.PeekTag(der::kInteger) && !t.Next().ok()) return Malformed("version");
  auto inner_alg = t.Next();
  if (!inner_alg.ok() || inner_alg->tag != der::kSequence) return Malformed("signature");
  if (inner_alg->full != outer_alg->full) {
    return Malformed("the TBSCertList and CertificateList signature algorithms differ");
  }
  if (!t.Expect(der::kSequence).ok()) return Malformed("issuer");
  auto this_update = t.Next();
  if (!this_update.ok() || (this_update->tag != kUtcTime && this_update->tag != kGeneralizedTime)) {
    return Malformed("thisUpdate");
  }
  if ((t.PeekTag(kUtcTime) || t.PeekTag(kGeneralizedTime)) && !t.Next().ok()) {
    return Malformed("nextUpdate");
  }
  if (t.PeekTag(der::kSequence)) {
    auto revoked = t.Expect(der::kSequence);
    if (!revoked.ok()) return Malformed("revokedCertificates");
    der::Reader entries(*revoked);
    size_t n = 0;
    while (!entries.empty()) {
      if (!entries.Next().ok()) return Malformed("revokedCertificates");
      if (++n > kMaxCrlEntries) {
        return ResourceExhaustedError("CRL has more than " + std::to_string(kMaxCrlEntries) +
                                      " entries");
      }
    }
  }
  return Status();
}

// DecodeCrl bounds, checks and decodes a DER CRL.
Result<ossl::UniquePtr<X509_CRL>> DecodeCrl(std::string_view in) {
  if (in.size() > kMaxCrlDer) {
    return ResourceExhaustedError("CRL larger than " + std::to_string(kMaxCrlDer) + " bytes");
  }
  CAIRN_RETURN_IF_ERROR(CheckLayout(in));
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = p + in.size();
  ossl::UniquePtr<X509_CRL> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(in.size())));
  if (!crl || p != end) {
    return ossl::ErrorStatus("d2i_X509_CRL", StatusCode::kInvalidArgument)
        .Annotate("malformed CRL");
  }
  return crl;
}

// CrlExtension decodes the CRL extension `nid`: nullptr when absent; fails when it appears
// twice or cannot be decoded.
Result<void*> CrlExtension(X509_CRL* crl, int nid, std::string_view name) {
  int crit = -1;
  void* value = X509_CRL_get_ext_d2i(crl, nid, &crit, nullptr);
  if (value != nullptr) return value;
  ossl::ClearErrors();
  if (crit == -1) return static_cast<void*>(nullptr);
  return Malformed(std::string(name) + (crit == -2 ? " extension repeated" : " extension"));
}

Result<std::string> IntegerToDecimal(const ASN1_INTEGER* v, std::string_view what) {
  ossl::UniquePtr<BIGNUM> bn(ASN1_INTEGER_to_BN(v, nullptr));
  if (!bn) {
    return ossl::ErrorStatus("ASN1_INTEGER_to_BN", StatusCode::kInvalidArgument)
        .Annotate("malformed CRL " + std::string(what));
  }
  ossl::UniquePtr<char> dec(BN_bn2dec(bn.get()));
  if (!dec) return ossl::ErrorStatus("BN_bn2dec");
  return std::string(dec.get());
}

// ReadTime converts a CRL time. Time (nanoseconds since 1970 in 64 bits) spans the years
// 1677..2262; times beyond, such as RFC 5280's 99991231235959Z for "no expiry", are clamped to
// its last (first) whole second.
Result<Time> ReadTime(const ASN1_TIME* t, std::string_view what) {
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    ossl::ClearErrors();
    return Malformed(what);
  }
  constexpr int64_t kMaxSeconds =
      std::chrono::duration_cast<std::chrono::seconds>(Time::duration::max()).count();
  const int64_t secs = static_cast<int64_t>(timegm(&tm));
  return FromUnixSeconds(std::clamp(secs, -kMaxSeconds, kMaxSeconds));
}

// FullNameUris appends the URIs of a DistributionPointName's fullName.
void FullNameUris(const DIST_POINT_NAME* dpn, std::vector<std::string>* out) {
  if (dpn == nullptr || dpn->type != 0) return;
  const SubjectAltNames names = internal::ParseGeneralNames(dpn->name.fullname);
  out->insert(out->end(), names.uris.begin(), names.uris.end());
}

std::string HashSuffix(int md_nid) {
  switch (md_nid) {
    case NID_sha1:
      return "SHA1";
    case NID_sha256:
      return "SHA256";
    case NID_sha384:
      return "SHA384";
    case NID_sha512:
      return "SHA512";
    default:
      return std::string();
  }
}

// SignatureAlgorithmName names the CRL's signature algorithm as Go does.
std::string SignatureAlgorithmName(const X509_CRL* crl) {
  const int sig_nid = X509_CRL_get_signature_nid(crl);
  int md_nid = NID_undef;
  int pk_nid = NID_undef;
  if (sig_nid == NID_ED25519) return "Ed25519";
  if (OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid) == 1) {
    const std::string hash = HashSuffix(md_nid);
    if (!hash.empty() && pk_nid == NID_X9_62_id_ecPublicKey) return "ECDSA-" + hash;
    if (!hash.empty() && pk_nid == NID_rsaEncryption) return hash + "-RSA";
  }
  const X509_ALGOR* alg = nullptr;
  X509_CRL_get0_signature(crl, nullptr, &alg);
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  return internal::ObjToText(obj);
}

}  // namespace

Result<std::string> SignCrl(const CrlTemplate& tmpl, const Certificate& issuer,
                            const crypto::Signer& signer) {
  const crypto::PublicKey signer_key = signer.public_key();
  if (!signer_key.Equals(issuer.public_key())) {
    return FailedPreconditionError("signer key does not match the CRL issuer's key");
  }
  const std::string issuer_name = issuer.raw_subject();
  if (IsEmptyName(issuer_name)) {
    return FailedPreconditionError("the CRL issuer's subject is empty (RFC 5280 §5.1.2.3)");
  }
  CAIRN_ASSIGN_OR_RETURN(const std::string alg,
                         internal::SignatureAlgorithmDer(
                             signer_key.type(), internal::DefaultSignatureChoice(signer_key)));

  // CRL number and, for a delta CRL, its base (one numbering sequence, RFC 5280 §5.2.3).
  CAIRN_ASSIGN_OR_RETURN(const std::string number,
                         DecimalToInteger(tmpl.number_decimal, true, "CRL number"));
  const bool delta = tmpl.delta_base_number_decimal.has_value();
  std::string base;
  if (delta) {
    CAIRN_ASSIGN_OR_RETURN(
        base, DecimalToInteger(*tmpl.delta_base_number_decimal, true, "delta CRL base number"));
    if (!IntegerLess(base, number)) {
      return InvalidArgumentError("delta CRL base number must be lower than the CRL number");
    }
  }
  CAIRN_ASSIGN_OR_RETURN(const int64_t this_update, CrlSeconds(tmpl.this_update, "thisUpdate"));
  CAIRN_ASSIGN_OR_RETURN(const int64_t next_update, CrlSeconds(tmpl.next_update, "nextUpdate"));
  if (next_update <= this_update) {
    return InvalidArgumentError("CRL nextUpdate must be after thisUpdate");
  }
  if (!tmpl.idp_uri.empty()) {
    CAIRN_RETURN_IF_ERROR(CheckUri(tmpl.idp_uri, "issuing distribution point URI"));
  }
  if (!tmpl.freshest_crl_uris.empty()) {
    if (delta) return InvalidArgumentError("a delta CRL must not carry a freshest CRL extension");
    if (tmpl.freshest_crl_uris.size() > kMaxFreshestCrlUris) {
      return InvalidArgumentError("too many freshest CRL URIs");
    }
    for (const auto& uri : tmpl.freshest_crl_uris) {
      CAIRN_RETURN_IF_ERROR(CheckUri(uri, "freshest CRL URI"));
    }
  }
  if (const size_t max = std::min(tmpl.max_entries, kMaxSignedCrlEntries);
      tmpl.entries.size() > max) {
    return ResourceExhaustedError("a CRL may list at most " + std::to_string(max) +
                                  " certificates");
  }

  // revokedCertificates, in the caller's order. One pass; the duplicate check is a hash set of
  // the encoded serials, so the cost stays linear in the number of entries.
  std::string revoked;
  revoked.reserve(tmpl.entries.size() * 56);
  std::unordered_set<std::string> seen;
  seen.reserve(tmpl.entries.size());
  std::string entry;
  for (size_t i = 0; i < tmpl.entries.size(); ++i) {
    const RevokedEntry& e = tmpl.entries[i];
    auto where = [i] { return "CRL entry " + std::to_string(i); };
    auto serial = DecimalToInteger(e.serial_decimal, false, "serial number");
    if (!serial.ok()) return serial.status().Annotate(where());
    auto revoked_at = CrlSeconds(e.revoked_at, "revocation date");
    if (!revoked_at.ok()) return revoked_at.status().Annotate(where());
    if (Status s = CheckReason(e.reason_code, delta); !s.ok()) return s.Annotate(where());
    entry.clear();
    AppendTlv(&entry, der::kInteger, *serial);
    AppendTime(&entry, *revoked_at);
    entry += ReasonExtensions(e.reason_code);
    if (!seen.insert(std::move(serial).value()).second) {
      return InvalidArgumentError(where() + ": serial number " + e.serial_decimal +
                                  " is listed twice");
    }
    AppendTlv(&revoked, der::kSequence, entry);
  }

  // crlExtensions: Go's order (AKI, cRLNumber), then step-ca's IDP, then the delta ones.
  std::string exts;
  const std::string ski = issuer.subject_key_id();
  if (!ski.empty()) {
    exts += ExtensionDer(kDerOidAuthorityKeyId, false,
                         der::Tlv(der::kSequence, der::Tlv(der::ContextTag(0, false), ski)));
  }
  exts += ExtensionDer(kDerOidCrlNumber, false, der::Tlv(der::kInteger, number));
  if (!tmpl.idp_uri.empty()) {
    std::string idp = DistributionPointField(tmpl.idp_uri);
    // onlyContainsUserCerts [1] / onlyContainsCACerts [2] IMPLICIT BOOLEAN, only when TRUE.
    if (tmpl.idp_scope == CrlScope::kUserCertificates) {
      idp += der::Tlv(der::ContextTag(1, false), "\xff");
    } else if (tmpl.idp_scope == CrlScope::kCaCertificates) {
      idp += der::Tlv(der::ContextTag(2, false), "\xff");
    }
    exts += ExtensionDer(kDerOidIssuingDistributionPoint, true, der::Tlv(der::kSequence, idp));
  }
  if (delta) exts += ExtensionDer(kDerOidDeltaCrlIndicator, true, der::Tlv(der::kInteger, base));
  if (!tmpl.freshest_crl_uris.empty()) {
    std::string dps;
    for (const auto& uri : tmpl.freshest_crl_uris) {
      dps += der::Tlv(der::kSequence, DistributionPointField(uri));
    }
    exts += ExtensionDer(kDerOidFreshestCrl, false, der::Tlv(der::kSequence, dps));
  }

  std::string tbs_body;
  tbs_body.reserve(revoked.size() + exts.size() + issuer_name.size() + 128);
  tbs_body += der::Tlv(der::kInteger, "\x01");  // version v2
  tbs_body += alg;
  tbs_body += issuer_name;
  tbs_body += EncodeTime(this_update);
  tbs_body += EncodeTime(next_update);
  // RFC 5280 §5.1.2.6: with no revoked certificates the list MUST be absent.
  if (!tmpl.entries.empty()) tbs_body += der::Tlv(der::kSequence, revoked);
  revoked.clear();
  revoked.shrink_to_fit();
  tbs_body += der::Tlv(der::ContextTag(0, true), der::Tlv(der::kSequence, exts));
  const std::string tbs = der::Tlv(der::kSequence, tbs_body);
  tbs_body.clear();
  tbs_body.shrink_to_fit();

  CAIRN_ASSIGN_OR_RETURN(
      std::string sig,
      internal::SignTbs(signer, internal::DefaultSignatureChoice(signer_key), tbs));
  std::string bits;
  bits.reserve(sig.size() + 1);
  bits.push_back('\0');  // no unused bits
  bits += sig;
  std::string body;
  body.reserve(tbs.size() + alg.size() + bits.size() + 8);
  body += tbs;
  body += alg;
  body += der::Tlv(der::kBitString, bits);
  return der::Tlv(der::kSequence, body);
}

Result<ParsedCrl> ParseCrl(std::string_view in) {
  CAIRN_ASSIGN_OR_RETURN(auto crl, DecodeCrl(in));
  ParsedCrl out;
  const long version = X509_CRL_get_version(crl.get());
  if (version != X509_CRL_VERSION_1 && version != X509_CRL_VERSION_2) {
    return Malformed("unknown version");
  }
  out.version = static_cast<int>(version) + 1;
  out.raw_issuer = internal::NameDer(X509_CRL_get_issuer(crl.get()));
  CAIRN_ASSIGN_OR_RETURN(out.this_update,
                         ReadTime(X509_CRL_get0_lastUpdate(crl.get()), "thisUpdate"));
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get()); next != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(out.next_update, ReadTime(next, "nextUpdate"));
  }
  out.signature_algorithm = SignatureAlgorithmName(crl.get());

  CAIRN_ASSIGN_OR_RETURN(void* akid_raw,
                         CrlExtension(crl.get(), NID_authority_key_identifier, "authorityKeyId"));
  ossl::UniquePtr<AUTHORITY_KEYID> akid(static_cast<AUTHORITY_KEYID*>(akid_raw));
  if (akid && akid->keyid != nullptr) out.authority_key_id = internal::AsnString(akid->keyid);

  CAIRN_ASSIGN_OR_RETURN(void* number_raw, CrlExtension(crl.get(), NID_crl_number, "cRLNumber"));
  ossl::UniquePtr<ASN1_STRING> number(static_cast<ASN1_INTEGER*>(number_raw));
  if (number) {
    CAIRN_ASSIGN_OR_RETURN(out.number_decimal, IntegerToDecimal(number.get(), "number"));
  }

  CAIRN_ASSIGN_OR_RETURN(void* delta_raw,
                         CrlExtension(crl.get(), NID_delta_crl, "deltaCRLIndicator"));
  ossl::UniquePtr<ASN1_STRING> delta(static_cast<ASN1_INTEGER*>(delta_raw));
  if (delta) {
    CAIRN_ASSIGN_OR_RETURN(out.delta_base_number_decimal,
                           IntegerToDecimal(delta.get(), "delta base number"));
  }

  CAIRN_ASSIGN_OR_RETURN(void* idp_raw, CrlExtension(crl.get(), NID_issuing_distribution_point,
                                                     "issuingDistributionPoint"));
  std::unique_ptr<ISSUING_DIST_POINT, IdpFree> idp(static_cast<ISSUING_DIST_POINT*>(idp_raw));
  if (idp) {
    out.has_idp = true;
    std::vector<std::string> uris;
    FullNameUris(idp->distpoint, &uris);
    if (!uris.empty()) out.idp_uri = uris.front();
    out.idp_scope = idp->onlyuser > 0 ? CrlScope::kUserCertificates
                    : idp->onlyCA > 0 ? CrlScope::kCaCertificates
                                      : CrlScope::kAllCertificates;
  }

  CAIRN_ASSIGN_OR_RETURN(void* freshest_raw,
                         CrlExtension(crl.get(), NID_freshest_crl, "freshestCRL"));
  ossl::UniquePtr<CRL_DIST_POINTS> freshest(static_cast<CRL_DIST_POINTS*>(freshest_raw));
  for (int i = 0; freshest && i < sk_DIST_POINT_num(freshest.get()); ++i) {
    FullNameUris(sk_DIST_POINT_value(freshest.get(), i)->distpoint, &out.freshest_crl_uris);
  }

  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  const int n = sk_X509_REVOKED_num(revoked);
  out.entries.reserve(n > 0 ? static_cast<size_t>(n) : 0);
  for (int i = 0; i < n; ++i) {
    const X509_REVOKED* rev = sk_X509_REVOKED_value(revoked, i);
    RevokedEntry e;
    CAIRN_ASSIGN_OR_RETURN(e.serial_decimal,
                           IntegerToDecimal(X509_REVOKED_get0_serialNumber(rev), "serial"));
    CAIRN_ASSIGN_OR_RETURN(e.revoked_at,
                           ReadTime(X509_REVOKED_get0_revocationDate(rev), "revocationDate"));
    int crit = -1;
    ossl::UniquePtr<ASN1_STRING> reason(static_cast<ASN1_ENUMERATED*>(
        X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, nullptr)));
    if (reason) {
      const long code = ASN1_ENUMERATED_get(reason.get());
      if (code < 0 || code > kCrlReasonAaCompromise) {
        ossl::ClearErrors();
        return Malformed("reason code out of range");
      }
      e.reason_code = static_cast<int>(code);
    } else if (crit != -1) {
      ossl::ClearErrors();
      return Malformed("reasonCode entry extension");
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

Status VerifyCrlSignature(std::string_view der, const Certificate& issuer) {
  CAIRN_ASSIGN_OR_RETURN(auto crl, DecodeCrl(der));
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer.get())) != 0) {
    return UnauthenticatedError(
        "CRL issuer '" + internal::NameToString(X509_CRL_get_issuer(crl.get())) +
        "' is not the certificate's subject '" + issuer.subject_string() + "'");
  }
  const crypto::PublicKey key = issuer.public_key();
  const int ok = X509_CRL_verify(crl.get(), key.get());
  ossl::ClearErrors();
  if (ok != 1) return UnauthenticatedError("CRL signature does not verify");
  return Status();
}

}  // namespace cairn::pki
