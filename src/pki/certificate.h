#pragma once

// Certificate: an immutable, parsed X.509 certificate. Above pki, code handles certificates
// only through this value type (OpenSSL stays inside crypto/pki).

#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/key.h"
#include "crypto/ossl_ptr.h"
#include "pki/extension.h"
#include "pki/name.h"
#include "pki/provisioner_extension.h"

namespace cairn::pki {

// kMaxCertificateDer bounds one certificate (and one PEM input to FromPem): 1 MiB.
inline constexpr size_t kMaxCertificateDer = 1 << 20;
// kMaxBundleInput bounds the PEM text ParsePemBundle reads (4 MiB).
inline constexpr size_t kMaxBundleInput = 4 << 20;
// kMaxBundleCertificates bounds the number of certificates in a bundle.
inline constexpr size_t kMaxBundleCertificates = 512;

// Certificate is an immutable parsed certificate. Copies share the X509 (UpRef). Never null (a
// moved-from object may only be destroyed or assigned to). Thread-safe for concurrent const
// use.
class Certificate {
 public:
  // FromDer parses one DER certificate. Fails with kInvalidArgument when malformed, with
  // trailing data, or larger than kMaxCertificateDer.
  static Result<Certificate> FromDer(std::string_view der);
  // FromPem parses text holding exactly one "CERTIFICATE" block (text and blocks of other
  // types around it are ignored, as step does). Fails with kInvalidArgument when there is no
  // certificate or more than one, or as FromDer.
  static Result<Certificate> FromPem(std::string_view pem);
  // ParsePemBundle parses every "CERTIFICATE" block, in order; other block types are skipped,
  // as step does. Fails with kInvalidArgument when there is no certificate or one is
  // malformed, kResourceExhausted beyond kMaxBundleInput / kMaxBundleCertificates.
  static Result<std::vector<Certificate>> ParsePemBundle(std::string_view pem);
  // FromX509 makes a Certificate from an OpenSSL object (e.g. a TLS peer certificate); the
  // caller keeps ownership of `x509`. Fails with kInvalidArgument when it cannot be encoded.
  static Result<Certificate> FromX509(X509* x509);
  // FromSigned adopts a certificate this process just built and signed (pki's builder):
  // `built` is its X509, `der` its encoding and `key` its subject public key. Nothing is parsed
  // again: OpenSSL 3.0 decodes a certificate's key through its generic decoder (~200 µs), and
  // the builder already holds the key. The X509 a later get() lends is parsed from `der` on
  // first use, so it is complete for verification.
  static Certificate FromSigned(ossl::UniquePtr<X509> built, std::string der,
                                crypto::PublicKey key);

  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;

  // der returns the certificate's DER encoding, byte for byte as parsed.
  const std::string& der() const;
  // pem returns the "CERTIFICATE" PEM block, with a trailing newline.
  std::string pem() const;

  // serial_decimal returns the serial number in decimal ("-" prefixed if negative).
  std::string serial_decimal() const;
  // serial_hex returns the serial number's magnitude as lower-case hex, two digits per byte.
  std::string serial_hex() const;

  // subject returns the subject as a Name.
  Name subject() const;
  // subject_cn returns the subject's (last) common name, or "".
  std::string subject_cn() const;
  // subject_string / issuer_string render the names as Go's pkix.Name.String() (what step
  // prints): RFC 2253 order, e.g. "CN=foo,O=bar,C=US"; "SERIALNUMBER", "STREET",
  // "POSTALCODE" for those attributes; unknown ones as "<oid>=#<hex DER>".
  std::string subject_string() const;
  std::string issuer_string() const;
  // raw_subject / raw_issuer return the DER of the names.
  std::string raw_subject() const;
  std::string raw_issuer() const;

  // not_before / not_after return the validity bounds.
  Time not_before() const;
  Time not_after() const;

  // dns_names, ip_addresses (text; IPv6 canonical), email_addresses and uris return the SANs
  // of each kind, in certificate order.
  std::vector<std::string> dns_names() const;
  std::vector<std::string> ip_addresses() const;
  std::vector<std::string> email_addresses() const;
  std::vector<std::string> uris() const;
  // sans returns all four kinds at once.
  SubjectAltNames sans() const;

  // is_ca reports whether basicConstraints says cA = TRUE.
  bool is_ca() const;
  // max_path_len returns the basicConstraints pathLenConstraint, or -1 when absent.
  int max_path_len() const;
  // key_usage returns the KeyUsage bits (pki::KeyUsage), 0 when the extension is absent.
  uint32_t key_usage() const;
  // ext_key_usage returns the extended key usages as names ("serverAuth", "clientAuth", ...;
  // see ExtKeyUsageName), unknown ones as dotted OIDs. Empty when absent.
  std::vector<std::string> ext_key_usage() const;
  // subject_key_id / authority_key_id return the raw key identifiers, "" when absent.
  std::string subject_key_id() const;
  std::string authority_key_id() const;

  // public_key returns the subject public key (any kind; see crypto::KeyType::kOther).
  crypto::PublicKey public_key() const;
  // fingerprint_sha256_hex returns lower-case hex SHA-256 of the DER (step's root fingerprint).
  std::string fingerprint_sha256_hex() const;
  // signature_algorithm returns Go's name for the signature algorithm: "ECDSA-SHA256",
  // "ECDSA-SHA384", "ECDSA-SHA512", "SHA256-RSA", "SHA384-RSA", "SHA512-RSA", "SHA1-RSA",
  // "SHA256-RSAPSS", "SHA384-RSAPSS", "SHA512-RSAPSS", "Ed25519"; the dotted OID otherwise.
  std::string signature_algorithm() const;

  // extensions returns all extensions, in certificate order.
  std::vector<Extension> extensions() const;
  // FindExtension returns the extension with `oid`, if present.
  std::optional<Extension> FindExtension(std::string_view oid) const;
  // provisioner_extension returns step-ca's provisioner extension, or nullopt when absent or
  // malformed (use FindExtension + ProvisionerExtension::Decode to tell them apart).
  std::optional<ProvisionerExtension> provisioner_extension() const;

  // IsIssuedBy reports whether `issuer`'s key verifies this certificate's signature and the
  // issuer name matches (no validity or path checks; see verify.h for those).
  bool IsIssuedBy(const Certificate& issuer) const;

  // get lends the X509 (owned by this object; valid while it lives). Do not modify it.
  X509* get() const;

 private:
  Certificate(ossl::UniquePtr<X509> x509, std::string der)
      : x509_(std::move(x509)), der_(std::make_shared<const std::string>(std::move(der))) {}
  // Parsed holds the X509 parsed from der_ on demand, for certificates from FromSigned.
  struct Parsed {
    std::once_flag once;
    ossl::UniquePtr<X509> x509;
  };
  ossl::UniquePtr<X509> x509_;
  std::shared_ptr<const std::string> der_;  // immutable, shared by copies
  std::optional<crypto::PublicKey> key_;    // set by FromSigned
  std::shared_ptr<Parsed> parsed_;          // set by FromSigned; shared by copies
};

}  // namespace cairn::pki
