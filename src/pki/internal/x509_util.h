#pragma once

// Conversions between OpenSSL's X.509 structures and pki's value types (pki internal; only
// pki/*.cc include this).

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/ossl_ptr.h"
#include "pki/extension.h"
#include "pki/name.h"

namespace cairn::pki::internal {

// kMaxDer bounds a certificate or CSR in DER (1 MiB).
inline constexpr size_t kMaxDer = 1 << 20;

// NameToX509 encodes `name` as Go's pkix.Name.ToRDNSequence does (see pki/name.h). Fails with
// kInvalidArgument on invalid UTF-8 or a malformed extra-name OID.
Result<ossl::UniquePtr<X509_NAME>> NameToX509(const Name& name);
// X509ToName decodes a distinguished name; unknown attributes go to extra_names.
Name X509ToName(const X509_NAME* name);
// NameToString renders `name` exactly as Go's pkix.Name.String() does (RFC 2253 style, e.g.
// "CN=foo,O=bar"; UTF-8 kept as is; unknown attributes as "<oid>=#<hex DER>").
std::string NameToString(const X509_NAME* name);
// NameCommonName returns the last commonName value (as Go's pkix.Name does), or "".
std::string NameCommonName(const X509_NAME* name);
// NameDer returns the DER encoding of `name`.
std::string NameDer(const X509_NAME* name);

// ObjToText returns the dotted OID of `obj`.
std::string ObjToText(const ASN1_OBJECT* obj);
// TextToObj parses a dotted OID. Fails with kInvalidArgument when malformed.
Result<ossl::UniquePtr<ASN1_OBJECT>> TextToObj(const std::string& oid);
// AsnString returns the raw bytes of an ASN1_STRING.
std::string AsnString(const ASN1_STRING* s);

// ToTime converts an ASN1_TIME; returns the epoch when it cannot be read. Times beyond what Time
// holds (years 1677..2262, e.g. 99991231235959Z) are clamped to its first (last) whole second.
Time ToTime(const ASN1_TIME* t);
// SetTime writes `t` (seconds precision) into `out`; UTCTime until 2049, GeneralizedTime after
// (RFC 5280 §4.1.2.5). Fails with kInvalidArgument when out of range.
Status SetTime(ASN1_TIME* out, Time t);

// ParseGeneralNames extracts DNS, IP, email and URI names; other kinds are skipped.
SubjectAltNames ParseGeneralNames(const GENERAL_NAMES* names);
// BuildGeneralNames encodes `sans` in Go's order (DNS, email, IP, URI). Fails with
// kInvalidArgument on a non-ASCII DNS/email/URI or an invalid IP.
Result<ossl::UniquePtr<GENERAL_NAMES>> BuildGeneralNames(const SubjectAltNames& sans);

// ExtensionFrom converts one OpenSSL extension.
Extension ExtensionFrom(const X509_EXTENSION* ext);
// MakeExtension builds an X509_EXTENSION from a value type. Fails with kInvalidArgument on a
// malformed OID.
Result<ossl::UniquePtr<X509_EXTENSION>> MakeExtension(const Extension& ext);

}  // namespace cairn::pki::internal
