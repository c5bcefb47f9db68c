#pragma once

// The CA's configuration file, $STEPPATH/config/ca.json, exactly as step-ca reads and writes
// it (stepca.md §3, §4).
//
// A CaConfig keeps the whole file as an order-preserving JSON tree (`raw`) and exposes typed,
// checked views of the fields cairn uses. The typed fields are read-only views: SaveCaConfig
// writes `raw`, so everything cairn does not understand (unknown top-level blocks, unknown
// provisioner types and fields, key order) survives a load/edit/save cycle. Edit through the
// provisioner helpers below, or edit `raw` and re-parse it with ParseCaConfigJson.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "config/claims.h"

namespace cairn::config {

// ProvisionerConfig is one entry of authority.provisioners.
struct ProvisionerConfig {
  // type is as written ("JWK", "jwk", "ACME", ...); compare it case-insensitively.
  std::string type;
  std::string name;
  Claims claims;
  // raw is the whole provisioner object, for the type-specific fields (JWK `key` and
  // `encryptedKey`, OIDC `clientID`, `options`, ...).
  nlohmann::ordered_json raw;
};

// kKnownProvisionerTypes are the provisioner types step-ca defines, in step's spelling.
inline constexpr const char* kKnownProvisionerTypes[] = {
    "JWK", "OIDC", "GCP", "AWS", "Azure", "ACME", "X5C", "K8sSA", "SSHPOP", "SCEP", "Nebula"};

// IsKnownProvisionerType reports whether `type` (any case) is one of kKnownProvisionerTypes.
bool IsKnownProvisionerType(std::string_view type);

// kDefaultCipherSuites is step-ca's default `tls.cipherSuites`.
inline constexpr const char* kDefaultCipherSuites[] = {
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"};

// IsKnownCipherSuite reports whether `name` is a cipher-suite name step-ca accepts (Go's
// crypto/tls constant names plus the legacy aliases TLS_ECDHE_{RSA,ECDSA}_WITH_CHACHA20_POLY1305).
bool IsKnownCipherSuite(std::string_view name);

// TlsOptions is the `tls` block; absent sub-fields get step-ca's defaults. Versions are JSON
// numbers (1.0, 1.1, 1.2, 1.3).
struct TlsOptions {
  std::vector<std::string> cipher_suites;  // defaults to kDefaultCipherSuites when empty
  double min_version = 1.2;
  double max_version = 1.3;
  bool renegotiation = false;
};

// DbConfig is the `db` block (`type`: badger, badgerv2, bbolt, mysql, postgresql, or cairn's
// sqlite; `dataSource`: a directory, file or DSN; `database`: a database name for SQL
// engines). The dataSource may contain a password: never log it.
struct DbConfig {
  std::string type;
  std::string data_source;
  std::string database;
};

// LoggerConfig is the `logger` block.
struct LoggerConfig {
  std::string format;  // "text", "json" or "common"
  std::string trace_header = "X-Smallstep-Id";
};

// CrlConfig is the `crl` block (stepca.md §9), with step-ca's names and defaults, plus delta
// CRLs (RFC 5280 §5.2.4), beyond step-ca.
struct CrlConfig {
  bool enabled = false;
  // generate_on_revoke regenerates the CRL on each revocation. When the CA revokes actively
  // (CRL or OCSP enabled) every revocation is published within a second regardless.
  bool generate_on_revoke = false;
  // cache_duration is the CRL's lifetime: nextUpdate = thisUpdate + cache_duration.
  Duration cache_duration = std::chrono::hours(24);
  // renew_period is how often the CRL is regenerated; zero means 2/3 of cache_duration.
  Duration renew_period{};
  // idp_url is the issuing distribution point URL (empty: derived from dnsNames).
  std::string idp_url;
  // delta enables delta CRLs at /crl/delta, listing what was revoked since the full CRL.
  bool delta = false;
};

// OcspConfig is the `ocsp` block: Cairn's OCSP responder (RFC 6960, RFC 5019), beyond step-ca.
struct OcspConfig {
  bool enabled = false;
  // path is where the responder answers: POST <path>, GET <path>/<base64 request>.
  std::string path = "/ocsp";
  // lifetime is the validity of a response: nextUpdate = thisUpdate + lifetime. Responses are
  // re-signed when a third of it remains.
  Duration lifetime = std::chrono::hours(24);
  // delegated signs with a responder certificate the CA issues itself (id-kp-OCSPSigning,
  // id-pkix-ocsp-nocheck) and rotates; false signs with the intermediate's key.
  bool delegated = true;
  // responder_lifetime is the validity of the delegated responder certificate; it is replaced
  // when a third of it remains.
  Duration responder_lifetime = std::chrono::hours(24 * 7);
  // cache_size bounds the pre-signed responses kept in memory; others are signed on demand.
  int cache_size = 100000;
  // url is the responder URL written into issued certificates (AIA); empty: derived from
  // insecureAddress (http) or address (https) and dnsNames[0].
  std::string url;
};

// SshKeyConfig is one entry of ssh.keys: an extra (usually federated) SSH CA public key as a
// JWK.
struct SshKeyConfig {
  std::string type;  // "user" or "host"
  bool federated = false;
  nlohmann::json key;  // a public JWK
};

// SshConfig is the `ssh` block (stepca.md §3): the SSH CA keys and the add-user options.
struct SshConfig {
  // host_key / user_key are the SSH host and user CA private keys (paths or KMS URIs; PEM,
  // decrypted with `password`); empty when that kind of certificate is not signed.
  std::string host_key;
  std::string user_key;
  std::vector<SshKeyConfig> keys;
  std::string add_user_principal = "provisioner";
  std::string add_user_command = "sudo useradd -m <principal>; nc -q0 localhost 22";
  // bastion is ssh.bastion ({"hostname","user","port","command","flags"}); null when absent.
  nlohmann::json bastion;
};

// SshTemplateConfig is one entry of templates.ssh.user / templates.ssh.host.
struct SshTemplateConfig {
  std::string name;
  std::string type;           // "snippet", "file", "directory", "prepend-line"
  std::string template_path;  // "template": the file, relative to $STEPPATH
  std::string path;           // where the client writes the result
  std::string comment;
  std::vector<std::string> requires_keys;  // "requires"
  // content is the template text given inline ("content"), used when template_path is empty.
  std::string content;
};

// TemplatesConfig is the `templates` block: the SSH configuration templates /ssh/config renders.
struct TemplatesConfig {
  std::vector<SshTemplateConfig> ssh_user;
  std::vector<SshTemplateConfig> ssh_host;
  // data is templates.data, exposed at the top level of the templates.
  nlohmann::json data = nlohmann::json::object();
};

// HttpLimitsConfig is Cairn's own `cairn.http` block: the HTTP server's limits for the CA's
// listeners (step-ca ignores the unknown `cairn` member, so the file stays step-ca's). Absent
// fields keep these defaults; they are read at start (a reload does not change them).
//   "cairn": {"http": {"readTimeout": "30s", "writeTimeout": "30s", "idleTimeout": "60s",
//                      "maxConnections": 4096}}
struct HttpLimitsConfig {
  // read_timeout ("readTimeout") bounds a new connection's TLS handshake plus its wait for a
  // first request, and each request's headers plus body.
  Duration read_timeout = std::chrono::seconds(30);
  // write_timeout ("writeTimeout") bounds the writing of each response.
  Duration write_timeout = std::chrono::seconds(30);
  // idle_timeout ("idleTimeout") bounds the wait for the next request on a keep-alive
  // connection.
  Duration idle_timeout = std::chrono::seconds(60);
  // max_connections ("maxConnections") caps the concurrent connections of the CA's HTTPS
  // listener and of its insecureAddress listener (each).
  int max_connections = 4096;
};

// kMinHttpTimeout / kMaxHttpTimeout bound every cairn.http timeout; kMaxHttpConnections bounds
// cairn.http.maxConnections (which must be at least 1).
inline constexpr Duration kMinHttpTimeout = std::chrono::milliseconds(100);
inline constexpr Duration kMaxHttpTimeout = std::chrono::hours(1);
inline constexpr int kMaxHttpConnections = 1000000;

// CaConfig is a parsed ca.json. Thread-compatible (a value type).
struct CaConfig {
  // roots: `root`, a string or an array of paths / KMS URIs.
  std::vector<std::string> roots;
  std::vector<std::string> federated_roots;
  // crt / key: the intermediate certificate (bundle) and its key (path or KMS URI).
  std::string crt, key;
  std::string address, insecure_address, metrics_address;
  // dns_names defaults to ["localhost", "127.0.0.1", "::1"] when absent (or null).
  std::vector<std::string> dns_names;
  std::string common_name = "Step Online CA";
  // password decrypts `key` (and SSH keys). Secret: never log it.
  std::string password;
  std::optional<DbConfig> db;
  std::optional<LoggerConfig> logger;
  TlsOptions tls;
  CrlConfig crl;
  OcspConfig ocsp;
  // ssh is the `ssh` block; nullopt when ca.json has none (no SSH CA).
  std::optional<SshConfig> ssh;
  TemplatesConfig templates;
  // authority_type is authority.type: "" or "softcas" for a CA holding its own key; "stepcas",
  // "cloudcas", "vaultcas", "externalcas" for registration-authority modes.
  std::string authority_type;
  Claims authority_claims;
  Duration backdate = std::chrono::minutes(1);
  bool disable_issued_at_check = false;
  // disable_get_ssh_hosts is authority.disableGetSSHHosts: GET /ssh/hosts answers 404.
  bool disable_get_ssh_hosts = false;
  bool enable_admin = false;
  // authority_template is authority.template, the default subject fields
  // (country, organization, ...) applied to leaf subjects; null when absent.
  nlohmann::json authority_template;
  std::vector<ProvisionerConfig> provisioners;
  // http_limits is cairn.http (defaults when absent).
  HttpLimitsConfig http_limits;
  // path is the file this config was loaded from (for messages and saving back).
  std::string path;
  // raw is the whole document, member order preserved; what SaveCaConfig writes.
  nlohmann::ordered_json raw;

  // IsRegistrationAuthority reports an RA authority.type (anything but "" / "softcas"), for
  // which root, crt and key are not required.
  bool IsRegistrationAuthority() const;

  // FindProvisioner returns the provisioner called exactly `name`, or null.
  const ProvisionerConfig* FindProvisioner(std::string_view name) const;

  // AddProvisioner appends `provisioner` (an object with string `type` and `name`) to
  // authority.provisioners, creating the array (and `authority`) if missing. Fails with
  // kAlreadyExists when a provisioner already has that name, kInvalidArgument when the object
  // is malformed (including bad claims). On failure the config is unchanged.
  Status AddProvisioner(nlohmann::ordered_json provisioner);

  // RemoveProvisioner deletes the provisioner called `name`; kNotFound if there is none.
  Status RemoveProvisioner(std::string_view name);

  // UpdateProvisioner applies `patch` to the provisioner called `name` as an RFC 7386 JSON
  // merge patch (a null member deletes that field; objects merge; anything else replaces).
  // kNotFound if there is no such provisioner, kAlreadyExists if the patch renames it to a
  // name in use, kInvalidArgument if `patch` is not an object or the result is malformed. On
  // failure the config is unchanged.
  Status UpdateProvisioner(std::string_view name, const nlohmann::ordered_json& patch);
};

// ParseCaConfig parses ca.json text. It checks syntax and types (a duration must parse, a
// boolean must be a boolean, ...) and applies step-ca's load-time defaults; semantic checks
// are Validate's. `path_for_messages` prefixes errors and becomes CaConfig::path. Fails with
// kInvalidArgument; messages never contain the password.
Result<CaConfig> ParseCaConfig(std::string_view json_text, std::string path_for_messages);

// ParseCaConfigJson is ParseCaConfig for an already parsed (or programmatically built)
// document, e.g. after editing CaConfig::raw.
Result<CaConfig> ParseCaConfigJson(nlohmann::ordered_json raw, std::string path_for_messages);

// LoadCaConfig reads and parses the file at `path`. kNotFound when it does not exist.
Result<CaConfig> LoadCaConfig(const std::string& path);

// Validate applies step-ca's configuration checks: `address` is host:port; dnsNames is not
// empty; root, crt and key are set unless authority.type is an RA type; TLS versions are
// known and min <= max; cipher-suite names are known; backdate >= 0; authority and
// per-provisioner TLS claims are > 0 and min <= default <= max; every provisioner has a type
// and a name; provisioner names are unique, and so are their token ids (JWK "name:kid",
// OIDC clientID, Azure tenantID); at most one K8sSA provisioner. And Cairn's own: the
// cairn.http timeouts are within [kMinHttpTimeout, kMaxHttpTimeout], maxConnections within
// [1, kMaxHttpConnections]. Fails with kInvalidArgument describing the first problem.
Status Validate(const CaConfig& config);

// SerializeCaConfig renders `config.raw` as step does: tab indentation, trailing newline.
std::string SerializeCaConfig(const CaConfig& config);

// SaveCaConfig writes SerializeCaConfig(config) to `path` atomically. The file keeps the mode
// of the file it replaces (0644 for a new file), narrowed to at most 0600 when the config
// holds a `password`.
Status SaveCaConfig(const CaConfig& config, const std::string& path);

// ResolvePath resolves a path from ca.json: absolute paths and URIs ("pkcs11:...",
// "awskms:...", "https://...") are returned unchanged; relative paths are taken relative to
// `home` ($STEPPATH). An empty `p` stays empty.
std::string ResolvePath(const std::string& home, const std::string& p);

}  // namespace cairn::config
