#include "pki/builder.h"

#include <algorithm>
#include <set>

#include "crypto/der.h"
#include "crypto/digest.h"
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

Status AddSubjectKeyId(ExtensionList* out, const crypto::PublicKey& key) {
  CAIRN_ASSIGN_OR_RETURN(std::string ski, SubjectKeyId(key));
  CAIRN_ASSIGN_OR_RETURN(auto os, OctetString(ski));
  return AddI2d(out, NID_subject_key_identifier, false, os.get());
}

// AddAuthorityKeyId adds AKI = the issuer's SKI, unless the certificate is self-issued or the
// issuer has no SKI (Go's x509.CreateCertificate rule).
Status AddAuthorityKeyId(ExtensionList* out, const Certificate* issuer,
                         const std::string& subject_der) {
  if (issuer == nullptr || issuer->raw_subject() == subject_der) return Status();
  const std::string ski = issuer->subject_key_id();
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

// SetSignatureAlgorithm writes the AlgorithmIdentifier for (key type, hash) into both places a
// certificate carries it (TBSCertificate.signature and Certificate.signatureAlgorithm).
Status SetSignatureAlgorithm(X509* x, crypto::KeyType type, crypto::HashAlg hash) {
  int nid = NID_undef;
  int param_type = V_ASN1_UNDEF;
  using crypto::HashAlg;
  using crypto::KeyType;
  switch (type) {
    case KeyType::kEcP256:
    case KeyType::kEcP384:
    case KeyType::kEcP521:
      nid = hash == HashAlg::kSha256   ? NID_ecdsa_with_SHA256
            : hash == HashAlg::kSha384 ? NID_ecdsa_with_SHA384
            : hash == HashAlg::kSha512 ? NID_ecdsa_with_SHA512
                                       : NID_undef;
      break;
    case KeyType::kRsa:
      // RFC 4055 §5: the parameters of sha*WithRSAEncryption are NULL.
      param_type = V_ASN1_NULL;
      nid = hash == HashAlg::kSha256   ? NID_sha256WithRSAEncryption
            : hash == HashAlg::kSha384 ? NID_sha384WithRSAEncryption
            : hash == HashAlg::kSha512 ? NID_sha512WithRSAEncryption
                                       : NID_undef;
      break;
    case KeyType::kEd25519:
      nid = hash == HashAlg::kNone ? NID_ED25519 : NID_undef;
      break;
    case KeyType::kOther:
      break;
  }
  if (nid == NID_undef) return FailedPreconditionError("unsupported signing key or hash");
  // OpenSSL 3.0 has no setter for these; X509_get0_* hand out pointers into the X509 we own
  // and are still building, so writing through them is sound (X509_sign does the same inside).
  auto* tbs_alg = const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(x));
  const X509_ALGOR* outer_alg = nullptr;
  X509_get0_signature(nullptr, &outer_alg, x);
  for (X509_ALGOR* alg : {tbs_alg, const_cast<X509_ALGOR*>(outer_alg)}) {
    if (X509_ALGOR_set0(alg, OBJ_nid2obj(nid), param_type, nullptr) != 1) {
      return ossl::ErrorStatus("X509_ALGOR_set0");
    }
  }
  return Status();
}

// SignAndEncode signs the TBSCertificate of `x` through `signer` and returns its DER.
Result<std::string> SignAndEncode(X509* x, const crypto::Signer& signer,
                                  const crypto::PublicKey& signer_key) {
  const crypto::HashAlg hash = crypto::DefaultHashFor(signer_key);
  CAIRN_RETURN_IF_ERROR(SetSignatureAlgorithm(x, signer_key.type(), hash));
  unsigned char* tbs = nullptr;
  const int tbs_len = i2d_re_X509_tbs(x, &tbs);
  if (tbs_len <= 0) return ossl::ErrorStatus("i2d_re_X509_tbs");
  ossl::UniquePtr<unsigned char> tbs_owned(tbs);
  CAIRN_ASSIGN_OR_RETURN(std::string sig,
                         signer.Sign(hash, std::string_view(reinterpret_cast<char*>(tbs),
                                                            static_cast<size_t>(tbs_len))));
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
  unsigned char* der = nullptr;
  const int der_len = i2d_X509(x, &der);
  if (der_len <= 0) return ossl::ErrorStatus("i2d_X509");
  ossl::UniquePtr<unsigned char> der_owned(der);
  return std::string(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
}

// Assemble builds and signs the certificate. `issuer_name` is null for self-signed.
Result<Certificate> Assemble(const X509_NAME* subject, const X509_NAME* issuer_name,
                             const std::string& serial_decimal, Time not_before, Time not_after,
                             const crypto::PublicKey& subject_key, const ExtensionList& exts,
                             const crypto::Signer& signer, const crypto::PublicKey& signer_key) {
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
  CAIRN_ASSIGN_OR_RETURN(std::string der, SignAndEncode(x.get(), signer, signer_key));
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
  if (tmpl.subject_key_id) CAIRN_RETURN_IF_ERROR(AddSubjectKeyId(&built, subject_key));
  CAIRN_RETURN_IF_ERROR(AddAuthorityKeyId(&built, issuer, subject_der));
  CAIRN_RETURN_IF_ERROR(
      AddAuthorityInfoAccess(&built, tmpl.ocsp_servers, tmpl.issuing_certificate_urls));
  if (!tmpl.sans.empty()) {
    CAIRN_ASSIGN_OR_RETURN(auto names, internal::BuildGeneralNames(tmpl.sans));
    const bool subject_empty = X509_NAME_entry_count(subject.get()) == 0;
    CAIRN_RETURN_IF_ERROR(AddI2d(&built, NID_subject_alt_name, subject_empty, names.get()));
  }
  CAIRN_RETURN_IF_ERROR(AddPolicies(&built, tmpl.policy_identifiers));
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
                  issuer_signer, signer_key);
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
                  subject_key, exts, signer, signer_key);
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
