#include "pki/builder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "base/strings.h"
#include "crypto/der.h"
#include "crypto/digest.h"
#include "pki/internal/tbs_sign.h"
#include "pki/internal/x509_util.h"

namespace cairn::pki {
namespace {

using ExtensionList = std::vector<ossl::UniquePtr<X509_EXTENSION>>;

// --- Serial and key identifiers -------------------------------------------------------------

Result<ossl::UniquePtr<ASN1_STRING>> ParseSerial(const std::string& decimal) {
  if (decimal.empty()) return InvalidArgumentError("certificate serial number is required");
  if (decimal.size() > 60) return InvalidArgumentError("certificate serial number too long");
  for (char c : decimal) {
    if (c < '0' || c > '9') {
      return InvalidArgumentError("certificate serial number must be a decimal integer");
    }
  }
  BIGNUM* raw = nullptr;
  if (BN_dec2bn(&raw, decimal.c_str()) == 0) return ossl::ErrorStatus("BN_dec2bn");
  ossl::UniquePtr<BIGNUM> bn(raw);
  // RFC 5280 §4.1.2.2: positive, at most 20 octets of INTEGER contents.
  if (BN_is_zero(bn.get()))
    return InvalidArgumentError("certificate serial number must be positive");
  if (BN_num_bits(bn.get()) > 159) {
    return InvalidArgumentError("certificate serial number exceeds 20 octets");
  }
  ossl::UniquePtr<ASN1_STRING> serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) return ossl::ErrorStatus("BN_to_ASN1_INTEGER");
  return serial;
}

// SpkiParts are the two fields of a DER SubjectPublicKeyInfo, as views into it.
struct SpkiParts {
  std::string_view algorithm;  // the whole AlgorithmIdentifier element
  std::string_view key_bits;   // the subjectPublicKey BIT STRING's octets (no unused bits)
};

Result<SpkiParts> SplitSpki(std::string_view spki) {
  crypto::der::Reader top(spki);
  auto seq = top.Expect(crypto::der::kSequence);
  if (!seq.ok() || !top.empty()) return InvalidArgumentError("malformed SubjectPublicKeyInfo");
  crypto::der::Reader fields(*seq);
  auto alg = fields.Next();
  auto bits = fields.Expect(crypto::der::kBitString);
  if (!alg.ok() || alg->tag != crypto::der::kSequence || !bits.ok() || !fields.empty() ||
      bits->empty() || (*bits)[0] != 0) {
    return InvalidArgumentError("malformed SubjectPublicKeyInfo");
  }
  return SpkiParts{alg->full, bits->substr(1)};
}

// SubjectKeyId is RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
Result<std::string> SubjectKeyId(const crypto::PublicKey& key) {
  CAIRN_ASSIGN_OR_RETURN(std::string spki, key.ToDer());
  CAIRN_ASSIGN_OR_RETURN(SpkiParts parts, SplitSpki(spki));
  return crypto::Sha1(parts.key_bits);
}

// SetPublicKey writes `key` into the certificate from its SubjectPublicKeyInfo DER. Unlike
// X509_set_pubkey, which in OpenSSL 3.0 encodes and then decodes the key through the generic
// encoder and decoder (~250 µs), this copies the two fields.
Status SetPublicKey(X509* x, const crypto::PublicKey& key) {
  CAIRN_ASSIGN_OR_RETURN(std::string spki, key.ToDer());
  CAIRN_ASSIGN_OR_RETURN(SpkiParts parts, SplitSpki(spki));
  const auto* p = reinterpret_cast<const unsigned char*>(parts.algorithm.data());
  ossl::UniquePtr<X509_ALGOR> alg(
      d2i_X509_ALGOR(nullptr, &p, static_cast<long>(parts.algorithm.size())));
  if (!alg) return ossl::ErrorStatus("d2i_X509_ALGOR", StatusCode::kInvalidArgument);
  const ASN1_OBJECT* alg_oid = nullptr;
  X509_ALGOR_get0(&alg_oid, nullptr, nullptr, alg.get());
  ossl::UniquePtr<ASN1_OBJECT> oid(OBJ_dup(alg_oid));
  auto* bits = static_cast<unsigned char*>(
      OPENSSL_memdup(parts.key_bits.data(), std::max<size_t>(parts.key_bits.size(), 1)));
  X509_PUBKEY* pub = X509_get_X509_PUBKEY(x);
  if (!oid || bits == nullptr || pub == nullptr ||
      X509_PUBKEY_set0_param(pub, oid.get(), V_ASN1_UNDEF, nullptr, bits,
                             static_cast<int>(parts.key_bits.size())) != 1) {
    OPENSSL_free(bits);
    return ossl::ErrorStatus("X509_PUBKEY_set0_param");
  }
  (void)oid.release();  // owned by `pub` now, as are the bits
  // The algorithm's parameters (the named curve, RSA's NULL) are copied whole.
  X509_ALGOR* dst = nullptr;
  if (X509_PUBKEY_get0_param(nullptr, nullptr, nullptr, &dst, pub) != 1 || dst == nullptr ||
      X509_ALGOR_copy(dst, alg.get()) != 1) {
    return ossl::ErrorStatus("X509_ALGOR_copy");
  }
  return Status();
}

// --- Extension builders ---------------------------------------------------------------------

Status AddI2d(ExtensionList* out, int nid, bool critical, void* value) {
  ossl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_i2d(nid, critical ? 1 : 0, value));
  if (!ext) return ossl::ErrorStatus("X509V3_EXT_i2d", StatusCode::kInvalidArgument);
  out->push_back(std::move(ext));
  return Status();
}

Result<ossl::UniquePtr<ASN1_STRING>> OctetString(std::string_view bytes) {
  ossl::UniquePtr<ASN1_STRING> os(ASN1_OCTET_STRING_new());
  if (!os || ASN1_OCTET_STRING_set(os.get(), reinterpret_cast<const unsigned char*>(bytes.data()),
                                   static_cast<int>(bytes.size())) != 1) {
    return ossl::ErrorStatus("ASN1_OCTET_STRING_set");
  }
  return os;
}

// AddSubjectKeyId adds the SKI: `explicit_id` when given (a template's subjectKeyId, used as
// is by Go), else the SHA-1 of the key bits.
Status AddSubjectKeyId(ExtensionList* out, const crypto::PublicKey& key,
                       const std::string& explicit_id = std::string()) {
  std::string ski;
  if (!explicit_id.empty()) {
    ski = explicit_id;
  } else {
    CAIRN_ASSIGN_OR_RETURN(ski, SubjectKeyId(key));
  }
  CAIRN_ASSIGN_OR_RETURN(auto os, OctetString(ski));
  return AddI2d(out, NID_subject_key_identifier, false, os.get());
}

// AddAuthorityKeyId adds AKI = the issuer's SKI, unless the certificate is self-issued or the
// issuer has no SKI; then `explicit_id` (the template's), if any (Go's x509.CreateCertificate
// rule).
Status AddAuthorityKeyId(ExtensionList* out, const Certificate* issuer,
                         const std::string& subject_der,
                         const std::string& explicit_id = std::string()) {
  std::string ski;
  if (issuer != nullptr && issuer->raw_subject() != subject_der) ski = issuer->subject_key_id();
  if (ski.empty()) ski = explicit_id;
  if (ski.empty()) return Status();
  ossl::UniquePtr<AUTHORITY_KEYID> akid(AUTHORITY_KEYID_new());
  if (!akid) return ossl::ErrorStatus("AUTHORITY_KEYID_new");
  CAIRN_ASSIGN_OR_RETURN(auto os, OctetString(ski));
  akid->keyid = os.release();
  return AddI2d(out, NID_authority_key_identifier, false, akid.get());
}

Result<ossl::UniquePtr<GENERAL_NAME>> UriName(const std::string& uri) {
  SubjectAltNames one;
  one.uris.push_back(uri);
  CAIRN_ASSIGN_OR_RETURN(auto names, internal::BuildGeneralNames(one));
  return ossl::UniquePtr<GENERAL_NAME>(sk_GENERAL_NAME_pop(names.get()));
}

Status AddKeyUsage(ExtensionList* out, uint32_t bits, bool critical) {
  if (bits == 0) return Status();
  if (bits & ~uint32_t{0x1ff}) return InvalidArgumentError("unknown key usage bits");
  ossl::UniquePtr<ASN1_STRING> bs(ASN1_BIT_STRING_new());
  if (!bs) return ossl::ErrorStatus("ASN1_BIT_STRING_new");
  for (int i = 0; i < 9; ++i) {
    if ((bits & (1u << i)) && ASN1_BIT_STRING_set_bit(bs.get(), i, 1) != 1) {
      return ossl::ErrorStatus("ASN1_BIT_STRING_set_bit");
    }
  }
  return AddI2d(out, NID_key_usage, critical, bs.get());
}

Status AddExtKeyUsage(ExtensionList* out, const std::vector<std::string>& names) {
  if (names.empty()) return Status();
  ossl::UniquePtr<EXTENDED_KEY_USAGE> eku(sk_ASN1_OBJECT_new_null());
  if (!eku) return ossl::ErrorStatus("sk_ASN1_OBJECT_new_null");
  for (const auto& n : names) {
    CAIRN_ASSIGN_OR_RETURN(std::string oid, ExtKeyUsageOid(n));
    CAIRN_ASSIGN_OR_RETURN(auto obj, internal::TextToObj(oid));
    if (sk_ASN1_OBJECT_push(eku.get(), obj.get()) == 0) return ossl::ErrorStatus("push");
    (void)obj.release();
  }
  return AddI2d(out, NID_ext_key_usage, false, eku.get());
}

Status AddBasicConstraints(ExtensionList* out, const BasicConstraints& bc) {
  if (!bc.present) return Status();
  ossl::UniquePtr<BASIC_CONSTRAINTS> value(BASIC_CONSTRAINTS_new());
  if (!value) return ossl::ErrorStatus("BASIC_CONSTRAINTS_new");
  value->ca = bc.is_ca ? 0xff : 0;
  if (bc.is_ca && bc.max_path_len >= 0) {
    value->pathlen = ASN1_INTEGER_new();
    if (value->pathlen == nullptr || ASN1_INTEGER_set(value->pathlen, bc.max_path_len) != 1) {
      return ossl::ErrorStatus("ASN1_INTEGER_set");
    }
  }
  // Go always marks basicConstraints critical.
  return AddI2d(out, NID_basic_constraints, true, value.get());
}

Status AddAuthorityInfoAccess(ExtensionList* out, const std::vector<std::string>& ocsp,
                              const std::vector<std::string>& issuers) {
  if (ocsp.empty() && issuers.empty()) return Status();
  ossl::UniquePtr<AUTHORITY_INFO_ACCESS> aia(sk_ACCESS_DESCRIPTION_new_null());
  if (!aia) return ossl::ErrorStatus("sk_ACCESS_DESCRIPTION_new_null");
  auto add = [&](int method, const std::string& uri) -> Status {
    ossl::UniquePtr<ACCESS_DESCRIPTION> ad(ACCESS_DESCRIPTION_new());
    if (!ad) return ossl::ErrorStatus("ACCESS_DESCRIPTION_new");
    CAIRN_ASSIGN_OR_RETURN(auto gn, UriName(uri));
    ASN1_OBJECT_free(ad->method);
    ad->method = OBJ_nid2obj(method);
    GENERAL_NAME_free(ad->location);
    ad->location = gn.release();
    if (sk_ACCESS_DESCRIPTION_push(aia.get(), ad.get()) == 0) return ossl::ErrorStatus("push");
    (void)ad.release();
    return Status();
  };
  for (const auto& u : ocsp) CAIRN_RETURN_IF_ERROR(add(NID_ad_OCSP, u));
  for (const auto& u : issuers) CAIRN_RETURN_IF_ERROR(add(NID_ad_ca_issuers, u));
  return AddI2d(out, NID_info_access, false, aia.get());
}

Status AddCrlDistributionPoints(ExtensionList* out, const std::vector<std::string>& urls) {
  if (urls.empty()) return Status();
  ossl::UniquePtr<CRL_DIST_POINTS> dps(sk_DIST_POINT_new_null());
  if (!dps) return ossl::ErrorStatus("sk_DIST_POINT_new_null");
  for (const auto& url : urls) {
    // One DistributionPoint per URL with a fullName, as Go writes them.
    ossl::UniquePtr<DIST_POINT> dp(DIST_POINT_new());
    if (!dp) return ossl::ErrorStatus("DIST_POINT_new");
    dp->distpoint = DIST_POINT_NAME_new();
    if (dp->distpoint == nullptr) return ossl::ErrorStatus("DIST_POINT_NAME_new");
    SubjectAltNames one;
    one.uris.push_back(url);
    CAIRN_ASSIGN_OR_RETURN(auto names, internal::BuildGeneralNames(one));
    dp->distpoint->type = 0;
    dp->distpoint->name.fullname = names.release();
    if (sk_DIST_POINT_push(dps.get(), dp.get()) == 0) return ossl::ErrorStatus("push");
    (void)dp.release();
  }
  return AddI2d(out, NID_crl_distribution_points, false, dps.get());
}

Status AddPolicies(ExtensionList* out, const std::vector<std::string>& oids) {
  if (oids.empty()) return Status();
  ossl::UniquePtr<CERTIFICATEPOLICIES> policies(sk_POLICYINFO_new_null());
  if (!policies) return ossl::ErrorStatus("sk_POLICYINFO_new_null");
  for (const auto& oid : oids) {
    ossl::UniquePtr<POLICYINFO> pi(POLICYINFO_new());
    if (!pi) return ossl::ErrorStatus("POLICYINFO_new");
    CAIRN_ASSIGN_OR_RETURN(auto obj, internal::TextToObj(oid));
    ASN1_OBJECT_free(pi->policyid);
    pi->policyid = obj.release();
    if (sk_POLICYINFO_push(policies.get(), pi.get()) == 0) return ossl::ErrorStatus("push");
    (void)pi.release();
  }
  return AddI2d(out, NID_certificate_policies, false, policies.get());
}

// IsIa5 reports whether `s` is ASCII (IA5String's repertoire, RFC 5280).
bool IsIa5(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// ParseCidr returns the iPAddress constraint bytes of `cidr`: the masked address followed by the
// mask (8 octets for IPv4, 32 for IPv6; RFC 5280 §4.2.1.10), as Go's net.ParseCIDR + x509 do.
Result<std::string> ParseCidr(const std::string& cidr) {
  const size_t slash = cidr.find('/');
  if (slash == std::string::npos || cidr.size() > 64) {
    return InvalidArgumentError("invalid CIDR '" + cidr + "'");
  }
  const std::string addr = cidr.substr(0, slash);
  const std::string bits_text = cidr.substr(slash + 1);
  unsigned char ip[16];
  size_t len = 0;
  if (inet_pton(AF_INET, addr.c_str(), ip) == 1) {
    len = 4;
  } else if (inet_pton(AF_INET6, addr.c_str(), ip) == 1) {
    len = 16;
  } else {
    return InvalidArgumentError("invalid CIDR '" + cidr + "'");
  }
  // Go's dtoi: decimal digits only, no sign, no leading zeros beyond "0".
  if (bits_text.empty() || bits_text.size() > 3 ||
      !std::all_of(bits_text.begin(), bits_text.end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      (bits_text.size() > 1 && bits_text[0] == '0')) {
    return InvalidArgumentError("invalid CIDR '" + cidr + "'");
  }
  const size_t bits = static_cast<size_t>(std::stoi(bits_text));
  if (bits > len * 8) return InvalidArgumentError("invalid CIDR '" + cidr + "'");
  std::string out(len * 2, '\0');
  for (size_t i = 0; i < len; ++i) {
    const size_t have = bits > i * 8 ? std::min<size_t>(bits - i * 8, 8) : 0;
    const auto mask = static_cast<unsigned char>(have == 0 ? 0 : 0xff << (8 - have));
    out[i] = static_cast<char>(ip[i] & mask);
    out[len + i] = static_cast<char>(mask);
  }
  return out;
}

// Subtrees returns the GeneralSubtree elements of one side of the name constraints, in Go's
// order: DNS, IP, email, URI.
Result<std::string> Subtrees(const std::vector<std::string>& dns,
                             const std::vector<std::string>& ips,
                             const std::vector<std::string>& emails,
                             const std::vector<std::string>& uris) {
  namespace der = crypto::der;
  std::string out;
  auto add_ia5 = [&](int tag, const std::string& v, std::string_view what) -> Status {
    if (!IsIa5(v)) {
      return InvalidArgumentError("name constraint " + std::string(what) + " '" + v +
                                  "' is not ASCII");
    }
    out += der::Tlv(der::kSequence, der::Tlv(der::ContextTag(tag, false), v));
    return Status();
  };
  for (const auto& d : dns) CAIRN_RETURN_IF_ERROR(add_ia5(2, d, "DNS domain"));
  for (const auto& r : ips) {
    CAIRN_ASSIGN_OR_RETURN(std::string bytes, ParseCidr(r));
    out += der::Tlv(der::kSequence, der::Tlv(der::ContextTag(7, false), bytes));
  }
  for (const auto& e : emails) CAIRN_RETURN_IF_ERROR(add_ia5(1, e, "email"));
  for (const auto& u : uris) CAIRN_RETURN_IF_ERROR(add_ia5(6, u, "URI domain"));
  return out;
}

Status AddNameConstraints(ExtensionList* out, const NameConstraints& nc) {
  if (nc.empty()) return Status();
  namespace der = crypto::der;
  CAIRN_ASSIGN_OR_RETURN(std::string permitted,
                         Subtrees(nc.permitted_dns_domains, nc.permitted_ip_ranges,
                                  nc.permitted_email_addresses, nc.permitted_uri_domains));
  CAIRN_ASSIGN_OR_RETURN(std::string excluded,
                         Subtrees(nc.excluded_dns_domains, nc.excluded_ip_ranges,
                                  nc.excluded_email_addresses, nc.excluded_uri_domains));
  std::string body;
  if (!permitted.empty()) body += der::Tlv(der::ContextTag(0, true), permitted);
  if (!excluded.empty()) body += der::Tlv(der::ContextTag(1, true), excluded);
  CAIRN_ASSIGN_OR_RETURN(
      auto ext, internal::MakeExtension(Extension{.oid = kOidNameConstraints,
                                                  .critical = nc.critical,
                                                  .value = der::Tlv(der::kSequence, body)}));
  out->push_back(std::move(ext));
  return Status();
}

// AppendOtherSans decodes each OtherSan's GeneralName and appends it to `names`.
Status AppendOtherSans(GENERAL_NAMES* names, const std::vector<OtherSan>& others) {
  for (const auto& o : others) {
    const auto* p = reinterpret_cast<const unsigned char*>(o.der.data());
    const auto* end = p + o.der.size();
    ossl::UniquePtr<GENERAL_NAME> gn(
        d2i_GENERAL_NAME(nullptr, &p, static_cast<long>(o.der.size())));
    if (!gn || p != end) {
      ossl::ClearErrors();
      return InvalidArgumentError("invalid " + o.type + " subject alternative name '" + o.value +
                                  "'");
    }
    if (sk_GENERAL_NAME_push(names, gn.get()) == 0)
      return ossl::ErrorStatus("sk_GENERAL_NAME_push");
    (void)gn.release();
  }
  return Status();
}

// OidKey is the extension's OID as its DER contents: a cheap key for duplicate checks
// (OBJ_obj2txt is a costly formatter).
std::string OidKey(const X509_EXTENSION* ext) {
  const ASN1_OBJECT* obj = X509_EXTENSION_get_object(const_cast<X509_EXTENSION*>(ext));
  return std::string(reinterpret_cast<const char*>(OBJ_get0_data(obj)), OBJ_length(obj));
}

std::string OidOf(const X509_EXTENSION* ext) {
  return internal::ObjToText(X509_EXTENSION_get_object(const_cast<X509_EXTENSION*>(ext)));
}

// --- Signing --------------------------------------------------------------------------------

// SignatureChoice is how the TBSCertificate is signed: the digest, and RSASSA-PSS or not.
using internal::SignatureChoice;

// ChooseSignature maps a template's signatureAlgorithm (Go's names, case ignored, as x509util
// matches them) to a SignatureChoice for `key`; empty means step's default for the key.
Result<SignatureChoice> ChooseSignature(const std::string& name, const crypto::PublicKey& key) {
  using crypto::HashAlg;
  using crypto::KeyType;
  if (name.empty()) return SignatureChoice{crypto::DefaultHashFor(key), false};
  enum class Family { kRsa, kEcdsa, kEd25519 };
  struct Known {
    const char* name;
    Family family;
    HashAlg hash;
    bool pss;
  };
  static constexpr Known kKnown[] = {
      {"SHA256-RSA", Family::kRsa, HashAlg::kSha256, false},
      {"SHA384-RSA", Family::kRsa, HashAlg::kSha384, false},
      {"SHA512-RSA", Family::kRsa, HashAlg::kSha512, false},
      {"SHA256-RSAPSS", Family::kRsa, HashAlg::kSha256, true},
      {"SHA384-RSAPSS", Family::kRsa, HashAlg::kSha384, true},
      {"SHA512-RSAPSS", Family::kRsa, HashAlg::kSha512, true},
      {"ECDSA-SHA256", Family::kEcdsa, HashAlg::kSha256, false},
      {"ECDSA-SHA384", Family::kEcdsa, HashAlg::kSha384, false},
      {"ECDSA-SHA512", Family::kEcdsa, HashAlg::kSha512, false},
      {"Ed25519", Family::kEd25519, HashAlg::kNone, false},
  };
  // Names x509util knows but Go refuses to sign with (or cannot: DSA).
  static constexpr const char* kRefused[] = {"MD2-RSA",  "MD5-RSA",    "SHA1-RSA",
                                             "DSA-SHA1", "DSA-SHA256", "ECDSA-SHA1"};
  for (const char* r : kRefused) {
    if (EqualsIgnoreCase(name, r)) {
      return InvalidArgumentError("signature algorithm " + std::string(r) + " is not supported");
    }
  }
  for (const Known& k : kKnown) {
    if (!EqualsIgnoreCase(name, k.name)) continue;
    bool fits = false;
    switch (key.type()) {
      case KeyType::kRsa:
        fits = k.family == Family::kRsa;
        break;
      case KeyType::kEcP256:
      case KeyType::kEcP384:
      case KeyType::kEcP521:
        fits = k.family == Family::kEcdsa;
        break;
      case KeyType::kEd25519:
        fits = k.family == Family::kEd25519;
        break;
      case KeyType::kOther:
        break;
    }
    if (!fits) {
      return InvalidArgumentError("signature algorithm " + std::string(k.name) +
                                  " does not match the signing key (" + key.Describe() + ")");
    }
    return SignatureChoice{k.hash, k.pss};
  }
  return InvalidArgumentError("unsupported signature algorithm '" + name + "'");
}

// SetSignatureAlgorithm writes the AlgorithmIdentifier for (key type, choice) into both places a
// certificate carries it (TBSCertificate.signature and Certificate.signatureAlgorithm).
Status SetSignatureAlgorithm(X509* x, crypto::KeyType type, const SignatureChoice& choice) {
  // OpenSSL 3.0 has no setter for these; X509_get0_* hand out pointers into the X509 we own
  // and are still building, so writing through them is sound (X509_sign does the same inside).
  auto* tbs_alg = const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(x));
  const X509_ALGOR* outer_alg = nullptr;
  X509_get0_signature(nullptr, &outer_alg, x);
  for (X509_ALGOR* alg : {tbs_alg, const_cast<X509_ALGOR*>(outer_alg)}) {
    CAIRN_RETURN_IF_ERROR(internal::SetAlgorithmIdentifier(alg, type, choice));
  }
  return Status();
}

// SignAndEncode signs the TBSCertificate of `x` through `signer` and returns its DER.
Result<std::string> SignAndEncode(X509* x, const crypto::Signer& signer,
                                  const crypto::PublicKey& signer_key,
                                  const SignatureChoice& choice) {
  CAIRN_RETURN_IF_ERROR(SetSignatureAlgorithm(x, signer_key.type(), choice));
  unsigned char* tbs = nullptr;
  const int tbs_len = i2d_re_X509_tbs(x, &tbs);
  if (tbs_len <= 0) return ossl::ErrorStatus("i2d_re_X509_tbs");
  ossl::UniquePtr<unsigned char> tbs_owned(tbs);
  const std::string_view tbs_view(reinterpret_cast<char*>(tbs), static_cast<size_t>(tbs_len));
  CAIRN_ASSIGN_OR_RETURN(std::string sig, internal::SignTbs(signer, choice, tbs_view));
  const ASN1_BIT_STRING* sig_const = nullptr;
  X509_get0_signature(&sig_const, nullptr, x);
  auto* sig_bits = const_cast<ASN1_BIT_STRING*>(sig_const);
  if (ASN1_BIT_STRING_set(sig_bits, reinterpret_cast<unsigned char*>(sig.data()),
                          static_cast<int>(sig.size())) != 1) {
    return ossl::ErrorStatus("ASN1_BIT_STRING_set");
  }
  // A signature is a whole number of octets: no unused bits (as ASN1_item_sign sets it).
  sig_bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
  sig_bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }, from the
  // TBSCertificate just signed: i2d_X509 would encode the whole TBSCertificate again.
  const X509_ALGOR* outer_alg = nullptr;
  X509_get0_signature(nullptr, &outer_alg, x);
  unsigned char* alg = nullptr;
  const int alg_len = i2d_X509_ALGOR(outer_alg, &alg);
  if (alg_len <= 0) return ossl::ErrorStatus("i2d_X509_ALGOR");
  ossl::UniquePtr<unsigned char> alg_owned(alg);
  std::string body;
  body.reserve(tbs_view.size() + static_cast<size_t>(alg_len) + sig.size() + 16);
  body.append(tbs_view);
  body.append(reinterpret_cast<char*>(alg), static_cast<size_t>(alg_len));
  sig.insert(sig.begin(), '\0');  // no unused bits
  body += crypto::der::Tlv(crypto::der::kBitString, sig);
  return crypto::der::Tlv(crypto::der::kSequence, body);
}

// Assemble builds and signs the certificate. `issuer_name` is null for self-signed.
Result<Certificate> Assemble(const X509_NAME* subject, const X509_NAME* issuer_name,
                             const std::string& serial_decimal, Time not_before, Time not_after,
                             const crypto::PublicKey& subject_key, const ExtensionList& exts,
                             const crypto::Signer& signer, const crypto::PublicKey& signer_key,
                             const SignatureChoice& choice) {
  if (not_after <= not_before) return InvalidArgumentError("notAfter must be after notBefore");
  CAIRN_ASSIGN_OR_RETURN(auto serial, ParseSerial(serial_decimal));
  ossl::UniquePtr<X509> x(X509_new());
  if (!x) return ossl::ErrorStatus("X509_new");
  if (X509_set_version(x.get(), X509_VERSION_3) != 1 ||
      X509_set_serialNumber(x.get(), serial.get()) != 1 ||
      X509_set_subject_name(x.get(), subject) != 1 ||
      X509_set_issuer_name(x.get(), issuer_name ? issuer_name : subject) != 1) {
    return ossl::ErrorStatus("building certificate");
  }
  CAIRN_RETURN_IF_ERROR(SetPublicKey(x.get(), subject_key));
  CAIRN_RETURN_IF_ERROR(internal::SetTime(X509_getm_notBefore(x.get()), not_before));
  CAIRN_RETURN_IF_ERROR(internal::SetTime(X509_getm_notAfter(x.get()), not_after));
  std::set<std::string> seen;
  for (const auto& ext : exts) {
    if (!seen.insert(OidKey(ext.get())).second) {
      return InvalidArgumentError("duplicate extension " + OidOf(ext.get()));
    }
    if (X509_add_ext(x.get(), ext.get(), -1) != 1) return ossl::ErrorStatus("X509_add_ext");
  }
  CAIRN_ASSIGN_OR_RETURN(std::string der, SignAndEncode(x.get(), signer, signer_key, choice));
  return Certificate::FromSigned(std::move(x), std::move(der), subject_key);
}

Status CheckSignerMatches(const crypto::PublicKey& signer_key, const crypto::PublicKey& expected,
                          std::string_view what) {
  if (!signer_key.Equals(expected)) {
    return FailedPreconditionError("signer key does not match the " + std::string(what));
  }
  return Status();
}

}  // namespace

Result<Certificate> SignCertificate(const CertificateTemplate& tmpl,
                                    const crypto::PublicKey& subject_key, const Certificate* issuer,
                                    const crypto::Signer& issuer_signer) {
  const crypto::PublicKey signer_key = issuer_signer.public_key();
  if (issuer != nullptr) {
    CAIRN_RETURN_IF_ERROR(CheckSignerMatches(signer_key, issuer->public_key(), "issuer key"));
  } else {
    CAIRN_RETURN_IF_ERROR(CheckSignerMatches(signer_key, subject_key, "self-signed subject key"));
  }
  CAIRN_ASSIGN_OR_RETURN(const SignatureChoice choice,
                         ChooseSignature(tmpl.signature_algorithm, signer_key));

  ossl::UniquePtr<X509_NAME> subject;
  if (tmpl.raw_subject_der.has_value()) {
    const auto* p = reinterpret_cast<const unsigned char*>(tmpl.raw_subject_der->data());
    const auto* end = p + tmpl.raw_subject_der->size();
    subject.reset(d2i_X509_NAME(nullptr, &p, static_cast<long>(tmpl.raw_subject_der->size())));
    if (!subject || p != end) {
      ossl::ClearErrors();
      return InvalidArgumentError("invalid raw subject");
    }
  } else {
    CAIRN_ASSIGN_OR_RETURN(subject, internal::NameToX509(tmpl.subject));
  }
  const std::string subject_der = internal::NameDer(subject.get());

  // Built extensions, in the order Go's x509.CreateCertificate emits them.
  ExtensionList built;
  CAIRN_RETURN_IF_ERROR(AddKeyUsage(&built, tmpl.key_usage, tmpl.key_usage_critical));
  CAIRN_RETURN_IF_ERROR(AddExtKeyUsage(&built, tmpl.ext_key_usage));
  CAIRN_RETURN_IF_ERROR(AddBasicConstraints(&built, tmpl.basic_constraints));
  if (tmpl.subject_key_id) {
    CAIRN_RETURN_IF_ERROR(AddSubjectKeyId(&built, subject_key, tmpl.explicit_subject_key_id));
  }
  CAIRN_RETURN_IF_ERROR(
      AddAuthorityKeyId(&built, issuer, subject_der, tmpl.explicit_authority_key_id));
  CAIRN_RETURN_IF_ERROR(
      AddAuthorityInfoAccess(&built, tmpl.ocsp_servers, tmpl.issuing_certificate_urls));
  if (!tmpl.sans.empty() || !tmpl.other_sans.empty()) {
    CAIRN_ASSIGN_OR_RETURN(auto names, internal::BuildGeneralNames(tmpl.sans));
    CAIRN_RETURN_IF_ERROR(AppendOtherSans(names.get(), tmpl.other_sans));
    const bool subject_empty = X509_NAME_entry_count(subject.get()) == 0;
    CAIRN_RETURN_IF_ERROR(AddI2d(&built, NID_subject_alt_name, subject_empty, names.get()));
  }
  CAIRN_RETURN_IF_ERROR(AddPolicies(&built, tmpl.policy_identifiers));
  CAIRN_RETURN_IF_ERROR(AddNameConstraints(&built, tmpl.name_constraints));
  CAIRN_RETURN_IF_ERROR(AddCrlDistributionPoints(&built, tmpl.crl_distribution_points));

  // Extra extensions replace built ones with the same OID and go last.
  std::set<std::string> extra_oids;
  ExtensionList extras;
  for (const auto& e : tmpl.extra_extensions) {
    CAIRN_ASSIGN_OR_RETURN(auto ext, internal::MakeExtension(e));
    if (!extra_oids.insert(OidKey(ext.get())).second) {
      return InvalidArgumentError("duplicate extension " + e.oid);
    }
    extras.push_back(std::move(ext));
  }
  ExtensionList all;
  for (auto& ext : built) {
    if (!extra_oids.contains(OidKey(ext.get()))) all.push_back(std::move(ext));
  }
  for (auto& ext : extras) all.push_back(std::move(ext));

  return Assemble(subject.get(), issuer ? X509_get_subject_name(issuer->get()) : nullptr,
                  tmpl.serial_decimal, tmpl.not_before, tmpl.not_after, subject_key, all,
                  issuer_signer, signer_key, choice);
}

Result<Certificate> RenewCertificate(const Certificate& old, const std::string& new_serial,
                                     Time not_before, Time not_after,
                                     const crypto::PublicKey& subject_key,
                                     const Certificate& issuer, const crypto::Signer& signer) {
  const crypto::PublicKey signer_key = signer.public_key();
  CAIRN_RETURN_IF_ERROR(CheckSignerMatches(signer_key, issuer.public_key(), "issuer key"));
  const bool rekey = !subject_key.Equals(old.public_key());
  const X509_NAME* subject = X509_get_subject_name(old.get());

  ExtensionList exts;
  if (rekey) CAIRN_RETURN_IF_ERROR(AddSubjectKeyId(&exts, subject_key));
  CAIRN_RETURN_IF_ERROR(AddAuthorityKeyId(&exts, &issuer, internal::NameDer(subject)));
  const STACK_OF(X509_EXTENSION)* old_exts = X509_get0_extensions(old.get());
  for (int i = 0; i < sk_X509_EXTENSION_num(old_exts); ++i) {
    const X509_EXTENSION* e = sk_X509_EXTENSION_value(old_exts, i);
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(const_cast<X509_EXTENSION*>(e)));
    // The AKI may change when the intermediate rotates; the SKI follows the new key on rekey.
    if (nid == NID_authority_key_identifier || (rekey && nid == NID_subject_key_identifier)) {
      continue;
    }
    ossl::UniquePtr<X509_EXTENSION> copy(X509_EXTENSION_dup(e));
    if (!copy) return ossl::ErrorStatus("X509_EXTENSION_dup");
    exts.push_back(std::move(copy));
  }
  return Assemble(subject, X509_get_subject_name(issuer.get()), new_serial, not_before, not_after,
                  subject_key, exts, signer, signer_key,
                  SignatureChoice{crypto::DefaultHashFor(signer_key), false});
}

bool NameConstraints::empty() const {
  return permitted_dns_domains.empty() && excluded_dns_domains.empty() &&
         permitted_ip_ranges.empty() && excluded_ip_ranges.empty() &&
         permitted_email_addresses.empty() && excluded_email_addresses.empty() &&
         permitted_uri_domains.empty() && excluded_uri_domains.empty();
}

Result<std::string> RandomSerial(Random& random) {
  for (;;) {
    uint8_t bytes[16];
    CAIRN_RETURN_IF_ERROR(random.Fill(bytes));
    ossl::UniquePtr<BIGNUM> bn(BN_bin2bn(bytes, sizeof(bytes), nullptr));
    if (!bn) return ossl::ErrorStatus("BN_bin2bn");
    if (BN_is_zero(bn.get())) continue;  // probability 2^-128, but zero is not a valid serial
    ossl::UniquePtr<char> dec(BN_bn2dec(bn.get()));
    if (!dec) return ossl::ErrorStatus("BN_bn2dec");
    return std::string(dec.get());
  }
}

}  // namespace cairn::pki
