#pragma once

// Certificate building blocks shared by `cairn ca init`, `cairn certificate create|sign|
// inspect|verify|fingerprint`: step's certificate profiles, key flags, time flags, root
// bundles and remote peer certificates. Private to src/cli.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/key.h"
#include "pki/builder.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "pki/name.h"

namespace cairn::cli::tools {

// Validity defaults of step's profiles: leaf and self-signed 24h, CAs 10 years (87600h).
inline constexpr Duration kLeafValidity = std::chrono::hours(24);
inline constexpr Duration kCaValidity = std::chrono::hours(24 * 365 * 10);

// LeafTemplate is step's default leaf profile: subject, SANs, keyUsage digitalSignature (plus
// keyEncipherment for an RSA key), extKeyUsage serverAuth + clientAuth, no basicConstraints.
// Serial and validity are left for the caller.
pki::CertificateTemplate LeafTemplate(const pki::Name& subject, const pki::SubjectAltNames& sans,
                                      crypto::KeyType key_type);

// CaTemplate is step's CA profile: subject, keyUsage certSign + crlSign (critical),
// basicConstraints CA:TRUE with `max_path_len` (-1: no limit). Root: 1, intermediate: 0.
pki::CertificateTemplate CaTemplate(const pki::Name& subject, int max_path_len);

// KeySpecFromFlags interprets step's --kty/--crv/--size flags for certificate keys (EC with
// P-256 by default, OKP with Ed25519, RSA with 2048 bits), with step's flag errors. The *_set
// arguments say whether those flags were given.
Result<crypto::KeySpec> KeySpecFromFlags(const std::string& kty, bool kty_set,
                                         const std::string& crv, bool crv_set, int size,
                                         bool size_set, bool insecure);

// ParseTimeFlag interprets a --not-before/--not-after value: "" is unset, else an RFC 3339 time
// or a Go duration relative to `now`. Fails with step's "invalid value '<v>' for flag
// '--<flag>'".
Result<std::optional<Time>> ParseTimeFlag(std::string_view flag, const std::string& value,
                                          Time now);

// ReadCertificatesFile parses every certificate of a PEM bundle or a single DER certificate.
Result<std::vector<pki::Certificate>> ParseCertificates(std::string_view data);

// ReadRoots reads step's --roots value: a file, a comma-separated list of files, or a
// directory (every regular file in it). Fails when no certificate is found.
Result<std::vector<pki::Certificate>> ReadRoots(const std::string& roots);

// SystemRoots reads the system bundle ($SSL_CERT_FILE, else /etc/ssl/certs/ca-certificates.crt).
Result<std::vector<pki::Certificate>> SystemRoots();

// TrimUrl returns ("host:port", true) when `ref` starts with https://, tls://, tcp://
// (port 443), smtps:// (465) or ldaps:// (636), case-insensitively; ("", false) otherwise.
Result<std::pair<std::string, bool>> TrimUrl(std::string_view ref);

// GetPeerCertificates connects with TLS to `addr` ("host:port") and returns the chain the
// server presents, leaf first. `roots` (a --roots value) replaces the system roots; `insecure`
// skips verification; `server_name` sets the SNI (and the name verified). Only HTTPS servers
// are supported (the chain is read from an HTTP request's handshake).
Result<std::vector<pki::Certificate>> GetPeerCertificates(const std::string& addr,
                                                          const std::string& server_name,
                                                          const std::string& roots, bool insecure);

// ReadPrivateKeyFile reads a PEM private key; when it is encrypted the password comes from
// `password_file` or, without one, from a prompt "Please enter the password to decrypt
// <path>".
Result<crypto::PrivateKey> ReadPrivateKeyFile(const std::string& path,
                                              const std::string& password_file);

// WritePrivateKey encodes `key` as step does (encrypted legacy PEM with a password, plain PEM
// without) and writes it with mode 0600 after the overwrite check.
Status WritePrivateKey(const std::string& path, const crypto::PrivateKey& key,
                       std::string_view password, bool force);

// MatchesHostname reports whether `cert` is valid for `host` as Go's VerifyHostname decides:
// an IP literal must equal an IP SAN; a name must match a DNS SAN case-insensitively, a
// leading "*." label matching exactly one label. Returns kUnauthenticated with Go's message
// otherwise.
Status MatchesHostname(const pki::Certificate& cert, std::string_view host);

// AbsolutePath makes `path` absolute against the current directory (no symlink resolution).
std::string AbsolutePath(const std::string& path);

}  // namespace cairn::cli::tools
